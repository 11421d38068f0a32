/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-detail-private.h"
#include "tally-rerun-private.h"
#include "tally-viewer-console.h"
#include "tally-viewer-location.h"
#include "tally-viewer-log-list.h"
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
#define SEARCH_HIGHLIGHT_MAX 2000

typedef enum
{
  PALETTE_ERROR,
  PALETTE_CRITICAL,
  PALETTE_WARNING,
  PALETTE_MESSAGE,
  PALETTE_INFO,
  PALETTE_DEBUG,
  N_PALETTE,
} Palette;

struct _TallyViewerDetail
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkBox *attempts_box;
  GtkBox *attempts_buttons;
  GtkTextView *console_view;
  GtkLabel *crash_frames_heading;
  GtkLabel *crash_frames_label;
  GtkLabel *crash_log_heading;
  GtkLabel *crash_log_label;
  GtkLabel *crash_message_label;
  GtkLabel *crash_signal_label;
  GtkLabel *crash_stderr_heading;
  GtkLabel *crash_stderr_label;
  GtkStack *content_stack;
  GtkBox *failure_box;
  GtkBox *history_strip;
  GtkLabel *history_label;
  GtkDropDown *level_dropdown;
  GtkLabel *location_label;
  GtkStack *log_stack;
  GtkListView *log_view;
  GtkLabel *match_label;
  GtkLabel *message_label;
  GtkLabel *meta_label;
  AdwStatusPage *no_records_page;
  GtkLabel *outcome_label;
  GtkLabel *path_label;
  GtkLabel *program_label;
  GtkSearchBar *search_bar;
  GtkToggleButton *search_button;
  GtkSearchEntry *search_entry;
  GtkLabel *signal_label;
  GtkStack *stack;
  GtkTextView *stderr_view;
  GtkTextView *stdout_view;
  GtkDrawingArea *trend_area;
  GtkToggleButton *wrap_button;

  /* Borrowed */
  TallyStore *store;

  /* Owned */
  TallyViewerLogList *logs;
  GtkSingleSelection *log_selection;
  GtkWidget *log_menu;          /* a GtkPopoverMenu parented to the detail */
  guint menu_position;          /* the log record the menu is about */
  PangoAttrList *palette[N_PALETTE];
  GArray *durations;            /* gint64, oldest first */
  GPtrArray *attempts;          /* TallyResultRow, first attempt first */
  guint shown_attempt;          /* index into attempts */
  gint64 run_id;
  char *run_cwd;                /* nullable */
  char *cwd_key;                /* the database and run run_cwd is of */
  gint64 result_id;             /* the row shown: the final attempt */
  guint n_logs;                 /* the shown attempt's records, all levels */
  gint64 started_at_us;
  GLogLevelFlags max_level;
  char *message;
  char *rerun_command;          /* nullable: the program is not runnable */
  char *debug_command;
  char *preferred_page;         /* the tab last chosen, by the user or visible-page */
  gboolean choosing_page;       /* the detail switches tabs itself */
  gboolean console_loaded;
};

G_DEFINE_FINAL_TYPE (TallyViewerDetail, tally_viewer_detail, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_VISIBLE_PAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PROBLEM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
problem (TallyViewerDetail *self,
         const char        *message)
{
  g_debug ("%s", message);
  g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, message);
}

static const GLogLevelFlags level_choices[] = {
  0, G_LOG_LEVEL_INFO, G_LOG_LEVEL_MESSAGE, G_LOG_LEVEL_WARNING, G_LOG_LEVEL_CRITICAL,
};

static const char * const page_names[] = { "crash", "log", "stdout", "stderr", "console" };

static const TallyResultRow *
shown_row (TallyViewerDetail *self)
{
  if (self->attempts == NULL || self->shown_attempt >= self->attempts->len)
    return NULL;
  return g_ptr_array_index (self->attempts, self->shown_attempt);
}

static gint64
shown_id (TallyViewerDetail *self)
{
  const TallyResultRow *row = shown_row (self);

  return row ? row->id : 0;
}

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

static void
on_dark_changed_cb (TallyViewerDetail *self)
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

static void
on_log_row_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  data)
{
  GtkWidget *child = tally_viewer_log_row_new ();

  gtk_widget_add_css_class (child, "monospace");
  gtk_widget_set_has_tooltip (child, TRUE);
  g_signal_connect (child, "query-tooltip", G_CALLBACK (on_log_row_query_tooltip_cb), NULL);
  gtk_list_item_set_child (item, child);
}

static void
on_log_row_bind_cb (GtkSignalListItemFactory *factory,
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

static void
on_log_row_unbind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      gpointer                  data)
{
  g_object_set_data (G_OBJECT (gtk_list_item_get_child (item)), "tally-log-item", NULL);
  tally_viewer_row_set_shown (gtk_list_item_get_item (item), FALSE);
}

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
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

/* --- tabs --------------------------------------------------------------- */

static void
set_page_title (TallyViewerDetail *self,
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

static gboolean
page_available (TallyViewerDetail *self,
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

static void load_console (TallyViewerDetail *self);
static void update_search (TallyViewerDetail *self);

/* The level filter applies to the log only. */
static void
sync_toolbar (TallyViewerDetail *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->content_stack);

  gtk_widget_set_visible (GTK_WIDGET (self->level_dropdown), g_strcmp0 (name, "log") == 0);
}

static void
on_content_stack_notify_visible_child_name_cb (TallyViewerDetail *self,
                                               GParamSpec        *pspec,
                                               GtkStack          *stack)
{
  const char *name = gtk_stack_get_visible_child_name (stack);

  sync_toolbar (self);
  if (g_strcmp0 (name, "console") == 0 && !self->console_loaded)
    load_console (self);
  if (!self->choosing_page && name != NULL)
    {
      g_free (self->preferred_page);
      self->preferred_page = g_strdup (name);
    }
  update_search (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_PAGE]);
}

/* A crash opens on what explains it; anything else on the tab chosen
 * last, or the log. */
