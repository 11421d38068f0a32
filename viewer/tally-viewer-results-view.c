/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <stdlib.h>

#include <tally.h>

#include "tally-viewer-results-view-internal.h"
#include "tally-viewer-tree-row.h"
#include "tally-viewer-util.h"

/* The widget's core: its properties and signal, the status line, the
 * table's selection and focus, the public API and the GObject. The
 * cells and columns are in tally-viewer-results-view-columns.c, the
 * tree in tally-viewer-results-view-tree.c, the row menu in
 * tally-viewer-results-view-menu.c. */

enum {
  PROP_0,
  PROP_VIEW_MODE,
  PROP_SHOW_PROGRAM,
  PROP_SHOW_MARKERS,
  PROP_SHOW_DURATION,
  PROP_SHOW_ATTEMPT,
  PROP_SHOW_WORKER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  FOCUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TallyViewerResultsView, tally_viewer_results_view, ADW_TYPE_BIN)

/* The column each "show-*" property shows or hides. */
static const ResultColumn column_of_prop[N_PROPS] = {
  [PROP_SHOW_PROGRAM] = COL_PROGRAM,
  [PROP_SHOW_MARKERS] = COL_MARKERS,
  [PROP_SHOW_DURATION] = COL_DURATION,
  [PROP_SHOW_ATTEMPT] = COL_ATTEMPT,
  [PROP_SHOW_WORKER] = COL_WORKER,
};

/* --- status line ------------------------------------------------------- */

static void
update_status (TallyViewerResultsView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  guint total = tally_viewer_document_count (self->document, TALLY_VIEWER_ALL_MASK);
  gboolean loading = tally_viewer_document_get_loading (self->document);
  g_autofree char *text = NULL;

  g_autofree char *n_shown = tally_viewer_format_count (shown);
  g_autofree char *n_total = tally_viewer_format_count (total);

  if (loading)
    text = g_strdup ("Loading…");
  else if (shown == total)
    text = g_strdup_printf (g_dngettext (NULL, "%s result", "%s results", shown), n_shown);
  else
    text = g_strdup_printf ("Showing %s of %s results", n_shown, n_total);
  gtk_label_set_text (self->count_label, text);
  gtk_spinner_set_spinning (self->loading_spinner, loading);
  gtk_stack_set_visible_child_name (self->results_stack,
                                    loading ? "loading"
                                    : shown > 0 || tally_viewer_document_get_run_id (self->document) == 0
                                    ? (self->tree_mode ? "tree" : "table") : "empty");
}

/* --- selection and focus ----------------------------------------------- */

static int
compare_id (gconstpointer a,
            gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

GArray *
tally_viewer_results_view_dup_selected_ids (TallyViewerResultsView *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  GArray *ids;
  GtkBitsetIter iter;
  guint position;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), NULL);

  /* In the tree, a group stands for every test in it (as filtered). */
  if (self->tree_mode)
    {
      selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->tree_selection));
      ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position);
           more;
           more = gtk_bitset_iter_next (&iter, &position))
        {
          g_autoptr(TallyViewerTreeItem) item = tally_viewer_results_view_tree_item_at (self, position);

          if (item != NULL)
            tally_viewer_tree_item_collect_ids (item, ids);
        }
      g_array_sort (ids, compare_id);
      for (guint i = 1; i < ids->len;)
        if (g_array_index (ids, gint64, i) == g_array_index (ids, gint64, i - 1))
          g_array_remove_index (ids, i);
        else
          i++;
      return ids;
    }

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), gtk_bitset_get_size (selected));
  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position);
       more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      gint64 id = tally_viewer_result_list_get_id_at (self->results, position);

      g_array_append_val (ids, id);
    }
  g_array_sort (ids, compare_id);
  return ids;
}

/* Remembers the selection as it is now (positions move with each change
 * of the list). A copy: GtkMultiSelection changes the bitset it hands out. */
