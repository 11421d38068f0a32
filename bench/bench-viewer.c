/* bench-viewer.c — tally-viewer on a large database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Opens a copy of bench-queries' database (100,000 results and 1,000,000
 * log records in one run, plus 20 small runs) with one more result whose
 * log holds 100,000 records, in the real window, and prints:
 *   - open: from creating the window to its first painted frame;
 *   - the run loaded: its results read on the document's thread, and the
 *     longest the main thread went without running meanwhile; and "open →
 *     run loaded", from before the window is created to the document's
 *     "run-loaded" (rows in the list, first failure selected), with the
 *     main thread's CPU until then. The run is preloaded as the
 *     application does (TALLY_BENCH_NO_PRELOAD=1: not);
 *     TALLY_BENCH_OPEN_ONLY=1 stops there;
 *   - switching to a small run and back (a fresh load of the large one);
 *   - filter keystrokes: search text set → model updated → next frame;
 *   - a click on a column header (sort) → next frame;
 *   - one test's 100,000-record log: selecting it → detail painted;
 *   - the results tree: switching to it (built from the run in memory),
 *     collapsing and expanding a program of 50,000 results (997 groups),
 *     the filter keystrokes again with the tree shown, and, in a second
 *     database, expanding a group of 10,000 tests (then again, five
 *     times, the models' part and the frame apart).
 * Budgets (issue 14): open < 1 s, run loaded < 300 ms off the main
 * thread, keystroke or sort → frame < 50 ms, log < 50 ms; issue 17:
 * expanding a tree node of 10,000 results < 50 ms, a keystroke with the
 * tree shown < 50 ms. TALLY_BENCH_WIDE_ONLY=1 runs only the groups of
 * 10,000, TALLY_BENCH_TREE_ONLY=1 only the typing in the tree,
 * TALLY_BENCH_TABLE_ONLY=1 stops after the table's keystrokes and sorts,
 * TALLY_BENCH_REPEAT=N repeats the keystrokes that narrow and widen the
 * rows shown, and the sorts by duration, N times (medians). Needs a display
 * (xvfb-run -a) and /tmp/tally-bench-queries.sqlite (run bench-queries).
 *
 *   bench-viewer [SOURCE-DB [DB]]   (DB: the copy, default
 *                                    /tmp/tally-bench-viewer.sqlite)
 */
#define G_LOG_DOMAIN "Tally-Bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <tally.h>

#include "tally-store-private.h"
#include "tally-viewer-detail-private.h"
#include "tally-viewer-preload.h"
#include "tally-viewer-results-tree.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-window-private.h"
#include "bench-util.h"

#define BIG_LOG 100000
static const char *DB_PATH = "/tmp/tally-bench-viewer.sqlite";

/* Copies @source and adds /huge/log with BIG_LOG records to its newest run. */
static void
prepare (const char *source)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) from = g_file_new_for_path (source);
  g_autoptr(GFile) to = g_file_new_for_path (DB_PATH);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(TallyLogRecord) record = tally_log_record_new ();
  TallyResult result;
  gint64 run_id = 0, test_id, result_id;

  if (g_file_test (DB_PATH, G_FILE_TEST_EXISTS))
    {
      /* A copy made by an older Tally: upgrade it, as `tally run` would. */
      store = tally_store_open (DB_PATH, &error);
      bench_fail_on_error (error);
      return;
    }
  if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    {
      g_printerr ("bench-viewer: %s (run bench-queries first)\n", error->message);
      exit (1);
    }

  store = tally_store_open (DB_PATH, &error);
  bench_fail_on_error (error);
  tally_store_get_last_run_id (store, &run_id, &error);
  bench_fail_on_error (error);
  test_id = tally_store_ensure_test (store, "prog-a", "/huge/log", "t.c", 1, NULL, &error);
  bench_fail_on_error (error);
  tally_result_init (&result);
  result.started_at_us = g_get_real_time ();
  result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
  bench_fail_on_error (error);

  record->domain = g_strdup ("Bench");
  for (guint i = 0; i < BIG_LOG; i++)
    {
      g_free (record->message);
      record->message = g_strdup_printf ("record %u of a long log, with <markup> & such", i);
      record->message_len = strlen (record->message);
      record->level = i % 100 == 0 ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_DEBUG;
      record->time_us = result.started_at_us + i * 10;
      tally_store_add_log (store, result_id, i, record, &error);
      bench_fail_on_error (error);
    }
  result.outcome = TALLY_OUTCOME_FAILED;
  result.message = (char *) "the huge log ended in a failure";
  tally_store_finish_result (store, result_id, &result, &error);
  bench_fail_on_error (error);
  tally_store_commit (store, &error);
  bench_fail_on_error (error);
}

