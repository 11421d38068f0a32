/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-document.h"

G_BEGIN_DECLS

/* The document's results as a table (sortable columns, several rows
 * selectable) with a status line. The selection follows results, not
 * positions, across every change of the list. "focus-changed" (a
 * nullable const TallyResultRow *) says which result the detail should
 * show: the row selected last, or else the last selected row. */
#define TALLY_VIEWER_TYPE_RESULTS_VIEW (tally_viewer_results_view_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerResultsView, tally_viewer_results_view, TALLY_VIEWER, RESULTS_VIEW, AdwBin)

void               tally_viewer_results_view_set_document     (TallyViewerResultsView *self,
                                                               TallyViewerDocument    *document);
GtkSelectionModel *tally_viewer_results_view_get_selection    (TallyViewerResultsView *self);
/* Selects the row at @position alone, as a click does, and scrolls to it. */
gboolean           tally_viewer_results_view_select_position  (TallyViewerResultsView *self,
                                                               guint                   position);
/* Selects the next (@step 1) or previous (-1) failure shown after the
 * focused row, or after @from_top the first; wraps. On FALSE, @why says
 * why (static). */
gboolean           tally_viewer_results_view_select_failure   (TallyViewerResultsView *self,
                                                               int                     step,
                                                               gboolean                from_top,
                                                               const char            **why);
/* The ids of the selected results, sorted (empty: none). */
GArray            *tally_viewer_results_view_dup_selected_ids (TallyViewerResultsView *self);
void               tally_viewer_results_view_release_views    (TallyViewerResultsView *self);

/* The "view-mode" property: "table" (the default) or "tree", the
 * results grouped by program and path segment with roll-ups. The
 * window's --screenshot … --view tree sets it with g_object_set(). The
 * toggle under the results is the action "results.view-mode". */
const char        *tally_viewer_results_view_get_view_mode    (TallyViewerResultsView *self);
void               tally_viewer_results_view_set_view_mode    (TallyViewerResultsView *self,
                                                               const char             *mode);

/* Also properties, for the column chooser (actions "results.show-…"):
 * "show-program", "show-markers", "show-duration", "show-attempt" and
 * "show-worker" (booleans, TRUE by default). In a narrow view (under
 * 620 px) Program, Markers, Attempt and Worker are hidden whatever they
 * say. The rows' context menu uses the actions "results.copy-path",
 * "results.copy-message", "results.rerun" (which activates
 * "win.rerun-selected": in the tree a group stands for all its tests)
 * and "results.open-location". */

/* For tests: the tree's selection (a GtkMultiSelection over a
 * GtkTreeListModel of TallyViewerTreeItem rows), and the row menu opened
 * on the row at (@x, @y) of @view (the column view or the tree's list
 * view), as a right click does. */
GtkSelectionModel *tally_viewer_results_view_get_tree_selection (TallyViewerResultsView *self);
gboolean           tally_viewer_results_view_open_row_menu    (TallyViewerResultsView *self,
                                                               GtkWidget              *view,
                                                               double                  x,
                                                               double                  y);

G_END_DECLS