static void
remember_selection (TallyViewerResultsView *self)
{
  g_autoptr(GtkBitset) now = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

  g_clear_pointer (&self->last_selection, gtk_bitset_unref);
  self->last_selection = gtk_bitset_copy (now);
}

/* The list keeps positions, not results, across a change: select again
 * the results that were selected, where they are now. The selection's
 * handler sees nothing newly selected, so the focus stays. */
static void
reselect_ids (TallyViewerResultsView *self,
              GArray                 *ids)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  g_autoptr(GtkBitset) want = gtk_bitset_new_empty ();
  g_autoptr(GtkBitset) all = gtk_bitset_new_range (0, n);

  for (guint i = 0; ids != NULL && ids->len > 0 && i < n; i++)
    {
      gint64 id = tally_viewer_result_list_get_id_at (self->results, i);

      if (bsearch (&id, ids->data, ids->len, sizeof (gint64), compare_id) != NULL)
        gtk_bitset_add (want, i);
    }
  g_clear_pointer (&self->last_selection, gtk_bitset_unref);
  self->last_selection = gtk_bitset_copy (want);
  gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->selection), want, all);
}

/* The position of the focused row if it is still listed and selected,
 * else G_MAXUINT. */
static guint
focus_position (TallyViewerResultsView *self)
{
  guint position;

  if (self->focus_id == 0)
    return G_MAXUINT;
  position = tally_viewer_result_list_find (self->results, self->focus_id);
  if (position == G_MAXUINT
      || !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
    return G_MAXUINT;
  return position;
}

/* Tells the detail the focused row when it changed (@force: anyway). */

/* Tells the window which result to show, unless it shows it already
 * (same id, outcome, log count and duration: a live run's update of
 * another row must not reload the detail). */
void
tally_viewer_results_view_announce_focus (TallyViewerResultsView *self,
                                          const TallyResultRow   *row,
                                          gboolean                force)
{
  if (!force && row != NULL && row->id == self->shown_id && (int) row->outcome == self->shown_outcome
      && row->n_logs == self->shown_n_logs && row->duration_us == self->shown_duration)
    return;
  self->shown_id = row ? row->id : 0;
  self->shown_outcome = row ? (int) row->outcome : -1;
  self->shown_n_logs = row ? row->n_logs : 0;
  self->shown_duration = row ? row->duration_us : 0;
  g_signal_emit (self, signals[FOCUS_CHANGED], 0, row);
}
static void
show_focus (TallyViewerResultsView *self,
            gboolean                force)
{
  g_autoptr(TallyViewerResult) result = NULL;
  const TallyResultRow *row = NULL;
  guint position;

  remember_selection (self);
  position = focus_position (self);
  if (position == G_MAXUINT && !gtk_bitset_is_empty (self->last_selection))
    position = gtk_bitset_get_maximum (self->last_selection);
  if (position != G_MAXUINT)
    result = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  self->focus_id = result != NULL ? tally_viewer_result_get_id (result) : 0;
  if (result != NULL)
    row = tally_viewer_result_get_row (result);

  if (!force && row == NULL && self->shown_id == 0)
    return;
  tally_viewer_results_view_announce_focus (self, row, force);
}

/* A row that became selected takes the focus: of a range selected with
 * Shift, the end nearer the click (away from the old focus). */
static void
on_selection_changed_cb (TallyViewerResultsView *self,
                         guint                   position,
                         guint                   n_items,
                         GtkSelectionModel      *model)
{
  g_autoptr(GtkBitset) now = gtk_selection_model_get_selection_in_range (model, position, n_items);
  g_autoptr(GtkBitset) added = gtk_bitset_copy (now);
  guint old_focus = focus_position (self);

  if (self->last_selection != NULL)
    gtk_bitset_subtract (added, self->last_selection);
  if (!gtk_bitset_is_empty (added))
    {
      guint first = gtk_bitset_get_minimum (added);
      guint last = gtk_bitset_get_maximum (added);
      guint focus = old_focus != G_MAXUINT && first < old_focus ? first : last;

      self->focus_id = tally_viewer_result_list_get_id_at (self->results, focus);
    }
  /* The tree is shown: the detail follows its selection, not this one. */
  if (self->tree_mode)
    {
      remember_selection (self);
      return;
    }
  show_focus (self, FALSE);
}

static void
on_results_view_activate_cb (TallyViewerResultsView *self,
                             guint                   position,
                             GtkColumnView          *view)
{
  show_focus (self, TRUE);
}

static void
on_results_changing_cb (TallyViewerResultsView *self)
{
  g_clear_pointer (&self->changing_ids, g_array_unref);
  self->changing_ids = tally_viewer_results_view_dup_selected_ids (self);
}

static void
on_results_changed_cb (TallyViewerResultsView *self)
{
  g_autoptr(GArray) ids = g_steal_pointer (&self->changing_ids);

  reselect_ids (self, ids);
  update_status (self);
  /* The tree follows the same filter: built again now if shown. */
  if (self->tree_mode)
    {
      tally_viewer_results_view_tree_refilter (self);
      tally_viewer_results_view_tree_show_focus (self);
      return;
    }
  self->tree_stale = TRUE;
  show_focus (self, FALSE);
}

/* Another run: nothing selected, the detail empty until it is loaded. */
static void
on_document_run_id_cb (TallyViewerResultsView *self)
{
  const TallyRunRow *run = tally_viewer_document_get_run (self->document);
  g_autofree char *text = NULL;

  self->focus_id = 0;
  self->tree_focus_id = 0;
  self->tree_stale = TRUE;
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->tree_selection));
  if (run != NULL)
    {
      g_autofree char *argv = g_strjoinv (" ", run->argv);
      g_autofree char *shown = tally_viewer_text_for_display (argv, -1, 300);
      g_autofree char *kind = tally_viewer_describe_run ((const char * const *) run->argv, run->parent_id);

      /* A rerun is named as one, not by its temporary --tests-from list. */
      text = run->parent_id > 0 ? g_strdup_printf ("Run #%" G_GINT64_FORMAT " · %s", run->id, kind)
                                : g_strdup_printf ("tally %s", shown);
    }
  gtk_label_set_text (self->run_label, text ? text : "");
  update_status (self);
  show_focus (self, TRUE);
}

