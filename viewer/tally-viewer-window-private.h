/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-viewer-detail-private.h"
#include "tally-viewer-document.h"
#include "tally-viewer-filter-bar-private.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-runner.h"
#include "tally-viewer-window.h"

G_BEGIN_DECLS

/* For tests/test-viewer.c and bench/bench-viewer.c only. */
TallyViewerDocument  *tally_viewer_window_get_document   (TallyViewerWindow *self);
TallyViewerFilterBar *tally_viewer_window_get_filter_bar (TallyViewerWindow *self);
GListModel           *tally_viewer_window_get_results    (TallyViewerWindow *self);
/* The table's selection (a GtkMultiSelection over the results). */
GtkSelectionModel    *tally_viewer_window_get_selection  (TallyViewerWindow *self);
TallyViewerDetail    *tally_viewer_window_get_detail     (TallyViewerWindow *self);
TallyViewerRunner    *tally_viewer_window_get_runner     (TallyViewerWindow *self);
TallyViewerResultsView *tally_viewer_window_get_results_view (TallyViewerWindow *self);
/* The widget of a page of the main stack: "compare", "flaky", "history"… */
GtkWidget            *tally_viewer_window_get_page_widget (TallyViewerWindow *self,
                                                           const char        *name);
AdwFlap              *tally_viewer_window_get_flap       (TallyViewerWindow *self);
/* The rows shown as "program::path" strings, in order (reads them all). */
GPtrArray            *tally_viewer_window_dup_shown      (TallyViewerWindow *self);
/* The sentence of the last toast. */
const char           *tally_viewer_window_get_last_toast (TallyViewerWindow *self);
/* The list of the last rerun as given to --tests-from (NULL: none). */
const char           *tally_viewer_window_get_last_tests (TallyViewerWindow *self);
/* Before destroying the window without closing it. */
void                  tally_viewer_window_release_views  (TallyViewerWindow *self);

G_END_DECLS
