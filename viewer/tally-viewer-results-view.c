/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <tally.h>

#include "tally-viewer-results-tree.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-tree-row.h"
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

/* The table width a column needs to be shown (0: any): Attempt and
 * Worker go first, then Program and Markers, so the test keeps about
 * 200 px; a phone-sized window keeps Outcome, Test and Duration. */
static const int column_min_table_width[N_COLUMNS] = {
  [COL_PROGRAM] = 620,
  [COL_MARKERS] = 620,
  [COL_ATTEMPT] = 760,
  [COL_WORKER] = 760,
};

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

/* --- cells ------------------------------------------------------------- */


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

  /* In GTK 4.8 each cell of a column view is a list item of its own,
   * with the row's click gesture: a click selected twice, once through
   * the cell and once through its row. Harmless for a plain or a Shift
   * click; Ctrl+click toggled the row on and straight off again. Cells
   * that are neither selectable nor activatable let their row alone
   * select (and take the focus, so Ctrl+Space still works). */
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_activatable (item, FALSE);

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
      /* Ellipsizing costs Pango work at every rebind (a keystroke
       * rebinds every row): only the narrow text columns ellipsize. */
      if (column == COL_PROGRAM || column == COL_MARKERS)
        gtk_inscription_set_text_overflow (GTK_INSCRIPTION (child), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
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
    case N_COLUMNS:
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
  /* For the context menu: which row a right click is on. */
  g_object_set_data (G_OBJECT (child), "tally-row", result);

  if (column == COL_OUTCOME)
    {
      const char *outcome = row ? tally_outcome_to_string (row->outcome) : "";
      int old = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (child), "tally-outcome")) - 1;

      set_outcome_class (child, row ? (int) row->outcome : -1);
      /* Only when it changed: most rebinds keep the outcome. */
      if (old != (row ? (int) row->outcome : -1) || old < 0)
        {
          gtk_label_set_text (GTK_LABEL (child), outcome);
          gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, outcome, -1);
        }
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
  g_object_set_data (G_OBJECT (gtk_list_item_get_child (item)), "tally-row", NULL);
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
  self->columns[column] = col;
  self->column_chosen[column] = TRUE;
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

  const char *previous = self->sort_key;

  self->sort_probe = NULL;
  order = gtk_sorter_compare (sorter, a, b);
  /* No column chosen (the start): failures first, then by path. */
  self->sort_key = self->sort_probe ? self->sort_probe : "failures";
  self->sort_probe = NULL;
  /* Durations are looked at for the slowest: the first click on the
   * header sorts them slowest first (GTK starts ascending). */
  if (g_strcmp0 (self->sort_key, "duration") == 0 && g_strcmp0 (previous, "duration") != 0
      && order != GTK_ORDERING_LARGER)
    {
      gtk_column_view_sort_by_column (self->results_view, self->columns[COL_DURATION], GTK_SORT_DESCENDING);
      return;
    }
  if (self->document != NULL)
    tally_viewer_document_set_sort (self->document, self->sort_key, order == GTK_ORDERING_LARGER);
}

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

