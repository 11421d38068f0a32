/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tally-viewer-detail-result.c — the result the detail shows and its
 * attempts: the header, the attempt buttons, the copied commands, and
 * tally_viewer_detail_set_result(). */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-rerun-private.h"
#include "tally-viewer-console.h"
#include "tally-viewer-detail-internal.h"
#include "tally-viewer-location.h"
#include "tally-viewer-util.h"

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
void
tally_viewer_detail_set_commands (TallyViewerDetail    *self,
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

void
tally_viewer_detail_copy_rerun_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  tally_viewer_detail_copy_text (widget, TALLY_VIEWER_DETAIL (widget)->rerun_command);
}

void
tally_viewer_detail_copy_debug_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  tally_viewer_detail_copy_text (widget, TALLY_VIEWER_DETAIL (widget)->debug_command);
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

  tally_viewer_detail_clear_box (self->attempts_buttons);
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
  row = tally_viewer_detail_shown_row (self);
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

  tally_viewer_detail_load_logs (self);
  n_out = tally_viewer_detail_load_output (self, self->stdout_view, TALLY_STREAM_STDOUT, NULL);
  n_err = tally_viewer_detail_load_output (self, self->stderr_view, TALLY_STREAM_STDERR, &err);
  tally_viewer_detail_set_page_title (self, "stdout", "Standard Output", n_out);
  tally_viewer_detail_set_page_title (self, "stderr", "Standard Error", n_err);
  crashed = tally_viewer_detail_load_crash (self, row, signal_text, head, frames, err);

  self->console_loaded = FALSE;
  tally_viewer_detail_choose_page (self, crashed);
  tally_viewer_detail_sync_toolbar (self);
  if (!self->console_loaded && g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "console") == 0)
    tally_viewer_detail_load_console (self);
  tally_viewer_detail_update_search (self);
}

void
tally_viewer_detail_show_attempt_action (GtkWidget  *widget,
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
      tally_viewer_detail_set_commands (self, NULL);
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
  tally_viewer_detail_set_commands (self, row);
  tally_viewer_detail_load_history (self, run_id, row);
  load_attempts (self, row);
  self->shown_attempt = default_attempt (self, row);
  fill_attempt_buttons (self);
  show_attempt (self, self->shown_attempt);

  gtk_stack_set_visible_child_name (self->stack, "detail");
}
