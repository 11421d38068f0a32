/* test-history.c — last-failed, durations, stepwise, shards, merge
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally-Test"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-history-private.h"
#include "tally-markers-private.h"
#include "tally-store-private.h"

static TallyStore *
open_store (TallyTest  *t,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), name, NULL);
  TallyStore *store = tally_store_open (path, &error);

  tally_assert_no_error (error);
  return store;
}

static gint64
query_int (TallyStore *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  gint64 value = tally_store_debug_query_int (store, sql, &error);

  tally_assert_no_error (error);
  return value;
}

/* Stores one finished attempt of PROGRAM/PATH in @run_id. */
static gint64
add_result (TallyStore   *store,
            gint64        run_id,
            const char   *program,
            const char   *path,
            TallyOutcome  outcome,
            gint64        started_at_us,
            gint64        duration_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = tally_markers_parse ("slow group=g", NULL);
  TallyResult result;
  gint64 test_id, result_id;

  test_id = tally_store_ensure_test (store, program, path, "t.c", 1, markers, &error);
  tally_assert_no_error (error);

  tally_result_init (&result);
  result.started_at_us = started_at_us;
  result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
  tally_assert_no_error (error);

  result.outcome = outcome;
  result.duration_us = duration_us;
  tally_store_finish_result (store, result_id, &result, &error);
  tally_assert_no_error (error);
  return result_id;
}

static gint64
begin_run (TallyStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 run_id = tally_store_begin_run (store, NULL, 1, 0, NULL, &error);

  tally_assert_no_error (error);
  /* Runs that start in the same microsecond are ordered by id: no need
   * to wait for the clock. */
  return run_id;
}

static void
finish_run (TallyStore *store,
            gint64      run_id)
{
  g_autoptr(GError) error = NULL;

  tally_store_finish_run (store, run_id, TALLY_RUN_FAILED, &error);
  tally_assert_no_error (error);
}

static gboolean
set_has (GHashTable *set,
         const char *program,
         const char *path)
{
  g_autofree char *key = tally_store_test_key (program, path);

  return g_hash_table_contains (set, key);
}

