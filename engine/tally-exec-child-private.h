/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The helper through which the runner starts GTest and plain programs
 * (tally-exec-child.c). No GLib here: the helper links libc alone. */

#define TALLY_EXEC_CHILD_ARG "--exec-child"
/* Variables for the program that the helper must not see itself
 * (LD_PRELOAD) come as this prefix + their name; it renames them. */
#define TALLY_CHILD_ENV_PREFIX "TALLY_CHILD_"
/* With this variable naming a descriptor, the helper stays as the
 * program's parent and writes "PID N\n" at offset 0 of that file and, at
 * the program's end, "USAGE CPU_US MAXRSS_KB\n" at the offset below
 * (tally_child_read_usage() reads them). */
#define TALLY_USAGE_FD_ENV "TALLY_USAGE_FD"
#define TALLY_USAGE_LINE_OFFSET 64
/* The directory the program runs in, if not the runner's: the helper
 * changes to it. The runner could ask GLib to, but GLib starts a process
 * with posix_spawn() only when it has no directory to change to, and
 * with fork() the runner copies its page tables for every process. */
#define TALLY_CWD_ENV "TALLY_CWD"
/* Its own executable, installed in libexecdir, built next to `tally`. */
#define TALLY_EXEC_CHILD_NAME "tally-exec-child"

/* argv: [any, TALLY_EXEC_CHILD_ARG, PARENT_PID, PROGRAM, ARG…]. Never
 * returns (exit status 127 when it cannot exec). */
void tally_exec_child_main (int    argc,
                            char **argv) __attribute__ ((noreturn));
