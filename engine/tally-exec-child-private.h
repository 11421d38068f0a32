/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The helper through which the runner starts GTest and plain programs
 * (tally-exec-child.c). No GLib here: the helper links libc alone. */

#define TALLY_EXEC_CHILD_ARG "--exec-child"
/* Variables for the program that the helper must not see itself
 * (LD_PRELOAD) come as this prefix + their name; it renames them. */
#define TALLY_CHILD_ENV_PREFIX "TALLY_CHILD_"
/* Its own executable, installed in libexecdir, built next to `tally`. */
#define TALLY_EXEC_CHILD_NAME "tally-exec-child"

/* argv: [any, TALLY_EXEC_CHILD_ARG, PARENT_PID, PROGRAM, ARG…]. Never
 * returns (exit status 127 when it cannot exec). */
void tally_exec_child_main (int    argc,
                            char **argv) __attribute__ ((noreturn));
