/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-outcome.h"

G_BEGIN_DECLS

/* What one attempt of one test came to: filled in by the worker (which
 * knows outcome, message and location) and completed by the runner (which
 * knows the worker, a crash's signal or exit status, and timeouts). */
typedef struct
{
  TallyOutcome outcome;
  int line;               /* 0 when unknown */
  char *message;          /* nullable, UTF-8 or not */
  char *file;             /* nullable */
  gint64 started_at_us;   /* wall clock, µs since the epoch */
  gint64 duration_us;
  gint64 cpu_us;          /* user + system CPU of the process while it ran, or -1 */
  int signal;             /* the signal that killed the worker, or 0 */
  int exit_status;        /* the worker's exit status if it exited mid-test, or -1 */
  int worker;             /* the runner's index of the worker, or -1 */
  guint attempt;          /* 1-based; > 1 for --retries */
  gint32 max_rss_kb;      /* the process's peak resident set (KiB) when it ended, or -1 */
} TallyResult;          /* 72 bytes: one per test of a run, kept to its end */

void tally_result_init  (TallyResult *result);
void tally_result_clear (TallyResult *result);

G_END_DECLS