/* The detail reads from the connection the run was loaded with. A run
 * shown for the first time opens on its first failure, if it has one. */
static void
on_document_run_loaded_cb (TallyViewerResultsView *self)
{
  gint64 run_id = tally_viewer_document_get_run_id (self->document);
  const char *why = NULL;

  update_status (self);
  /* Built when the list took the run's ids ("changed"), unless stale. */
  if (self->tree_mode)
    tally_viewer_results_view_tree_refilter (self);
  if (run_id != 0 && run_id != self->autoselected_run && self->focus_id == 0
      && self->tree_focus_id == 0)
    {
      self->autoselected_run = run_id;
      if (tally_viewer_results_view_select_failure (self, 1, TRUE, &why))
        return;
    }
  if (self->tree_mode)
    {
      self->shown_id = -1;
      tally_viewer_results_view_tree_show_focus (self);
      return;
    }
  show_focus (self, TRUE);
}

static void
set_tree_mode (TallyViewerResultsView *self,
               gboolean                tree_mode)
{
  if (self->tree_mode == tree_mode)
    return;
  self->tree_mode = tree_mode;
  /* The table, hidden, keeps no rows: a filter would rebuild them too. */
  if (self->document != NULL)
    gtk_column_view_set_model (self->results_view, tree_mode ? NULL : GTK_SELECTION_MODEL (self->selection));
  if (tree_mode)
    {
      gint64 focus = self->focus_id;

      if (self->tree == NULL || self->tree_stale)
        tally_viewer_results_view_tree_rebuild (self);
      if (focus != 0 && focus != self->tree_focus_id)
        tally_viewer_results_view_tree_select_id (self, focus);
    }
  else if (self->tree_focus_id != 0)
    {
      guint position = tally_viewer_result_list_find (self->results, self->tree_focus_id);

      if (position != G_MAXUINT)
        tally_viewer_results_view_select_position (self, position);
    }
  if (self->document != NULL)
    update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW_MODE]);
}