static void
choose_page (TallyViewerDetail *self,
             gboolean           crashed)
{
  if (crashed && page_available (self, "crash"))
    show_page (self, "crash");
  else if (page_available (self, self->preferred_page) && g_strcmp0 (self->preferred_page, "crash") != 0)
    show_page (self, self->preferred_page);
  else
    show_page (self, "log");
}

/* --- output ------------------------------------------------------------ */

static GBytes *
read_output (TallyViewerDetail *self,
             TallyStream        stream,
             GError           **error)
{
  if (self->store == NULL || shown_id (self) == 0)
    return g_bytes_new (NULL, 0);
  return tally_store_get_output (self->store, shown_id (self), stream, error);
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

static guint
load_output (TallyViewerDetail *self,
             GtkTextView       *view,
             TallyStream        stream,
             GBytes           **tail_source)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = read_output (self, stream, &error);
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

static void
load_logs (TallyViewerDetail *self)
{
  g_autoptr(GError) error = NULL;
  guint n;

  /* The row counted its records (an index-only count); a level filter
   * needs each record's level. */
  gtk_single_selection_set_selected (self->log_selection, GTK_INVALID_LIST_POSITION);
  tally_viewer_log_list_set_result (self->logs, self->store, shown_id (self),
                                    self->max_level, self->max_level == 0 ? (gint64) self->n_logs : -1, &error);
  if (error != NULL)
    g_warning ("Cannot count log records: %s", error->message);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->logs));
  set_page_title (self, "log", "Log", n);
  adw_status_page_set_title (self->no_records_page,
                             self->max_level != 0 && self->n_logs > 0 ? "No Records at This Level"
                                                                      : "No Log Records");
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

typedef struct
{
  GString *out;
  gint64 started_at_us;
} LinesData;

static void
append_record_line (gpointer data,
                    gpointer user_data)
{
  LinesData *lines = user_data;

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
  records = tally_store_get_logs_page (self->store, shown_id (self), from, CRASH_LOG_RECORDS, 0, NULL);
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
static gboolean
load_crash (TallyViewerDetail    *self,
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
static void
load_console (TallyViewerDetail *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  GString *text = g_string_new (NULL);
  LinesData lines = { text, self->started_at_us };
  guint n = MIN (self->n_logs, CONSOLE_RECORDS_MAX);

  self->console_loaded = TRUE;
  if (self->store != NULL && n > 0)
    records = tally_store_get_logs_page (self->store, shown_id (self), 0, n, 0, &error);
  if (records != NULL)
    g_ptr_array_foreach (records, append_record_line, &lines);
  if (self->n_logs > n)
    g_string_append_printf (text, "[… %u more log records: see the Log tab]\n", self->n_logs - n);

  out = read_output (self, TALLY_STREAM_STDOUT, NULL);
  err = read_output (self, TALLY_STREAM_STDERR, NULL);
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

/* --- search ------------------------------------------------------------ */

static GtkTextView *
page_text_view (TallyViewerDetail *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->content_stack);

  if (g_strcmp0 (name, "stdout") == 0)
    return self->stdout_view;
  if (g_strcmp0 (name, "stderr") == 0)
    return self->stderr_view;
  if (g_strcmp0 (name, "console") == 0)
    return self->console_view;
  return NULL;
}

static GtkTextTag *
match_tag (GtkTextBuffer *buffer)
{
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "search-match");

  if (tag == NULL)
    {
      GdkRGBA yellow = { 0.96, 0.83, 0.18, 0.45 };

      tag = gtk_text_buffer_create_tag (buffer, "search-match", "background-rgba", &yellow, NULL);
    }
  return tag;
}

/* Highlights every match of the search in the text tab shown (up to
 * SEARCH_HIGHLIGHT_MAX) and says how many there are. */
static void
update_search (TallyViewerDetail *self)
{
  const char *needle = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GtkTextView *view = page_text_view (self);
  GtkTextView *views[] = { self->stdout_view, self->stderr_view, self->console_view };

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (views[i]);
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      gtk_text_buffer_remove_tag (buffer, match_tag (buffer), &start, &end);
    }

  if (*needle == '\0' || !gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_label_set_text (self->match_label, "");
      return;
    }
  if (view != NULL)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
      GtkTextIter iter, match_start, match_end;
      guint n = 0;
      g_autofree char *label = NULL;

      gtk_text_buffer_get_start_iter (buffer, &iter);
      while (n < SEARCH_HIGHLIGHT_MAX
             && gtk_text_iter_forward_search (&iter, needle, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                              &match_start, &match_end, NULL))
        {
          gtk_text_buffer_apply_tag (buffer, match_tag (buffer), &match_start, &match_end);
          iter = match_end;
          n++;
        }
      label = n == 0 ? g_strdup ("No matches")
                     : g_strdup_printf (g_dngettext (NULL, "%u%s match", "%u%s matches", n), n,
                                        n == SEARCH_HIGHLIGHT_MAX ? "+" : "");
      gtk_label_set_text (self->match_label, label);
    }
  else
    gtk_label_set_text (self->match_label, "");
}

/* Shows @iter, without gtk_text_view_scroll_to_*(): those animate the
 * adjustment, and in GTK 4.8 the scrolled window's unmap then stops the
 * animation with a handler id of 0 (a critical). */
static void
scroll_to_line (GtkTextView       *view,
                const GtkTextIter *iter)
{
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  GdkRectangle rect;
  double value, page;

  if (vadj == NULL)
    return;
  gtk_text_view_get_iter_location (view, iter, &rect);
  value = gtk_adjustment_get_value (vadj);
  page = gtk_adjustment_get_page_size (vadj);
  if (rect.y < value || rect.y + rect.height > value + page)
    gtk_adjustment_set_value (vadj, MAX (rect.y - page * 0.2, 0));
}

/* From the match shown when @refine (the search text changed: the
 * match may stay), else after it or before it. */
