/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include "tally-viewer-compare-page.h"
#include "tally-viewer-page-read.h"
#include "tally-viewer-util.h"

struct _TallyViewerComparePage
{
  GtkBox parent_instance;

  /* Widgets */
  GtkDropDown *base_drop;
  GtkDropDown *run_drop;
  GtkLabel *summary;
  GtkBox *sections;

  /* Owned */
  TallyViewerDocument *document;
  GArray *run_ids;              /* gint64, in the drop-downs' order */
  TallyViewerPageRead read;
  guint counts[TALLY_N_CHANGES];
  gboolean updating;
};

G_DEFINE_FINAL_TYPE (TallyViewerComparePage, tally_viewer_compare_page, GTK_TYPE_BOX)

enum { TEST_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void on_list_row_activated_cb (TallyViewerComparePage *self, GtkListBoxRow *row);

static const char *change_titles[TALLY_N_CHANGES] = {
  "New Failures", "Fixed", "Still Failing", "New Tests", "Removed Tests", "2× Slower or More",
};

static char *
outcome_change (const TallyCompareEntry *e)
{
  g_autofree char *before = tally_viewer_format_duration (e->base_duration_us);
  g_autofree char *after = tally_viewer_format_duration (e->duration_us);

  switch (e->change)
    {
    case TALLY_CHANGE_SLOWER:
      return g_strdup_printf ("%s → %s (%.1f×)", before, after, e->duration_us / (double) MAX (1, e->base_duration_us));
    case TALLY_CHANGE_NEW_TEST:
    case TALLY_CHANGE_NEW_FAILURE:
      if (e->base_result_id == 0)
        return g_strdup_printf ("new · %s", tally_outcome_to_string (e->outcome));
      G_GNUC_FALLTHROUGH;
    case TALLY_CHANGE_FIXED:
    case TALLY_CHANGE_STILL_FAILING:
      return g_strdup_printf ("%s → %s", tally_outcome_to_string (e->base_outcome),
                              tally_outcome_to_string (e->outcome));
    case TALLY_CHANGE_REMOVED:
    case TALLY_N_CHANGES:
    default:
      return g_strdup_printf ("was %s", tally_outcome_to_string (e->base_outcome));
    }
}

static GtkWidget *
entry_row (const TallyCompareEntry *e)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *change = outcome_change (e);
  g_autofree char *path = tally_viewer_text_for_display (e->path, -1, 1000);
  g_autofree char *program = tally_viewer_text_for_display (e->program, -1, 1000);
  GtkWidget *label = gtk_label_new (change);

  /* Test names are data, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), path);
  adw_action_row_set_subtitle (row, program);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (row, label);
  adw_action_row_add_suffix (row, gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "program", g_strdup (e->program), g_free);
  g_object_set_data_full (G_OBJECT (row), "path", g_strdup (e->path), g_free);
  return GTK_WIDGET (row);
}

static void
clear_sections (TallyViewerComparePage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sections))) != NULL)
    gtk_box_remove (self->sections, child);
  memset (self->counts, 0, sizeof self->counts);
}

static void
fill (TallyViewerComparePage *self,
      GPtrArray              *entries)
{
  GString *summary = g_string_new (NULL);
  GtkWidget *list = NULL;

  for (guint i = 0; i < entries->len; i++)
    self->counts[((TallyCompareEntry *) g_ptr_array_index (entries, i))->change]++;

  for (guint i = 0; i < entries->len; i++)
    {
      const TallyCompareEntry *e = g_ptr_array_index (entries, i);

      if (i == 0 || e->change != ((TallyCompareEntry *) g_ptr_array_index (entries, i - 1))->change)
        {
          g_autofree char *count = tally_viewer_format_count (self->counts[e->change]);
          g_autofree char *title = g_strdup_printf ("%s · %s", change_titles[e->change], count);
          GtkWidget *heading = gtk_label_new (title);

          gtk_label_set_xalign (GTK_LABEL (heading), 0);
          gtk_widget_add_css_class (heading, "heading");
          gtk_widget_add_css_class (heading, tally_change_to_string (e->change));
          gtk_widget_set_margin_top (heading, 12);
          gtk_box_append (self->sections, heading);
          list = gtk_list_box_new ();
          gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
          gtk_widget_add_css_class (list, "boxed-list");
          g_signal_connect_swapped (list, "row-activated", G_CALLBACK (on_list_row_activated_cb), self);
          tally_viewer_set_label (list, change_titles[e->change]);
          gtk_box_append (self->sections, list);
        }
      gtk_list_box_append (GTK_LIST_BOX (list), entry_row (e));
    }

  for (guint c = 0; c < TALLY_N_CHANGES; c++)
    {
      g_autofree char *count = tally_viewer_format_count (self->counts[c]);

      g_string_append_printf (summary, "%s%s\u00a0%s", c ? " · " : "", count, change_titles[c]);
    }
  if (entries->len == 0)
    {
      GtkWidget *same = gtk_label_new ("No differences: the same tests with the same verdicts");

      gtk_widget_add_css_class (same, "dim-label");
      gtk_widget_set_margin_top (same, 24);
      gtk_box_append (self->sections, same);
    }
  gtk_label_set_text (self->summary, summary->str);
  g_string_free (summary, TRUE);
}

static gint64
selected_run (TallyViewerComparePage *self,
              GtkDropDown            *drop)
{
  guint i = gtk_drop_down_get_selected (drop);

  return i < self->run_ids->len ? g_array_index (self->run_ids, gint64, i) : 0;
}

/* The drop-downs list the document's runs, newest first. */
static void
refill_runs (TallyViewerComparePage *self)
{
  GListModel *runs = tally_viewer_document_get_runs (self->document);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_array_set_size (self->run_ids, 0);
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(TallyViewerRunItem) item = g_list_model_get_item (runs, i);
      const TallyRunRow *row = tally_viewer_run_item_get_row (item);
      g_autofree char *when = tally_viewer_format_time (row->started_at_us);
      g_autofree char *kind = tally_viewer_describe_run ((const char * const *) row->argv, row->parent_id);
      g_autofree char *name = g_strdup_printf ("#%" G_GINT64_FORMAT " · %s%s%s", row->id, when,
                                               kind ? " · " : "", kind ? kind : "");

      g_array_append_val (self->run_ids, row->id);
      gtk_string_list_append (names, name);
    }
  self->updating = TRUE;
  gtk_drop_down_set_model (self->base_drop, G_LIST_MODEL (names));
  gtk_drop_down_set_model (self->run_drop, G_LIST_MODEL (names));
  self->updating = FALSE;
}

