/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The viewer's preferences (tally-viewer-settings.h): the editor that
 * opens file:line locations, a command line with {file} and {line},
 * saved when applied (the entry's ✓ or Enter). */
#define TALLY_VIEWER_TYPE_PREFERENCES (tally_viewer_preferences_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerPreferences, tally_viewer_preferences, TALLY_VIEWER, PREFERENCES,
                      AdwPreferencesWindow)

GtkWidget   *tally_viewer_preferences_new             (GtkWindow              *parent);
/* For the tests: the editor's entry row. */
AdwEntryRow *tally_viewer_preferences_get_editor_row  (TallyViewerPreferences *self);

G_END_DECLS