/* --- public ------------------------------------------------------------ */

void
tally_viewer_results_view_set_document (TallyViewerResultsView *self,
                                        TallyViewerDocument    *document)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self));
  g_return_if_fail (self->document == NULL);

  self->document = g_object_ref (document);
  self->results = g_object_ref (tally_viewer_document_get_results (document));
  /* Before any run is read: the order no column header shows. */
  tally_viewer_result_list_set_sort (self->results, self->sort_key, FALSE);
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->results)));
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (on_selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->results, "changing", G_CALLBACK (on_results_changing_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->results, "changed", G_CALLBACK (on_results_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::run-id", G_CALLBACK (on_document_run_id_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::loading", G_CALLBACK (update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "counts-changed", G_CALLBACK (update_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "run-loaded", G_CALLBACK (on_document_run_loaded_cb), self,
                           G_CONNECT_SWAPPED);
  if (!self->tree_mode)
    gtk_column_view_set_model (self->results_view, GTK_SELECTION_MODEL (self->selection));
  update_status (self);
}

GtkSelectionModel *
tally_viewer_results_view_get_selection (TallyViewerResultsView *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), NULL);
  return GTK_SELECTION_MODEL (self->selection);
}

gboolean
tally_viewer_results_view_select_position (TallyViewerResultsView *self,
                                           guint                   position)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), FALSE);

  if (position >= g_list_model_get_n_items (G_LIST_MODEL (self->results)))
    return FALSE;
  /* The row alone, as a click does; it takes the focus. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  self->focus_id = tally_viewer_result_list_get_id_at (self->results, position);
  /* gtk_column_view_scroll_to() is GTK 4.12: ask its list view. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->results_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
  show_focus (self, FALSE);
  return TRUE;
}

gboolean
tally_viewer_results_view_select_failure (TallyViewerResultsView  *self,
                                          int                      step,
                                          gboolean                 from_top,
                                          const char             **why)
{
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GHashTable) failures = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  TallyStore *store = tally_viewer_result_list_get_store (self->results);
  guint start = from_top ? G_MAXUINT
                : self->tree_mode ? tally_viewer_result_list_find (self->results, self->tree_focus_id)
                : focus_position (self);

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), FALSE);

  *why = NULL;
  if (store == NULL || n == 0)
    return FALSE;

  /* In the list's order: the store keeps one order sorted, and another
   * would sort the whole run again here, on the main thread. */
  query.outcomes = TALLY_VIEWER_FAILED_MASK;
  {
    g_autoptr(TallyViewerResultFilter) filter = tally_viewer_result_list_dup_filter (self->results);

    ids = tally_store_viewer_query_result_ids (store, tally_viewer_result_list_get_run_id (self->results), &query,
                                               filter->sort_key, filter->descending, NULL);
  }
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_hash_table_add (failures, &g_array_index (ids, gint64, i));
  if (g_hash_table_size (failures) == 0)
    {
      *why = "No failures in this run";
      return FALSE;
    }

  if (self->tree_mode)
    return tally_viewer_results_view_tree_select_failure (self, step, from_top, why);
  if (start >= n)
    start = step > 0 ? n - 1 : 0;
  for (guint k = 1; k <= n; k++)
    {
      guint pos = (start + n + (guint) (step * (int) k) % n) % n;
      gint64 id = tally_viewer_result_list_get_id_at (self->results, pos);

      if (!g_hash_table_contains (failures, &id))
        continue;
      return tally_viewer_results_view_select_position (self, pos);
    }
  *why = "No failures among the results shown";
  return FALSE;
}

const char *
tally_viewer_results_view_get_view_mode (TallyViewerResultsView *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), NULL);
  return self->tree_mode ? "tree" : "table";
}