static gboolean painted;

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  painted = TRUE;
}

static gint64 cpu0;

/* The main thread's longest gap between two ticks of a 2 ms timer: how
 * long it was busy at a stretch (a load must not block it). */
static gint64 last_tick;
static gint64 longest_gap;
static guint frames_painted;

static gboolean
on_tick_cb (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_tick != 0 && now - last_tick > longest_gap)
    longest_gap = now - last_tick;
  last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
on_count_paint (GdkFrameClock *clock,
                gpointer       data)
{
  frames_painted++;
}

/* Iterates until the run is loaded; returns the wall time in ms. */
static double
wait_loaded (TallyViewerWindow *window)
{
  gint64 t0 = g_get_monotonic_time ();
  guint tick = g_timeout_add (2, on_tick_cb, NULL);

  last_tick = 0;
  longest_gap = 0;
  frames_painted = 0;
  while (tally_viewer_window_is_loading (window))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* When the document last said "run-loaded": the rows are in the list
 * and the run's first failure selected (the window's handlers ran). */
static gint64 run_loaded_at;
static gint64 run_loaded_cpu;   /* the main thread's CPU time then */
static gint64 main_cpu0;

static gint64
main_cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
on_run_loaded_cb (TallyViewerDocument *document,
                  gpointer             data)
{
  run_loaded_at = g_get_monotonic_time ();
  run_loaded_cpu = main_cpu_now ();
}

/* The viewer's debug messages during the opening, each with its time
 * since open: the preload thread and the loading thread say how long
 * their reads took. */
static gint64 open_t0;
static GString *timeline;
static gint64 thread_loaded_at;  /* the loading thread's "Loaded run" */

static void
on_viewer_log_cb (const char     *domain,
                  GLogLevelFlags  level,
                  const char     *message,
                  gpointer        data)
{
  if (timeline == NULL)
    return;
  g_string_append_printf (timeline, "  %7.1f ms  %s\n", (g_get_monotonic_time () - open_t0) / 1000.0, message);
  if (g_str_has_prefix (message, "Loaded run") && thread_loaded_at == 0)
    thread_loaded_at = g_get_monotonic_time ();
}