static TallyViewerTreeItem *tree_item_at (TallyViewerResultsView *self, guint position);

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
          g_autoptr(TallyViewerTreeItem) item = tree_item_at (self, position);

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
static void
announce_focus (TallyViewerResultsView *self,
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
  announce_focus (self, row, force);
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

static void tree_rebuild (TallyViewerResultsView *self);
static void tree_refilter (TallyViewerResultsView *self);
static void tree_show_focus (TallyViewerResultsView *self);
static gboolean tree_select_id (TallyViewerResultsView *self, gint64 result_id);

static void
on_results_changed_cb (TallyViewerResultsView *self)
{
  g_autoptr(GArray) ids = g_steal_pointer (&self->changing_ids);

  reselect_ids (self, ids);
  update_status (self);
  /* The tree follows the same filter: built again now if shown. */
  if (self->tree_mode)
    {
      tree_refilter (self);
      tree_show_focus (self);
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
    tree_refilter (self);
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
      tree_show_focus (self);
      return;
    }
  show_focus (self, TRUE);
}

/* --- the tree ---------------------------------------------------------- */

static GListModel *
create_tree_children (gpointer item,
                      gpointer data)
{
  return tally_viewer_tree_item_dup_children (item);
}

static TallyViewerTreeItem *
tree_item_at (TallyViewerResultsView *self,
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
static gboolean
tree_select_id (TallyViewerResultsView *self,
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
static void
tree_show_focus (TallyViewerResultsView *self)
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
  announce_focus (self, row, FALSE);
}

static void
on_tree_selection_changed_cb (TallyViewerResultsView *self,
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
      g_autoptr(TallyViewerTreeItem) item = tree_item_at (self, gtk_bitset_get_maximum (added));

      self->tree_focus_id = item != NULL ? tally_viewer_tree_item_get_result_id (item) : 0;
    }
  else if (gtk_bitset_is_empty (now))
    self->tree_focus_id = 0;
  if (self->tree_mode)
    tree_show_focus (self);
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
static void
tree_rebuild (TallyViewerResultsView *self)
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
    tree_select_id (self, focus);
}

/* The table's filter changed: the tree of the same run filtered in
 * place (its rows, their expansion and widgets kept), not built again. */
static void
tree_refilter (TallyViewerResultsView *self)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) reopen = NULL;
  gint64 focus = self->tree_focus_id ? self->tree_focus_id : self->focus_id;

  if (self->tree == NULL || self->tree_stale
      || self->tree_store != tally_viewer_result_list_get_store (self->results)
      || self->tree_run_id != tally_viewer_result_list_get_run_id (self->results))
    {
      tree_rebuild (self);
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
      tree_rebuild (self);
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
  if (focus == 0 || !tree_select_id (self, focus))
    {
      self->focus_id = 0;
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->tree_selection));
    }
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
        tree_rebuild (self);
      if (focus != 0 && focus != self->tree_focus_id)
        tree_select_id (self, focus);
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

/* --- the context menu -------------------------------------------------- */

static gpointer
find_row_data (GtkWidget  *widget,
               const char *key)
{
  gpointer data = g_object_get_data (G_OBJECT (widget), key);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); data == NULL && child != NULL;
       child = gtk_widget_get_next_sibling (child))
    data = find_row_data (child, key);
  return data;
}

/* What a right click at (@x, @y) in @view is on: the list row widget
 * above the picked one, and the data its cells were bound with. */
static gpointer
row_data_at (GtkWidget  *view,
             double      x,
             double      y,
             const char *key)
{
  GtkWidget *picked = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);

  for (GtkWidget *w = picked; w != NULL && w != view; w = gtk_widget_get_parent (w))
    if (g_strcmp0 (gtk_widget_get_css_name (w), "row") == 0)
      return find_row_data (w, key);
  return NULL;
}

static TallyResultRow *
read_row (TallyViewerResultsView *self,
          gint64                  id)
{
  TallyStore *store = tally_viewer_result_list_get_store (self->results);
  g_autoptr(GPtrArray) rows = NULL;

  if (store == NULL || id == 0)
    return NULL;
  rows = tally_store_get_result_rows (store, &id, 1, NULL);
  if (rows == NULL || rows->len != 1)
    return NULL;
  return g_steal_pointer (&rows->pdata[0]);
}

static void
update_context_actions (TallyViewerResultsView *self)
{
  g_autoptr(TallyResultRow) row = read_row (self, self->context_id);
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "results.copy-path", row != NULL || self->context_item != NULL);
  gtk_widget_action_set_enabled (widget, "results.copy-message", row != NULL && row->message != NULL);
  gtk_widget_action_set_enabled (widget, "results.open-location", row != NULL && row->file != NULL);
  gtk_widget_action_set_enabled (widget, "results.rerun", row != NULL || self->context_item != NULL);
}

/* Opens the row menu on the row at (@x, @y) of @view: that row is
 * selected first (alone) unless it already is, as file managers do. */
