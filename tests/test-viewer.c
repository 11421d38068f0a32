/* test-viewer.c — tally-viewer's widgets, driven through actions and signals
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs under Xvfb (see viewer/meson.build); without a display every test
 * skips, saying so, except under CI (CI=true), where it fails. Each test builds its database by running the real
 * `tally run` on the sample programs of tests/samples.
 */
#define G_LOG_DOMAIN "Tally-Test"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <tally.h>

#include "tally-markers-private.h"
#include "tally-store-private.h"
#include "tally-viewer-detail-private.h"
#include "tally-viewer-log-list.h"
#include "tally-viewer-result-list.h"
#include "tally-viewer-results-tree.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-runner.h"
#include "tally-viewer-window-private.h"

#define MARKS "leaks=ignore timeout=120"

static gboolean have_display;

static void
require_display (TallyTest *t)
{
  if (have_display)
    return;
  /* CI must not pass by skipping every test that matters. */
  if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
    tally_test_fail (t, "no display under CI=true: run under xvfb-run (GTK cannot start)");
  tally_test_skip (t, "no display: run under xvfb-run (GTK cannot start)");
}

static char *
build_path (const char *relative)
{
  const char *builddir = g_getenv ("TALLY_BUILDDIR");

  return g_build_filename (builddir ? builddir : ".", relative, NULL);
}

/* Runs `tally run --db DB ARGS…` to completion; returns its exit status. */
static int
run_tally (TallyTest          *t,
           const char         *db,
           const char * const *envp_extra,
           const char         *first_arg,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int status = -1;
  va_list ap;

  g_ptr_array_add (argv, build_path ("runner/tally"));
  g_ptr_array_add (argv, g_strdup ("run"));
  g_ptr_array_add (argv, g_strdup ("-q"));
  g_ptr_array_add (argv, g_strdup ("--db"));
  g_ptr_array_add (argv, g_strdup (db));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_str_has_prefix (arg, "@") ? build_path (arg + 1) : g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  for (guint i = 0; envp_extra != NULL && envp_extra[i] != NULL; i += 2)
    envp = g_environ_setenv (envp, envp_extra[i], envp_extra[i + 1], TRUE);
  envp = g_environ_setenv (envp, "TALLY_SAMPLE_DIR", tally_test_get_tmpdir (t), TRUE);

  g_spawn_sync (tally_test_get_tmpdir (t), (char **) argv->pdata, envp, G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  tally_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

static char *
tmp_db (TallyTest *t)
{
  return g_build_filename (tally_test_get_tmpdir (t), "results.sqlite", NULL);
}

/* --- spinning GTK's context from the test's ------------------------------ */

typedef gboolean (*Check) (gpointer data);

typedef struct
{
  Check check;
  gpointer data;
  gint64 until;                 /* 0, or a monotonic time to wait for */
} Spin;

/* GTK works on the global default context; the test runs on its own:
 * iterate GTK's while the test's context is polled. */
static gboolean
spin_cb (gpointer data)
{
  Spin *spin = data;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (spin->until != 0)
    return g_get_monotonic_time () >= spin->until;
  return spin->check (spin->data);
}

static void
wait_for (TallyTest *t,
          Check      check,
          gpointer   data)
{
  Spin spin = { check, data, 0 };

  tally_test_wait_until (t, spin_cb, &spin);
}

static void
settle (TallyTest *t,
        guint      ms)
{
  Spin spin = { NULL, NULL, g_get_monotonic_time () + ms * 1000 };

  tally_test_wait_until (t, spin_cb, &spin);
}

/* Small enough to stay clear of Xvfb's pointer (the screen's centre):
 * a hovered widget starts tooltip timers that outlive a test. */
static TallyViewerWindow *
new_window (void)
{
  TallyViewerWindow *window = tally_viewer_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 700, 440);
  return window;
}

/* Destroys the window in the test's body and lets GTK remove its own
 * sources: the harness destroys what a test leaves on the global
 * context, and GTK would later remove them again. */
static void
close_window (TallyTest         *t,
              TallyViewerWindow *window)
{
  tally_viewer_window_release_views (window);
  settle (t, 30);
  gtk_window_destroy (GTK_WINDOW (window));
  settle (t, 100);
}

static gboolean
loaded (gpointer data)
{
  return !tally_viewer_window_is_loading (data);
}

static GtkEditable *
search_entry (TallyViewerWindow *window)
{
  return tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window));
}

static GtkEditable *
marker_entry (TallyViewerWindow *window)
{
  return tally_viewer_filter_bar_get_marker_entry (tally_viewer_window_get_filter_bar (window));
}

/* As a click on an outcome toggle (the action "filter.show-…") does. */
static void
show_outcomes (TallyViewerWindow *window,
               const char        *property,
               gboolean           shown)
{
  TallyViewerFilterBar *bar = tally_viewer_window_get_filter_bar (window);
  gboolean now = FALSE;

  g_object_get (bar, property, &now, NULL);
  if (now != shown)
    {
      g_autofree char *action = g_strconcat ("filter.", property, NULL);

      tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (bar), action, NULL));
    }
  g_object_get (bar, property, &now, NULL);
  tally_assert_true (now == shown);
}

static TallyViewerWindow *
open_window (TallyTest  *t,
             const char *db)
{
  TallyViewerWindow *window = new_window ();
  g_autoptr(GError) error = NULL;

  gtk_window_present (GTK_WINDOW (window));
  tally_assert_true (tally_viewer_window_open_path (window, db, &error));
  tally_assert_no_error (error);
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "results");
  /* The run's results load on a thread. */
  wait_for (t, loaded, window);
  tally_assert_false (tally_viewer_window_is_loading (window));
  settle (t, 50);
  return window;
}

/* --- what the table should show, computed from the store directly -------- */

typedef gboolean (*RowFilter) (const TallyResultRow *row, gconstpointer data);

static GPtrArray *
expected_rows (const char    *db,
               gint64         run_id,
               RowFilter      filter,
               gconstpointer  data)
{
  g_autoptr(TallyStore) store = tally_store_open_readonly (db, NULL);
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);

  tally_assert_nonnull (store);
  rows = tally_store_query_results (store, run_id, NULL, 0, G_MAXINT, NULL);
  tally_assert_nonnull (rows);
  for (guint i = 0; i < rows->len; i++)
    {
      const TallyResultRow *row = g_ptr_array_index (rows, i);

      if (filter == NULL || filter (row, data))
        g_ptr_array_add (keys, g_strdup_printf ("%s::%s", row->program, row->path));
    }
  return keys;
}

static int
compare_str (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
assert_same_set (GPtrArray *shown,
                 GPtrArray *expected)
{
  g_ptr_array_sort (shown, compare_str);
  g_ptr_array_sort (expected, compare_str);
  tally_assert_cmpuint (shown->len, ==, expected->len);
  for (guint i = 0; i < shown->len; i++)
    tally_assert_cmpstr (g_ptr_array_index (shown, i), ==, g_ptr_array_index (expected, i));
}

static gboolean
row_is_failure (const TallyResultRow *row,
                gconstpointer         data)
{
  return tally_outcome_is_failure (row->outcome);
}

static gboolean
row_is_failure_or_passed (const TallyResultRow *row,
                          gconstpointer         data)
{
  return tally_outcome_is_failure (row->outcome) || row->outcome == TALLY_OUTCOME_PASSED;
}

static gboolean
row_message_has (const TallyResultRow *row,
                 gconstpointer         data)
{
  g_autofree char *hay = g_strdup_printf ("%s %s %s", row->program, row->path,
                                          row->message ? row->message : "");

  return strstr (hay, data) != NULL;
}

static gboolean
row_has_marker (const TallyResultRow *row,
                gconstpointer         data)
{
  g_autoptr(TallyMarkers) markers = tally_markers_parse (row->markers, NULL);

  return markers != NULL && tally_markers_has (markers, data);
}

static gboolean
row_failed_without_xfail (const TallyResultRow *row,
                          gconstpointer         data)
{
  return row_is_failure (row, NULL) && !row_has_marker (row, "xfail");
}

static void
search (TallyViewerWindow *window,
        const char        *text)
{
  GtkEditable *entry = search_entry (window);

  gtk_editable_set_text (entry, text);
  /* As the entry does after its typing delay. */
  g_signal_emit_by_name (entry, "search-changed");
}

static void
test_filters (TallyTest     *t,
              gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "c,e", NULL };
  TallyViewerWindow *window;
  gint64 run_id;

  require_display (t);
  run_tally (t, db, env, "@tests/samples/sample-outcomes", "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  run_id = tally_viewer_window_get_run_id (window);
  tally_assert_cmpint (run_id, >, 0);

  /* Everything, then each filter alone, then combined. */
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, run_id, NULL, NULL);
    tally_assert_cmpuint (expected->len, >=, 20);
    assert_same_set (shown, expected);
  }

  show_outcomes (window, "show-failed", TRUE);
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, run_id, row_is_failure, NULL);
    tally_assert_cmpuint (expected->len, >=, 3);
    assert_same_set (shown, expected);
  }

  show_outcomes (window, "show-passed", TRUE);
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, run_id, row_is_failure_or_passed, NULL);
    assert_same_set (shown, expected);
  }
  show_outcomes (window, "show-passed", FALSE);

  /* Marker expression, combined with the outcome toggle. */
  gtk_editable_set_text (marker_entry (window), "not xfail");
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, run_id, row_failed_without_xfail, NULL);
    assert_same_set (shown, expected);
  }

  /* A malformed expression marks the entry and keeps the last filter. */
  gtk_editable_set_text (marker_entry (window), "not (xfail");
  tally_assert_true (gtk_widget_has_css_class (GTK_WIDGET (marker_entry (window)), "error"));

  show_outcomes (window, "show-failed", FALSE);
  gtk_editable_set_text (marker_entry (window), "xfail");
  tally_assert_false (gtk_widget_has_css_class (GTK_WIDGET (marker_entry (window)), "error"));
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, run_id, row_has_marker, "xfail");
    tally_assert_cmpuint (expected->len, ==, 2);
    assert_same_set (shown, expected);
  }
  gtk_editable_set_text (marker_entry (window), "");

  /* Text: test paths and failure messages. */
  search (window, "told to fail");
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, run_id, row_message_has, "told to fail");
    tally_assert_cmpuint (expected->len, ==, 2);
    assert_same_set (shown, expected);
  }
  search (window, "/outcomes/leak");
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, run_id, row_message_has, "/outcomes/leak");
    tally_assert_cmpuint (expected->len, ==, 3);
    assert_same_set (shown, expected);
  }
  search (window, "no test is called this");
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 0);
  close_window (t, window);
}

