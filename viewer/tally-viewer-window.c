/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <tally.h>

#include "tally-viewer-compare-page.h"
#include "tally-viewer-flaky-page.h"
#include "tally-viewer-history-page.h"
#include "tally-viewer-preferences.h"
#include "tally-viewer-recent.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-runs-sidebar.h"
#include "tally-viewer-util.h"
#include "tally-viewer-window-internal.h"

G_DEFINE_FINAL_TYPE (TallyViewerWindow, tally_viewer_window, ADW_TYPE_APPLICATION_WINDOW)

void
tally_viewer_window_toast (TallyViewerWindow *self,
                           const char        *text)
{
  AdwToast *t = adw_toast_new (text);

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
on_detail_problem_cb (TallyViewerWindow *self,
                      const char        *message,
                      TallyViewerDetail *detail)
{
  tally_viewer_window_toast (self, message);
}

static void
on_document_problem_cb (TallyViewerWindow   *self,
                        const char          *message,
                        TallyViewerDocument *document)
{
  tally_viewer_window_toast (self, message);
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
  g_free (self->focused_program);
  g_free (self->focused_path);
  self->focused_program = row ? g_strdup (row->program) : NULL;
  self->focused_path = row ? g_strdup (row->path) : NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.history", row != NULL);
  tally_viewer_detail_set_result (self->detail, tally_viewer_document_get_store (self->document),
                                  tally_viewer_document_get_run_id (self->document), row);
}

/* --- pages ------------------------------------------------------------- */

/* Run actions and the sidebar only make sense with a run shown. */
static void
set_page (TallyViewerWindow *self,
          const char        *page)
{
  gboolean results = g_strcmp0 (page, "results") == 0;
  gboolean runs = results || g_strcmp0 (page, "compare") == 0 || g_strcmp0 (page, "history") == 0
                  || g_strcmp0 (page, "flaky") == 0;

  gtk_stack_set_visible_child_name (self->main_stack, page);
  /* A page left reads nothing more: its read is dropped, and showing
   * it again reads anew. */
  if (self->compare_page != NULL && g_strcmp0 (page, "compare") != 0)
    tally_viewer_compare_page_cancel (self->compare_page);
  if (self->history_page != NULL && g_strcmp0 (page, "history") != 0)
    tally_viewer_history_page_cancel (self->history_page);
  if (self->flaky_page != NULL && g_strcmp0 (page, "flaky") != 0)
    tally_viewer_flaky_page_cancel (self->flaky_page);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.compare", runs);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.flaky", runs);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-results", runs);
  gtk_widget_set_visible (GTK_WIDGET (self->rerun_button), results);
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), results);
  if (self->runner != NULL)
    tally_viewer_window_update_run_actions (self);
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

/* --- opening ----------------------------------------------------------- */

/* The window names the database: its file name, then its folder. */
static void
set_title (TallyViewerWindow *self,
           const char        *display)
{
  g_autofree char *name = g_path_get_basename (display);
  g_autofree char *dir = g_path_get_dirname (display);
  g_autofree char *title = g_strdup_printf ("%s — Tally", name);

  adw_window_title_set_title (self->window_title, name);
  adw_window_title_set_subtitle (self->window_title, dir);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static gboolean
on_recent_idle_cb (gpointer data)
{
  TallyViewerWindow *self = data;

  self->recent_source = 0;
  if (self->path != NULL && tally_viewer_document_is_open (self->document))
    tally_viewer_recent_add (self->path);
  tally_viewer_recent_fill_menu (self->recent_menu);
  return G_SOURCE_REMOVE;
}

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
  set_title (self, display);

  if (!g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      g_set_error (&local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "%s does not exist. Run tally run to create a results database.", display);
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

  set_page (self, "results");
  on_document_runs_changed_cb (self);
  runs = tally_viewer_document_get_runs (self->document);
  newest = g_list_model_get_n_items (runs) > 0 ? g_list_model_get_item (runs, 0) : NULL;
  tally_viewer_document_load_run (self->document, newest ? tally_viewer_run_item_get_row (newest)->id : 0);
  /* The recent files (GtkRecentManager reads and writes its file) once
   * the run is shown and painted: they are not needed before. */
  if (self->recent_source == 0)
    self->recent_source = g_idle_add_full (G_PRIORITY_LOW, on_recent_idle_cb, self, NULL);
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

/* --- pages: compare, flaky, history ------------------------------------ */

static void
show_results_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  set_page (TALLY_VIEWER_WINDOW (widget), "results");
}

static void
compare_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  tally_viewer_window_show_page (TALLY_VIEWER_WINDOW (widget), "compare");
}

