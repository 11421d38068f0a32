/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-expr-private.h"
#include "tally-viewer-result-list.h"
#include "tally-viewer-util.h"
#include "tally-viewer-window.h"

#define POLL_INTERVAL_MS 300
#define RUNS_LIMIT 500
#define CELL_CHARS_MAX 1000
#define MAX_RERUN_SELECTED 3000

/* Outcome groups of the filter toggles. */
#define FAILED_MASK ((1u << TALLY_OUTCOME_FAILED) | (1u << TALLY_OUTCOME_CRASHED) \
                     | (1u << TALLY_OUTCOME_TIMEOUT) | (1u << TALLY_OUTCOME_ERROR))
#define PASSED_MASK (1u << TALLY_OUTCOME_PASSED)
#define FLAKY_MASK (1u << TALLY_OUTCOME_FLAKY)
#define SKIPPED_MASK (1u << TALLY_OUTCOME_SKIPPED)
#define ALL_MASK ((1u << TALLY_N_OUTCOMES) - 1)
#define OTHER_MASK (ALL_MASK & ~(FAILED_MASK | PASSED_MASK | FLAKY_MASK | SKIPPED_MASK))

static const struct
{
  const char *action;
  const char *label;
  guint mask;
} outcome_groups[] = {
  { "show-failed", "Failed", FAILED_MASK },
  { "show-passed", "Passed", PASSED_MASK },
  { "show-flaky", "Flaky", FLAKY_MASK },
  { "show-skipped", "Skipped", SKIPPED_MASK },
  { "show-other", "Other", OTHER_MASK },
};

/* --- a run in the sidebar ---------------------------------------------- */

#define TALLY_VIEWER_TYPE_RUN_ITEM (tally_viewer_run_item_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerRunItem, tally_viewer_run_item, TALLY_VIEWER, RUN_ITEM, GObject)

struct _TallyViewerRunItem
{
  GObject parent_instance;
  TallyRunRow *row;
};

G_DEFINE_FINAL_TYPE (TallyViewerRunItem, tally_viewer_run_item, G_TYPE_OBJECT)

static void
tally_viewer_run_item_finalize (GObject *object)
{
  g_clear_pointer (&TALLY_VIEWER_RUN_ITEM (object)->row, tally_run_row_free);
  G_OBJECT_CLASS (tally_viewer_run_item_parent_class)->finalize (object);
}

static void
tally_viewer_run_item_class_init (TallyViewerRunItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_run_item_finalize;
}

static void
tally_viewer_run_item_init (TallyViewerRunItem *self)
{
}

/* --- a column's sort key ----------------------------------------------- */

/* GTK 4.8 cannot tell which column a GtkColumnViewSorter sorts by
 * (gtk_column_view_sorter_get_primary_sort_column is 4.10), and the
 * results are sorted by SQLite, not by a GtkSortListModel. Each column
 * gets a key sorter that records itself when asked to compare: probing
 * the column view's sorter with two dummies finds the primary column,
 * and the sign of the answer its order. */
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

/* --- the window -------------------------------------------------------- */

struct _TallyViewerWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  GtkLabel *count_label;
  TallyViewerDetail *detail;
  AdwStatusPage *error_page;
  GtkToggleButton *failed_toggle;
  GtkToggleButton *flaky_toggle;
  AdwFlap *flap;
  GtkBox *marker_checks;
  GtkEntry *marker_entry;
  GtkStack *main_stack;
  GtkToggleButton *other_toggle;
  GtkToggleButton *passed_toggle;
  GtkProgressBar *progress_bar;
  GtkMenuButton *menu_button;
  GtkPopover *marker_popover;
  AdwSplitButton *rerun_button;
  GtkStack *results_stack;
  GtkColumnView *results_view;
  GtkLabel *run_label;
  GtkToggleButton *sidebar_button;
  GtkListView *runs_view;
  GtkSearchEntry *search_entry;
  GtkToggleButton *skipped_toggle;
  GtkButton *stop_button;
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;

  /* Owned */
  GMenu *recent_section;
  TallyStore *store;
  char *path;
  GListStore *runs;
  GHashTable *run_items;        /* run id → TallyViewerRunItem */
  GtkSingleSelection *runs_selection;
  TallyViewerResultList *results;
  GtkMultiSelection *results_selection;
  GtkBitset *last_selection;    /* the selection as of its last change */
  gint64 focus_id;              /* the result the detail shows; 0: none */
  TallyViewerRunner *runner;
  GArray *marker_ids;           /* nullable: tests the marker filter keeps */
  char *marker_expr;
  char *error_text;
  char *last_toast;
  const char *sort_probe;
  GSource *poll_source;
  gint64 data_version;
  gint64 run_id;
  gint64 follow_run_id;         /* select this run when it appears */
  guint counts[TALLY_N_OUTCOMES];
  guint n_total;
  /* What the detail pane shows, to redraw it only when it changed. */
  gint64 shown_id;
  int shown_outcome;
  guint shown_n_logs;
  gint64 shown_duration;
  gboolean updating;
  gboolean disposed;
  gboolean markers_filled;      /* marker_checks reflect the run */
};

G_DEFINE_FINAL_TYPE (TallyViewerWindow, tally_viewer_window, ADW_TYPE_APPLICATION_WINDOW)

static void apply_filters (TallyViewerWindow *self);
static void show_selected (TallyViewerWindow *self, gboolean force);

