/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <tally.h>

#include "tally-viewer-results-view.h"
#include "tally-viewer-util.h"

#define CELL_CHARS_MAX 1000

/* --- a column's sort key ----------------------------------------------- */

/* GTK 4.8 cannot tell which column a GtkColumnViewSorter sorts by
 * (gtk_column_view_sorter_get_primary_sort_column is 4.10), and the
 * results are sorted by the store, not by a GtkSortListModel. Each
 * column gets a key sorter that records itself when asked to compare:
 * probing the column view's sorter with two dummies finds the primary
 * column, and the sign of the answer its order. */
#define TALLY_VIEWER_TYPE_KEY_SORTER (tally_viewer_key_sorter_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerKeySorter, tally_viewer_key_sorter, TALLY_VIEWER, KEY_SORTER, GtkSorter)

struct _TallyViewerKeySorter
{
  GtkSorter parent_instance;
  const char *key;
  const char **probe;
};

G_DEFINE_FINAL_TYPE (TallyViewerKeySorter, tally_viewer_key_sorter, GTK_TYPE_SORTER)

static GtkOrdering
tally_viewer_key_sorter_compare (GtkSorter *sorter,
                                 gpointer   item1,
                                 gpointer   item2)
{
  TallyViewerKeySorter *self = (TallyViewerKeySorter *) sorter;

  if (self->probe != NULL && *self->probe == NULL)
    *self->probe = self->key;
  return GTK_ORDERING_SMALLER;
}

static void
tally_viewer_key_sorter_class_init (TallyViewerKeySorterClass *klass)
{
  GTK_SORTER_CLASS (klass)->compare = tally_viewer_key_sorter_compare;
}

static void
tally_viewer_key_sorter_init (TallyViewerKeySorter *self)
{
}

/* --- the view ---------------------------------------------------------- */

struct _TallyViewerResultsView
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkLabel *count_label;
  GtkSpinner *loading_spinner;
  GtkStack *results_stack;
  GtkColumnView *results_view;
  GtkLabel *run_label;

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
};

enum {
  FOCUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TallyViewerResultsView, tally_viewer_results_view, ADW_TYPE_BIN)

/* --- cells ------------------------------------------------------------- */

typedef enum
{
  COL_OUTCOME,
  COL_PATH,
  COL_PROGRAM,
  COL_MARKERS,
  COL_DURATION,
  COL_ATTEMPT,
  COL_WORKER,
} ResultColumn;

/* Each class change restyles the widget: change only what differs (a
 * filter keystroke rebinds every visible row). */
static void
set_outcome_class (GtkWidget *widget,
                   int        outcome)
{
  int old = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (widget), "tally-outcome")) - 1;

  if (old == outcome)
    return;
  if (old >= 0)
    gtk_widget_remove_css_class (widget, tally_outcome_to_string (old));
  if (outcome >= 0)
    gtk_widget_add_css_class (widget, tally_outcome_to_string (outcome));
  g_object_set_data (G_OBJECT (widget), "tally-outcome", GINT_TO_POINTER (outcome + 1));
}

static void
on_cell_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  data)
{
  ResultColumn column = GPOINTER_TO_INT (data);
  GtkWidget *child;

  if (column == COL_OUTCOME)
    {
      child = gtk_label_new (NULL);
      gtk_widget_set_halign (child, GTK_ALIGN_START);
      gtk_widget_add_css_class (child, "outcome");
    }
  else
    {
      child = gtk_inscription_new (NULL);
      gtk_inscription_set_min_chars (GTK_INSCRIPTION (child), 3);
      if (column == COL_DURATION || column == COL_ATTEMPT || column == COL_WORKER)
        {
          gtk_inscription_set_xalign (GTK_INSCRIPTION (child), 1);
          gtk_widget_add_css_class (child, "numeric");
        }
      if (column == COL_MARKERS || column == COL_PROGRAM)
        gtk_widget_add_css_class (child, "dim-label");
    }
  gtk_list_item_set_child (item, child);
}

