/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <tally.h>

#include "tally-expr-private.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-runs-sidebar.h"
#include "tally-viewer-util.h"
#include "tally-viewer-window-private.h"

struct _TallyViewerWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  TallyViewerDetail *detail;
  AdwStatusPage *empty_page;
  AdwStatusPage *error_page;
  TallyViewerFilterBar *filter_bar;
  AdwFlap *flap;
  GtkStack *main_stack;
  GtkProgressBar *progress_bar;
  GMenu *recent_menu;
  AdwSplitButton *rerun_button;
  TallyViewerResultsView *results_view;
  TallyViewerRunsSidebar *runs_sidebar;
  GtkToggleButton *sidebar_button;
  GtkButton *stop_button;
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;

  /* Owned */
  TallyViewerDocument *document;
  TallyViewerRunner *runner;
  char *path;
  char *tests_file;             /* the --tests-from list of the run in progress */
  char *last_tests;
  char *error_text;
  char *last_toast;
};

G_DEFINE_FINAL_TYPE (TallyViewerWindow, tally_viewer_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (TallyViewerWindow *self,
       const char        *text)
{
  AdwToast *t = adw_toast_new (text);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
on_document_problem_cb (TallyViewerWindow   *self,
                        const char          *message,
                        TallyViewerDocument *document)
{
  toast (self, message);
}

/* The run was read again on another connection: the detail reads from it. */
static void
on_document_store_changed_cb (TallyViewerWindow   *self,
                              TallyViewerDocument *document)
{
  tally_viewer_detail_set_store (self->detail, tally_viewer_document_get_store (document));
}

static void
on_results_view_focus_changed_cb (TallyViewerWindow      *self,
                                  const TallyResultRow   *row,
                                  TallyViewerResultsView *view)
{
  tally_viewer_detail_set_result (self->detail, tally_viewer_document_get_store (self->document),
                                  tally_viewer_document_get_run_id (self->document), row);
}

/* --- pages ------------------------------------------------------------- */

static const char *run_actions[] = { "win.rerun-failed", "win.rerun-selected", "win.rerun-serial",
                                     "win.run-markers", "win.run-marker-expression" };

/* Runs start from a shown run, one at a time. */
static void
update_run_actions (TallyViewerWindow *self)
{
  gboolean results = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "results") == 0;
  gboolean running = tally_viewer_runner_is_running (self->runner);

  gtk_widget_set_sensitive (GTK_WIDGET (self->rerun_button), !running);
  for (guint i = 0; i < G_N_ELEMENTS (run_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), run_actions[i], results && !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", running);
}

/* Run actions and the sidebar only make sense with a run shown. */
static void
set_page (TallyViewerWindow *self,
          const char        *page)
{
  gboolean results = g_strcmp0 (page, "results") == 0;

  gtk_stack_set_visible_child_name (self->main_stack, page);
  gtk_widget_set_visible (GTK_WIDGET (self->rerun_button), results);
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), results);
  if (self->runner != NULL)
    update_run_actions (self);
}

/* An open database with no runs has its own page, which says how to
 * make one; the first run that appears (polling) shows the results. */
static void
on_document_runs_changed_cb (TallyViewerWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->main_stack);
  gboolean empty = g_list_model_get_n_items (tally_viewer_document_get_runs (self->document)) == 0;

  if (g_strcmp0 (page, "results") != 0 && g_strcmp0 (page, "empty") != 0)
    return;
  if (empty)
    {
      g_autofree char *db = g_shell_quote (tally_viewer_document_get_path (self->document));
      g_autofree char *text = g_strdup_printf ("Run your tests with tally run --db %s and the run appears here", db);
      g_autofree char *escaped = g_markup_escape_text (text, -1);

      adw_status_page_set_description (self->empty_page, escaped);
    }
  set_page (self, empty ? "empty" : "results");
}

static void
show_error (TallyViewerWindow *self,
            const char        *title,
            const char        *message)
{
  g_autofree char *valid = tally_viewer_text_for_display (message, -1, 2000);
  g_autofree char *escaped = g_markup_escape_text (valid, -1);

  g_free (self->error_text);
  self->error_text = g_strdup (valid);
  adw_status_page_set_title (self->error_page, title);
  /* The description is markup in libadwaita 1.2: escape the data. */
  adw_status_page_set_description (self->error_page, escaped);
  set_page (self, "error");
}

/* --- recent databases -------------------------------------------------- */

