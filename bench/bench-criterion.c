/* bench-criterion.c — the four workloads for Criterion (run with -j2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One parameterized test per workload, BENCH_N parameters each (Criterion
 * runs every parameter as a test of its own, in its own sandbox); pick the
 * workload with --filter, a glob on SUITE/TEST (trivial/test here). Inside
 * each test, the GMainContext and the caplog are made by hand, as in
 * bench-gtest.c.
 *
 *   BENCH_N=10000 bench-criterion -j2 --filter trivial/test
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "bench-common.h"
#include "bench-context.h"

/* Criterion wants the parameters in memory its sandboxes see: static
 * storage is; the parameters themselves are not used. */
#define MAX_TESTS 100000
static int params[MAX_TESTS];

static struct criterion_test_params
make_params (BenchWorkload w)
{
  guint n = MIN (bench_n_tests (w), MAX_TESTS);

  return cr_make_param_array (int, params, n);
}

static void
init_capture (void)
{
  bench_capture_init ();
}

ParameterizedTestParameters (trivial, test) { return make_params (BENCH_TRIVIAL); }
ParameterizedTest (int *p, trivial, test)
{
  await_source (g_idle_source_new ());
}

ParameterizedTestParameters (sleep, test) { return make_params (BENCH_SLEEP); }
ParameterizedTest (int *p, sleep, test)
{
  await_source (g_timeout_source_new (BENCH_SLEEP_MS));
}

ParameterizedTestParameters (logging, test) { return make_params (BENCH_LOGGING); }
ParameterizedTest (int *p, logging, test, .init = init_capture)
{
  cr_assert_eq (bench_capture_logs (), 1);
}

ParameterizedTestParameters (cpu, test) { return make_params (BENCH_CPU); }
ParameterizedTest (int *p, cpu, test)
{
  bench_burn_cpu ();
}
