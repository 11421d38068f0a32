/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tally-markers-private.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_PROGRAM_NATIVE,     /* built with libtally: --tally-list, --tally-worker */
  TALLY_PROGRAM_GTEST,      /* a plain GTest binary: -l, then -p PATH --tap */
  TALLY_PROGRAM_PLAIN,      /* anything else: one test, judged by TAP or exit status */
} TallyProgramKind;

/* A test program as `tally run` sees it: where it is, and what
 * `PROGRAM --tally-list` said it holds. */
typedef struct
{
  TallyProgramKind kind;
  char *path;               /* as given, e.g. build/tests/test-foo */
  char *name;               /* basename: what reports and the database show */
  GPtrArray *tests;         /* of TallyListedTest, in registration order */
  GPtrArray *declared;      /* of TallyDeclaredMarkerInfo */
  grefcount ref_count;
} TallyProgram;

typedef struct
{
  TallyProgram *program;    /* borrowed */
  guint index;              /* the id on the worker protocol */
  char *path;
  char *file;
  int line;
  TallyMarkers *markers;
  gint64 store_id;          /* tests.id in the results database, or 0 */
} TallyListedTest;

typedef struct
{
  char *name;
  char *description;
} TallyDeclaredMarkerInfo;

TallyProgram *tally_program_discover    (const char    *path,
                                         GCancellable  *cancellable,
                                         GError       **error);
TallyProgram *tally_program_parse_listing (const char  *path,
                                           const char  *json,
                                           gsize        len,
                                           GError     **error);
char         *tally_program_display_name (const char  *path);
TallyProgram *tally_program_ref         (TallyProgram  *program);
void          tally_program_unref       (TallyProgram  *program);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyProgram, tally_program_unref)

G_END_DECLS
