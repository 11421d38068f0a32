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

#include "viewer-test-util.h"

#include "tally-markers-private.h"
#include "tally-viewer-cell.h"
#include "tally-store-private.h"
#include "tally-viewer-detail-private.h"
#include "tally-viewer-location.h"
#include "tally-viewer-preferences.h"
#include "tally-viewer-preload.h"
#include "tally-viewer-settings.h"
#include "tally-viewer-log-list.h"
#include "tally-viewer-log-row.h"
#include "tally-viewer-result-list.h"
#include "tally-viewer-results-tree.h"
#include "tally-viewer-tree-row.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-runner.h"
#include "tally-viewer-util.h"
#include "tally-viewer-window-private.h"
#include "tally-viewer-compare-page.h"
#include "tally-viewer-flaky-page.h"
#include "tally-viewer-history-page.h"
#include "tally-viewer-filter-bar.h"

#define MARKS "leaks=ignore timeout=120"

static char *
tmp_db (TallyTest *t)
{
  return g_build_filename (tally_test_get_tmpdir (t), "results.sqlite", NULL);
}

/* --- spinning GTK's context from the test's ------------------------------ */

/* Small enough to stay clear of Xvfb's pointer (the screen's centre):
 * a hovered widget starts tooltip timers that outlive a test. */
static TallyViewerWindow *
new_window (void)
{
  TallyViewerWindow *window = tally_viewer_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 700, 440);
  return window;
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
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_false (tally_viewer_window_is_loading (window));
  viewer_test_settle (t, 50);
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

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, env, "@tests/samples/sample-outcomes", "@tests/samples/sample-history", NULL);
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
  viewer_test_close_window (t, window);
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

/* The table's cells on screen whose text starts with @prefix. */
static void
collect_cells (GtkWidget  *widget,
               const char *prefix,
               GPtrArray  *cells)
{
  if (TALLY_VIEWER_IS_CELL (widget))
    {
      const char *text = tally_viewer_cell_get_text (TALLY_VIEWER_CELL (widget));

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
    if (strstr (tally_viewer_cell_get_text (cells->pdata[i]), c->want) == NULL)
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

  viewer_test_wait_for (t, cells_shown_or_late, &c);
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
  viewer_test_wait_for (t, clipboard_read_done, &read);
  return read.text;
}

/* The log tab's rows: one TallyViewerLogRow a record. */
static void
collect_log_rows (GtkWidget *widget,
                  GPtrArray *rows)
{
  if (TALLY_VIEWER_IS_LOG_ROW (widget))
    g_ptr_array_add (rows, g_object_ref (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_log_rows (child, rows);
}

static GPtrArray *
log_rows (TallyViewerWindow *window)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);

  collect_log_rows (GTK_WIDGET (tally_viewer_window_get_detail (window)), rows);
  return rows;
}

typedef struct
{
  TallyViewerWindow *window;
  const char *want;
  guint n;
  gint64 deadline;
} LogRowsShown;

static gboolean
log_rows_shown_or_late (gpointer data)
{
  LogRowsShown *l = data;
  g_autoptr(GPtrArray) rows = log_rows (l->window);

  if (g_get_monotonic_time () > l->deadline)
    return TRUE;
  if (rows->len != l->n)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      const char *text = tally_viewer_log_row_get_text (rows->pdata[i]);

      if (text == NULL || strstr (text, l->want) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Waits (up to 10 s) until @n log rows show, each containing @want. */
static void
wait_for_log_rows (TallyTest         *t,
                   TallyViewerWindow *window,
                   const char        *want,
                   guint              n)
{
  LogRowsShown l = { window, want, n, g_get_monotonic_time () + 10 * G_USEC_PER_SEC };

  viewer_test_wait_for (t, log_rows_shown_or_late, &l);
}

static gboolean
log_row_ends_with (gconstpointer row,
                   gconstpointer text)
{
  const char *shown = tally_viewer_log_row_get_text ((TallyViewerLogRow *) row);

  return shown != NULL && g_str_has_suffix (shown, text);
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

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-chatty", "@tests/samples/sample-outcomes", NULL);
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
    g_autofree char *sample = viewer_test_build_path ("tests/samples/sample-outcomes");
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
  wait_for_log_rows (t, window, "/chatty/042", 20);
  {
    g_autoptr(GPtrArray) before = log_rows (window);
    g_autoptr(GPtrArray) after = NULL;

    tally_assert_cmpuint (before->len, ==, 20);
    tally_viewer_window_select_position (window, position_of (results, "/chatty/041"));
    wait_for_log_rows (t, window, "/chatty/041", 20);
    after = log_rows (window);
    tally_assert_cmpuint (after->len, ==, 20);
    for (guint i = 0; i < after->len; i++)
      {
        g_autofree char *want = g_strdup_printf ("record %u of /chatty/041", i);

        tally_assert_true (g_ptr_array_find (before, after->pdata[i], NULL));
        tally_assert_true (g_ptr_array_find_with_equal_func (after, want, log_row_ends_with, NULL));
      }
  }
  viewer_test_close_window (t, window);
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

/* The run shown is a rerun of @parent (recorded by the viewer, read
 * from the database), which ran @n_own tests itself. */
static void
assert_rerun_of (TallyViewerWindow *window,
                 gint64             parent,
                 guint              n_own)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open_readonly (tally_viewer_window_get_path (window), &error);
  g_autoptr(TallyRunRow) run = NULL;
  g_autofree char *kind = NULL;

  tally_assert_no_error (error);
  run = tally_store_get_run (store, tally_viewer_window_get_run_id (window), &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (run->parent_id, ==, parent);
  tally_assert_cmpuint (run->n_results, ==, n_own);
  kind = tally_viewer_describe_run ((const char * const *) run->argv, run->parent_id);
  tally_assert_nonnull (kind);
  tally_assert_true (g_str_has_prefix (kind, "Rerun of #"));
  tally_assert_null (strstr (kind, "tests-from"));
}

static void
test_rerun_failed (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "b,c", NULL };
  g_autofree char *runner = viewer_test_build_path ("runner/tally");
  TallyViewerWindow *window;
  GListModel *results;
  NewRun new_run;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, env, "-n", "2", "@tests/samples/sample-history", NULL);
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
  viewer_test_wait_for (t, shows_new_run, &new_run);
  g_unsetenv ("TALLY_SAMPLE_FAIL");

  /* Exactly the three failed tests ran, with their new outcomes; the
   * rerun reads as a rerun: merged over the run it came from. */
  assert_rerun_of (window, new_run.old_run, 3);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 9);
  tally_assert_cmpstr (outcome_of (results, "/history/b"), ==, "passed");
  tally_assert_cmpstr (outcome_of (results, "/history/c"), ==, "failed");
  tally_assert_cmpstr (outcome_of (results, "/history/flaky"), ==, "passed");
  tally_assert_cmpstr (outcome_of (results, "/history/a"), ==, "passed");
  tally_assert_nonnull (tally_viewer_window_get_last_toast (window));

  /* Compared with the run it came from, merged: two fixed, one still
   * failing, nothing removed. */
  {
    TallyViewerComparePage *page;

    tally_assert_true (tally_viewer_window_show_page (window, "compare"));
    page = TALLY_VIEWER_COMPARE_PAGE (tally_viewer_window_get_page_widget (window, "compare"));
    /* Compared on a thread. */
    viewer_test_wait_for (t, viewer_test_loaded, window);
    tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_FIXED), ==, 2);
    tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_STILL_FAILING), ==, 1);
    tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_REMOVED), ==, 0);
    tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_NEW_FAILURE), ==, 0);
  }
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
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
    tally_assert_false (g_str_has_prefix (tally_viewer_cell_get_text (before->pdata[i]), "/many/042"));

  search (window, "/many/042");
  wait_for_cells (t, window, "/many/", "/many/042", 10, 10);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 10);
  after = cells_with_prefix (window, "/many/");
  tally_assert_cmpuint (after->len, ==, 10);
  for (guint i = 0; i < after->len; i++)
    {
      const char *text = tally_viewer_cell_get_text (after->pdata[i]);

      tally_assert_true (g_str_has_prefix (text, "/many/042"));
      tally_assert_true (g_ptr_array_find (before, after->pdata[i], NULL));
      for (guint j = 0; j < i; j++)
        tally_assert_cmpstr (tally_viewer_cell_get_text (after->pdata[j]), !=, text);
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
  viewer_test_close_window (t, window);
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
  g_autofree char *runner = viewer_test_build_path ("runner/tally");
  TallyViewerWindow *window;
  GtkSelectionModel *selection;
  GListModel *results;
  g_autoptr(GPtrArray) shown = NULL;
  g_autoptr(GtkBitset) selected = NULL;
  NewRun new_run;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, env, "-n", "2", "@tests/samples/sample-history", NULL);
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
  viewer_test_wait_for (t, shows_new_run, &new_run);
  g_unsetenv ("TALLY_SAMPLE_FAIL");

  /* Exactly a and b ran (not c, not the others), and b passes now;
   * c's failure shows from the run the rerun came from. */
  assert_rerun_of (window, new_run.old_run, 2);
  shown = tally_viewer_window_dup_shown (window);
  tally_assert_cmpuint (shown->len, ==, 9);
  tally_assert_cmpstr (outcome_of (results, "/history/a"), ==, "passed");
  tally_assert_cmpstr (outcome_of (results, "/history/b"), ==, "passed");
  tally_assert_cmpstr (outcome_of (results, "/history/c"), ==, "failed");
  viewer_test_close_window (t, window);
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
  g_autofree char *runner = viewer_test_build_path ("runner/tally");
  TallyViewerWindow *window;
  gint64 first_run;

  viewer_test_require_display (t);
  /* Quick to make; its argv (-n 1 --repeat 20) makes the rerun long. */
  viewer_test_run_tally (t, db, NULL, "-n", "1", "--repeat", "20", "-k", "serial/00", "@tests/samples/sample-sched", NULL);
  window = open_window (t, db);
  first_run = tally_viewer_window_get_run_id (window);

  g_setenv ("TALLY_RUNNER", runner, TRUE);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-marker-expression", "s", "not serial"));
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));

  /* Live: the new run shows up with rows while it runs. */
  viewer_test_wait_for (t, runner_progressed, window);
  while (tally_viewer_window_get_run_id (window) == first_run && !runner_idle (window))
    viewer_test_settle (t, 50);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), !=, first_run);
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));

  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL));
  viewer_test_wait_for (t, runner_idle, window);

  {
    g_autoptr(TallyStore) store = tally_store_open_readonly (db, NULL);
    g_autoptr(TallyRunRow) run = tally_store_get_run (store, tally_viewer_window_get_run_id (window), NULL);

    tally_assert_nonnull (run);
    tally_assert_cmpstr (tally_run_status_to_string (run->status), ==, "interrupted");
    /* Stopped well before its 18 × 20 tests of 40 ms on one worker. */
    tally_assert_cmpuint (run->n_results, <, 18 * 20);
  }
  tally_assert_nonnull (strstr (tally_viewer_window_get_last_toast (window), "stopped"));
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-outcomes", NULL);
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
  viewer_test_wait_for (t, viewer_test_loaded, window);
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
  viewer_test_wait_for (t, viewer_test_loaded, window);
  viewer_test_settle (t, 100);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, first_run);
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, first_run, NULL, NULL);

    assert_same_set (shown, expected);
  }

  /* And back, with a filter typed meanwhile: applied when it is in. */
  tally_viewer_window_select_run (window, second_run);
  search (window, "/outcomes/fail");
  viewer_test_wait_for (t, viewer_test_loaded, window);
  {
    g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
    g_autoptr(GPtrArray) expected = expected_rows (db, second_run, row_message_has, "/outcomes/fail");

    tally_assert_cmpuint (expected->len, >=, 1);
    assert_same_set (shown, expected);
  }
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
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
  viewer_test_wait_for (t, shows_n_results, &shows);
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
  viewer_test_wait_for (t, shows_n_results, &shows);
  tally_assert_cmpuint (g_list_model_get_n_items (results), ==, 1);
  tally_assert_cmpstr (outcome_of (results, "/many/0020"), ==, "failed");
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
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
  viewer_test_settle (t, 30);

  tally_assert_false (tally_viewer_window_open_path (window, foreign, &error));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "error");
  tally_assert_nonnull (strstr (tally_viewer_window_get_error_text (window), "foreign.sqlite"));
  g_clear_error (&error);

  tally_assert_false (tally_viewer_window_open_path (window, missing, &error));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "error");
  tally_assert_nonnull (strstr (tally_viewer_window_get_error_text (window), "does not exist"));
  viewer_test_close_window (t, window);
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
  g_autofree char *viewer = viewer_test_build_path ("viewer/tally-viewer");
  const char *env[] = { "TALLY_SAMPLE_FAIL", "a", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *contents = NULL;
  gsize size = 0;
  int status = -1;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, env, "@tests/samples/sample-history", "@tests/samples/sample-outcomes", NULL);
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

  viewer_test_require_display (t);
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
  viewer_test_settle (t, 50);
  tally_assert_true (xdotool ("key", "--clearmodifiers", keys, NULL));
  viewer_test_settle (t, 150);
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
  viewer_test_wait_for (t, detail_moved, &moved);
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
  viewer_test_run_tally (t, db, env, "@tests/samples/sample-history", NULL);
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
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  split = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (ADW_TYPE_SPLIT_BUTTON));
  tally_assert_nonnull (split);
  adw_split_button_popup (ADW_SPLIT_BUTTON (split));
  viewer_test_settle (t, 200);
  item = find_descendant (split, is_model_button_labelled, "Run by Marker Expression…");
  tally_assert_nonnull (item);
  tally_assert_true (gtk_widget_is_sensitive (item));
  g_signal_emit_by_name (item, "clicked");
  viewer_test_wait_for (t, has_message_dialog, NULL);
  dialog = find_message_dialog ();
  tally_assert_nonnull (dialog);
  tally_assert_true (GTK_IS_EDITABLE (adw_message_dialog_get_extra_child (dialog)));
  adw_message_dialog_response (dialog, "cancel");
  viewer_test_settle (t, 100);
  if (find_message_dialog () != NULL)
    gtk_window_destroy (GTK_WINDOW (find_message_dialog ()));
  tally_assert_false (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  viewer_test_close_window (t, window);
}