static void
flaky_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  tally_viewer_window_show_page (TALLY_VIEWER_WINDOW (widget), "flaky");
}

static void
history_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  tally_viewer_window_show_page (TALLY_VIEWER_WINDOW (widget), "history");
}

static void
on_page_test_activated_cb (TallyViewerWindow *self,
                            const char        *program,
                            const char        *path)
{
  tally_viewer_history_page_show_test (self->history_page, program, path);
  set_page (self, "history");
}

/* An outcome on the history page opens its run, with the same test. */
static void
on_history_run_activated_cb (TallyViewerWindow *self,
                             gint64             run_id)
{
  /* The test of the history is the one to select in that run. */
  g_free (self->focused_program);
  g_free (self->focused_path);
  self->focused_program = g_strdup (tally_viewer_history_page_get_program (self->history_page));
  self->focused_path = g_strdup (tally_viewer_history_page_get_path (self->history_page));
  set_page (self, "results");
  tally_viewer_window_select_run (self, run_id);
}

gboolean
tally_viewer_window_show_page (TallyViewerWindow *self,
                               const char        *page)
{
  gint64 run_id = tally_viewer_document_get_run_id (self->document);

  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), FALSE);

  if (run_id == 0)
    return FALSE;
  if (g_strcmp0 (page, "compare") == 0)
    tally_viewer_compare_page_show_runs (self->compare_page, 0, run_id);
  else if (g_strcmp0 (page, "flaky") == 0)
    tally_viewer_flaky_page_refresh (self->flaky_page);
  else if (g_strcmp0 (page, "history") == 0 && self->focused_path != NULL)
    tally_viewer_history_page_show_test (self->history_page, self->focused_program, self->focused_path);
  else if (g_strcmp0 (page, "results") != 0)
    return FALSE;
  set_page (self, page);
  return TRUE;
}

/* --- other actions ----------------------------------------------------- */

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  gtk_window_present (GTK_WINDOW (tally_viewer_preferences_new (GTK_WINDOW (widget))));
}

static void
open_chosen (GtkWindow  *window,
             const char *path)
{
  tally_viewer_window_open_path (TALLY_VIEWER_WINDOW (window), path, NULL);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  tally_viewer_choose_database (GTK_WINDOW (widget), open_chosen);
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
    tally_viewer_window_toast (self, why);
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
  return tally_viewer_document_is_busy (self->document) || tally_viewer_flaky_page_is_busy (self->flaky_page)
         || tally_viewer_compare_page_is_busy (self->compare_page)
         || tally_viewer_history_page_is_busy (self->history_page);
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
    tally_viewer_window_toast (self, why);
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

TallyViewerResultsView *
tally_viewer_window_get_results_view (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->results_view;
}

GtkWidget *
tally_viewer_window_get_page_widget (TallyViewerWindow *self,
                                     const char        *name)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return gtk_stack_get_child_by_name (self->main_stack, name);
}

