/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TALLY_VIEWER_TYPE_APPLICATION (tally_viewer_application_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerApplication, tally_viewer_application, TALLY_VIEWER, APPLICATION, AdwApplication)

TallyViewerApplication *tally_viewer_application_new             (void);
/* Non-zero when --screenshot could not write its file. */
int                     tally_viewer_application_get_exit_status (TallyViewerApplication *self);
/* Renders @window as it is now into a PNG at @path. */
gboolean                tally_viewer_render_png                  (GtkWidget   *window,
                                                                  const char  *path,
                                                                  GError     **error);

G_END_DECLS