static gboolean
find_in_text (GtkTextView *view,
              const char  *needle,
              gboolean     forward,
              gboolean     refine)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter sel_start, sel_end, from, match_start, match_end;
  gboolean found;

  gtk_text_buffer_get_selection_bounds (buffer, &sel_start, &sel_end);
  from = forward && !refine ? sel_end : sel_start;
  if (forward)
    {
      found = gtk_text_iter_forward_search (&from, needle, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                            &match_start, &match_end, NULL);
      if (!found)
        {
          gtk_text_buffer_get_start_iter (buffer, &from);
          found = gtk_text_iter_forward_search (&from, needle, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                                &match_start, &match_end, NULL);
        }
    }
  else
    {
      found = gtk_text_iter_backward_search (&from, needle, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                             &match_start, &match_end, NULL);
      if (!found)
        {
          gtk_text_buffer_get_end_iter (buffer, &from);
          found = gtk_text_iter_backward_search (&from, needle, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                                 &match_start, &match_end, NULL);
        }
    }
  if (!found)
    return FALSE;
  gtk_text_buffer_select_range (buffer, &match_start, &match_end);
  scroll_to_line (view, &match_start);
  return TRUE;
}

static gboolean
find_in_log (TallyViewerDetail *self,
             const char        *needle,
             gboolean           forward)
{
  guint from = gtk_single_selection_get_selected (self->log_selection);
  gint64 found = tally_viewer_log_list_find (self->logs, needle, from, forward);
  g_autofree char *label = NULL;
  g_autofree char *which = NULL;

  if (found < 0)
    return FALSE;
  gtk_single_selection_set_selected (self->log_selection, (guint) found);
  gtk_widget_activate_action (GTK_WIDGET (self->log_view), "list.scroll-to-item", "u", (guint) found);
  which = tally_viewer_format_count (found + 1);
  label = g_strdup_printf ("Record %s", which);
  gtk_label_set_text (self->match_label, label);
  return TRUE;
}

static void
find (TallyViewerDetail *self,
      gboolean           forward,
      gboolean           refine)
{
  const char *needle = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  const char *page = gtk_stack_get_visible_child_name (self->content_stack);
  GtkTextView *view = page_text_view (self);
  gboolean found = FALSE;

  if (*needle == '\0')
    return;
  if (g_strcmp0 (page, "log") == 0)
    found = find_in_log (self, needle, forward);
  else if (view != NULL)
    found = find_in_text (view, needle, forward, refine);
  if (!found)
    gtk_label_set_text (self->match_label, g_strcmp0 (page, "crash") == 0 ? "Search the other tabs"
                                                                          : "No matches");
}

static void
find_next_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  find (TALLY_VIEWER_DETAIL (widget), TRUE, FALSE);
}

static void
find_previous_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  find (TALLY_VIEWER_DETAIL (widget), FALSE, FALSE);
}

static void
on_search_entry_search_changed_cb (TallyViewerDetail *self,
                                   GtkSearchEntry    *entry)
{
  update_search (self);
  gtk_single_selection_set_selected (self->log_selection, GTK_INVALID_LIST_POSITION);
  find (self, TRUE, TRUE);
}

static void
on_search_entry_activate_cb (TallyViewerDetail *self,
                             GtkSearchEntry    *entry)
{
  find (self, TRUE, FALSE);
}

static void
on_search_entry_next_match_cb (TallyViewerDetail *self,
                               GtkSearchEntry    *entry)
{
  find (self, TRUE, FALSE);
}

static void
on_search_entry_previous_match_cb (TallyViewerDetail *self,
                                   GtkSearchEntry    *entry)
{
  find (self, FALSE, FALSE);
}

static void
on_search_entry_stop_search_cb (TallyViewerDetail *self,
                                GtkSearchEntry    *entry)
{
  gtk_toggle_button_set_active (self->search_button, FALSE);
}

static void
on_search_button_toggled_cb (TallyViewerDetail *self,
                             GtkToggleButton   *button)
{
  gboolean active = gtk_toggle_button_get_active (button);

  gtk_search_bar_set_search_mode (self->search_bar, active);
  if (active)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  update_search (self);
}

static void
on_search_bar_notify_search_mode_enabled_cb (TallyViewerDetail *self,
                                             GParamSpec        *pspec,
                                             GtkSearchBar      *bar)
{
  gtk_toggle_button_set_active (self->search_button, gtk_search_bar_get_search_mode (bar));
}

static void
toggle_search_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_toggle_button_set_active (self->search_button, !gtk_toggle_button_get_active (self->search_button));
}

/* --- wrapping ------------------------------------------------------------ */

static void
on_wrap_button_toggled_cb (TallyViewerDetail *self,
                           GtkToggleButton   *button)
{
  GtkWrapMode mode = gtk_toggle_button_get_active (button) ? GTK_WRAP_WORD_CHAR : GTK_WRAP_NONE;

  gtk_text_view_set_wrap_mode (self->stdout_view, mode);
  gtk_text_view_set_wrap_mode (self->stderr_view, mode);
  gtk_text_view_set_wrap_mode (self->console_view, mode);
}

static void
toggle_wrap_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_toggle_button_set_active (self->wrap_button, !gtk_toggle_button_get_active (self->wrap_button));
}

/* --- copy, save ------------------------------------------------------------ */

