/* bench-queries.c — the viewer's read queries on a large database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Builds (once) a database of 100,000 results and 1,000,000 log records
 * in one run, plus 20 small runs, written through the store's write API,
 * then prints the first and the median of 20 timings of each query the
 * viewer and `tally show` make (the store keeps one run's results in
 * memory, tally-store-read.c: the first list of a new order sorts them
 * with qsort_r, every list filters them in one pass), and the same on a
 * fresh connection each time, which reads the run into memory first.
 * Budgets: < 50 ms per page query, a keystroke of the viewer's text
 * filter well under 50 ms (design brief).
 *
 *   bench-queries [DB [SUBSTRING]]
 *       DB: default /tmp/tally-bench-queries.sqlite, reused when it exists
 *       SUBSTRING: time only the queries whose name contains it
 */
#define G_LOG_DOMAIN "Tally-Bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tally.h>

#include "tally-markers-private.h"
#include "tally-store-private.h"
#include "bench-util.h"

#define N_RESULTS 100000
#define N_RECORDS 10
#define N_SMALL_RUNS 20
#define N_REPEAT 20

static void
add_one (TallyStore           *store,
         gint64                run_id,
         guint                 i,
         guint                 n_records,
         const TallyLogRecord *record,
         TallyMarkers         *markers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("/suite%03u/case%06u", i % 997, i);
  TallyResult result;
  gint64 test_id, result_id;

  test_id = tally_store_ensure_test (store, i % 2 ? "prog-a" : "prog-b", path, "t.c", 1,
                                     markers, &error);
  bench_fail_on_error (error);
  tally_result_init (&result);
  result.worker = i % 4;
  result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
  bench_fail_on_error (error);
  for (guint s = 0; s < n_records; s++)
    tally_store_add_log (store, result_id, s, record, &error);
  bench_fail_on_error (error);
  result.outcome = i % 50 == 0 ? TALLY_OUTCOME_FAILED : TALLY_OUTCOME_PASSED;
  result.duration_us = g_random_int_range (1, 100000);
  result.message = i % 50 == 0 ? (char *) "assertion failed: x == y" : NULL;
  tally_store_finish_result (store, result_id, &result, &error);
  bench_fail_on_error (error);
}

static void
fill (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (path, &error);
  g_autoptr(TallyLogRecord) record = tally_log_record_new ();
  g_autoptr(TallyMarkers) slow = tally_markers_parse ("slow group=db", NULL);
  g_autoptr(TallyMarkers) plain = tally_markers_parse ("net", NULL);
  const char *argv[] = { "tally", "run", NULL };
  gint64 t0 = g_get_monotonic_time ();

  bench_fail_on_error (error);
  record->level = G_LOG_LEVEL_DEBUG;
  record->domain = g_strdup ("Bench");
  record->message = g_strdup ("a typical debug message of a few dozen bytes");
  record->message_len = strlen (record->message);

  for (guint r = 0; r < N_SMALL_RUNS; r++)
    {
      gint64 run_id = tally_store_begin_run (store, argv, 2, r, NULL, &error);

      bench_fail_on_error (error);
      for (guint i = 0; i < 100; i++)
        add_one (store, run_id, i, 0, record, i % 5 ? plain : slow);
      tally_store_finish_run (store, run_id, TALLY_RUN_PASSED, &error);
      bench_fail_on_error (error);
    }

  {
    gint64 run_id = tally_store_begin_run (store, argv, 2, 0, NULL, &error);

    bench_fail_on_error (error);
    for (guint i = 0; i < N_RESULTS; i++)
      add_one (store, run_id, i, N_RECORDS, record, i % 5 ? plain : slow);
    tally_store_finish_run (store, run_id, TALLY_RUN_FAILED, &error);
    bench_fail_on_error (error);
  }

  printf ("filled %s in %.1f s\n", path, (g_get_monotonic_time () - t0) / 1e6);
}

typedef void (*QueryFunc) (TallyStore *store, gint64 run_id, gconstpointer data);

static const char *only;


static void
time_query (const char    *name,
            TallyStore    *store,
            gint64         run_id,
            QueryFunc      func,
            gconstpointer  data)
{
  gint64 times[N_REPEAT], cpu[N_REPEAT];
  gint64 first, first_cpu;

  if (only != NULL && strstr (name, only) == NULL)
    return;
  for (guint i = 0; i < N_REPEAT; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 start_cpu = bench_cpu_now ();

      func (store, run_id, data);
      times[i] = g_get_monotonic_time () - start;
      cpu[i] = bench_cpu_now () - start_cpu;
    }
  first = times[0];
  first_cpu = cpu[0];
  qsort (times, N_REPEAT, sizeof (gint64), bench_compare_int64);
  qsort (cpu, N_REPEAT, sizeof (gint64), bench_compare_int64);
  printf ("  %-44s %8.2f %8.2f ms   CPU %8.2f %8.2f ms\n", name, first / 1000.0,
          times[N_REPEAT / 2] / 1000.0, first_cpu / 1000.0, cpu[N_REPEAT / 2] / 1000.0);
}

