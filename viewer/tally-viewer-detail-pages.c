/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tally-viewer-detail-pages.c — the detail's tabs and what fills them:
 * the log rows, the history strip, the tabs, the output, the log, the
 * crash page and the console. */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <tally.h>

#include "tally-viewer-console.h"
#include "tally-viewer-detail-internal.h"
#include "tally-viewer-location.h"
#include "tally-viewer-log-row.h"
#include "tally-viewer-util.h"

#define HISTORY_LIMIT 30
/* Beyond this, output is cut in the view (the database keeps it all). */
#define OUTPUT_SHOWN_MAX (512 * 1024)
#define CELL_CHARS_MAX 2000
/* The crash page's tails, and the console's share of a long log. */
#define CRASH_LOG_RECORDS 12
#define CRASH_STDERR_LINES 40
#define CONSOLE_RECORDS_MAX 20000

/* --- log rows: one inscription a row ---------------------------------- */

/* The level word's colour and weight, from libadwaita's named colours
 * (so they follow dark mode): one shared attribute list per level, as
 * every line puts its level at the same byte offset. */
static void
build_palette (TallyViewerDetail *self)
{
  static const char * const colors[N_PALETTE] = {
    "error_color", "error_color", "warning_color", "accent_color", "success_color", NULL,
  };
  GtkStyleContext *style;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  style = gtk_widget_get_style_context (GTK_WIDGET (self->log_view));
  for (int i = 0; i < N_PALETTE; i++)
    {
      PangoAttrList *attrs = pango_attr_list_new ();
      PangoAttribute *attr;
      GdkRGBA rgba;

      g_clear_pointer (&self->palette[i], pango_attr_list_unref);
      if (colors[i] != NULL && gtk_style_context_lookup_color (style, colors[i], &rgba))
        {
          attr = pango_attr_foreground_new (rgba.red * 65535, rgba.green * 65535, rgba.blue * 65535);
          attr->start_index = TALLY_VIEWER_LOG_LEVEL_START;
          attr->end_index = TALLY_VIEWER_LOG_LEVEL_START + TALLY_VIEWER_LOG_LEVEL_WIDTH;
          pango_attr_list_insert (attrs, attr);
        }
      if (i == PALETTE_DEBUG)
        {
          attr = pango_attr_foreground_alpha_new (65535 * 6 / 10);
          pango_attr_list_insert (attrs, attr);
        }
      attr = pango_attr_weight_new (PANGO_WEIGHT_BOLD);
      attr->start_index = TALLY_VIEWER_LOG_LEVEL_START;
      attr->end_index = TALLY_VIEWER_LOG_LEVEL_START + TALLY_VIEWER_LOG_LEVEL_WIDTH;
      pango_attr_list_insert (attrs, attr);
      self->palette[i] = attrs;
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static Palette
palette_of (int level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return PALETTE_ERROR;
  if (level & G_LOG_LEVEL_CRITICAL)
    return PALETTE_CRITICAL;
  if (level & G_LOG_LEVEL_WARNING)
    return PALETTE_WARNING;
  if (level & G_LOG_LEVEL_MESSAGE)
    return PALETTE_MESSAGE;
  if (level & G_LOG_LEVEL_INFO)
    return PALETTE_INFO;
  return PALETTE_DEBUG;
}

void
tally_viewer_detail_on_dark_changed_cb (TallyViewerDetail *self)
{
  build_palette (self);
  tally_viewer_log_list_rebind (self->logs);
}

static gboolean
on_log_row_query_tooltip_cb (GtkWidget  *widget,
                             int         x,
                             int         y,
                             gboolean    keyboard_mode,
                             GtkTooltip *tooltip,
                             gpointer    data)
{
  TallyViewerLogItem *item = g_object_get_data (G_OBJECT (widget), "tally-log-item");
  const TallyLogRecord *record = item ? tally_viewer_log_item_get_record (item) : NULL;
  g_autofree char *text = NULL;

  if (record == NULL || record->message == NULL)
    return FALSE;
  text = tally_viewer_text_for_display (record->message, record->message_len, 4000);
  if (record->file != NULL)
    {
      g_autofree char *with = g_strdup_printf ("%s\n\n%s:%d", text, record->file, record->line);
      gtk_tooltip_set_text (tooltip, with);
    }
  else
    gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
tally_viewer_detail_on_log_row_setup_cb (GtkSignalListItemFactory *factory,
                                         GtkListItem              *item,
                                         gpointer                  data)
{
  GtkWidget *child = tally_viewer_log_row_new ();

  gtk_widget_add_css_class (child, "monospace");
  gtk_widget_set_has_tooltip (child, TRUE);
  g_signal_connect (child, "query-tooltip", G_CALLBACK (on_log_row_query_tooltip_cb), NULL);
  gtk_list_item_set_child (item, child);
}

void
tally_viewer_detail_on_log_row_bind_cb (GtkSignalListItemFactory *factory,
                                        GtkListItem              *item,
                                        gpointer                  data)
{
  TallyViewerDetail *self = data;
  TallyViewerLogItem *log_item = gtk_list_item_get_item (item);
  const TallyLogRecord *record = tally_viewer_log_item_get_record (log_item);
  TallyViewerLogRow *child = TALLY_VIEWER_LOG_ROW (gtk_list_item_get_child (item));
  GString *line;

  tally_viewer_row_set_shown (TALLY_VIEWER_ROW (log_item), TRUE);
  g_object_set_data (G_OBJECT (child), "tally-log-item", log_item);
  if (record == NULL)
    {
      tally_viewer_log_row_set_text (child, "", NULL);
      return;
    }

  line = g_string_sized_new (128);
  tally_viewer_append_log_line (line, record, self->started_at_us, CELL_CHARS_MAX);
  if (self->palette[0] == NULL)
    build_palette (self);
  tally_viewer_log_row_set_text (child, line->str, self->palette[palette_of (record->level)]);
  g_string_free (line, TRUE);
}

void
tally_viewer_detail_on_log_row_unbind_cb (GtkSignalListItemFactory *factory,
                                          GtkListItem              *item,
                                          gpointer                  data)
{
  g_object_set_data (G_OBJECT (gtk_list_item_get_child (item)), "tally-log-item", NULL);
  tally_viewer_row_set_shown (gtk_list_item_get_item (item), FALSE);
}

void
tally_viewer_detail_clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

/* --- history ----------------------------------------------------------- */

void
tally_viewer_detail_trend_draw (GtkDrawingArea *area,
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

static gboolean
is_pass (TallyOutcome outcome)
{
  return outcome == TALLY_OUTCOME_PASSED || outcome == TALLY_OUTCOME_XFAILED;
}

void
tally_viewer_detail_load_history (TallyViewerDetail    *self,
                                  gint64                run_id,
                                  const TallyResultRow *row)
{
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GError) error = NULL;
  guint flips = 0, flaky = 0, failures = 0;
  int last = -1;

  tally_viewer_detail_clear_box (self->history_strip);
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

/* --- tabs --------------------------------------------------------------- */

void
tally_viewer_detail_set_page_title (TallyViewerDetail *self,
                                    const char        *name,
                                    const char        *title,
                                    gint64             count)
{
  GtkWidget *child = gtk_stack_get_child_by_name (self->content_stack, name);
  GtkStackPage *page = gtk_stack_get_page (self->content_stack, child);

  if (count >= 0)
    {
      g_autofree char *n = tally_viewer_format_count (count);
      g_autofree char *text = g_strdup_printf ("%s (%s)", title, n);

      gtk_stack_page_set_title (page, text);
    }
  else
    gtk_stack_page_set_title (page, title);
}

gboolean
tally_viewer_detail_page_available (TallyViewerDetail *self,
                                    const char        *name)
{
  GtkWidget *child = name ? gtk_stack_get_child_by_name (self->content_stack, name) : NULL;

  return child != NULL && gtk_stack_page_get_visible (gtk_stack_get_page (self->content_stack, child));
}

static void
show_page (TallyViewerDetail *self,
           const char        *name)
{
  self->choosing_page = TRUE;
  gtk_stack_set_visible_child_name (self->content_stack, name);
  self->choosing_page = FALSE;
}

/* The level filter applies to the log only. */
void
tally_viewer_detail_sync_toolbar (TallyViewerDetail *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->content_stack);

  gtk_widget_set_visible (GTK_WIDGET (self->level_dropdown), g_strcmp0 (name, "log") == 0);
}

void
tally_viewer_detail_on_content_stack_notify_visible_child_name_cb (TallyViewerDetail *self,
                                                                   GParamSpec        *pspec,
                                                                   GtkStack          *stack)
{
  const char *name = gtk_stack_get_visible_child_name (stack);

  tally_viewer_detail_sync_toolbar (self);
  if (g_strcmp0 (name, "console") == 0 && !self->console_loaded)
    tally_viewer_detail_load_console (self);
  if (!self->choosing_page && name != NULL)
    {
      g_free (self->preferred_page);
      self->preferred_page = g_strdup (name);
    }
  tally_viewer_detail_update_search (self);
  tally_viewer_detail_notify_visible_page (self);
}

/* A crash opens on what explains it; anything else on the tab chosen
 * last, or the log. */
void
tally_viewer_detail_choose_page (TallyViewerDetail *self,
                                 gboolean           crashed)
{
  if (crashed && tally_viewer_detail_page_available (self, "crash"))
    show_page (self, "crash");
  else if (tally_viewer_detail_page_available (self, self->preferred_page) && g_strcmp0 (self->preferred_page, "crash") != 0)
    show_page (self, self->preferred_page);
  else
    show_page (self, "log");
}

/* --- output ------------------------------------------------------------ */

GBytes *
tally_viewer_detail_read_output (TallyViewerDetail *self,
                                 TallyStream        stream,
                                 GError           **error)
{
  if (self->store == NULL || tally_viewer_detail_shown_id (self) == 0)
    return g_bytes_new (NULL, 0);
  return tally_store_get_output (self->store, tally_viewer_detail_shown_id (self), stream, error);
}

/* Wrapping breaks lines where they are too long, never with a hyphen
 * that is not in the data (Pango adds one inside words by default). */
static void
apply_no_hyphens (GtkTextBuffer *buffer)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GtkTextTag *tag = gtk_text_tag_table_lookup (table, "no-hyphens");
  GtkTextIter start, end;

  if (tag == NULL)
    tag = gtk_text_buffer_create_tag (buffer, "no-hyphens", "insert-hyphens", FALSE, NULL);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_apply_tag (buffer, tag, &start, &end);
}

static void
set_view_text (GtkTextView *view,
               const char  *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);

  gtk_text_buffer_set_text (buffer, text, -1);
  apply_no_hyphens (buffer);
}

guint
tally_viewer_detail_load_output (TallyViewerDetail *self,
                                 GtkTextView       *view,
                                 TallyStream        stream,
                                 GBytes           **tail_source)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tally_viewer_detail_read_output (self, stream, &error);
  g_autofree char *text = NULL;
  gsize size = 0;
  const char *data = NULL;

  if (bytes == NULL)
    {
      set_view_text (view, error->message);
      return 0;
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

  set_view_text (view, text);
  if (tail_source != NULL)
    *tail_source = g_bytes_ref (bytes);
  return tally_viewer_count_lines (bytes);
}

/* --- logs ------------------------------------------------------------- */

static const GLogLevelFlags level_choices[] = {
  0, G_LOG_LEVEL_INFO, G_LOG_LEVEL_MESSAGE, G_LOG_LEVEL_WARNING, G_LOG_LEVEL_CRITICAL,
};

void
tally_viewer_detail_load_logs (TallyViewerDetail *self)
{
  g_autoptr(GError) error = NULL;
  guint n;

  /* The row counted its records (an index-only count); a level filter
   * needs each record's level. */
  gtk_single_selection_set_selected (self->log_selection, GTK_INVALID_LIST_POSITION);
  tally_viewer_log_list_set_result (self->logs, self->store, tally_viewer_detail_shown_id (self),
                                    self->max_level, self->max_level == 0 ? (gint64) self->n_logs : -1, &error);
  if (error != NULL)
    g_warning ("Cannot count log records: %s", error->message);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->logs));
  tally_viewer_detail_set_page_title (self, "log", "Log", n);
  adw_status_page_set_title (self->no_records_page,
                             self->max_level != 0 && self->n_logs > 0 ? "No Records at This Level"
                                                                      : "No Log Records");
  gtk_stack_set_visible_child_name (self->log_stack, n > 0 ? "records" : "no-records");
}