/* The end-of-run toast counts tests, not attempts, and comes from the
 * runner's last event even for a fast run. */
static void
test_end_toast (TallyTest     *t,
                gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  const char *env[] = { "TALLY_SAMPLE_FAIL", "b,c", NULL };
  g_autofree char *runner = viewer_test_build_path ("runner/tally");
  g_auto(GStrv) listed = NULL;
  g_autofree char *want = NULL;
  TallyViewerWindow *window;
  NewRun new_run;
  guint n = 0;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, env, "--retries", "2", "@tests/samples/sample-history", NULL);
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
  viewer_test_wait_for (t, shows_new_run, &new_run);
  g_unsetenv ("TALLY_SAMPLE_FAIL");

  /* c failed three attempts (--retries 2 is kept): one test of n. */
  tally_assert_cmpuint (n, >=, 2);
  want = g_strdup_printf ("Run finished: 1 of %u tests failed", n);
  tally_assert_cmpstr (tally_viewer_window_get_last_toast (window), ==, want);
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
  tally_store_close (tally_store_open (db, &error));
  tally_assert_no_error (error);

  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));
  tally_assert_true (tally_viewer_window_open_path (window, db, &error));
  tally_assert_no_error (error);
  viewer_test_settle (t, 100);
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "empty");
  tally_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "win.rerun-failed", NULL)
                      && tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  {
    GtkWidget *split = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (ADW_TYPE_SPLIT_BUTTON));

    tally_assert_false (gtk_widget_get_visible (split) && gtk_widget_is_sensitive (split));
  }

  /* The first run, made by another process, is shown when it appears. */
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  viewer_test_wait_for (t, shows_results, window);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, newest_run (db));
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 9);

  /* The newest run was shown: the next one is followed too. */
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-outcomes", NULL);
  next.window = window;
  next.run_id = newest_run (db);
  viewer_test_wait_for (t, shows_run, &next);
  viewer_test_close_window (t, window);
}

/* --- the detail pane: attempts, crashes, search, locations ------------------ */

/* Selects the result at @path (searched for) and returns the detail. */
static TallyViewerDetail *
show_result (TallyViewerWindow *window,
             const char        *path)
{
  GListModel *results = tally_viewer_window_get_results (window);
  TallyViewerDetail *detail = tally_viewer_window_get_detail (window);

  search (window, path);
  tally_assert_cmpuint (position_of (results, path), !=, G_MAXUINT);
  tally_assert_true (tally_viewer_window_select_position (window, position_of (results, path)));
  tally_assert_cmpint (tally_viewer_detail_get_result_id (detail), ==,
                       tally_viewer_result_list_get_id_at (TALLY_VIEWER_RESULT_LIST (results),
                                                           position_of (results, path)));
  return detail;
}

static char *
visible_page (TallyViewerDetail *detail)
{
  char *page = NULL;

  g_object_get (detail, "visible-page", &page, NULL);
  return page;
}

/* A flaky test opens on its failed first attempt; each attempt has its
 * own message; a test failed after retries lists every try. */
static void
test_detail_attempts (TallyTest     *t,
                      gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerDetail *detail;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, NULL, "--retries", "2", "@tests/samples/sample-history",
             "@tests/samples/sample-outcomes", "-k", "flaky or /outcomes/fail", NULL);
  window = open_window (t, db);

  detail = show_result (window, "/history/flaky");
  tally_assert_cmpuint (tally_viewer_detail_get_n_attempts (detail), ==, 2);
  tally_assert_cmpuint (tally_viewer_detail_get_shown_attempt (detail), ==, 1);
  tally_assert_nonnull (tally_viewer_detail_get_message (detail));
  tally_assert_nonnull (strstr (tally_viewer_detail_get_message (detail), "first attempt fails"));

  /* The second attempt passed: no failure to show. */
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.show-attempt", "u", 1));
  tally_assert_cmpuint (tally_viewer_detail_get_shown_attempt (detail), ==, 2);
  tally_assert_null (tally_viewer_detail_get_message (detail));
  /* The row the table selected is still the one the detail is about. */
  tally_assert_cmpint (tally_viewer_detail_get_result_id (detail), ==,
                       tally_viewer_result_list_get_id_at (TALLY_VIEWER_RESULT_LIST (tally_viewer_window_get_results (window)), 0));

  detail = show_result (window, "/outcomes/fail");
  tally_assert_cmpuint (tally_viewer_detail_get_n_attempts (detail), ==, 3);
  tally_assert_cmpuint (tally_viewer_detail_get_shown_attempt (detail), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.show-attempt", "u", i));
      tally_assert_cmpuint (tally_viewer_detail_get_shown_attempt (detail), ==, i + 1);
      tally_assert_nonnull (strstr (tally_viewer_detail_get_message (detail), "left"));
      tally_assert_cmpstr (tally_viewer_detail_get_page_title (detail, "log"), ==, "Log (1)");
    }
  viewer_test_close_window (t, window);
}

/* A crash opens on the crash tab: the signal (with a message), the
 * backtrace's functions, the stderr tail; tabs count what they hold;
 * the level filter shows on the log tab only. */
static void
test_detail_crash (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autofree char *page = NULL;
  g_autofree char *crash = NULL;
  TallyViewerWindow *window;
  TallyViewerDetail *detail;
  GtkWidget *dropdown;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-crash", "@tests/samples/sample-outcomes",
             "-k", "segv or /outcomes/fail", NULL);
  window = open_window (t, db);
  detail = show_result (window, "/crash/segv");
  dropdown = find_descendant (GTK_WIDGET (detail), is_type, GSIZE_TO_POINTER (GTK_TYPE_DROP_DOWN));
  tally_assert_nonnull (dropdown);

  page = visible_page (detail);
  tally_assert_cmpstr (page, ==, "crash");
  tally_assert_true (tally_viewer_detail_has_page (detail, "crash"));
  tally_assert_nonnull (tally_viewer_detail_get_signal_text (detail));
  tally_assert_nonnull (strstr (tally_viewer_detail_get_signal_text (detail), "SIGSEGV"));
  tally_assert_nonnull (tally_viewer_detail_get_message (detail));
  tally_assert_null (strstr (tally_viewer_detail_get_message (detail), "backtrace:"));
  crash = tally_viewer_detail_dup_crash_text (detail);
  tally_assert_nonnull (strstr (crash, "#1  raise at "));
  tally_assert_nonnull (strstr (crash, "last words on stderr"));
  tally_assert_cmpstr (tally_viewer_detail_get_page_title (detail, "log"), ==, "Log (1)");
  tally_assert_cmpstr (tally_viewer_detail_get_page_title (detail, "stderr"), ==, "Standard Error (1)");
  tally_assert_cmpstr (tally_viewer_detail_get_page_title (detail, "stdout"), ==, "Standard Output (0)");
  tally_assert_false (gtk_widget_get_visible (dropdown));
  /* Tabs, attempts and history scroll: the pane fits a 360 px window. */
  {
    int min = 0, nat = 0;

    tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.search", NULL));
    gtk_widget_measure (GTK_WIDGET (detail), GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
    tally_assert_cmpint (min, <=, 360);
  }

  g_object_set (detail, "visible-page", "log", NULL);
  g_clear_pointer (&page, g_free);
  page = visible_page (detail);
  tally_assert_cmpstr (page, ==, "log");
  tally_assert_true (gtk_widget_get_visible (dropdown));

  /* A plain failure has no crash tab, and opens on the tab chosen last. */
  g_object_set (detail, "visible-page", "stderr", NULL);
  detail = show_result (window, "/outcomes/fail");
  tally_assert_false (tally_viewer_detail_has_page (detail, "crash"));
  tally_assert_null (tally_viewer_detail_get_signal_text (detail));
  g_clear_pointer (&page, g_free);
  page = visible_page (detail);
  tally_assert_cmpstr (page, ==, "stderr");
  viewer_test_close_window (t, window);
}

