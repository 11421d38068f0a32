/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tally-viewer-detail-actions.c — what the detail does when asked:
 * search, wrapping, copy and save, opening locations, and the log
 * rows' menu. */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-detail-internal.h"
#include "tally-viewer-location.h"
#include "tally-viewer-util.h"

#define SEARCH_HIGHLIGHT_MAX 2000

/* --- search ------------------------------------------------------------ */

GtkTextView *
tally_viewer_detail_page_text_view (TallyViewerDetail *self)
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
void
tally_viewer_detail_update_search (TallyViewerDetail *self)
{
  const char *needle = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GtkTextView *view = tally_viewer_detail_page_text_view (self);
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
  GtkTextView *view = tally_viewer_detail_page_text_view (self);
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

void
tally_viewer_detail_find_next_action (GtkWidget  *widget,
                                      const char *action_name,
                                      GVariant   *parameter)
{
  find (TALLY_VIEWER_DETAIL (widget), TRUE, FALSE);
}

void
tally_viewer_detail_find_previous_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter)
{
  find (TALLY_VIEWER_DETAIL (widget), FALSE, FALSE);
}

void
tally_viewer_detail_on_search_entry_search_changed_cb (TallyViewerDetail *self,
                                                       GtkSearchEntry    *entry)
{
  tally_viewer_detail_update_search (self);
  gtk_single_selection_set_selected (self->log_selection, GTK_INVALID_LIST_POSITION);
  find (self, TRUE, TRUE);
}

void
tally_viewer_detail_on_search_entry_activate_cb (TallyViewerDetail *self,
                                                 GtkSearchEntry    *entry)
{
  find (self, TRUE, FALSE);
}

void
tally_viewer_detail_on_search_entry_next_match_cb (TallyViewerDetail *self,
                                                   GtkSearchEntry    *entry)
{
  find (self, TRUE, FALSE);
}

void
tally_viewer_detail_on_search_entry_previous_match_cb (TallyViewerDetail *self,
                                                       GtkSearchEntry    *entry)
{
  find (self, FALSE, FALSE);
}

void
tally_viewer_detail_on_search_entry_stop_search_cb (TallyViewerDetail *self,
                                                    GtkSearchEntry    *entry)
{
  gtk_toggle_button_set_active (self->search_button, FALSE);
}

void
tally_viewer_detail_on_search_button_toggled_cb (TallyViewerDetail *self,
                                                 GtkToggleButton   *button)
{
  gboolean active = gtk_toggle_button_get_active (button);

  gtk_search_bar_set_search_mode (self->search_bar, active);
  if (active)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  tally_viewer_detail_update_search (self);
}

void
tally_viewer_detail_on_search_bar_notify_search_mode_enabled_cb (TallyViewerDetail *self,
                                                                 GParamSpec        *pspec,
                                                                 GtkSearchBar      *bar)
{
  gtk_toggle_button_set_active (self->search_button, gtk_search_bar_get_search_mode (bar));
}

void
tally_viewer_detail_toggle_search_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_toggle_button_set_active (self->search_button, !gtk_toggle_button_get_active (self->search_button));
}

/* --- wrapping ------------------------------------------------------------ */

void
tally_viewer_detail_on_wrap_button_toggled_cb (TallyViewerDetail *self,
                                               GtkToggleButton   *button)
{
  GtkWrapMode mode = gtk_toggle_button_get_active (button) ? GTK_WRAP_WORD_CHAR : GTK_WRAP_NONE;

  gtk_text_view_set_wrap_mode (self->stdout_view, mode);
  gtk_text_view_set_wrap_mode (self->stderr_view, mode);
  gtk_text_view_set_wrap_mode (self->console_view, mode);
}

void
tally_viewer_detail_toggle_wrap_action (GtkWidget  *widget,
                                        const char *action_name,
                                        GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_toggle_button_set_active (self->wrap_button, !gtk_toggle_button_get_active (self->wrap_button));
}

/* --- copy, save ------------------------------------------------------------ */

