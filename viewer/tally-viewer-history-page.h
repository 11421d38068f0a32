/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-document.h"

G_BEGIN_DECLS

/* One test across the latest runs: a duration plot (GtkDrawingArea,
 * cairo) with axes and values, timeouts marked apart at the top; a
 * button per run coloured by outcome, which emits "run-activated"
 * (run id); runs, failures, flips and the flaky rate. */
#define TALLY_VIEWER_TYPE_HISTORY_PAGE (tally_viewer_history_page_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerHistoryPage, tally_viewer_history_page, TALLY_VIEWER, HISTORY_PAGE, GtkBox)

/* How many runs the page reads. */
#define TALLY_VIEWER_HISTORY_RUNS 50

GtkWidget *tally_viewer_history_page_new        (TallyViewerDocument    *document);
/* Reads @program's @path on a thread, with a connection of its own:
 * the page shows a spinner meanwhile, and a later call cancels a read
 * in progress (its result is never shown). */
void       tally_viewer_history_page_show_test  (TallyViewerHistoryPage *self,
                                                 const char             *program,
                                                 const char             *path);
/* Drops the history being read, if any (the page was left). */
void       tally_viewer_history_page_cancel     (TallyViewerHistoryPage *self);
gboolean   tally_viewer_history_page_is_busy    (TallyViewerHistoryPage *self);
/* How many runs the shown test has a result in (0 while reading). */
guint      tally_viewer_history_page_get_n_runs (TallyViewerHistoryPage *self);
/* The test shown (nullable). */
const char *tally_viewer_history_page_get_program (TallyViewerHistoryPage *self);
const char *tally_viewer_history_page_get_path    (TallyViewerHistoryPage *self);
/* For the tests: the @i-th run button, oldest first. */
GtkWidget *tally_viewer_history_page_get_cell   (TallyViewerHistoryPage *self,
                                                 guint                   i);

G_END_DECLS