static void
rebuild_recent_menu (TallyViewerWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  guint n = 0;

  g_menu_remove_all (self->recent_menu);
  for (GList *l = items; l != NULL && n < 10; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autofree char *path = g_filename_from_uri (gtk_recent_info_get_uri (info), NULL, NULL);
      g_autofree char *label = NULL;
      g_autoptr(GMenuItem) item = NULL;

      if (path == NULL || !gtk_recent_info_has_application (info, "Tally Viewer")
          || !g_file_test (path, G_FILE_TEST_EXISTS))
        continue;

      label = g_filename_display_name (path);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (path));
      g_menu_append_item (self->recent_menu, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
add_recent (const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  GtkRecentData data = { 0 };

  if (uri == NULL)
    return;
  data.mime_type = (char *) "application/vnd.sqlite3";
  data.app_name = (char *) "Tally Viewer";
  data.app_exec = (char *) "tally-viewer %u";
  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

/* --- opening ----------------------------------------------------------- */

gboolean
tally_viewer_window_open_path (TallyViewerWindow  *self,
                               const char         *path,
                               GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TallyViewerRunItem) newest = NULL;
  g_autofree char *display = NULL;
  GListModel *runs;

  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  tally_viewer_document_close (self->document);
  g_free (self->path);
  self->path = g_canonicalize_filename (path, NULL);
  display = g_filename_display_name (self->path);
  adw_window_title_set_subtitle (self->window_title, display);

  if (!g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      g_set_error (&local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "%s does not exist. Run `tally run` to create a results database.", display);
      show_error (self, "No Database", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!tally_viewer_document_open (self->document, self->path, &local_error))
    {
      show_error (self, "Cannot Open Database", local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  add_recent (self->path);
  rebuild_recent_menu (self);
  set_page (self, "results");
  on_document_runs_changed_cb (self);
  runs = tally_viewer_document_get_runs (self->document);
  newest = g_list_model_get_n_items (runs) > 0 ? g_list_model_get_item (runs, 0) : NULL;
  tally_viewer_document_load_run (self->document, newest ? tally_viewer_run_item_get_row (newest)->id : 0);
  return TRUE;
}

gboolean
tally_viewer_window_select_run (TallyViewerWindow *self,
                                gint64             run_id)
{
  GListModel *runs;

  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);

  runs = tally_viewer_document_get_runs (self->document);
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(TallyViewerRunItem) run = g_list_model_get_item (runs, i);

      if (tally_viewer_run_item_get_row (run)->id != run_id)
        continue;
      if (tally_viewer_document_get_run_id (self->document) != run_id)
        tally_viewer_document_load_run (self->document, run_id);
      return TRUE;
    }
  return FALSE;
}

void
tally_viewer_window_reload (TallyViewerWindow *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_WINDOW (self));
  tally_viewer_document_reload (self->document);
}

/* --- reruns ------------------------------------------------------------ */

static void
set_running (TallyViewerWindow *self,
             gboolean           running)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), running);
  update_run_actions (self);
}

static void
remove_tests_file (TallyViewerWindow *self)
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
  remove_tests_file (self);
  set_running (self, FALSE);
  tally_viewer_document_reload (self->document);
  tally_viewer_document_follow_run (self->document, 0);
  toast (self, message);
}

/* Whether a run is shown and read: while one loads its results are not
 * in memory anywhere the main thread may read from. */
static gboolean
run_ready (TallyViewerWindow *self)
{
  if (tally_viewer_document_get_store (self->document) == NULL
      || tally_viewer_document_get_run (self->document) == NULL)
    {
      toast (self, "Select a run first");
      return FALSE;
    }
  if (tally_viewer_document_get_loading (self->document))
    {
      toast (self, "The run is still loading");
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
      toast (self, "Cannot find the tally runner (set $TALLY_RUNNER or add it to PATH)");
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
      toast (self, error->message);
      return;
    }

  argv = tally_viewer_rerun_argv (tally, (const char * const *) run->argv, self->path, selection);
  if (!tally_viewer_runner_start (self->runner, (const char * const *) argv, cwd, &error))
    {
      g_autofree char *message = g_strdup_printf ("Cannot start %s: %s", tally, error->message);

      toast (self, message);
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
      toast (self, error->message);
      return;
    }
  list = tally_viewer_tests_from_list (rows);
  if (*list == '\0')
    {
      toast (self, none);
      return;
    }
  path = tally_viewer_write_tests_file (list, &error);
  if (path == NULL)
    {
      toast (self, error->message);
      return;
    }

  remove_tests_file (self);
  self->tests_file = g_strdup (path);
  g_free (self->last_tests);
  self->last_tests = g_steal_pointer (&list);
  start_run (self, (const char *[]) { "--tests-from", path, NULL });
  if (!tally_viewer_runner_is_running (self->runner))
    remove_tests_file (self);
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
      toast (self, error->message);
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

      toast (self, message);
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

/* --- other actions ----------------------------------------------------- */

static void
on_file_chooser_response_cb (GtkNativeDialog   *dialog,
                             int                response,
                             TallyViewerWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        tally_viewer_window_open_path (self, path, NULL);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) any = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new ("Open Results Database", GTK_WINDOW (widget),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  gtk_file_filter_set_name (filter, "Tally Databases");
  gtk_file_filter_add_pattern (filter, "*.sqlite");
  gtk_file_filter_add_pattern (filter, "*.sqlite3");
  gtk_file_filter_add_pattern (filter, "*.db");
  gtk_file_filter_add_mime_type (filter, "application/vnd.sqlite3");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_filter_set_name (any, "All Files");
  gtk_file_filter_add_pattern (any, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), any);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response_cb), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  tally_viewer_window_open_path (TALLY_VIEWER_WINDOW (widget), g_variant_get_string (param, NULL), NULL);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  TallyViewerWindow *self = TALLY_VIEWER_WINDOW (widget);

  if (self->path != NULL && !tally_viewer_document_is_open (self->document))
    {
      g_autofree char *path = g_strdup (self->path);

      tally_viewer_window_open_path (self, path, NULL);
      return;
    }
  tally_viewer_document_reload (self->document);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  tally_viewer_filter_bar_focus_search (TALLY_VIEWER_WINDOW (widget)->filter_bar);
}

