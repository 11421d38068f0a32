/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-document.h"

G_BEGIN_DECLS

/* The runs of the document, newest first; selecting one shows it. */
#define TALLY_VIEWER_TYPE_RUNS_SIDEBAR (tally_viewer_runs_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerRunsSidebar, tally_viewer_runs_sidebar, TALLY_VIEWER, RUNS_SIDEBAR, AdwBin)

void tally_viewer_runs_sidebar_set_document   (TallyViewerRunsSidebar *self,
                                               TallyViewerDocument    *document);
/* Lets the list drop its rows (before the window goes). */
void tally_viewer_runs_sidebar_release_views  (TallyViewerRunsSidebar *self);

G_END_DECLS