static void
toast (TallyViewerWindow *self,
       const char        *text)
{
  AdwToast *t = adw_toast_new (text);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

/* --- results table cells ----------------------------------------------- */

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
on_result_cell_setup_cb (GtkSignalListItemFactory *factory,
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

static void
on_result_cell_bind_cb (GtkSignalListItemFactory *factory,
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

  if (row == NULL)
    text = g_strdup ("");
  else
    switch (column)
      {
      case COL_PATH:
        text = tally_viewer_text_for_display (row->path, -1, CELL_CHARS_MAX);
        break;
      case COL_PROGRAM:
        {
          g_autofree char *base = g_path_get_basename (row->program ? row->program : "");
          g_autofree char *full = tally_viewer_text_for_display (row->program, -1, CELL_CHARS_MAX);

          text = tally_viewer_text_for_display (base, -1, CELL_CHARS_MAX);
          tally_viewer_set_tooltip (child, full);
        }
        break;
      case COL_MARKERS:
        text = tally_viewer_text_for_display (row->markers, -1, CELL_CHARS_MAX);
        break;
      case COL_DURATION:
        text = row->outcome == TALLY_OUTCOME_RUNNING ? g_strdup ("…")
                                                     : tally_viewer_format_duration (row->duration_us);
        break;
      case COL_ATTEMPT:
        text = g_strdup_printf ("%u", row->attempt);
        break;
      case COL_WORKER:
        text = row->worker >= 0 ? g_strdup_printf ("%d", row->worker) : g_strdup ("–");
        break;
      case COL_OUTCOME:
      default:
        g_assert_not_reached ();
      }

  gtk_inscription_set_text (GTK_INSCRIPTION (child), text);
}

static void
on_result_cell_unbind_cb (GtkSignalListItemFactory *factory,
                          GtkListItem              *item,
                          gpointer                  data)
{
  tally_viewer_row_set_shown (gtk_list_item_get_item (item), FALSE);
}

static GtkColumnViewColumn *
add_result_column (TallyViewerWindow *self,
                   const char        *title,
                   ResultColumn       column,
                   const char        *sort_key,
                   int                fixed_width,
                   gboolean           expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  TallyViewerKeySorter *sorter = g_object_new (TALLY_VIEWER_TYPE_KEY_SORTER, NULL);
  GtkColumnViewColumn *col;

  sorter->key = sort_key;
  sorter->probe = &self->sort_probe;
  g_signal_connect (factory, "setup", G_CALLBACK (on_result_cell_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (on_result_cell_bind_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (on_result_cell_unbind_cb), NULL);
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
on_results_sorter_changed_cb (TallyViewerWindow *self,
                              GtkSorterChange    change,
                              GtkSorter         *sorter)
{
  g_autoptr(GObject) a = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) b = g_object_new (G_TYPE_OBJECT, NULL);
  GtkOrdering order;

  self->sort_probe = NULL;
  order = gtk_sorter_compare (sorter, a, b);
  tally_viewer_result_list_set_sort (self->results, self->sort_probe ? self->sort_probe : "path",
                                     order == GTK_ORDERING_LARGER);
  self->sort_probe = NULL;
  apply_filters (self);
}

/* --- runs sidebar -------------------------------------------------------- */

static void
on_run_row_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *status = gtk_label_new (NULL);
  GtkWidget *counts = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (status, "run-status");
  gtk_label_set_xalign (GTK_LABEL (counts), 0);
  gtk_label_set_ellipsize (GTK_LABEL (counts), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (counts, "caption");
  gtk_widget_add_css_class (counts, "dim-label");
  gtk_widget_add_css_class (counts, "numeric");
  gtk_box_append (GTK_BOX (top), title);
  gtk_box_append (GTK_BOX (top), status);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), counts);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  g_object_set_data (G_OBJECT (box), "title", title);
  g_object_set_data (G_OBJECT (box), "status", status);
  g_object_set_data (G_OBJECT (box), "counts", counts);
  gtk_list_item_set_child (item, box);
}

static char *
run_counts_text (const TallyRunRow *row)
{
  GString *text = g_string_new (NULL);
  guint failed = 0;

  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    if (FAILED_MASK & (1u << o))
      failed += row->counts[o];

  if (failed > 0)
    g_string_append_printf (text, "%u failed · ", failed);
  g_string_append_printf (text, "%u passed", row->counts[TALLY_OUTCOME_PASSED]);
  if (row->counts[TALLY_OUTCOME_FLAKY] > 0)
    g_string_append_printf (text, " · %u flaky", row->counts[TALLY_OUTCOME_FLAKY]);
  if (row->counts[TALLY_OUTCOME_SKIPPED] > 0)
    g_string_append_printf (text, " · %u skipped", row->counts[TALLY_OUTCOME_SKIPPED]);
  if (row->finished_at_us > row->started_at_us)
    {
      g_autofree char *duration = tally_viewer_format_duration (row->finished_at_us - row->started_at_us);
      g_string_append_printf (text, " · %s", duration);
    }
  return g_string_free (text, FALSE);
}

static void
on_run_row_bind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    gpointer                  data)
{
  TallyViewerRunItem *run = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *status = g_object_get_data (G_OBJECT (box), "status");
  g_autofree char *when = tally_viewer_format_time (run->row->started_at_us);
  g_autofree char *title = g_strdup_printf ("#%" G_GINT64_FORMAT " · %s", run->row->id, when);
  g_autofree char *counts = run_counts_text (run->row);
  const char *status_text = tally_run_status_to_string (run->row->status);
  g_autofree char *argv = g_strjoinv (" ", run->row->argv);
  g_autofree char *tooltip = NULL;
  static const char *classes[] = { "running", "passed", "failed", "interrupted", "error" };

  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "title"), title);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "counts"), counts);
  gtk_label_set_text (GTK_LABEL (status), status_text);
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (status, classes[i]);
  gtk_widget_add_css_class (status, status_text);
  tooltip = g_strdup_printf ("tally %s\n%u workers%s%s", argv, run->row->workers,
                             run->row->host ? " · " : "", run->row->host ? run->row->host : "");
  tally_viewer_set_tooltip (box, tooltip);
}

/* Reads the runs again; the item of a run that stays is reused, so the
 * sidebar's selection holds. */
static gboolean
reload_runs (TallyViewerWindow  *self,
             GError            **error)
{
  g_autoptr(GPtrArray) rows = tally_store_list_runs (self->store, 0, RUNS_LIMIT, TRUE, error);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) fresh = NULL;

  if (rows == NULL)
    return FALSE;

  items = g_ptr_array_new_with_free_func (g_object_unref);
  fresh = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      TallyRunRow *row = g_steal_pointer (&rows->pdata[i]);
      TallyViewerRunItem *run = g_hash_table_lookup (self->run_items, &row->id);

      if (run == NULL)
        run = g_object_new (TALLY_VIEWER_TYPE_RUN_ITEM, NULL);
      else
        g_object_ref (run);
      g_clear_pointer (&run->row, tally_run_row_free);
      run->row = row;
      g_ptr_array_add (items, g_object_ref (run));
      g_hash_table_insert (fresh, &run->row->id, run);
    }

  self->updating = TRUE;
  g_list_store_splice (self->runs, 0, g_list_model_get_n_items (G_LIST_MODEL (self->runs)),
                       items->pdata, items->len);
  self->updating = FALSE;
  g_hash_table_unref (self->run_items);
  self->run_items = g_steal_pointer (&fresh);
  return TRUE;
}

static TallyRunRow *
current_run (TallyViewerWindow *self)
{
  TallyViewerRunItem *run = g_hash_table_lookup (self->run_items, &self->run_id);

  return run ? run->row : NULL;
}

/* --- filters ------------------------------------------------------------- */

static gboolean
group_shown (TallyViewerWindow *self,
             guint              i)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self), outcome_groups[i].action);

  return state != NULL && g_variant_get_boolean (state);
}

static guint
outcome_mask (TallyViewerWindow *self)
{
  guint mask = 0;

  for (guint i = 0; i < G_N_ELEMENTS (outcome_groups); i++)
    if (group_shown (self, i))
      mask |= outcome_groups[i].mask;
  return mask;
}