void
tally_viewer_results_view_set_view_mode (TallyViewerResultsView *self,
                                         const char             *mode)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self));
  g_return_if_fail (g_strcmp0 (mode, "table") == 0 || g_strcmp0 (mode, "tree") == 0);
  set_tree_mode (self, g_strcmp0 (mode, "tree") == 0);
}

GtkSelectionModel *
tally_viewer_results_view_get_tree_selection (TallyViewerResultsView *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), NULL);
  return GTK_SELECTION_MODEL (self->tree_selection);
}

gboolean
tally_viewer_results_view_open_row_menu (TallyViewerResultsView *self,
                                         GtkWidget              *view,
                                         double                  x,
                                         double                  y)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), FALSE);
  return tally_viewer_results_view_menu_open (self, view, x, y);
}

void
tally_viewer_results_view_release_views (TallyViewerResultsView *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self));
  gtk_column_view_set_model (self->results_view, NULL);
  gtk_list_view_set_model (self->tree_view, NULL);
}

/* --- GObject ----------------------------------------------------------- */

static void
tally_viewer_results_view_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (object);

  if (prop_id == PROP_VIEW_MODE)
    g_value_set_string (value, tally_viewer_results_view_get_view_mode (self));
  else if (prop_id > PROP_VIEW_MODE && prop_id < N_PROPS)
    g_value_set_boolean (value, self->column_chosen[column_of_prop[prop_id]]);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
tally_viewer_results_view_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (object);

  if (prop_id == PROP_VIEW_MODE)
    tally_viewer_results_view_set_view_mode (self, g_value_get_string (value));
  else if (prop_id > PROP_VIEW_MODE && prop_id < N_PROPS)
    {
      ResultColumn column = column_of_prop[prop_id];
      gboolean shown = g_value_get_boolean (value);

      if (self->column_chosen[column] == shown)
        return;
      self->column_chosen[column] = shown;
      tally_viewer_results_view_apply_columns (self);
      g_object_notify_by_pspec (object, pspec);
    }
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
tally_viewer_results_view_dispose (GObject *object)
{
  TallyViewerResultsView *self = (TallyViewerResultsView *) object;

  if (self->columns_source != NULL)
    g_source_destroy (self->columns_source);
  g_clear_pointer (&self->columns_source, g_source_unref);
  if (self->results_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->results_view), self);
      g_signal_handlers_disconnect_by_data (gtk_scrolled_window_get_hadjustment (self->table_scroller), self);
      /* Let the views drop their rows while the widget tree is whole. */
      gtk_column_view_set_model (self->results_view, NULL);
      gtk_list_view_set_model (self->tree_view, NULL);
    }
  g_clear_pointer (&self->row_popover, gtk_widget_unparent);
  g_clear_object (&self->context_item);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_RESULTS_VIEW);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->results != NULL)
    g_signal_handlers_disconnect_by_data (self->results, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->tree_selection);
  g_clear_object (&self->tree_model);
  g_clear_pointer (&self->tree, tally_viewer_tree_unref);
  g_clear_object (&self->results);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (tally_viewer_results_view_parent_class)->dispose (object);
}

static void
tally_viewer_results_view_finalize (GObject *object)
{
  TallyViewerResultsView *self = (TallyViewerResultsView *) object;

  g_clear_pointer (&self->last_selection, gtk_bitset_unref);
  g_clear_pointer (&self->tree_last_selection, gtk_bitset_unref);
  g_clear_pointer (&self->tree_ids, g_array_unref);
  g_clear_pointer (&self->changing_ids, g_array_unref);
  g_clear_pointer (&self->expanded, g_hash_table_unref);

  G_OBJECT_CLASS (tally_viewer_results_view_parent_class)->finalize (object);
}