static gboolean
log_selected_first (gpointer data)
{
  return tally_viewer_detail_get_log_selected (data) != GTK_INVALID_LIST_POSITION;
}

static gboolean
text_selected (gpointer data)
{
  g_autofree char *selected = tally_viewer_detail_dup_selected_text (data);

  return selected != NULL;
}

static int
selected_line (TallyViewerDetail *detail)
{
  GtkTextView *view = tally_viewer_detail_get_text_view (detail);
  GtkTextIter start, end;

  if (view == NULL || !gtk_text_buffer_get_selection_bounds (gtk_text_view_get_buffer (view), &start, &end))
    return -1;
  return gtk_text_iter_get_line (&start);
}

static void
on_problem_cb (TallyViewerDetail *detail,
               const char        *message,
               gpointer           data)
{
  char **problem = data;

  g_free (*problem);
  *problem = g_strdup (message);
}

static gboolean
file_written (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Search with next/previous in the log and the output, copy all, the
 * log rows' menu, times as "12.3 ms", the wrap toggle without hyphens,
 * and locations opened with $TALLY_EDITOR. */
static void
test_detail_reading (TallyTest     *t,
                     gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autofree char *out = g_build_filename (tally_test_get_tmpdir (t), "editor-out", NULL);
  g_autofree char *editor = g_strdup_printf ("sh -c 'echo {file}:{line} > %s'", out);
  g_autofree char *all = NULL;
  g_autofree char *selected = NULL;
  g_autofree char *message = NULL;
  g_autofree char *opened = NULL;
  g_autofree char *problem = NULL;
  g_autoptr(GRegex) time_re = g_regex_new ("^ *[0-9]+\\.[0-9] ms  MESSAGE   record 0 of /chatty/042$", 0, 0, NULL);
  TallyViewerWindow *window;
  TallyViewerDetail *detail;
  GtkEditable *entry;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-chatty", "@tests/samples/sample-outcomes",
             "-k", "/chatty/042 or /outcomes/fail", NULL);
  window = open_window (t, db);
  detail = show_result (window, "/chatty/042");
  entry = tally_viewer_detail_get_search_entry (detail);
  wait_for_log_rows (t, window, "/chatty/042", 20);
  {
    g_autoptr(GPtrArray) rows = log_rows (window);

    tally_assert_cmpuint (rows->len, ==, 20);
    if (!g_regex_match (time_re, tally_viewer_log_row_get_text (rows->pdata[0]), 0, NULL))
      tally_test_fail (t, "log row: %s", tally_viewer_log_row_get_text (rows->pdata[0]));
  }

  /* The log: "record 1" is records 1 and 10 to 19. The entry searches
   * after its typing delay. */
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.search", NULL));
  gtk_editable_set_text (entry, "RECORD 1");
  viewer_test_wait_for (t, log_selected_first, detail);
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 1);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.find-next", NULL));
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 10);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.find-previous", NULL));
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 1);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.find-previous", NULL));
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 19);

  /* Copy all: every record, one a line. */
  all = copy_from_detail (t, detail, "detail.copy-all");
  tally_assert_nonnull (strstr (all, "record 0 of /chatty/042\n"));
  tally_assert_nonnull (strstr (all, "record 19 of /chatty/042\n"));

  /* The row menu copies the record's message. */
  tally_viewer_detail_popup_log_menu (detail, 7);
  tally_assert_true (gtk_widget_get_visible (tally_viewer_detail_get_log_menu (detail)));
  message = copy_from_detail (t, detail, "detail.copy-log-message");
  tally_assert_cmpstr (message, ==, "record 7 of /chatty/042");
  gtk_popover_popdown (GTK_POPOVER (tally_viewer_detail_get_log_menu (detail)));

  /* The output: next and previous select the matches in turn. */
  g_object_set (detail, "visible-page", "stdout", NULL);
  gtk_editable_set_text (entry, "stdout 1");
  viewer_test_wait_for (t, text_selected, detail);
  selected = tally_viewer_detail_dup_selected_text (detail);
  tally_assert_cmpstr (selected, ==, "stdout 1");
  tally_assert_cmpint (selected_line (detail), ==, 1);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.find-next", NULL));
  tally_assert_cmpint (selected_line (detail), ==, 10);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.find-previous", NULL));
  tally_assert_cmpint (selected_line (detail), ==, 1);
  {
    GtkTextView *view = tally_viewer_detail_get_text_view (detail);
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
    GtkTextTag *no_hyphens = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "no-hyphens");
    GtkTextIter start;
    gboolean hyphens = TRUE;

    /* Wrapping never adds hyphens; the toggle turns it off. */
    tally_assert_nonnull (no_hyphens);
    g_object_get (no_hyphens, "insert-hyphens", &hyphens, NULL);
    tally_assert_false (hyphens);
    gtk_text_buffer_get_start_iter (buffer, &start);
    tally_assert_true (gtk_text_iter_has_tag (&start, no_hyphens));
    tally_assert_cmpint (gtk_text_view_get_wrap_mode (view), ==, GTK_WRAP_WORD_CHAR);
    tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.toggle-wrap", NULL));
    tally_assert_cmpint (gtk_text_view_get_wrap_mode (view), ==, GTK_WRAP_NONE);
    tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.toggle-wrap", NULL));
  }

  /* A location opens in $TALLY_EDITOR, resolved against the directory
   * the run ran in. */
  detail = show_result (window, "/outcomes/fail");
  {
    g_autofree char *dir = g_build_filename (tally_test_get_tmpdir (t), "src", NULL);
    g_autofree char *source = g_build_filename (dir, "here.c", NULL);
    g_autofree char *canonical = g_canonicalize_filename (source, NULL);
    g_autofree char *want = g_strdup_printf ("%s:7\n", canonical);

    tally_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
    tally_assert_true (g_file_set_contents (source, "int x;\n", -1, NULL));
    g_setenv ("TALLY_EDITOR", editor, TRUE);
    tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.open-location", "s",
                                                   "tally-location:src/here.c:7"));
    g_unsetenv ("TALLY_EDITOR");
    viewer_test_wait_for (t, file_written, out);
    viewer_test_settle (t, 100);
    tally_assert_true (g_file_get_contents (out, &opened, NULL, NULL));
    tally_assert_cmpstr (opened, ==, want);

    /* An editor that cannot start is reported, for a toast. */
    g_signal_connect (detail, "problem", G_CALLBACK (on_problem_cb), &problem);
    g_setenv ("TALLY_EDITOR", "/nonexistent/editor {file}", TRUE);
    tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.open-location", "s",
                                                   "tally-location:src/here.c:7"));
    g_unsetenv ("TALLY_EDITOR");
    g_signal_handlers_disconnect_by_func (detail, on_problem_cb, &problem);
    tally_assert_nonnull (problem);
    tally_assert_true (g_str_has_prefix (problem, "Cannot open "));
  }
  viewer_test_close_window (t, window);
}

/* Real keys in the detail's search entry: Enter goes to the next match,
 * Shift+Enter back, as the buttons' tooltips say. */
static void
test_detail_search_keys (TallyTest     *t,
                         gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerDetail *detail;
  GtkEditable *entry;

  require_xdotool (t);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-chatty", "-k", "/chatty/042", NULL);
  window = open_window (t, db);
  detail = show_result (window, "/chatty/042");
  entry = tally_viewer_detail_get_search_entry (detail);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.search", NULL));
  gtk_editable_set_text (entry, "record 1");
  viewer_test_wait_for (t, log_selected_first, detail);
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 1);
  tally_assert_true (gtk_widget_grab_focus (GTK_WIDGET (entry)));
  press_keys (t, window, "Return");
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 10);
  press_keys (t, window, "Return");
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 11);
  press_keys (t, window, "shift+Return");
  tally_assert_cmpuint (tally_viewer_detail_get_log_selected (detail), ==, 10);
  viewer_test_close_window (t, window);
}

static gboolean
is_text_label (GtkWidget     *widget,
               gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0';
}

/* A control whose name AT-SPI could only take from an explicit label:
 * a dropdown, an entry, a button that shows no text (an icon). */
static gboolean
is_unlabelled_control (GtkWidget     *widget,
                       gconstpointer  data)
{
  GtkWidget *dropdown = gtk_widget_get_ancestor (widget, GTK_TYPE_DROP_DOWN);
  /* A dropdown's insides (its button, its popover's search entry) are
   * its own; the dropdown is named. */
  gboolean control = GTK_IS_DROP_DOWN (widget)
                     || (dropdown == NULL && GTK_IS_SEARCH_ENTRY (widget))
                     || (dropdown == NULL && GTK_IS_BUTTON (widget)
                         && find_descendant (widget, is_text_label, NULL) == NULL);

  if (!control || !gtk_widget_get_visible (widget))
    return FALSE;
  return !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

/* Every icon button, entry and dropdown of the detail has a name. */
static void
test_detail_accessible (TallyTest     *t,
                        gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerDetail *detail;
  GtkWidget *unlabelled;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-chatty", "-k", "/chatty/042", NULL);
  window = open_window (t, db);
  detail = show_result (window, "/chatty/042");
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (detail), "detail.search", NULL));
  viewer_test_settle (t, 50);
  unlabelled = find_descendant (GTK_WIDGET (detail), is_unlabelled_control, NULL);
  if (unlabelled != NULL)
    tally_test_fail (t, "a %s of the detail pane has no accessible label (tooltip: %s)",
                     G_OBJECT_TYPE_NAME (unlabelled), gtk_widget_get_tooltip_text (unlabelled));
  viewer_test_close_window (t, window);
}

