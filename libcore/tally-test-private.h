/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <setjmp.h>

#include "tally-test.h"
#include "tally-log-record.h"
#include "tally-outcome.h"
#include "tally-registry-private.h"

G_BEGIN_DECLS

typedef enum
{
  TALLY_PHASE_SETUP,
  TALLY_PHASE_BODY,
  TALLY_PHASE_WAIT,
  TALLY_PHASE_TEARDOWN,
  TALLY_PHASE_CHECK,
} TallyPhase;

typedef struct
{
  char *domain;
  GLogLevelFlags levels;
  char *glob;
  guint wanted;
  guint seen;
} TallyLogExpectation;

/* Called for every captured record, under the caplog lock, from whatever
 * thread logged. The worker streams records to the runner with it. */
typedef void (*TallyRecordSink) (TallyTest            *test,
                                 const TallyLogRecord *record,
                                 gpointer              user_data);

struct _TallyTest
{
  const TallyTestCase *tc;
  GMainContext *context;
  GCancellable *cancellable;       /* made on first use: tally_test_get_cancellable() */
  gint cancel_requested;           /* atomic: a cancellable made from now on is cancelled */
  double timeout_s;
  gint64 deadline;               /* monotonic µs */
  GSource *deadline_source;
  gboolean deadline_passed;

  TallyPhase phase;
  sigjmp_buf escape;
  gboolean escape_armed;
  int base_depth;                /* g_main_depth() when the test began */
  gboolean tainted;              /* unwound from a nested dispatch */
  guint body_first_id;           /* first source id the body could use */
  gboolean unwound;              /* a phase was cut short: never dispatch
                                  * what it left pending (tally-unwind.c) */
  gint thread_failed;            /* atomic: a thread of the test failed */

  TallyOutcome outcome;
  char *message;
  char *file;
  int line;
  char *xfail_reason;

  GAsyncResult *pending_result;
  GAsyncResult *last_result;
  guint holds;
  GPtrArray *slots;              /* of TallyAsyncSlot (tally-async.c) */
  GRand *rand;                   /* g_test_rand_*() (tally-gtest-compat.c) */

  TallyLeakPolicy leak_policy;
  GPtrArray *cleanups;           /* of GClosure-like pairs, run at the end */
  char *tmpdir;

  /* caplog; guarded by the caplog lock */
  GPtrArray *records;            /* of TallyLogRecord */
  guint seq;
  GLogLevelFlags capture_levels;
  GPtrArray *expectations;       /* of TallyLogExpectation */
  GString *unexpected;           /* unexpected warnings and criticals */

  gint64 started_at_us;          /* wall clock */
  gint64 started_mono_us;

  /* The global default context (tally-global-context.c) */
  gboolean on_global;            /* it is the test's context */
  guint global_first_id;         /* its next source id when the test began */
  GSource *global_deadline;      /* notices a test stuck iterating it */
  gboolean in_iterate;           /* inside tally_test_iterate() */
  gint loop_quits;               /* tally_test_quit_loop() calls not yet seen */

  /* Leftovers were destroyed, or a singleton may be broken: the worker
   * reports this test and retires rather than run more. */
  gboolean retire;
};

TallyTest *tally_test_new          (const TallyTestCase *tc,
                                    double               default_timeout_s,
                                    TallyLeakPolicy      default_leaks);
void       tally_test_free         (TallyTest           *test);
void       tally_test_set_failure  (TallyTest           *test,
                                    TallyOutcome         outcome,
                                    const char          *file,
                                    int                  line,
                                    const char          *message);
G_NORETURN
void       tally_test_unwind       (TallyTest           *test);
void       tally_test_iterate      (TallyTest           *test,
                                    const char          *what);
void       tally_test_run_cleanups (TallyTest           *test);

/* caplog (tally-caplog.c) */
void       tally_caplog_install    (void);
void       tally_caplog_set_sink   (TallyRecordSink      sink,
                                    gpointer             user_data);
/* Where a late record goes (a thread of an ended test logged): @owner is
 * that test's path. Without a sink, the record is kept by the running
 * test, marked late (an INFO record that names @owner). */
typedef void (*TallyLateSink) (const char           *owner,
                               const TallyLogRecord *record);
void       tally_caplog_set_late_sink (TallyLateSink  sink);
void       tally_caplog_begin      (TallyTest           *test);
void       tally_caplog_end        (TallyTest           *test);
void       tally_caplog_check      (TallyTest           *test,
                                    GString             *problems);
void       tally_caplog_note       (TallyTest           *test,
                                    GLogLevelFlags       level,
                                    const char          *message);
void       tally_test_set_current  (TallyTest           *test);
void       tally_caplog_set_echo   (gboolean             on);
char      *tally_caplog_take_unmet (TallyTest           *test);

/* what an unwound test left pending (tally-unwind.c) */
guint      tally_leaks_next_source_id (GMainContext   *context);
void       tally_unwind_drop_pending   (TallyTest      *test);

void       tally_test_cancel       (TallyTest           *test);

/* which test started a thread (tally-threads.c) */
void        tally_threads_begin      (void);
void        tally_threads_end        (TallyTest      *test);
void        tally_threads_note_exiting (void);
const char *tally_threads_late_owner (TallyTest      *test,
                                      guint64         tid);
const char *tally_threads_any_owner    (void);
const char *tally_threads_running_owner (void);

/* per-test state of tally-async.c and tally-gtest-compat.c */
void       tally_async_clear           (TallyTest      *test);
void       tally_gtest_end_test        (TallyTest      *test);

/* leftovers (tally-leaks.c) */
typedef struct
{
  guint context_next_id;
  guint default_next_id;
} TallyLeakProbe;

void       tally_leaks_begin       (TallyTest           *test,
                                    TallyLeakProbe      *probe);
void       tally_leaks_collect     (TallyTest           *test,
                                    const TallyLeakProbe *probe,
                                    GString             *leaks);

G_END_DECLS
