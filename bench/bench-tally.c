/* bench-tally.c — the four workloads of docs/performance.md, for Tally
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * BENCH_WORKLOAD=trivial|sleep|logging|cpu and BENCH_N=COUNT pick what is
 * registered (see bench-common.h); run it with `tally run -n N`. The same
 * work, written the way each framework is meant to be used, is in
 * bench-gtest.c, bench-criterion.c and py/test_bench.py.
 */
#include <tally.h>

#include "bench-common.h"

static gboolean
complete_task_cb (gpointer task)
{
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/* Attaches @source to the test's context; when it fires it completes a
 * GTask whose callback is tally_test_async_ready; the test awaits it. */
static void
await_source (TallyTest *t,
              GSource   *source)
{
  GTask *task = g_task_new (NULL, NULL, tally_test_async_ready, t);
  g_autoptr(GError) error = NULL;

  g_source_set_callback (source, complete_task_cb, task, g_object_unref);
  g_source_attach (source, tally_test_get_context (t));
  g_source_unref (source);

  tally_assert_true (g_task_propagate_boolean (G_TASK (tally_test_await (t)), &error));
  tally_assert_no_error (error);
}

static void
test_trivial (TallyTest *t, gconstpointer data)
{
  await_source (t, g_idle_source_new ());
}

static void
test_sleep (TallyTest *t, gconstpointer data)
{
  await_source (t, g_timeout_source_new (BENCH_SLEEP_MS));
}

static void
test_logging (TallyTest *t, gconstpointer data)
{
  /* An expected warning does not fail the test; it is still captured. */
  tally_test_expect_log (t, "Bench", G_LOG_LEVEL_WARNING, "record * of the logging workload*");
  bench_log_records ();
  tally_assert_cmpuint (tally_test_count_logs (t, G_LOG_LEVEL_WARNING, "Bench", NULL), ==, 1);
  tally_assert_cmpuint (tally_test_count_logs (t, TALLY_LOG_LEVEL_ANY, "Bench", NULL), ==, BENCH_LOG_RECORDS);
}

static void
test_cpu (TallyTest *t, gconstpointer data)
{
  bench_burn_cpu ();
}

static void
register_tests (void)
{
  static const TallyTestFunc funcs[] = { test_trivial, test_sleep, test_logging, test_cpu };
  BenchWorkload w = bench_workload ();
  guint n = bench_n_tests (w);

  for (guint i = 0; i < n; i++)
    {
      char path[64];

      bench_test_path (path, sizeof path, w, i);
      tally_add (path, funcs[w], NULL);
    }
}

TALLY_MAIN (register_tests)