AdwFlap *
tally_viewer_window_get_flap (TallyViewerWindow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_WINDOW (self), NULL);
  return self->flap;
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
  tally_viewer_window_remove_tests_file (self);
  g_clear_handle_id (&self->recent_source, g_source_remove);
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
  g_free (self->focused_program);
  g_free (self->focused_path);
  g_free (self->keep_program);
  g_free (self->keep_path);

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
  gtk_widget_class_bind_template_child (widget_class, TallyViewerWindow, rerun_icon_button);
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
  tally_viewer_window_class_add_run_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "win.show-results", NULL, show_results_action);
  gtk_widget_class_install_action (widget_class, "win.compare", NULL, compare_action);
  gtk_widget_class_install_action (widget_class, "win.flaky", NULL, flaky_action);
  gtk_widget_class_install_action (widget_class, "win.history", NULL, history_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.show-results", NULL);
  /* F8 / Shift+F8: a capture-phase controller in the template. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.next-failure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.previous-failure", NULL);
}

/* A folded sidebar covers the results: it closes once a run is chosen.
 * The test in the detail is selected again in the run chosen. */
static void
on_document_run_id_cb (TallyViewerWindow *self)
{
  gint64 run_id = tally_viewer_document_get_run_id (self->document);
  const TallyRunRow *run = tally_viewer_document_get_run (self->document);

  if (adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, FALSE);
  /* The detail's directory for locations, from the listed run. */
  if (run != NULL)
    tally_viewer_detail_set_run_dir (self->detail, tally_viewer_document_get_path (self->document), run->id,
                                     run->cwd);
  /* The comparison shown follows the run (the one being read is
   * dropped); none is left for no run. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "compare") == 0 && run_id != 0)
    tally_viewer_compare_page_show_runs (self->compare_page, 0, run_id);
  else
    tally_viewer_compare_page_cancel (self->compare_page);
  if (self->focused_path != NULL)
    {
      g_free (self->keep_program);
      g_free (self->keep_path);
      self->keep_program = g_strdup (self->focused_program);
      self->keep_path = g_strdup (self->focused_path);
    }
}

static void
on_document_run_loaded_cb (TallyViewerWindow *self)
{
  TallyStore *store = tally_viewer_document_get_store (self->document);
  g_autofree char *program = g_steal_pointer (&self->keep_program);
  g_autofree char *path = g_steal_pointer (&self->keep_path);
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(GArray) test_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) ids = NULL;
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;
  guint position;

  if (path == NULL || store == NULL)
    return;
  tests = tally_store_find_tests (store, program, path, NULL);
  if (tests == NULL || tests->len == 0)
    return;
  g_array_append_val (test_ids, ((TallyTestRow *) g_ptr_array_index (tests, 0))->id);
  query.test_ids = test_ids;
  ids = tally_store_query_result_ids (store, tally_viewer_document_get_run_id (self->document), &query, NULL);
  if (ids == NULL || ids->len == 0)
    return;
  position = tally_viewer_result_list_find (tally_viewer_document_get_results (self->document),
                                            g_array_index (ids, gint64, 0));
  if (position != GTK_INVALID_LIST_POSITION)
    tally_viewer_results_view_select_position (self->results_view, position);
}

static void
add_pages (TallyViewerWindow *self)
{
  self->compare_page = TALLY_VIEWER_COMPARE_PAGE (tally_viewer_compare_page_new (self->document));
  self->flaky_page = TALLY_VIEWER_FLAKY_PAGE (tally_viewer_flaky_page_new (self->document));
  self->history_page = TALLY_VIEWER_HISTORY_PAGE (tally_viewer_history_page_new (self->document));
  gtk_stack_add_named (self->main_stack, GTK_WIDGET (self->compare_page), "compare");
  gtk_stack_add_named (self->main_stack, GTK_WIDGET (self->flaky_page), "flaky");
  gtk_stack_add_named (self->main_stack, GTK_WIDGET (self->history_page), "history");
  g_signal_connect_object (self->flaky_page, "test-activated", G_CALLBACK (on_page_test_activated_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->compare_page, "test-activated", G_CALLBACK (on_page_test_activated_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->history_page, "run-activated", G_CALLBACK (on_history_run_activated_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.history", FALSE);
}

static void
tally_viewer_window_init (TallyViewerWindow *self)
{
  GtkDropTarget *drop_target;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The narrow window's icon-only rerun button: AdwSplitButton 1.2 names
   * its group, not the button a screen reader lands on. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_first_child (GTK_WIDGET (self->rerun_icon_button))),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "Rerun Failed", -1);

  self->document = tally_viewer_document_new ();
  g_signal_connect_object (self->document, "problem", G_CALLBACK (on_document_problem_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "store-changed", G_CALLBACK (on_document_store_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "runs-changed", G_CALLBACK (on_document_runs_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::run-id", G_CALLBACK (on_document_run_id_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "run-loaded", G_CALLBACK (on_document_run_loaded_cb), self,
                           G_CONNECT_SWAPPED);
  /* A location that could not be opened, a file that could not be saved. */
  g_signal_connect_object (self->detail, "problem", G_CALLBACK (on_detail_problem_cb), self,
                           G_CONNECT_SWAPPED);
  tally_viewer_runs_sidebar_set_document (self->runs_sidebar, self->document);
  tally_viewer_filter_bar_set_document (self->filter_bar, self->document);
  tally_viewer_results_view_set_document (self->results_view, self->document);
  tally_viewer_filter_bar_set_key_capture_widget (self->filter_bar, GTK_WIDGET (self));
  add_pages (self);

  tally_viewer_window_init_runner (self);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_swapped (drop_target, "drop", G_CALLBACK (on_drop_target_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  tally_viewer_recent_fill_menu (self->recent_menu);
  set_page (self, "welcome");
}