static void
tally_viewer_results_view_class_init (TallyViewerResultsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tally_viewer_results_view_get_property;
  object_class->set_property = tally_viewer_results_view_set_property;
  object_class->dispose = tally_viewer_results_view_dispose;
  object_class->finalize = tally_viewer_results_view_finalize;

  /* "table" or "tree" (tally-viewer-results-view.h). */
  properties[PROP_VIEW_MODE] =
    g_param_spec_string ("view-mode", NULL, NULL, "table",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_PROGRAM] =
    g_param_spec_boolean ("show-program", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_MARKERS] =
    g_param_spec_boolean ("show-markers", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_DURATION] =
    g_param_spec_boolean ("show-duration", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_ATTEMPT] =
    g_param_spec_boolean ("show-attempt", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_WORKER] =
    g_param_spec_boolean ("show-worker", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FOCUS_CHANGED] = g_signal_new ("focus-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-results-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, results_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, results_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, row_menu);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, run_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, table_scroller);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, tree_view);
  gtk_widget_class_bind_template_callback (widget_class, on_results_view_activate_cb);

  gtk_widget_class_install_property_action (widget_class, "results.view-mode", "view-mode");
  gtk_widget_class_install_property_action (widget_class, "results.show-program", "show-program");
  gtk_widget_class_install_property_action (widget_class, "results.show-markers", "show-markers");
  gtk_widget_class_install_property_action (widget_class, "results.show-duration", "show-duration");
  gtk_widget_class_install_property_action (widget_class, "results.show-attempt", "show-attempt");
  gtk_widget_class_install_property_action (widget_class, "results.show-worker", "show-worker");
  tally_viewer_results_view_class_add_menu_actions (widget_class);
}

static void
tally_viewer_results_view_init (TallyViewerResultsView *self)
{
  GtkColumnViewColumn *path_col;

  gtk_widget_init_template (GTK_WIDGET (self));

  GtkListItemFactory *factory;

  self->shown_id = -1;
  self->sort_key = "failures";
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* The test takes the room; the others keep a width that fits their
   * values and ellipsize, and the optional ones go when narrow. */
  tally_viewer_results_view_add_column (self, "Outcome", COL_OUTCOME, "outcome", 96, FALSE);
  path_col = tally_viewer_results_view_add_column (self, "Test", COL_PATH, "path", -1, TRUE);
  tally_viewer_results_view_add_column (self, "Program", COL_PROGRAM, "program", 120, FALSE);
  tally_viewer_results_view_add_column (self, "Markers", COL_MARKERS, "markers", 120, FALSE);
  tally_viewer_results_view_add_column (self, "Duration", COL_DURATION, "duration", 86, FALSE);
  tally_viewer_results_view_add_column (self, "Attempt", COL_ATTEMPT, "attempt", 72, FALSE);
  tally_viewer_results_view_add_column (self, "Worker", COL_WORKER, "worker", 66, FALSE);
  (void) path_col;
  /* No column sorts at first: the store's "failures" order (failures,
   * then flaky tests, then the rest, by path); a header click sorts. */
  g_signal_connect_swapped (gtk_column_view_get_sorter (self->results_view), "changed",
                            G_CALLBACK (tally_viewer_results_view_on_sorter_changed_cb), self);
  g_signal_connect_swapped (gtk_scrolled_window_get_hadjustment (self->table_scroller), "changed",
                            G_CALLBACK (tally_viewer_results_view_on_table_hadjustment_changed_cb), self);

  factory = tally_viewer_tree_rows_factory_new ();
  gtk_list_view_set_factory (self->tree_view, factory);
  g_object_unref (factory);
  self->tree_selection = gtk_multi_selection_new (NULL);
  g_signal_connect_swapped (self->tree_selection, "selection-changed",
                            G_CALLBACK (tally_viewer_results_view_on_tree_selection_changed_cb), self);
  gtk_list_view_set_model (self->tree_view, GTK_SELECTION_MODEL (self->tree_selection));

  self->row_popover = gtk_popover_menu_new_from_model (self->row_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->row_popover), FALSE);
  gtk_widget_set_halign (self->row_popover, GTK_ALIGN_START);
  gtk_widget_set_parent (self->row_popover, GTK_WIDGET (self));
  tally_viewer_results_view_add_context_gesture (self, GTK_WIDGET (self->results_view));
  tally_viewer_results_view_add_context_gesture (self, GTK_WIDGET (self->tree_view));
}
