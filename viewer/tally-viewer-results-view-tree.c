/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-results-view-internal.h"
#include "tally-viewer-tree-row.h"
#include "tally-viewer-util.h"

/* The results view's tree mode: the tree built from the table's results
 * (tally-viewer-results-tree.c), its selection, focus and expansion. */

/* --- the tree ---------------------------------------------------------- */

static GListModel *
create_tree_children (gpointer item,
                      gpointer data)
{
  return tally_viewer_tree_item_dup_children (item);
}

TallyViewerTreeItem *
tally_viewer_results_view_tree_item_at (TallyViewerResultsView *self,
                                        guint                   position)
{
  g_autoptr(GtkTreeListRow) row = NULL;

  if (self->tree_model == NULL)
    return NULL;
  row = gtk_tree_list_model_get_row (self->tree_model, position);
  return row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
}

/* Expands @item's groups from the top and returns its row, or G_MAXUINT. */
static guint
tree_reveal (TallyViewerResultsView *self,
             TallyViewerTreeItem    *item)
{
  g_autoptr(GtkTreeListRow) row = tally_viewer_tree_item_get_row (item, self->tree_model, TRUE);

  return row != NULL ? gtk_tree_list_row_get_position (row) : G_MAXUINT;
}

static void
scroll_list_view (GtkWidget *list_view,
                  guint      position)
{
  gtk_widget_activate_action (list_view, "list.scroll-to-item", "u", position);
}

/* Selects the test of @result_id alone in the tree (its groups opened). */
gboolean
tally_viewer_results_view_tree_select_id (TallyViewerResultsView *self,
                                          gint64                  result_id)
{
  g_autoptr(TallyViewerTreeItem) item = NULL;
  guint position;

  if (self->tree == NULL || result_id == 0)
    return FALSE;
  item = tally_viewer_tree_find (self->tree, result_id);
  if (item == NULL)
    return FALSE;
  position = tree_reveal (self, item);
  if (position == G_MAXUINT)
    return FALSE;
  self->tree_focus_id = result_id;
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->tree_selection), position, TRUE);
  scroll_list_view (GTK_WIDGET (self->tree_view), position);
  return TRUE;
}

/* The detail shows the tree's focused test (nothing for a group). */
void
tally_viewer_results_view_tree_show_focus (TallyViewerResultsView *self)
{
  TallyStore *store = tally_viewer_result_list_get_store (self->results);
  g_autoptr(GPtrArray) rows = NULL;
  const TallyResultRow *row = NULL;

  if (self->tree_focus_id != 0 && store != NULL)
    rows = tally_store_get_result_rows (store, &self->tree_focus_id, 1, NULL);
  if (rows != NULL && rows->len == 1)
    row = rows->pdata[0];
  if (row == NULL && self->shown_id == 0)
    return;
  if (row != NULL)
    self->focus_id = row->id;
  tally_viewer_results_view_announce_focus (self, row, FALSE);
}

void
tally_viewer_results_view_on_tree_selection_changed_cb (TallyViewerResultsView *self,
                                                        guint                   position,
                                                        guint                   n_items,
                                                        GtkSelectionModel      *model)
{
  g_autoptr(GtkBitset) now = gtk_selection_model_get_selection (model);
  g_autoptr(GtkBitset) added = gtk_bitset_copy (now);

  if (self->tree_last_selection != NULL)
    gtk_bitset_subtract (added, self->tree_last_selection);
  g_clear_pointer (&self->tree_last_selection, gtk_bitset_unref);
  self->tree_last_selection = gtk_bitset_copy (now);
  if (!gtk_bitset_is_empty (added))
    {
      g_autoptr(TallyViewerTreeItem) item = tally_viewer_results_view_tree_item_at (self, gtk_bitset_get_maximum (added));

      self->tree_focus_id = item != NULL ? tally_viewer_tree_item_get_result_id (item) : 0;
    }
  else if (gtk_bitset_is_empty (now))
    self->tree_focus_id = 0;
  if (self->tree_mode)
    tally_viewer_results_view_tree_show_focus (self);
}

/* Remembers which groups are open, by key, so a new build (another
 * filter, another run) opens them again. */
static void
tree_remember_expanded (TallyViewerResultsView *self)
{
  guint n;

  if (self->tree_model == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->tree_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_row (self->tree_model, i);
      g_autoptr(TallyViewerTreeItem) item = gtk_tree_list_row_get_item (row);

      /* Not gtk_tree_list_row_is_expandable(): it makes the children's model. */
      if (!tally_viewer_tree_item_is_group (item))
        continue;
      if (gtk_tree_list_row_get_expanded (row))
        g_hash_table_add (self->expanded, tally_viewer_tree_item_dup_key (item));
      else
        {
          g_autofree char *key = tally_viewer_tree_item_dup_key (item);

          g_hash_table_remove (self->expanded, key);
        }
    }
}

static void
tree_restore_expanded (TallyViewerResultsView *self)
{
  /* A first look: the programs open, so their modules show. */
  gboolean first = g_hash_table_size (self->expanded) == 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->tree_model)); i++)
    {
      g_autoptr(GtkTreeListRow) row = gtk_tree_list_model_get_row (self->tree_model, i);
      g_autoptr(TallyViewerTreeItem) item = gtk_tree_list_row_get_item (row);
      g_autofree char *key = NULL;

      if (!tally_viewer_tree_item_is_group (item))
        continue;
      if (first)
        {
          if (gtk_tree_list_row_get_depth (row) == 0)
            gtk_tree_list_row_set_expanded (row, TRUE);
          continue;
        }
      key = tally_viewer_tree_item_dup_key (item);
      if (g_hash_table_contains (self->expanded, key))
        gtk_tree_list_row_set_expanded (row, TRUE);
    }
}

