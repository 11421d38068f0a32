/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-reporter-private.h"
#include "tally-store-private.h"

G_BEGIN_DECLS

/* One `tally run`: the selected tests, a pool of worker slots, one queue.
 * Free slots pull work; `serial` tests run after the parallel ones, each
 * with nothing else in flight; a `group=NAME` runs in order on one worker;
 * crashes and timeouts cost the test in flight, whose queued neighbours
 * go back to the queue. Results go to the reporter and the store as they
 * happen. */
typedef struct _TallySession TallySession;

/* Worker fixtures' teardowns run when a worker quits: they get this long. */
#define TALLY_SESSION_QUIT_GRACE_S 10.0

/* What history says of a program's selected tests (`tally run` fills it
 * from the database): how long they take, and for a GTest binary each
 * case's duration, so a long one can be cut into parts that run in
 * parallel processes. */
typedef struct
{
  gint64 wall_us;               /* their expected total */
  gint64 cpu_us;                /* their CPU time; -1: not known */
  guint n_tests;                /* selected tests of the program */
  guint n_timed;                /* those with a duration in history */
  GArray *case_us;              /* gint64 by test index, -1 unknown; nullable */
} TallyProgramTimes;

/* A GTest binary whose cases take longer than this in all, with at
 * least TALLY_SPLIT_MIN_CASES of them, runs in parts of about
 * TALLY_SPLIT_PART_US each, over several workers (the `no-split` marker
 * keeps a program whole). */
#define TALLY_SPLIT_MIN_US (2 * G_USEC_PER_SEC)
#define TALLY_SPLIT_MIN_CASES 4
#define TALLY_SPLIT_PART_US (G_USEC_PER_SEC / 2)

void tally_program_times_free (TallyProgramTimes *times);

typedef struct
{
  guint n_workers;              /* workers at the start (fixed: all of them) */
  guint max_workers;            /* -n auto: the cap; ≤ n_workers: fixed */
  guint n_cpus;                 /* -n auto: CPUs; never fewer workers */
  double default_timeout_s;     /* for tests without a timeout marker; 0: none */
  double grace_s;               /* SIGTERM → SIGKILL */
  double quit_grace_s;          /* a quitting worker's time to exit before
                                 * SIGTERM; 0: TALLY_SESSION_QUIT_GRACE_S */
  guint maxfail;                /* 0: no limit; 1 is -x */
  guint max_worker_restarts;
  guint retries;
  guint repeat;                 /* run each test this many times (≥ 1) */
  guint durations;              /* report the N slowest */
  const char *leaks;            /* passed to workers, or NULL */
  TallyStore *store;            /* nullable */
  gint64 run_id;                /* with store */
  TallyReporter *reporter;      /* borrowed */
  GHashTable *program_times;    /* TallyProgram * → TallyProgramTimes,
                                 * borrowed, nullable */
  /* Workers already started (tally_worker_proc_spawn_early()), for
   * slots 0, 1, …: the session takes them (transfer full, nullable) and
   * frees those it has no slot or program for. */
  GPtrArray *workers;
} TallySessionOptions;

TallySession *tally_session_new     (GPtrArray                 *tests,
                                     const TallySessionOptions *options);
/* Runs to the end on the thread-default main context: every test done,
 * the workers told to quit (they may still be exiting). */
TallyRunEnd   tally_session_run     (TallySession              *session);
/* Waits for the workers to be gone; tally_session_stop() still works.
 * Workers that do not quit in time are terminated, then killed: returns
 * how many had to be. */
guint         tally_session_wait_workers (TallySession         *session);
/* Asks the run to stop: dispatch no more; with @interrupt, also end the
 * tests in flight (Ctrl-C). */
void          tally_session_stop    (TallySession              *session,
                                     gboolean                   interrupt);
const TallyRunSummary *tally_session_get_summary (TallySession *session);
/* The first test that failed, for --sw, or NULL. */
TallyListedTest *tally_session_get_first_failure (TallySession *session);
void          tally_session_free    (TallySession              *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallySession, tally_session_free)

G_END_DECLS