/* --- reading on a thread ------------------------------------------------ */

typedef struct
{
  char *path;
  gint64 base_id;
  gint64 run_id;
} Compare;

static void
compare_free (Compare *c)
{
  g_free (c->path);
  g_free (c);
}

/* A connection of its own: the document's keeps the shown run in
 * memory, and reading two others through it would push it out. */
static void
compare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Compare *c = task_data;
  GError *error = NULL;
  TallyStore *store = tally_store_open_readonly (c->path, &error);
  GPtrArray *entries = NULL;

  /* A rerun compares as what it left: merged over its run. */
  if (store != NULL)
    {
      tally_store_set_merge_reruns (store, TRUE);
      entries = tally_compare_runs (store, c->base_id, c->run_id, &error);
    }
  g_clear_pointer (&store, tally_store_close);
  if (entries == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_compare_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TallyViewerComparePage *self = TALLY_VIEWER_COMPARE_PAGE (object);
  g_autoptr(GError) error = NULL;
  gboolean superseded;
  g_autoptr(GPtrArray) entries = tally_viewer_page_read_finish (result, &self->read, &superseded, &error);

  /* Superseded (another pair, another page, another database): the
   * page belongs to what replaced it. */
  if (superseded)
    return;
  if (entries == NULL)
    {
      gtk_label_set_text (self->summary, error->message);
      return;
    }
  fill (self, entries);
}

void
tally_viewer_compare_page_cancel (TallyViewerComparePage *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_COMPARE_PAGE (self));

  tally_viewer_page_read_cancel (&self->read);
}

gboolean
tally_viewer_compare_page_is_busy (TallyViewerComparePage *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_COMPARE_PAGE (self), FALSE);
  return tally_viewer_page_read_is_busy (&self->read);
}

/* Compares on a thread; the page says so meanwhile. */
static void
compare (TallyViewerComparePage *self,
         gint64                  base_id,
         gint64                  run_id)
{
  g_autofree char *text = g_strdup_printf ("Comparing run #%" G_GINT64_FORMAT " with run #%" G_GINT64_FORMAT "…",
                                           run_id, base_id);
  Compare *c = g_new0 (Compare, 1);

  tally_viewer_compare_page_cancel (self);
  clear_sections (self);
  gtk_label_set_text (self->summary, text);
  c->path = g_strdup (tally_viewer_document_get_path (self->document));
  c->base_id = base_id;
  c->run_id = run_id;
  tally_viewer_page_read_start (&self->read, self, compare, "[tally-viewer] compare runs",
                                c, (GDestroyNotify) compare_free, compare_thread, on_compare_done_cb);
}

static void
on_drop_selected_cb (TallyViewerComparePage *self)
{
  if (!self->updating)
    compare (self, selected_run (self, self->base_drop), selected_run (self, self->run_drop));
}