static guint
position_of (GListModel *results,
             const char *path)
{
  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(TallyViewerResult) r = g_list_model_get_item (results, i);
      const TallyResultRow *row = tally_viewer_result_get_row (r);

      if (row != NULL && strcmp (row->path, path) == 0)
        return i;
    }
  return G_MAXUINT;
}

/* The inscriptions on screen whose text starts with @prefix. */
static void
collect_cells (GtkWidget  *widget,
               const char *prefix,
               GPtrArray  *cells)
{
  if (GTK_IS_INSCRIPTION (widget))
    {
      const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (widget));

      if (text != NULL && g_str_has_prefix (text, prefix))
        g_ptr_array_add (cells, g_object_ref (widget));
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_cells (child, prefix, cells);
}

static GPtrArray *
cells_with_prefix (TallyViewerWindow *window,
                   const char        *prefix)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_object_unref);

  collect_cells (GTK_WIDGET (window), prefix, cells);
  return cells;
}

/* What the rows on screen should show once GTK has laid them out. */
typedef struct
{
  TallyViewerWindow *window;
  const char *prefix;     /* cells whose text starts so */
  const char *want;       /* …each containing this, if set */
  guint min, max;         /* …how many */
  gint64 deadline;
} CellsShown;

static gboolean
cells_shown_or_late (gpointer data)
{
  CellsShown *c = data;
  g_autoptr(GPtrArray) cells = cells_with_prefix (c->window, c->prefix);

  if (g_get_monotonic_time () > c->deadline)
    return TRUE;
  if (cells->len < c->min || cells->len > c->max)
    return FALSE;
  for (guint i = 0; c->want != NULL && i < cells->len; i++)
    if (strstr (gtk_inscription_get_text (cells->pdata[i]), c->want) == NULL)
      return FALSE;
  return TRUE;
}

/* Waits (up to 10 s: a loaded Xvfb lays out late) until @min to @max
 * cells starting with @prefix show, each containing @want; the caller
 * then asserts what it needs. */
static void
wait_for_cells (TallyTest         *t,
                TallyViewerWindow *window,
                const char        *prefix,
                const char        *want,
                guint              min,
                guint              max)
{
  CellsShown c = { window, prefix, want, min, max, g_get_monotonic_time () + 10 * G_USEC_PER_SEC };

  wait_for (t, cells_shown_or_late, &c);
}

static gboolean
inscription_has_text (gconstpointer cell,
                      gconstpointer text)
{
  return g_strcmp0 (gtk_inscription_get_text ((GtkInscription *) cell), text) == 0;
}

static gboolean
path_is (const TallyResultRow *row,
         gconstpointer         data)
{
  return strcmp (row->path, data) == 0;
}

typedef struct
{
  char *text;
  gboolean done;
} ClipboardRead;

static void
on_clipboard_read_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  ClipboardRead *read = data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

/* Activates @action on the detail pane and returns what it put on the
 * clipboard. */
static char *
copy_from_detail (TallyTest         *t,
                  TallyViewerDetail *detail,
                  const char        *action)
{
  ClipboardRead read = { NULL, FALSE };

  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), action, NULL));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (detail)), NULL,
                                 on_clipboard_read_cb, &read);
  wait_for (t, clipboard_read_done, &read);
  return read.text;
}

static void
test_detail (TallyTest     *t,
             gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerDetail *detail;
  GListModel *logs;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  guint position = G_MAXUINT;
  GListModel *results;

  require_display (t);
  run_tally (t, db, NULL, "@tests/samples/sample-chatty", "@tests/samples/sample-outcomes", NULL);
  window = open_window (t, db);
  results = tally_viewer_window_get_results (window);

  search (window, "/chatty/042");
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  tally_assert_true (tally_viewer_window_select_position (window, 0));
  detail = tally_viewer_window_get_detail (window);
  tally_assert_cmpint (tally_viewer_detail_get_result_id (detail), ==,
                       tally_viewer_result_list_get_id_at (TALLY_VIEWER_RESULT_LIST (results), 0));

  /* The log table: each of the 20 records, in order, of this test only. */
  logs = tally_viewer_detail_get_log_model (detail);
  tally_assert_cmpuint (g_list_model_get_n_items (logs), ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (logs, i);
      const TallyLogRecord *record = tally_viewer_log_item_get_record ((gpointer) item);
      g_autofree char *want = g_strdup_printf ("record %u of /chatty/042", i);

      tally_assert_nonnull (record);
      tally_assert_cmpstr (record->message, ==, want);
    }

  out = tally_viewer_detail_dup_output (detail, TALLY_STREAM_STDOUT);
  tally_assert_nonnull (strstr (out, "stdout 0 of /chatty/042\n"));
  tally_assert_nonnull (strstr (out, "stdout 19 of /chatty/042\n"));
  tally_assert_null (strstr (out, "/chatty/041"));
  err = tally_viewer_detail_dup_output (detail, TALLY_STREAM_STDERR);
  tally_assert_nonnull (strstr (err, "stderr of /chatty/042"));
  tally_assert_cmpuint (tally_viewer_detail_get_n_history (detail), ==, 1);

  /* The level filter: messages are not warnings. */
  tally_viewer_detail_set_max_level (detail, G_LOG_LEVEL_WARNING);
  tally_assert_cmpuint (g_list_model_get_n_items (logs), ==, 0);
  tally_viewer_detail_set_max_level (detail, 0);
  tally_assert_cmpuint (g_list_model_get_n_items (logs), ==, 20);

  /* A failure: message with file:line. */
  search (window, "/outcomes/fail");
  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(TallyViewerResult) r = g_list_model_get_item (results, i);
      if (path_is (tally_viewer_result_get_row (r), "/outcomes/fail"))
        position = i;
    }
  tally_assert_cmpuint (position, !=, G_MAXUINT);
  tally_viewer_window_select_position (window, position);
  tally_assert_nonnull (tally_viewer_detail_get_message (detail));
  tally_assert_nonnull (strstr (tally_viewer_detail_get_message (detail), "left"));
  g_clear_pointer (&out, g_free);
  out = tally_viewer_detail_dup_output (detail, TALLY_STREAM_STDOUT);
  tally_assert_nonnull (strstr (out, "about to fail"));
  tally_assert_cmpuint (g_list_model_get_n_items (logs), ==, 1);

  /* The commands to reproduce it, as `tally show` prints them. */
  {
    g_autofree char *sample = build_path ("tests/samples/sample-outcomes");
    g_autofree char *program = g_canonicalize_filename (sample, NULL);
    g_autofree char *want_rerun = g_strdup_printf ("%s -p /outcomes/fail", program);
    g_autofree char *want_debug = g_strdup_printf ("tally debug %s::/outcomes/fail", program);
    g_autofree char *rerun = copy_from_detail (t, detail, "detail.copy-rerun");
    g_autofree char *debug = copy_from_detail (t, detail, "detail.copy-debug");

    tally_assert_cmpstr (rerun, ==, want_rerun);
    tally_assert_cmpstr (debug, ==, want_debug);
  }

  /* Another test's log rebinds the rows on screen: the same widgets, now
   * each showing one of the new test's records. */
  search (window, "/chatty/04");
  tally_viewer_window_select_position (window, position_of (results, "/chatty/042"));
  wait_for_cells (t, window, "record ", "/chatty/042", 20, 20);
  {
    g_autoptr(GPtrArray) before = cells_with_prefix (window, "record ");
    g_autoptr(GPtrArray) after = NULL;

    tally_assert_cmpuint (before->len, ==, 20);
    tally_viewer_window_select_position (window, position_of (results, "/chatty/041"));
    wait_for_cells (t, window, "record ", "/chatty/041", 20, 20);
    after = cells_with_prefix (window, "record ");
    tally_assert_cmpuint (after->len, ==, 20);
    for (guint i = 0; i < after->len; i++)
      {
        g_autofree char *want = g_strdup_printf ("record %u of /chatty/041", i);

        tally_assert_true (g_ptr_array_find (before, after->pdata[i], NULL));
        tally_assert_true (g_ptr_array_find_with_equal_func (after, want, inscription_has_text, NULL));
      }
  }
  close_window (t, window);
}

/* --- reruns ---------------------------------------------------------------- */

static gboolean
runner_idle (gpointer data)
{
  return !tally_viewer_runner_is_running (tally_viewer_window_get_runner (data));
}

typedef struct
{
  TallyViewerWindow *window;
  gint64 old_run;
} NewRun;

static gboolean
shows_new_run (gpointer data)
{
  NewRun *n = data;

  return runner_idle (n->window) && tally_viewer_window_get_run_id (n->window) != n->old_run
         && !tally_viewer_window_is_loading (n->window);
}

static const char *
outcome_of (GListModel *results,
            const char *path)
{
  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(TallyViewerResult) r = g_list_model_get_item (results, i);
      const TallyResultRow *row = tally_viewer_result_get_row (r);

      if (row != NULL && strcmp (row->path, path) == 0)
        return tally_outcome_to_string (row->outcome);
    }
  return NULL;
}

/* The --tests-from list of the last rerun: exactly @paths (any order),
 * each as "PROGRAM::PATH" with the program as stored. */
static void
assert_tests_list (TallyViewerWindow  *window,
                   const char * const *paths)
{
  const char *list = tally_viewer_window_get_last_tests (window);
  g_auto(GStrv) lines = NULL;
  guint n = g_strv_length ((char **) paths);

  tally_assert_nonnull (list);
  tally_assert_true (g_str_has_suffix (list, "\n"));
  lines = g_strsplit (list, "\n", -1);
  tally_assert_cmpuint (g_strv_length (lines), ==, n + 1);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *want = g_strdup_printf ("sample-history::%s", paths[i]);
      guint found = 0;

      for (guint j = 0; j < n; j++)
        if (g_str_has_suffix (lines[j], want))
          found++;
      tally_assert_cmpuint (found, ==, 1);
    }
}

