/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tally-exec-child-private.h"

G_BEGIN_DECLS

/* How the runner starts the processes that run tests, when it cannot put
 * code in them (GTest and plain programs): through a helper,
 * `tally-exec-child --exec-child PARENT_PID PROGRAM ARG…` (or `tally`
 * with the same arguments), which moves into a process group of its own
 * (a test's kill (0, sig) reaches its own processes only), asks for
 * SIGKILL when the runner dies, and execs the program
 * (tally-exec-child.c). Tally's own workers do the same from libcore. */

/* The helper's executable, for the wrapping; NULL (the default) starts
 * programs directly. */
void    tally_child_set_exec_helper (const char          *path);
/* Sets the helper from the runner's executable: `tally-exec-child`
 * beside it (a build tree), in libexecdir for an installed `tally`, else
 * the runner itself. */
void    tally_child_find_exec_helper (const char         *runner);
/* @argv behind the helper's arguments, or a copy of @argv without one.
 * Free with g_strfreev(). */
GStrv   tally_child_wrap_argv       (const char * const  *argv);
/* The name under which to give the program @name in its environment:
 * @name itself, or "TALLY_CHILD_" @name when the program is started
 * through the helper, which renames it before exec (for variables the
 * helper must not see itself, such as LD_PRELOAD). */
const char *tally_child_env_name (const char *name);
/* Whether programs are started through the helper; then a file given
 * as $TALLY_USAGE_FD (tally-exec-child-private.h) gets the program's pid and, at
 * its end, its rusage, which tally_child_read_usage() reads. */
gboolean tally_child_has_exec_helper (void);
/* Runs the program in @dir: the helper changes to it (so that GLib can
 * start the helper with posix_spawn()), else @launcher does. %NULL: in
 * the runner's directory, whatever its environment says. */
void    tally_child_set_cwd         (GSubprocessLauncher *launcher,
                                     const char          *dir);
void    tally_child_read_usage      (int                  fd,
                                     pid_t               *pid,
                                     gint64              *cpu_us,
                                     gint64              *max_rss_kb);
/* Sends @signum to @process's process group when it leads one, to it
 * alone otherwise. Nothing when it has exited. */
void    tally_child_signal          (GSubprocess         *process,
                                     int                  signum);

G_END_DECLS
