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
  GPtrArray *test_blocks;   /* where the tests live, a block at a time */
  GStringChunk *strings;    /* their paths */
  const char *last_file;    /* interned: the file of the test added last */

  /* How to start it; set for programs from a meson build directory or
   * an installed-tests file (all nullable / zero otherwise). */
  char **args;              /* arguments after the program, before Tally's own */
  char **envp;              /* NAME=VALUE pairs set in its environment */
  char *workdir;            /* its working directory */
  gboolean fresh_workdir;   /* each process in a new temporary directory */
  double timeout_s;         /* a default timeout for its tests; 0: none given */
  char **suites;            /* meson suite names ("project:suite") */
  gboolean tap;             /* PLAIN: judge it by the TAP it prints */
  char *note;               /* what discovery worked around, for one line */
  const char *taken_for;    /* static: what reading it made of it, and why
                               ("a Tally program (links libtally-1)") */
  gboolean listing_cached;  /* its listing came from the listing cache */
} TallyProgram;

/* What to discover: a path, and for registered tests (a meson build
 * directory, an installed-tests file) how to start it. */
typedef struct
{
  const char *path;
  const char *name;                 /* how reports name it; NULL: its path */
  const char * const *args;
  const char * const *envp;
  const char *workdir;
  gboolean fresh_workdir;
  double timeout_s;                 /* 0: none */
  const char * const *suites;
  gboolean serial;                  /* every test gets `serial` */
  gboolean tap;                     /* its output is TAP */
  gboolean registered;              /* a registered test: one that lists
                                     * no tests is run as one test */
  gboolean force_gtest;             /* --gtest: list with -l, run with -p */
  struct _TallyListingCache *listing_cache; /* nullable: listings to reuse and keep */
  const int *listing_fd;            /* nullable: an early worker's listing to
                                     * read first (tally run; the caller
                                     * closes it) */
} TallyProgramSpec;

/* One test of a listing: 48 bytes, in blocks owned by the program. */
typedef struct
{
  TallyProgram *program;    /* borrowed */
  char *path;               /* in program->strings */
  const char *file;         /* interned: tests share their source files */
  TallyMarkers *markers;    /* often shared: tally_markers_ensure_own() first */
  gint64 store_id;          /* tests.id in the results database, or 0 */
  guint index;              /* the id on the worker protocol */
  int line;
} TallyListedTest;

typedef struct
{
  char *name;
  char *description;
} TallyDeclaredMarkerInfo;

TallyProgram *tally_program_discover    (const char    *path,
                                         GCancellable  *cancellable,
                                         GError       **error);
TallyProgram *tally_program_discover_spec (const TallyProgramSpec *spec,
                                           GCancellable           *cancellable,
                                           GError                **error);
gboolean      tally_program_looks_native (const char *path);
TallyProgram *tally_program_new_unlisted (const char *path);
TallyProgram *tally_program_parse_gtest_listing (const char  *path,
                                                 const char  *text,
                                                 gsize        len);
TallyProgram *tally_program_parse_listing (const char  *path,
                                           const char  *json,
                                           gsize        len,
                                           GError     **error);
char         *tally_program_display_name (const char  *path);
TallyProgram *tally_program_ref         (TallyProgram  *program);
void          tally_program_unref       (TallyProgram  *program);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyProgram, tally_program_unref)

G_END_DECLS
