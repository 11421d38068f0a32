/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <tally.h>

#include "tally-viewer-detail-private.h"
#include "tally-rerun-private.h"
#include "tally-viewer-log-list.h"
#include "tally-viewer-util.h"

#define HISTORY_LIMIT 30
/* Beyond this, output is cut in the view (the database keeps it all). */
#define OUTPUT_SHOWN_MAX (512 * 1024)
#define CELL_CHARS_MAX 2000

struct _TallyViewerDetail
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *content_stack;
  GtkBox *failure_box;
  GtkBox *history_strip;
  GtkLabel *history_label;
  GtkDropDown *level_dropdown;
  GtkLabel *location_label;
  GtkLabel *log_count_label;
  GtkStack *log_stack;
  GtkColumnView *log_view;
  GtkLabel *message_label;
  GtkLabel *meta_label;
  GtkLabel *outcome_label;
  GtkLabel *path_label;
  GtkLabel *program_label;
  GtkStack *stack;
  GtkTextView *stderr_view;
  GtkTextView *stdout_view;
  GtkDrawingArea *trend_area;

  /* Borrowed */
  TallyStore *store;

  /* Owned */
  TallyViewerLogList *logs;
  GArray *durations;            /* gint64, oldest first */
  gint64 result_id;
  guint n_logs;                 /* the result's records, all levels */
  gint64 started_at_us;
  GLogLevelFlags max_level;
  char *message;
  char *rerun_command;           /* nullable: the program is not runnable */
  char *debug_command;
};

G_DEFINE_FINAL_TYPE (TallyViewerDetail, tally_viewer_detail, GTK_TYPE_WIDGET)

static const GLogLevelFlags level_choices[] = {
  0, G_LOG_LEVEL_INFO, G_LOG_LEVEL_MESSAGE, G_LOG_LEVEL_WARNING, G_LOG_LEVEL_CRITICAL,
};

/* --- log table cells -------------------------------------------------- */

typedef enum
{
  LOG_COL_TIME,
  LOG_COL_LEVEL,
  LOG_COL_DOMAIN,
  LOG_COL_MESSAGE,
} LogColumn;

static void
on_log_cell_setup_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      gpointer                  data)
{
  LogColumn column = GPOINTER_TO_INT (data);
  GtkWidget *child;

  if (column == LOG_COL_LEVEL)
    {
      child = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (child), 0);
      gtk_widget_add_css_class (child, "log-level");
    }
  else
    {
      child = gtk_inscription_new (NULL);
      gtk_inscription_set_min_chars (GTK_INSCRIPTION (child), column == LOG_COL_MESSAGE ? 30 : 6);
      gtk_inscription_set_nat_chars (GTK_INSCRIPTION (child), column == LOG_COL_MESSAGE ? 80 : 12);
      if (column == LOG_COL_TIME)
        {
          gtk_inscription_set_xalign (GTK_INSCRIPTION (child), 1);
          gtk_widget_add_css_class (child, "numeric");
        }
    }
  if (column == LOG_COL_MESSAGE || column == LOG_COL_TIME)
    gtk_widget_add_css_class (child, "monospace");
  gtk_list_item_set_child (item, child);
}

/* Each class change restyles the widget: change only what differs (a
 * new result or level filter rebinds every visible row). @level_class is
 * one of tally_viewer_level_class()'s static strings. */
static void
set_level_class (GtkWidget  *widget,
                 const char *level_class)
{
  const char *old = g_object_get_data (G_OBJECT (widget), "tally-level-class");

  if (g_strcmp0 (old, level_class) == 0)
    return;
  if (old != NULL)
    gtk_widget_remove_css_class (widget, old);
  gtk_widget_add_css_class (widget, level_class);
  g_object_set_data (G_OBJECT (widget), "tally-level-class", (gpointer) level_class);
}