static void
update_counts (TallyViewerWindow *self)
{
  GtkToggleButton *toggles[] = { self->failed_toggle, self->passed_toggle, self->flaky_toggle,
                                 self->skipped_toggle, self->other_toggle };
  g_autoptr(GError) error = NULL;

  TallyRunRow *run = current_run (self);

  /* The sidebar's rows carry the counts (read with the runs). */
  memset (self->counts, 0, sizeof self->counts);
  self->n_total = 0;
  if (run != NULL && run->has_counts)
    memcpy (self->counts, run->counts, sizeof self->counts);
  else if (self->store != NULL && self->run_id != 0
           && !tally_store_get_run_counts (self->store, self->run_id, self->counts, &error))
    g_warning ("Cannot count results: %s", error->message);

  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    self->n_total += self->counts[o];

  for (guint i = 0; i < G_N_ELEMENTS (outcome_groups); i++)
    {
      g_autofree char *label = NULL;
      guint n = 0;

      for (int o = 0; o < TALLY_N_OUTCOMES; o++)
        if (outcome_groups[i].mask & (1u << o))
          n += self->counts[o];
      label = g_strdup_printf ("%s  %u", outcome_groups[i].label, n);
      gtk_button_set_label (GTK_BUTTON (toggles[i]), label);
      gtk_widget_set_visible (GTK_WIDGET (toggles[i]), n > 0 || group_shown (self, i)
                              || i < 2);
    }
}

static void
update_count_label (TallyViewerWindow *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  g_autofree char *text = NULL;

  if (shown == self->n_total)
    text = g_strdup_printf (g_dngettext (NULL, "%u result", "%u results", shown), shown);
  else
    text = g_strdup_printf ("Showing %u of %u results", shown, self->n_total);
  gtk_label_set_text (self->count_label, text);
  gtk_stack_set_visible_child_name (self->results_stack, shown > 0 || self->run_id == 0 ? "table" : "empty");
}

static int
compare_id (gconstpointer a,
            gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The ids of the selected rows, sorted; NULL when none is. */
static GArray *
selected_ids (TallyViewerWindow *self)
{
  g_autoptr(GtkBitset) selected =
    gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->results_selection));
  GArray *ids;
  GtkBitsetIter iter;
  guint position;

  if (gtk_bitset_is_empty (selected))
    return NULL;

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

/* The results list keeps positions, not results, across a change (see
 * tally-viewer-result-list.h): select again the results that were
 * selected, where they are now. The selection's handler sees nothing
 * newly selected, so the focused result stays the focused one. */
static void
reselect_ids (TallyViewerWindow *self,
              GArray            *ids)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  g_autoptr(GtkBitset) want = gtk_bitset_new_empty ();
  g_autoptr(GtkBitset) all = gtk_bitset_new_range (0, n);

  for (guint i = 0; ids != NULL && i < n; i++)
    {
      gint64 id = tally_viewer_result_list_get_id_at (self->results, i);

      if (bsearch (&id, ids->data, ids->len, sizeof (gint64), compare_id) != NULL)
        gtk_bitset_add (want, i);
    }

  g_clear_pointer (&self->last_selection, gtk_bitset_unref);
  self->last_selection = gtk_bitset_copy (want);
  gtk_selection_model_set_selection (GTK_SELECTION_MODEL (self->results_selection), want, all);
}

/* Filters the results again: all filters, or (@text_only) the search
 * text alone, which the store narrows from its last match. */
static void
update_results (TallyViewerWindow *self,
                gboolean           text_only)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) selected = NULL;
  gboolean ok;

  if (self->disposed || self->store == NULL || self->run_id == 0)
    return;

  selected = selected_ids (self);
  if (text_only)
    ok = tally_viewer_result_list_set_text (self->results, text, &error);
  else
    {
      tally_viewer_result_list_set_filter (self->results, outcome_mask (self), text, self->marker_ids);
      ok = tally_viewer_result_list_refresh (self->results, &error);
    }
  if (!ok)
    toast (self, error->message);
  reselect_ids (self, selected);
  update_count_label (self);
  show_selected (self, FALSE);
}

static void
apply_filters (TallyViewerWindow *self)
{
  update_results (self, FALSE);
}

static void
on_search_entry_search_changed_cb (TallyViewerWindow *self,
                                   GtkSearchEntry    *entry)
{
  update_results (self, TRUE);
}

/* Parses the expression; a valid one (or none) filters, a malformed one
 * marks the entry and says where. */
static void
update_marker_filter (TallyViewerWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->marker_entry));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->marker_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->marker_entry), NULL);
      g_clear_pointer (&self->marker_ids, g_array_unref);
      g_clear_pointer (&self->marker_expr, g_free);
      return;
    }

  if (g_strcmp0 (stripped, self->marker_expr) == 0 && self->marker_ids != NULL)
    return;

  ids = tally_store_select_tests (self->store, self->run_id, stripped, &error);
  if (ids == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->marker_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->marker_entry), error->message);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->marker_entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->marker_entry), NULL);
  g_clear_pointer (&self->marker_ids, g_array_unref);
  self->marker_ids = g_steal_pointer (&ids);
  g_free (self->marker_expr);
  self->marker_expr = g_steal_pointer (&stripped);
}

static void
on_marker_entry_changed_cb (TallyViewerWindow *self,
                            GtkEntry          *entry)
{
  if (self->store == NULL || self->run_id == 0)
    return;
  update_marker_filter (self);
  if (!gtk_widget_has_css_class (GTK_WIDGET (entry), "error"))
    apply_filters (self);
}

static gboolean
is_bare_word (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
      return FALSE;
  return TRUE;
}

static void
on_marker_check_toggled_cb (TallyViewerWindow *self,
                            GtkCheckButton    *check)
{
  g_autoptr(GString) expr = g_string_new (NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->marker_checks));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (child)))
        continue;
      if (expr->len > 0)
        g_string_append (expr, " or ");
      g_string_append (expr, g_object_get_data (G_OBJECT (child), "term"));
    }

  gtk_editable_set_text (GTK_EDITABLE (self->marker_entry), expr->str);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* One check button per marker name, and per name=value, in the run. */
