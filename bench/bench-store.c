/* bench-store.c — cost of storing results and log records
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The "logging" workload of the design brief, store side only: 2,000
 * results of 50 log records each, written the way `tally run` writes them
 * (start, records, finish; the store's own 100 ms commits). Budget:
 * ≤ 5 µs per stored record.
 *
 * Then the cost of a result on its own (issue #4: ≤ 10 µs): 10,000
 * tests, each ensure_test + start_result + finish_result without
 * records, first into a fresh database (every test new), then a second
 * run into the same file (every test known); the median of
 * N_RESULT_ROUNDS rounds of each.
 *
 *   bench-store [DB]   (default: a fresh file in a temporary directory;
 *                       the per-result rounds always use fresh files)
 */
#define G_LOG_DOMAIN "Tally-Bench"

#include "config.h"

#include <stdio.h>
#include <time.h>

#include <glib/gstdio.h>
#include <tally.h>

#include "tally-markers-private.h"
#include "tally-store-private.h"
#include "bench-util.h"

#define N_RESULTS 2000
#define N_RECORDS 50

#define N_TRIVIAL 10000
#define N_RESULT_ROUNDS 5

static TallyLogRecord *
make_record (guint i)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->level = i % 7 == 0 ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_DEBUG;
  record->domain = g_strdup ("Bench");
  record->message = g_strdup_printf ("record %u: the quick brown fox jumps over the lazy dog", i);
  record->message_len = strlen (record->message);
  record->file = g_strdup ("../tests/bench-logging.c");
  record->line = 100 + i;
  record->func = g_strdup ("test_logging");
  record->thread_id = 12345;
  return record;
}

typedef struct
{
  double wall;            /* µs per result */
  double cpu;
} Cost;