static gboolean
open_row_menu (TallyViewerResultsView *self,
               GtkWidget              *view,
               double                  x,
               double                  y)
{
  GdkRectangle rect = { 0, 0, 1, 1 };
  double sx, sy;

  self->context_id = 0;
  g_clear_object (&self->context_item);
  if (view == GTK_WIDGET (self->tree_view))
    {
      GtkTreeListRow *row = row_data_at (view, x, y, "tally-tree-row");
      guint position;

      if (row == NULL)
        return FALSE;
      position = gtk_tree_list_row_get_position (row);
      if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->tree_selection), position))
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->tree_selection), position, TRUE);
      self->context_item = gtk_tree_list_row_get_item (row);
      self->context_id = tally_viewer_tree_item_get_result_id (self->context_item);
    }
  else
    {
      TallyViewerResult *result = row_data_at (view, x, y, "tally-row");
      guint position;

      if (result == NULL)
        return FALSE;
      position = tally_viewer_row_get_position (TALLY_VIEWER_ROW (result));
      if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
        tally_viewer_results_view_select_position (self, position);
      self->context_id = tally_viewer_result_list_get_id_at (self->results, position);
    }
  update_context_actions (self);
  if (!gtk_widget_translate_coordinates (view, GTK_WIDGET (self), x, y, &sx, &sy))
    sx = x, sy = y;
  rect.x = (int) sx;
  rect.y = (int) sy;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->row_popover), &rect);
  gtk_popover_popup (GTK_POPOVER (self->row_popover));
  return TRUE;
}

static void
on_context_pressed_cb (GtkGestureClick        *gesture,
                       int                     n_press,
                       double                  x,
                       double                  y,
                       TallyViewerResultsView *self)
{
  GtkWidget *view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (n_press == 1 && open_row_menu (self, view, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* Menu or Shift+F10: the menu of the row that has the focus. */
static gboolean
on_menu_key_cb (GtkWidget *view,
                GVariant  *args,
                gpointer   data)
{
  TallyViewerResultsView *self = data;
  GtkRoot *root = gtk_widget_get_root (view);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  graphene_point_t at;

  for (; focus != NULL && focus != view; focus = gtk_widget_get_parent (focus))
    if (g_strcmp0 (gtk_widget_get_css_name (focus), "row") == 0)
      break;
  if (focus == NULL || focus == view
      || !gtk_widget_compute_point (focus, view,
                                    &GRAPHENE_POINT_INIT (24, gtk_widget_get_height (focus) / 2.0), &at))
    return FALSE;
  return open_row_menu (self, view, at.x, at.y);
}

static void
add_context_gesture (TallyViewerResultsView *self,
                     GtkWidget              *view)
{
  GtkGesture *gesture = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_shortcut_controller_new ();
  GtkShortcutTrigger *trigger = gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Menu, 0),
                                                              gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_context_pressed_cb), self);
  gtk_widget_add_controller (view, GTK_EVENT_CONTROLLER (gesture));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (trigger, gtk_callback_action_new (on_menu_key_cb, self, NULL)));
  gtk_widget_add_controller (view, keys);
}

static void
copy_text (TallyViewerResultsView *self,
           const char             *text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

/* The selected tests' paths, one a line; a group of the tree: its path. */
static void
copy_path_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (widget);
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  TallyStore *store = tally_viewer_result_list_get_store (self->results);

  if (self->context_item != NULL && tally_viewer_tree_item_is_group (self->context_item))
    {
      g_autofree char *key = tally_viewer_tree_item_dup_key (self->context_item);
      const char *path = strstr (key, "::");

      copy_text (self, path != NULL ? path + 2 : key);
      return;
    }
  ids = tally_viewer_results_view_dup_selected_ids (self);
  if (ids->len == 0 && self->context_id != 0)
    g_array_append_val (ids, self->context_id);
  if (store != NULL && ids->len > 0)
    rows = tally_store_get_result_rows (store, (gint64 *) ids->data, ids->len, NULL);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "\n" : "", ((TallyResultRow *) rows->pdata[i])->path);
  copy_text (self, text->str);
}

