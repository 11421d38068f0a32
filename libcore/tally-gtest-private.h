/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-main-private.h"

G_BEGIN_DECLS

/* GTest inside Tally (tally-gtest-compat.c): called by tally_init()
 * before it parses the command line; takes GTest's own options out of it
 * (--GTestSubprocess, --seed=SEED) and makes GLib's GTest state usable. */
void     tally_gtest_setup            (int                  *argc,
                                       char               ***argv);
/* A child of g_test_trap_subprocess(): run the -p test, raw output. */
gboolean tally_gtest_in_subprocess    (void);
int      tally_gtest_subprocess_main  (TallyProgramOptions  *options);
const char *tally_gtest_get_argv0     (void);
const char *tally_gtest_get_initial_cwd (void);
/* Forgets the last trapped child (tally-gtest-trap.c), as a test ends. */
void     tally_gtest_trap_clear       (void);

G_END_DECLS
