/* bench-gtest.c — the four workloads, the way GLib projects test today
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain GTest in one process: g_test_add_func(), and in each test a
 * GMainContext made by hand (new, push, iterate until done, pop, unref).
 * Nothing is stored. Log records are kept in memory for the test by a log
 * writer (a hand-made caplog) so that the test can assert on them, as the
 * other contenders do.
 *
 *   BENCH_WORKLOAD=trivial BENCH_N=10000 bench-gtest
 */
#include <gio/gio.h>

#include "bench-common.h"
#include "bench-context.h"

static void
test_trivial (void)
{
  await_source (g_idle_source_new ());
}

static void
test_sleep (void)
{
  await_source (g_timeout_source_new (BENCH_SLEEP_MS));
}

static void
test_logging (void)
{
  guint n_warnings = bench_capture_logs ();

  g_assert_cmpuint (n_warnings, ==, 1);
}

static void
test_cpu (void)
{
  bench_burn_cpu ();
}

int
main (int argc, char *argv[])
{
  static const GTestFunc funcs[] = { test_trivial, test_sleep, test_logging, test_cpu };
  BenchWorkload w = bench_workload ();
  guint n = bench_n_tests (w);

  g_test_init (&argc, &argv, NULL);
  /* g_test_init() makes warnings fatal; the logging workload expects one. */
  bench_capture_init ();

  for (guint i = 0; i < n; i++)
    {
      char path[64];

      bench_test_path (path, sizeof path, w, i);
      g_test_add_func (path, funcs[w]);
    }

  return g_test_run ();
}
