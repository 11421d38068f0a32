/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Recent databases (GtkRecentManager) and the Open dialog, for the
 * window's menu and win.open. */
void tally_viewer_recent_add       (const char *path);
/* Fills @menu with up to 10 recent databases that still exist, as
 * win.open-recent items. */
void tally_viewer_recent_fill_menu (GMenu      *menu);
/* Asks for a database; @open gets @parent and the chosen path. */
void tally_viewer_choose_database  (GtkWindow  *parent,
                                    void      (*open) (GtkWindow *parent, const char *path));

G_END_DECLS