static void
copy_text (GtkWidget  *widget,
           const char *text)
{
  if (text != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static char *
dup_bytes_text (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;

  return tally_viewer_text_for_display (data ? data : "", size, -1);
}

static char *
label_text (GtkLabel *label)
{
  return gtk_widget_get_visible (GTK_WIDGET (label)) ? g_strdup (gtk_label_get_text (label)) : g_strdup ("");
}

/* All of the tab shown, as text: the whole log and output, not only
 * what the view holds. */
char *
tally_viewer_detail_dup_page_text (TallyViewerDetail *self)
{
  const char *page;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);

  page = gtk_stack_get_visible_child_name (self->content_stack);
  if (g_strcmp0 (page, "log") == 0)
    {
      LinesData lines = { g_string_new (NULL), self->started_at_us };

      tally_viewer_log_list_foreach (self->logs, append_record_line, &lines, NULL);
      return g_string_free (lines.out, FALSE);
    }
  if (g_strcmp0 (page, "stdout") == 0 || g_strcmp0 (page, "stderr") == 0)
    {
      g_autoptr(GBytes) bytes = read_output (self, g_strcmp0 (page, "stdout") == 0 ? TALLY_STREAM_STDOUT
                                                                                    : TALLY_STREAM_STDERR, NULL);
      return dup_bytes_text (bytes);
    }
  if (g_strcmp0 (page, "crash") == 0)
    {
      g_autofree char *signal = g_strdup (gtk_label_get_text (self->crash_signal_label));
      g_autofree char *message = g_strdup (gtk_label_get_text (self->crash_message_label));
      g_autofree char *frames = label_text (self->crash_frames_label);
      g_autofree char *logs = label_text (self->crash_log_label);
      g_autofree char *err = label_text (self->crash_stderr_label);

      return g_strdup_printf ("%s\n\n%s\n\nbacktrace:\n%s\n\nlast log records:\n%s\n\nstandard error, last lines:\n%s\n",
                              signal, message, frames, logs, err);
    }
  {
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->console_view);
    GtkTextIter start, end;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  }
}

static void
copy_all_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  g_autofree char *text = tally_viewer_detail_dup_page_text (TALLY_VIEWER_DETAIL (widget));

  copy_text (widget, text);
}

static void
on_save_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         data)
{
  TallyViewerDetail *self = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *text = tally_viewer_detail_dup_page_text (self);
      g_autoptr(GError) error = NULL;

      if (!g_file_replace_contents (file, text, strlen (text), NULL, FALSE, G_FILE_CREATE_NONE,
                                    NULL, NULL, &error))
        {
          g_autofree char *message = g_strdup_printf ("Cannot save: %s", error->message);

          problem (self, message);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkFileChooserNative *dialog;
  const TallyResultRow *row = shown_row (self);
  g_autofree char *name = NULL;

  dialog = gtk_file_chooser_native_new ("Save", GTK_IS_WINDOW (native) ? GTK_WINDOW (native) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, "_Save", "_Cancel");
  if (row != NULL)
    {
      name = g_strdup_printf ("%s-%s.txt", row->path, gtk_stack_get_visible_child_name (self->content_stack));
      g_strdelimit (name + 1, "/ ", '-');
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name[0] == '/' ? name + 1 : name);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* --- locations ------------------------------------------------------------ */

static void
open_location (TallyViewerDetail *self,
               const char        *file,
               int                line)
{
  const TallyResultRow *row = shown_row (self);
  g_autofree char *path = tally_viewer_location_resolve (file, self->run_cwd, row ? row->program : NULL);
  g_autoptr(GError) error = NULL;

  if (!tally_viewer_location_open (path, line, &error))
    {
      g_autofree char *message = g_strdup_printf ("Cannot open %s: %s", path, error->message);

      problem (self, message);
    }
}

static void
open_location_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  g_autofree char *file = NULL;
  int line = 0;

  if (tally_viewer_location_parse (g_variant_get_string (parameter, NULL), &file, &line))
    open_location (TALLY_VIEWER_DETAIL (widget), file, line);
}

static gboolean
on_link_activate_cb (TallyViewerDetail *self,
                     const char        *uri,
                     GtkLabel          *label)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "detail.open-location", "s", uri);
  return TRUE;
}

/* --- the log rows' menu ------------------------------------------------------ */

static const TallyLogRecord *
menu_record (TallyViewerDetail *self)
{
  g_autoptr(TallyViewerLogItem) item = NULL;

  if (self->menu_position >= g_list_model_get_n_items (G_LIST_MODEL (self->logs)))
    return NULL;
  item = g_list_model_get_item (G_LIST_MODEL (self->logs), self->menu_position);
  return tally_viewer_log_item_get_record (item);
}

static void
copy_log_message_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  const TallyLogRecord *record = menu_record (TALLY_VIEWER_DETAIL (widget));
  g_autofree char *text = NULL;

  if (record == NULL)
    return;
  text = tally_viewer_text_for_display (record->message, record->message_len, -1);
  copy_text (widget, text);
}

static char *
record_location (const TallyLogRecord *record)
{
  if (record == NULL || record->file == NULL)
    return NULL;
  return record->line > 0 ? g_strdup_printf ("%s:%d", record->file, record->line) : g_strdup (record->file);
}

static void
copy_log_location_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  const TallyLogRecord *record = menu_record (self);
  const TallyResultRow *row = shown_row (self);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  if (record == NULL || record->file == NULL)
    return;
  path = tally_viewer_location_resolve (record->file, self->run_cwd, row ? row->program : NULL);
  text = record->line > 0 ? g_strdup_printf ("%s:%d", path, record->line) : g_strdup (path);
  copy_text (widget, text);
}

static void
open_log_location_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  const TallyLogRecord *record = menu_record (self);

  if (record != NULL && record->file != NULL)
    open_location (self, record->file, record->line);
}

/* Opens the menu of the log record at @position (G_MAXUINT: none). */
static void
popup_log_menu (TallyViewerDetail *self,
                guint              position,
                double             x,
                double             y)
{
  const TallyLogRecord *record;
  g_autofree char *where = NULL;
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };
  graphene_point_t point;

  self->menu_position = position;
  record = menu_record (self);
  where = record_location (record);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-log-message", record != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-log-location", where != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.open-log-location", where != NULL);
  if (record == NULL)
    return;
  gtk_single_selection_set_selected (self->log_selection, position);
  if (gtk_widget_compute_point (GTK_WIDGET (self->log_view), GTK_WIDGET (self),
                                &GRAPHENE_POINT_INIT (x, y), &point))
    {
      rect.x = (int) point.x;
      rect.y = (int) point.y;
    }
  gtk_popover_set_pointing_to (GTK_POPOVER (self->log_menu), &rect);
  gtk_popover_popup (GTK_POPOVER (self->log_menu));
}