static void
fill_marker_checks (TallyViewerWindow *self)
{
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(GHashTable) terms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gpointer *keys = NULL;
  GtkWidget *child;
  guint n_keys;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->marker_checks))) != NULL)
    gtk_box_remove (self->marker_checks, child);

  tests = tally_store_list_run_tests (self->store, self->run_id, &error);
  for (guint i = 0; tests != NULL && i < tests->len && g_hash_table_size (terms) < 200; i++)
    {
      TallyTestRow *test = g_ptr_array_index (tests, i);

      for (guint m = 0; m < tally_markers_get_n_markers (test->markers); m++)
        {
          const char *name = tally_markers_get_name (test->markers, m);
          const char *value = tally_markers_get_value (test->markers, m);

          g_hash_table_add (terms, g_strdup (name));
          if (value != NULL && strlen (value) <= 40 && is_bare_word (value))
            g_hash_table_add (terms, g_strdup_printf ("%s=%s", name, value));
        }
    }

  keys = g_hash_table_get_keys_as_array (terms, &n_keys);
  g_qsort_with_data (keys, n_keys, sizeof (gpointer), compare_strings, NULL);
  for (guint i = 0; i < n_keys; i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (keys[i]);

      g_object_set_data_full (G_OBJECT (check), "term", g_strdup (keys[i]), g_free);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (on_marker_check_toggled_cb), self);
      gtk_box_append (self->marker_checks, check);
    }
  if (n_keys == 0)
    {
      GtkWidget *none = gtk_label_new ("No markers");
      gtk_widget_add_css_class (none, "dim-label");
      gtk_box_append (self->marker_checks, none);
    }
}

/* Reading every test's markers costs a pass over a large run: done when
 * the popover opens. */
static void
on_marker_popover_show_cb (TallyViewerWindow *self,
                           GtkPopover        *popover)
{
  if (self->markers_filled || self->store == NULL || self->run_id == 0)
    return;
  fill_marker_checks (self);
  self->markers_filled = TRUE;
}

/* --- selection and detail ---------------------------------------------- */

/* The position of the focused row (the one the detail pane shows) if
 * it is still listed and selected, else G_MAXUINT. */
static guint
focus_position (TallyViewerWindow *self)
{
  guint position;

  if (self->focus_id == 0)
    return G_MAXUINT;
  position = tally_viewer_result_list_find (self->results, self->focus_id);
  if (position == G_MAXUINT
      || !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->results_selection), position))
    return G_MAXUINT;
  return position;
}

/* With several rows selected, the detail shows the focused one: the row
 * selected last, or else the last selected row. */
static void
show_selected (TallyViewerWindow *self,
               gboolean           force)
{
  guint position;
  g_autoptr(TallyViewerResult) result = NULL;
  const TallyResultRow *row = NULL;

  if (self->disposed)
    return;
  /* Positions move when a filter changes: remember them afresh. A copy:
   * GtkMultiSelection hands out its own bitset, which it changes. */
  {
    g_autoptr(GtkBitset) now = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->results_selection));

    g_clear_pointer (&self->last_selection, gtk_bitset_unref);
    self->last_selection = gtk_bitset_copy (now);
  }
  position = focus_position (self);
  if (position == G_MAXUINT)
    {
      g_autoptr(GtkBitset) selected =
        gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->results_selection));

      if (!gtk_bitset_is_empty (selected))
        position = gtk_bitset_get_maximum (selected);
    }
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
  tally_viewer_detail_set_result (self->detail, self->store, self->run_id, row);
}

/* A row that became selected takes the focus: of a range selected with
 * Shift, the end nearer the click (away from the old focus). */
static void
on_results_selection_changed_cb (TallyViewerWindow *self,
                                 guint              position,
                                 guint              n_items,
                                 GtkSelectionModel *model)
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
  show_selected (self, FALSE);
}

static void
on_results_view_activate_cb (TallyViewerWindow *self,
                             guint              position,
                             GtkColumnView     *view)
{
  show_selected (self, TRUE);
}

static void
load_run (TallyViewerWindow *self,
          gint64             run_id)
{
  TallyRunRow *run;

  self->run_id = run_id;
  self->shown_id = -1;
  self->focus_id = 0;
  tally_viewer_result_list_set_store (self->results, self->store, run_id);
  g_clear_pointer (&self->marker_ids, g_array_unref);
  g_clear_pointer (&self->marker_expr, g_free);
  if (self->store == NULL || run_id == 0)
    {
      show_selected (self, TRUE);
      return;
    }

  self->markers_filled = FALSE;
  update_marker_filter (self);
  update_counts (self);
  apply_filters (self);

  run = current_run (self);
  if (run != NULL)
    {
      g_autofree char *argv = g_strjoinv (" ", run->argv);
      g_autofree char *shown = tally_viewer_text_for_display (argv, -1, 300);
      g_autofree char *text = g_strdup_printf ("tally %s", shown);

      gtk_label_set_text (self->run_label, text);
    }
}

static void
on_runs_selection_changed_cb (TallyViewerWindow *self,
                              guint              position,
                              guint              n_items,
                              GtkSelectionModel *model)
{
  TallyViewerRunItem *run = gtk_single_selection_get_selected_item (self->runs_selection);
  gint64 run_id = run ? run->row->id : 0;

  if (self->updating || run_id == self->run_id)
    return;
  load_run (self, run_id);
}

gboolean
tally_viewer_window_select_run (TallyViewerWindow *self,
                                gint64             run_id)
{
  guint n;

  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyViewerRunItem) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      if (run->row->id == run_id)
        {
          gtk_single_selection_set_selected (self->runs_selection, i);
          if (self->run_id != run_id)
            load_run (self, run_id);
          return TRUE;
        }
    }
  return FALSE;
}

/* --- live following ------------------------------------------------------ */

static void
live_refresh (TallyViewerWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!reload_runs (self, &error))
    {
      g_warning ("Cannot read runs: %s", error->message);
      return;
    }

  if (self->follow_run_id != 0 && self->follow_run_id != self->run_id
      && g_hash_table_contains (self->run_items, &self->follow_run_id))
    {
      tally_viewer_window_select_run (self, self->follow_run_id);
      return;
    }

  /* Keep the sidebar's selection on the run shown. */
  if (self->run_id != 0)
    {
      TallyViewerRunItem *run = g_hash_table_lookup (self->run_items, &self->run_id);
      guint pos;

      if (run != NULL && g_list_store_find (self->runs, run, &pos)
          && gtk_single_selection_get_selected (self->runs_selection) != pos)
        {
          self->updating = TRUE;
          gtk_single_selection_set_selected (self->runs_selection, pos);
          self->updating = FALSE;
        }
    }

  update_counts (self);
  apply_filters (self);
}

static gboolean
on_poll_cb (gpointer user_data)
{
  TallyViewerWindow *self = user_data;
  gint64 version = 0;

  if (self->store == NULL)
    return G_SOURCE_CONTINUE;

  if (tally_store_viewer_get_data_version (self->store, &version, NULL) && version != self->data_version)
    {
      self->data_version = version;
      live_refresh (self);
    }
  return G_SOURCE_CONTINUE;
}

void
tally_viewer_window_reload (TallyViewerWindow *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_WINDOW (self));

  if (self->store == NULL)
    return;
  tally_store_viewer_get_data_version (self->store, &self->data_version, NULL);
  live_refresh (self);
}

/* --- opening ------------------------------------------------------------- */