gboolean
tally_viewer_compare_page_show_runs (TallyViewerComparePage *self,
                                     gint64                  base_id,
                                     gint64                  run_id)
{
  guint run_pos = GTK_INVALID_LIST_POSITION, base_pos = GTK_INVALID_LIST_POSITION;

  g_return_val_if_fail (TALLY_VIEWER_IS_COMPARE_PAGE (self), FALSE);

  refill_runs (self);
  /* A rerun's base is the run it came from. */
  if (base_id == 0)
    {
      GListModel *runs = tally_viewer_document_get_runs (self->document);

      for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
        {
          g_autoptr(TallyViewerRunItem) item = g_list_model_get_item (runs, i);

          if (tally_viewer_run_item_get_row (item)->id == run_id)
            base_id = tally_viewer_run_item_get_row (item)->parent_id;
        }
    }
  for (guint i = 0; i < self->run_ids->len; i++)
    {
      gint64 id = g_array_index (self->run_ids, gint64, i);

      if (id == run_id)
        run_pos = i;
      if (id == base_id || (base_id == 0 && run_pos != GTK_INVALID_LIST_POSITION && i == run_pos + 1))
        base_pos = i;
    }
  if (run_pos == GTK_INVALID_LIST_POSITION || base_pos == GTK_INVALID_LIST_POSITION)
    {
      tally_viewer_compare_page_cancel (self);
      clear_sections (self);
      gtk_label_set_text (self->summary, "Pick two runs to compare: this one has no run before it");
      return FALSE;
    }
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->base_drop, base_pos);
  gtk_drop_down_set_selected (self->run_drop, run_pos);
  self->updating = FALSE;
  compare (self, g_array_index (self->run_ids, gint64, base_pos), g_array_index (self->run_ids, gint64, run_pos));
  return TRUE;
}

guint
tally_viewer_compare_page_count (TallyViewerComparePage *self,
                                 TallyChange             change)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_COMPARE_PAGE (self), 0);
  g_return_val_if_fail (change < TALLY_N_CHANGES, 0);
  return self->counts[change];
}

static GtkWidget *
run_drop_new (TallyViewerComparePage *self,
              const char             *label)
{
  GtkWidget *drop = gtk_drop_down_new (NULL, NULL);

  tally_viewer_set_label (drop, label);
  gtk_widget_set_tooltip_text (drop, label);
  gtk_widget_set_hexpand (drop, TRUE);
  g_signal_connect_swapped (drop, "notify::selected", G_CALLBACK (on_drop_selected_cb), self);
  return drop;
}

/* A caption above a drop-down. */
static GtkWidget *
captioned (const char *caption,
           GtkWidget  *child)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (caption);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), child);
  return box;
}

static void
on_list_row_activated_cb (TallyViewerComparePage *self,
                          GtkListBoxRow          *row)
{
  const char *program = g_object_get_data (G_OBJECT (row), "program");
  const char *path = g_object_get_data (G_OBJECT (row), "path");

  g_signal_emit (self, signals[TEST_ACTIVATED], 0, program, path);
}

GtkWidget *
tally_viewer_compare_page_new (TallyViewerDocument *document)
{
  TallyViewerComparePage *self = g_object_new (TALLY_VIEWER_TYPE_COMPARE_PAGE,
                                               "orientation", GTK_ORIENTATION_VERTICAL, NULL);
  GtkWidget *bar = tally_viewer_page_bar_new ("Compare Runs", NULL);
  GtkWidget *picks = gtk_flow_box_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  self->document = g_object_ref (document);
  self->base_drop = GTK_DROP_DOWN (run_drop_new (self, "Base run (before)"));
  self->run_drop = GTK_DROP_DOWN (run_drop_new (self, "Run compared (after)"));
  self->summary = GTK_LABEL (gtk_label_new (NULL));
  self->sections = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6));

  /* The pickers go under each other when the window is narrow. */
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (picks), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (picks), 2);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (picks), TRUE);
  gtk_flow_box_append (GTK_FLOW_BOX (picks), captioned ("Before", GTK_WIDGET (self->base_drop)));
  gtk_flow_box_append (GTK_FLOW_BOX (picks), captioned ("After", GTK_WIDGET (self->run_drop)));
  gtk_label_set_wrap (self->summary, TRUE);
  gtk_label_set_xalign (self->summary, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "dim-label");

  gtk_box_append (GTK_BOX (column), picks);
  gtk_box_append (GTK_BOX (column), tally_viewer_page_read_init (&self->read, self->summary));
  gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->sections));
  gtk_widget_set_margin_bottom (column, 24);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 900);
  adw_clamp_set_child (ADW_CLAMP (clamp), column);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self), bar);
  gtk_box_append (GTK_BOX (self), scroller);
  return GTK_WIDGET (self);
}

static void
tally_viewer_compare_page_dispose (GObject *object)
{
  TallyViewerComparePage *self = (TallyViewerComparePage *) object;

  tally_viewer_page_read_clear (&self->read);
  g_clear_object (&self->document);
  g_clear_pointer (&self->run_ids, g_array_unref);

  G_OBJECT_CLASS (tally_viewer_compare_page_parent_class)->dispose (object);
}

static void
tally_viewer_compare_page_class_init (TallyViewerComparePageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_viewer_compare_page_dispose;

  signals[TEST_ACTIVATED] = g_signal_new ("test-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
tally_viewer_compare_page_init (TallyViewerComparePage *self)
{
  self->run_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
}