static void
test_last_failed (TallyTest     *t,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = open_store (t, "results.sqlite");
  g_autoptr(GHashTable) failed = NULL;
  gint64 run;

  run = begin_run (store);
  add_result (store, run, "p", "/a", TALLY_OUTCOME_PASSED, 0, 10);
  add_result (store, run, "p", "/b", TALLY_OUTCOME_FAILED, 0, 10);
  add_result (store, run, "p", "/c", TALLY_OUTCOME_CRASHED, 0, 10);
  add_result (store, run, "p", "/d", TALLY_OUTCOME_TIMEOUT, 0, 10);
  add_result (store, run, "p", "/e", TALLY_OUTCOME_XFAILED, 0, 10);
  finish_run (store, run);

  /* /c is not run again: its failure stands. /d is interrupted: no
   * verdict, the earlier one stands. */
  run = begin_run (store);
  add_result (store, run, "p", "/a", TALLY_OUTCOME_ERROR, 0, 10);
  add_result (store, run, "p", "/b", TALLY_OUTCOME_PASSED, 0, 10);
  add_result (store, run, "p", "/d", TALLY_OUTCOME_INTERRUPTED, 0, 10);
  finish_run (store, run);

  /* A run still going (this process) does not count. */
  run = begin_run (store);
  add_result (store, run, "p", "/e", TALLY_OUTCOME_FAILED, 0, 10);

  failed = tally_history_last_failed (store, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (g_hash_table_size (failed), ==, 3);
  tally_assert_true (set_has (failed, "p", "/a"));
  tally_assert_true (set_has (failed, "p", "/c"));
  tally_assert_true (set_has (failed, "p", "/d"));
  tally_assert_false (set_has (failed, "p", "/b"));
  tally_assert_false (set_has (failed, "p", "/e"));
}

static void
test_last_failed_retry (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = open_store (t, "results.sqlite");
  g_autoptr(GHashTable) failed = NULL;
  gint64 run, test_id, result_id;
  TallyResult result;

  /* Attempt 1 failed, attempt 2 passed: the latest attempt decides. */
  run = begin_run (store);
  add_result (store, run, "p", "/r", TALLY_OUTCOME_FAILED, 0, 10);
  test_id = tally_store_ensure_test (store, "p", "/r", NULL, 0, NULL, &error);
  tally_assert_no_error (error);
  tally_result_init (&result);
  result.attempt = 2;
  result_id = tally_store_start_result (store, run, test_id, &result, &error);
  tally_assert_no_error (error);
  result.outcome = TALLY_OUTCOME_FLAKY;
  tally_store_finish_result (store, result_id, &result, &error);
  tally_assert_no_error (error);
  finish_run (store, run);

  failed = tally_history_last_failed (store, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (g_hash_table_size (failed), ==, 0);
}

static void
test_durations (TallyTest     *t,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = open_store (t, "results.sqlite");
  g_autoptr(TallyDurations) durations = NULL;
  gint64 run;

  /* Six runs with a pass each: only the latest five count, median of
   * 20…60 is 40. A failure, however long, does not count; within one
   * run (--repeat), the test's last pass stands for the run. */
  for (int i = 1; i <= 6; i++)
    {
      run = begin_run (store);
      add_result (store, run, "p", "/x", TALLY_OUTCOME_PASSED, 1000 * i, 10 * i);
      finish_run (store, run);
    }
  run = begin_run (store);
  add_result (store, run, "p", "/x", TALLY_OUTCOME_FAILED, 9000, 999999);
  add_result (store, run, "p", "/y", TALLY_OUTCOME_PASSED, 1000, 100);
  add_result (store, run, "p", "/z", TALLY_OUTCOME_FAILED, 1000, 100);
  finish_run (store, run);
  run = begin_run (store);
  add_result (store, run, "p", "/y", TALLY_OUTCOME_PASSED, 2000, 5);
  add_result (store, run, "p", "/y", TALLY_OUTCOME_PASSED, 2500, 300);
  finish_run (store, run);

  durations = tally_history_durations (store, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_history_lookup_duration (durations, "p", "/x"), ==, 40);
  tally_assert_cmpint (tally_history_lookup_duration (durations, "p", "/y"), ==, 200);
  tally_assert_cmpint (tally_history_lookup_duration (durations, "p", "/z"), ==, -1);
  tally_assert_cmpuint (tally_durations_size (durations), ==, 2);
}

static void
test_stepwise (TallyTest     *t,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "r.sqlite", NULL);
  g_autofree char *expected = tally_store_test_key ("./prog 'x'", "/a/b");
  TallyStore *store;
  char *key;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  key = tally_history_get_stepwise (store, &error);
  tally_assert_no_error (error);
  tally_assert_null (key);

  tally_history_set_stepwise (store, "./prog 'x'", "/a/b", &error);
  tally_assert_no_error (error);
  tally_store_close (store);

  /* It outlives the process. */
  store = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  key = tally_history_get_stepwise (store, &error);
  tally_assert_no_error (error);
  tally_assert_cmpstr (key, ==, expected);
  g_free (key);
  tally_store_close (store);

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_history_set_stepwise (store, NULL, NULL, &error);
  tally_assert_no_error (error);
  key = tally_history_get_stepwise (store, &error);
  tally_assert_no_error (error);
  tally_assert_null (key);
  tally_store_close (store);
}

typedef struct
{
  GPtrArray *strings;
  GArray *refs;
} Selection;

static void
selection_free (Selection *sel)
{
  g_ptr_array_unref (sel->strings);
  g_array_unref (sel->refs);
  g_free (sel);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Selection, selection_free)

static Selection *
make_selection (guint n)
{
  Selection *sel = g_new0 (Selection, 1);

  sel->strings = g_ptr_array_new_with_free_func (g_free);
  sel->refs = g_array_new (FALSE, FALSE, sizeof (TallyTestRef));
  for (guint i = 0; i < n; i++)
    {
      char *path = g_strdup_printf ("/suite/case-%u", i);
      TallyTestRef ref = { i % 2 ? "./test-a" : "./test-b", path };

      g_ptr_array_add (sel->strings, path);
      g_array_append_val (sel->refs, ref);
    }

  return sel;
}

static TallyDurations *
durations_new (void)
{
  return tally_durations_new ();
}

static void
durations_set (TallyDurations     *durations,
               const TallyTestRef *ref,
               gint64              us)
{
  tally_durations_set (durations, ref->program, ref->path, us);
}

/* Checks that shards 1…N partition the selection; returns the largest
 * and the mean total duration of a shard. */
static void
assert_partition (Selection      *sel,
                  guint           n_shards,
                  TallyDurations *durations,
                  gint64         *max_total,
                  double         *mean_total)
{
  const TallyTestRef *refs = (const TallyTestRef *) (gpointer) sel->refs->data;
  guint n_tests = sel->refs->len;
  g_autofree guint *seen = g_new0 (guint, n_tests);
  gint64 grand_total = 0;

  *max_total = 0;
  for (guint k = 1; k <= n_shards; k++)
    {
      g_autoptr(GArray) shard = tally_history_shard (refs, n_tests, k, n_shards, durations);
      g_autoptr(GArray) again = tally_history_shard (refs, n_tests, k, n_shards, durations);
      gint64 total = 0;

      tally_assert_cmpuint (shard->len, ==, again->len);
      tally_assert_true (memcmp (shard->data, again->data, shard->len * sizeof (guint)) == 0);

      for (guint i = 0; i < shard->len; i++)
        {
          guint idx = g_array_index (shard, guint, i);
          gint64 us = tally_history_lookup_duration (durations, refs[idx].program,
                                                     refs[idx].path);

          tally_assert_cmpuint (idx, <, n_tests);
          if (i > 0)
            tally_assert_cmpuint (idx, >, g_array_index (shard, guint, i - 1));
          seen[idx]++;
          total += MAX (us, 0);
        }
      *max_total = MAX (*max_total, total);
      grand_total += total;
    }

  for (guint i = 0; i < n_tests; i++)
    tally_assert_cmpuint (seen[i], ==, 1);
  *mean_total = (double) grand_total / n_shards;
}

static void
test_shard_partition (TallyTest     *t,
                      gconstpointer  data)
{
  g_autoptr(Selection) sel = make_selection (101);
  g_autoptr(TallyDurations) durations = durations_new ();
  g_autoptr(TallyDurations) empty = durations_new ();
  const TallyTestRef *refs = (const TallyTestRef *) (gpointer) sel->refs->data;
  gint64 max_total;
  double mean;

  /* Some history, some none. */
  for (guint i = 0; i < sel->refs->len; i += 3)
    durations_set (durations, &refs[i], 1000 + 37 * i);

  for (guint n = 1; n <= 5; n++)
    {
      assert_partition (sel, n, NULL, &max_total, &mean);
      assert_partition (sel, n, empty, &max_total, &mean);
      assert_partition (sel, n, durations, &max_total, &mean);
    }
}

static void
test_shard_hash_without_history (TallyTest     *t,
                                 gconstpointer  data)
{
  g_autoptr(Selection) sel = make_selection (40);
  const TallyTestRef *refs = (const TallyTestRef *) (gpointer) sel->refs->data;
  TallyTestRef one = { "prog", "/a" };
  g_autoptr(GArray) shard = NULL;

  /* FNV-1a of "prog::/a": fixed forever, on every platform. */
  tally_assert_cmphex (tally_history_test_hash ("prog", "/a"), ==, 0xa85ae1f5);
  shard = tally_history_shard (&one, 1, 0xa85ae1f5 % 3 + 1, 3, NULL);
  tally_assert_cmpuint (shard->len, ==, 1);

  /* Without history a test's shard does not depend on the others. */
  for (guint i = 0; i < sel->refs->len; i++)
    {
      g_autoptr(GArray) alone = NULL;
      guint k = tally_history_test_hash (refs[i].program, refs[i].path) % 4 + 1;

      alone = tally_history_shard (&refs[i], 1, k, 4, NULL);
      tally_assert_cmpuint (alone->len, ==, 1);
    }
}

static void
test_shard_balanced (TallyTest     *t,
                     gconstpointer  data)
{
  g_autoptr(Selection) sel = make_selection (403);
  g_autoptr(TallyDurations) durations = durations_new ();
  const TallyTestRef *refs = (const TallyTestRef *) (gpointer) sel->refs->data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);

  /* Skewed: three 5 s tests, the rest 10–100 ms. */
  for (guint i = 0; i < sel->refs->len; i++)
    durations_set (durations, &refs[i],
                   i % 100 == 7 ? 5000000 : g_rand_int_range (rand, 10000, 100000));

  for (guint n = 1; n <= 5; n++)
    {
      gint64 max_total;
      double mean;

      assert_partition (sel, n, durations, &max_total, &mean);
      if (max_total > 1.2 * mean)
        tally_fail ("%u shards: largest %" G_GINT64_FORMAT " µs, mean %.0f µs",
                    n, max_total, mean);
    }
}