/* Run actions and the sidebar only make sense with a run shown. */
static void
set_page (TallyViewerWindow *self,
          const char        *page)
{
  gboolean results = g_strcmp0 (page, "results") == 0;

  gtk_stack_set_visible_child_name (self->main_stack, page);
  gtk_widget_set_visible (GTK_WIDGET (self->rerun_button), results);
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), results);
}

static void
show_error (TallyViewerWindow *self,
            const char        *title,
            const char        *message)
{
  g_autofree char *valid = tally_viewer_text_for_display (message, -1, 2000);

  g_free (self->error_text);
  self->error_text = g_strdup (valid);
  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, NULL);
  /* The description is markup in libadwaita 1.2: escape the data. */
  {
    g_autofree char *escaped = g_markup_escape_text (valid, -1);
    adw_status_page_set_description (self->error_page, escaped);
  }
  set_page (self, "error");
}

static void
close_store (TallyViewerWindow *self)
{
  load_run (self, 0);
  self->updating = TRUE;
  g_list_store_remove_all (self->runs);
  self->updating = FALSE;
  g_hash_table_remove_all (self->run_items);
  g_clear_pointer (&self->store, tally_store_close);
  if (self->poll_source != NULL)
    g_source_destroy (self->poll_source);
  g_clear_pointer (&self->poll_source, g_source_unref);
}

static void rebuild_recent_menu (TallyViewerWindow *self);
static gboolean select_failure_from (TallyViewerWindow *self, guint start, int step);

gboolean
tally_viewer_window_open_path (TallyViewerWindow  *self,
                               const char         *path,
                               GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *display = NULL;
  g_autofree char *uri = NULL;
  TallyViewerRunItem *newest;

  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  close_store (self);
  absolute = g_canonicalize_filename (path, NULL);
  display = g_filename_display_name (absolute);
  g_free (self->path);
  self->path = g_strdup (absolute);
  adw_window_title_set_subtitle (self->window_title, display);

  if (!g_file_test (absolute, G_FILE_TEST_EXISTS))
    {
      g_set_error (&local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "%s does not exist. Run `tally run` to create a results database.", display);
      show_error (self, "No Database", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  self->store = tally_store_open_readonly (absolute, &local_error);
  if (self->store == NULL || !reload_runs (self, &local_error))
    {
      g_clear_pointer (&self->store, tally_store_close);
      show_error (self, "Cannot Open Database", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  tally_store_viewer_get_data_version (self->store, &self->data_version, NULL);
  uri = g_filename_to_uri (absolute, NULL, NULL);
  if (uri != NULL)
    {
      GtkRecentData data = { 0 };

      data.mime_type = (char *) "application/vnd.sqlite3";
      data.app_name = (char *) "Tally Viewer";
      data.app_exec = (char *) "tally-viewer %u";
      gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
    }
  rebuild_recent_menu (self);

  set_page (self, "results");
  /* GTK's context, whatever context the caller has pushed. */
  self->poll_source = g_timeout_source_new (POLL_INTERVAL_MS);
  g_source_set_static_name (self->poll_source, "[tally-viewer] follow the database");
  g_source_set_callback (self->poll_source, on_poll_cb, self, NULL);
  g_source_attach (self->poll_source, g_main_context_default ());

  newest = g_list_model_get_n_items (G_LIST_MODEL (self->runs)) > 0
           ? g_list_model_get_item (G_LIST_MODEL (self->runs), 0) : NULL;
  if (newest != NULL)
    {
      tally_viewer_window_select_run (self, newest->row->id);
      g_object_unref (newest);
    }
  else
    load_run (self, 0);

  return TRUE;
}

/* --- recent databases ---------------------------------------------------- */

static void
rebuild_recent_menu (TallyViewerWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  guint n = 0;

  g_menu_remove_all (self->recent_section);
  for (GList *l = items; l != NULL && n < 10; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      const char *uri = gtk_recent_info_get_uri (info);
      g_autofree char *path = g_filename_from_uri (uri, NULL, NULL);
      g_autofree char *label = NULL;
      g_autoptr(GMenuItem) item = NULL;

      if (path == NULL || !gtk_recent_info_has_application (info, "Tally Viewer")
          || !g_file_test (path, G_FILE_TEST_EXISTS))
        continue;

      label = g_filename_display_name (path);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (path));
      g_menu_append_item (self->recent_section, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

/* --- reruns -------------------------------------------------------------- */

static void
on_runner_started_cb (TallyViewerWindow *self,
                      gint64             run_id,
                      guint              n_tests,
                      TallyViewerRunner *runner)
{
  self->follow_run_id = run_id;
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  tally_viewer_window_reload (self);
}

static void
on_runner_progress_cb (TallyViewerWindow *self,
                       guint              done,
                       guint              total,
                       TallyViewerRunner *runner)
{
  if (total > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, MIN (1.0, done / (double) total));
}

static void
set_running (TallyViewerWindow *self,
             gboolean           running)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->rerun_button), !running);
  for (guint i = 0; i < 4; i++)
    {
      static const char *names[] = { "rerun-failed", "rerun-selected", "rerun-serial", "run-markers" };
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), names[i]);

      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), !running);
    }
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "stop")),
                               running);
}

static void
on_runner_finished_cb (TallyViewerWindow *self,
                       const char        *status,
                       int                exit_status,
                       const char        *message,
                       TallyViewerRunner *runner)
{
  set_running (self, FALSE);
  tally_viewer_window_reload (self);
  self->follow_run_id = 0;
  toast (self, message);
}

/* "program::path" of each result of the run that @mask keeps. */
static GPtrArray *
run_haystacks (TallyViewerWindow *self,
               guint              mask)
{
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *haystacks = g_ptr_array_new_with_free_func (g_free);

  query.outcomes = mask;
  ids = tally_store_query_result_ids (self->store, self->run_id, &query, NULL);
  if (ids != NULL)
    rows = tally_store_get_result_rows (self->store, (gint64 *) ids->data, ids->len, NULL);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      TallyResultRow *row = g_ptr_array_index (rows, i);

      g_ptr_array_add (haystacks, g_strdup_printf ("%s::%s", row->program, row->path));
    }
  return haystacks;
}

/* "program::path" of every test of the run (each once). */
static GPtrArray *
all_haystacks (TallyViewerWindow *self)
{
  g_autoptr(GPtrArray) tests = tally_store_list_run_tests (self->store, self->run_id, NULL);
  GPtrArray *haystacks = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; tests != NULL && i < tests->len; i++)
    {
      TallyTestRow *test = g_ptr_array_index (tests, i);

      g_ptr_array_add (haystacks, g_strdup_printf ("%s::%s", test->program, test->path));
    }
  return haystacks;
}