typedef struct
{
  TallyResultQuery query;
  guint offset;
} Page;

static void
q_page (TallyStore    *store,
        gint64         run_id,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const Page *page = data;
  g_autoptr(GPtrArray) rows = tally_store_query_results (store, run_id, &page->query,
                                                         page->offset, 100, &error);

  bench_fail_on_error (error);
  g_assert (rows->len > 0);
}

static void
q_count (TallyStore    *store,
         gint64         run_id,
         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const Page *page = data;

  tally_store_count_results (store, run_id, &page->query, &error);
  bench_fail_on_error (error);
}

static void
q_runs (TallyStore    *store,
        gint64         run_id,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = tally_store_list_runs (store, 0, GPOINTER_TO_UINT (data),
                                                     TRUE, &error);

  bench_fail_on_error (error);
  g_assert (runs != NULL);
}

static void
q_logs (TallyStore    *store,
        gint64         run_id,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) logs = tally_store_get_logs_page (store, GPOINTER_TO_SIZE (data) / 2,
                                                         0, 200, 0, &error);

  g_assert (error != NULL || logs != NULL);
  bench_fail_on_error (error);
  tally_store_count_logs (store, GPOINTER_TO_SIZE (data) / 2, G_LOG_LEVEL_WARNING, &error);
  bench_fail_on_error (error);
}

static void
q_history (TallyStore    *store,
           gint64         run_id,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tests = tally_store_find_tests (store, NULL, "/suite042/case000042", &error);
  g_autoptr(GPtrArray) rows = NULL;

  bench_fail_on_error (error);
  g_assert (tests->len == 1);
  rows = tally_store_query_history (store, ((TallyTestRow *) tests->pdata[0])->id, 50, &error);
  bench_fail_on_error (error);
}

static void
q_select (TallyStore    *store,
          gint64         run_id,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = tally_store_select_tests (store, run_id, "slow and not net", &error);

  bench_fail_on_error (error);
  g_assert (ids != NULL);
}

static void
q_ids (TallyStore    *store,
       gint64         run_id,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const Page *page = data;
  g_autoptr(GArray) ids = tally_store_query_result_ids (store, run_id, &page->query, &error);

  bench_fail_on_error (error);
  g_assert (ids->len > 0);
}

static void
q_rows (TallyStore    *store,
        gint64         run_id,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = (GArray *) data;
  g_autoptr(GPtrArray) rows = tally_store_get_result_rows (store, &g_array_index (ids, gint64, 50000),
                                                           100, &error);

  bench_fail_on_error (error);
  g_assert (rows->len == 100);
}

/* The viewer's text filter as one types "case0042" and deletes it
 * again: each call is one keystroke (the run sorted by path already). */
static void
q_keystroke (TallyStore    *store,
             gint64         run_id,
             gconstpointer  data)
{
  static const char typed[] = "case0042";
  static guint call;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GArray) ids = NULL;
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;
  guint n = call++ % (2 * (sizeof typed - 1));

  text = g_strndup (typed, n < sizeof typed - 1 ? n + 1 : 2 * (sizeof typed - 1) - n);
  query.text = text;
  ids = tally_store_viewer_query_result_ids (store, run_id, &query, GPOINTER_TO_INT (data) ? "duration" : "path",
                                            FALSE, &error);
  bench_fail_on_error (error);
  g_assert (ids != NULL);
}

typedef struct
{
  const char *path;
  Page page;
} Cold;

/* A fresh connection: its first page reads the run into memory. */
static void
q_cold_page (TallyStore    *store,
             gint64         run_id,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const Cold *cold = data;
  g_autoptr(TallyStore) fresh = tally_store_open_readonly (cold->path, &error);

  bench_fail_on_error (error);
  q_page (fresh, run_id, &cold->page);
  q_count (fresh, run_id, &cold->page);
}

