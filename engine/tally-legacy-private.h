/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-program-private.h"

G_BEGIN_DECLS

/* Where tests that are not named one by one come from: the tests meson
 * registered in a build directory, GNOME installed-tests (.test key
 * files), and the markers file that gives such tests markers. */

/* One registered test: a TallyProgramSpec with the storage it points to. */
typedef struct
{
  TallyProgramSpec spec;
  char *path;
  char *name;
  char *origin;               /* the .test file or "BUILDDIR: NAME", for messages */
  GStrv args;
  GStrv envp;
  GStrv suites;
  char *workdir;
} TallyRegisteredTest;

void       tally_registered_test_free    (TallyRegisteredTest  *test);

gboolean   tally_legacy_is_meson_builddir (const char          *path);
/* The tests of a configured meson build directory, via
 * `meson introspect --tests` (or meson-info/intro-tests.json). */
GPtrArray *tally_legacy_meson_tests      (const char           *builddir,
                                          GError              **error);
/* Whether a test in @suites is selected by @selector, as `meson test
 * --suite` does: "project:suite" exactly, or a bare suite or project name. */
gboolean   tally_legacy_suite_matches    (const char * const   *suites,
                                          const char           *selector);
/* The .test files under @dir_or_name (a directory, or NAME for
 * $XDG_DATA_DIRS/installed-tests/NAME). A file that cannot be used adds
 * one line to @problems and is skipped. */
GPtrArray *tally_legacy_installed_tests  (const char           *dir_or_name,
                                          GPtrArray            *problems,
                                          GError              **error);

typedef struct _TallyMarkerRules TallyMarkerRules;

/* A key file with a [markers] group of `GLOB = markers` lines; GLOB is
 * matched against "program::path" with g_pattern_match_simple(). */
TallyMarkerRules *tally_marker_rules_load  (const char        *path,
                                            GError           **error);
/* Adds the markers of every matching rule (a test's own win). */
void              tally_marker_rules_apply (TallyMarkerRules  *rules,
                                            TallyProgram      *program);
void              tally_marker_rules_free  (TallyMarkerRules  *rules);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyMarkerRules, tally_marker_rules_free)

G_END_DECLS