/* file:line found in text from tests (escaped, never markup), parsed,
 * and resolved through the program's parents when the run's directory
 * does not have it (debug info is relative to the build directory). */
static void
test_locations (TallyTest     *t,
                gconstpointer  data)
{
  const char *tmp = tally_test_get_tmpdir (t);
  g_autofree char *bin = g_build_filename (tmp, "build", "tests", NULL);
  g_autofree char *program = g_build_filename (bin, "prog", NULL);
  g_autofree char *srcdir = g_build_filename (tmp, "tests", NULL);
  g_autofree char *source = g_build_filename (srcdir, "foo.c", NULL);
  g_autofree char *markup = tally_viewer_location_markup ("a <b> at ../x/y.c:12 & \"q\"", -1);
  g_autofree char *resolved = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *file = NULL;
  int line = 0;

  tally_assert_cmpstr (markup, ==, "a &lt;b&gt; at <a href=\"tally-location:../x/y.c:12\">../x/y.c:12</a>"
                                   " &amp; &quot;q&quot;");
  tally_assert_true (tally_viewer_location_parse ("tally-location:../x/y.c:12", &file, &line));
  tally_assert_cmpstr (file, ==, "../x/y.c");
  tally_assert_cmpint (line, ==, 12);
  g_clear_pointer (&file, g_free);
  tally_assert_false (tally_viewer_location_parse ("tally-location:nothing", &file, &line));

  tally_assert_cmpint (g_mkdir_with_parents (bin, 0700), ==, 0);
  tally_assert_cmpint (g_mkdir_with_parents (srcdir, 0700), ==, 0);
  tally_assert_true (g_file_set_contents (program, "", -1, NULL));
  tally_assert_true (g_file_set_contents (source, "", -1, NULL));
  resolved = tally_viewer_location_resolve ("../tests/foo.c", "/nonexistent", program);
  tally_assert_cmpstr (resolved, ==, source);
  /* Found nowhere: against the run's directory. */
  missing = tally_viewer_location_resolve ("../tests/bar.c", "/nonexistent/run", program);
  tally_assert_cmpstr (missing, ==, "/nonexistent/tests/bar.c");
}

/* --- window level: compare, history, flaky, narrow, accessible ---------- */

/* One finished result of prog::PATH in @run. */
static void
craft_result (TallyStore   *store,
              gint64        run,
              const char   *path,
              TallyOutcome  outcome,
              gint64        duration_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = tally_markers_new ();
  TallyResult result;
  gint64 test_id, result_id;

  test_id = tally_store_ensure_test (store, "prog", path, NULL, 0, markers, &error);
  tally_assert_no_error (error);
  tally_result_init (&result);
  result_id = tally_store_start_result (store, run, test_id, &result, &error);
  tally_assert_no_error (error);
  result.outcome = outcome;
  result.duration_us = duration_us;
  tally_store_finish_result (store, result_id, &result, &error);
  tally_assert_no_error (error);
}

/* Runs 1–4 of /flips (pass, fail, pass, timeout), /steady and more: run 3
 * against run 4 has each kind of change. */
static void
craft_db (const char *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (db, &error);
  static const TallyOutcome flips[] = {
    TALLY_OUTCOME_PASSED, TALLY_OUTCOME_FAILED, TALLY_OUTCOME_PASSED, TALLY_OUTCOME_TIMEOUT,
  };

  tally_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (flips); i++)
    {
      gint64 run = tally_store_begin_run (store, NULL, 1, 0, NULL, &error);

      tally_assert_no_error (error);
      craft_result (store, run, "/flips", flips[i], 1000 * (i + 1));
      craft_result (store, run, "/steady", TALLY_OUTCOME_PASSED, i < 3 ? 2000 : 9000);
      if (i < 3)
        craft_result (store, run, "/removed", TALLY_OUTCOME_PASSED, 100);
      else
        craft_result (store, run, "/added", TALLY_OUTCOME_PASSED, 100);
      craft_result (store, run, "/broken", TALLY_OUTCOME_FAILED, 100);
      craft_result (store, run, "/fixed", i < 3 ? TALLY_OUTCOME_FAILED : TALLY_OUTCOME_PASSED, 100);
      tally_store_finish_run (store, run, TALLY_RUN_FAILED, &error);
      tally_assert_no_error (error);
    }
}

static GtkWidget *
find_of_type (GtkWidget *widget,
              GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = G_TYPE_CHECK_INSTANCE_TYPE (child, type) ? child : find_of_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Run 5: a rerun of @parent (as the viewer records one) where /flips
 * passes. */
static void
craft_rerun (const char *db,
             gint64      parent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (db, &error);
  gint64 run;

  tally_assert_no_error (error);
  run = tally_store_begin_run (store, NULL, 1, 0, NULL, &error);
  tally_assert_no_error (error);
  craft_result (store, run, "/flips", TALLY_OUTCOME_PASSED, 1000);
  tally_store_finish_run (store, run, TALLY_RUN_PASSED, &error);
  tally_assert_no_error (error);
  tally_assert_true (tally_store_set_run_parent (store, run, parent, &error));
}

static void
test_compare_page (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerComparePage *page;

  viewer_test_require_display (t);
  craft_db (db);
  craft_rerun (db, 2);
  window = open_window (t, db);
  /* The window names the database. */
  tally_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "results.sqlite"));
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, 5);
  /* Shown merged over run 2: its five tests, counted as shown. */
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 5);
  tally_assert_cmpuint (tally_viewer_document_count (tally_viewer_window_get_document (window),
                                                     TALLY_VIEWER_FAILED_MASK), ==, 2);
  tally_assert_cmpuint (tally_viewer_document_count (tally_viewer_window_get_document (window),
                                                     TALLY_VIEWER_PASSED_MASK), ==, 3);

  /* Default for a rerun: against the run it came from (2, not 4), both
   * merged: /flips fixed, nothing removed. */
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "compare");
  page = TALLY_VIEWER_COMPARE_PAGE (tally_viewer_window_get_page_widget (window, "compare"));
  /* Compared on a thread, which the window counts as loading. */
  tally_assert_true (tally_viewer_compare_page_is_busy (page));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_FIXED), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_STILL_FAILING), ==, 2);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_REMOVED), ==, 0);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_NEW_TEST), ==, 0);

  /* Run 4 against 3: each kind of change once. */
  tally_assert_true (tally_viewer_compare_page_show_runs (page, 3, 4));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_NEW_FAILURE), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_FIXED), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_STILL_FAILING), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_NEW_TEST), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_REMOVED), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_SLOWER), ==, 1);

  /* A test of the list opens its history. */
  {
    GtkWidget *list = find_of_type (GTK_WIDGET (page), GTK_TYPE_LIST_BOX);
    GtkListBoxRow *row;

    tally_assert_nonnull (list);
    row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0);
    tally_assert_nonnull (row);
    g_signal_emit_by_name (list, "row-activated", row);
    tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "history");
    viewer_test_wait_for (t, viewer_test_loaded, window);
    tally_assert_nonnull (tally_viewer_history_page_get_cell (
                            TALLY_VIEWER_HISTORY_PAGE (tally_viewer_window_get_page_widget (window, "history")), 3));
  }

  /* Two other runs: 1 → 2, only /flips broke. */
  tally_assert_true (tally_viewer_compare_page_show_runs (page, 1, 2));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_NEW_FAILURE), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_FIXED), ==, 0);
  tally_assert_cmpuint (tally_viewer_compare_page_count (page, TALLY_CHANGE_SLOWER), ==, 0);

  /* Back, with Escape's action. */
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-results", NULL));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "results");
  viewer_test_close_window (t, window);
}

static guint
position_of_path (TallyViewerWindow *window,
                  const char        *path)
{
  g_autoptr(GPtrArray) shown = tally_viewer_window_dup_shown (window);
  g_autofree char *key = g_strdup_printf ("prog::%s", path);

  for (guint i = 0; i < shown->len; i++)
    if (strcmp (g_ptr_array_index (shown, i), key) == 0)
      return i;
  tally_assert_not_reached ();
  return 0;
}

static gboolean
shows_run_1 (gpointer data)
{
  return tally_viewer_window_get_run_id (data) == 1 && !tally_viewer_window_is_loading (data);
}

static void
test_history_page (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerHistoryPage *page;
  GtkWidget *cell;

  viewer_test_require_display (t);
  craft_db (db);
  window = open_window (t, db);

  /* The run opened on its first failure: its history can be shown. */
  tally_assert_true (tally_viewer_window_show_page (window, "history"));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "history");
  tally_assert_true (tally_viewer_window_show_page (window, "results"));
  tally_assert_true (tally_viewer_window_select_position (window, position_of_path (window, "/flips")));
  viewer_test_settle (t, 50);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.history", NULL));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "history");
  page = TALLY_VIEWER_HISTORY_PAGE (tally_viewer_window_get_page_widget (window, "history"));

  /* A point and a button per run, oldest first, each named. */
  tally_viewer_history_page_show_test (page, "prog", "/flips");
  tally_assert_true (tally_viewer_history_page_is_busy (page));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_cmpuint (tally_viewer_history_page_get_n_runs (page), ==, 4);
  tally_assert_nonnull (tally_viewer_history_page_get_cell (page, 3));
  tally_assert_null (tally_viewer_history_page_get_cell (page, 4));
  cell = tally_viewer_history_page_get_cell (page, 3);
  tally_assert_true (gtk_widget_has_css_class (cell, "timeout"));
  tally_assert_true (gtk_test_accessible_check_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                         "Run #4: timeout, 4.0 ms") == NULL);
  viewer_test_settle (t, 50);
  tally_assert_cmpint (gtk_widget_get_height (tally_viewer_history_page_get_cell (page, 0)), >, 0);

  /* Clicking the oldest opens run 1, on the results, with the test
   * selected (here another test was in the detail). */
  tally_assert_true (tally_viewer_window_select_position (window, position_of_path (window, "/steady")));
  viewer_test_settle (t, 50);
  g_signal_emit_by_name (tally_viewer_history_page_get_cell (page, 0), "clicked");
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "results");
  viewer_test_wait_for (t, shows_run_1, window);
  viewer_test_settle (t, 50);
  tally_assert_true (gtk_selection_model_is_selected (tally_viewer_window_get_selection (window),
                                                      position_of_path (window, "/flips")));
  viewer_test_close_window (t, window);
}