static void
on_log_cell_bind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  data)
{
  TallyViewerDetail *self = g_object_get_data (G_OBJECT (factory), "detail");
  LogColumn column = GPOINTER_TO_INT (data);
  TallyViewerLogItem *log_item = gtk_list_item_get_item (item);
  const TallyLogRecord *record = tally_viewer_log_item_get_record (log_item);
  GtkWidget *child = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  tally_viewer_row_set_shown (TALLY_VIEWER_ROW (log_item), TRUE);

  if (record == NULL)
    text = g_strdup ("");
  else
    switch (column)
      {
      case LOG_COL_TIME:
        text = tally_viewer_format_offset (record->time_us - self->started_at_us);
        break;
      case LOG_COL_LEVEL:
        break;
      case LOG_COL_DOMAIN:
        text = tally_viewer_text_for_display (record->domain ? record->domain : "", -1, 200);
        break;
      case LOG_COL_MESSAGE:
        text = tally_viewer_first_line (record->message, record->message_len, CELL_CHARS_MAX);
        break;
      default:
        g_assert_not_reached ();
      }

  if (column == LOG_COL_LEVEL)
    {
      int level = record ? record->level : G_LOG_LEVEL_DEBUG;

      gtk_label_set_text (GTK_LABEL (child), tally_viewer_level_label (level));
      set_level_class (child, tally_viewer_level_class (level));
      return;
    }

  gtk_inscription_set_text (GTK_INSCRIPTION (child), text);
  if (column == LOG_COL_MESSAGE && record != NULL)
    {
      g_autofree char *full = tally_viewer_text_for_display (record->message, record->message_len, 4000);
      tally_viewer_set_tooltip (child, full);
      set_level_class (child, tally_viewer_level_class (record->level));
    }
}

static void
on_log_cell_unbind_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       gpointer                  data)
{
  tally_viewer_row_set_shown (gtk_list_item_get_item (item), FALSE);
}

static void
add_log_column (TallyViewerDetail *self,
                const char        *title,
                LogColumn          column,
                gboolean           expand,
                int                fixed_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_object_set_data (G_OBJECT (factory), "detail", self);
  g_signal_connect (factory, "setup", G_CALLBACK (on_log_cell_setup_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (on_log_cell_bind_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (on_log_cell_unbind_cb), NULL);
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_column_set_resizable (col, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (col, fixed_width);
  gtk_column_view_append_column (self->log_view, col);
  g_object_unref (col);
}

/* --- history ----------------------------------------------------------- */

static void
trend_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  TallyViewerDetail *self = user_data;
  GdkRGBA color;
  gint64 max = 1;

  if (self->durations == NULL || self->durations->len < 2)
    return;

  for (guint i = 0; i < self->durations->len; i++)
    max = MAX (max, g_array_index (self->durations, gint64, i));

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.8);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->durations->len; i++)
    {
      double x = 2 + (width - 4) * (double) i / (self->durations->len - 1);
      double y = height - 2 - (height - 4) * (double) g_array_index (self->durations, gint64, i) / max;

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
}

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

static gboolean
is_pass (TallyOutcome outcome)
{
  return outcome == TALLY_OUTCOME_PASSED || outcome == TALLY_OUTCOME_XFAILED;
}

static void
load_history (TallyViewerDetail    *self,
              gint64                run_id,
              const TallyResultRow *row)
{
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GError) error = NULL;
  guint flips = 0, flaky = 0, failures = 0;
  int last = -1;

  clear_box (self->history_strip);
  g_array_set_size (self->durations, 0);

  history = tally_store_query_history (self->store, row->test_id, HISTORY_LIMIT, &error);
  if (history == NULL)
    {
      gtk_label_set_text (self->history_label, error->message);
      gtk_widget_queue_draw (GTK_WIDGET (self->trend_area));
      return;
    }

  /* Newest first from the store; shown oldest to newest. */
  for (guint i = history->len; i-- > 0;)
    {
      TallyHistoryRow *h = g_ptr_array_index (history, i);
      GtkWidget *cell = gtk_label_new (NULL);
      g_autofree char *when = tally_viewer_format_time (h->run_started_at_us);
      g_autofree char *duration = tally_viewer_format_duration (h->duration_us);
      g_autofree char *tooltip = NULL;
      const char *outcome = tally_outcome_to_string (h->outcome);
      int pass;

      tooltip = g_strdup_printf ("Run %" G_GINT64_FORMAT " · %s\n%s · %s%s", h->run_id, when,
                                 outcome, duration, h->run_id == run_id ? "\n(this run)" : "");
      tally_viewer_set_tooltip (cell, tooltip);
      gtk_widget_add_css_class (cell, "history-cell");
      gtk_widget_add_css_class (cell, outcome);
      if (h->run_id == run_id)
        gtk_widget_add_css_class (cell, "current");
      gtk_box_append (self->history_strip, cell);
      g_array_append_val (self->durations, h->duration_us);

      if (h->outcome == TALLY_OUTCOME_FLAKY)
        flaky++;
      if (tally_outcome_is_failure (h->outcome))
        failures++;
      pass = is_pass (h->outcome) ? 1 : tally_outcome_is_failure (h->outcome) ? 0 : -1;
      if (pass >= 0)
        {
          if (last >= 0 && pass != last)
            flips++;
          last = pass;
        }
    }

  {
    g_autofree char *summary = g_strdup_printf ("%u runs · %u failed · %u flips · %u flaky",
                                                history->len, failures, flips, flaky);
    gtk_label_set_text (self->history_label, summary);
  }
  gtk_widget_queue_draw (GTK_WIDGET (self->trend_area));
}

