/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-viewer-history-page.h"
#include "tally-viewer-page-read.h"
#include "tally-viewer-util.h"

struct _TallyViewerHistoryPage
{
  GtkBox parent_instance;

  /* Widgets */
  GtkLabel *title;
  GtkLabel *summary;
  GtkDrawingArea *plot;
  GtkBox *cells;

  /* Owned */
  TallyViewerDocument *document;
  GPtrArray *rows;              /* TallyHistoryRow, oldest first */
  char *program;
  char *path;
  TallyViewerPageRead read;
};

G_DEFINE_FINAL_TYPE (TallyViewerHistoryPage, tally_viewer_history_page, GTK_TYPE_BOX)

enum { RUN_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

#define PLOT_LEFT 72.0
#define PLOT_RIGHT 16.0
#define PLOT_TOP 40.0               /* the timeout band above the axis */
#define PLOT_BOTTOM 28.0

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              GdkRGBA    *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    gdk_rgba_parse (color, "#888888");
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static const char *
outcome_color (TallyOutcome outcome)
{
  if (tally_outcome_is_failure (outcome))
    return "error_color";
  if (outcome == TALLY_OUTCOME_FLAKY || outcome == TALLY_OUTCOME_XPASSED)
    return "warning_color";
  if (outcome == TALLY_OUTCOME_PASSED || outcome == TALLY_OUTCOME_XFAILED)
    return "success_color";
  return "window_fg_color";
}

static void
draw_text (cairo_t    *cr,
           GtkWidget  *widget,
           const char *text,
           double      x,
           double      y,
           double      xalign)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - xalign * w, y - h / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
draw_plot_cb (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        user_data)
{
  TallyViewerHistoryPage *self = user_data;
  GtkWidget *widget = GTK_WIDGET (area);
  double plot_w = width - PLOT_LEFT - PLOT_RIGHT, plot_h = height - PLOT_TOP - PLOT_BOTTOM;
  gint64 max_us = 1;
  guint n = self->rows ? self->rows->len : 0;
  GdkRGBA fg, color;

  if (n == 0 || plot_w <= 0 || plot_h <= 0)
    return;
  for (guint i = 0; i < n; i++)
    {
      const TallyHistoryRow *row = g_ptr_array_index (self->rows, i);

      if (row->outcome != TALLY_OUTCOME_TIMEOUT)
        max_us = MAX (max_us, row->duration_us);
    }

  /* Axes, three values on the duration axis, the run ids at the ends. */
  lookup_color (widget, "window_fg_color", &fg);
  gdk_cairo_set_source_rgba (cr, &(GdkRGBA) { fg.red, fg.green, fg.blue, 0.55 });
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, PLOT_LEFT + 0.5, PLOT_TOP);
  cairo_line_to (cr, PLOT_LEFT + 0.5, PLOT_TOP + plot_h + 0.5);
  cairo_line_to (cr, PLOT_LEFT + plot_w, PLOT_TOP + plot_h + 0.5);
  cairo_stroke (cr);
  for (int t = 0; t <= 2; t++)
    {
      g_autofree char *value = tally_viewer_format_duration (max_us * t / 2);
      double y = PLOT_TOP + plot_h - plot_h * t / 2.0;

      draw_text (cr, widget, value, PLOT_LEFT - 6, y, 1.0);
      cairo_move_to (cr, PLOT_LEFT - 3, y + 0.5);
      cairo_line_to (cr, PLOT_LEFT, y + 0.5);
      cairo_stroke (cr);
    }
  draw_text (cr, widget, "timeout", PLOT_LEFT - 6, PLOT_TOP / 2, 1.0);
  /* Run ids under the axis: each while they fit, else the ends. */
  for (guint i = 0; i < n; i++)
    {
      const TallyHistoryRow *row = g_ptr_array_index (self->rows, i);
      g_autofree char *id = g_strdup_printf ("#%" G_GINT64_FORMAT, row->run_id);
      double x = PLOT_LEFT + (n > 1 ? plot_w * i / (n - 1) : plot_w / 2);

      if (n > 1 && plot_w / (n - 1) < 40 && i != 0 && i != n - 1)
        continue;
      draw_text (cr, widget, id, x, PLOT_TOP + plot_h + PLOT_BOTTOM / 2, n > 1 && i == n - 1 ? 1.0 : n > 1 && i > 0 ? 0.5 : 0.0);
    }

