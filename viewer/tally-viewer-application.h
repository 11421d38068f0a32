/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-screenshot.h"

G_BEGIN_DECLS

#define TALLY_VIEWER_TYPE_APPLICATION (tally_viewer_application_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerApplication, tally_viewer_application, TALLY_VIEWER, APPLICATION, AdwApplication)

TallyViewerApplication *tally_viewer_application_new             (void);
/* Non-zero when --screenshot could not write its file. */
int                     tally_viewer_application_get_exit_status (TallyViewerApplication *self);

G_END_DECLS
