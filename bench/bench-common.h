/* bench-common.h — what every contender's C program shares: the workload
 * sizes and the calibrated CPU burn.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The workload and the number of tests come from the environment, so one
 * program serves the quick run, the full run and the scaling series, and
 * Tally's workers (which inherit the runner's environment) register exactly
 * the tests the runner listed:
 *
 *   BENCH_WORKLOAD  trivial | sleep | logging | cpu
 *   BENCH_N         number of tests (default: the full size of the workload)
 */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#define BENCH_SLEEP_MS      25
#define BENCH_LOG_RECORDS   50
#define BENCH_CPU_NS        (10 * 1000 * 1000)

typedef enum
{
  BENCH_TRIVIAL,
  BENCH_SLEEP,
  BENCH_LOGGING,
  BENCH_CPU,
} BenchWorkload;

static inline BenchWorkload
bench_workload (void)
{
  const char *w = g_getenv ("BENCH_WORKLOAD");

  if (w == NULL || strcmp (w, "trivial") == 0)
    return BENCH_TRIVIAL;
  if (strcmp (w, "sleep") == 0)
    return BENCH_SLEEP;
  if (strcmp (w, "logging") == 0)
    return BENCH_LOGGING;
  if (strcmp (w, "cpu") == 0)
    return BENCH_CPU;
  g_printerr ("BENCH_WORKLOAD must be trivial, sleep, logging or cpu\n");
  exit (4);
}

static inline const char *
bench_workload_name (BenchWorkload w)
{
  static const char *const names[] = { "trivial", "sleep", "logging", "cpu" };

  return names[w];
}

static inline guint
bench_n_tests (BenchWorkload w)
{
  static const guint defaults[] = { 10000, 400, 2000, 200 };
  const char *n = g_getenv ("BENCH_N");

  return n != NULL ? (guint) strtoul (n, NULL, 10) : defaults[w];
}

static inline gint64
bench_thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins until this thread has used BENCH_CPU_NS of CPU time: the same
 * amount of work whatever the machine and however busy it is. */
static inline guint64
bench_burn_cpu (void)
{
  gint64 end = bench_thread_cpu_ns () + BENCH_CPU_NS;
  volatile guint64 x = 0;

  while (bench_thread_cpu_ns () < end)
    for (guint i = 0; i < 1000; i++)
      x += i;

  return x;
}

/* The 50 records of the logging workload: debug and info, and exactly one
 * warning (the 25th). Same text in every contender. */
static inline GLogLevelFlags
bench_log_level (guint i)
{
  if (i == BENCH_LOG_RECORDS / 2)
    return G_LOG_LEVEL_WARNING;
  return i % 2 == 0 ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_INFO;
}

static inline void
bench_log_records (void)
{
  for (guint i = 0; i < BENCH_LOG_RECORDS; i++)
    g_log ("Bench", bench_log_level (i), "record %u of the logging workload: value=%u", i, i * 7);
}

/* "/trivial/0042/004217": tests in suites of 100, the same paths in every
 * contender. (GTest appends to and searches a suite's list of tests by
 * name, quadratic in the size of one suite: 10,000 tests in one suite
 * would spend more time registering than running.) */
static inline void
bench_test_path (char          *buf,
                 gsize          size,
                 BenchWorkload  w,
                 guint          i)
{
  g_snprintf (buf, size, "/%s/%04u/%06u", bench_workload_name (w), i / 100, i);
}