void
tally_viewer_detail_on_level_dropdown_notify_selected_cb (TallyViewerDetail *self,
                                                          GParamSpec        *pspec,
                                                          GtkDropDown       *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  self->max_level = selected < G_N_ELEMENTS (level_choices) ? level_choices[selected] : 0;
  if (self->result_id != 0)
    tally_viewer_detail_load_logs (self);
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

void
tally_viewer_detail_append_record_line (gpointer data,
                                        gpointer user_data)
{
  TallyViewerDetailLines *lines = user_data;

  tally_viewer_append_log_line (lines->out, data, lines->started_at_us, -1);
  g_string_append_c (lines->out, '\n');
}

/* --- crash ------------------------------------------------------------- */

static void
set_section (GtkLabel   *heading,
             GtkLabel   *label,
             const char *markup)
{
  gboolean shown = markup != NULL && *markup != '\0';

  gtk_label_set_markup (label, shown ? markup : "");
  gtk_widget_set_visible (GTK_WIDGET (heading), shown);
  gtk_widget_set_visible (GTK_WIDGET (label), shown);
}

static char *
crash_log_tail (TallyViewerDetail *self)
{
  g_autoptr(GPtrArray) records = NULL;
  GString *out;
  guint n = self->n_logs;
  guint from = n > CRASH_LOG_RECORDS ? n - CRASH_LOG_RECORDS : 0;

  if (n == 0 || self->store == NULL)
    return NULL;
  records = tally_store_get_logs_page (self->store, tally_viewer_detail_shown_id (self), from, CRASH_LOG_RECORDS, 0, NULL);
  if (records == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (guint i = 0; i < records->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, '\n');
      tally_viewer_append_log_line (out, g_ptr_array_index (records, i), self->started_at_us, CELL_CHARS_MAX);
    }
  return g_string_free (out, FALSE);
}

/* The crash page: the signal, the message, the backtrace with links to
 * its frames' files, the last log records and the stderr tail. Returns
 * whether there is a crash to show. */
gboolean
tally_viewer_detail_load_crash (TallyViewerDetail    *self,
                                const TallyResultRow *row,
                                const char           *signal_text,
                                const char           *head,
                                const char           *frames,
                                GBytes               *stderr_bytes)
{
  g_autofree char *message_markup = NULL;
  g_autofree char *frames_markup = NULL;
  g_autofree char *log_tail = NULL;
  g_autofree char *log_markup = NULL;
  g_autofree char *err_tail = NULL;
  g_autofree char *err_markup = NULL;
  gboolean crashed = row->outcome == TALLY_OUTCOME_CRASHED || row->signal != 0 || frames != NULL;

  gtk_stack_page_set_visible (gtk_stack_get_page (self->content_stack,
                                                  gtk_stack_get_child_by_name (self->content_stack, "crash")),
                              crashed);
  if (!crashed)
    return FALSE;

  gtk_label_set_text (self->crash_signal_label, signal_text ? signal_text : "Crashed");
  message_markup = head ? tally_viewer_location_markup (head, -1) : NULL;
  gtk_label_set_markup (self->crash_message_label, message_markup ? message_markup : "");
  frames_markup = frames ? tally_viewer_location_markup (frames, -1) : NULL;
  set_section (self->crash_frames_heading, self->crash_frames_label, frames_markup);
  log_tail = crash_log_tail (self);
  log_markup = log_tail ? tally_viewer_location_markup (log_tail, -1) : NULL;
  set_section (self->crash_log_heading, self->crash_log_label, log_markup);
  err_tail = tally_viewer_tail_lines (stderr_bytes, CRASH_STDERR_LINES);
  err_markup = tally_viewer_location_markup (err_tail, -1);
  set_section (self->crash_stderr_heading, self->crash_stderr_label, err_markup);
  return TRUE;
}

/* --- console ------------------------------------------------------------ */

/* Log records are stamped, output chunks are not (the store keeps them
 * in order, without times): the console gives the records in time
 * order, then the output of each stream in its own order. */
void
tally_viewer_detail_load_console (TallyViewerDetail *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  GString *text = g_string_new (NULL);
  TallyViewerDetailLines lines = { text, self->started_at_us };
  guint n = MIN (self->n_logs, CONSOLE_RECORDS_MAX);

  self->console_loaded = TRUE;
  if (self->store != NULL && n > 0)
    records = tally_store_get_logs_page (self->store, tally_viewer_detail_shown_id (self), 0, n, 0, &error);
  if (records != NULL)
    g_ptr_array_foreach (records, tally_viewer_detail_append_record_line, &lines);
  if (self->n_logs > n)
    g_string_append_printf (text, "[… %u more log records: see the Log tab]\n", self->n_logs - n);

  out = tally_viewer_detail_read_output (self, TALLY_STREAM_STDOUT, NULL);
  err = tally_viewer_detail_read_output (self, TALLY_STREAM_STDERR, NULL);
  for (int s = 0; s < 2; s++)
    {
      GBytes *bytes = s == 0 ? out : err;
      gsize size = 0;
      const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;
      g_autofree char *shown = NULL;

      if (size == 0)
        continue;
      shown = tally_viewer_text_for_display (data, MIN (size, OUTPUT_SHOWN_MAX), -1);
      g_string_append_printf (text, "%s── %s (not time-stamped: after the log) ──\n",
                              text->len > 0 ? "\n" : "", s == 0 ? "standard output" : "standard error");
      g_string_append (text, shown);
      if (size > OUTPUT_SHOWN_MAX)
        g_string_append_printf (text, "\n[… %" G_GSIZE_FORMAT " more bytes not shown]", size - OUTPUT_SHOWN_MAX);
      if (text->len > 0 && text->str[text->len - 1] != '\n')
        g_string_append_c (text, '\n');
    }
  if (text->len == 0)
    g_string_append (text, "(no log records and no output)");
  set_view_text (self->console_view, text->str);
  g_string_free (text, TRUE);
}
