/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "tally-program-private.h"

G_BEGIN_DECLS

/* Prints "CMD: message" on stderr; always returns @status. */
int tally_cmd_fail (const char *cmd,
                    int         status,
                    const char *format,
                    ...) G_GNUC_PRINTF (3, 4);

/* How programs are found besides by path: `tally run` and `tally list`
 * options (all nullable / FALSE). */
typedef struct
{
  gboolean gtest;               /* --gtest: named programs are GTest binaries */
  char **suites;                /* --suite: only meson tests in one of these */
  char **no_suites;             /* --no-suite: no meson test in one of these */
  char **installed_tests;       /* --installed-tests DIR-OR-NAME */
  const char *markers_file;     /* --markers-file; default .tally/markers.ini if present */
  /* Listings to reuse and keep (nullable: list every program). */
  struct _TallyListingCache *listing_cache;
  /* Called on the calling thread while the listings run (nullable). */
  void (*while_listing) (gpointer data);
  gpointer while_listing_data;
  /* An early worker's listing of the one program named (tally run),
   * read instead of listing it; -1 or NULL: none. */
  const int *listing_fd;
} TallyDiscoverOptions;

/* Discovers each program; a PATH that is a meson build directory stands
 * for the tests meson registered there. A missing or non-executable
 * program, or a directory that is not a meson build directory, prints
 * one line and returns NULL with *status 4. A program that misbehaves
 * (crashes or hangs while listing, lists nothing) prints one line and
 * is left out: *status is then 3 for the end of the run, and NULL is
 * returned only when no program is left. Otherwise *status is 0. */
GPtrArray *tally_cmd_discover (const char  *cmd,
                               char       **paths,
                               int         *status);
GPtrArray *tally_cmd_discover_full (const char                 *cmd,
                                    char                      **paths,
                                    const TallyDiscoverOptions *options,
                                    int                        *status);

/* The tests of @programs that -m and -k leave, in order; NULL with a
 * printed error (exit 4) for a malformed expression. */
GPtrArray *tally_cmd_select   (const char  *cmd,
                               GPtrArray   *programs,
                               const char  *marker_expr,
                               const char  *keyword_expr);

/* --strict-markers: every marker used must be built in or declared by
 * its program. Prints the first offence. */
gboolean   tally_cmd_check_strict_markers (const char *cmd,
                                           GPtrArray  *tests);

gboolean   tally_cmd_use_colour (FILE *stream);


G_END_DECLS
