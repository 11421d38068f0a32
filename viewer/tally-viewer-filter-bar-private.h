/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-viewer-filter-bar.h"

G_BEGIN_DECLS

/* For tests and the benchmark: the entries, to type into. */
GtkEditable *tally_viewer_filter_bar_get_search       (TallyViewerFilterBar *self);
GtkEditable *tally_viewer_filter_bar_get_marker_entry (TallyViewerFilterBar *self);
/* The marker popover's check boxes, in order, as "TERM N-TESTS" (fills
 * the popover if it was never opened). */
GPtrArray   *tally_viewer_filter_bar_dup_marker_terms (TallyViewerFilterBar *self);

G_END_DECLS
