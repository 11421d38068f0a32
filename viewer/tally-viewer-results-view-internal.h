/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of the results view (tally-viewer-results-view.c,
 * -columns.c, -tree.c and -menu.c); never included elsewhere. */

#include <tally.h>

#include "tally-viewer-results-tree.h"
#include "tally-viewer-results-view.h"

G_BEGIN_DECLS

typedef enum
{
  COL_OUTCOME,
  COL_PATH,
  COL_PROGRAM,
  COL_MARKERS,
  COL_DURATION,
  COL_ATTEMPT,
  COL_WORKER,
  N_COLUMNS
} ResultColumn;

/* --- the view ---------------------------------------------------------- */

struct _TallyViewerResultsView
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkLabel *count_label;
  GtkSpinner *loading_spinner;
  GtkStack *results_stack;
  GtkColumnView *results_view;
  GMenuModel *row_menu;
  GtkLabel *run_label;
  GtkScrolledWindow *table_scroller;
  GtkListView *tree_view;

  /* Owned */
  TallyViewerDocument *document;
  TallyViewerResultList *results;
  GtkMultiSelection *selection;
  GtkBitset *last_selection;    /* the selection as of its last change */
  GArray *changing_ids;         /* the selected ids while the list changes */
  gint64 focus_id;              /* the result the detail shows; 0: none */
  const char *sort_probe;
  /* What the detail was told, to tell it only what changed. */
  gint64 shown_id;
  int shown_outcome;
  guint shown_n_logs;
  gint64 shown_duration;
  const char *sort_key;         /* the table's order, as last told */
  gint64 autoselected_run;      /* the run whose first failure was selected */

  /* Columns: chosen in the menu; the optional ones hidden when narrow. */
  GtkColumnViewColumn *columns[N_COLUMNS];
  gboolean column_chosen[N_COLUMNS];
  int column_width[N_COLUMNS];  /* a hidden column's width, to restore */
  int table_width;              /* the table's width as last seen; 0: unknown */
  GSource *columns_source;      /* applies the columns after an allocation */

  /* The tree (tally-viewer-results-tree.c), built when shown. */
  gboolean tree_mode;
  gboolean tree_stale;
  TallyViewerTree *tree;
  GtkTreeListModel *tree_model;
  GtkMultiSelection *tree_selection;
  GHashTable *expanded;         /* keys of the nodes expanded, across builds */
  GtkBitset *tree_last_selection;
  gint64 tree_focus_id;         /* the tree's focused test, 0: none */
  TallyStore *tree_store;       /* what the tree was built from */
  gint64 tree_run_id;
  GArray *tree_ids;             /* and filtered to */

  /* The row a context menu was opened on. */
  GtkWidget *row_popover;
  gint64 context_id;
  TallyViewerTreeItem *context_item;
};

/* tally-viewer-results-view.c */
/* Tells the window which result to show, unless it shows it already. */
void tally_viewer_results_view_announce_focus (TallyViewerResultsView *self,
                                               const TallyResultRow   *row,
                                               gboolean                force);

/* tally-viewer-results-view-columns.c: the cells, sort keys and columns */
GtkColumnViewColumn *tally_viewer_results_view_add_column (TallyViewerResultsView *self,
                                                           const char             *title,
                                                           ResultColumn            column,
                                                           const char             *sort_key,
                                                           int                     fixed_width,
                                                           gboolean                expand);
void tally_viewer_results_view_on_sorter_changed_cb (TallyViewerResultsView *self,
                                                     GtkSorterChange         change,
                                                     GtkSorter              *sorter);
/* Shows the columns chosen that fit the table's width. */
void tally_viewer_results_view_apply_columns (TallyViewerResultsView *self);
void tally_viewer_results_view_on_table_hadjustment_changed_cb (TallyViewerResultsView *self,
                                                                GtkAdjustment          *adjustment);

/* tally-viewer-results-view-tree.c: the tree mode */
TallyViewerTreeItem *tally_viewer_results_view_tree_item_at (TallyViewerResultsView *self,
                                                             guint                   position);
gboolean tally_viewer_results_view_tree_select_id (TallyViewerResultsView *self,
                                                   gint64                  result_id);
void tally_viewer_results_view_tree_show_focus (TallyViewerResultsView *self);
void tally_viewer_results_view_on_tree_selection_changed_cb (TallyViewerResultsView *self,
                                                             guint                   position,
                                                             guint                   n_items,
                                                             GtkSelectionModel      *model);
void tally_viewer_results_view_tree_rebuild (TallyViewerResultsView *self);
void tally_viewer_results_view_tree_refilter (TallyViewerResultsView *self);
gboolean tally_viewer_results_view_tree_select_failure (TallyViewerResultsView  *self,
                                                        int                      step,
                                                        gboolean                 from_top,
                                                        const char             **why);

/* tally-viewer-results-view-menu.c: the row menu and its actions */
gboolean tally_viewer_results_view_menu_open (TallyViewerResultsView *self,
                                              GtkWidget              *view,
                                              double                  x,
                                              double                  y);
void tally_viewer_results_view_add_context_gesture (TallyViewerResultsView *self,
                                                    GtkWidget              *view);
void tally_viewer_results_view_class_add_menu_actions (GtkWidgetClass *widget_class);

G_END_DECLS