static void
start_run (TallyViewerWindow  *self,
           const char * const *selection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(GPtrArray) programs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *tally = NULL;
  g_autofree char *cwd = NULL;
  g_auto(GStrv) argv = NULL;
  TallyRunRow *run = current_run (self);

  if (self->store == NULL || run == NULL)
    {
      toast (self, "Select a run first");
      return;
    }

  tally = tally_viewer_find_runner ();
  if (tally == NULL)
    {
      toast (self, "Cannot find the tally runner (set $TALLY_RUNNER or add it to PATH)");
      return;
    }

  tests = tally_store_list_run_tests (self->store, self->run_id, &error);
  for (guint i = 0; tests != NULL && i < tests->len; i++)
    {
      TallyTestRow *test = g_ptr_array_index (tests, i);

      if (g_hash_table_add (seen, test->program))
        g_ptr_array_add (programs, g_strdup (test->program));
    }

  /* Program names are relative to where the run ran: rerun there.
   * Databases from before schema 4 did not record it: guess. */
  if (run->cwd != NULL && g_file_test (run->cwd, G_FILE_TEST_IS_DIR))
    cwd = g_strdup (run->cwd);
  else
    cwd = tally_viewer_guess_run_dir (self->path, (const char * const *) run->argv, programs, &error);
  if (cwd == NULL)
    {
      toast (self, error->message);
      return;
    }

  argv = tally_viewer_rerun_argv (tally, (const char * const *) run->argv, self->path, selection);
  if (!tally_viewer_runner_start (self->runner, (const char * const *) argv, cwd, &error))
    {
      g_autofree char *message = g_strdup_printf ("Cannot start %s: %s", tally, error->message);
      toast (self, message);
      return;
    }

  g_debug ("Started a run in %s", cwd);
  set_running (self, TRUE);
}

static void
start_keyword_run (TallyViewerWindow *self,
                   GPtrArray         *selected)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *expr = NULL;

  if (selected->len == 0)
    {
      toast (self, "Nothing to rerun");
      return;
    }

  all = all_haystacks (self);
  expr = tally_viewer_exact_keyword_expr (all, selected);
  /* Linux takes at most 128 KiB in one argument. */
  if (strlen (expr) > 120 * 1024)
    {
      g_autofree char *message = g_strdup_printf ("Too many tests to rerun at once (%u): select fewer",
                                                  selected->len);
      toast (self, message);
      return;
    }
  start_run (self, (const char *[]) { "-k", expr, NULL });
}

static void
rerun_failed_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);
  g_autoptr(GPtrArray) failed = NULL;

  if (self->store == NULL || self->run_id == 0)
    return;
  failed = run_haystacks (self, FAILED_MASK);
  if (failed->len == 0)
    {
      toast (self, "No failed tests in this run");
      return;
    }
  start_keyword_run (self, failed);
}

/* "program::path" of each selected row, in table order. */
static GPtrArray *
selected_haystacks (TallyViewerWindow *self)
{
  g_autoptr(GtkBitset) selected =
    gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->results_selection));
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *haystacks = g_ptr_array_new_with_free_func (g_free);
  GtkBitsetIter iter;
  guint position;

  for (gboolean more = gtk_bitset_iter_init_first (&iter, selected, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      gint64 id = tally_viewer_result_list_get_id_at (self->results, position);

      g_array_append_val (ids, id);
    }
  rows = tally_store_get_result_rows (self->store, (gint64 *) ids->data, ids->len, NULL);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      TallyResultRow *row = g_ptr_array_index (rows, i);
      char *hay = g_strdup_printf ("%s::%s", row->program, row->path);

      /* Two attempts of one test are one test to run. */
      if (g_hash_table_add (seen, hay))
        g_ptr_array_add (haystacks, hay);
      else
        g_free (hay);
    }
  return haystacks;
}

/* Reruns every selected test, exactly those: one `tally run` over the
 * run's programs with a -k expression that matches only them. */
static void
rerun_selected_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);
  g_autoptr(GPtrArray) selected = NULL;

  if (self->store == NULL || self->run_id == 0)
    return;
  /* Past a few thousand tests the exact -k expression outgrows one
   * argument anyway: say so before reading them all. */
  {
    g_autoptr(GtkBitset) all = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->results_selection));
    guint64 n = gtk_bitset_get_size (all);

    if (n > MAX_RERUN_SELECTED)
      {
        g_autofree char *message = g_strdup_printf ("Too many tests to rerun at once (%" G_GUINT64_FORMAT
                                                    "): select at most %u", n, MAX_RERUN_SELECTED);
        toast (self, message);
        return;
      }
  }
  selected = selected_haystacks (self);
  if (selected->len == 0)
    {
      toast (self, "Select a test first");
      return;
    }
  start_keyword_run (self, selected);
}

static void
rerun_serial_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  start_run (TALLY_VIEWER_WINDOW (widget), (const char *[]) { "-m", "serial", NULL });
}

static void
on_marker_dialog_response_cb (AdwMessageDialog  *dialog,
                              const char        *response,
                              TallyViewerWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = NULL;
  const char *text = gtk_editable_get_text (entry);

  if (g_strcmp0 (response, "run") != 0)
    return;

  expr = tally_expr_parse_markers (text, &error);
  if (expr == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Invalid marker expression: %s", error->message);
      toast (self, message);
      return;
    }
  start_run (self, (const char *[]) { "-m", text, NULL });
}

static void
run_markers_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);
  GtkWidget *dialog;
  GtkWidget *entry = gtk_entry_new ();

  /* A parameter runs the expression directly (tests, scripts). */
  if (param != NULL && *g_variant_get_string (param, NULL) != '\0')
    {
      const char *text = g_variant_get_string (param, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyExpr) expr = tally_expr_parse_markers (text, &error);

      if (expr == NULL)
        toast (self, error->message);
      else
        start_run (self, (const char *[]) { "-m", text, NULL });
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), "Run by Marker Expression",
                                   "Runs the tests of this run's programs whose markers match, as tally run -m does");
  gtk_editable_set_text (GTK_EDITABLE (entry), gtk_editable_get_text (GTK_EDITABLE (self->marker_entry)));
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "serial and not (slow or net)");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", "_Cancel", "run", "_Run", NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "run", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "run");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_marker_dialog_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  tally_viewer_runner_stop (TALLY_VIEWER_WINDOW (widget)->runner);
}

/* --- other actions ------------------------------------------------------- */

static void
on_file_chooser_response_cb (GtkNativeDialog   *dialog,
                             int                response,
                             TallyViewerWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        tally_viewer_window_open_path (self, path, NULL);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) any = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new ("Open Results Database", GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  gtk_file_filter_set_name (filter, "Tally Databases");
  gtk_file_filter_add_pattern (filter, "*.sqlite");
  gtk_file_filter_add_pattern (filter, "*.sqlite3");
  gtk_file_filter_add_pattern (filter, "*.db");
  gtk_file_filter_add_mime_type (filter, "application/vnd.sqlite3");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_filter_set_name (any, "All Files");
  gtk_file_filter_add_pattern (any, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), any);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  tally_viewer_window_open_path (TALLY_VIEWER_WINDOW (widget), g_variant_get_string (param, NULL), NULL);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);

  if (self->path != NULL && self->store == NULL)
    {
      g_autofree char *path = g_strdup (self->path);
      tally_viewer_window_open_path (self, path, NULL);
      return;
    }
  tally_viewer_window_reload (self);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