static void
on_log_view_pressed_cb (GtkGestureClick   *gesture,
                        int                n_press,
                        double             x,
                        double             y,
                        TallyViewerDetail *self)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->log_view), x, y, GTK_PICK_DEFAULT);

  for (; picked != NULL && picked != GTK_WIDGET (self->log_view); picked = gtk_widget_get_parent (picked))
    {
      TallyViewerLogItem *item = g_object_get_data (G_OBJECT (picked), "tally-log-item");

      if (item != NULL)
        {
          popup_log_menu (self, tally_viewer_row_get_position (TALLY_VIEWER_ROW (item)), x, y);
          gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
          return;
        }
    }
}

static void
log_menu_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  guint position = gtk_single_selection_get_selected (self->log_selection);

  popup_log_menu (self, position, 0, 0);
}

/* --- the result and its attempts ------------------------------------------ */

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
              const TallyResultRow *row)
{
  g_clear_pointer (&self->rerun_command, g_free);
  g_clear_pointer (&self->debug_command, g_free);
  if (row != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s::%s", row->program, row->path);
      const char *argv[] = { "tally", "debug", name, NULL };

      self->rerun_command = tally_rerun_command (row->program, self->run_cwd, row->path);
      self->debug_command = tally_shell_join (argv);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-rerun", self->rerun_command != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy-debug", self->debug_command != NULL);
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

static TallyResultRow *
copy_row (const TallyResultRow *row)
{
  TallyResultRow *copy = g_memdup2 (row, sizeof *row);

  copy->program = g_strdup (row->program);
  copy->path = g_strdup (row->path);
  copy->message = row->message ? g_memdup2 (row->message, row->message_len + 1) : NULL;
  copy->file = g_strdup (row->file);
  copy->markers = g_strdup (row->markers);
  return copy;
}

/* Every attempt of the row's test in its run; just the row when it is
 * the only one (its record count came with it). */
static void
load_attempts (TallyViewerDetail    *self,
               const TallyResultRow *row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  g_clear_pointer (&self->attempts, g_ptr_array_unref);
  if (row->attempt > 1 || row->outcome == TALLY_OUTCOME_FLAKY)
    ids = tally_store_viewer_list_attempts (self->store, self->run_id, row->test_id, &error);
  if (ids != NULL && ids->len > 1)
    rows = tally_store_get_result_rows (self->store, (const gint64 *) ids->data, ids->len, &error);
  if (error != NULL)
    g_warning ("Cannot read the attempts: %s", error->message);
  if (rows != NULL && rows->len > 1)
    {
      self->attempts = g_steal_pointer (&rows);
      return;
    }
  self->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_result_row_free);
  g_ptr_array_add (self->attempts, copy_row (row));
}

static void show_attempt (TallyViewerDetail *self,
                          guint              index);

static void
on_attempt_toggled_cb (GtkToggleButton   *button,
                       TallyViewerDetail *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "tally-attempt"));

  if (gtk_toggle_button_get_active (button) && index != self->shown_attempt)
    show_attempt (self, index);
}

static void
fill_attempt_buttons (TallyViewerDetail *self)
{
  GtkToggleButton *first = NULL;

  clear_box (self->attempts_buttons);
  gtk_widget_set_visible (GTK_WIDGET (self->attempts_box), self->attempts->len > 1);
  if (self->attempts->len < 2)
    return;
  for (guint i = 0; i < self->attempts->len; i++)
    {
      const TallyResultRow *row = g_ptr_array_index (self->attempts, i);
      g_autofree char *label = g_strdup_printf ("%u · %s", row->attempt, tally_outcome_to_string (row->outcome));
      g_autofree char *duration = tally_viewer_format_duration (row->duration_us);
      g_autofree char *tip = g_strdup_printf ("Attempt %u: %s in %s", row->attempt,
                                              tally_outcome_to_string (row->outcome), duration);
      GtkWidget *button = gtk_toggle_button_new_with_label (label);

      g_object_set_data (G_OBJECT (button), "tally-attempt", GUINT_TO_POINTER (i));
      gtk_widget_set_tooltip_text (button, tip);
      gtk_widget_add_css_class (button, "attempt");
      gtk_widget_add_css_class (button, tally_outcome_to_string (row->outcome));
      if (first != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), first);
      else
        first = GTK_TOGGLE_BUTTON (button);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), i == self->shown_attempt);
      g_signal_connect (button, "toggled", G_CALLBACK (on_attempt_toggled_cb), self);
      gtk_box_append (self->attempts_buttons, button);
    }
}

static void
sync_attempt_buttons (TallyViewerDetail *self)
{
  guint i = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->attempts_buttons)); child != NULL;
       child = gtk_widget_get_next_sibling (child), i++)
    if (i == self->shown_attempt)
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child), TRUE);
}

/* The header's failure: the signal (even with a message), the message
 * (without its backtrace: that is on the crash tab) with its locations
 * as links, and the location. */