static void
toggle_sidebar_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  AdwFlap *flap = TALLY_VIEWER_WINDOW (widget)->flap;

  adw_flap_set_reveal_flap (flap, !adw_flap_get_reveal_flap (flap));
}

static void
select_failure (TallyViewerWindow *self,
                int                step)
{
  const char *why = NULL;

  if (!tally_viewer_results_view_select_failure (self->results_view, step, FALSE, &why) && why != NULL)
    toast (self, why);
}

static void
next_failure_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  select_failure (TALLY_VIEWER_WINDOW (widget), 1);
}

static void
previous_failure_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  select_failure (TALLY_VIEWER_WINDOW (widget), -1);
}

static gboolean
on_drop_target_drop_cb (TallyViewerWindow *self,
                        const GValue      *value,
                        double             x,
                        double             y,
                        GtkDropTarget     *target)
{
  GSList *files;
  g_autofree char *path = NULL;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  path = g_file_get_path (files->data);
  if (path == NULL)
    return FALSE;

  tally_viewer_window_open_path (self, path, NULL);
  return TRUE;
}

/* --- public ------------------------------------------------------------ */

TallyViewerWindow *
tally_viewer_window_new (GtkApplication *application)
{
  return g_object_new (TALLY_VIEWER_TYPE_WINDOW, "application", application, NULL);
}

const char *
tally_viewer_window_get_path (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->path;
}

const char *
tally_viewer_window_get_page (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->main_stack);
}

const char *
tally_viewer_window_get_error_text (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->error_text;
}

gint64
tally_viewer_window_get_run_id (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), 0);
  return tally_viewer_document_get_run_id (self->document);
}

gboolean
tally_viewer_window_is_loading (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);
  return tally_viewer_document_is_busy (self->document);
}

gboolean
tally_viewer_window_select_position (TallyViewerWindow *self,
                                     guint              position)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);
  return tally_viewer_results_view_select_position (self->results_view, position);
}

gboolean
tally_viewer_window_select_first_failure (TallyViewerWindow *self)
{
  const char *why = NULL;

  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);

  if (tally_viewer_results_view_select_failure (self->results_view, 1, TRUE, &why))
    return TRUE;
  if (why != NULL)
    toast (self, why);
  return FALSE;
}

TallyViewerDocument *
tally_viewer_window_get_document (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->document;
}

TallyViewerFilterBar *
tally_viewer_window_get_filter_bar (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->filter_bar;
}

GListModel *
tally_viewer_window_get_results (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (tally_viewer_document_get_results (self->document));
}

GtkSelectionModel *
tally_viewer_window_get_selection (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return tally_viewer_results_view_get_selection (self->results_view);
}

TallyViewerDetail *
tally_viewer_window_get_detail (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->detail;
}

TallyViewerRunner *
tally_viewer_window_get_runner (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->runner;
}

GPtrArray *
tally_viewer_window_dup_shown (TallyViewerWindow *self)
{
  GListModel *results = tally_viewer_window_get_results (self);
  GPtrArray *shown = g_ptr_array_new_with_free_func (g_free);
  guint n = g_list_model_get_n_items (results);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyViewerResult) result = g_list_model_get_item (results, i);
      const TallyResultRow *row = tally_viewer_result_get_row (result);

      g_ptr_array_add (shown, row ? g_strdup_printf ("%s::%s", row->program, row->path) : g_strdup ("?"));
    }
  return shown;
}

const char *
tally_viewer_window_get_last_toast (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->last_toast;
}