/* A shard's database: tests /shared and /only-K, each with a log line
 * and some output. */
static char *
make_shard_db (TallyTest  *t,
               guint       k)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("shard-%u.sqlite", k);
  g_autofree char *only = g_strdup_printf ("/only-%u", k);
  g_autoptr(TallyStore) store = open_store (t, name);
  TallyLogRecord record = { .level = G_LOG_LEVEL_MESSAGE, .message = only,
                            .message_len = strlen (only) };
  gint64 run = begin_run (store);
  gint64 r1, r2;

  r1 = add_result (store, run, "p", "/shared", TALLY_OUTCOME_PASSED, 0, 5);
  r2 = add_result (store, run, "p", only, TALLY_OUTCOME_FAILED, 0, 7);
  tally_store_add_log (store, r1, 0, &record, &error);
  tally_assert_no_error (error);
  tally_store_add_log (store, r2, 0, &record, &error);
  tally_assert_no_error (error);
  tally_store_add_output (store, r2, TALLY_STREAM_STDERR, "err", 3, &error);
  tally_assert_no_error (error);
  finish_run (store, run);

  return g_strdup (tally_store_get_path (store));
}

static void
test_merge (TallyTest     *t,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *in1 = make_shard_db (t, 1);
  g_autofree char *in2 = make_shard_db (t, 2);
  g_autoptr(TallyStore) out = open_store (t, "merged.sqlite");
  g_autoptr(GHashTable) failed = NULL;
  const char *inputs[] = { in1, in2, NULL };

  tally_store_merge (out, inputs, &error);
  tally_assert_no_error (error);

  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM tests"), ==, 3);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs"), ==, 2);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results"), ==, 4);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM logs"), ==, 4);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM outputs"), ==, 2);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM markers"), ==, 6);
  /* Every copied row points at its own copied parent. */
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results r"
                                       " JOIN tests t ON t.id = r.test_id"
                                       " WHERE t.path = '/shared'"), ==, 2);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM logs l"
                                       " JOIN results r ON r.id = l.result_id"
                                       " JOIN tests t ON t.id = r.test_id"
                                       " WHERE CAST(l.message AS TEXT) <> '/only-' ||"
                                       "   substr(t.path, 7) AND t.path <> '/shared'"), ==, 0);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);

  failed = tally_history_last_failed (out, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (g_hash_table_size (failed), ==, 2);

  /* Merging the same shard again adds nothing. */
  tally_store_merge (out, inputs, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results"), ==, 4);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM tests"), ==, 3);
}