static void
test_rerun_failed (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "b,c", NULL };
  g_autofree char *runner = build_path ("runner/tally");
  TallyViewerWindow *window;
  GListModel *results;
  NewRun new_run;

  require_display (t);
  run_tally (t, db, env, "-n", "2", "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  results = tally_viewer_window_get_results (window);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 9);
  tally_assert_cmpstr (outcome_of (results, "/history/b"), ==, "failed");
  tally_assert_cmpstr (outcome_of (results, "/history/c"), ==, "failed");
  tally_assert_cmpstr (outcome_of (results, "/history/flaky"), ==, "failed");

  /* The rerun inherits our environment: now only c fails. */
  g_setenv ("TALLY_RUNNER", runner, TRUE);
  g_setenv ("TALLY_SAMPLE_FAIL", "c", TRUE);
  g_setenv ("TALLY_SAMPLE_DIR", tally_test_get_tmpdir (t), TRUE);
  new_run.window = window;
  new_run.old_run = tally_viewer_window_get_run_id (window);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-failed", NULL));
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  assert_tests_list (window, (const char *[]) { "/history/b", "/history/c", "/history/flaky", NULL });
  /* No other run while this one goes: the action is disabled (enabled,
   * it would try and toast that the runner is busy). */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-failed", NULL);
  tally_assert_true (tally_viewer_window_get_last_toast (window) == NULL
                     || strstr (tally_viewer_window_get_last_toast (window), "already") == NULL);
  wait_for (t, shows_new_run, &new_run);
  g_unsetenv ("TALLY_SAMPLE_FAIL");

  /* Exactly the three failed tests ran, with their new outcomes. */
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 3);
  tally_assert_cmpstr (outcome_of (results, "/history/b"), ==, "passed");
  tally_assert_cmpstr (outcome_of (results, "/history/c"), ==, "failed");
  tally_assert_cmpstr (outcome_of (results, "/history/flaky"), ==, "passed");
  tally_assert_nonnull (tally_viewer_window_get_last_toast (window));
  close_window (t, window);
}

static const char *
detail_path (TallyViewerWindow *window)
{
  GListModel *results = tally_viewer_window_get_results (window);
  gint64 id = tally_viewer_detail_get_result_id (tally_viewer_window_get_detail (window));

  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(TallyViewerResult) r = g_list_model_get_item (results, i);

      if (tally_viewer_result_get_id (r) == id)
        return tally_viewer_result_get_row (r)->path;
    }
  return NULL;
}

static guint
n_selected (TallyViewerWindow *window)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (tally_viewer_window_get_selection (window));

  return (guint) gtk_bitset_get_size (selected);
}

static gboolean
is_selected_path (TallyViewerWindow *window,
                  const char        *path)
{
  guint position = position_of (tally_viewer_window_get_results (window), path);

  return position != G_MAXUINT
         && gtk_selection_model_is_selected (tally_viewer_window_get_selection (window), position);
}

/* A run of @n passed tests /many/0000… written through the store: more
 * rows than a list view keeps widgets for (200 in GTK 4.8). */
static void
write_many (const char *db,
            guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (db, &error);
  const char *argv[] = { "tally", "run", "./many", NULL };
  gint64 run_id;

  tally_assert_no_error (error);
  run_id = tally_store_begin_run (store, argv, 1, 0, NULL, &error);
  tally_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("/many/%04u", i);
      TallyResult result;
      gint64 test_id, result_id;

      test_id = tally_store_ensure_test (store, "./many", path, "many.c", 1, NULL, &error);
      tally_assert_no_error (error);
      tally_result_init (&result);
      result.started_at_us = g_get_real_time ();
      result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
      tally_assert_no_error (error);
      result.outcome = TALLY_OUTCOME_PASSED;
      result.duration_us = 10;
      tally_store_finish_result (store, result_id, &result, &error);
      tally_assert_no_error (error);
    }
  tally_store_finish_run (store, run_id, TALLY_RUN_PASSED, &error);
  tally_assert_no_error (error);
}

/* A filter keystroke rebinds the rows on screen instead of building new
 * ones (GTK 4.8 rebuilds rows whose items go away): every path cell shown
 * after it existed before it, and shows a row of the new set. The
 * selection follows results, not positions. */
static void
test_rows_follow_filter (TallyTest     *t,
                         gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GListModel *results;
  GtkSelectionModel *selection;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;

  require_display (t);
  write_many (db, 1000);
  window = open_window (t, db);
  results = tally_viewer_window_get_results (window);
  selection = tally_viewer_window_get_selection (window);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 1000);

  /* /many/0420 selected (without scrolling to it), at position 420 of
   * 1,000, then 0 of 10. */
  gtk_selection_model_select_item (selection, position_of (results, "/many/0420"), TRUE);
  tally_assert_cmpstr (detail_path (window), ==, "/many/0420");
  wait_for_cells (t, window, "/many/", NULL, 10, G_MAXUINT);
  before = cells_with_prefix (window, "/many/");
  tally_assert_cmpuint (before->len, >=, 10);
  /* Rows 420… are far below: no widget shows them yet. */
  for (guint i = 0; i < before->len; i++)
    tally_assert_false (g_str_has_prefix (gtk_inscription_get_text (before->pdata[i]), "/many/042"));

  search (window, "/many/042");
  wait_for_cells (t, window, "/many/", "/many/042", 10, 10);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 10);
  after = cells_with_prefix (window, "/many/");
  tally_assert_cmpuint (after->len, ==, 10);
  for (guint i = 0; i < after->len; i++)
    {
      const char *text = gtk_inscription_get_text (after->pdata[i]);

      tally_assert_true (g_str_has_prefix (text, "/many/042"));
      tally_assert_true (g_ptr_array_find (before, after->pdata[i], NULL));
      for (guint j = 0; j < i; j++)
        tally_assert_cmpstr (gtk_inscription_get_text (after->pdata[j]), !=, text);
    }
  tally_assert_cmpuint (n_selected (window), ==, 1);
  tally_assert_true (is_selected_path (window, "/many/0420"));
  tally_assert_cmpstr (detail_path (window), ==, "/many/0420");

  /* Gone from the list: nothing is selected, and it does not come back. */
  search (window, "/many/05");
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 100);
  tally_assert_cmpuint (n_selected (window), ==, 0);
  search (window, "");
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 1000);
  tally_assert_cmpuint (n_selected (window), ==, 0);

  /* Everything selected, then narrowed: the ten that stay are the
   * selection, wherever the list puts them next. */
  gtk_selection_model_select_all (selection);
  tally_assert_cmpuint (n_selected (window), ==, 1000);
  search (window, "/many/077");
  tally_assert_cmpuint (n_selected (window), ==, 10);
  search (window, "");
  tally_assert_cmpuint (n_selected (window), ==, 10);
  for (guint i = 770; i < 780; i++)
    {
      g_autofree char *path = g_strdup_printf ("/many/%04u", i);

      tally_assert_true (is_selected_path (window, path));
    }
  close_window (t, window);
}

/* Three rows selected (one passed, two failed): the detail follows the
 * row selected last; F8 moves to a failure and selects it alone; Rerun
 * Selected runs exactly the selected tests, and the view shows them. */
static void
test_rerun_selected (TallyTest     *t,
                     gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "b,c", NULL };
  g_autofree char *runner = build_path ("runner/tally");
  TallyViewerWindow *window;
  GtkSelectionModel *selection;
  GListModel *results;
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(GtkBitset) selected = NULL;
  NewRun new_run;

  require_display (t);
  run_tally (t, db, env, "-n", "2", "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  results = tally_viewer_window_get_results (window);
  selection = tally_viewer_window_get_selection (window);
  tally_assert_true (GTK_IS_MULTI_SELECTION (selection));
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 9);

  /* The run opened on its first failure; nothing selected: nothing to run. */
  tally_assert_cmpuint (n_selected (window), ==, 1);
  gtk_selection_model_unselect_all (selection);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-selected", NULL));
  tally_assert_false (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  tally_assert_cmpstr (tally_viewer_window_get_last_toast (window), ==, "Select a test first");

  tally_assert_true (tally_viewer_window_select_position (window, position_of (results, "/history/a")));
  tally_assert_cmpstr (detail_path (window), ==, "/history/a");
  gtk_selection_model_select_item (selection, position_of (results, "/history/c"), FALSE);
  tally_assert_cmpstr (detail_path (window), ==, "/history/c");
  gtk_selection_model_select_item (selection, position_of (results, "/history/b"), FALSE);
  tally_assert_cmpstr (detail_path (window), ==, "/history/b");
  selected = gtk_selection_model_get_selection (selection);
  tally_assert_cmpuint (gtk_bitset_get_size (selected), ==, 3);

  /* Unselecting the focused row hands the detail to another selected one. */
  gtk_selection_model_unselect_item (selection, position_of (results, "/history/b"));
  tally_assert_nonnull (detail_path (window));
  tally_assert_cmpstr (detail_path (window), !=, "/history/b");
  gtk_selection_model_select_item (selection, position_of (results, "/history/b"), FALSE);

  /* Next failure from the focus (b): the next failed row, alone. */
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next-failure", NULL));
  g_clear_pointer (&selected, gtk_bitset_unref);
  selected = gtk_selection_model_get_selection (selection);
  tally_assert_cmpuint (gtk_bitset_get_size (selected), ==, 1);
  tally_assert_cmpstr (detail_path (window), ==, "/history/c");

  /* a (passed) and b (failed) again, then rerun them: now nothing fails. */
  tally_viewer_window_select_position (window, position_of (results, "/history/a"));
  gtk_selection_model_select_item (selection, position_of (results, "/history/b"), FALSE);
  g_setenv ("TALLY_RUNNER", runner, TRUE);
  g_setenv ("TALLY_SAMPLE_FAIL", "c", TRUE);
  g_setenv ("TALLY_SAMPLE_DIR", tally_test_get_tmpdir (t), TRUE);
  new_run.window = window;
  new_run.old_run = tally_viewer_window_get_run_id (window);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-selected", NULL));
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  assert_tests_list (window, (const char *[]) { "/history/a", "/history/b", NULL });
  wait_for (t, shows_new_run, &new_run);
  g_unsetenv ("TALLY_SAMPLE_FAIL");

  /* Exactly a and b ran (not c, not the others), and b passes now. */
  shown = tally_viewer_window_dup_shown (window);
  tally_assert_cmpuint (shown->len, ==, 2);
  tally_assert_cmpstr (outcome_of (results, "/history/a"), ==, "passed");
  tally_assert_cmpstr (outcome_of (results, "/history/b"), ==, "passed");
  tally_assert_null (outcome_of (results, "/history/c"));
  close_window (t, window);
}

static gboolean
runner_progressed (gpointer data)
{
  return tally_viewer_window_get_run_id (data) != 0 && g_list_model_get_n_items (tally_viewer_window_get_results (data)) > 0;
}

static void
test_rerun_stop (TallyTest     *t,
                 gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autofree char *runner = build_path ("runner/tally");
  TallyViewerWindow *window;
  gint64 first_run;

  require_display (t);
  /* Quick to make; its argv (-n 1 --repeat 20) makes the rerun long. */
  run_tally (t, db, NULL, "-n", "1", "--repeat", "20", "-k", "serial/00", "@tests/samples/sample-sched", NULL);
  window = open_window (t, db);
  first_run = tally_viewer_window_get_run_id (window);

  g_setenv ("TALLY_RUNNER", runner, TRUE);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-marker-expression", "s", "not serial"));
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));

  /* Live: the new run shows up with rows while it runs. */
  wait_for (t, runner_progressed, window);
  while (tally_viewer_window_get_run_id (window) == first_run && !runner_idle (window))
    settle (t, 50);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), !=, first_run);
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));

  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL));
  wait_for (t, runner_idle, window);

  {
    g_autoptr(TallyStore) store = tally_store_open_readonly (db, NULL);
    g_autoptr(TallyRunRow) run = tally_store_get_run (store, tally_viewer_window_get_run_id (window), NULL);

    tally_assert_nonnull (run);
    tally_assert_cmpstr (tally_run_status_to_string (run->status), ==, "interrupted");
    /* Stopped well before its 18 × 20 tests of 40 ms on one worker. */
    tally_assert_cmpuint (run->n_results, <, 18 * 20);
  }
  tally_assert_nonnull (strstr (tally_viewer_window_get_last_toast (window), "stopped"));
  close_window (t, window);
}

