/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-document.h"

G_BEGIN_DECLS

/* The filters above the results: outcome toggles with their counts (the
 * boolean properties "show-failed", "show-passed", "show-flaky",
 * "show-skipped", "show-other", also the actions "filter.show-…"), a
 * marker expression with a popover of the run's markers, and the search
 * text. Each change filters the document's results. */
#define TALLY_VIEWER_TYPE_FILTER_BAR (tally_viewer_filter_bar_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerFilterBar, tally_viewer_filter_bar, TALLY_VIEWER, FILTER_BAR, AdwBin)

void        tally_viewer_filter_bar_set_document    (TallyViewerFilterBar *self,
                                                     TallyViewerDocument  *document);
/* Typing in @widget goes to the search field. */
void        tally_viewer_filter_bar_set_key_capture_widget (TallyViewerFilterBar *self,
                                                            GtkWidget            *widget);
void        tally_viewer_filter_bar_focus_search    (TallyViewerFilterBar *self);
const char *tally_viewer_filter_bar_get_marker_text (TallyViewerFilterBar *self);

G_END_DECLS