static void
copy_message_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (widget);
  g_autoptr(TallyResultRow) row = read_row (self, self->context_id);
  g_autofree char *message = NULL;

  if (row == NULL || row->message == NULL)
    return;
  message = tally_viewer_text_for_display (row->message, row->message_len, -1);
  copy_text (self, message);
}

/* Reruns what is selected (the row or group the menu is on is): the
 * window's "win.rerun-selected" asks tally_viewer_results_view_dup_selected_ids(). */
static void
rerun_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  gtk_widget_activate_action (widget, "win.rerun-selected", NULL);
}

/* The failure's file, resolved against the run's directory, opened
 * with the desktop's handler for it. */
static void
open_location_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (widget);
  g_autoptr(TallyResultRow) row = read_row (self, self->context_id);
  const TallyRunRow *run = tally_viewer_document_get_run (self->document);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;

  if (row == NULL || row->file == NULL)
    return;
  path = g_path_is_absolute (row->file) || run == NULL || run->cwd == NULL
         ? g_strdup (row->file) : g_build_filename (run->cwd, row->file, NULL);
  uri = g_filename_to_uri (path, NULL, &error);
  if (uri == NULL || !g_app_info_launch_default_for_uri (uri, NULL, &error))
    g_debug ("Cannot open %s: %s", path, error->message);
}

/* --- columns ----------------------------------------------------------- */

static const ResultColumn column_of_prop[N_PROPS] = {
  [PROP_SHOW_PROGRAM] = COL_PROGRAM,
  [PROP_SHOW_MARKERS] = COL_MARKERS,
  [PROP_SHOW_DURATION] = COL_DURATION,
  [PROP_SHOW_ATTEMPT] = COL_ATTEMPT,
  [PROP_SHOW_WORKER] = COL_WORKER,
};

static gboolean
column_fits (TallyViewerResultsView *self,
             ResultColumn            column,
             int                     table_width)
{
  return table_width <= 0 || table_width >= column_min_table_width[column];
}

/* GTK 4.8 counts hidden columns in the table's minimum width and in the
 * room it shares out (later GTK skips them): a hidden column is also made
 * 0 px wide, so the Test column gets the room, and gets its width (as
 * set, or as the user dragged it) back when shown. */
static void
apply_columns (TallyViewerResultsView *self)
{
  for (guint c = 0; c < N_COLUMNS; c++)
    {
      GtkColumnViewColumn *column = self->columns[c];
      gboolean shown = self->column_chosen[c] && column_fits (self, c, self->table_width);

      if (shown == gtk_column_view_column_get_visible (column))
        continue;
      if (shown)
        gtk_column_view_column_set_fixed_width (column, self->column_width[c]);
      else
        {
          self->column_width[c] = gtk_column_view_column_get_fixed_width (column);
          gtk_column_view_column_set_fixed_width (column, 0);
        }
      gtk_column_view_column_set_visible (column, shown);
    }
}

static gboolean
apply_narrow_cb (gpointer data)
{
  TallyViewerResultsView *self = data;

  g_clear_pointer (&self->columns_source, g_source_unref);
  apply_columns (self);
  return G_SOURCE_REMOVE;
}

/* The table's width changed: narrower, it drops columns (applied after
 * this allocation, not during it). */