static gboolean
shows_run_2 (gpointer data)
{
  return tally_viewer_window_get_run_id (data) == 2 && !tally_viewer_window_is_loading (data);
}

/* The test in the detail stays selected in the run chosen next. */
static void
test_selection_survives_switch (TallyTest     *t,
                                gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  GtkSelectionModel *selection;

  viewer_test_require_display (t);
  craft_db (db);
  window = open_window (t, db);
  selection = tally_viewer_window_get_selection (window);
  tally_assert_true (tally_viewer_window_select_position (window, position_of_path (window, "/steady")));
  viewer_test_settle (t, 50);
  tally_assert_true (tally_viewer_window_select_run (window, 2));
  viewer_test_wait_for (t, shows_run_2, window);
  viewer_test_settle (t, 50);
  tally_assert_true (gtk_selection_model_is_selected (selection, position_of_path (window, "/steady")));
  tally_assert_false (gtk_selection_model_is_selected (selection, position_of_path (window, "/flips")));
  viewer_test_close_window (t, window);
}

static gboolean
flaky_read (gpointer data)
{
  return !tally_viewer_flaky_page_is_busy (data);
}

static void
test_flaky_page (TallyTest     *t,
                 gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerFlakyPage *page;

  viewer_test_require_display (t);
  craft_db (db);
  window = open_window (t, db);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.flaky", NULL));
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "flaky");
  page = TALLY_VIEWER_FLAKY_PAGE (tally_viewer_window_get_page_widget (window, "flaky"));
  /* Read on a thread. Only /flips flips (3 times); /fixed changed once,
   * which is not flaky. */
  viewer_test_wait_for (t, flaky_read, page);
  tally_assert_cmpuint (tally_viewer_flaky_page_get_n_tests (page), ==, 1);
  tally_viewer_flaky_page_activate (page, 0);
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "history");
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_nonnull (tally_viewer_history_page_get_cell (
                          TALLY_VIEWER_HISTORY_PAGE (tally_viewer_window_get_page_widget (window, "history")), 3));
  viewer_test_close_window (t, window);
}

static gboolean
is_folded (gpointer data)
{
  return adw_flap_get_folded (tally_viewer_window_get_flap (data));
}

/* At 360 px the runs fold over the results instead of pushing them off
 * the window; F9 reveals them, and choosing a run folds them away. */
static void
test_narrow (TallyTest     *t,
             gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  AdwFlap *flap;

  viewer_test_require_display (t);
  craft_db (db);
  window = open_window (t, db);
  flap = tally_viewer_window_get_flap (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  viewer_test_wait_for (t, is_folded, window);
  tally_assert_false (adw_flap_get_reveal_flap (flap));
  tally_assert_cmpint (gtk_widget_get_width (adw_flap_get_flap (flap)), <=, gtk_widget_get_width (GTK_WIDGET (window)));
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-sidebar", NULL));
  tally_assert_true (adw_flap_get_reveal_flap (flap));
  tally_assert_true (tally_viewer_window_select_run (window, 2));
  tally_assert_false (adw_flap_get_reveal_flap (flap));
  viewer_test_wait_for (t, viewer_test_loaded, window);

  viewer_test_close_window (t, window);
}

/* Icon-only buttons, drop-downs and history cells of the window's own
 * widgets carry a name for screen readers (GTK 4.8's test API). */
static void
assert_named (TallyTest *t,
              GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      gboolean icon_only = (GTK_IS_BUTTON (child) && gtk_button_get_icon_name (GTK_BUTTON (child)) != NULL)
                           || (GTK_IS_MENU_BUTTON (child) && gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (child)) != NULL);

      /* The filter bar, the table and the detail are other files' widgets. */
      if (TALLY_VIEWER_IS_FILTER_BAR (child) || TALLY_VIEWER_IS_DETAIL (child)
          || g_str_equal (G_OBJECT_TYPE_NAME (child), "TallyViewerResultsView"))
        continue;
      if ((icon_only || GTK_IS_DROP_DOWN (child) || gtk_widget_has_css_class (child, "history-cell"))
          && !gtk_test_accessible_has_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL))
        tally_test_fail (t, "a %s (%s) has no accessible label", G_OBJECT_TYPE_NAME (child),
                         gtk_widget_get_tooltip_text (child) ? gtk_widget_get_tooltip_text (child) : "no tooltip");
      assert_named (t, child);
    }
}

static void
test_accessible_labels (TallyTest     *t,
                        gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;

  viewer_test_require_display (t);
  craft_db (db);
  window = open_window (t, db);
  tally_assert_true (tally_viewer_window_select_position (window, position_of_path (window, "/flips")));
  /* Each page read (a page left while it reads drops its read). */
  tally_assert_true (tally_viewer_window_show_page (window, "compare"));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_true (tally_viewer_window_show_page (window, "history"));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  tally_assert_true (tally_viewer_window_show_page (window, "flaky"));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  assert_named (t, GTK_WIDGET (window));
  tally_assert_true (gtk_test_accessible_has_property (
                       GTK_ACCESSIBLE (tally_viewer_history_page_get_cell (
                         TALLY_VIEWER_HISTORY_PAGE (tally_viewer_window_get_page_widget (window, "history")), 0)),
                       GTK_ACCESSIBLE_PROPERTY_LABEL));
  viewer_test_close_window (t, window);
}

static void
test_describe_run (TallyTest     *t,
                   gconstpointer  data)
{
  static const struct { const char *argv[6]; gint64 parent; const char *want; } cases[] = {
    { { "run", "prog", NULL }, 0, NULL },
    { { "run", "--lf", "prog", NULL }, 0, "--lf" },
    { { "run", "-m", "serial and not slow", "prog", NULL }, 0, "-m serial and not slow" },
    { { "run", "--markers=net", "-k", "http", NULL }, 0, "-m net · -k http" },
    { { "run", "-knet", NULL }, 0, "-k net" },
    { { "run", "--tests-from", "/tmp/x", "prog", NULL }, 0, "listed tests" },
    { { "run", "--tests-from", "/tmp/x", "prog", NULL }, 6, "Rerun of #6" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *kind = tally_viewer_describe_run (cases[i].argv, cases[i].parent);

      tally_assert_cmpstr (kind, ==, cases[i].want);
    }
  for (guint i = 0; i < 4; i++)
    {
      static const guint64 n[] = { 0, 999, 1000, 1234567 };
      static const char *want[] = { "0", "999", "1,000", "1,234,567" };
      g_autofree char *text = tally_viewer_format_count (n[i]);

      tally_assert_cmpstr (text, ==, want[i]);
    }
}

/* The mean of one channel over the image, and its width. */
static double
png_mean (const char *png,
          int        *width)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (png, &error);
  int w, h;
  g_autofree guchar *pixels = NULL;
  double sum = 0;

  tally_assert_no_error (error);
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  for (gsize i = 0; i < (gsize) w * h; i++)
    sum += pixels[i * 4 + 1];
  *width = w;
  return sum / ((double) w * h);
}