toggle_sidebar_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

/* Moves the selection to the next (or previous) failure shown after
 * @start (G_MAXUINT: from the top), wrapping. */
static gboolean
select_failure_from (TallyViewerWindow *self,
                     guint              start,
                     int                step)
{
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GHashTable) failures = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));

  if (self->store == NULL || n == 0)
    return FALSE;

  query.outcomes = FAILED_MASK;
  ids = tally_store_query_result_ids (self->store, self->run_id, &query, NULL);
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_hash_table_add (failures, &g_array_index (ids, gint64, i));
  if (g_hash_table_size (failures) == 0)
    {
      toast (self, "No failures in this run");
      return FALSE;
    }

  if (start >= n)
    start = step > 0 ? n - 1 : 0;
  for (guint k = 1; k <= n; k++)
    {
      guint pos = (start + n + (guint) (step * (int) k) % n) % n;
      gint64 id = tally_viewer_result_list_get_id_at (self->results, pos);

      if (g_hash_table_contains (failures, &id))
        return tally_viewer_window_select_position (self, pos);
    }
  toast (self, "No failures among the results shown");
  return FALSE;
}

static void
select_failure (TallyViewerWindow *self,
                int                step)
{
  select_failure_from (self, focus_position (self), step);
}

static void
next_failure_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  select_failure (TALLY_VIEWER_WINDOW (widget), 1);
}

static void
previous_failure_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  select_failure (TALLY_VIEWER_WINDOW (widget), -1);
}

static void
on_outcome_state_cb (GSimpleAction *action,
                     GVariant      *state,
                     gpointer       user_data)
{
  g_simple_action_set_state (action, state);
  apply_filters (TALLY_VIEWER_WINDOW (user_data));
}

static gboolean
on_drop_target_drop_cb (TallyViewerWindow *self,
                        const GValue      *value,
                        double             x,
                        double             y,
                        GtkDropTarget     *target)
{
  GSList *files;
  g_autofree char *path = NULL;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  path = g_file_get_path (files->data);
  if (path == NULL)
    return FALSE;

  tally_viewer_window_open_path (self, path, NULL);
  return TRUE;
}

/* --- public -------------------------------------------------------------- */

TallyViewerWindow *
tally_viewer_window_new (GtkApplication *application)
{
  return g_object_new (TALLY_VIEWER_TYPE_WINDOW, "application", application, NULL);
}

const char *
tally_viewer_window_get_path (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->path;
}

const char *
tally_viewer_window_get_page (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->main_stack);
}

const char *
tally_viewer_window_get_error_text (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->error_text;
}

gint64
tally_viewer_window_get_run_id (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), 0);
  return self->run_id;
}

gboolean
tally_viewer_window_select_position (TallyViewerWindow *self,
                                     guint              position)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);

  if (position >= g_list_model_get_n_items (G_LIST_MODEL (self->results)))
    return FALSE;
  /* The row alone, as a click does; it takes the focus. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->results_selection), position, TRUE);
  self->focus_id = tally_viewer_result_list_get_id_at (self->results, position);
  /* gtk_column_view_scroll_to() is GTK 4.12: ask its list view. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->results_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
  show_selected (self, FALSE);
  return TRUE;
}

gboolean
tally_viewer_window_select_first_failure (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);

  return select_failure_from (self, G_MAXUINT, 1);
}

GListModel *
tally_viewer_window_get_results (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->results);
}

GtkSelectionModel *
tally_viewer_window_get_selection (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return GTK_SELECTION_MODEL (self->results_selection);
}

TallyViewerDetail *
tally_viewer_window_get_detail (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->detail;
}

TallyViewerRunner *
tally_viewer_window_get_runner (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->runner;
}

GtkEditable *
tally_viewer_window_get_search (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

GtkEditable *
tally_viewer_window_get_marker_entry (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return GTK_EDITABLE (self->marker_entry);
}

GPtrArray *
tally_viewer_window_dup_shown (TallyViewerWindow *self)
{
  GPtrArray *shown = g_ptr_array_new_with_free_func (g_free);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyViewerResult) result = g_list_model_get_item (G_LIST_MODEL (self->results), i);
      const TallyResultRow *row = tally_viewer_result_get_row (result);

      g_ptr_array_add (shown, row ? g_strdup_printf ("%s::%s", row->program, row->path) : g_strdup ("?"));
    }
  return shown;
}

const char *
tally_viewer_window_get_last_toast (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->last_toast;
}

/* Stops a run this window started (its runner would write on with no
 * one watching), closes the database and empties the views. */
void
tally_viewer_window_release_views (TallyViewerWindow *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_WINDOW (self));

  if (self->runner != NULL)
    tally_viewer_runner_stop (self->runner);
  close_store (self);
  tally_viewer_detail_set_result (self->detail, NULL, 0, NULL);
  gtk_column_view_set_model (self->results_view, NULL);
  gtk_list_view_set_model (self->runs_view, NULL);
  tally_viewer_detail_release_views (self->detail);
}

static gboolean
tally_viewer_window_close_request (GtkWindow *window)
{
  tally_viewer_window_release_views (TALLY_VIEWER_WINDOW (window));
  return GTK_WINDOW_CLASS (tally_viewer_window_parent_class)->close_request (window);
}

/* --- GObject ------------------------------------------------------------- */

static void
tally_viewer_window_dispose (GObject *object)
{
  TallyViewerWindow *self = (TallyViewerWindow *) object;

  self->disposed = TRUE;
  if (self->poll_source != NULL)
    g_source_destroy (self->poll_source);
  g_clear_pointer (&self->poll_source, g_source_unref);
  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  g_clear_object (&self->runner);
  if (self->results_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->results_selection, self);
  if (self->runs_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->runs_selection, self);
  if (self->results_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->results_view), self);
      /* Let the view drop its rows while the widget tree is whole. */
      gtk_column_view_set_model (self->results_view, NULL);
    }
  if (self->runs_view != NULL)
    gtk_list_view_set_model (self->runs_view, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_WINDOW);

  G_OBJECT_CLASS (tally_viewer_window_parent_class)->dispose (object);
}