/* --- output ------------------------------------------------------------ */

static void
load_output (TallyViewerDetail *self,
             GtkTextView       *view,
             TallyStream        stream)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tally_store_get_output (self->store, self->result_id, stream, &error);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  g_autofree char *text = NULL;
  gsize size = 0;
  const char *data = NULL;

  if (bytes == NULL)
    {
      gtk_text_buffer_set_text (buffer, error->message, -1);
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    text = g_strdup (stream == TALLY_STREAM_STDOUT ? "(nothing on standard output)"
                                                    : "(nothing on standard error)");
  else
    {
      g_autofree char *shown = tally_viewer_text_for_display (data, MIN (size, OUTPUT_SHOWN_MAX), -1);

      if (size > OUTPUT_SHOWN_MAX)
        text = g_strdup_printf ("%s\n\n[… %" G_GSIZE_FORMAT " more bytes not shown]",
                                shown, size - OUTPUT_SHOWN_MAX);
      else
        text = g_steal_pointer (&shown);
    }

  gtk_text_buffer_set_text (buffer, text, -1);
}

/* --- logs ------------------------------------------------------------- */

static void
load_logs (TallyViewerDetail *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  guint n;

  /* The row counted its records (an index-only count); a level filter
   * needs each record's level. */
  tally_viewer_log_list_set_result (self->logs, self->store, self->result_id,
                                    self->max_level, self->max_level == 0 ? (gint64) self->n_logs : -1, &error);
  if (error != NULL)
    g_warning ("Cannot count log records: %s", error->message);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->logs));
  count = g_strdup_printf (g_dngettext (NULL, "%u record", "%u records", n), n);
  gtk_label_set_text (self->log_count_label, count);
  gtk_stack_set_visible_child_name (self->log_stack, n > 0 ? "records" : "no-records");
}

static void
on_level_dropdown_notify_selected_cb (TallyViewerDetail *self,
                                      GParamSpec        *pspec,
                                      GtkDropDown       *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  self->max_level = selected < G_N_ELEMENTS (level_choices) ? level_choices[selected] : 0;
  if (self->result_id != 0)
    load_logs (self);
}

/* --- public ------------------------------------------------------------ */

static void
set_outcome_class (GtkWidget    *widget,
                   TallyOutcome  outcome)
{
  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    gtk_widget_remove_css_class (widget, tally_outcome_to_string (o));
  gtk_widget_add_css_class (widget, tally_outcome_to_string (outcome));
}

/* The commands the copy actions give: `PROGRAM -p PATH` when the stored
 * program names an executable (relative to where the run ran), and
 * `tally debug PROGRAM::PATH` (the form `tally show` and `tally debug`
 * use). */
