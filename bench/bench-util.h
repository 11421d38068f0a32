/* bench-util.h — small pieces the store, query and viewer benchmarks share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <glib.h>

/* Ends the benchmark with the error's message, if there is one; the
 * program names itself with g_set_prgname(). */
static inline void
bench_fail_on_error (GError *error)
{
  if (error == NULL)
    return;

  g_printerr ("%s: %s\n", g_get_prgname () ? g_get_prgname () : "bench", error->message);
  exit (1);
}

/* Process CPU time in µs: on a loaded machine, wall time measures the
 * neighbours; the benchmarks print both. */
static inline gint64
bench_cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* qsort() comparators, for medians. */
static inline int
bench_compare_double (const void *a,
                      const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static inline int
bench_compare_int64 (const void *a,
                     const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}