/* Runs load on a thread: the list is empty while one loads, a newer
 * choice supersedes a load in progress, and going back to the run shown
 * before (whose connection is kept) shows its results again. */
static void
test_switch_runs (TallyTest     *t,
                  gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GListModel *results;
  gint64 first_run, second_run;

  require_display (t);
  run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  run_tally (t, db, NULL, "@tests/samples/sample-outcomes", NULL);
  window = open_window (t, db);
  results = tally_viewer_window_get_results (window);
  second_run = tally_viewer_window_get_run_id (window);
  first_run = second_run - 1;
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, second_run, NULL, NULL);

    assert_same_set (shown, expected);
  }

  /* The first run: nothing selected, no row read, until it is loaded. */
  gtk_selection_model_select_all (tally_viewer_window_get_selection (window));
  tally_assert_true (tally_viewer_window_select_run (window, first_run));
  tally_assert_true (tally_viewer_window_is_loading (window));
  tally_assert_cmpuint (n_selected (window), ==, 0);
  tally_assert_cmpint (tally_viewer_detail_get_result_id (tally_viewer_window_get_detail (window)), ==, 0);
  for (guint i = 0; i < g_list_model_get_n_items (results); i++)
    {
      g_autoptr(TallyViewerResult) r = g_list_model_get_item (results, i);

      tally_assert_null (tally_viewer_result_get_row (r));
    }
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, first_run);
  /* Nothing to rerun from until it is read. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-failed", NULL);
  tally_assert_false (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  tally_assert_cmpstr (tally_viewer_window_get_last_toast (window), ==, "The run is still loading");
  wait_for (t, loaded, window);
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, first_run, NULL, NULL);

    tally_assert_cmpuint (expected->len, ==, 9);
    assert_same_set (shown, expected);
  }

  /* The second, then at once the first again: the first wins. */
  tally_viewer_window_select_run (window, second_run);
  tally_viewer_window_select_run (window, first_run);
  tally_assert_true (tally_viewer_window_is_loading (window));
  wait_for (t, loaded, window);
  settle (t, 100);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, first_run);
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, first_run, NULL, NULL);

    assert_same_set (shown, expected);
  }

  /* And back, with a filter typed meanwhile: applied when it is in. */
  tally_viewer_window_select_run (window, second_run);
  search (window, "/outcomes/fail");
  wait_for (t, loaded, window);
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, second_run, row_message_has, "/outcomes/fail");

    tally_assert_cmpuint (expected->len, >=, 1);
    assert_same_set (shown, expected);
  }
  close_window (t, window);
}

typedef struct
{
  TallyViewerWindow *window;
  guint n;
} ShowsN;

static gboolean
shows_n_results (gpointer data)
{
  ShowsN *w = data;

  return !tally_viewer_window_is_loading (w->window)
         && g_list_model_get_n_items (tally_viewer_window_get_results (w->window)) == w->n;
}

/* Another connection adds a result to the shown run: the window reads
 * the run again on a thread and shows it, keeping the selection, and the
 * detail reads through the new connection. */
static void
test_live_refresh (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GListModel *results;
  TallyViewerDetail *detail;
  ShowsN shows = { NULL, 21 };

  require_display (t);
  write_many (db, 20);
  window = open_window (t, db);
  results = tally_viewer_window_get_results (window);
  detail = tally_viewer_window_get_detail (window);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 20);
  tally_assert_true (tally_viewer_window_select_position (window, position_of (results, "/many/0005")));
  tally_assert_cmpstr (detail_path (window), ==, "/many/0005");

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TallyStore) store = tally_store_open (db, &error);
    gint64 run_id = tally_viewer_window_get_run_id (window);
    gint64 test_id, result_id;
    TallyResult result;

    tally_assert_no_error (error);
    test_id = tally_store_ensure_test (store, "./many", "/many/0020", "many.c", 1, NULL, &error);
    tally_assert_no_error (error);
    tally_result_init (&result);
    result.started_at_us = g_get_real_time ();
    result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
    tally_assert_no_error (error);
    result.outcome = TALLY_OUTCOME_FAILED;
    tally_store_finish_result (store, result_id, &result, &error);
    tally_assert_no_error (error);
    tally_store_commit (store, &error);
    tally_assert_no_error (error);
  }

  shows.window = window;
  wait_for (t, shows_n_results, &shows);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 21);
  tally_assert_cmpstr (outcome_of (results, "/many/0020"), ==, "failed");
  tally_assert_cmpuint (n_selected (window), ==, 1);
  tally_assert_true (is_selected_path (window, "/many/0005"));
  tally_assert_cmpstr (detail_path (window), ==, "/many/0005");
  /* The detail counts records through the connection it now has. */
  tally_viewer_detail_set_max_level (detail, G_LOG_LEVEL_WARNING);
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_detail_get_log_model (detail)), ==, 0);
  tally_viewer_detail_set_max_level (detail, 0);

  /* Typed while the run is read again: applied when it is in. */
  tally_viewer_window_reload (window);
  tally_assert_true (tally_viewer_window_is_loading (window));
  search (window, "/many/0020");
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 21);
  shows.n = 1;
  wait_for (t, shows_n_results, &shows);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  tally_assert_cmpstr (outcome_of (results, "/many/0020"), ==, "failed");
  close_window (t, window);
}

/* --- bad databases ------------------------------------------------------- */

static void
test_bad_databases (TallyTest     *t,
                    gconstpointer  data)
{
  g_autofree char *corrupt = g_build_filename (tally_test_get_tmpdir (t), "corrupt.sqlite", NULL);
  g_autofree char *foreign = g_build_filename (tally_test_get_tmpdir (t), "foreign.sqlite", NULL);
  g_autofree char *missing = g_build_filename (tally_test_get_tmpdir (t), "missing.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) junk = g_string_new ("SQLite format 3");
  TallyViewerWindow *window;

  require_display (t);
  for (guint i = 0; i < 4096; i++)
    g_string_append_c (junk, (char) (i * 7919 % 251));
  tally_assert_true (g_file_set_contents (corrupt, junk->str, junk->len, NULL));
  tally_assert_true (tally_store_debug_exec (foreign, "CREATE TABLE notes (id INTEGER, body TEXT)", &error));
  tally_assert_no_error (error);

  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));

  tally_assert_false (tally_viewer_window_open_path (window, corrupt, &error));
  tally_assert_nonnull (error);
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "error");
  tally_assert_nonnull (strstr (tally_viewer_window_get_error_text (window), "corrupt.sqlite"));
  g_clear_error (&error);
  settle (t, 30);

  tally_assert_false (tally_viewer_window_open_path (window, foreign, &error));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "error");
  tally_assert_nonnull (strstr (tally_viewer_window_get_error_text (window), "foreign.sqlite"));
  g_clear_error (&error);

  tally_assert_false (tally_viewer_window_open_path (window, missing, &error));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "error");
  tally_assert_nonnull (strstr (tally_viewer_window_get_error_text (window), "does not exist"));
  close_window (t, window);
}

/* --- desktop files and the screenshot mode ------------------------------- */

static void
run_tool (TallyTest          *t,
          const char * const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  if (g_find_program_in_path (argv[0]) == NULL)
    tally_test_skip (t, "%s is not installed", argv[0]);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  tally_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    tally_test_fail (t, "%s %s: %s%s", argv[0], argv[g_strv_length ((char **) argv) - 1], out, err);
}

static void
test_desktop_file (TallyTest     *t,
                   gconstpointer  data)
{
  const char *path = g_getenv ("TALLY_VIEWER_DESKTOP");

  if (path == NULL)
    tally_test_skip (t, "TALLY_VIEWER_DESKTOP is not set (run from meson)");
  run_tool (t, (const char *[]) { "desktop-file-validate", path, NULL });
}

static void
test_metainfo (TallyTest     *t,
               gconstpointer  data)
{
  const char *path = g_getenv ("TALLY_VIEWER_METAINFO");

  if (path == NULL)
    tally_test_skip (t, "TALLY_VIEWER_METAINFO is not set (run from meson)");
  run_tool (t, (const char *[]) { "appstreamcli", "validate", "--no-net", path, NULL });
}