static void
tally_viewer_window_finalize (GObject *object)
{
  TallyViewerWindow *self = (TallyViewerWindow *) object;

  g_clear_object (&self->runs_selection);
  g_clear_object (&self->results_selection);
  g_clear_pointer (&self->last_selection, gtk_bitset_unref);
  g_clear_object (&self->recent_section);
  g_clear_object (&self->runs);
  g_clear_object (&self->results);
  g_clear_pointer (&self->run_items, g_hash_table_unref);
  g_clear_pointer (&self->store, tally_store_close);
  g_clear_pointer (&self->marker_ids, g_array_unref);
  g_free (self->marker_expr);
  g_free (self->path);
  g_free (self->error_text);
  g_free (self->last_toast);

  G_OBJECT_CLASS (tally_viewer_window_parent_class)->finalize (object);
}

static void
tally_viewer_window_class_init (TallyViewerWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_viewer_window_dispose;
  object_class->finalize = tally_viewer_window_finalize;

  GTK_WINDOW_CLASS (klass)->close_request = tally_viewer_window_close_request;

  g_type_ensure (TALLY_VIEWER_TYPE_DETAIL);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, count_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, detail);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, failed_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, flaky_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, marker_checks);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, marker_entry);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, marker_popover);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, other_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, passed_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, rerun_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, results_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, results_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, run_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, runs_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, skipped_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, window_title);
  gtk_widget_class_bind_template_callback (widget_class, on_marker_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_marker_popover_show_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_results_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL, toggle_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.next-failure", NULL, next_failure_action);
  gtk_widget_class_install_action (widget_class, "win.previous-failure", NULL, previous_failure_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F8, 0, "win.next-failure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F8, GDK_SHIFT_MASK, "win.previous-failure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.next-failure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.previous-failure", NULL);
}

typedef void (*WindowActionFunc) (GtkWidget *, const char *, GVariant *);

static void
on_simple_action_activate_cb (GSimpleAction *action,
                              GVariant      *param,
                              gpointer       user_data)
{
  WindowActionFunc func = g_object_get_data (G_OBJECT (action), "activate");

  func (GTK_WIDGET (user_data), g_action_get_name (G_ACTION (action)), param);
}

static void
add_window_actions (TallyViewerWindow *self)
{
  /* GSimpleActions (not class actions): they can be disabled while a
   * run is in progress, and the outcome toggles carry state. */
  static const struct
  {
    const char *name;
    void (*activate) (GtkWidget *, const char *, GVariant *);
    const char *param;
  } actions[] = {
    { "rerun-failed", rerun_failed_action, NULL },
    { "rerun-selected", rerun_selected_action, NULL },
    { "rerun-serial", rerun_serial_action, NULL },
    { "run-markers", run_markers_action, "s" },
    { "stop", stop_action, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_autoptr(GSimpleAction) action =
        g_simple_action_new (actions[i].name, actions[i].param ? G_VARIANT_TYPE (actions[i].param) : NULL);

      g_object_set_data (G_OBJECT (action), "activate", actions[i].activate);
      g_signal_connect (action, "activate", G_CALLBACK (on_simple_action_activate_cb), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
    }

  for (guint i = 0; i < G_N_ELEMENTS (outcome_groups); i++)
    {
      g_autoptr(GSimpleAction) action =
        g_simple_action_new_stateful (outcome_groups[i].action, NULL, g_variant_new_boolean (FALSE));

      g_signal_connect (action, "change-state", G_CALLBACK (on_outcome_state_cb), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
    }
}

/* The primary menu; its recent section is rebuilt on each open. */
static GMenu *
build_primary_menu (TallyViewerWindow *self)
{
  GMenu *menu;
  g_autoptr(GMenu) file = g_menu_new ();
  g_autoptr(GMenu) help = g_menu_new ();

  menu = g_menu_new ();
  self->recent_section = g_menu_new ();
  g_menu_append (file, "_Open Database…", "win.open");
  g_menu_append_submenu (file, "Open _Recent", G_MENU_MODEL (self->recent_section));
  g_menu_append (file, "_Reload", "win.reload");
  g_menu_append (help, "_Keyboard Shortcuts", "win.show-help-overlay");
  g_menu_append (help, "_About Tally Viewer", "app.about");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (file));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (help));
  g_object_set_data_full (G_OBJECT (self), "primary-menu", menu, g_object_unref);
  return menu;
}

static void
tally_viewer_window_init (TallyViewerWindow *self)
{
  GtkListItemFactory *factory;
  GtkColumnViewColumn *path_col;
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));

  add_window_actions (self);

  self->run_items = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  self->runs = g_list_store_new (TALLY_VIEWER_TYPE_RUN_ITEM);
  self->runs_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->runs)));
  gtk_single_selection_set_autoselect (self->runs_selection, FALSE);
  g_signal_connect_swapped (self->runs_selection, "selection-changed",
                            G_CALLBACK (on_runs_selection_changed_cb), self);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_run_row_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (on_run_row_bind_cb), NULL);
  gtk_list_view_set_factory (self->runs_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->runs_view, GTK_SELECTION_MODEL (self->runs_selection));

  self->results = tally_viewer_result_list_new ();
  self->results_selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->results)));
  g_signal_connect_swapped (self->results_selection, "selection-changed",
                            G_CALLBACK (on_results_selection_changed_cb), self);
  gtk_column_view_set_model (self->results_view, GTK_SELECTION_MODEL (self->results_selection));
  gtk_column_view_set_enable_rubberband (self->results_view, TRUE);

  add_result_column (self, "Outcome", COL_OUTCOME, "outcome", 110, FALSE);
  path_col = add_result_column (self, "Test", COL_PATH, "path", -1, TRUE);
  add_result_column (self, "Program", COL_PROGRAM, "program", 160, FALSE);
  add_result_column (self, "Markers", COL_MARKERS, "markers", 170, FALSE);
  add_result_column (self, "Duration", COL_DURATION, "duration", 95, FALSE);
  add_result_column (self, "Attempt", COL_ATTEMPT, "attempt", 75, FALSE);
  add_result_column (self, "Worker", COL_WORKER, "worker", 70, FALSE);
  gtk_column_view_sort_by_column (self->results_view, path_col, GTK_SORT_ASCENDING);
  g_signal_connect_swapped (gtk_column_view_get_sorter (self->results_view), "changed",
                            G_CALLBACK (on_results_sorter_changed_cb), self);

  self->runner = tally_viewer_runner_new ();
  g_signal_connect_swapped (self->runner, "started", G_CALLBACK (on_runner_started_cb), self);
  g_signal_connect_swapped (self->runner, "progress", G_CALLBACK (on_runner_progress_cb), self);
  g_signal_connect_swapped (self->runner, "finished", G_CALLBACK (on_runner_finished_cb), self);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_swapped (drop_target, "drop", G_CALLBACK (on_drop_target_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  gtk_menu_button_set_menu_model (self->menu_button, G_MENU_MODEL (build_primary_menu (self)));
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));

  set_running (self, FALSE);
  rebuild_recent_menu (self);
  set_page (self, "welcome");
}