/* The table's results, as filtered: what the tree shows. */
static GArray *
list_ids (TallyViewerResultsView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);

  for (guint i = 0; i < n; i++)
    {
      gint64 id = tally_viewer_result_list_get_id_at (self->results, i);

      g_array_append_val (ids, id);
    }
  return ids;
}

/* Builds the tree of the whole run in memory, filtered as the table. */
void
tally_viewer_results_view_tree_rebuild (TallyViewerResultsView *self)
{
  TallyStore *store = tally_viewer_result_list_get_store (self->results);
  gint64 run_id = tally_viewer_result_list_get_run_id (self->results);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) root = NULL;
  g_autoptr(GArray) ids = NULL;
  TallyViewerTree *tree;
  gint64 focus = self->tree_focus_id ? self->tree_focus_id : self->focus_id;

  if (store == NULL)
    return;
  tree = tally_viewer_tree_build (store, run_id, NULL, &error);
  if (tree == NULL)
    {
      g_warning ("Cannot group the results: %s", error->message);
      return;
    }
  ids = list_ids (self);
  if (!tally_viewer_tree_filter (tree, (const gint64 *) ids->data, ids->len, NULL))
    g_debug ("The tree lacks some of the results shown");
  g_clear_pointer (&self->tree_ids, g_array_unref);
  self->tree_ids = g_steal_pointer (&ids);
  tree_remember_expanded (self);
  g_clear_pointer (&self->tree, tally_viewer_tree_unref);
  self->tree = tree;
  self->tree_stale = FALSE;
  self->tree_store = store;
  self->tree_run_id = run_id;
  root = tally_viewer_tree_dup_root (tree);
  g_clear_object (&self->tree_model);
  self->tree_model = gtk_tree_list_model_new (g_object_ref (root), FALSE, FALSE,
                                              create_tree_children, NULL, NULL);
  g_clear_pointer (&self->tree_last_selection, gtk_bitset_unref);
  self->tree_focus_id = 0;
  gtk_multi_selection_set_model (self->tree_selection, G_LIST_MODEL (self->tree_model));
  tree_restore_expanded (self);
  if (focus != 0)
    tally_viewer_results_view_tree_select_id (self, focus);
}

/* The table's filter changed: the tree of the same run filtered in
 * place (its rows, their expansion and widgets kept), not built again. */
void
tally_viewer_results_view_tree_refilter (TallyViewerResultsView *self)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) reopen = NULL;
  gint64 focus = self->tree_focus_id ? self->tree_focus_id : self->focus_id;

  if (self->tree == NULL || self->tree_stale
      || self->tree_store != tally_viewer_result_list_get_store (self->results)
      || self->tree_run_id != tally_viewer_result_list_get_run_id (self->results))
    {
      tally_viewer_results_view_tree_rebuild (self);
      return;
    }
  ids = list_ids (self);
  /* Another order of the same results (a column sorted): nothing to do. */
  if (self->tree_ids != NULL && ids->len == self->tree_ids->len
      && memcmp (ids->data, self->tree_ids->data, ids->len * sizeof (gint64)) == 0)
    return;
  reopen = g_ptr_array_new_with_free_func (g_object_unref);
  if (!tally_viewer_tree_filter (self->tree, (const gint64 *) ids->data, ids->len, reopen))
    {
      self->tree_stale = TRUE;
      tally_viewer_results_view_tree_rebuild (self);
      return;
    }
  g_clear_pointer (&self->tree_ids, g_array_unref);
  self->tree_ids = g_steal_pointer (&ids);
  tally_viewer_tree_reopen (reopen, self->tree_model);
  tally_viewer_tree_rows_refresh (gtk_list_view_get_factory (self->tree_view));
  /* The rows changed kept their selection's positions: the focus alone;
   * a focus the filter hides is gone, as in the table. */
  g_clear_pointer (&self->tree_last_selection, gtk_bitset_unref);
  self->tree_focus_id = 0;
  if (focus == 0 || !tally_viewer_results_view_tree_select_id (self, focus))
    {
      self->focus_id = 0;
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->tree_selection));
    }
}

/* F8 in the tree: the next failure as the tree shows them (depth first,
 * as filtered), from the focused test or the first selected group; its
 * groups are expanded to show it. */
gboolean
tally_viewer_results_view_tree_select_failure (TallyViewerResultsView  *self,
                                               int                      step,
                                               gboolean                 from_top,
                                               const char             **why)
{
  g_autoptr(TallyViewerTreeItem) from = NULL;
  g_autoptr(TallyViewerTreeItem) next = NULL;

  if (self->tree == NULL || self->tree_stale)
    tally_viewer_results_view_tree_refilter (self);
  if (self->tree == NULL)
    return FALSE;
  if (!from_top && self->tree_focus_id != 0)
    from = tally_viewer_tree_find (self->tree, self->tree_focus_id);
  if (!from_top && from == NULL)
    {
      g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->tree_selection));

      if (!gtk_bitset_is_empty (selected))
        from = tally_viewer_results_view_tree_item_at (self, gtk_bitset_get_minimum (selected));
    }
  next = tally_viewer_tree_next_failure (self->tree, from, step);
  if (next == NULL)
    {
      *why = "No failures among the results shown";
      return FALSE;
    }
  self->focus_id = tally_viewer_tree_item_get_result_id (next);
  return tally_viewer_results_view_tree_select_id (self, self->focus_id);
}
