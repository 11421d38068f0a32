/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* `file:line` in text from tests (messages, log records, backtraces):
 * found, made into links, resolved against the run's directory and
 * opened in the user's editor (docs/viewer.md, "Locations"). */

/* @text (any bytes, made valid) as Pango markup: escaped, with each
 * `file.ext:line` a link whose URI is "tally-location:FILE:LINE"
 * (escaped). Text is never markup: only the links are. */
char     *tally_viewer_location_markup  (const char  *text,
                                         gssize       len);
/* Splits a "tally-location:FILE:LINE" URI (or plain "FILE:LINE"). */
gboolean  tally_viewer_location_parse   (const char  *uri,
                                         char       **file,
                                         int         *line);
/* An absolute path for @file: itself if absolute; else the first that
 * exists of @cwd/@file and @file against the program's directory and
 * its parents (compilers record paths relative to the build directory);
 * else @cwd/@file. @cwd and @program are nullable. */
char     *tally_viewer_location_resolve (const char  *file,
                                         const char  *cwd,
                                         const char  *program);
/* Opens @path at @line: with $TALLY_EDITOR when set, else the editor
 * of the preferences (tally_viewer_settings_dup_editor()) when set (a
 * command line in which {file} and {line} are replaced, e.g.
 * `code -g {file}:{line}`, started without a shell), else the desktop's
 * handler of its file:// URI (g_app_info_launch_default_for_uri; no
 * line). */
gboolean  tally_viewer_location_open    (const char  *path,
                                         int          line,
                                         GError     **error);

G_END_DECLS
