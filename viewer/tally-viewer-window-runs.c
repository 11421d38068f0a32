/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tally-viewer-window-runs.c — the window's runs: Rerun Failed /
 * Selected / Serial, Run by Marker Expression, Stop, and the runner's
 * progress and end (as GNOME Text Editor splits editor-window-*.c). */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <glib/gstdio.h>
#include <tally.h>

#include "tally-expr-private.h"
#include "tally-viewer-window-internal.h"

static const char *run_actions[] = { "win.rerun-failed", "win.rerun-selected", "win.rerun-serial",
                                     "win.run-markers", "win.run-marker-expression" };

/* Runs start from a shown run, one at a time. */
void
tally_viewer_window_update_run_actions (TallyViewerWindow *self)
{
  gboolean results = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "results") == 0;
  gboolean running = tally_viewer_runner_is_running (self->runner);

  gtk_widget_set_sensitive (GTK_WIDGET (self->rerun_button), !running);
  /* The Stop button takes its place (a 360 px window has room for one). */
  gtk_widget_set_visible (GTK_WIDGET (self->rerun_button), results && !running);
  for (guint i = 0; i < G_N_ELEMENTS (run_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), run_actions[i], results && !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", running);
}

static void
set_running (TallyViewerWindow *self,
             gboolean           running)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), running);
  tally_viewer_window_update_run_actions (self);
}

void
tally_viewer_window_remove_tests_file (TallyViewerWindow *self)
{
  if (self->tests_file != NULL)
    g_unlink (self->tests_file);
  g_clear_pointer (&self->tests_file, g_free);
}

static void
on_runner_started_cb (TallyViewerWindow *self,
                      gint64             run_id,
                      guint              n_tests,
                      TallyViewerRunner *runner)
{
  if (self->rerun_parent > 0 && run_id > 0)
    tally_viewer_document_record_rerun (self->document, run_id, self->rerun_parent);
  self->rerun_parent = 0;
  tally_viewer_document_follow_run (self->document, run_id);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  tally_viewer_document_reload (self->document);
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
on_runner_finished_cb (TallyViewerWindow *self,
                       const char        *status,
                       int                exit_status,
                       const char        *message,
                       TallyViewerRunner *runner)
{
  tally_viewer_window_remove_tests_file (self);
  set_running (self, FALSE);
  self->rerun_parent = 0;
  tally_viewer_document_reload (self->document);
  tally_viewer_document_follow_run (self->document, 0);
  tally_viewer_window_toast (self, message);
}

/* Whether a run is shown and read: while one loads its results are not
 * in memory anywhere the main thread may read from. */
static gboolean
run_ready (TallyViewerWindow *self)
{
  if (tally_viewer_document_get_store (self->document) == NULL
      || tally_viewer_document_get_run (self->document) == NULL)
    {
      tally_viewer_window_toast (self, "Select a run first");
      return FALSE;
    }
  if (tally_viewer_document_get_loading (self->document))
    {
      tally_viewer_window_toast (self, "The run is still loading");
      return FALSE;
    }
  return TRUE;
}

/* Starts `tally run` over the shown run's programs with @selection (the
 * options that choose the tests). */
static void
start_run (TallyViewerWindow  *self,
           const char * const *selection)
{
  TallyStore *store = tally_viewer_document_get_store (self->document);
  const TallyRunRow *run = tally_viewer_document_get_run (self->document);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(GPtrArray) programs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *tally = NULL;
  g_autofree char *cwd = NULL;
  g_auto(GStrv) argv = NULL;

  if (!run_ready (self))
    return;
  tally = tally_viewer_find_runner ();
  if (tally == NULL)
    {
      tally_viewer_window_toast (self, "Cannot find the tally runner (set $TALLY_RUNNER or add it to PATH)");
      return;
    }

  tests = tally_store_list_run_tests (store, run->id, &error);
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
      tally_viewer_window_toast (self, error->message);
      return;
    }

  argv = tally_viewer_rerun_argv (tally, (const char * const *) run->argv, self->path, selection);
  if (!tally_viewer_runner_start (self->runner, (const char * const *) argv, cwd, &error))
    {
      g_autofree char *message = g_strdup_printf ("Cannot start %s: %s", tally, error->message);

      tally_viewer_window_toast (self, message);
      return;
    }
  g_debug ("Started a run in %s", cwd);
  set_running (self, TRUE);
}

/* Runs exactly the results @ids name (a test once, whatever its
 * attempts): their `program::path` lines go to a file for --tests-from. */
