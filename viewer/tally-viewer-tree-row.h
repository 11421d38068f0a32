/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* One row of the results tree, inside its GtkTreeExpander: the outcome
 * pill (a label, styled as the table's), the node's name and its counts
 * ("3 failed · 1,204 tests", or a test's duration), the two texts drawn
 * with PangoLayouts made when the row is first drawn. Every row has the
 * same height (a line of the font, measured once): GTK 4.8's list view
 * builds 200 rows for a group opened below, and a GtkInscription asks
 * Pango for the font's metrics at each measure (it shapes a sample text),
 * which was most of the cost of opening a group of 10,000. */
#define TALLY_VIEWER_TYPE_TREE_ROW (tally_viewer_tree_row_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerTreeRow, tally_viewer_tree_row, TALLY_VIEWER, TREE_ROW, GtkWidget)

GtkWidget  *tally_viewer_tree_row_new        (void);
/* Changes only what differs: a class change restyles the pill. */
void        tally_viewer_tree_row_set        (TallyViewerTreeRow *self,
                                              TallyOutcome        outcome,
                                              const char         *name,
                                              const char         *counts);
const char *tally_viewer_tree_row_get_name   (TallyViewerTreeRow *self);
const char *tally_viewer_tree_row_get_counts (TallyViewerTreeRow *self);

/* The tree's list item factory: a GtkTreeExpander around a
 * TallyViewerTreeRow; the expander has the row's GtkTreeListRow as
 * "tally-tree-row" data. A row bound again to the same node (GTK 4.8
 * rebinds every row below a change) costs nothing. */
GtkListItemFactory *tally_viewer_tree_rows_factory_new (void);
/* Shows the nodes' roll-ups again in every row (after a filter). */
void        tally_viewer_tree_rows_refresh    (GtkListItemFactory *factory);

G_END_DECLS