static GtkColumnView *
find_column_view (GtkWidget *widget)
{
  if (GTK_IS_COLUMN_VIEW (widget))
    return GTK_COLUMN_VIEW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkColumnView *found = find_column_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static double
cpu_ms (void)
{
  return (bench_cpu_now () - cpu0) / 1000.0;
}

static void
wait_frame (GtkWidget *window)
{
  painted = FALSE;
  gtk_widget_queue_draw (window);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
}

static void
type_text (GtkEditable *editable,
           const char  *text)
{
  const char *old = gtk_editable_get_text (editable);
  int old_len = strlen (old), len = strlen (text);

  if (len > old_len && strncmp (text, old, old_len) == 0)
    {
      int pos = old_len;
      gtk_editable_insert_text (editable, text + old_len, len - old_len, &pos);
    }
  else if (len < old_len && strncmp (text, old, len) == 0)
    gtk_editable_delete_text (editable, len, old_len);
  else
    gtk_editable_set_text (editable, text);
}

static TallyViewerResultsView *
find_results_view (GtkWidget *widget)
{
  if (TALLY_VIEWER_IS_RESULTS_VIEW (widget))
    return TALLY_VIEWER_RESULTS_VIEW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TallyViewerResultsView *found = find_results_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The tree's row for the node named @name at @depth. */
static GtkTreeListRow *
tree_row (TallyViewerResultsView *view,
          const char             *name,
          guint                   depth)
{
  GListModel *rows = G_LIST_MODEL (tally_viewer_results_view_get_tree_selection (view));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr(TallyViewerTreeItem) item = gtk_tree_list_row_get_item (row);

      if (gtk_tree_list_row_get_depth (row) == depth && strcmp (tally_viewer_tree_item_get_name (item), name) == 0)
        return g_steal_pointer (&row);
    }
  g_printerr ("bench-viewer: no tree node %s\n", name);
  exit (1);
}

/* Sets @row's expansion and waits for the frame; prints the cost. */
static void
time_expand (GtkWidget      *window,
             GtkTreeListRow *row,
             gboolean        expanded,
             const char     *what)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr(TallyViewerTreeItem) item = gtk_tree_list_row_get_item (row);

  cpu0 = bench_cpu_now ();
  gtk_tree_list_row_set_expanded (row, expanded);
  wait_frame (window);
  printf ("tree: %s %s (%u results under it) → frame painted: CPU %.1f ms, wall %.1f ms%s\n",
          expanded ? "expand" : "collapse", what, tally_viewer_tree_item_get_n_tests (item), cpu_ms (),
          ms_since (t0), expanded ? " (budget 50)" : "");
}

/* A second database: one run of @n tests in one group, /wide/NNNNN. */
static char *
prepare_wide (guint n)
{
  g_autofree char *path = g_strconcat (DB_PATH, "-wide", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = NULL;
  const char *argv[] = { "tally", "run", "wide", NULL };
  gint64 run_id;

  g_unlink (path);
  store = tally_store_open (path, &error);
  bench_fail_on_error (error);
  run_id = tally_store_begin_run (store, argv, 1, 0, NULL, &error);
  bench_fail_on_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *test = g_strdup_printf ("/wide/%05u", i);
      TallyResult result;
      gint64 test_id, result_id;

      test_id = tally_store_ensure_test (store, "wide", test, "w.c", 1, NULL, &error);
      bench_fail_on_error (error);
      tally_result_init (&result);
      result.started_at_us = g_get_real_time ();
      result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
      bench_fail_on_error (error);
      result.outcome = i % 1000 == 7 ? TALLY_OUTCOME_FAILED : TALLY_OUTCOME_PASSED;
      result.duration_us = 10 + i;
      tally_store_finish_result (store, result_id, &result, &error);
      bench_fail_on_error (error);
    }
  tally_store_finish_run (store, run_id, TALLY_RUN_FAILED, &error);
  bench_fail_on_error (error);
  return g_steal_pointer (&path);
}

/* Opens @wide (a database of prepare_wide()) in the tree; returns its
 * group's row. */
static GtkTreeListRow *
open_wide_group (TallyViewerWindow *window,
                 const char        *wide)
{
  TallyViewerResultsView *view = find_results_view (GTK_WIDGET (window));
  g_autoptr(GError) error = NULL;

  tally_viewer_window_open_path (window, wide, &error);
  bench_fail_on_error (error);
  wait_loaded (window);
  wait_frame (GTK_WIDGET (window));
  g_object_set (view, "view-mode", "tree", NULL);
  wait_frame (GTK_WIDGET (window));
  return tree_row (view, "wide", 1);
}

/* Expanding a group of 10,000 tests, in a database of its own. */
static void
bench_wide_group (TallyViewerWindow *window)
{
  g_autofree char *wide = prepare_wide (10000);
  g_autoptr(GtkTreeListRow) group = open_wide_group (window, wide);
  /* The run opened on its first failure, so the group is open. */
  for (guint i = 0; i < 3; i++)
    {
      time_expand (GTK_WIDGET (window), group, FALSE, "/wide");
      time_expand (GTK_WIDGET (window), group, TRUE, "/wide");
    }
  g_unlink (wide);
}

/* Issue 17: typing with the tree shown over the large run (its programs
 * open), the same keystrokes as in the table: the search text set → the
 * table and the tree updated (CPU "model"), then the frame painted. */