static void
on_table_hadjustment_changed_cb (TallyViewerResultsView *self,
                                 GtkAdjustment          *adjustment)
{
  int width = (int) gtk_adjustment_get_page_size (adjustment);
  gboolean changed = FALSE;

  for (guint c = 0; c < N_COLUMNS; c++)
    changed |= column_fits (self, c, width) != column_fits (self, c, self->table_width);
  self->table_width = width;
  if (!changed)
    return;
  /* A GSource kept, not an id: whoever destroys it (a test harness
   * clearing what a test left) cannot make dispose remove a stale id. */
  if (self->columns_source != NULL && g_source_is_destroyed (self->columns_source))
    g_clear_pointer (&self->columns_source, g_source_unref);
  if (self->columns_source == NULL)
    {
      self->columns_source = g_idle_source_new ();
      g_source_set_callback (self->columns_source, apply_narrow_cb, self, NULL);
      g_source_set_static_name (self->columns_source, "[tally-viewer] columns for the width");
      g_source_attach (self->columns_source, NULL);
    }
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

/* F8 in the tree: the next failure as the tree shows them (depth first,
 * as filtered), from the focused test or the first selected group; its
 * groups are expanded to show it. */
static gboolean
tree_select_failure (TallyViewerResultsView  *self,
                     int                      step,
                     gboolean                 from_top,
                     const char             **why)
{
  g_autoptr(TallyViewerTreeItem) from = NULL;
  g_autoptr(TallyViewerTreeItem) next = NULL;

  if (self->tree == NULL || self->tree_stale)
    tree_refilter (self);
  if (self->tree == NULL)
    return FALSE;
  if (!from_top && self->tree_focus_id != 0)
    from = tally_viewer_tree_find (self->tree, self->tree_focus_id);
  if (!from_top && from == NULL)
    {
      g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->tree_selection));

      if (!gtk_bitset_is_empty (selected))
        from = tree_item_at (self, gtk_bitset_get_minimum (selected));
    }
  next = tally_viewer_tree_next_failure (self->tree, from, step);
  if (next == NULL)
    {
      *why = "No failures among the results shown";
      return FALSE;
    }
  self->focus_id = tally_viewer_tree_item_get_result_id (next);
  return tree_select_id (self, self->focus_id);
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
    return tree_select_failure (self, step, from_top, why);
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
  return open_row_menu (self, view, x, y);
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
      apply_columns (self);
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
  gtk_widget_class_install_action (widget_class, "results.copy-path", NULL, copy_path_action);
  gtk_widget_class_install_action (widget_class, "results.copy-message", NULL, copy_message_action);
  gtk_widget_class_install_action (widget_class, "results.rerun", NULL, rerun_action);
  gtk_widget_class_install_action (widget_class, "results.open-location", NULL, open_location_action);
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
  add_column (self, "Outcome", COL_OUTCOME, "outcome", 96, FALSE);
  path_col = add_column (self, "Test", COL_PATH, "path", -1, TRUE);
  add_column (self, "Program", COL_PROGRAM, "program", 120, FALSE);
  add_column (self, "Markers", COL_MARKERS, "markers", 120, FALSE);
  add_column (self, "Duration", COL_DURATION, "duration", 86, FALSE);
  add_column (self, "Attempt", COL_ATTEMPT, "attempt", 72, FALSE);
  add_column (self, "Worker", COL_WORKER, "worker", 66, FALSE);
  (void) path_col;
  /* No column sorts at first: the store's "failures" order (failures,
   * then flaky tests, then the rest, by path); a header click sorts. */
  g_signal_connect_swapped (gtk_column_view_get_sorter (self->results_view), "changed",
                            G_CALLBACK (on_sorter_changed_cb), self);
  g_signal_connect_swapped (gtk_scrolled_window_get_hadjustment (self->table_scroller), "changed",
                            G_CALLBACK (on_table_hadjustment_changed_cb), self);

  factory = tally_viewer_tree_rows_factory_new ();
  gtk_list_view_set_factory (self->tree_view, factory);
  g_object_unref (factory);
  self->tree_selection = gtk_multi_selection_new (NULL);
  g_signal_connect_swapped (self->tree_selection, "selection-changed",
                            G_CALLBACK (on_tree_selection_changed_cb), self);
  gtk_list_view_set_model (self->tree_view, GTK_SELECTION_MODEL (self->tree_selection));

  self->row_popover = gtk_popover_menu_new_from_model (self->row_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->row_popover), FALSE);
  gtk_widget_set_halign (self->row_popover, GTK_ALIGN_START);
  gtk_widget_set_parent (self->row_popover, GTK_WIDGET (self));
  add_context_gesture (self, GTK_WIDGET (self->results_view));
  add_context_gesture (self, GTK_WIDGET (self->tree_view));
}