static void
show_failure (TallyViewerDetail    *self,
              const TallyResultRow *row,
              const char           *signal_text,
              const char           *head)
{
  g_autofree char *markup = NULL;
  g_autofree char *location = NULL;
  g_autofree char *location_markup = NULL;

  g_clear_pointer (&self->message, g_free);
  if (head != NULL && *head != '\0')
    self->message = g_strdup (head);
  else if (tally_outcome_is_failure (row->outcome) && row->exit_status > 0 && row->signal == 0)
    self->message = g_strdup_printf ("Exited with status %d", row->exit_status);

  if (row->file != NULL && row->line > 0)
    location = g_strdup_printf ("%s:%d", row->file, row->line);
  else if (row->file != NULL)
    location = g_strdup (row->file);

  gtk_label_set_text (self->signal_label, signal_text ? signal_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->signal_label), signal_text != NULL);
  if (self->message != NULL)
    {
      g_autofree char *links = tally_viewer_location_markup (self->message, -1);

      markup = g_strdup_printf ("<span insert_hyphens=\"false\">%s</span>", links);
    }
  gtk_label_set_markup (self->message_label, markup ? markup : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), self->message != NULL);
  if (location != NULL)
    {
      g_autofree char *escaped = tally_viewer_location_markup (location, -1);

      /* A bare file name without a line is still a link. */
      if (strstr (escaped, "<a ") == NULL)
        {
          g_autofree char *uri = g_strdup_printf ("tally-location:%s:0", location);
          g_autofree char *href = g_markup_escape_text (uri, -1);

          location_markup = g_strdup_printf ("<a href=\"%s\">%s</a>", href, escaped);
        }
      else
        location_markup = g_steal_pointer (&escaped);
    }
  gtk_label_set_markup (self->location_label, location_markup ? location_markup : "");
  gtk_widget_set_visible (GTK_WIDGET (self->location_label), location != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->failure_box),
                          self->message != NULL || location != NULL || signal_text != NULL);
  if (tally_outcome_is_failure (row->outcome) || row->outcome == TALLY_OUTCOME_FLAKY)
    gtk_widget_add_css_class (GTK_WIDGET (self->failure_box), "failure");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->failure_box), "failure");
}

static void
show_attempt (TallyViewerDetail *self,
              guint              index)
{
  const TallyResultRow *row;
  g_autofree char *meta = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *head = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *signal_text = NULL;
  g_autoptr(GBytes) err = NULL;
  guint n_out, n_err;
  gboolean crashed;

  g_assert (index < self->attempts->len);
  self->shown_attempt = index;
  row = shown_row (self);
  self->n_logs = row->n_logs;
  self->started_at_us = row->started_at_us;
  sync_attempt_buttons (self);

  /* The pill is the result's (a flaky test is flaky); the attempt's
   * own outcome is on its button. */
  duration = tally_viewer_format_duration (row->duration_us);
  if (row->cpu_us >= 0)   /* "1.2 s (CPU 0.30 s)" */
    {
      g_autofree char *wall = g_steal_pointer (&duration);
      g_autofree char *cpu = tally_viewer_format_duration (row->cpu_us);

      duration = g_strdup_printf ("%s (CPU %s)", wall, cpu);
    }
  if (self->attempts->len > 1)
    meta = g_strdup_printf ("%s · attempt %u of %u · %s", duration, row->attempt,
                            ((TallyResultRow *) g_ptr_array_index (self->attempts, self->attempts->len - 1))->attempt,
                            tally_outcome_to_string (row->outcome));
  else
    meta = g_strdup_printf ("%s · attempt %u", duration, row->attempt);
  if (row->worker >= 0)
    {
      g_autofree char *with_worker = g_strdup_printf ("%s · worker %d", meta, row->worker);

      g_free (meta);
      meta = g_steal_pointer (&with_worker);
    }
  gtk_label_set_text (self->meta_label, meta);

  if (row->signal != 0)
    {
      g_autofree char *name = tally_viewer_signal_name (row->signal);

      signal_text = g_strdup_printf ("Killed by %s (%s)", name, g_strsignal (row->signal));
    }
  tally_viewer_split_backtrace (row->message, row->message ? row->message_len : 0, &head, &frames);
  show_failure (self, row, signal_text, head);

  load_logs (self);
  n_out = load_output (self, self->stdout_view, TALLY_STREAM_STDOUT, NULL);
  n_err = load_output (self, self->stderr_view, TALLY_STREAM_STDERR, &err);
  set_page_title (self, "stdout", "Standard Output", n_out);
  set_page_title (self, "stderr", "Standard Error", n_err);
  crashed = load_crash (self, row, signal_text, head, frames, err);

  self->console_loaded = FALSE;
  choose_page (self, crashed);
  sync_toolbar (self);
  if (!self->console_loaded && g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "console") == 0)
    load_console (self);
  update_search (self);
}

static void
show_attempt_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (self->attempts != NULL && index < self->attempts->len)
    show_attempt (self, index);
}

/* A flaky test passed in the end: what is worth reading is its last
 * failed attempt. Anything else shows the attempt the row is. */
static guint
default_attempt (TallyViewerDetail    *self,
                 const TallyResultRow *row)
{
  guint index = self->attempts->len - 1;

  for (guint i = 0; i < self->attempts->len; i++)
    if (((TallyResultRow *) g_ptr_array_index (self->attempts, i))->id == row->id)
      index = i;
  if (row->outcome == TALLY_OUTCOME_FLAKY)
    for (guint i = 0; i < self->attempts->len; i++)
      if (tally_outcome_is_failure (((TallyResultRow *) g_ptr_array_index (self->attempts, i))->outcome))
        index = i;
  return index;
}

static char *
run_dir_key (const char *db_path,
             gint64      run_id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%s", run_id, db_path);
}

void
tally_viewer_detail_set_run_dir (TallyViewerDetail *self,
                                 const char        *db_path,
                                 gint64             run_id,
                                 const char        *cwd)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));
  g_return_if_fail (db_path != NULL);

  g_free (self->cwd_key);
  self->cwd_key = run_dir_key (db_path, run_id);
  g_free (self->run_cwd);
  self->run_cwd = g_strdup (cwd);
}