static void
test_screenshot (TallyTest     *t,
                 gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autofree char *png = g_build_filename (tally_test_get_tmpdir (t), "shot.png", NULL);
  g_autofree char *viewer = build_path ("viewer/tally-viewer");
  const char *env[] = { "TALLY_SAMPLE_FAIL", "a", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *contents = NULL;
  gsize size = 0;
  int status = -1;

  require_display (t);
  run_tally (t, db, env, "@tests/samples/sample-history", "@tests/samples/sample-outcomes", NULL);
  g_spawn_sync (NULL, (char *[]) { viewer, (char *) "--screenshot", png, db, NULL }, NULL,
                G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  tally_assert_no_error (error);
  tally_assert_true (g_spawn_check_wait_status (status, NULL));

  tally_assert_true (g_file_get_contents (png, &contents, &size, NULL));
  tally_assert_cmpuint (size, >, 20000);
  tally_assert_true (memcmp (contents, "\x89PNG", 4) == 0);
  texture = gdk_texture_new_from_filename (png, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (gdk_texture_get_width (texture), >=, 800);
  tally_assert_cmpint (gdk_texture_get_height (texture), >=, 500);
}

static TallyResultRow *
fake_row (const char *program,
          const char *path)
{
  TallyResultRow *row = g_new0 (TallyResultRow, 1);

  row->program = g_strdup (program);
  row->path = g_strdup (path);
  return row;
}

static void
test_rerun_argv (TallyTest     *t,
                 gconstpointer  data)
{
  const char *run_argv[] = { "run", "-n", "2", "-k", "old", "--db=x.sqlite", "--lf", "-m",
                             "slow", "--tests-from", "old.txt", "--repeat", "3", "-v",
                             "prog-a", "prog-b", NULL };
  g_auto(GStrv) argv = tally_viewer_rerun_argv ("/bin/tally", run_argv, "/d/r.sqlite",
                                                (const char *[]) { "--tests-from", "/t/list", NULL });
  g_autofree char *joined = g_strjoinv (" ", argv);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_result_row_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  GStatBuf st;

  tally_assert_cmpstr (joined, ==,
                       "/bin/tally run -n 2 --repeat 3 --db /d/r.sqlite --json --tests-from /t/list -- prog-a prog-b");

  /* One line per test, in order, each once (two attempts of /a); a name
   * that a line cannot hold is left out; /a does not select /ab. */
  g_ptr_array_add (rows, fake_row ("p", "/a"));
  g_ptr_array_add (rows, fake_row ("./q", "/ab"));
  g_ptr_array_add (rows, fake_row ("p", "/a"));
  g_ptr_array_add (rows, fake_row ("p", "/b \"q\" or x"));
  g_ptr_array_add (rows, fake_row ("p", "/c\nd"));
  list = tally_viewer_tests_from_list (rows);
  tally_assert_cmpstr (list, ==, "p::/a\n./q::/ab\np::/b \"q\" or x\n");
  g_clear_pointer (&list, g_free);
  list = tally_viewer_tests_from_list (NULL);
  tally_assert_cmpstr (list, ==, "");

  path = tally_viewer_write_tests_file ("p::/a\n", &error);
  tally_assert_no_error (error);
  tally_assert_nonnull (path);
  tally_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  tally_assert_cmpstr (contents, ==, "p::/a\n");
  tally_assert_cmpint (g_stat (path, &st), ==, 0);
  tally_assert_cmpint (st.st_mode & 0777, ==, 0600);
  tally_assert_cmpint (g_unlink (path), ==, 0);
}

/* --- real input: keys and clicks through the X server (xdotool, XTEST) ----- */

/* xdotool's arguments, NULL-terminated; FALSE if it failed. */
static gboolean
xdotool (const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status = -1;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) "xdotool");
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static void
require_xdotool (TallyTest *t)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");

  require_display (t);
  if (path != NULL && GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    return;
  if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
    tally_test_fail (t, "xdotool (X11) is needed under CI=true to send real keys and clicks");
  tally_test_skip (t, "no xdotool or not X11: cannot send real keys and clicks");
}

static char *
window_xid (TallyViewerWindow *window)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  return g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
}

/* Gives the window the X input focus and presses @keys (xdotool's names). */
static void
press_keys (TallyTest         *t,
            TallyViewerWindow *window,
            const char        *keys)
{
  g_autofree char *xid = window_xid (window);

  tally_assert_true (xdotool ("windowfocus", "--sync", xid, NULL));
  settle (t, 50);
  tally_assert_true (xdotool ("key", "--clearmodifiers", keys, NULL));
  settle (t, 150);
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 gboolean (*match) (GtkWidget *, gconstpointer),
                 gconstpointer data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_type (GtkWidget     *widget,
         gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

typedef struct
{
  TallyViewerWindow *window;
  gint64 id;
} DetailMoved;

static gboolean
detail_moved (gpointer data)
{
  DetailMoved *m = data;

  return tally_viewer_detail_get_result_id (tally_viewer_window_get_detail (m->window)) != m->id;
}

static gint64
detail_id (TallyViewerWindow *window)
{
  return tally_viewer_detail_get_result_id (tally_viewer_window_get_detail (window));
}

/* F8 with the focus in @focus: the same move as the action's. */
static void
assert_f8_moves (TallyTest         *t,
                 TallyViewerWindow *window,
                 GtkWidget         *focus,
                 const char        *keys,
                 const char        *action)
{
  DetailMoved moved = { window, 0 };
  gint64 by_key;

  tally_assert_true (tally_viewer_window_select_position (window, 3));
  gtk_widget_grab_focus (focus);
  tally_assert_true (gtk_widget_has_focus (focus) || gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), focus));
  moved.id = detail_id (window);
  press_keys (t, window, keys);
  wait_for (t, detail_moved, &moved);
  by_key = detail_id (window);

  tally_assert_true (tally_viewer_window_select_position (window, 3));
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, NULL));
  tally_assert_cmpint (by_key, ==, detail_id (window));
}

static void
test_f8_everywhere (TallyTest     *t,
                    gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "a,c,e,g", NULL };
  TallyViewerWindow *window;
  GtkWidget *table;
  GtkWidget *in_detail;

  require_xdotool (t);
  run_tally (t, db, env, "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 9);

  table = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (GTK_TYPE_COLUMN_VIEW));
  tally_assert_nonnull (table);
  /* A focusable widget of the detail pane (its text views). */
  in_detail = find_descendant (GTK_WIDGET (tally_viewer_window_get_detail (window)), is_type,
                               GSIZE_TO_POINTER (GTK_TYPE_TEXT_VIEW));
  tally_assert_nonnull (in_detail);

  assert_f8_moves (t, window, GTK_WIDGET (search_entry (window)), "F8", "win.next-failure");
  assert_f8_moves (t, window, GTK_WIDGET (search_entry (window)), "shift+F8", "win.previous-failure");
  assert_f8_moves (t, window, table, "F8", "win.next-failure");
  assert_f8_moves (t, window, table, "shift+F8", "win.previous-failure");
  assert_f8_moves (t, window, in_detail, "F8", "win.next-failure");
  assert_f8_moves (t, window, in_detail, "shift+F8", "win.previous-failure");
  close_window (t, window);
}

static gboolean
is_model_button_labelled (GtkWidget     *widget,
                          gconstpointer  label)
{
  g_autofree char *text = NULL;

  if (strcmp (G_OBJECT_TYPE_NAME (widget), "GtkModelButton") != 0)
    return FALSE;
  g_object_get (widget, "text", &text, NULL);
  return g_strcmp0 (text, label) == 0;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static gboolean
has_message_dialog (gpointer data)
{
  return find_message_dialog () != NULL;
}

/* "Run by Marker Expression…" as the menu offers it: the item is
 * sensitive and clicking it asks for the expression. */
static void
test_marker_menu (TallyTest     *t,
                  gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GtkWidget *split;
  GtkWidget *item;
  AdwMessageDialog *dialog;

  require_display (t);
  run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  split = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (ADW_TYPE_SPLIT_BUTTON));
  tally_assert_nonnull (split);
  adw_split_button_popup (ADW_SPLIT_BUTTON (split));
  settle (t, 200);
  item = find_descendant (split, is_model_button_labelled, "Run by Marker Expression…");
  tally_assert_nonnull (item);
  tally_assert_true (gtk_widget_is_sensitive (item));
  g_signal_emit_by_name (item, "clicked");
  wait_for (t, has_message_dialog, NULL);
  dialog = find_message_dialog ();
  tally_assert_nonnull (dialog);
  tally_assert_true (GTK_IS_EDITABLE (adw_message_dialog_get_extra_child (dialog)));
  adw_message_dialog_response (dialog, "cancel");
  settle (t, 100);
  if (find_message_dialog () != NULL)
    gtk_window_destroy (GTK_WINDOW (find_message_dialog ()));
  tally_assert_false (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  close_window (t, window);
}

/* The end-of-run toast counts tests, not attempts, and comes from the
 * runner's last event even for a fast run. */
static void
test_end_toast (TallyTest     *t,
                gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "b,c", NULL };
  g_autofree char *runner = build_path ("runner/tally");
  g_auto(GStrv) listed = NULL;
  g_autofree char *want = NULL;
  TallyViewerWindow *window;
  NewRun new_run;
  guint n = 0;

  require_display (t);
  run_tally (t, db, env, "--retries", "2", "@tests/samples/sample-history", NULL);
  window = open_window (t, db);

  g_setenv ("TALLY_RUNNER", runner, TRUE);
  g_setenv ("TALLY_SAMPLE_FAIL", "c", TRUE);
  g_setenv ("TALLY_SAMPLE_DIR", tally_test_get_tmpdir (t), TRUE);
  new_run.window = window;
  new_run.old_run = tally_viewer_window_get_run_id (window);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-failed", NULL));
  listed = g_strsplit (tally_viewer_window_get_last_tests (window), "\n", -1);
  for (guint i = 0; listed[i] != NULL; i++)
    if (*listed[i] != '\0')
      n++;
  wait_for (t, shows_new_run, &new_run);
  g_unsetenv ("TALLY_SAMPLE_FAIL");

  /* c failed three attempts (--retries 2 is kept): one test of n. */
  tally_assert_cmpuint (n, >=, 2);
  want = g_strdup_printf ("Run finished: 1 of %u tests failed", n);
  tally_assert_cmpstr (tally_viewer_window_get_last_toast (window), ==, want);
  close_window (t, window);
}

static gboolean
shows_results (gpointer data)
{
  return g_strcmp0 (tally_viewer_window_get_page (data), "results") == 0
         && tally_viewer_window_get_run_id (data) != 0 && !tally_viewer_window_is_loading (data);
}

typedef struct
{
  TallyViewerWindow *window;
  gint64 run_id;
} ShowsRun;

static gboolean
shows_run (gpointer data)
{
  ShowsRun *s = data;

  return tally_viewer_window_get_run_id (s->window) == s->run_id && !tally_viewer_window_is_loading (s->window)
         && g_list_model_get_n_items (tally_viewer_window_get_results (s->window)) > 0;
}

static gint64
newest_run (const char *db)
{
  g_autoptr(TallyStore) store = tally_store_open_readonly (db, NULL);
  g_autoptr(GPtrArray) runs = tally_store_list_runs (store, 0, 1, TRUE, NULL);

  return runs != NULL && runs->len > 0 ? ((TallyRunRow *) runs->pdata[0])->id : 0;
}

/* An empty database has its own page and no run actions; a run made
 * elsewhere then shows up, and so does the next one. */
static void
test_empty_then_followed (TallyTest     *t,
                          gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autoptr(GError) error = NULL;
  TallyViewerWindow *window;
  ShowsRun next;

  require_display (t);
  tally_store_close (tally_store_open (db, &error));
  tally_assert_no_error (error);

  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  tally_assert_true (tally_viewer_window_open_path (window, db, &error));
  tally_assert_no_error (error);
  settle (t, 100);
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "empty");
  tally_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-failed", NULL)
                      && tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  {
    GtkWidget *split = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (ADW_TYPE_SPLIT_BUTTON));

    tally_assert_false (gtk_widget_get_visible (split) && gtk_widget_is_sensitive (split));
  }

  /* The first run, made by another process, is shown when it appears. */
  run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  wait_for (t, shows_results, window);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, newest_run (db));
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 9);

  /* The newest run was shown: the next one is followed too. */
  run_tally (t, db, NULL, "@tests/samples/sample-outcomes", NULL);
  next.window = window;
  next.run_id = newest_run (db);
  wait_for (t, shows_run, &next);
  close_window (t, window);
}

/* --- the results list: clicks, tree, columns, menus ----------------------- */

