/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-document.h"

G_BEGIN_DECLS

/* The flaky tests over the database's latest runs (tally_flaky_tests()):
 * flips, flaky rate, failures. Activating one emits "test-activated"
 * (program, path), for its history page. */
#define TALLY_VIEWER_TYPE_FLAKY_PAGE (tally_viewer_flaky_page_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerFlakyPage, tally_viewer_flaky_page, TALLY_VIEWER, FLAKY_PAGE, GtkBox)

/* How many of the latest runs the list reads. */
#define TALLY_VIEWER_FLAKY_RUNS 50

GtkWidget *tally_viewer_flaky_page_new     (TallyViewerDocument  *document);
/* Reads the list again, on a thread (50 runs may be millions of
 * results); the page says so meanwhile. */
void       tally_viewer_flaky_page_refresh (TallyViewerFlakyPage *self);
gboolean   tally_viewer_flaky_page_is_busy (TallyViewerFlakyPage *self);
/* Drops the list being read, if any (the page was left); a later read
 * never shows an earlier one's result. */
void       tally_viewer_flaky_page_cancel  (TallyViewerFlakyPage *self);
/* How many tests the page lists. */
guint      tally_viewer_flaky_page_get_n_tests (TallyViewerFlakyPage *self);
/* For the tests: activates the @i-th test. */
void       tally_viewer_flaky_page_activate (TallyViewerFlakyPage *self,
                                             guint                 i);

G_END_DECLS