void
tally_viewer_detail_set_result (TallyViewerDetail    *self,
                                TallyStore           *store,
                                gint64                run_id,
                                const TallyResultRow *row)
{
  g_autofree char *path = NULL;
  g_autofree char *program = NULL;

  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));

  self->store = store;

  if (store == NULL || row == NULL)
    {
      self->result_id = 0;
      g_clear_pointer (&self->message, g_free);
      g_clear_pointer (&self->attempts, g_ptr_array_unref);
      set_commands (self, NULL);
      tally_viewer_log_list_set_result (self->logs, NULL, 0, 0, -1, NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  {
    /* Where the run ran: locations and commands are relative to it.
     * Read once per run: the run's row comes with its counts, a scan
     * of its results on this thread. */
    g_autofree char *key = run_dir_key (tally_store_get_path (store), run_id);

    if (g_strcmp0 (key, self->cwd_key) != 0)
      {
        g_autoptr(TallyRunRow) run = tally_store_get_run (store, run_id, NULL);

        g_clear_pointer (&self->run_cwd, g_free);
        self->run_cwd = run ? g_strdup (run->cwd) : NULL;
        g_free (self->cwd_key);
        self->cwd_key = run ? g_steal_pointer (&key) : NULL;
      }
  }
  self->run_id = run_id;
  self->result_id = row->id;

  path = tally_viewer_text_for_display (row->path, -1, 500);
  gtk_label_set_text (self->path_label, path);
  program = tally_viewer_text_for_display (row->program, -1, 500);
  gtk_label_set_text (self->program_label, program);

  gtk_label_set_text (self->outcome_label, tally_outcome_to_string (row->outcome));
  set_outcome_class (GTK_WIDGET (self->outcome_label), row->outcome);
  set_commands (self, row);
  load_history (self, run_id, row);
  load_attempts (self, row);
  self->shown_attempt = default_attempt (self, row);
  fill_attempt_buttons (self);
  show_attempt (self, self->shown_attempt);

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

const char *
tally_viewer_detail_get_visible_page (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return gtk_stack_get_visible_child_name (self->content_stack);
}

void
tally_viewer_detail_set_visible_page (TallyViewerDetail *self,
                                      const char        *name)
{
  gboolean known = FALSE;

  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (page_names); i++)
    known |= strcmp (name, page_names[i]) == 0;
  if (!known)
    {
      g_warning ("No detail tab named “%s”", name ? name : "(null)");
      return;
    }
  g_free (self->preferred_page);
  self->preferred_page = g_strdup (name);
  if (page_available (self, name))
    gtk_stack_set_visible_child_name (self->content_stack, name);
}

/* --- for the tests and the benchmark ----------------------------------------- */

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

guint
tally_viewer_detail_get_n_attempts (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  return self->attempts ? self->attempts->len : 0;
}

guint
tally_viewer_detail_get_shown_attempt (TallyViewerDetail *self)
{
  const TallyResultRow *row;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  row = shown_row (self);
  return row ? row->attempt : 0;
}

const char *
tally_viewer_detail_get_page_title (TallyViewerDetail *self,
                                    const char        *name)
{
  GtkWidget *child;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  child = gtk_stack_get_child_by_name (self->content_stack, name);
  return child ? gtk_stack_page_get_title (gtk_stack_get_page (self->content_stack, child)) : NULL;
}

gboolean
tally_viewer_detail_has_page (TallyViewerDetail *self,
                              const char        *name)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), FALSE);
  return page_available (self, name);
}

char *
tally_viewer_detail_dup_crash_text (TallyViewerDetail *self)
{
  g_autofree char *signal = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *err = NULL;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  signal = g_strdup (gtk_label_get_text (self->crash_signal_label));
  frames = label_text (self->crash_frames_label);
  err = label_text (self->crash_stderr_label);
  return g_strconcat (signal, "\n", frames, "\n", err, NULL);
}

const char *
tally_viewer_detail_get_signal_text (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->signal_label)) ? gtk_label_get_text (self->signal_label) : NULL;
}

GtkEditable *
tally_viewer_detail_get_search_entry (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

guint
tally_viewer_detail_get_log_selected (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), GTK_INVALID_LIST_POSITION);
  return gtk_single_selection_get_selected (self->log_selection);
}

char *
tally_viewer_detail_dup_selected_text (TallyViewerDetail *self)
{
  GtkTextView *view;
  GtkTextIter start, end;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  view = page_text_view (self);
  if (view == NULL || !gtk_text_buffer_get_selection_bounds (gtk_text_view_get_buffer (view), &start, &end))
    return NULL;
  return gtk_text_iter_get_text (&start, &end);
}

GtkTextView *
tally_viewer_detail_get_text_view (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return page_text_view (self);
}

GtkWidget *
tally_viewer_detail_get_log_menu (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return self->log_menu;
}

void
tally_viewer_detail_popup_log_menu (TallyViewerDetail *self,
                                    guint              position)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));
  popup_log_menu (self, position, 0, 0);
}

void
tally_viewer_detail_release_views (TallyViewerDetail *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));
  gtk_list_view_set_model (self->log_view, NULL);
}

/* --- GObject ------------------------------------------------------------ */