  /* The line through the durations, then a dot per run (a triangle in
   * the band above for a timeout, whose duration is the limit). */
  gdk_cairo_set_source_rgba (cr, &(GdkRGBA) { fg.red, fg.green, fg.blue, 0.3 });
  cairo_new_path (cr);
  for (guint i = 0; i < n; i++)
    {
      const TallyHistoryRow *row = g_ptr_array_index (self->rows, i);
      double x = PLOT_LEFT + (n > 1 ? plot_w * i / (n - 1) : plot_w / 2);
      double y = PLOT_TOP + plot_h - plot_h * row->duration_us / (double) max_us;

      if (row->outcome != TALLY_OUTCOME_TIMEOUT)
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
  for (guint i = 0; i < n; i++)
    {
      const TallyHistoryRow *row = g_ptr_array_index (self->rows, i);
      double x = PLOT_LEFT + (n > 1 ? plot_w * i / (n - 1) : plot_w / 2);
      double y = PLOT_TOP + plot_h - plot_h * row->duration_us / (double) max_us;

      lookup_color (widget, outcome_color (row->outcome), &color);
      gdk_cairo_set_source_rgba (cr, &color);
      if (row->outcome == TALLY_OUTCOME_TIMEOUT)
        {
          cairo_move_to (cr, x, PLOT_TOP / 2 + 5);
          cairo_line_to (cr, x - 5, PLOT_TOP / 2 - 4);
          cairo_line_to (cr, x + 5, PLOT_TOP / 2 - 4);
          cairo_close_path (cr);
        }
      else
        cairo_arc (cr, x, y, 4, 0, 2 * G_PI);
      cairo_fill (cr);
      /* Values beside the points while they fit. */
      if (n <= 12 && row->outcome != TALLY_OUTCOME_TIMEOUT)
        {
          g_autofree char *value = tally_viewer_format_duration (row->duration_us);

          gdk_cairo_set_source_rgba (cr, &fg);
          draw_text (cr, widget, value, x + (i == n - 1 && n > 1 ? -6 : 6), y - 12, i == n - 1 && n > 1 ? 1.0 : 0.0);
        }
    }
}

static void
on_cell_clicked_cb (GtkButton              *cell,
                    TallyViewerHistoryPage *self)
{
  gint64 run_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (cell), "run-id"));

  g_signal_emit (self, signals[RUN_ACTIVATED], 0, run_id);
}

static GtkWidget *
cell_new (TallyViewerHistoryPage *self,
          const TallyHistoryRow  *row)
{
  g_autofree char *id = g_strdup_printf ("#%" G_GINT64_FORMAT, row->run_id);
  GtkWidget *cell = gtk_button_new_with_label (id);
  g_autofree char *duration = tally_viewer_format_duration (row->duration_us);
  g_autofree char *label = g_strdup_printf ("Run #%" G_GINT64_FORMAT ": %s, %s", row->run_id,
                                            tally_outcome_to_string (row->outcome), duration);

  gtk_widget_add_css_class (cell, "history-cell");
  gtk_widget_add_css_class (cell, tally_outcome_to_string (row->outcome));
  gtk_widget_add_css_class (cell, "flat");
  gtk_widget_set_tooltip_text (cell, label);
  tally_viewer_set_label (cell, label);
  g_object_set_data (G_OBJECT (cell), "run-id", GSIZE_TO_POINTER ((gsize) row->run_id));
  g_signal_connect (cell, "clicked", G_CALLBACK (on_cell_clicked_cb), self);
  return cell;
}