static void
time_pages (TallyStore *store,
            gint64      run_id)
{
  static const char * const sort_names[] = { "path", "outcome", "duration" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  Page page = { TALLY_RESULT_QUERY_INIT, 0 };

  for (int s = TALLY_RESULT_SORT_PATH; s <= TALLY_RESULT_SORT_DURATION; s++)
    for (int d = 0; d < 2; d++)
      for (guint offset = 0; offset <= 50000; offset += 50000)
        {
          g_autofree char *name = g_strdup_printf ("results page, %s%s, offset %u",
                                                   sort_names[s], d ? " desc" : "", offset);

          page.query.sort = s;
          page.query.descending = d;
          page.offset = offset;
          time_query (name, store, run_id, q_page, &page);
        }

  page.query = (TallyResultQuery) TALLY_RESULT_QUERY_INIT;
  page.offset = 0;
  time_query ("id list, path (once per filter/sort)", store, run_id, q_ids, &page);
  page.query.sort = TALLY_RESULT_SORT_DURATION;
  page.query.descending = TRUE;
  time_query ("id list, duration desc", store, run_id, q_ids, &page);
  {
    g_autoptr(GArray) all = tally_store_query_result_ids (store, run_id, &page.query, &error);

    bench_fail_on_error (error);
    time_query ("100 rows by id at position 50000", store, run_id, q_rows, all);
  }
  page.query = (TallyResultQuery) TALLY_RESULT_QUERY_INIT;
  time_query ("count, no filter", store, run_id, q_count, &page);
  page.query.outcomes = 1u << TALLY_OUTCOME_FAILED;
  time_query ("results page, failed only", store, run_id, q_page, &page);
  time_query ("count, failed only", store, run_id, q_count, &page);
  page.query.outcomes = 0;
  page.query.text = "suite042";
  time_query ("results page, text \"suite042\"", store, run_id, q_page, &page);
  time_query ("count, text \"suite042\"", store, run_id, q_count, &page);
  page.query.text = NULL;

  time_query ("viewer text filter, one keystroke (by path)", store, run_id, q_keystroke,
              GINT_TO_POINTER (0));
  time_query ("viewer text filter, one keystroke (by duration)", store, run_id, q_keystroke,
              GINT_TO_POINTER (1));
  time_query ("select tests by markers (once per filter)", store, run_id, q_select, NULL);
  ids = tally_store_select_tests (store, run_id, "slow", &error);
  bench_fail_on_error (error);
  page.query.test_ids = ids;
  time_query ("results page, marker ids (20%)", store, run_id, q_page, &page);
  time_query ("count, marker ids (20%)", store, run_id, q_count, &page);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *path = argc > 1 ? argv[1] : "/tmp/tally-bench-queries.sqlite";
  g_autoptr(TallyStore) store = NULL;
  gint64 run_id = 0, n_results = 0;

  g_set_prgname ("bench-queries");
  only = argc > 2 ? argv[2] : NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    fill (path);

  /* A database from an older Tally: upgrade it (as `tally run` would). */
  g_clear_pointer (&store, tally_store_close);
  store = tally_store_open (path, &error);
  bench_fail_on_error (error);
  g_clear_pointer (&store, tally_store_close);
  store = tally_store_open_readonly (path, &error);
  bench_fail_on_error (error);
  tally_store_get_last_run_id (store, &run_id, &error);
  tally_store_count_rows (store, NULL, &n_results, &error);
  bench_fail_on_error (error);
  printf ("%s: last run %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " results in all;"
          " first and median of %d\n", path, run_id, n_results, N_REPEAT);
  {
    /* Timings on a shared machine mean little without its load. */
    g_autofree char *load = NULL;

    if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
      printf ("load average: %s", load);
  }
  printf ("  %-44s %8s %8s      %8s %8s   (wall, then process CPU)\n", "query", "first", "median",
          "first", "median");

  time_query ("run list, 25 runs with counts", store, run_id, q_runs, GUINT_TO_POINTER (25));
  time_pages (store, run_id);
  {
    Cold cold = { path, { TALLY_RESULT_QUERY_INIT, 50000 } };

    time_query ("fresh connection: page at 50000 + count", store, run_id, q_cold_page, &cold);
    cold.page.query.sort = TALLY_RESULT_SORT_DURATION;
    cold.page.query.descending = TRUE;
    cold.page.query.outcomes = 1u << TALLY_OUTCOME_PASSED;
    time_query ("fresh connection: passed by duration desc", store, run_id, q_cold_page, &cold);
  }
  time_query ("logs page (200) + count, one result", store, run_id, q_logs,
              GSIZE_TO_POINTER ((gsize) n_results));
  time_query ("history of one test (find + 50 runs)", store, run_id, q_history, NULL);

  return 0;
}