static void
tally_viewer_detail_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE:
      g_value_set_string (value, tally_viewer_detail_get_visible_page (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_viewer_detail_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE:
      tally_viewer_detail_set_visible_page (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* One child, the stack, as a GtkBinLayout would; and the log menu, a
 * popover of the detail, placed whenever the detail is allocated (a
 * layout manager would not let the widget do that). */
static void
tally_viewer_detail_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_widget_measure (GTK_WIDGET (self->stack), orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

static GtkSizeRequestMode
tally_viewer_detail_get_request_mode (GtkWidget *widget)
{
  return gtk_widget_get_request_mode (GTK_WIDGET (TALLY_VIEWER_DETAIL (widget)->stack));
}

static void
tally_viewer_detail_size_allocate (GtkWidget *widget,
                                   int        width,
                                   int        height,
                                   int        baseline)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_widget_allocate (GTK_WIDGET (self->stack), width, height, baseline, NULL);
  if (self->log_menu != NULL && gtk_widget_get_visible (self->log_menu))
    gtk_popover_present (GTK_POPOVER (self->log_menu));
}

static void
tally_viewer_detail_dispose (GObject *object)
{
  TallyViewerDetail *self = (TallyViewerDetail *) object;

  /* Let the view drop its rows while the widget tree is whole. */
  if (self->log_view != NULL)
    gtk_list_view_set_model (self->log_view, NULL);
  g_clear_pointer (&self->log_menu, gtk_widget_unparent);
  g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_DETAIL);

  G_OBJECT_CLASS (tally_viewer_detail_parent_class)->dispose (object);
}

static void
tally_viewer_detail_finalize (GObject *object)
{
  TallyViewerDetail *self = (TallyViewerDetail *) object;

  g_clear_object (&self->log_selection);
  g_clear_object (&self->logs);
  for (int i = 0; i < N_PALETTE; i++)
    g_clear_pointer (&self->palette[i], pango_attr_list_unref);
  g_clear_pointer (&self->durations, g_array_unref);
  g_clear_pointer (&self->attempts, g_ptr_array_unref);
  g_clear_pointer (&self->run_cwd, g_free);
  g_clear_pointer (&self->cwd_key, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->rerun_command, g_free);
  g_clear_pointer (&self->debug_command, g_free);
  g_clear_pointer (&self->preferred_page, g_free);

  G_OBJECT_CLASS (tally_viewer_detail_parent_class)->finalize (object);
}

static void
tally_viewer_detail_class_init (TallyViewerDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tally_viewer_detail_get_property;
  object_class->set_property = tally_viewer_detail_set_property;
  object_class->dispose = tally_viewer_detail_dispose;
  object_class->finalize = tally_viewer_detail_finalize;
  widget_class->get_request_mode = tally_viewer_detail_get_request_mode;
  widget_class->measure = tally_viewer_detail_measure;
  widget_class->size_allocate = tally_viewer_detail_size_allocate;

  /**
   * TallyViewerDetail:visible-page:
   *
   * The tab shown; see tally_viewer_detail_set_visible_page().
   */
  properties[PROP_VISIBLE_PAGE] =
    g_param_spec_string ("visible-page", NULL, NULL, "log",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TallyViewerDetail::problem:
   * @message: one line for a toast
   *
   * Something the user asked for failed: a location could not be
   * opened, a tab could not be saved.
   */
  signals[SIGNAL_PROBLEM] =
    g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, attempts_box);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, attempts_buttons);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, console_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_frames_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_frames_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_log_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_log_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_message_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_signal_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_stderr_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_stderr_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, failure_box);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, history_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, history_strip);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, level_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, location_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, log_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, log_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, match_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, message_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, meta_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, no_records_page);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, outcome_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, path_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, program_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, search_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, signal_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stderr_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stdout_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, trend_area);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, wrap_button);
  gtk_widget_class_bind_template_callback (widget_class, on_content_stack_notify_visible_child_name_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_level_dropdown_notify_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_link_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_button_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_next_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_previous_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_wrap_button_toggled_cb);

  gtk_widget_class_install_action (widget_class, "detail.copy-rerun", NULL, copy_rerun_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-debug", NULL, copy_debug_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-all", NULL, copy_all_action);
  gtk_widget_class_install_action (widget_class, "detail.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "detail.search", NULL, toggle_search_action);
  gtk_widget_class_install_action (widget_class, "detail.toggle-wrap", NULL, toggle_wrap_action);
  gtk_widget_class_install_action (widget_class, "detail.find-next", NULL, find_next_action);
  gtk_widget_class_install_action (widget_class, "detail.find-previous", NULL, find_previous_action);
  gtk_widget_class_install_action (widget_class, "detail.open-location", "s", open_location_action);
  gtk_widget_class_install_action (widget_class, "detail.show-attempt", "u", show_attempt_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-log-message", NULL, copy_log_message_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-log-location", NULL, copy_log_location_action);
  gtk_widget_class_install_action (widget_class, "detail.open-log-location", NULL, open_log_location_action);
  gtk_widget_class_install_action (widget_class, "detail.log-menu", NULL, log_menu_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "detail.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "detail.log-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "detail.log-menu", NULL);
}

static void
tally_viewer_detail_init (TallyViewerDetail *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkEventController *shortcuts;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->logs = tally_viewer_log_list_new ();
  self->durations = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->preferred_page = g_strdup ("log");

  self->log_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->logs)));
  gtk_single_selection_set_autoselect (self->log_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->log_selection, TRUE);
  g_signal_connect (factory, "setup", G_CALLBACK (on_log_row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_log_row_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_log_row_unbind_cb), self);
  gtk_list_view_set_factory (self->log_view, factory);
  gtk_list_view_set_model (self->log_view, GTK_SELECTION_MODEL (self->log_selection));

  g_menu_append (menu, "Copy Message", "detail.copy-log-message");
  g_menu_append (menu, "Copy Path", "detail.copy-log-location");
  g_menu_append (menu, "Open Location", "detail.open-log-location");
  self->log_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->log_menu), FALSE);
  gtk_widget_set_halign (self->log_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->log_menu, GTK_WIDGET (self));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_log_view_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->log_view), GTK_EVENT_CONTROLLER (click));

  /* Shift+Enter in the search goes back (Enter goes on: "activate"). */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Shift>Return|<Shift>KP_Enter"),
                                                          gtk_named_action_new ("detail.find-previous")));
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), shortcuts);

  /* GtkBuilder's <accessibility> does not reach a GtkSearchEntry in 4.8. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Search the log and output", -1);
  for (GtkWidget *w = GTK_WIDGET (self->search_bar); w != NULL;)
    {
      /* The search bar's own close button: GTK 4.8 gives it no name. */
      if (GTK_IS_BUTTON (w) && gtk_button_get_label (GTK_BUTTON (w)) == NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL, "Close search", -1);
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != GTK_WIDGET (self->search_bar) && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == GTK_WIDGET (self->search_bar) ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled",
                            G_CALLBACK (on_search_bar_notify_search_mode_enabled_cb), self);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (on_dark_changed_cb), self);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::high-contrast",
                            G_CALLBACK (on_dark_changed_cb), self);

  gtk_toggle_button_set_active (self->wrap_button, TRUE);
  sync_toolbar (self);
  gtk_drawing_area_set_draw_func (self->trend_area, trend_draw, self, NULL);
  set_commands (self, NULL);
}
