/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <tally.h>

#include "tally-viewer-runs-sidebar.h"
#include "tally-viewer-util.h"

struct _TallyViewerRunsSidebar
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkListView *runs_view;

  /* Owned */
  TallyViewerDocument *document;
  GtkSingleSelection *selection;
  gboolean updating;
};

G_DEFINE_FINAL_TYPE (TallyViewerRunsSidebar, tally_viewer_runs_sidebar, ADW_TYPE_BIN)

static void
on_runs_factory_setup_cb (GtkSignalListItemFactory *factory,
                          GtkListItem              *item,
                          gpointer                  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *status = gtk_label_new (NULL);
  GtkWidget *counts = gtk_label_new (NULL);
  GtkWidget *kind = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (status, "run-status");
  gtk_label_set_xalign (GTK_LABEL (kind), 0);
  gtk_label_set_ellipsize (GTK_LABEL (kind), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (kind, "run-kind");
  gtk_widget_add_css_class (kind, "caption-heading");
  /* Counts wrap between words: a count is never cut. */
  gtk_label_set_xalign (GTK_LABEL (counts), 0);
  gtk_label_set_wrap (GTK_LABEL (counts), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (counts), PANGO_WRAP_WORD);
  gtk_widget_add_css_class (counts, "caption");
  gtk_widget_add_css_class (counts, "dim-label");
  gtk_widget_add_css_class (counts, "numeric");
  gtk_box_append (GTK_BOX (top), title);
  gtk_box_append (GTK_BOX (top), status);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), kind);
  gtk_box_append (GTK_BOX (box), counts);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  g_object_set_data (G_OBJECT (box), "title", title);
  g_object_set_data (G_OBJECT (box), "status", status);
  g_object_set_data (G_OBJECT (box), "counts", counts);
  g_object_set_data (G_OBJECT (box), "kind", kind);
  gtk_list_item_set_child (item, box);
}

/* "1,234 failed", joined by " · " with no break inside a count. */
static void
append_count (GString    *text,
              guint       n,
              const char *what)
{
  g_autofree char *count = tally_viewer_format_count (n);

  if (text->len > 0)
    g_string_append (text, " · ");
  g_string_append_printf (text, "%s\u00a0%s", count, what);
}

static char *
run_counts_text (const TallyRunRow *row)
{
  GString *text = g_string_new (NULL);
  guint failed = 0;

  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    if (TALLY_VIEWER_FAILED_MASK & (1u << o))
      failed += row->counts[o];

  if (failed > 0)
    append_count (text, failed, "failed");
  append_count (text, row->counts[TALLY_OUTCOME_PASSED], "passed");
  if (row->counts[TALLY_OUTCOME_FLAKY] > 0)
    append_count (text, row->counts[TALLY_OUTCOME_FLAKY], "flaky");
  if (row->counts[TALLY_OUTCOME_SKIPPED] > 0)
    append_count (text, row->counts[TALLY_OUTCOME_SKIPPED], "skipped");
  if (row->finished_at_us > row->started_at_us)
    {
      g_autofree char *duration = tally_viewer_format_duration (row->finished_at_us - row->started_at_us);
      g_auto(GStrv) words = g_strsplit (duration, " ", -1);
      g_autofree char *kept = g_strjoinv ("\u00a0", words);

      g_string_append_printf (text, " · %s", kept);
    }
  /* A rerun's own counts: how many it ran, then their outcomes (the
   * results show it merged over its parent). */
  if (row->parent_id > 0)
    {
      g_autofree char *count = tally_viewer_format_count (row->n_results);
      g_autofree char *ran = g_strdup_printf ("%s\u00a0rerun: ", count);

      g_string_prepend (text, ran);
    }
  return g_string_free (text, FALSE);
}