static int
screenshot (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  int status = -1;

  g_ptr_array_add (argv, viewer_test_build_path ("viewer/tally-viewer"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  tally_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

static void
test_screenshot_options (TallyTest     *t,
                         gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autofree char *light = g_build_filename (tally_test_get_tmpdir (t), "light.png", NULL);
  g_autofree char *dark = g_build_filename (tally_test_get_tmpdir (t), "dark.png", NULL);
  g_autofree char *compare = g_build_filename (tally_test_get_tmpdir (t), "compare.png", NULL);
  double light_mean, dark_mean, compare_mean;
  int width = 0;

  viewer_test_require_display (t);
  craft_db (db);
  tally_assert_cmpint (screenshot ((const char *[]) { "--screenshot", light, "--color-scheme", "light",
                                                      "--run", "2", "--select", "prog::/flips",
                                                      "--width", "1000", "--height", "700", db, NULL }), ==, 0);
  tally_assert_cmpint (screenshot ((const char *[]) { "--screenshot", dark, "--color-scheme", "dark",
                                                      "--run", "2", "--select", "prog::/flips",
                                                      "--width", "1000", "--height", "700", db, NULL }), ==, 0);
  light_mean = png_mean (light, &width);
  tally_assert_cmpint (width, >=, 980);
  tally_assert_cmpint (width, <=, 1000);
  dark_mean = png_mean (dark, &width);
  g_message ("mean green: light %.1f, dark %.1f", light_mean, dark_mean);
  tally_assert_cmpfloat (light_mean, >, dark_mean + 80);

  tally_assert_cmpint (screenshot ((const char *[]) { "--screenshot", compare, "--color-scheme", "light",
                                                      "--page", "compare", "--filter", "flips", "--view", "table",
                                                      "--width", "1000", "--height", "700", db, NULL }), ==, 0);
  compare_mean = png_mean (compare, &width);
  tally_assert_cmpfloat (ABS (compare_mean - light_mean), >, 0.5);

  /* Refused: a bad choice, a run or a test that is not there. */
  tally_assert_cmpint (screenshot ((const char *[]) { "--screenshot", compare, "--view", "grid", db, NULL }), ==, 1);
  tally_assert_cmpint (screenshot ((const char *[]) { "--screenshot", compare, "--run", "99", db, NULL }), ==, 1);
  tally_assert_cmpint (screenshot ((const char *[]) { "--screenshot", compare, "--select", "prog::/none", db, NULL }),
                       ==, 1);
  tally_assert_cmpint (screenshot ((const char *[]) { "--run", "2", db, NULL }), ==, 1);
}

/* --- the results list: clicks, tree, columns, menus ----------------------- */

/* The table's cell on screen showing exactly @text. */
static GtkWidget *
cell_with_text (TallyViewerWindow *window,
                const char        *text)
{
  g_autoptr(GPtrArray) cells = cells_with_prefix (window, text);
  GtkWidget *table = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (GTK_TYPE_COLUMN_VIEW));

  /* A view keeps widgets it does not show: only a mapped one of the table. */
  for (guint i = 0; i < cells->len; i++)
    if (g_strcmp0 (tally_viewer_cell_get_text (cells->pdata[i]), text) == 0
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
  viewer_test_settle (t, 50);
  if (modifier != NULL)
    tally_assert_true (xdotool ("keydown", modifier, "click", button, "keyup", modifier, NULL));
  else
    tally_assert_true (xdotool ("click", button, NULL));
  viewer_test_settle (t, 200);
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
  viewer_test_run_tally (t, db, NULL, "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  /* Tall enough for the nine rows above the detail. */
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 900);
  viewer_test_settle (t, 200);
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
  viewer_test_close_window (t, window);
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

/* A label, an inscription or a cell of the table showing @text, or a row
 * of the tree showing it as its name or its counts. */
static gboolean
is_label_with_text (GtkWidget     *widget,
                    gconstpointer  text)
{
  const char *shown = GTK_IS_LABEL (widget) ? gtk_label_get_text (GTK_LABEL (widget))
                      : GTK_IS_INSCRIPTION (widget) ? gtk_inscription_get_text (GTK_INSCRIPTION (widget))
                      : TALLY_VIEWER_IS_CELL (widget) ? tally_viewer_cell_get_text (TALLY_VIEWER_CELL (widget))
                      : NULL;

  if (TALLY_VIEWER_IS_TREE_ROW (widget) && gtk_widget_get_mapped (widget)
      && g_strcmp0 (tally_viewer_tree_row_get_counts (TALLY_VIEWER_TREE_ROW (widget)), text) == 0)
    return TRUE;
  if (TALLY_VIEWER_IS_TREE_ROW (widget))
    shown = tally_viewer_tree_row_get_name (TALLY_VIEWER_TREE_ROW (widget));
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

  viewer_test_wait_for (t, label_shown, &l);
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

  viewer_test_require_display (t);
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
  viewer_test_close_window (t, window);
}

static char *
read_clipboard (TallyTest *t,
                GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, on_clipboard_read_cb, &read);
  viewer_test_wait_for (t, clipboard_read_done, &read);
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
  g_autofree char *runner = viewer_test_build_path ("runner/tally");
  TallyViewerWindow *window;
  TallyViewerResultsView *view;
  GtkWidget *tree_view;
  GtkWidget *label;
  graphene_point_t in = GRAPHENE_POINT_INIT (4, 4), at;
  GtkPopover *menu;
  NewRun new_run;

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, env, "-n", "2", "@tests/samples/sample-history", NULL);
  window = open_window (t, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 900);
  viewer_test_settle (t, 200);
  view = results_view_of (window);
  g_object_set (view, "view-mode", "tree", NULL);
  tree_view = find_descendant (GTK_WIDGET (view), is_tree_view, NULL);
  show_outcomes (window, "show-passed", TRUE);

  /* A right click on a test: its path, on the clipboard. */
  wait_for_label (t, tree_view, "d");
  viewer_test_settle (t, 200);
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
  viewer_test_settle (t, 100);
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
  viewer_test_wait_for (t, shows_new_run, &new_run);
  show_outcomes (window, "show-passed", FALSE);
  /* The rerun of the six is shown merged over the run it came from. */
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 9);
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
  viewer_test_run_tally (t, db, env, "@tests/samples/sample-history", NULL);
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
  viewer_test_close_window (t, window);
}

/* The column titled @title of the table in @root (a window or a results
 * view). */
static GtkColumnViewColumn *
column_of (GtkWidget  *root,
           const char *title)
{
  GtkWidget *table = find_descendant (root, is_type, GSIZE_TO_POINTER (GTK_TYPE_COLUMN_VIEW));
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

  viewer_test_require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 600);
  viewer_test_settle (t, 200);
  view = results_view_of (window);
  tally_assert_true (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (window), "Markers")));
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "results.show-markers", NULL));
  g_object_get (view, "show-markers", &shown, NULL);
  tally_assert_false (shown);
  tally_assert_false (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (window), "Markers")));
  tally_assert_true (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (window), "Worker")));
  g_object_set (view, "show-worker", FALSE, NULL);
  tally_assert_false (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (window), "Worker")));
  g_object_set (view, "show-worker", TRUE, NULL);
  tally_assert_true (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (window), "Worker")));

  viewer_test_close_window (t, window);

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
    viewer_test_wait_for (t, document_idle, &idle);
    program = column_of (GTK_WIDGET (alone), "Program");
    markers = column_of (GTK_WIDGET (alone), "Markers");
    viewer_test_wait_for (t, column_hidden, program);
    tally_assert_false (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (alone), "Attempt")));
    tally_assert_false (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (alone), "Worker")));
    tally_assert_true (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (alone), "Test")));
    tally_assert_true (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (alone), "Duration")));
    tally_assert_true (gtk_column_view_column_get_visible (column_of (GTK_WIDGET (alone), "Outcome")));
    tally_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (alone)), <=, 360);
    /* Wide again: back, but what the chooser hid stays hidden. */
    g_object_set (alone, "show-markers", FALSE, NULL);
    gtk_window_set_default_size (small, 1000, 500);
    viewer_test_wait_for (t, column_shown, program);
    tally_assert_false (gtk_column_view_column_get_visible (markers));
    tally_viewer_results_view_release_views (alone);
    tally_viewer_document_close (document);
    viewer_test_settle (t, 30);
    gtk_window_destroy (small);
    viewer_test_settle (t, 100);
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
  viewer_test_settle (t, 200);
  results = tally_viewer_window_get_results (window);
  header = find_descendant (GTK_WIDGET (window), is_header_label, "Duration");
  tally_assert_nonnull (header);
  click_widget (t, window, header, NULL, "1");
  /* 500 ms, 70 ms, 3 ms, 1 ms, … */
  tally_assert_cmpuint (position_of (results, "/a/b/two"), ==, 0);
  tally_assert_cmpuint (position_of (results, "/d/flaky"), ==, 1);
  tally_assert_cmpuint (position_of (results, "/a/b/one"), ==, 2);
  /* The second click: fastest first (0 µs: the skipped one). */
  viewer_test_settle (t, 600);
  click_widget (t, window, header, NULL, "1");
  tally_assert_cmpuint (position_of (results, "/a/c/skip"), ==, 0);
  tally_assert_cmpuint (position_of (results, "/a/b/two"), ==, 6);
  xdotool ("mousemove", "0", "0", NULL);
  viewer_test_close_window (t, window);
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

  viewer_test_require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  terms = tally_viewer_filter_bar_dup_marker_terms (tally_viewer_window_get_filter_bar (window));
  tally_assert_cmpuint (terms->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    tally_assert_cmpstr (terms->pdata[i], ==, want[i]);
  viewer_test_close_window (t, window);
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
  return TALLY_VIEWER_IS_CELL (widget) && tally_viewer_cell_get_outcome (TALLY_VIEWER_CELL (widget)) >= 0
         && gtk_widget_get_ancestor (widget, GTK_TYPE_COLUMN_VIEW) != NULL
         && g_strcmp0 (tally_viewer_cell_get_text (TALLY_VIEWER_CELL (widget)), outcome) == 0;
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

  viewer_test_require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  bar = GTK_WIDGET (tally_viewer_window_get_filter_bar (window));
  assert_accessible_label (GTK_WIDGET (search_entry (window)), "Search tests and messages");
  assert_accessible_label (GTK_WIDGET (marker_entry (window)), "Marker expression");
  assert_accessible_label (find_descendant (bar, is_menu_button_with_tooltip, "Filter by Marker"), "Filter by marker");
  assert_accessible_label (find_descendant (GTK_WIDGET (window), is_menu_button_with_tooltip, "Columns"),
                           "Choose the columns of the table");
  assert_accessible_label (find_descendant (bar, is_type, GSIZE_TO_POINTER (GTK_TYPE_TOGGLE_BUTTON)), "Show Failed: 2");
  wait_for_cells (t, window, "/a/", NULL, 5, 5);
  assert_accessible_label (find_descendant (GTK_WIDGET (window), is_outcome_pill, "crashed"), "crashed");
  viewer_test_close_window (t, window);
}

/* The detail's stack of "empty" (No Test Selected) and "detail". */
static gboolean
is_detail_stack (GtkWidget     *widget,
                 gconstpointer  data)
{
  return GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (GTK_STACK (widget), "empty") != NULL
         && gtk_stack_get_child_by_name (GTK_STACK (widget), "detail") != NULL;
}

/* Closes the row menu (the popover parented to the results view). */
static void
popdown_row_menu (TallyViewerResultsView *view)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER_MENU (child))
      gtk_popover_popdown (GTK_POPOVER (child));
}

/* A cell of the table showing @text, laid out or not. */
static gboolean
is_cell_with_text (GtkWidget     *widget,
                   gconstpointer  text)
{
  return TALLY_VIEWER_IS_CELL (widget) && g_strcmp0 (tally_viewer_cell_get_text (TALLY_VIEWER_CELL (widget)), text) == 0;
}

/* The table's cells draw their text (tally-viewer-cell.c): each says it
 * to a screen reader, the program's keeps the whole program in its
 * tooltip, and every cell is one line of the font high. */