static void
summarize (TallyViewerHistoryPage *self)
{
  guint failures = 0, flips = 0, verdicts = 0;
  gboolean have_prev = FALSE, prev_failed = FALSE;
  g_autofree char *text = NULL;

  for (guint i = 0; i < self->rows->len; i++)
    {
      const TallyHistoryRow *row = g_ptr_array_index (self->rows, i);
      gboolean failed = tally_outcome_is_failure (row->outcome);

      failures += failed;
      flips += row->outcome == TALLY_OUTCOME_FLAKY;
      if (!failed && row->outcome != TALLY_OUTCOME_PASSED && row->outcome != TALLY_OUTCOME_FLAKY)
        continue;
      verdicts++;
      flips += have_prev && failed != prev_failed;
      have_prev = TRUE;
      prev_failed = failed;
    }
  text = g_strdup_printf ("%u runs · %u failed · %u flips · flaky rate %.0f\u00a0%% (flips per run with a verdict)",
                          self->rows->len, failures, flips, verdicts ? 100.0 * flips / verdicts : 0);
  gtk_label_set_text (self->summary, text);
}

/* --- reading on a thread ------------------------------------------------ */

typedef struct
{
  char *db;
  char *program;
  char *path;
} History;

static void
history_free (History *h)
{
  g_free (h->db);
  g_free (h->program);
  g_free (h->path);
  g_free (h);
}

/* A connection of its own, as the compare page's. Returns the rows
 * newest first, or none when the test has no results. */
static void
history_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  History *h = task_data;
  GError *error = NULL;
  g_autoptr(GPtrArray) tests = NULL;
  GPtrArray *rows = NULL;
  TallyStore *store = tally_store_open_readonly (h->db, &error);

  if (store != NULL)
    tests = tally_store_find_tests (store, h->program, h->path, &error);
  if (tests != NULL && tests->len > 0)
    rows = tally_store_query_history (store, ((TallyTestRow *) g_ptr_array_index (tests, 0))->id,
                                      TALLY_VIEWER_HISTORY_RUNS, &error);
  else if (tests != NULL)
    rows = g_ptr_array_new ();
  g_clear_pointer (&store, tally_store_close);
  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

static void
clear (TallyViewerHistoryPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->cells))) != NULL)
    gtk_box_remove (self->cells, child);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self->plot));
}

static void
on_history_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TallyViewerHistoryPage *self = TALLY_VIEWER_HISTORY_PAGE (object);
  g_autoptr(GError) error = NULL;
  gboolean superseded;
  g_autoptr(GPtrArray) rows = tally_viewer_page_read_finish (result, &self->read, &superseded, &error);

  /* Superseded by another test, page or database. */
  if (superseded)
    return;
  if (rows == NULL || rows->len == 0)
    {
      gtk_label_set_text (self->summary, error ? error->message : "This test has no results");
      self->rows = g_ptr_array_new ();
      gtk_widget_queue_draw (GTK_WIDGET (self->plot));
      return;
    }

  /* Newest first from the store: the page reads left to right in time. */
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_history_row_free);
  for (guint i = rows->len; i-- > 0;)
    g_ptr_array_add (self->rows, g_ptr_array_steal_index (rows, i));
  for (guint i = 0; i < self->rows->len; i++)
    gtk_box_append (self->cells, cell_new (self, g_ptr_array_index (self->rows, i)));
  summarize (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->plot));
}

void
tally_viewer_history_page_cancel (TallyViewerHistoryPage *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_HISTORY_PAGE (self));

  tally_viewer_page_read_cancel (&self->read);
}

gboolean
tally_viewer_history_page_is_busy (TallyViewerHistoryPage *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_HISTORY_PAGE (self), FALSE);
  return tally_viewer_page_read_is_busy (&self->read);
}

guint
tally_viewer_history_page_get_n_runs (TallyViewerHistoryPage *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_HISTORY_PAGE (self), 0);
  return self->rows != NULL ? self->rows->len : 0;
}