static void
start_list_run (TallyViewerWindow *self,
                GArray            *ids,
                const char        *none)
{
  TallyStore *store = tally_viewer_document_get_store (self->document);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *path = NULL;

  if (ids->len > 0)
    rows = tally_store_get_result_rows (store, (gint64 *) ids->data, ids->len, &error);
  if (rows == NULL && error != NULL)
    {
      tally_viewer_window_toast (self, error->message);
      return;
    }
  list = tally_viewer_tests_from_list (rows);
  if (*list == '\0')
    {
      tally_viewer_window_toast (self, none);
      return;
    }
  path = tally_viewer_write_tests_file (list, &error);
  if (path == NULL)
    {
      tally_viewer_window_toast (self, error->message);
      return;
    }

  tally_viewer_window_remove_tests_file (self);
  self->tests_file = g_strdup (path);
  g_free (self->last_tests);
  self->last_tests = g_steal_pointer (&list);
  /* A list rerun reads as a rerun of the run shown: merged over it. */
  self->rerun_parent = tally_viewer_document_get_run_id (self->document);
  start_run (self, (const char *[]) { "--tests-from", path, NULL });
  if (!tally_viewer_runner_is_running (self->runner))
    self->rerun_parent = 0;
  if (!tally_viewer_runner_is_running (self->runner))
    tally_viewer_window_remove_tests_file (self);
}

static void
rerun_failed_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);
  TallyStore *store = tally_viewer_document_get_store (self->document);
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;

  if (!run_ready (self))
    return;
  query.outcomes = TALLY_VIEWER_FAILED_MASK;
  ids = tally_store_query_result_ids (store, tally_viewer_document_get_run_id (self->document), &query, &error);
  if (ids == NULL)
    {
      tally_viewer_window_toast (self, error->message);
      return;
    }
  start_list_run (self, ids, "No failed tests in this run");
}

/* Reruns every selected test, exactly those, in one `tally run`. */
static void
rerun_selected_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);
  g_autoptr(GArray) ids = NULL;

  if (!run_ready (self))
    return;
  ids = tally_viewer_results_view_dup_selected_ids (self->results_view);
  start_list_run (self, ids, "Select a test first");
}

static void
rerun_serial_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  start_run (TALLY_VIEWER_WINDOW (widget), (const char *[]) { "-m", "serial", NULL });
}

static void
start_marker_run (TallyViewerWindow *self,
                  const char        *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = tally_expr_parse_markers (text, &error);

  if (expr == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Invalid marker expression: %s", error->message);

      tally_viewer_window_toast (self, message);
      return;
    }
  start_run (self, (const char *[]) { "-m", text, NULL });
}

static void
on_marker_dialog_response_cb (AdwMessageDialog  *dialog,
                              const char        *response,
                              TallyViewerWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));

  if (g_strcmp0 (response, "run") == 0)
    start_marker_run (self, gtk_editable_get_text (entry));
}

static void
run_markers_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), "Run by Marker Expression",
                                                       "Runs the tests of this run's programs whose markers match, as tally run -m does"));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), tally_viewer_filter_bar_get_marker_text (self->filter_bar));
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "serial and not (slow or net)");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", "_Cancel", "run", "_Run", NULL);
  adw_message_dialog_set_response_appearance (dialog, "run", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "run");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_marker_dialog_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Runs the expression given, without asking (tests, scripts): a menu
 * item gives no parameter, so the menu's action takes none. */
static void
run_marker_expression_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  start_marker_run (TALLY_VIEWER_WINDOW (widget), g_variant_get_string (param, NULL));
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  tally_viewer_runner_stop (TALLY_VIEWER_WINDOW (widget)->runner);
}

void
tally_viewer_window_init_runner (TallyViewerWindow *self)
{
  self->runner = tally_viewer_runner_new ();
  g_signal_connect_swapped (self->runner, "started", G_CALLBACK (on_runner_started_cb), self);
  g_signal_connect_swapped (self->runner, "progress", G_CALLBACK (on_runner_progress_cb), self);
  g_signal_connect_swapped (self->runner, "finished", G_CALLBACK (on_runner_finished_cb), self);
  set_running (self, FALSE);
}

void
tally_viewer_window_class_add_run_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.rerun-failed", NULL, rerun_failed_action);
  gtk_widget_class_install_action (widget_class, "win.rerun-selected", NULL, rerun_selected_action);
  gtk_widget_class_install_action (widget_class, "win.rerun-serial", NULL, rerun_serial_action);
  gtk_widget_class_install_action (widget_class, "win.run-markers", NULL, run_markers_action);
  gtk_widget_class_install_action (widget_class, "win.run-marker-expression", "s", run_marker_expression_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);
}