/* The inscription on screen showing exactly @text. */
static GtkWidget *
cell_with_text (TallyViewerWindow *window,
                const char        *text)
{
  g_autoptr(GPtrArray) cells = cells_with_prefix (window, text);
  GtkWidget *table = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (GTK_TYPE_COLUMN_VIEW));

  /* A view keeps widgets it does not show: only a mapped one of the table. */
  for (guint i = 0; i < cells->len; i++)
    if (g_strcmp0 (gtk_inscription_get_text (cells->pdata[i]), text) == 0
        && gtk_widget_get_mapped (cells->pdata[i]) && gtk_widget_is_ancestor (cells->pdata[i], table))
      return cells->pdata[i];
  return NULL;
}

/* Clicks the middle of @widget through the X server, holding @modifier
 * (xdotool's key name, or NULL) meanwhile. */
static void
click_widget (TallyTest         *t,
              TallyViewerWindow *window,
              GtkWidget         *widget,
              const char        *modifier,
              const char        *button)
{
  g_autofree char *xid = window_xid (window);
  graphene_point_t in = GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0,
                                             gtk_widget_get_height (widget) / 2.0);
  graphene_point_t out;
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  double sx = 0, sy = 0;

  tally_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (window), &in, &out));
  gtk_native_get_surface_transform (GTK_NATIVE (window), &sx, &sy);
  x = g_strdup_printf ("%d", (int) (out.x + sx));
  y = g_strdup_printf ("%d", (int) (out.y + sy));
  tally_assert_true (xdotool ("windowfocus", "--sync", xid, NULL));
  tally_assert_true (xdotool ("mousemove", "--sync", "--window", xid, x, y, NULL));
  settle (t, 50);
  if (modifier != NULL)
    tally_assert_true (xdotool ("keydown", modifier, "click", button, "keyup", modifier, NULL));
  else
    tally_assert_true (xdotool ("click", button, NULL));
  settle (t, 200);
}

/* The results view's row menu: the popover menu parented to it. */
static GtkWidget *
row_menu (TallyViewerWindow *window)
{
  GtkWidget *view = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (TALLY_VIEWER_TYPE_RESULTS_VIEW));

  for (GtkWidget *child = gtk_widget_get_first_child (view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER_MENU (child))
      return child;
  return NULL;
}

/* Real clicks: a click selects a row alone, Ctrl+click adds one (and
 * takes the detail), Ctrl+click again removes it, Shift+click a range. */
static void
test_ctrl_click (TallyTest     *t,
                 gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GListModel *results;

  require_xdotool (t);
  run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  /* Tall enough for the nine rows above the detail. */
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 900);
  settle (t, 200);
  results = tally_viewer_window_get_results (window);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 9);
  wait_for_cells (t, window, "/history/", NULL, 9, 9);

  click_widget (t, window, cell_with_text (window, "/history/a"), NULL, "1");
  tally_assert_cmpuint (n_selected (window), ==, 1);
  tally_assert_true (is_selected_path (window, "/history/a"));

  click_widget (t, window, cell_with_text (window, "/history/c"), "ctrl", "1");
  tally_assert_cmpuint (n_selected (window), ==, 2);
  tally_assert_true (is_selected_path (window, "/history/a"));
  tally_assert_true (is_selected_path (window, "/history/c"));
  tally_assert_cmpstr (detail_path (window), ==, "/history/c");

  click_widget (t, window, cell_with_text (window, "/history/e"), "ctrl", "1");
  tally_assert_cmpuint (n_selected (window), ==, 3);

  click_widget (t, window, cell_with_text (window, "/history/c"), "ctrl", "1");
  tally_assert_cmpuint (n_selected (window), ==, 2);
  tally_assert_false (is_selected_path (window, "/history/c"));

  click_widget (t, window, cell_with_text (window, "/history/b"), NULL, "1");
  tally_assert_cmpuint (n_selected (window), ==, 1);
  click_widget (t, window, cell_with_text (window, "/history/d"), "shift", "1");
  tally_assert_cmpuint (n_selected (window), ==, 3);
  tally_assert_true (is_selected_path (window, "/history/c"));
  /* The keyboard too: Ctrl+Space toggles the focused row (d). */
  press_keys (t, window, "ctrl+space");
  tally_assert_cmpuint (n_selected (window), ==, 2);
  tally_assert_false (is_selected_path (window, "/history/d"));
  /* The Menu key opens the focused row's menu. */
  press_keys (t, window, "Menu");
  {
    GtkWidget *menu = row_menu (window);

    tally_assert_nonnull (menu);
    tally_assert_true (gtk_widget_get_visible (menu));
    gtk_popover_popdown (GTK_POPOVER (menu));
  }
  /* Off the window, so no tooltip outlives the test. */
  xdotool ("mousemove", "0", "0", NULL);
  close_window (t, window);
}

/* A run written through the store, for the tree: programs, paths,
 * outcomes, durations and markers as given. */
typedef struct
{
  const char *program;
  const char *path;
  TallyOutcome outcome;
  gint64 duration_us;
  const char *markers;
} Planned;

static void
write_planned (const char    *db,
               const Planned *planned,
               guint          n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (db, &error);
  const char *argv[] = { "tally", "run", "./prog", NULL };
  gint64 run_id;

  tally_assert_no_error (error);
  run_id = tally_store_begin_run (store, argv, 1, 0, NULL, &error);
  tally_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TallyMarkers) markers = planned[i].markers ? tally_markers_parse (planned[i].markers, NULL) : NULL;
      TallyResult result;
      gint64 test_id, result_id;

      test_id = tally_store_ensure_test (store, planned[i].program, planned[i].path, "prog.c", 10 + i,
                                         markers, &error);
      tally_assert_no_error (error);
      tally_result_init (&result);
      result.started_at_us = g_get_real_time ();
      result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
      tally_assert_no_error (error);
      result.outcome = planned[i].outcome;
      result.duration_us = planned[i].duration_us;
      if (tally_outcome_is_failure (planned[i].outcome))
        result.message = g_strdup_printf ("%s went wrong", planned[i].path);
      tally_store_finish_result (store, result_id, &result, &error);
      tally_result_clear (&result);
      tally_assert_no_error (error);
    }
  tally_store_finish_run (store, run_id, TALLY_RUN_FAILED, &error);
  tally_assert_no_error (error);
}

static const Planned tree_run[] = {
  { "./prog", "/a/b/one", TALLY_OUTCOME_PASSED, 3000, "group=2" },
  { "./prog", "/a/b/two", TALLY_OUTCOME_FAILED, 500000, "group=10 slow" },
  { "./prog", "/a/b/three", TALLY_OUTCOME_CRASHED, 20, "group=2" },
  { "./prog", "/a/c/one", TALLY_OUTCOME_PASSED, 1000, NULL },
  { "./prog", "/a/c/skip", TALLY_OUTCOME_SKIPPED, 0, "skip" },
  { "./prog", "/d/flaky", TALLY_OUTCOME_FLAKY, 70000, NULL },
  { "./other", "/x/y", TALLY_OUTCOME_PASSED, 10, NULL },
};

/* The tree's list view (the column view has one inside too). */
static gboolean
is_tree_view (GtkWidget     *widget,
              gconstpointer  data)
{
  return GTK_IS_LIST_VIEW (widget) && gtk_widget_get_ancestor (widget, GTK_TYPE_COLUMN_VIEW) == NULL;
}

static TallyViewerResultsView *
results_view_of (TallyViewerWindow *window)
{
  GtkWidget *view = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (TALLY_VIEWER_TYPE_RESULTS_VIEW));

  tally_assert_nonnull (view);
  return TALLY_VIEWER_RESULTS_VIEW (view);
}

/* The tree's row whose node has @key ("PROGRAM::/a/b"), or G_MAXUINT. */
static guint
tree_position (TallyViewerWindow *window,
               const char        *key)
{
  GListModel *rows = G_LIST_MODEL (tally_viewer_results_view_get_tree_selection (results_view_of (window)));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr(TallyViewerTreeItem) item = gtk_tree_list_row_get_item (row);
      g_autofree char *item_key = tally_viewer_tree_item_dup_key (item);

      if (g_strcmp0 (item_key, key) == 0)
        return i;
    }
  return G_MAXUINT;
}

static TallyViewerTreeItem *
tree_item (TallyViewerWindow *window,
           const char        *key)
{
  GListModel *rows = G_LIST_MODEL (tally_viewer_results_view_get_tree_selection (results_view_of (window)));
  guint position = tree_position (window, key);
  g_autoptr(GtkTreeListRow) row = NULL;

  tally_assert_cmpuint (position, !=, G_MAXUINT);
  row = g_list_model_get_item (rows, position);
  return gtk_tree_list_row_get_item (row);
}

static void
expand_tree_row (TallyViewerWindow *window,
                 const char        *key,
                 gboolean           expanded)
{
  GListModel *rows = G_LIST_MODEL (tally_viewer_results_view_get_tree_selection (results_view_of (window)));
  g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, tree_position (window, key));

  gtk_tree_list_row_set_expanded (row, expanded);
}

static guint
tree_n_rows (TallyViewerWindow *window)
{
  return g_list_model_get_n_items (G_LIST_MODEL (tally_viewer_results_view_get_tree_selection (results_view_of (window))));
}

static void
assert_node (TallyViewerWindow *window,
             const char        *key,
             TallyOutcome       worst,
             guint              n_tests,
             guint              n_failed,
             guint              n_passed)
{
  g_autoptr(TallyViewerTreeItem) item = tree_item (window, key);

  tally_assert_cmpstr (tally_outcome_to_string (tally_viewer_tree_item_get_outcome (item)), ==,
                       tally_outcome_to_string (worst));
  tally_assert_cmpuint (tally_viewer_tree_item_get_n_tests (item), ==, n_tests);
  tally_assert_cmpuint (tally_viewer_tree_item_get_count (item, TALLY_VIEWER_GROUP_FAILED), ==, n_failed);
  tally_assert_cmpuint (tally_viewer_tree_item_get_count (item, TALLY_VIEWER_GROUP_PASSED), ==, n_passed);
}

/* A label or an inscription showing @text. */
static gboolean
is_label_with_text (GtkWidget     *widget,
                    gconstpointer  text)
{
  const char *shown = GTK_IS_LABEL (widget) ? gtk_label_get_text (GTK_LABEL (widget))
                      : GTK_IS_INSCRIPTION (widget) ? gtk_inscription_get_text (GTK_INSCRIPTION (widget))
                      : NULL;

  return shown != NULL && gtk_widget_get_mapped (widget) && g_strcmp0 (shown, text) == 0;
}

typedef struct
{
  GtkWidget *root;
  const char *text;
} LabelShown;

