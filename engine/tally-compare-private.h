/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* Two runs compared, GitLab's merge-request test summary done locally,
 * and the flaky tests over the database's latest runs (tally-compare.c).
 * Tests are compared by (program, path) over their final attempts. */

typedef enum
{
  TALLY_CHANGE_NEW_FAILURE,     /* fails now; passed or was absent before */
  TALLY_CHANGE_FIXED,           /* failed before; passes now */
  TALLY_CHANGE_STILL_FAILING,   /* failed in both */
  TALLY_CHANGE_NEW_TEST,        /* absent from the base run */
  TALLY_CHANGE_REMOVED,         /* absent from this run */
  TALLY_CHANGE_SLOWER,          /* passed in both, ≥ 2× the base's duration */
  TALLY_N_CHANGES,
} TallyChange;

/* A slower test must take at least this long now, so that noise in
 * microsecond tests is not reported. */
#define TALLY_COMPARE_SLOWER_MIN_US 1000

typedef struct
{
  TallyChange change;
  char *program;
  char *path;
  gint64 base_result_id;        /* 0: absent from the base */
  TallyOutcome base_outcome;
  gint64 base_duration_us;
  gint64 result_id;             /* 0: absent from this run */
  TallyOutcome outcome;
  gint64 duration_us;
} TallyCompareEntry;

void        tally_compare_entry_free (TallyCompareEntry *entry);
const char *tally_change_to_string   (TallyChange        change);

/* @run against @base_run (usually an earlier one): entries sorted by
 * change, then program and path. A new test that fails is both a new
 * failure and a new test. */
GPtrArray  *tally_compare_runs       (TallyStore        *store,
                                      gint64             base_run,
                                      gint64             run,
                                      GError           **error);

typedef struct
{
  char *program;
  char *path;
  guint n_runs;                 /* runs with a verdict (pass or fail) */
  guint n_failed;               /* runs whose final attempt failed */
  guint n_flaky;                /* runs where it passed on a retry */
  guint flips;                  /* pass↔fail changes, plus each flaky run */
  gint64 last_run_id;           /* the newest run it failed or was flaky in */
} TallyFlakyEntry;

void        tally_flaky_entry_free   (TallyFlakyEntry   *entry);
/* flips / n_runs, 0 without runs. */
double      tally_flaky_entry_rate   (const TallyFlakyEntry *entry);

/* The tests that flip over the latest @max_runs finished runs: those
 * with a flaky run or at least two flips (one flip is a change, not
 * flakiness), most flips first, then by failures, program and path.
 * Flips count as in `tally history`. */
GPtrArray  *tally_flaky_tests        (TallyStore        *store,
                                      guint              max_runs,
                                      GError           **error);

G_END_DECLS