static char *
cell_text (ResultColumn          column,
           const TallyResultRow *row,
           GtkWidget            *child)
{
  switch (column)
    {
    case COL_PATH:
      return tally_viewer_text_for_display (row->path, -1, CELL_CHARS_MAX);
    case COL_PROGRAM:
      {
        g_autofree char *base = g_path_get_basename (row->program ? row->program : "");
        g_autofree char *full = tally_viewer_text_for_display (row->program, -1, CELL_CHARS_MAX);

        tally_viewer_set_tooltip (child, full);
        return tally_viewer_text_for_display (base, -1, CELL_CHARS_MAX);
      }
    case COL_MARKERS:
      return tally_viewer_text_for_display (row->markers, -1, CELL_CHARS_MAX);
    case COL_DURATION:
      return row->outcome == TALLY_OUTCOME_RUNNING ? g_strdup ("…")
                                                   : tally_viewer_format_duration (row->duration_us);
    case COL_ATTEMPT:
      return g_strdup_printf ("%u", row->attempt);
    case COL_WORKER:
      return row->worker >= 0 ? g_strdup_printf ("%d", row->worker) : g_strdup ("–");
    case COL_OUTCOME:
    default:
      g_assert_not_reached ();
    }
}

static void
on_cell_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  data)
{
  ResultColumn column = GPOINTER_TO_INT (data);
  TallyViewerResult *result = gtk_list_item_get_item (item);
  const TallyResultRow *row = tally_viewer_result_get_row (result);
  GtkWidget *child = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  tally_viewer_row_set_shown (TALLY_VIEWER_ROW (result), TRUE);

  if (column == COL_OUTCOME)
    {
      gtk_label_set_text (GTK_LABEL (child), row ? tally_outcome_to_string (row->outcome) : "");
      set_outcome_class (child, row ? (int) row->outcome : -1);
      return;
    }
  text = row != NULL ? cell_text (column, row, child) : NULL;
  gtk_inscription_set_text (GTK_INSCRIPTION (child), text ? text : "");
}

static void
on_cell_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   gpointer                  data)
{
  tally_viewer_row_set_shown (gtk_list_item_get_item (item), FALSE);
}

static GtkColumnViewColumn *
add_column (TallyViewerResultsView *self,
            const char             *title,
            ResultColumn            column,
            const char             *sort_key,
            int                     fixed_width,
            gboolean                expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  TallyViewerKeySorter *sorter = g_object_new (TALLY_VIEWER_TYPE_KEY_SORTER, NULL);
  GtkColumnViewColumn *col;

  sorter->key = sort_key;
  sorter->probe = &self->sort_probe;
  g_signal_connect (factory, "setup", G_CALLBACK (on_cell_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (on_cell_bind_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (on_cell_unbind_cb), NULL);
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_sorter (col, GTK_SORTER (sorter));
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_column_set_expand (col, expand);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (col, fixed_width);
  gtk_column_view_append_column (self->results_view, col);
  g_object_unref (sorter);
  g_object_unref (col);
  return col;
}

static void
on_sorter_changed_cb (TallyViewerResultsView *self,
                      GtkSorterChange         change,
                      GtkSorter              *sorter)
{
  g_autoptr(GObject) a = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) b = g_object_new (G_TYPE_OBJECT, NULL);
  GtkOrdering order;

  self->sort_probe = NULL;
  order = gtk_sorter_compare (sorter, a, b);
  if (self->document != NULL)
    tally_viewer_document_set_sort (self->document, self->sort_probe ? self->sort_probe : "path",
                                    order == GTK_ORDERING_LARGER);
  self->sort_probe = NULL;
}

/* --- status line ------------------------------------------------------- */

static void
update_status (TallyViewerResultsView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  guint total = tally_viewer_document_count (self->document, TALLY_VIEWER_ALL_MASK);
  gboolean loading = tally_viewer_document_get_loading (self->document);
  g_autofree char *text = NULL;

  if (loading)
    text = g_strdup ("Loading…");
  else if (shown == total)
    text = g_strdup_printf (g_dngettext (NULL, "%u result", "%u results", shown), shown);
  else
    text = g_strdup_printf ("Showing %u of %u results", shown, total);
  gtk_label_set_text (self->count_label, text);
  gtk_spinner_set_spinning (self->loading_spinner, loading);
  gtk_stack_set_visible_child_name (self->results_stack,
                                    loading ? "loading"
                                    : shown > 0 || tally_viewer_document_get_run_id (self->document) == 0
                                    ? "table" : "empty");
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

  if (!force && row != NULL && row->id == self->shown_id && (int) row->outcome == self->shown_outcome
      && row->n_logs == self->shown_n_logs && row->duration_us == self->shown_duration)
    return;
  if (!force && row == NULL && self->shown_id == 0)
    return;

  self->shown_id = row ? row->id : 0;
  self->shown_outcome = row ? (int) row->outcome : -1;
  self->shown_n_logs = row ? row->n_logs : 0;
  self->shown_duration = row ? row->duration_us : 0;
  g_signal_emit (self, signals[FOCUS_CHANGED], 0, row);
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
  show_focus (self, FALSE);
}

/* Another run: nothing selected, the detail empty until it is loaded. */
static void
on_document_run_id_cb (TallyViewerResultsView *self)
{
  const TallyRunRow *run = tally_viewer_document_get_run (self->document);
  g_autofree char *text = NULL;

  self->focus_id = 0;
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
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

/* The detail reads from the connection the run was loaded with. */
static void
on_document_run_loaded_cb (TallyViewerResultsView *self)
{
  update_status (self);
  show_focus (self, TRUE);
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
  guint start = from_top ? G_MAXUINT : focus_position (self);

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self), FALSE);

  *why = NULL;
  if (store == NULL || n == 0)
    return FALSE;

  query.outcomes = TALLY_VIEWER_FAILED_MASK;
  ids = tally_store_query_result_ids (store, tally_viewer_result_list_get_run_id (self->results), &query, NULL);
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_hash_table_add (failures, &g_array_index (ids, gint64, i));
  if (g_hash_table_size (failures) == 0)
    {
      *why = "No failures in this run";
      return FALSE;
    }

  if (start >= n)
    start = step > 0 ? n - 1 : 0;
  for (guint k = 1; k <= n; k++)
    {
      guint pos = (start + n + (guint) (step * (int) k) % n) % n;
      gint64 id = tally_viewer_result_list_get_id_at (self->results, pos);

      if (g_hash_table_contains (failures, &id))
        return tally_viewer_results_view_select_position (self, pos);
    }
  *why = "No failures among the results shown";
  return FALSE;
}