static gboolean
label_shown (gpointer data)
{
  LabelShown *l = data;

  return find_descendant (l->root, is_label_with_text, l->text) != NULL;
}

/* The label showing @text in @root once GTK has drawn it. */
static GtkWidget *
wait_for_label (TallyTest  *t,
                GtkWidget  *root,
                const char *text)
{
  LabelShown l = { root, text };

  wait_for (t, label_shown, &l);
  return find_descendant (root, is_label_with_text, text);
}

/* The tree: a node per program and path segment, each with the worst
 * outcome of its tests and counts; filtered as the table is, groups with
 * no matching test gone, the groups opened before open again. */
static void
test_tree (TallyTest     *t,
           gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerResultsView *view;
  GtkWidget *tree_view;
  GtkWidget *label;
  g_autofree char *mode = NULL;

  require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 900);
  view = results_view_of (window);
  tally_assert_cmpstr (tally_viewer_results_view_get_view_mode (view), ==, "table");
  g_object_set (view, "view-mode", "tree", NULL);
  g_object_get (view, "view-mode", &mode, NULL);
  tally_assert_cmpstr (mode, ==, "tree");
  tree_view = find_descendant (GTK_WIDGET (view), is_tree_view, NULL);
  tally_assert_nonnull (tree_view);

  /* The run opened on its first failure (/a/b/three, crashed, first of
   * the failures by path): the tree shows it, its groups open. */
  tally_assert_cmpstr (detail_path (window), ==, "/a/b/three");
  tally_assert_cmpuint (tree_position (window, "./prog::/a/b/three"), !=, G_MAXUINT);

  /* Roll-ups: the worst outcome, counts by outcome group. */
  assert_node (window, "./prog", TALLY_OUTCOME_CRASHED, 6, 2, 2);
  assert_node (window, "./prog::/a", TALLY_OUTCOME_CRASHED, 5, 2, 2);
  assert_node (window, "./prog::/a/b", TALLY_OUTCOME_CRASHED, 3, 2, 1);
  assert_node (window, "./prog::/a/c", TALLY_OUTCOME_PASSED, 2, 0, 1);
  assert_node (window, "./prog::/d", TALLY_OUTCOME_FLAKY, 1, 0, 0);
  assert_node (window, "./other", TALLY_OUTCOME_PASSED, 1, 0, 1);
  {
    g_autoptr(TallyViewerTreeItem) prog = tree_item (window, "./prog");

    tally_assert_cmpuint (tally_viewer_tree_item_get_count (prog, TALLY_VIEWER_GROUP_FLAKY), ==, 1);
    tally_assert_cmpuint (tally_viewer_tree_item_get_count (prog, TALLY_VIEWER_GROUP_SKIPPED), ==, 1);
    tally_assert_cmpstr (tally_viewer_tree_item_get_name (prog), ==, "prog");
    tally_assert_true (tally_viewer_tree_item_is_group (prog));
  }
  /* As shown: the counts beside the name, and said to a screen reader. */
  label = wait_for_label (t, tree_view, "2 failed · 3 tests");
  tally_assert_nonnull (label);
  {
    GtkWidget *expander = gtk_widget_get_ancestor (label, GTK_TYPE_TREE_EXPANDER);
    g_autofree char *problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                                   "b, crashed, 2 failed · 3 tests");
    tally_assert_null (problem);
  }

  /* Selecting a test shows it. */
  gtk_selection_model_select_item (tally_viewer_results_view_get_tree_selection (view),
                                   tree_position (window, "./prog::/a/b/one"), TRUE);
  tally_assert_cmpstr (detail_path (window), ==, "/a/b/one");

  /* Filtered like the table: the text keeps /a/c's tests, the rest of
   * the tree goes; the groups open before stay open. */
  expand_tree_row (window, "./prog::/a/c", TRUE);
  search (window, "/a/c/");
  tally_assert_cmpuint (tree_position (window, "./other"), ==, G_MAXUINT);
  tally_assert_cmpuint (tree_position (window, "./prog::/a/b"), ==, G_MAXUINT);
  tally_assert_cmpuint (tree_position (window, "./prog::/d"), ==, G_MAXUINT);
  assert_node (window, "./prog", TALLY_OUTCOME_PASSED, 2, 0, 1);
  tally_assert_cmpuint (tree_position (window, "./prog::/a/c/skip"), !=, G_MAXUINT);
  /* The outcome toggles too: failed only. */
  search (window, "");
  show_outcomes (window, "show-failed", TRUE);
  assert_node (window, "./prog", TALLY_OUTCOME_CRASHED, 2, 2, 0);
  tally_assert_cmpuint (tree_position (window, "./prog::/a/c"), ==, G_MAXUINT);
  tally_assert_cmpuint (tree_position (window, "./other"), ==, G_MAXUINT);
  tally_assert_cmpuint (tree_position (window, "./prog::/a/b/two"), !=, G_MAXUINT);
  /* And the marker expression: prog (2 failed) has one slow test. */
  gtk_editable_set_text (marker_entry (window), "slow");
  assert_node (window, "./prog", TALLY_OUTCOME_FAILED, 1, 1, 0);
  gtk_editable_set_text (marker_entry (window), "");
  show_outcomes (window, "show-failed", FALSE);
  assert_node (window, "./prog", TALLY_OUTCOME_CRASHED, 6, 2, 2);
  tally_assert_cmpuint (tree_n_rows (window), >=, 10);

  /* Back to the table: the tree's focused test is the table's. */
  expand_tree_row (window, "./prog::/d", TRUE);
  tally_assert_cmpuint (tree_position (window, "./prog::/d/flaky"), !=, G_MAXUINT);
  gtk_selection_model_select_item (tally_viewer_results_view_get_tree_selection (view),
                                   tree_position (window, "./prog::/d/flaky"), TRUE);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "results.view-mode", "s", "table"));
  tally_assert_cmpstr (tally_viewer_results_view_get_view_mode (view), ==, "table");
  tally_assert_cmpuint (n_selected (window), ==, 1);
  tally_assert_true (is_selected_path (window, "/d/flaky"));
  close_window (t, window);
}

static char *
read_clipboard (TallyTest *t,
                GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, on_clipboard_read_cb, &read);
  wait_for (t, clipboard_read_done, &read);
  return read.text;
}

/* The row menu of the tree's group "history": that group selected, its
 * tests (those the filter shows) rerun, exactly them, in one run. */
static void
test_tree_rerun (TallyTest     *t,
                 gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "b,c", NULL };
  g_autofree char *runner = build_path ("runner/tally");
  TallyViewerWindow *window;
  TallyViewerResultsView *view;
  GtkWidget *tree_view;
  GtkWidget *label;
  graphene_point_t in = GRAPHENE_POINT_INIT (4, 4), at;
  GtkPopover *menu;
  NewRun new_run;

  require_display (t);
  run_tally (t, db, env, "-n", "2", "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 900);
  settle (t, 200);
  view = results_view_of (window);
  g_object_set (view, "view-mode", "tree", NULL);
  tree_view = find_descendant (GTK_WIDGET (view), is_tree_view, NULL);
  show_outcomes (window, "show-passed", TRUE);

  /* A right click on a test: its path, on the clipboard. */
  wait_for_label (t, tree_view, "d");
  settle (t, 200);
  label = wait_for_label (t, tree_view, "d");
  tally_assert_true (gtk_widget_compute_point (label, tree_view, &in, &at));
  tally_assert_true (tally_viewer_results_view_open_row_menu (view, tree_view, at.x, at.y));
  /* The row menu: the popover menu parented to the view itself. */
  menu = NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER_MENU (child))
      menu = GTK_POPOVER (child);
  tally_assert_nonnull (menu);
  tally_assert_true (gtk_widget_get_visible (GTK_WIDGET (menu)));
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "results.copy-path", NULL));
  {
    g_autofree char *copied = read_clipboard (t, GTK_WIDGET (view));

    tally_assert_cmpstr (copied, ==, "/history/d");
  }
  gtk_popover_popdown (menu);

  /* On the group: it alone is selected, and Rerun runs its six passed
   * tests (a, d, e, f, g, h), not the failed ones the filter hides. */
  settle (t, 100);
  label = wait_for_label (t, tree_view, "history");
  tally_assert_true (gtk_widget_compute_point (label, tree_view, &in, &at));
  tally_assert_true (tally_viewer_results_view_open_row_menu (view, tree_view, at.x, at.y));
  {
    g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (tally_viewer_results_view_get_tree_selection (view));

    GListModel *rows = G_LIST_MODEL (tally_viewer_results_view_get_tree_selection (view));
    g_autoptr(GtkTreeListRow) row = NULL;
    g_autoptr(TallyViewerTreeItem) item = NULL;
    g_autofree char *key = NULL;

    tally_assert_cmpuint (gtk_bitset_get_size (selected), ==, 1);
    row = g_list_model_get_item (rows, gtk_bitset_get_minimum (selected));
    item = gtk_tree_list_row_get_item (row);
    key = tally_viewer_tree_item_dup_key (item);
    tally_assert_true (g_str_has_suffix (key, "sample-history::/history"));
    tally_assert_cmpuint (tally_viewer_tree_item_get_n_tests (item), ==, 6);
  }
  g_setenv ("TALLY_RUNNER", runner, TRUE);
  g_setenv ("TALLY_SAMPLE_DIR", tally_test_get_tmpdir (t), TRUE);
  new_run.window = window;
  new_run.old_run = tally_viewer_window_get_run_id (window);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "results.rerun", NULL));
  gtk_popover_popdown (menu);
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  assert_tests_list (window, (const char *[]) { "/history/a", "/history/d", "/history/e", "/history/f",
                                                "/history/g", "/history/h", NULL });
  wait_for (t, shows_new_run, &new_run);
  show_outcomes (window, "show-passed", FALSE);
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 6);
  close_window (t, window);
}

/* A run with failures opens on the first one, failures listed first. */
static void
test_first_failure (TallyTest     *t,
                    gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "e,c", NULL };
  TallyViewerWindow *window;
  GListModel *results;

  require_display (t);
  run_tally (t, db, env, "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  results = tally_viewer_window_get_results (window);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 9);
  /* Failures (c, e, and flaky's failed first attempt) first, by path. */
  tally_assert_cmpuint (position_of (results, "/history/c"), ==, 0);
  tally_assert_cmpuint (position_of (results, "/history/e"), ==, 1);
  tally_assert_cmpuint (position_of (results, "/history/flaky"), ==, 2);
  tally_assert_cmpuint (position_of (results, "/history/a"), ==, 3);
  tally_assert_cmpuint (n_selected (window), ==, 1);
  tally_assert_true (is_selected_path (window, "/history/c"));
  tally_assert_cmpstr (detail_path (window), ==, "/history/c");
  close_window (t, window);
}