static void
remove_db (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

/* One run of N_TRIVIAL tests without records, the way `tally run`
 * stores the trivial workload (the tests listed first, then each one
 * started and finished); returns µs per result, open and close
 * excluded. */
static Cost
store_trivial_run (const char    *path,
                   TallyMarkers  *markers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (path, &error);
  g_autofree gint64 *test_ids = g_new (gint64, N_TRIVIAL);
  const char *run_argv[] = { "tally", "run", "bench", NULL };
  gint64 run_id, start, start_cpu;
  TallyResult result;
  Cost cost;

  bench_fail_on_error (g_steal_pointer (&error));
  start = g_get_monotonic_time ();
  start_cpu = bench_cpu_now ();
  run_id = tally_store_begin_run (store, run_argv, 2, 0, NULL, &error);
  bench_fail_on_error (g_steal_pointer (&error));

  for (guint n = 0; n < N_TRIVIAL; n++)
    {
      char test_path[64];

      g_snprintf (test_path, sizeof test_path, "/trivial/%04u/%06u", n / 100, n);
      test_ids[n] = tally_store_ensure_test (store, "./bench-tally", test_path,
                                             "bench-tally.c", 10, n % 10 ? NULL : markers,
                                             &error);
      bench_fail_on_error (g_steal_pointer (&error));
    }

  for (guint n = 0; n < N_TRIVIAL; n++)
    {
      gint64 result_id;

      tally_result_init (&result);
      result.started_at_us = g_get_real_time ();
      result.worker = n % 2;
      result_id = tally_store_start_result (store, run_id, test_ids[n], &result, &error);
      bench_fail_on_error (g_steal_pointer (&error));
      result.outcome = TALLY_OUTCOME_PASSED;
      result.duration_us = 20;
      tally_store_finish_result (store, result_id, &result, &error);
      bench_fail_on_error (g_steal_pointer (&error));
    }

  tally_store_finish_run (store, run_id, TALLY_RUN_PASSED, &error);
  bench_fail_on_error (g_steal_pointer (&error));
  cost.wall = (double) (g_get_monotonic_time () - start) / N_TRIVIAL;
  cost.cpu = (double) (bench_cpu_now () - start_cpu) / N_TRIVIAL;

  return cost;
}

static void
print_costs (const char *what,
             double     *wall,
             double     *cpu)
{
  qsort (wall, N_RESULT_ROUNDS, sizeof (double), bench_compare_double);
  qsort (cpu, N_RESULT_ROUNDS, sizeof (double), bench_compare_double);
  printf ("%6.2f us per result (CPU %.2f), %s; median of %d (min %.2f, CPU %.2f)\n",
          wall[N_RESULT_ROUNDS / 2], cpu[N_RESULT_ROUNDS / 2], what, N_RESULT_ROUNDS,
          wall[0], cpu[0]);
}

static void
bench_results (const char   *dir,
               TallyMarkers *markers)
{
  double fresh[N_RESULT_ROUNDS], known[N_RESULT_ROUNDS];
  double fresh_cpu[N_RESULT_ROUNDS], known_cpu[N_RESULT_ROUNDS];

  for (guint round = 0; round < N_RESULT_ROUNDS; round++)
    {
      g_autofree char *path = g_strdup_printf ("%s/trivial-%u.sqlite", dir, round);
      Cost cost;

      cost = store_trivial_run (path, markers);
      fresh[round] = cost.wall;
      fresh_cpu[round] = cost.cpu;
      cost = store_trivial_run (path, markers);
      known[round] = cost.wall;
      known_cpu[round] = cost.cpu;
      remove_db (path);
    }

  printf ("per result, %d tests without records (ensure_test + start + finish):\n", N_TRIVIAL);
  print_costs ("fresh database, every test new", fresh, fresh_cpu);
  print_costs ("second run, every test known", known, known_cpu);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *result_dir = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(TallyMarkers) markers = tally_markers_parse ("group=bench", NULL);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  const char *run_argv[] = { "tally", "run", "bench", NULL };
  gint64 run_id, start, elapsed;
  TallyResult result;

  g_set_prgname ("bench-store");
  if (argc > 1)
    path = g_strdup (argv[1]);
  else
    {
      tmpdir = g_dir_make_tmp ("bench-store-XXXXXX", &error);
      bench_fail_on_error (g_steal_pointer (&error));
      path = g_build_filename (tmpdir, "results.sqlite", NULL);
    }

  for (guint i = 0; i < N_RECORDS; i++)
    g_ptr_array_add (records, make_record (i));

  store = tally_store_open (path, &error);
  bench_fail_on_error (g_steal_pointer (&error));

  start = g_get_monotonic_time ();
  run_id = tally_store_begin_run (store, run_argv, 2, 0, NULL, &error);
  bench_fail_on_error (g_steal_pointer (&error));

  for (guint n = 0; n < N_RESULTS; n++)
    {
      g_autofree char *test_path = g_strdup_printf ("/bench/logging/%u", n);
      gint64 test_id, result_id;

      test_id = tally_store_ensure_test (store, "./bench-logging", test_path,
                                         "bench-logging.c", 10, markers, &error);
      bench_fail_on_error (g_steal_pointer (&error));

      tally_result_init (&result);
      result.started_at_us = g_get_real_time ();
      result.worker = n % 2;
      result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
      bench_fail_on_error (g_steal_pointer (&error));

      for (guint i = 0; i < N_RECORDS; i++)
        {
          TallyLogRecord *record = records->pdata[i];

          record->time_us = g_get_real_time ();
          tally_store_add_log (store, result_id, i, record, &error);
          bench_fail_on_error (g_steal_pointer (&error));
        }

      result.outcome = TALLY_OUTCOME_PASSED;
      result.duration_us = 100;
      tally_store_finish_result (store, result_id, &result, &error);
      bench_fail_on_error (g_steal_pointer (&error));
    }

  tally_store_finish_run (store, run_id, TALLY_RUN_PASSED, &error);
  bench_fail_on_error (g_steal_pointer (&error));
  elapsed = g_get_monotonic_time () - start;

  printf ("stored %d results x %d log records in %.3f s\n",
          N_RESULTS, N_RECORDS, elapsed / 1e6);
  printf ("%.2f us per log record (all writes / records)\n",
          (double) elapsed / (N_RESULTS * N_RECORDS));
  printf ("%.1f us per result (test, start, %d records, finish)\n",
          (double) elapsed / N_RESULTS, N_RECORDS);

  g_clear_pointer (&store, tally_store_close);
  if (tmpdir != NULL)
    {
      remove_db (path);
      g_rmdir (tmpdir);
    }

  result_dir = g_dir_make_tmp ("bench-store-XXXXXX", &error);
  bench_fail_on_error (g_steal_pointer (&error));
  bench_results (result_dir, markers);
  g_rmdir (result_dir);

  return 0;
}
