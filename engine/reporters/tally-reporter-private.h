/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "tally-program-private.h"
#include "tally-result-private.h"
#include "tally-log-record.h"

G_BEGIN_DECLS

/* One attempt of one selected test, as the session schedules it and the
 * reporters show it. */
typedef struct
{
  TallyListedTest *test;    /* borrowed; test->program is the program */
  guint attempt;            /* 1-based, counts --retries */
  guint repetition;         /* 0-based, counts --repeat */
  TallyResult result;       /* outcome RUNNING until finished */
  GPtrArray *records;       /* TallyLogRecord; kept whole only while the
                               test runs and for failures (tail of at most
                               TALLY_REPORT_MAX_RECORDS) */
  guint n_records;          /* how many were logged in all */
  GBytes *out;              /* captured stdout (capped), NULL until finished */
  GBytes *err;              /* captured stderr (capped) */
  gint64 result_id;         /* row in the store, 0 without one */
  gboolean serial;
  gboolean will_retry;      /* a failed attempt that runs again (--retries,
                               retries=N): reported as a retry */
  guint seq;                /* order of creation: the selection's order,
                               then retries */
  guint deaths;             /* workers that died with it at the head, unconfirmed */
  guint kept;               /* the session's: why it outlives its report */
} TallyRunItem;

#define TALLY_REPORT_MAX_RECORDS 200

typedef struct
{
  gint64 run_id;            /* 0 without a database */
  const char *db_path;      /* NULL without a database */
  guint n_tests;            /* items to run */
  guint n_programs;
  guint n_workers;
  guint max_workers;        /* -n auto: the cap; else n_workers */
  guint64 seed;
  gboolean random_order;
  const char *shard;        /* "K/N" or NULL */
} TallyRunInfo;

typedef struct
{
  guint total;
  guint done;
  guint counts[TALLY_N_OUTCOMES];
  gint64 elapsed_us;
  gint64 eta_us;            /* -1 when unknown */
  GPtrArray *running;       /* TallyRunItem now running, borrowed */
} TallyRunProgress;

typedef enum
{
  TALLY_RUN_END_COMPLETE,
  TALLY_RUN_END_STOPPED,    /* -x / --maxfail */
  TALLY_RUN_END_INTERRUPTED,
  TALLY_RUN_END_ERROR,
} TallyRunEnd;

typedef struct
{
  TallyRunEnd end;
  guint counts[TALLY_N_OUTCOMES];
  guint not_run;            /* selected but never started (-x, Ctrl-C) */
  gint64 wall_us;
  GPtrArray *failures;      /* TallyRunItem with a failing outcome, in finish order */
  GPtrArray *slowest;       /* TallyRunItem, slowest first; --durations N long */
  const char *db_path;
  gint64 run_id;
  const char *problem;      /* what went wrong in the runner itself, or NULL */
  guint workers_peak;       /* the most workers that ran tests at once */
} TallyRunSummary;

typedef struct _TallyReporter TallyReporter;

typedef struct
{
  void (*run_started)   (TallyReporter *self, const TallyRunInfo *info);
  void (*test_started)  (TallyReporter *self, const TallyRunItem *item);
  void (*test_finished) (TallyReporter *self, const TallyRunItem *item);
  void (*progress)      (TallyReporter *self, const TallyRunProgress *progress);  /* ~10 Hz */
  void (*run_finished)  (TallyReporter *self, const TallyRunSummary *summary);
  void (*finalize)      (TallyReporter *self);
} TallyReporterClass;

struct _TallyReporter
{
  const TallyReporterClass *klass;
  GError *error;            /* the first write that failed, or NULL */
};

typedef enum
{
  TALLY_VERBOSITY_QUIET = -1,
  TALLY_VERBOSITY_NORMAL = 0,
  TALLY_VERBOSITY_VERBOSE = 1,
} TallyVerbosity;

/* Human output: a live status line on a terminal, plain lines otherwise;
 * colour unless NO_COLOR or not a terminal; a summary with each failure's
 * message, location, log and output. */
TallyReporter *tally_reporter_console_new (FILE           *stream,
                                           TallyVerbosity  verbosity,
                                           gboolean        is_tty,
                                           gboolean        colour);
/* One JSON object per line: run-started, test-started, test-finished,
 * run-finished (the stream the viewer follows). */
TallyReporter *tally_reporter_json_new    (FILE           *stream);
/* TAP version 13, one line per finished test. */
TallyReporter *tally_reporter_tap_new     (FILE           *stream);
/* JUnit XML written at the end to @path (testsuites/testsuite/testcase
 * with failure, error, skipped, system-out, system-err). */
TallyReporter *tally_reporter_junit_new   (const char     *path,
                                           GError        **error);

/* A reporter that forwards to several. */
TallyReporter *tally_reporter_tee_new     (GPtrArray      *reporters);

void tally_reporter_run_started   (TallyReporter *self, const TallyRunInfo *info);
void tally_reporter_test_started  (TallyReporter *self, const TallyRunItem *item);
void tally_reporter_test_finished (TallyReporter *self, const TallyRunItem *item);
void tally_reporter_progress      (TallyReporter *self, const TallyRunProgress *progress);
void tally_reporter_run_finished  (TallyReporter *self, const TallyRunSummary *summary);
void tally_reporter_free          (TallyReporter *self);

/* For reporters: records the first write error of @stream (checked with
 * ferror() after a flush) on @self, naming the report @what. */
void     tally_reporter_check_stream (TallyReporter *self,
                                      FILE          *stream,
                                      const char    *what);
/* After run_finished: FALSE, with the first write error, when a report
 * could not be written completely (a full disk, a closed pipe). */
gboolean tally_reporter_get_error    (TallyReporter  *self,
                                      GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyReporter, tally_reporter_free)

G_END_DECLS