static GtkColumnViewColumn *
column_titled (TallyViewerWindow *window,
               const char        *title)
{
  GtkWidget *table = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (GTK_TYPE_COLUMN_VIEW));
  GListModel *columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (table));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        return column;
    }
  return NULL;
}

static GtkColumnViewColumn *
column_of_view (TallyViewerResultsView *view,
                const char             *title)
{
  GtkWidget *table = find_descendant (GTK_WIDGET (view), is_type, GSIZE_TO_POINTER (GTK_TYPE_COLUMN_VIEW));
  GListModel *columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (table));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        return column;
    }
  return NULL;
}

typedef struct
{
  TallyViewerDocument *document;
} DocumentIdle;

static gboolean
document_idle (gpointer data)
{
  return !tally_viewer_document_is_busy (((DocumentIdle *) data)->document);
}

static gboolean
column_hidden (gpointer data)
{
  return !gtk_column_view_column_get_visible (data);
}

static gboolean
column_shown (gpointer data)
{
  return gtk_column_view_column_get_visible (data);
}

/* The column chooser hides and shows columns; a narrow table keeps the
 * outcome, the test and its duration. */
static void
test_columns (TallyTest     *t,
              gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerResultsView *view;
  gboolean shown = TRUE;

  require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 600);
  settle (t, 200);
  view = results_view_of (window);
  tally_assert_true (gtk_column_view_column_get_visible (column_titled (window, "Markers")));
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "results.show-markers", NULL));
  g_object_get (view, "show-markers", &shown, NULL);
  tally_assert_false (shown);
  tally_assert_false (gtk_column_view_column_get_visible (column_titled (window, "Markers")));
  tally_assert_true (gtk_column_view_column_get_visible (column_titled (window, "Worker")));
  g_object_set (view, "show-worker", FALSE, NULL);
  tally_assert_false (gtk_column_view_column_get_visible (column_titled (window, "Worker")));
  g_object_set (view, "show-worker", TRUE, NULL);
  tally_assert_true (gtk_column_view_column_get_visible (column_titled (window, "Worker")));

  close_window (t, window);

  /* Narrow (a phone, the sidebar folded): Program and Attempt go;
   * Outcome, Test and Duration stay. The results view alone in a
   * window: the rest of the main window is wider than this yet. */
  {
    g_autoptr(TallyViewerDocument) document = tally_viewer_document_new ();
    GtkWindow *small = GTK_WINDOW (gtk_window_new ());
    TallyViewerResultsView *alone = g_object_new (TALLY_VIEWER_TYPE_RESULTS_VIEW, NULL);
    GtkColumnViewColumn *program, *markers;
    g_autoptr(GError) error = NULL;
    DocumentIdle idle = { document };

    tally_viewer_results_view_set_document (alone, document);
    gtk_window_set_child (small, GTK_WIDGET (alone));
    gtk_window_set_default_size (small, 360, 500);
    gtk_window_present (small);
    tally_assert_true (tally_viewer_document_open (document, db, &error));
    tally_assert_no_error (error);
    tally_viewer_document_load_run (document, 1);
    wait_for (t, document_idle, &idle);
    program = column_of_view (alone, "Program");
    markers = column_of_view (alone, "Markers");
    wait_for (t, column_hidden, program);
    tally_assert_false (gtk_column_view_column_get_visible (column_of_view (alone, "Attempt")));
    tally_assert_false (gtk_column_view_column_get_visible (column_of_view (alone, "Worker")));
    tally_assert_true (gtk_column_view_column_get_visible (column_of_view (alone, "Test")));
    tally_assert_true (gtk_column_view_column_get_visible (column_of_view (alone, "Duration")));
    tally_assert_true (gtk_column_view_column_get_visible (column_of_view (alone, "Outcome")));
    tally_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (alone)), <=, 360);
    /* Wide again: back, but what the chooser hid stays hidden. */
    g_object_set (alone, "show-markers", FALSE, NULL);
    gtk_window_set_default_size (small, 1000, 500);
    wait_for (t, column_shown, program);
    tally_assert_false (gtk_column_view_column_get_visible (markers));
    tally_viewer_results_view_release_views (alone);
    tally_viewer_document_close (document);
    settle (t, 30);
    gtk_window_destroy (small);
    settle (t, 100);
  }
}

static gboolean
is_header_label (GtkWidget     *widget,
                 gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0
         && gtk_widget_get_ancestor (widget, GTK_TYPE_COLUMN_VIEW) != NULL && gtk_widget_get_mapped (widget);
}

/* A real click on the Duration header sorts slowest first; the second
 * fastest first. */
static void
test_duration_sort (TallyTest     *t,
                    gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GListModel *results;
  GtkWidget *header;

  require_xdotool (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 600);
  settle (t, 200);
  results = tally_viewer_window_get_results (window);
  header = find_descendant (GTK_WIDGET (window), is_header_label, "Duration");
  tally_assert_nonnull (header);
  click_widget (t, window, header, NULL, "1");
  /* 500 ms, 70 ms, 3 ms, 1 ms, … */
  tally_assert_cmpuint (position_of (results, "/a/b/two"), ==, 0);
  tally_assert_cmpuint (position_of (results, "/d/flaky"), ==, 1);
  tally_assert_cmpuint (position_of (results, "/a/b/one"), ==, 2);
  /* The second click: fastest first (0 µs: the skipped one). */
  settle (t, 600);
  click_widget (t, window, header, NULL, "1");
  tally_assert_cmpuint (position_of (results, "/a/c/skip"), ==, 0);
  tally_assert_cmpuint (position_of (results, "/a/b/two"), ==, 6);
  xdotool ("mousemove", "0", "0", NULL);
  close_window (t, window);
}

/* The marker popover: terms as people count them (group=2 before
 * group=10), each with how many tests carry it. */
static void
test_marker_terms (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  g_autoptr(GPtrArray) terms = NULL;
  const char *want[] = { "group 3", "group=2 2", "group=10 1", "skip 1", "slow 1" };

  require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  terms = tally_viewer_filter_bar_dup_marker_terms (tally_viewer_window_get_filter_bar (window));
  tally_assert_cmpuint (terms->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    tally_assert_cmpstr (terms->pdata[i], ==, want[i]);
  close_window (t, window);
}

static void
assert_accessible_label (GtkWidget  *widget,
                         const char *label)
{
  g_autofree char *problem = NULL;

  tally_assert_nonnull (widget);
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  tally_assert_null (problem);
}

static gboolean
is_menu_button_with_tooltip (GtkWidget     *widget,
                             gconstpointer  tooltip)
{
  return GTK_IS_MENU_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static gboolean
is_outcome_pill (GtkWidget     *widget,
                 gconstpointer  outcome)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "outcome")
         && gtk_widget_get_ancestor (widget, GTK_TYPE_COLUMN_VIEW) != NULL
         && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), outcome) == 0;
}

/* What a screen reader hears: icon buttons and entries are named, the
 * outcome toggles say what they show, pills their outcome. */
static void
test_results_accessible (TallyTest     *t,
                         gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GtkWidget *bar;

  require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  bar = GTK_WIDGET (tally_viewer_window_get_filter_bar (window));
  assert_accessible_label (GTK_WIDGET (search_entry (window)), "Search tests and messages");
  assert_accessible_label (GTK_WIDGET (marker_entry (window)), "Marker expression");
  assert_accessible_label (find_descendant (bar, is_menu_button_with_tooltip, "Filter by Marker"), "Filter by marker");
  assert_accessible_label (find_descendant (GTK_WIDGET (window), is_menu_button_with_tooltip, "Columns"),
                           "Choose the columns of the table");
  assert_accessible_label (find_descendant (bar, is_type, GSIZE_TO_POINTER (GTK_TYPE_TOGGLE_BUTTON)), "Show Failed: 2");
  wait_for_cells (t, window, "/a/", NULL, 6, 6);
  assert_accessible_label (find_descendant (GTK_WIDGET (window), is_outcome_pill, "crashed"), "crashed");
  close_window (t, window);
}

/* Before the tests: start libadwaita and let GTK create the sources it
 * keeps for the life of the process (settings, themes, the X
 * connection), so no test is charged with them. */
static void
warm_up (void)
{
  TallyViewerWindow *window;
  gint64 until;

  adw_init ();
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  until = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
  until = g_get_monotonic_time () + 100 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  tally_init (&argc, &argv);

  /* GTK_A11Y=none leaves widgets without an accessibility context; the
   * test backend keeps one in memory (no AT-SPI bus) for the tests that
   * check what a screen reader is told. */
  if (g_strcmp0 (g_getenv ("GTK_A11Y"), "none") == 0)
    g_setenv ("GTK_A11Y", "test", TRUE);
  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
    {
      have_display = gtk_init_check ();
      if (have_display)
        warm_up ();
    }

  tally_add ("/viewer/rerun-argv", test_rerun_argv, NULL);
  tally_add ("/viewer/filters", test_filters, MARKS);
  tally_add ("/viewer/detail", test_detail, MARKS);
  tally_add ("/viewer/rows-follow-filter", test_rows_follow_filter, MARKS);
  tally_add ("/viewer/rerun-failed", test_rerun_failed, MARKS);
  tally_add ("/viewer/rerun-selected", test_rerun_selected, MARKS);
  tally_add ("/viewer/stop", test_rerun_stop, MARKS);
  tally_add ("/viewer/switch-runs", test_switch_runs, MARKS);
  tally_add ("/viewer/live-refresh", test_live_refresh, MARKS);
  tally_add ("/viewer/bad-databases", test_bad_databases, MARKS);
  tally_add ("/viewer/screenshot", test_screenshot, MARKS);
  tally_add ("/viewer/f8-everywhere", test_f8_everywhere, MARKS);
  tally_add ("/viewer/marker-menu", test_marker_menu, MARKS);
  tally_add ("/viewer/end-toast", test_end_toast, MARKS);
  tally_add ("/viewer/empty-then-followed", test_empty_then_followed, MARKS);
  tally_add ("/viewer/results/ctrl-click", test_ctrl_click, MARKS);
  tally_add ("/viewer/results/first-failure", test_first_failure, MARKS);
  tally_add ("/viewer/results/tree", test_tree, MARKS);
  tally_add ("/viewer/results/tree-rerun", test_tree_rerun, MARKS);
  tally_add ("/viewer/results/columns", test_columns, MARKS);
  tally_add ("/viewer/results/duration-sort", test_duration_sort, MARKS);
  tally_add ("/viewer/results/marker-terms", test_marker_terms, MARKS);
  tally_add ("/viewer/results/accessible", test_results_accessible, MARKS);
  tally_add ("/viewer/desktop-file", test_desktop_file, NULL);
  tally_add ("/viewer/metainfo", test_metainfo, NULL);

  return tally_run ();
}