const char *
tally_viewer_window_get_last_tests (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->last_tests;
}

/* Stops a run this window started (its runner would write on with no
 * one watching), closes the database and empties the views. */
void
tally_viewer_window_release_views (TallyViewerWindow *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_WINDOW (self));

  if (self->runner != NULL)
    tally_viewer_runner_stop (self->runner);
  tally_viewer_detail_set_result (self->detail, NULL, 0, NULL);
  tally_viewer_document_close (self->document);
  tally_viewer_results_view_release_views (self->results_view);
  tally_viewer_runs_sidebar_release_views (self->runs_sidebar);
  tally_viewer_detail_release_views (self->detail);
}

static gboolean
tally_viewer_window_close_request (GtkWindow *window)
{
  tally_viewer_window_release_views (TALLY_VIEWER_WINDOW (window));
  return GTK_WINDOW_CLASS (tally_viewer_window_parent_class)->close_request (window);
}

/* --- GObject ----------------------------------------------------------- */

static void
tally_viewer_window_dispose (GObject *object)
{
  TallyViewerWindow *self = (TallyViewerWindow *) object;

  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  g_clear_object (&self->runner);
  remove_tests_file (self);
  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      tally_viewer_document_close (self->document);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_WINDOW);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (tally_viewer_window_parent_class)->dispose (object);
}

static void
tally_viewer_window_finalize (GObject *object)
{
  TallyViewerWindow *self = (TallyViewerWindow *) object;

  g_free (self->path);
  g_free (self->last_tests);
  g_free (self->error_text);
  g_free (self->last_toast);

  G_OBJECT_CLASS (tally_viewer_window_parent_class)->finalize (object);
}

static void
tally_viewer_window_class_init (TallyViewerWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_viewer_window_dispose;
  object_class->finalize = tally_viewer_window_finalize;

  GTK_WINDOW_CLASS (klass)->close_request = tally_viewer_window_close_request;

  g_type_ensure (TALLY_VIEWER_TYPE_DETAIL);
  g_type_ensure (TALLY_VIEWER_TYPE_FILTER_BAR);
  g_type_ensure (TALLY_VIEWER_TYPE_RESULTS_VIEW);
  g_type_ensure (TALLY_VIEWER_TYPE_RUNS_SIDEBAR);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, detail);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, recent_menu);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, rerun_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, results_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, runs_sidebar);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, stop_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, window_title);
  gtk_widget_class_bind_template_callback (widget_class, on_results_view_focus_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL, toggle_sidebar_action);
  gtk_widget_class_install_action (widget_class, "win.next-failure", NULL, next_failure_action);
  gtk_widget_class_install_action (widget_class, "win.previous-failure", NULL, previous_failure_action);
  gtk_widget_class_install_action (widget_class, "win.rerun-failed", NULL, rerun_failed_action);
  gtk_widget_class_install_action (widget_class, "win.rerun-selected", NULL, rerun_selected_action);
  gtk_widget_class_install_action (widget_class, "win.rerun-serial", NULL, rerun_serial_action);
  gtk_widget_class_install_action (widget_class, "win.run-markers", NULL, run_markers_action);
  gtk_widget_class_install_action (widget_class, "win.run-marker-expression", "s", run_marker_expression_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-sidebar", NULL);
  /* F8 / Shift+F8: a capture-phase controller in the template. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.next-failure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.previous-failure", NULL);
}

static void
tally_viewer_window_init (TallyViewerWindow *self)
{
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->document = tally_viewer_document_new ();
  g_signal_connect_object (self->document, "problem", G_CALLBACK (on_document_problem_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "store-changed", G_CALLBACK (on_document_store_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "runs-changed", G_CALLBACK (on_document_runs_changed_cb), self,
                           G_CONNECT_SWAPPED);
  tally_viewer_runs_sidebar_set_document (self->runs_sidebar, self->document);
  tally_viewer_filter_bar_set_document (self->filter_bar, self->document);
  tally_viewer_results_view_set_document (self->results_view, self->document);
  tally_viewer_filter_bar_set_key_capture_widget (self->filter_bar, GTK_WIDGET (self));

  self->runner = tally_viewer_runner_new ();
  g_signal_connect_swapped (self->runner, "started", G_CALLBACK (on_runner_started_cb), self);
  g_signal_connect_swapped (self->runner, "progress", G_CALLBACK (on_runner_progress_cb), self);
  g_signal_connect_swapped (self->runner, "finished", G_CALLBACK (on_runner_finished_cb), self);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_swapped (drop_target, "drop", G_CALLBACK (on_drop_target_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  set_running (self, FALSE);
  rebuild_recent_menu (self);
  set_page (self, "welcome");
}