void
tally_viewer_results_view_release_views (TallyViewerResultsView *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULTS_VIEW (self));
  gtk_column_view_set_model (self->results_view, NULL);
}

/* --- GObject ----------------------------------------------------------- */

static void
tally_viewer_results_view_dispose (GObject *object)
{
  TallyViewerResultsView *self = (TallyViewerResultsView *) object;

  if (self->results_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->results_view), self);
      /* Let the view drop its rows while the widget tree is whole. */
      gtk_column_view_set_model (self->results_view, NULL);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_RESULTS_VIEW);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->results != NULL)
    g_signal_handlers_disconnect_by_data (self->results, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->results);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (tally_viewer_results_view_parent_class)->dispose (object);
}

static void
tally_viewer_results_view_finalize (GObject *object)
{
  TallyViewerResultsView *self = (TallyViewerResultsView *) object;

  g_clear_pointer (&self->last_selection, gtk_bitset_unref);
  g_clear_pointer (&self->changing_ids, g_array_unref);

  G_OBJECT_CLASS (tally_viewer_results_view_parent_class)->finalize (object);
}

static void
tally_viewer_results_view_class_init (TallyViewerResultsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_viewer_results_view_dispose;
  object_class->finalize = tally_viewer_results_view_finalize;

  signals[FOCUS_CHANGED] = g_signal_new ("focus-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-results-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, results_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, results_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerResultsView, run_label);
  gtk_widget_class_bind_template_callback (widget_class, on_results_view_activate_cb);
}

static void
tally_viewer_results_view_init (TallyViewerResultsView *self)
{
  GtkColumnViewColumn *path_col;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->shown_id = -1;
  add_column (self, "Outcome", COL_OUTCOME, "outcome", 110, FALSE);
  path_col = add_column (self, "Test", COL_PATH, "path", -1, TRUE);
  add_column (self, "Program", COL_PROGRAM, "program", 160, FALSE);
  add_column (self, "Markers", COL_MARKERS, "markers", 170, FALSE);
  add_column (self, "Duration", COL_DURATION, "duration", 95, FALSE);
  add_column (self, "Attempt", COL_ATTEMPT, "attempt", 75, FALSE);
  add_column (self, "Worker", COL_WORKER, "worker", 70, FALSE);
  gtk_column_view_sort_by_column (self->results_view, path_col, GTK_SORT_ASCENDING);
  g_signal_connect_swapped (gtk_column_view_get_sorter (self->results_view), "changed",
                            G_CALLBACK (on_sorter_changed_cb), self);
}