static void
test_results_cells (TallyTest     *t,
                    gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autofree char *duration = tally_viewer_format_duration (500000);
  g_autoptr(GPtrArray) cells = NULL;
  TallyViewerWindow *window;
  GtkWidget *cell, *stack;
  int height;

  viewer_test_require_display (t);
  write_planned (db, tree_run, G_N_ELEMENTS (tree_run));
  window = open_window (t, db);
  /* Wide enough for every column, and short enough to stay clear of
   * Xvfb's pointer (a hovered cell's tooltip outlives the test). */
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 480);
  viewer_test_settle (t, 200);
  wait_for_cells (t, window, "/a/", NULL, 5, 5);
  viewer_test_settle (t, 100);
  cells = cells_with_prefix (window, "/a/");
  tally_assert_cmpuint (cells->len, ==, 5);
  height = gtk_widget_get_height (cells->pdata[0]);
  tally_assert_cmpint (height, >, 0);
  for (guint i = 0; i < cells->len; i++)
    {
      assert_accessible_label (cells->pdata[i], tally_viewer_cell_get_text (cells->pdata[i]));
      /* The rows scrolled out of view are not laid out. */
      if (gtk_widget_get_mapped (cells->pdata[i]))
        tally_assert_cmpint (gtk_widget_get_height (cells->pdata[i]), ==, height);
    }

  cell = find_descendant (GTK_WIDGET (window), is_cell_with_text, "other");
  tally_assert_true (TALLY_VIEWER_IS_CELL (cell));
  assert_accessible_label (cell, "other");
  tally_assert_true (gtk_widget_get_has_tooltip (cell));
  tally_assert_cmpstr (g_object_get_data (G_OBJECT (cell), "tally-viewer-tooltip"), ==, "./other");

  cell = find_descendant (GTK_WIDGET (window), is_cell_with_text, duration);
  tally_assert_true (TALLY_VIEWER_IS_CELL (cell));
  assert_accessible_label (cell, duration);
  cell = find_descendant (GTK_WIDGET (window), is_cell_with_text, "group=10 slow");
  tally_assert_true (TALLY_VIEWER_IS_CELL (cell));
  assert_accessible_label (cell, "group=10 slow");

  /* A right click on a drawn cell finds its row: the row menu copies
   * that row's path. */
  {
    GtkWidget *table = find_descendant (GTK_WIDGET (window), is_type, GSIZE_TO_POINTER (GTK_TYPE_COLUMN_VIEW));
    graphene_point_t in = GRAPHENE_POINT_INIT (2, 2), at;
    g_autofree char *copied = NULL;

    cell = find_descendant (GTK_WIDGET (window), is_cell_with_text, "/a/b/two");
    tally_assert_true (gtk_widget_get_mapped (cell));
    tally_assert_true (gtk_widget_compute_point (cell, table, &in, &at));
    tally_assert_true (tally_viewer_results_view_open_row_menu (results_view_of (window), table, at.x, at.y));
    tally_assert_true (is_selected_path (window, "/a/b/two"));
    tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (results_view_of (window)), "results.copy-path", NULL));
    copied = read_clipboard (t, GTK_WIDGET (window));
    tally_assert_cmpstr (copied, ==, "/a/b/two");
    popdown_row_menu (results_view_of (window));
  }

  /* A pill says its outcome, and another one when the row shows another
   * result: the search leaves /a/b/one (passed) at the top. */
  cell = find_descendant (GTK_WIDGET (window), is_outcome_pill, "crashed");
  tally_assert_nonnull (cell);
  stack = find_descendant (GTK_WIDGET (tally_viewer_window_get_detail (window)), is_detail_stack, NULL);
  tally_assert_nonnull (stack);
  tally_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "detail");
  search (window, "/a/b/one");
  /* The selected failure is hidden: the detail says so at once, with
   * no crossfade to paint over the next keystrokes' frames. */
  tally_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "empty");
  tally_assert_false (gtk_stack_get_transition_running (GTK_STACK (stack)));
  wait_for_cells (t, window, "/a/", NULL, 1, 1);
  tally_assert_cmpint (tally_viewer_cell_get_outcome (TALLY_VIEWER_CELL (find_descendant (GTK_WIDGET (window), is_outcome_pill, "passed"))),
                       ==, TALLY_OUTCOME_PASSED);
  tally_assert_null (find_descendant (GTK_WIDGET (window), is_outcome_pill, "crashed"));
  assert_accessible_label (find_descendant (GTK_WIDGET (window), is_outcome_pill, "passed"), "passed");
  viewer_test_close_window (t, window);
}

/* --- the pages read on threads; the editor preference --------------------- */

static gboolean
history_read (gpointer data)
{
  return !tally_viewer_history_page_is_busy (data);
}

/* The compare, history and flaky pages read on a thread, the window
 * counted as loading meanwhile; a read superseded (another pair of
 * runs, another test, another run shown, the page left, another
 * database) never shows its result, even late. */
static void
test_pages_not_stale (TallyTest     *t,
                      gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  g_autofree char *other = g_build_filename (tally_test_get_tmpdir (t), "other.sqlite", NULL);
  TallyViewerWindow *window;
  TallyViewerComparePage *compare;
  TallyViewerHistoryPage *history;
  TallyViewerFlakyPage *flaky;

  viewer_test_require_display (t);
  craft_db (db);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TallyStore) store = tally_store_open (other, &error);
    gint64 run;

    tally_assert_no_error (error);
    run = tally_store_begin_run (store, NULL, 1, 0, NULL, &error);
    tally_assert_no_error (error);
    craft_result (store, run, "/only", TALLY_OUTCOME_PASSED, 100);
    tally_store_finish_run (store, run, TALLY_RUN_PASSED, &error);
    tally_assert_no_error (error);
  }
  window = open_window (t, db);
  compare = TALLY_VIEWER_COMPARE_PAGE (tally_viewer_window_get_page_widget (window, "compare"));
  history = TALLY_VIEWER_HISTORY_PAGE (tally_viewer_window_get_page_widget (window, "history"));
  flaky = TALLY_VIEWER_FLAKY_PAGE (tally_viewer_window_get_page_widget (window, "flaky"));

  /* Two pairs in a row: 3 → 4 (a new and a removed test) is dropped,
   * 1 → 2 (only /flips broke) shown. */
  tally_assert_true (tally_viewer_window_show_page (window, "compare"));
  tally_assert_true (tally_viewer_compare_page_show_runs (compare, 3, 4));
  tally_assert_true (tally_viewer_compare_page_show_runs (compare, 1, 2));
  tally_assert_true (tally_viewer_compare_page_is_busy (compare));
  tally_assert_true (tally_viewer_window_is_loading (window));
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_NEW_FAILURE), ==, 0);
  viewer_test_wait_for (t, viewer_test_loaded, window);
  viewer_test_settle (t, 100);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_NEW_FAILURE), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_NEW_TEST), ==, 0);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_REMOVED), ==, 0);

  /* Another run shown while the page is up: its comparison, 2 against 1. */
  tally_assert_true (tally_viewer_compare_page_show_runs (compare, 3, 4));
  tally_assert_true (tally_viewer_window_select_run (window, 2));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  viewer_test_settle (t, 100);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, 2);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_NEW_FAILURE), ==, 1);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_NEW_TEST), ==, 0);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_REMOVED), ==, 0);

  /* Left while it compares: dropped, and nothing lands later. */
  tally_assert_true (tally_viewer_compare_page_show_runs (compare, 3, 4));
  tally_assert_true (tally_viewer_window_show_page (window, "results"));
  tally_assert_false (tally_viewer_compare_page_is_busy (compare));
  viewer_test_settle (t, 200);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_NEW_TEST), ==, 0);
  tally_assert_cmpuint (tally_viewer_compare_page_count (compare, TALLY_CHANGE_REMOVED), ==, 0);

  /* Another test's history while one is read: /added, in run 4 only. */
  tally_viewer_history_page_show_test (history, "prog", "/flips");
  tally_viewer_history_page_show_test (history, "prog", "/added");
  tally_assert_cmpuint (tally_viewer_history_page_get_n_runs (history), ==, 0);
  viewer_test_wait_for (t, history_read, history);
  viewer_test_settle (t, 100);
  tally_assert_cmpstr (tally_viewer_history_page_get_path (history), ==, "/added");
  tally_assert_cmpuint (tally_viewer_history_page_get_n_runs (history), ==, 1);
  tally_assert_nonnull (tally_viewer_history_page_get_cell (history, 0));
  tally_assert_null (tally_viewer_history_page_get_cell (history, 1));

  /* Another database while the flaky tests are read: none of the first's
   * (/flips flips there). */
  tally_assert_true (tally_viewer_window_show_page (window, "flaky"));
  tally_assert_true (tally_viewer_flaky_page_is_busy (flaky));
  tally_assert_true (tally_viewer_window_open_path (window, other, NULL));
  tally_assert_false (tally_viewer_flaky_page_is_busy (flaky));
  viewer_test_wait_for (t, viewer_test_loaded, window);
  viewer_test_settle (t, 200);
  tally_assert_cmpuint (tally_viewer_flaky_page_get_n_tests (flaky), ==, 0);
  viewer_test_close_window (t, window);
}

static TallyViewerPreferences *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (TALLY_VIEWER_IS_PREFERENCES (window))
        return TALLY_VIEWER_PREFERENCES (window);
    }
  return NULL;
}

static TallyViewerPreferences *
open_preferences (TallyTest         *t,
                  TallyViewerWindow *window)
{
  TallyViewerPreferences *preferences;

  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  preferences = find_preferences ();
  tally_assert_nonnull (preferences);
  viewer_test_settle (t, 50);
  return preferences;
}

/* The editor for locations, set in the preferences (a key file in the
 * user's config directory); $TALLY_EDITOR overrides it. */
static void
test_editor_preference (TallyTest     *t,
                        gconstpointer  data)
{
  const char *tmp = tally_test_get_tmpdir (t);
  g_autofree char *ini = g_build_filename (tmp, "config", "tally", "viewer.ini", NULL);
  g_autofree char *out = g_build_filename (tmp, "editor-out", NULL);
  g_autofree char *source = g_build_filename (tmp, "here.c", NULL);
  g_autofree char *editor = g_strdup_printf ("sh -c 'echo {file}:{line} > %s'", out);
  g_autofree char *env_editor = g_strdup_printf ("sh -c 'echo env {line} > %s'", out);
  g_autofree char *want = g_strdup_printf ("%s:7\n", source);
  g_autofree char *saved = NULL;
  g_autofree char *opened = NULL;
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  TallyViewerWindow *window;
  TallyViewerPreferences *preferences;
  GtkEditable *row;

  viewer_test_require_display (t);
  tally_assert_true (g_file_set_contents (source, "int x;\n", -1, NULL));
  g_unsetenv ("TALLY_EDITOR");
  tally_viewer_settings_set_path (ini);
  tally_assert_null (tally_viewer_settings_dup_editor ());
  window = new_window ();
  gtk_window_present (GTK_WINDOW (window));

  /* Applied in the preferences: saved, in the key file. */
  preferences = open_preferences (t, window);
  row = GTK_EDITABLE (tally_viewer_preferences_get_editor_row (preferences));
  tally_assert_cmpstr (gtk_editable_get_text (row), ==, "");
  gtk_editable_set_text (row, editor);
  g_signal_emit_by_name (row, "apply");
  command = tally_viewer_settings_dup_editor ();
  tally_assert_cmpstr (command, ==, editor);
  tally_assert_true (g_file_get_contents (ini, &saved, NULL, NULL));
  tally_assert_nonnull (strstr (saved, "[viewer]"));
  tally_assert_nonnull (strstr (saved, "editor="));

  /* A location opens in it. */
  tally_assert_true (tally_viewer_location_open (source, 7, &error));
  tally_assert_no_error (error);
  viewer_test_wait_for (t, file_written, out);
  viewer_test_settle (t, 100);
  tally_assert_true (g_file_get_contents (out, &opened, NULL, NULL));
  tally_assert_cmpstr (opened, ==, want);

  /* $TALLY_EDITOR wins over the preference. */
  g_clear_pointer (&opened, g_free);
  tally_assert_cmpint (g_unlink (out), ==, 0);
  g_setenv ("TALLY_EDITOR", env_editor, TRUE);
  tally_assert_true (tally_viewer_location_open (source, 7, &error));
  g_unsetenv ("TALLY_EDITOR");
  tally_assert_no_error (error);
  viewer_test_wait_for (t, file_written, out);
  viewer_test_settle (t, 100);
  tally_assert_true (g_file_get_contents (out, &opened, NULL, NULL));
  tally_assert_cmpstr (opened, ==, "env 7\n");

  /* Opened again, the preferences show it; a command that cannot be
   * split is refused (the saved one stays); emptied, it is removed. */
  gtk_window_destroy (GTK_WINDOW (preferences));
  preferences = open_preferences (t, window);
  row = GTK_EDITABLE (tally_viewer_preferences_get_editor_row (preferences));
  tally_assert_cmpstr (gtk_editable_get_text (row), ==, editor);
  gtk_editable_set_text (row, "sh -c 'unclosed");
  g_signal_emit_by_name (row, "apply");
  g_clear_pointer (&command, g_free);
  command = tally_viewer_settings_dup_editor ();
  tally_assert_cmpstr (command, ==, editor);
  gtk_editable_set_text (row, "");
  g_signal_emit_by_name (row, "apply");
  tally_assert_null (tally_viewer_settings_dup_editor ());

  gtk_window_destroy (GTK_WINDOW (preferences));
  tally_viewer_settings_set_path (NULL);
  viewer_test_close_window (t, window);
}