static void
bench_tree_keystrokes (TallyViewerWindow *window)
{
  static const char *keys[] = { "c", "ca", "cas", "case", "case0", "case00", "case001",
                                "case0012", "case00123", "case0012", "case001", "" };
  TallyViewerResultsView *view = find_results_view (GTK_WIDGET (window));
  GtkEditable *search = tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window));
  double painted_ms[G_N_ELEMENTS (keys)];
  double model_ms[G_N_ELEMENTS (keys)];

  type_text (search, "");
  g_signal_emit_by_name (search, "search-changed");
  g_object_set (view, "view-mode", "tree", NULL);
  wait_frame (GTK_WIDGET (window));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gint64 t0 = g_get_monotonic_time ();

      cpu0 = bench_cpu_now ();
      type_text (search, keys[i]);
      g_signal_emit_by_name (search, "search-changed");
      model_ms[i] = cpu_ms ();
      wait_frame (GTK_WIDGET (window));
      painted_ms[i] = cpu_ms ();
      printf ("  tree keystroke %-10s → %6u shown, %6u rows: CPU model %.1f ms, painted %.1f ms, wall %.1f ms\n",
              *keys[i] ? keys[i] : "(clear)",
              g_list_model_get_n_items (tally_viewer_window_get_results (window)),
              g_list_model_get_n_items (G_LIST_MODEL (tally_viewer_results_view_get_tree_selection (view))),
              model_ms[i], painted_ms[i], ms_since (t0));
    }
  qsort (painted_ms, G_N_ELEMENTS (keys), sizeof (double), bench_compare_double);
  qsort (model_ms, G_N_ELEMENTS (keys), sizeof (double), bench_compare_double);
  printf ("tree: filter keystroke, tree shown (CPU) → model updated: median %.1f ms, max %.1f ms; "
          "+ frame painted: median %.1f ms, max %.1f ms (budget 50)\n",
          model_ms[G_N_ELEMENTS (keys) / 2], model_ms[G_N_ELEMENTS (keys) - 1],
          painted_ms[G_N_ELEMENTS (keys) / 2], painted_ms[G_N_ELEMENTS (keys) - 1]);
  type_text (search, "");
  g_signal_emit_by_name (search, "search-changed");
  wait_frame (GTK_WIDGET (window));
}

/* Sets @row's expansion, then paints: the call (the models updated and
 * the list view's rows rebound) and the frame timed apart. */
static void
time_expand_split (GtkWidget      *window,
                   GtkTreeListRow *row,
                   gboolean        expanded,
                   guint           n_tests)
{
  gint64 t0 = g_get_monotonic_time ();
  double call_ms;

  cpu0 = bench_cpu_now ();
  gtk_tree_list_row_set_expanded (row, expanded);
  call_ms = cpu_ms ();
  wait_frame (window);
  printf ("tree: %s a group of %u → models and rows updated: CPU %.1f ms; frame painted: CPU %.1f ms, wall %.1f ms%s\n",
          expanded ? "expand" : "collapse", n_tests, call_ms, cpu_ms (), ms_since (t0),
          expanded ? " (budget 50)" : "");
}

/* The group of 10,000 tests again, in a window that has shown it only
 * once: the first expansion (the one that missed the budget) and four
 * more, each split into its parts. */
