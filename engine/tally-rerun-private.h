/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The command that reruns one test alone, standalone: `PROGRAM -p PATH`
 * (Tally programs and GTest binaries alike). */
GStrv  tally_rerun_argv    (const char         *program,
                            const char         *path);
/* @argv as one line for a shell: words quoted only where needed, and
 * those with control bytes as bash $'…\xNN' (exact to paste, inert to
 * show). */
char  *tally_shell_join    (const char * const *argv);
/* The line that reruns @path of @program, a stored program name (relative
 * to @cwd, where the run ran, when it has a slash), or NULL when that
 * names no executable file (a meson test name, a program since deleted).
 * What `tally show` prints and the viewer copies. */
char  *tally_rerun_command (const char         *program,
                            const char         *cwd,
                            const char         *path);

G_END_DECLS