static void
set_commands (TallyViewerDetail    *self,
              TallyStore           *store,
              gint64                run_id,
              const TallyResultRow *row)
{
  g_autoptr(TallyRunRow) run = NULL;

  g_clear_pointer (&self->rerun_command, g_free);
  g_clear_pointer (&self->debug_command, g_free);
  if (row != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s::%s", row->program, row->path);
      const char *argv[] = { "tally", "debug", name, NULL };

      run = store != NULL ? tally_store_get_run (store, run_id, NULL) : NULL;
      self->rerun_command = tally_rerun_command (row->program, run ? run->cwd : NULL, row->path);
      self->debug_command = tally_shell_join (argv);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-rerun", self->rerun_command != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-debug", self->debug_command != NULL);
}

static void
copy_text (GtkWidget  *widget,
           const char *text)
{
  if (text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
copy_rerun_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  copy_text (widget, TALLY_VIEWER_DETAIL (widget)->rerun_command);
}

static void
copy_debug_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  copy_text (widget, TALLY_VIEWER_DETAIL (widget)->debug_command);
}

void
tally_viewer_detail_set_result (TallyViewerDetail    *self,
                                TallyStore           *store,
                                gint64                run_id,
                                const TallyResultRow *row)
{
  g_autofree char *path = NULL;
  g_autofree char *program = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *location = NULL;

  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));

  self->store = store;
  g_clear_pointer (&self->message, g_free);

  if (store == NULL || row == NULL)
    {
      self->result_id = 0;
      set_commands (self, NULL, 0, NULL);
      tally_viewer_log_list_set_result (self->logs, NULL, 0, 0, -1, NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  self->result_id = row->id;
  self->n_logs = row->n_logs;
  self->started_at_us = row->started_at_us;

  gtk_label_set_text (self->outcome_label, tally_outcome_to_string (row->outcome));
  set_outcome_class (GTK_WIDGET (self->outcome_label), row->outcome);

  path = tally_viewer_text_for_display (row->path, -1, 500);
  gtk_label_set_text (self->path_label, path);
  program = tally_viewer_text_for_display (row->program, -1, 500);
  gtk_label_set_text (self->program_label, program);

  duration = tally_viewer_format_duration (row->duration_us);
  if (row->cpu_us >= 0)   /* "1.2 s (CPU 0.30 s)" */
    {
      g_autofree char *wall = g_steal_pointer (&duration), *cpu = tally_viewer_format_duration (row->cpu_us);
      duration = g_strdup_printf ("%s (CPU %s)", wall, cpu);
    }
  if (row->worker >= 0)
    meta = g_strdup_printf ("%s · attempt %u · worker %d", duration, row->attempt, row->worker);
  else
    meta = g_strdup_printf ("%s · attempt %u", duration, row->attempt);
  gtk_label_set_text (self->meta_label, meta);

  if (row->message != NULL && row->message_len > 0)
    self->message = tally_viewer_text_for_display (row->message, row->message_len, 20000);
  else if (row->signal != 0)
    self->message = g_strdup_printf ("Killed by signal %d (%s)", row->signal, g_strsignal (row->signal));
  else if (tally_outcome_is_failure (row->outcome) && row->exit_status > 0)
    self->message = g_strdup_printf ("Exited with status %d", row->exit_status);

  if (row->file != NULL && row->line > 0)
    {
      g_autofree char *file = tally_viewer_text_for_display (row->file, -1, 1000);
      location = g_strdup_printf ("%s:%d", file, row->line);
    }
  else if (row->file != NULL)
    location = tally_viewer_text_for_display (row->file, -1, 1000);

  gtk_label_set_text (self->message_label, self->message ? self->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), self->message != NULL);
  gtk_label_set_text (self->location_label, location ? location : "");
  gtk_widget_set_visible (GTK_WIDGET (self->location_label), location != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->failure_box), self->message != NULL || location != NULL);
  if (tally_outcome_is_failure (row->outcome))
    gtk_widget_add_css_class (GTK_WIDGET (self->failure_box), "failure");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->failure_box), "failure");

  set_commands (self, store, run_id, row);
  load_history (self, run_id, row);
  load_logs (self);
  load_output (self, self->stdout_view, TALLY_STREAM_STDOUT);
  load_output (self, self->stderr_view, TALLY_STREAM_STDERR);

  gtk_stack_set_visible_child_name (self->stack, "detail");
}