static void
bench_wide_group_split (TallyViewerWindow *window)
{
  g_autofree char *wide = prepare_wide (10000);
  g_autoptr(GtkTreeListRow) group = open_wide_group (window, wide);
  /* Open or not, as the run's first failure left it: five of each. */
  for (guint i = 0; i < 10; i++)
    time_expand_split (GTK_WIDGET (window), group, !gtk_tree_list_row_get_expanded (group), 10000);
  g_unlink (wide);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  static const char *keystrokes[] = { "c", "ca", "cas", "case", "case0", "case00", "case001",
                                      "case0012", "case00123", "case0012", "case001", "" };
  double times[G_N_ELEMENTS (keystrokes)];
  double model_times[G_N_ELEMENTS (keystrokes)];
  TallyViewerWindow *window;
  GdkFrameClock *clock;
  gint64 t0;
  double open_ms, first_ms, load_ms, log_ms, toggle_ms;
  gint64 open_main_cpu;

  g_set_prgname ("bench-viewer");
  if (!gtk_init_check ())
    {
      g_printerr ("bench-viewer: no display (use xvfb-run -a)\n");
      return 77;
    }
  adw_init ();
  if (argc > 2)
    DB_PATH = argv[2];
  prepare (argc > 1 ? argv[1] : "/tmp/tally-bench-queries.sqlite");

  /* Open to usable: window built, database opened, runs listed, first
   * frame painted (the newest run's results load on a thread). */
  timeline = g_string_new (NULL);
  g_log_set_handler ("Tally-Viewer", G_LOG_LEVEL_DEBUG, on_viewer_log_cb, NULL);
  t0 = open_t0 = g_get_monotonic_time ();
  cpu0 = bench_cpu_now ();
  main_cpu0 = main_cpu_now ();
  /* As the application opens a database with its first window. */
  if (g_getenv ("TALLY_BENCH_NO_PRELOAD") == NULL)
    tally_viewer_preload_start (DB_PATH);
  window = tally_viewer_window_new (NULL);
  g_signal_connect_after (tally_viewer_window_get_document (window), "run-loaded",
                          G_CALLBACK (on_run_loaded_cb), NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  tally_viewer_window_open_path (window, DB_PATH, &error);
  bench_fail_on_error (error);
  open_ms = ms_since (t0);
  open_main_cpu = main_cpu_now () - main_cpu0;
  printf ("open → database open, runs listed: CPU %.1f ms\n", cpu_ms ());
  gtk_window_present (GTK_WINDOW (window));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_count_paint), NULL);
  wait_frame (GTK_WIDGET (window));
  first_ms = ms_since (t0);
  printf ("open → first frame: CPU %.1f ms\n", cpu_ms ());
  printf ("open → runs listed: %.1f ms; → first frame: %.1f ms (budget 1000)\n", open_ms, first_ms);

  /* TALLY_BENCH_WIDE_ONLY=1: only the group of 10,000 (for a profiler). */
  if (g_getenv ("TALLY_BENCH_WIDE_ONLY") != NULL)
    {
      bench_wide_group (window);
      bench_wide_group_split (window);
      gtk_window_destroy (GTK_WINDOW (window));
      return 0;
    }
  load_ms = wait_loaded (window);
  wait_frame (GTK_WIDGET (window));
  /* TALLY_BENCH_TREE_ONLY=1: only typing in the tree (for a profiler). */
  if (g_getenv ("TALLY_BENCH_TREE_ONLY") != NULL)
    {
      bench_tree_keystrokes (window);
      gtk_window_destroy (GTK_WINDOW (window));
      return 0;
    }
  printf ("run loaded (%u results) %.1f ms after the first frame, %.1f ms after open "
          "(budget 300); main thread's longest busy stretch meanwhile %.1f ms, %u frames painted; "
          "+ frame painted %.1f ms after open\n",
          g_list_model_get_n_items (tally_viewer_window_get_results (window)), load_ms,
          first_ms + load_ms, longest_gap / 1000.0, frames_painted, ms_since (t0));
  printf ("open → run loaded (rows in the list, first failure selected): %.1f ms (budget 300); "
          "main thread's CPU meanwhile %.1f ms\n",
          (run_loaded_at - t0) / 1000.0, (run_loaded_cpu - main_cpu0) / 1000.0);
  /* Where that time goes: the threads' reads (their messages), the
   * window built on the main thread meanwhile, and the main thread
   * taking the loaded run once it is free. */
  printf ("open → run loaded, timeline since open:\n"
          "  %7.1f ms  window built, database open, runs listed (the main thread's CPU %.1f ms)\n%s"
          "  %7.1f ms  run-loaded emitted (the main thread's CPU %.1f ms)\n"
          "  %7.1f ms  first frame painted\n",
          open_ms, open_main_cpu / 1000.0, timeline->str, (run_loaded_at - t0) / 1000.0,
          (run_loaded_cpu - main_cpu0) / 1000.0, first_ms);
  g_string_free (g_steal_pointer (&timeline), TRUE);
  if (thread_loaded_at != 0)
    printf ("open → run read off the main thread (the preload thread, then the loading thread): %.1f ms "
            "(budget 300); the main thread took it %.1f ms later\n",
            (thread_loaded_at - t0) / 1000.0, (run_loaded_at - thread_loaded_at) / 1000.0);
  /* TALLY_BENCH_OPEN_ONLY=1: only the opening (short enough to run
   * under a real-time priority on a shared machine). */
  if (g_getenv ("TALLY_BENCH_OPEN_ONLY") != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (window));
      return 0;
    }

  /* Another run and back: the large one is read again on a fresh
   * connection of the loading thread. */
  {
    GListModel *runs = tally_viewer_document_get_runs (tally_viewer_window_get_document (window));
    g_autoptr(TallyViewerRunItem) newest = g_list_model_get_item (runs, 0);
    g_autoptr(TallyViewerRunItem) small = g_list_model_get_item (runs, 1);
    double small_ms, big_ms;

    tally_viewer_window_select_run (window, tally_viewer_run_item_get_row (small)->id);
    small_ms = wait_loaded (window);
    wait_frame (GTK_WIDGET (window));
    printf ("switch to a small run (%u results) → loaded %.1f ms\n",
            g_list_model_get_n_items (tally_viewer_window_get_results (window)), small_ms);
    t0 = g_get_monotonic_time ();
    tally_viewer_window_select_run (window, tally_viewer_run_item_get_row (newest)->id);
    big_ms = wait_loaded (window);
    wait_frame (GTK_WIDGET (window));
    printf ("switch back to the large run (%u results) → loaded %.1f ms, painted %.1f ms (budget 300); "
            "main thread's longest busy stretch %.1f ms, %u frames painted meanwhile\n",
            g_list_model_get_n_items (tally_viewer_window_get_results (window)), big_ms, ms_since (t0),
            longest_gap / 1000.0, frames_painted);
  }

  for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
    {
      GtkEditable *search = tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window));

      double model_ms;

      t0 = g_get_monotonic_time ();
      cpu0 = bench_cpu_now ();
      /* As typing does: one character added or removed (set_text would
       * clear the entry first, a search of its own). */
      type_text (search, keystrokes[i]);
      g_signal_emit_by_name (search, "search-changed");
      model_ms = cpu_ms ();
      wait_frame (GTK_WIDGET (window));
      times[i] = cpu_ms ();
      model_times[i] = model_ms;
      printf ("  keystroke %-10s → %6u shown: CPU model %.1f ms, painted %.1f ms\n",
              *keystrokes[i] ? keystrokes[i] : "(clear)",
              g_list_model_get_n_items (tally_viewer_window_get_results (window)), model_ms, times[i]);
    }
  /* TALLY_BENCH_REPEAT=N: the keystrokes that narrow then widen the rows
   * shown (1,000 → 10 → 100 → 1,000) N times more; the median of each
   * (CPU to the frame painted). */
  if (g_getenv ("TALLY_BENCH_REPEAT") != NULL)
    {
      static const char *widening[] = { "case00123", "case0012", "case001" };
      guint n = MAX (atoi (g_getenv ("TALLY_BENCH_REPEAT")), 1);
      g_autofree double *cost = g_new0 (double, n * G_N_ELEMENTS (widening));
      GtkEditable *search = tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window));

      type_text (search, "case001");
      g_signal_emit_by_name (search, "search-changed");
      wait_frame (GTK_WIDGET (window));
      for (guint r = 0; r < n; r++)
        for (guint i = 0; i < G_N_ELEMENTS (widening); i++)
          {
            cpu0 = bench_cpu_now ();
            type_text (search, widening[i]);
            g_signal_emit_by_name (search, "search-changed");
            wait_frame (GTK_WIDGET (window));
            cost[i * n + r] = cpu_ms ();
          }
      for (guint i = 0; i < G_N_ELEMENTS (widening); i++)
        {
          qsort (cost + i * n, n, sizeof (double), bench_compare_double);
          printf ("  keystroke %-10s repeated %u times → frame painted: CPU median %.1f ms, max %.1f ms\n",
                  widening[i], n, cost[i * n + n / 2], cost[i * n + n - 1]);
        }
      type_text (search, "");
      g_signal_emit_by_name (search, "search-changed");
      wait_frame (GTK_WIDGET (window));
    }
  qsort (times, G_N_ELEMENTS (times), sizeof (double), bench_compare_double);
  qsort (model_times, G_N_ELEMENTS (times), sizeof (double), bench_compare_double);
  printf ("filter keystroke (CPU) → model updated: median %.1f ms, max %.1f ms; + frame painted: median %.1f ms, max %.1f ms (budget 50)\n",
          model_times[G_N_ELEMENTS (times) / 2], model_times[G_N_ELEMENTS (times) - 1],
          times[G_N_ELEMENTS (times) / 2], times[G_N_ELEMENTS (times) - 1]);

  /* Header clicks: duration, duration again (descending), then path. */
  {
    GtkColumnView *view = find_column_view (GTK_WIDGET (window));
    GListModel *columns = gtk_column_view_get_columns (view);
    static const struct { guint column; GtkSortType order; } clicks[] = {
      { 4, GTK_SORT_ASCENDING }, { 4, GTK_SORT_DESCENDING }, { 2, GTK_SORT_ASCENDING },
      { 1, GTK_SORT_ASCENDING },
    };

    for (guint i = 0; i < G_N_ELEMENTS (clicks); i++)
      {
        g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, clicks[i].column);

        t0 = g_get_monotonic_time ();
        cpu0 = bench_cpu_now ();
        gtk_column_view_sort_by_column (view, column, clicks[i].order);
        wait_frame (GTK_WIDGET (window));
        printf ("sort by %s %s → frame painted: CPU %.1f ms, wall %.1f ms (budget 50)\n",
                gtk_column_view_column_get_title (column),
                clicks[i].order == GTK_SORT_ASCENDING ? "ascending" : "descending", cpu_ms (), ms_since (t0));
      }
  }
  /* TALLY_BENCH_REPEAT=N: sorting by duration, ascending then
   * descending, N times more (medians). */
  if (g_getenv ("TALLY_BENCH_REPEAT") != NULL)
    {
      GtkColumnView *view = find_column_view (GTK_WIDGET (window));
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (gtk_column_view_get_columns (view), 4);
      guint n = MAX (atoi (g_getenv ("TALLY_BENCH_REPEAT")), 1);
      g_autofree double *cost = g_new0 (double, 2 * n);

      for (guint r = 0; r < n; r++)
        for (guint i = 0; i < 2; i++)
          {
            cpu0 = bench_cpu_now ();
            gtk_column_view_sort_by_column (view, column, i == 0 ? GTK_SORT_ASCENDING : GTK_SORT_DESCENDING);
            wait_frame (GTK_WIDGET (window));
            cost[i * n + r] = cpu_ms ();
          }
      for (guint i = 0; i < 2; i++)
        {
          qsort (cost + i * n, n, sizeof (double), bench_compare_double);
          printf ("  sort by Duration %s repeated %u times → frame painted: CPU median %.1f ms, max %.1f ms\n",
                  i == 0 ? "ascending" : "descending", n, cost[i * n + n / 2], cost[i * n + n - 1]);
        }
    }
  /* TALLY_BENCH_TABLE_ONLY=1: stop after the table's keystrokes and
   * sorts (for a profiler). */
  if (g_getenv ("TALLY_BENCH_TABLE_ONLY") != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (window));
      return 0;
    }

  t0 = g_get_monotonic_time ();
  cpu0 = bench_cpu_now ();
  g_object_set (tally_viewer_window_get_filter_bar (window), "show-failed", TRUE, NULL);
  wait_frame (GTK_WIDGET (window));
  toggle_ms = cpu_ms ();
  printf ("outcome toggle (failed only) → %u shown, CPU %.1f ms\n",
          g_list_model_get_n_items (tally_viewer_window_get_results (window)), toggle_ms);
  g_object_set (tally_viewer_window_get_filter_bar (window), "show-failed", FALSE, NULL);

  gtk_editable_set_text (tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window)), "/huge/log");
  g_signal_emit_by_name (tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window)), "search-changed");
  wait_frame (GTK_WIDGET (window));
  t0 = g_get_monotonic_time ();
  cpu0 = bench_cpu_now ();
  tally_viewer_window_select_position (window, 0);
  wait_frame (GTK_WIDGET (window));
  log_ms = cpu_ms ();
  printf ("(wall %.1f ms)\n", ms_since (t0));
  printf ("open one test's %u-record log → detail painted: CPU %.1f ms (budget 50)\n",
          g_list_model_get_n_items (tally_viewer_detail_get_log_model (tally_viewer_window_get_detail (window))),
          log_ms);

  cpu0 = bench_cpu_now ();
  tally_viewer_detail_set_max_level (tally_viewer_window_get_detail (window), G_LOG_LEVEL_WARNING);
  wait_frame (GTK_WIDGET (window));
  printf ("log level filter (warnings) → %u records, CPU %.1f ms\n",
          g_list_model_get_n_items (tally_viewer_detail_get_log_model (tally_viewer_window_get_detail (window))),
          cpu_ms ());

  /* The results tree of the large run (unfiltered), then a group of
   * 10,000 tests in a database of its own. */
  {
    TallyViewerResultsView *view = find_results_view (GTK_WIDGET (window));
    GtkEditable *search = tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window));
    g_autoptr(GtkTreeListRow) prog = NULL;

    gtk_editable_set_text (search, "");
    g_signal_emit_by_name (search, "search-changed");
    wait_frame (GTK_WIDGET (window));
    for (guint i = 0; i < 3; i++)
      {
        TallyViewerDocument *document = tally_viewer_window_get_document (window);
        TallyViewerTree *tree;

        cpu0 = bench_cpu_now ();
        tree = tally_viewer_tree_build (tally_viewer_document_get_store (document),
                                        tally_viewer_document_get_run_id (document), NULL, &error);
        bench_fail_on_error (error);
        printf ("tree: built from the run in memory (%u results, no widgets): CPU %.1f ms\n",
                tally_viewer_tree_get_n_tests (tree), cpu_ms ());
        cpu0 = bench_cpu_now ();
        tally_viewer_tree_unref (tree);
        printf ("tree: freed: CPU %.1f ms\n", cpu_ms ());
      }
    t0 = g_get_monotonic_time ();
    cpu0 = bench_cpu_now ();
    g_object_set (view, "view-mode", "tree", NULL);
    wait_frame (GTK_WIDGET (window));
    printf ("tree: switch to the tree of %u results (built, programs open) → frame painted: CPU %.1f ms, wall %.1f ms\n",
            g_list_model_get_n_items (tally_viewer_window_get_results (window)), cpu_ms (), ms_since (t0));
    t0 = g_get_monotonic_time ();
    cpu0 = bench_cpu_now ();
    type_text (search, "c");
    g_signal_emit_by_name (search, "search-changed");
    wait_frame (GTK_WIDGET (window));
    printf ("tree: keystroke 'c' (the tree built again) → frame painted: CPU %.1f ms, wall %.1f ms\n",
            cpu_ms (), ms_since (t0));
    type_text (search, "");
    g_signal_emit_by_name (search, "search-changed");
    wait_frame (GTK_WIDGET (window));
    prog = tree_row (view, "prog-b", 0);
    for (guint i = 0; i < 3; i++)
      {
        time_expand (GTK_WIDGET (window), prog, FALSE, "prog-b");
        time_expand (GTK_WIDGET (window), prog, TRUE, "prog-b");
      }

  }
  bench_tree_keystrokes (window);
  bench_wide_group (window);
  bench_wide_group_split (window);

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