void
tally_viewer_detail_copy_text (GtkWidget  *widget,
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

char *
tally_viewer_detail_label_text (GtkLabel *label)
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
      TallyViewerDetailLines lines = { g_string_new (NULL), self->started_at_us };

      tally_viewer_log_list_foreach (self->logs, tally_viewer_detail_append_record_line, &lines, NULL);
      return g_string_free (lines.out, FALSE);
    }
  if (g_strcmp0 (page, "stdout") == 0 || g_strcmp0 (page, "stderr") == 0)
    {
      g_autoptr(GBytes) bytes = tally_viewer_detail_read_output (self, g_strcmp0 (page, "stdout") == 0 ? TALLY_STREAM_STDOUT
                                                                                    : TALLY_STREAM_STDERR, NULL);
      return dup_bytes_text (bytes);
    }
  if (g_strcmp0 (page, "crash") == 0)
    {
      g_autofree char *signal = g_strdup (gtk_label_get_text (self->crash_signal_label));
      g_autofree char *message = g_strdup (gtk_label_get_text (self->crash_message_label));
      g_autofree char *frames = tally_viewer_detail_label_text (self->crash_frames_label);
      g_autofree char *logs = tally_viewer_detail_label_text (self->crash_log_label);
      g_autofree char *err = tally_viewer_detail_label_text (self->crash_stderr_label);

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

void
tally_viewer_detail_copy_all_action (GtkWidget  *widget,
                                     const char *action_name,
                                     GVariant   *parameter)
{
  g_autofree char *text = tally_viewer_detail_dup_page_text (TALLY_VIEWER_DETAIL (widget));

  tally_viewer_detail_copy_text (widget, text);
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

          tally_viewer_detail_problem (self, message);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

void
tally_viewer_detail_save_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkFileChooserNative *dialog;
  const TallyResultRow *row = tally_viewer_detail_shown_row (self);
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
  const TallyResultRow *row = tally_viewer_detail_shown_row (self);
  g_autofree char *path = tally_viewer_location_resolve (file, self->run_cwd, row ? row->program : NULL);
  g_autoptr(GError) error = NULL;

  if (!tally_viewer_location_open (path, line, &error))
    {
      g_autofree char *message = g_strdup_printf ("Cannot open %s: %s", path, error->message);

      tally_viewer_detail_problem (self, message);
    }
}

void
tally_viewer_detail_open_location_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter)
{
  g_autofree char *file = NULL;
  int line = 0;

  if (tally_viewer_location_parse (g_variant_get_string (parameter, NULL), &file, &line))
    open_location (TALLY_VIEWER_DETAIL (widget), file, line);
}

gboolean
tally_viewer_detail_on_link_activate_cb (TallyViewerDetail *self,
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

void
tally_viewer_detail_copy_log_message_action (GtkWidget  *widget,
                                             const char *action_name,
                                             GVariant   *parameter)
{
  const TallyLogRecord *record = menu_record (TALLY_VIEWER_DETAIL (widget));
  g_autofree char *text = NULL;

  if (record == NULL)
    return;
  text = tally_viewer_text_for_display (record->message, record->message_len, -1);
  tally_viewer_detail_copy_text (widget, text);
}

static char *
record_location (const TallyLogRecord *record)
{
  if (record == NULL || record->file == NULL)
    return NULL;
  return record->line > 0 ? g_strdup_printf ("%s:%d", record->file, record->line) : g_strdup (record->file);
}

void
tally_viewer_detail_copy_log_location_action (GtkWidget  *widget,
                                              const char *action_name,
                                              GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  const TallyLogRecord *record = menu_record (self);
  const TallyResultRow *row = tally_viewer_detail_shown_row (self);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  if (record == NULL || record->file == NULL)
    return;
  path = tally_viewer_location_resolve (record->file, self->run_cwd, row ? row->program : NULL);
  text = record->line > 0 ? g_strdup_printf ("%s:%d", path, record->line) : g_strdup (path);
  tally_viewer_detail_copy_text (widget, text);
}

void
tally_viewer_detail_open_log_location_action (GtkWidget  *widget,
                                              const char *action_name,
                                              GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  const TallyLogRecord *record = menu_record (self);

  if (record != NULL && record->file != NULL)
    open_location (self, record->file, record->line);
}

/* Opens the menu of the log record at @position (G_MAXUINT: none). */
void
tally_viewer_detail_popup_log_menu_at (TallyViewerDetail *self,
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

void
tally_viewer_detail_on_log_view_pressed_cb (GtkGestureClick   *gesture,
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
          tally_viewer_detail_popup_log_menu_at (self, tally_viewer_row_get_position (TALLY_VIEWER_ROW (item)), x, y);
          gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
          return;
        }
    }
}

void
tally_viewer_detail_log_menu_action (GtkWidget  *widget,
                                     const char *action_name,
                                     GVariant   *parameter)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);
  guint position = gtk_single_selection_get_selected (self->log_selection);

  tally_viewer_detail_popup_log_menu_at (self, position, 0, 0);
}