static void
on_runs_factory_bind_cb (GtkSignalListItemFactory *factory,
                         GtkListItem              *item,
                         gpointer                  data)
{
  const TallyRunRow *row = tally_viewer_run_item_get_row (gtk_list_item_get_item (item));
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *status = g_object_get_data (G_OBJECT (box), "status");
  g_autofree char *when = tally_viewer_format_time (row->started_at_us);
  g_autofree char *title = g_strdup_printf ("#%" G_GINT64_FORMAT " · %s", row->id, when);
  g_autofree char *counts = run_counts_text (row);
  g_autofree char *kind = tally_viewer_describe_run ((const char * const *) row->argv, row->parent_id);
  const char *status_text = tally_run_status_to_string (row->status);
  g_autofree char *argv = g_strjoinv (" ", row->argv);
  g_autofree char *tooltip = NULL;
  g_autofree char *accessible = NULL;
  static const char *classes[] = { "running", "passed", "failed", "interrupted", "error" };

  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "title"), title);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "counts"), counts);
  gtk_label_set_text (g_object_get_data (G_OBJECT (box), "kind"), kind ? kind : "");
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (box), "kind"), kind != NULL);
  gtk_label_set_text (GTK_LABEL (status), status_text);
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (status, classes[i]);
  gtk_widget_add_css_class (status, status_text);
  tooltip = g_strdup_printf ("tally %s\n%u workers%s%s", argv, row->workers,
                             row->host ? " · " : "", row->host ? row->host : "");
  tally_viewer_set_tooltip (box, tooltip);
  accessible = g_strdup_printf ("Run %s, %s%s%s, %s", title, status_text, kind ? ", " : "", kind ? kind : "", counts);
  tally_viewer_set_label (box, accessible);
}

/* Keeps the selection on the run the document shows. */
static void
sync_selection (TallyViewerRunsSidebar *self)
{
  GListModel *runs = tally_viewer_document_get_runs (self->document);
  gint64 run_id = tally_viewer_document_get_run_id (self->document);
  guint position = GTK_INVALID_LIST_POSITION;
  guint n = g_list_model_get_n_items (runs);

  for (guint i = 0; run_id != 0 && i < n; i++)
    {
      g_autoptr(TallyViewerRunItem) run = g_list_model_get_item (runs, i);

      if (tally_viewer_run_item_get_row (run)->id == run_id)
        {
          position = i;
          break;
        }
    }
  if (gtk_single_selection_get_selected (self->selection) == position)
    return;
  self->updating = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->updating = FALSE;
}

static void
on_selection_changed_cb (TallyViewerRunsSidebar *self,
                         guint                   position,
                         guint                   n_items,
                         GtkSelectionModel      *model)
{
  TallyViewerRunItem *run = gtk_single_selection_get_selected_item (self->selection);
  gint64 run_id = run ? tally_viewer_run_item_get_row (run)->id : 0;

  if (self->updating || run_id == 0 || run_id == tally_viewer_document_get_run_id (self->document))
    return;
  tally_viewer_document_load_run (self->document, run_id);
}

void
tally_viewer_runs_sidebar_set_document (TallyViewerRunsSidebar *self,
                                        TallyViewerDocument    *document)
{
  g_return_if_fail (TALLY_VIEWER_IS_RUNS_SIDEBAR (self));
  g_return_if_fail (self->document == NULL);

  self->document = g_object_ref (document);
  self->selection = gtk_single_selection_new (g_object_ref (tally_viewer_document_get_runs (document)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (on_selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::run-id", G_CALLBACK (sync_selection), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "runs-changed", G_CALLBACK (sync_selection), self, G_CONNECT_SWAPPED);
  gtk_list_view_set_model (self->runs_view, GTK_SELECTION_MODEL (self->selection));
}

void
tally_viewer_runs_sidebar_release_views (TallyViewerRunsSidebar *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_RUNS_SIDEBAR (self));
  gtk_list_view_set_model (self->runs_view, NULL);
}

static void
tally_viewer_runs_sidebar_dispose (GObject *object)
{
  TallyViewerRunsSidebar *self = (TallyViewerRunsSidebar *) object;

  if (self->runs_view != NULL)
    gtk_list_view_set_model (self->runs_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_RUNS_SIDEBAR);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (tally_viewer_runs_sidebar_parent_class)->dispose (object);
}

static void
tally_viewer_runs_sidebar_class_init (TallyViewerRunsSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_viewer_runs_sidebar_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-runs-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerRunsSidebar, runs_view);
  gtk_widget_class_bind_template_callback (widget_class, on_runs_factory_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_runs_factory_setup_cb);
}

static void
tally_viewer_runs_sidebar_init (TallyViewerRunsSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
