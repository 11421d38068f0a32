/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-compare-private.h"
#include "tally-viewer-flaky-page.h"
#include "tally-viewer-page-read.h"
#include "tally-viewer-util.h"

struct _TallyViewerFlakyPage
{
  GtkBox parent_instance;

  /* Widgets */
  GtkLabel *summary;
  GtkListBox *list;

  /* Owned */
  TallyViewerDocument *document;
  GPtrArray *entries;           /* TallyFlakyEntry, as listed */
  TallyViewerPageRead read;
};

G_DEFINE_FINAL_TYPE (TallyViewerFlakyPage, tally_viewer_flaky_page, GTK_TYPE_BOX)

enum { TEST_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static GtkWidget *
entry_row (const TallyFlakyEntry *e)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *path = tally_viewer_text_for_display (e->path, -1, 1000);
  g_autofree char *program = tally_viewer_text_for_display (e->program, -1, 1000);
  g_autofree char *stats = g_strdup_printf ("%u flips in %u runs · %.0f\u00a0%%\nfailed %u× · flaky %u×",
                                            e->flips, e->n_runs, 100 * tally_flaky_entry_rate (e),
                                            e->n_failed, e->n_flaky);
  GtkWidget *label = gtk_label_new (stats);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), path);
  adw_action_row_set_subtitle (row, program);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (row, label);
  adw_action_row_add_suffix (row, gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  return GTK_WIDGET (row);
}

static void
clear_list (TallyViewerFlakyPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
}

static void
fill (TallyViewerFlakyPage *self,
      GPtrArray            *entries,
      GError               *error)
{
  clear_list (self);
  self->entries = entries;
  if (self->entries == NULL)
    {
      gtk_label_set_text (self->summary, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->list), FALSE);
      return;
    }

  for (guint i = 0; i < self->entries->len; i++)
    gtk_list_box_append (self->list, entry_row (g_ptr_array_index (self->entries, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->list), self->entries->len > 0);
  if (self->entries->len == 0)
    gtk_label_set_text (self->summary, "No flaky tests in the latest 50 runs: no test passed on a retry "
                                       "or flipped between pass and fail twice");
  else
    {
      g_autofree char *count = tally_viewer_format_count (self->entries->len);
      g_autofree char *text = g_strdup_printf ("%s tests flipped in the latest 50 runs (a flip: pass↔fail "
                                               "between runs, or a pass on a retry), most flips first",
                                               count);

      gtk_label_set_text (self->summary, text);
    }
}

/* Reads 50 runs: on a thread, with a connection of its own. */
static void
flaky_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  TallyStore *store = tally_store_open_readonly (task_data, &error);
  GPtrArray *entries = NULL;

  if (store != NULL)
    entries = tally_flaky_tests (store, TALLY_VIEWER_FLAKY_RUNS, &error);
  g_clear_pointer (&store, tally_store_close);
  if (entries == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_flaky_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TallyViewerFlakyPage *self = TALLY_VIEWER_FLAKY_PAGE (object);
  g_autoptr(GError) error = NULL;
  gboolean superseded;
  GPtrArray *entries = tally_viewer_page_read_finish (result, &self->read, &superseded, &error);

  /* Superseded by another read, page or database. */
  if (superseded)
    {
      g_clear_pointer (&entries, g_ptr_array_unref);
      return;
    }
  fill (self, entries, error);
}

void
tally_viewer_flaky_page_cancel (TallyViewerFlakyPage *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_FLAKY_PAGE (self));

  tally_viewer_page_read_cancel (&self->read);
}

void
tally_viewer_flaky_page_refresh (TallyViewerFlakyPage *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_FLAKY_PAGE (self));

  tally_viewer_flaky_page_cancel (self);
  clear_list (self);
  gtk_label_set_text (self->summary, "Reading the latest 50 runs…");
  tally_viewer_page_read_start (&self->read, self, tally_viewer_flaky_page_refresh,
                                "[tally-viewer] read the flaky tests",
                                g_strdup (tally_viewer_document_get_path (self->document)), g_free,
                                flaky_thread, on_flaky_done_cb);
}

gboolean
tally_viewer_flaky_page_is_busy (TallyViewerFlakyPage *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_FLAKY_PAGE (self), FALSE);
  return tally_viewer_page_read_is_busy (&self->read);
}

guint
tally_viewer_flaky_page_get_n_tests (TallyViewerFlakyPage *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_FLAKY_PAGE (self), 0);
  return self->entries ? self->entries->len : 0;
}

void
tally_viewer_flaky_page_activate (TallyViewerFlakyPage *self,
                                  guint                 i)
{
  const TallyFlakyEntry *e;

  g_return_if_fail (TALLY_VIEWER_IS_FLAKY_PAGE (self));
  g_return_if_fail (self->entries != NULL && i < self->entries->len);

  e = g_ptr_array_index (self->entries, i);
  g_signal_emit (self, signals[TEST_ACTIVATED], 0, e->program, e->path);
}

static void
on_list_row_activated_cb (TallyViewerFlakyPage *self,
                          GtkListBoxRow        *row)
{
  tally_viewer_flaky_page_activate (self, gtk_list_box_row_get_index (row));
}

GtkWidget *
tally_viewer_flaky_page_new (TallyViewerDocument *document)
{
  TallyViewerFlakyPage *self = g_object_new (TALLY_VIEWER_TYPE_FLAKY_PAGE,
                                             "orientation", GTK_ORIENTATION_VERTICAL, NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  self->document = g_object_ref (document);
  self->summary = GTK_LABEL (gtk_label_new (NULL));
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_label_set_wrap (self->summary, TRUE);
  gtk_label_set_xalign (self->summary, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "dim-label");
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  tally_viewer_set_label (GTK_WIDGET (self->list), "Flaky tests");
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (on_list_row_activated_cb), self);

  gtk_box_append (GTK_BOX (column), tally_viewer_page_read_init (&self->read, self->summary));
  gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->list));
  gtk_widget_set_margin_bottom (column, 24);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 900);
  adw_clamp_set_child (ADW_CLAMP (clamp), column);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self), tally_viewer_page_bar_new ("Flaky Tests", NULL));
  gtk_box_append (GTK_BOX (self), scroller);
  return GTK_WIDGET (self);
}

static void
tally_viewer_flaky_page_dispose (GObject *object)
{
  TallyViewerFlakyPage *self = (TallyViewerFlakyPage *) object;

  tally_viewer_page_read_clear (&self->read);
  g_clear_object (&self->document);
  g_clear_pointer (&self->entries, g_ptr_array_unref);

  G_OBJECT_CLASS (tally_viewer_flaky_page_parent_class)->dispose (object);
}

static void
tally_viewer_flaky_page_class_init (TallyViewerFlakyPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_viewer_flaky_page_dispose;

  signals[TEST_ACTIVATED] = g_signal_new ("test-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
tally_viewer_flaky_page_init (TallyViewerFlakyPage *self)
{
}
