/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The viewer's preferences, in a key file: $XDG_CONFIG_HOME/tally/viewer.ini
 * (g_get_user_config_dir()), group [viewer]. Read at each call, so an
 * edit by hand holds at once; written with g_file_set_contents(). */

/* The command that opens a file:line location (the preferences' entry,
 * docs/viewer.md, "Locations"): (nullable) (transfer full), NULL when
 * none is set. $TALLY_EDITOR overrides it (tally_viewer_location_open()). */
char        *tally_viewer_settings_dup_editor (void);
/* Sets it; NULL or "" removes it (the desktop's handler again). */
gboolean     tally_viewer_settings_set_editor (const char  *command,
                                               GError     **error);
/* The key file's path: (transfer none). */
const char  *tally_viewer_settings_get_path   (void);
/* For the tests: another key file (NULL: the default again). */
void         tally_viewer_settings_set_path   (const char  *path);

G_END_DECLS
