/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-compare-private.h"
#include "tally-viewer-document.h"

G_BEGIN_DECLS

/* Two runs side by side, as GitLab's merge-request test summary: new
 * failures, fixed, still failing, new tests, removed tests and tests
 * ≥ 2× slower (tally_compare_runs()). Two drop-downs pick the runs;
 * activating a test emits "test-activated" (program, path). */
#define TALLY_VIEWER_TYPE_COMPARE_PAGE (tally_viewer_compare_page_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerComparePage, tally_viewer_compare_page, TALLY_VIEWER, COMPARE_PAGE, GtkBox)

GtkWidget *tally_viewer_compare_page_new       (TallyViewerDocument    *document);
/* Compares @run_id against @base_id (0: the run a rerun came from, else
 * the run listed before @run_id), on a thread with a connection of its
 * own: the page shows a spinner meanwhile, and a later call (or a
 * choice in the drop-downs) cancels a comparison in progress. FALSE when
 * there are not two runs to compare. */
gboolean   tally_viewer_compare_page_show_runs (TallyViewerComparePage *self,
                                                gint64                  base_id,
                                                gint64                  run_id);
/* Drops the comparison being read, if any (the page was left). */
void       tally_viewer_compare_page_cancel    (TallyViewerComparePage *self);
gboolean   tally_viewer_compare_page_is_busy   (TallyViewerComparePage *self);
/* For the tests: how many tests the page lists under @change. */
guint      tally_viewer_compare_page_count     (TallyViewerComparePage *self,
                                                TallyChange             change);

G_END_DECLS
