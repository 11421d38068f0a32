/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <tally.h>

#include "tally-viewer-cell.h"
#include "tally-viewer-results-view-internal.h"
#include "tally-viewer-util.h"

/* The results view's table: its cells, each column's sort key, and the
 * optional columns (chosen in the menu, dropped when narrow). */

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

/* The table width a column needs to be shown (0: any): Attempt and
 * Worker go first, then Program and Markers, so the test keeps about
 * 200 px; a phone-sized window keeps Outcome, Test and Duration. */
static const int column_min_table_width[N_COLUMNS] = {
  [COL_PROGRAM] = 620,
  [COL_MARKERS] = 620,
  [COL_ATTEMPT] = 760,
  [COL_WORKER] = 760,
};

/* --- cells ------------------------------------------------------------- */

/* Each cell is one TallyViewerCell (tally-viewer-cell.h): drawn text, one
 * line high, so the rows GTK 4.8 builds for a keystroke that widens the
 * rows shown cost a widget a cell, not a label or an inscription that
 * measures its font. */
static const TallyViewerCellStyle column_cell_style[N_COLUMNS] = {
  [COL_OUTCOME] = TALLY_VIEWER_CELL_PILL,
  [COL_PATH] = TALLY_VIEWER_CELL_PLAIN,
  [COL_PROGRAM] = TALLY_VIEWER_CELL_DIM | TALLY_VIEWER_CELL_ELLIPSIZE,
  [COL_MARKERS] = TALLY_VIEWER_CELL_DIM | TALLY_VIEWER_CELL_ELLIPSIZE,
  [COL_DURATION] = TALLY_VIEWER_CELL_END | TALLY_VIEWER_CELL_NUMERIC,
  [COL_ATTEMPT] = TALLY_VIEWER_CELL_END | TALLY_VIEWER_CELL_NUMERIC,
  [COL_WORKER] = TALLY_VIEWER_CELL_END | TALLY_VIEWER_CELL_NUMERIC,
};

static void
on_cell_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  data)
{
  ResultColumn column = GPOINTER_TO_INT (data);

  /* In GTK 4.8 each cell of a column view is a list item of its own,
   * with the row's click gesture: a click selected twice, once through
   * the cell and once through its row. Harmless for a plain or a Shift
   * click; Ctrl+click toggled the row on and straight off again. Cells
   * that are neither selectable nor activatable let their row alone
   * select (and take the focus, so Ctrl+Space still works). */
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_child (item, tally_viewer_cell_new (column_cell_style[column]));
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
      tally_viewer_cell_set_outcome (TALLY_VIEWER_CELL (child), row ? (int) row->outcome : -1);
      return;
    }
  text = row != NULL ? cell_text (column, row, child) : NULL;
  tally_viewer_cell_set_text (TALLY_VIEWER_CELL (child), text);
}

static void
on_cell_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   gpointer                  data)
{
  g_object_set_data (G_OBJECT (gtk_list_item_get_child (item)), "tally-row", NULL);
  tally_viewer_row_set_shown (gtk_list_item_get_item (item), FALSE);
}

GtkColumnViewColumn *
tally_viewer_results_view_add_column (TallyViewerResultsView *self,
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

void
tally_viewer_results_view_on_sorter_changed_cb (TallyViewerResultsView *self,
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

/* --- columns ----------------------------------------------------------- */

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
void
tally_viewer_results_view_apply_columns (TallyViewerResultsView *self)
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
  tally_viewer_results_view_apply_columns (self);
  return G_SOURCE_REMOVE;
}

/* The table's width changed: narrower, it drops columns (applied after
 * this allocation, not during it). */
void
tally_viewer_results_view_on_table_hadjustment_changed_cb (TallyViewerResultsView *self,
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