static void
test_merge_refuses (TallyTest     *t,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *in1 = make_shard_db (t, 1);
  g_autofree char *in2 = make_shard_db (t, 2);
  g_autoptr(TallyStore) out = open_store (t, "merged.sqlite");
  const char *inputs[] = { in1, in2, NULL };
  const char *self[] = { tally_store_get_path (out), NULL };

  tally_store_debug_exec (in2, "PRAGMA user_version = 99", &error);
  tally_assert_no_error (error);

  /* A bad input refuses the whole merge, before anything is written. */
  tally_assert_false (tally_store_merge (out, inputs, &error));
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  tally_assert_nonnull (strstr (error->message, in2));
  tally_assert_nonnull (strstr (error->message, "newer"));
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs"), ==, 0);
  g_clear_error (&error);

  tally_assert_false (tally_store_merge (out, self, &error));
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_INVALID);
}

static void
register_tests (void)
{
  tally_add ("/core/history/last-failed", test_last_failed, NULL);
  tally_add ("/core/history/last-failed-retry", test_last_failed_retry, NULL);
  tally_add ("/core/history/durations", test_durations, NULL);
  tally_add ("/core/history/stepwise", test_stepwise, NULL);
  tally_add ("/core/history/shard-partition", test_shard_partition, NULL);
  tally_add ("/core/history/shard-hash-without-history", test_shard_hash_without_history, NULL);
  tally_add ("/core/history/shard-balanced", test_shard_balanced, NULL);
  tally_add ("/core/history/merge", test_merge, NULL);
  tally_add ("/core/history/merge-refuses", test_merge_refuses, NULL);
}

TALLY_MAIN (register_tests)