void
tally_viewer_detail_set_store (TallyViewerDetail *self,
                               TallyStore        *store)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));

  if (self->store == NULL)
    return;
  self->store = store;
  tally_viewer_log_list_set_store (self->logs, store);
}

gint64
tally_viewer_detail_get_result_id (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  return self->result_id;
}

void
tally_viewer_detail_set_max_level (TallyViewerDetail *self,
                                   GLogLevelFlags     max_level)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));

  for (guint i = 0; i < G_N_ELEMENTS (level_choices); i++)
    if (level_choices[i] == max_level)
      gtk_drop_down_set_selected (self->level_dropdown, i);
}

GListModel *
tally_viewer_detail_get_log_model (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return G_LIST_MODEL (self->logs);
}

char *
tally_viewer_detail_dup_output (TallyViewerDetail *self,
                                int                stream)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);

  buffer = gtk_text_view_get_buffer (stream == TALLY_STREAM_STDERR ? self->stderr_view : self->stdout_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

const char *
tally_viewer_detail_get_message (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return self->message;
}

guint
tally_viewer_detail_get_n_history (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  return self->durations->len;
}

void
tally_viewer_detail_release_views (TallyViewerDetail *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));
  gtk_column_view_set_model (self->log_view, NULL);
}

/* --- GObject ------------------------------------------------------------ */

static void
tally_viewer_detail_dispose (GObject *object)
{
  TallyViewerDetail *self = (TallyViewerDetail *) object;

  /* Let the view drop its rows while the widget tree is whole. */
  if (self->log_view != NULL)
    gtk_column_view_set_model (self->log_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_DETAIL);

  G_OBJECT_CLASS (tally_viewer_detail_parent_class)->dispose (object);
}

static void
tally_viewer_detail_finalize (GObject *object)
{
  TallyViewerDetail *self = (TallyViewerDetail *) object;

  g_clear_object (&self->logs);
  g_clear_pointer (&self->durations, g_array_unref);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->rerun_command, g_free);
  g_clear_pointer (&self->debug_command, g_free);

  G_OBJECT_CLASS (tally_viewer_detail_parent_class)->finalize (object);
}

static void
tally_viewer_detail_class_init (TallyViewerDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_viewer_detail_dispose;
  object_class->finalize = tally_viewer_detail_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, failure_box);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, history_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, history_strip);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, level_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, location_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, log_count_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, log_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, log_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, message_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, meta_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, outcome_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, path_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, program_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stderr_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stdout_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, trend_area);
  gtk_widget_class_bind_template_callback (widget_class, on_level_dropdown_notify_selected_cb);

  gtk_widget_class_install_action (widget_class, "detail.copy-rerun", NULL, copy_rerun_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-debug", NULL, copy_debug_action);
}

static void
tally_viewer_detail_init (TallyViewerDetail *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->logs = tally_viewer_log_list_new ();
  self->durations = g_array_new (FALSE, FALSE, sizeof (gint64));

  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->logs)));
  gtk_column_view_set_model (self->log_view, GTK_SELECTION_MODEL (selection));
  add_log_column (self, "Time", LOG_COL_TIME, FALSE, 110);
  add_log_column (self, "Level", LOG_COL_LEVEL, FALSE, 90);
  add_log_column (self, "Domain", LOG_COL_DOMAIN, FALSE, 120);
  add_log_column (self, "Message", LOG_COL_MESSAGE, TRUE, -1);

  gtk_drawing_area_set_draw_func (self->trend_area, trend_draw, self, NULL);
  set_commands (self, NULL, 0, NULL);
}