void
tally_viewer_history_page_show_test (TallyViewerHistoryPage *self,
                                     const char             *program,
                                     const char             *path)
{
  g_autofree char *title = NULL;
  History *h;

  g_return_if_fail (TALLY_VIEWER_IS_HISTORY_PAGE (self));

  tally_viewer_history_page_cancel (self);
  clear (self);
  h = g_new0 (History, 1);
  h->db = g_strdup (tally_viewer_document_get_path (self->document));
  h->program = g_strdup (program);
  h->path = g_strdup (path);
  g_free (self->program);
  g_free (self->path);
  self->program = g_strdup (program);
  self->path = g_strdup (path);
  title = tally_viewer_text_for_display (path, -1, 300);
  gtk_label_set_text (self->title, title);
  gtk_label_set_text (self->summary, "Reading the latest runs…");
  tally_viewer_page_read_start (&self->read, self, tally_viewer_history_page_show_test,
                                "[tally-viewer] read a test's history",
                                h, (GDestroyNotify) history_free, history_thread, on_history_done_cb);
}

const char *
tally_viewer_history_page_get_program (TallyViewerHistoryPage *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_HISTORY_PAGE (self), NULL);
  return self->program;
}

const char *
tally_viewer_history_page_get_path (TallyViewerHistoryPage *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_HISTORY_PAGE (self), NULL);
  return self->path;
}

GtkWidget *
tally_viewer_history_page_get_cell (TallyViewerHistoryPage *self,
                                    guint                   i)
{
  GtkWidget *cell;

  g_return_val_if_fail (TALLY_VIEWER_IS_HISTORY_PAGE (self), NULL);

  for (cell = gtk_widget_get_first_child (GTK_WIDGET (self->cells)); cell != NULL && i > 0; i--)
    cell = gtk_widget_get_next_sibling (cell);
  return cell;
}

GtkWidget *
tally_viewer_history_page_new (TallyViewerDocument *document)
{
  TallyViewerHistoryPage *self = g_object_new (TALLY_VIEWER_TYPE_HISTORY_PAGE,
                                               "orientation", GTK_ORIENTATION_VERTICAL, NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *cells_scroller = gtk_scrolled_window_new ();
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *outcomes = gtk_label_new ("Outcome per run, oldest first (click one to open that run)");

  self->document = g_object_ref (document);
  gtk_box_append (GTK_BOX (self), tally_viewer_page_bar_new (NULL, &self->title));
  self->summary = GTK_LABEL (gtk_label_new (NULL));
  self->plot = GTK_DRAWING_AREA (gtk_drawing_area_new ());
  self->cells = GTK_BOX (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 3));

  gtk_label_set_wrap (self->summary, TRUE);
  gtk_label_set_xalign (self->summary, 0);
  gtk_drawing_area_set_content_height (self->plot, 240);
  gtk_drawing_area_set_draw_func (self->plot, draw_plot_cb, self, NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self->plot), "history-plot");
  tally_viewer_set_label (GTK_WIDGET (self->plot), "Duration per run");
  gtk_label_set_xalign (GTK_LABEL (outcomes), 0);
  gtk_label_set_wrap (GTK_LABEL (outcomes), TRUE);
  gtk_widget_add_css_class (outcomes, "dim-label");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (cells_scroller), GTK_WIDGET (self->cells));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (cells_scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);

  gtk_box_append (GTK_BOX (column), tally_viewer_page_read_init (&self->read, self->summary));
  gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->plot));
  gtk_box_append (GTK_BOX (column), outcomes);
  gtk_box_append (GTK_BOX (column), cells_scroller);
  gtk_widget_set_margin_start (column, 12);
  gtk_widget_set_margin_end (column, 12);
  gtk_widget_set_margin_bottom (column, 24);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), column);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self), scroller);
  return GTK_WIDGET (self);
}

static void
tally_viewer_history_page_dispose (GObject *object)
{
  TallyViewerHistoryPage *self = (TallyViewerHistoryPage *) object;

  tally_viewer_page_read_clear (&self->read);
  g_clear_object (&self->document);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->program, g_free);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (tally_viewer_history_page_parent_class)->dispose (object);
}

static void
tally_viewer_history_page_class_init (TallyViewerHistoryPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_viewer_history_page_dispose;

  signals[RUN_ACTIVATED] = g_signal_new ("run-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
tally_viewer_history_page_init (TallyViewerHistoryPage *self)
{
}