/* A database opened with the first window is read on a thread as the
 * window is built (tally-viewer-preload.h); the window shows what it
 * would without, and a preload whose run is no longer the newest, or
 * whose database changed since, is not used. */
static void
test_preload (TallyTest     *t,
              gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerDocument *document;

  viewer_test_require_display (t);
  craft_db (db);

  /* Taken by the window: run 4, its five results, two failed. */
  tally_viewer_preload_start (db);
  window = open_window (t, db);
  document = tally_viewer_window_get_document (window);
  tally_assert_null (tally_viewer_preload_take (db));
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, 4);
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 5);
  tally_assert_cmpuint (tally_viewer_document_count (document, TALLY_VIEWER_FAILED_MASK), ==, 2);
  viewer_test_close_window (t, window);

  /* Read before run 5 (a rerun of run 2) began: run 5 is read anew,
   * merged over run 2. */
  tally_viewer_preload_start (db);
  viewer_test_settle (t, 200);
  craft_rerun (db, 2);
  window = open_window (t, db);
  document = tally_viewer_window_get_document (window);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, 5);
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 5);
  tally_assert_cmpuint (tally_viewer_document_count (document, TALLY_VIEWER_FAILED_MASK), ==, 2);
  viewer_test_close_window (t, window);

  /* A result added to run 5 after the read: the store reads it anew. */
  tally_viewer_preload_start (db);
  viewer_test_settle (t, 200);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TallyStore) store = tally_store_open (db, &error);

    tally_assert_no_error (error);
    craft_result (store, 5, "/late", TALLY_OUTCOME_PASSED, 100);
  }
  window = open_window (t, db);
  tally_assert_cmpint (tally_viewer_window_get_run_id (window), ==, 5);
  tally_assert_cmpuint (g_list_model_get_n_items (tally_viewer_window_get_results (window)), ==, 6);
  viewer_test_close_window (t, window);
}

/* --- F8 in the tree ----------------------------------------------------- */

/* Failures whose order by path (the table's) is not the tree's: the
 * programs by name (a-prog before b-prog), and a path's segments by name
 * (/m/b before /m/b-c, where "/m/b-c/x" < "/m/b/y" as strings). */
static const Planned f8_tree_run[] = {
  { "./b-prog", "/a/x", TALLY_OUTCOME_FAILED, 10, NULL },
  { "./b-prog", "/a/ok", TALLY_OUTCOME_PASSED, 10, NULL },
  { "./a-prog", "/z/y", TALLY_OUTCOME_CRASHED, 10, NULL },
  { "./a-prog", "/m/b-c/x", TALLY_OUTCOME_FAILED, 10, NULL },
  { "./a-prog", "/m/b/ok", TALLY_OUTCOME_PASSED, 10, NULL },
  { "./a-prog", "/m/b/y", TALLY_OUTCOME_TIMEOUT, 10, NULL },
};

/* The key of the tree's selected row (one row selected), or NULL. */
static char *
tree_selected_key (TallyViewerWindow *window)
{
  GtkSelectionModel *rows = tally_viewer_results_view_get_tree_selection (results_view_of (window));
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (rows);
  g_autoptr(GtkTreeListRow) row = NULL;
  g_autoptr(TallyViewerTreeItem) item = NULL;

  if (gtk_bitset_get_size (selected) != 1)
    return NULL;
  row = g_list_model_get_item (G_LIST_MODEL (rows), gtk_bitset_get_minimum (selected));
  item = gtk_tree_list_row_get_item (row);
  return tally_viewer_tree_item_dup_key (item);
}

/* Presses @keys in the tree and checks that the failure @key is shown
 * (its groups opened), selected alone, and in the detail. */
static void
assert_tree_f8 (TallyTest         *t,
                TallyViewerWindow *window,
                GtkWidget         *tree_view,
                const char        *keys,
                const char        *key)
{
  DetailMoved moved = { window, detail_id (window) };
  g_autofree char *selected = NULL;

  gtk_widget_grab_focus (tree_view);
  press_keys (t, window, keys);
  viewer_test_wait_for (t, detail_moved, &moved);
  selected = tree_selected_key (window);
  tally_assert_cmpstr (selected, ==, key);
  tally_assert_cmpuint (tree_position (window, key), !=, G_MAXUINT);
  tally_assert_cmpstr (detail_path (window), ==, strstr (key, "::") + 2);
}

/* F8 and Shift+F8 with the tree shown follow the tree as shown (depth
 * first, by name, as filtered), not the table's order, and open the
 * groups that hide the next failure. */
static void
test_tree_f8 (TallyTest     *t,
              gconstpointer  data)
{
  g_autofree char *db = tmp_db (t);
  TallyViewerWindow *window;
  TallyViewerResultsView *view;
  GtkWidget *tree_view;
  g_autofree char *first = NULL;

  require_xdotool (t);
  write_planned (db, f8_tree_run, G_N_ELEMENTS (f8_tree_run));
  window = open_window (t, db);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 900);
  view = results_view_of (window);
  /* The table opened on its first failure: /a/x, first by path. */
  tally_assert_cmpstr (detail_path (window), ==, "/a/x");
  g_object_set (view, "view-mode", "tree", NULL);
  tree_view = find_descendant (GTK_WIDGET (view), is_tree_view, NULL);
  tally_assert_nonnull (tree_view);
  first = tree_selected_key (window);
  tally_assert_cmpstr (first, ==, "./b-prog::/a/x");
  /* Closed: the groups of a-prog's failures. */
  tally_assert_cmpuint (tree_position (window, "./a-prog::/m/b"), ==, G_MAXUINT);
  tally_assert_cmpuint (tree_position (window, "./a-prog::/z/y"), ==, G_MAXUINT);

  /* b-prog's is the last failure of the tree: round to a-prog's first. */
  assert_tree_f8 (t, window, tree_view, "F8", "./a-prog::/m/b/y");
  assert_tree_f8 (t, window, tree_view, "F8", "./a-prog::/m/b-c/x");
  assert_tree_f8 (t, window, tree_view, "F8", "./a-prog::/z/y");
  assert_tree_f8 (t, window, tree_view, "F8", "./b-prog::/a/x");
  assert_tree_f8 (t, window, tree_view, "shift+F8", "./a-prog::/z/y");
  assert_tree_f8 (t, window, tree_view, "shift+F8", "./a-prog::/m/b-c/x");

  /* As filtered: /z/y and /a/x hidden, F8 goes round /m's two. */
  search (window, "/m/");
  tally_assert_cmpuint (tree_position (window, "./a-prog::/z"), ==, G_MAXUINT);
  assert_tree_f8 (t, window, tree_view, "F8", "./a-prog::/m/b/y");
  assert_tree_f8 (t, window, tree_view, "shift+F8", "./a-prog::/m/b-c/x");
  viewer_test_close_window (t, window);
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
  viewer_test_init_display ();

  tally_add ("/viewer/rerun-argv", test_rerun_argv, NULL);
  tally_add ("/viewer/filters", test_filters, MARKS);
  tally_add ("/viewer/detail", test_detail, MARKS);
  tally_add ("/viewer/detail-attempts", test_detail_attempts, MARKS);
  tally_add ("/viewer/detail-crash", test_detail_crash, MARKS);
  tally_add ("/viewer/detail-reading", test_detail_reading, MARKS);
  tally_add ("/viewer/detail-accessible", test_detail_accessible, MARKS);
  tally_add ("/viewer/detail-search-keys", test_detail_search_keys, MARKS);
  tally_add ("/viewer/locations", test_locations, NULL);
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
  tally_add ("/viewer/window/compare", test_compare_page, MARKS);
  tally_add ("/viewer/window/history", test_history_page, MARKS);
  tally_add ("/viewer/window/flaky", test_flaky_page, MARKS);
  tally_add ("/viewer/window/selection-survives-switch", test_selection_survives_switch, MARKS);
  tally_add ("/viewer/window/narrow", test_narrow, MARKS);
  tally_add ("/viewer/window/accessible-labels", test_accessible_labels, MARKS);
  tally_add ("/viewer/window/describe-run", test_describe_run, NULL);
  tally_add ("/viewer/window/screenshot-options", test_screenshot_options, MARKS);
  tally_add ("/viewer/results/ctrl-click", test_ctrl_click, MARKS);
  tally_add ("/viewer/results/first-failure", test_first_failure, MARKS);
  tally_add ("/viewer/results/tree", test_tree, MARKS);
  tally_add ("/viewer/results/tree-rerun", test_tree_rerun, MARKS);
  tally_add ("/viewer/results/columns", test_columns, MARKS);
  tally_add ("/viewer/results/duration-sort", test_duration_sort, MARKS);
  tally_add ("/viewer/results/marker-terms", test_marker_terms, MARKS);
  tally_add ("/viewer/results/accessible", test_results_accessible, MARKS);
  tally_add ("/viewer/results/cells", test_results_cells, MARKS);
  tally_add ("/viewer/desktop-file", test_desktop_file, NULL);
  tally_add ("/viewer/metainfo", test_metainfo, NULL);
  tally_add ("/viewer/window/pages-not-stale", test_pages_not_stale, MARKS);
  tally_add ("/viewer/preferences/editor", test_editor_preference, MARKS);
  tally_add ("/viewer/window/preload", test_preload, MARKS);
  tally_add ("/viewer/results/tree-f8", test_tree_f8, MARKS);

  return tally_run ();
}
