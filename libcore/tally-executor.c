/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-executor-private.h"
#include "tally-processes-private.h"
#include "tally-global-context-private.h"
#include "tally-singletons-private.h"

/* How many ready sources to dispatch after teardown before calling the
 * rest leftovers: a source that re-arms itself forever must not hang us. */
#define MAX_FINAL_DISPATCHES 1000

typedef void (*PhaseFunc) (TallyTest *test,
                           gpointer   fixture);

/* Runs one phase with an escape armed: assertions, skips and timeouts
 * inside it unwind to here. Returns FALSE if the phase was cut short. */
static gboolean
run_phase (TallyTest  *test,
           TallyPhase  phase,
           PhaseFunc   func,
           gpointer    fixture)
{
  test->phase = phase;

  if (sigsetjmp (test->escape, 0) != 0)
    {
      /* Nothing the cut-short phase scheduled may run against its
       * unwound frames (tally-unwind.c). */
      test->unwound = TRUE;
      tally_unwind_drop_pending (test);
      return FALSE;
    }

  test->escape_armed = TRUE;
  func (test, fixture);
  test->escape_armed = FALSE;

  return TRUE;
}

static void
phase_setup (TallyTest *test,
             gpointer   fixture)
{
  if (test->tc->setup)
    test->tc->setup (test, fixture, test->tc->data);
}

static void
phase_body (TallyTest *test,
            gpointer   fixture)
{
  if (test->tc->func)
    test->tc->func (test, test->tc->data);
  else
    test->tc->body (test, fixture, test->tc->data);
}

static void
phase_wait (TallyTest *test,
            gpointer   fixture)
{
  while (test->holds > 0)
    tally_test_iterate (test, "waiting for tally_test_release()");
}

static void
phase_teardown (TallyTest *test,
                gpointer   fixture)
{
  if (test->tc->teardown)
    test->tc->teardown (test, fixture, test->tc->data);
}

static void
phase_cleanups (TallyTest *test,
                gpointer   fixture)
{
  tally_test_run_cleanups (test);
}

static void
phase_dispatch_ready (TallyTest *test,
                      gpointer   fixture)
{
  if (test->unwound)
    {
      tally_unwind_drop_pending (test);
      return;
    }

  for (guint i = 0; i < MAX_FINAL_DISPATCHES; i++)
    if (!g_main_context_iteration (test->context, FALSE))
      break;
}

/* A failure in setup or teardown is an `error`, not a `failed` test. */
static void
as_error (TallyTest    *test,
          TallyOutcome  before)
{
  if (before == TALLY_OUTCOME_PASSED && test->outcome == TALLY_OUTCOME_FAILED)
    test->outcome = TALLY_OUTCOME_ERROR;
}

static void
pop_context (TallyTest *test)
{
  /* NULL when the global default context is on top (a test on it). */
  GMainContext *top = g_main_context_get_thread_default ();

  if (top == NULL && test->on_global)
    top = test->context;
  if (top == test->context)
    {
      g_main_context_pop_thread_default (test->context);
      return;
    }

  tally_test_set_failure (test, TALLY_OUTCOME_FAILED, NULL, 0,
                          "the test left another main context pushed as thread-default");
  while ((top = g_main_context_get_thread_default ()) != NULL && top != test->context)
    g_main_context_pop_thread_default (top);
  if (top == test->context)
    g_main_context_pop_thread_default (test->context);
}

static void
check_leftovers (TallyTest            *test,
                 const TallyLeakProbe *probe)
{
  g_autoptr(GString) leaks = g_string_new (NULL);

  tally_leaks_collect (test, probe, leaks);
  /* Processes left running (worker mode): with leaks=ignore they may live
   * on, until the worker's end. */
  tally_processes_collect (test->leak_policy != TALLY_LEAKS_IGNORE ? leaks : NULL, test->tc->path);
  if (leaks->len == 0 || test->leak_policy == TALLY_LEAKS_IGNORE)
    return;

  if (test->leak_policy == TALLY_LEAKS_WARN)
    tally_caplog_note (test, G_LOG_LEVEL_WARNING, leaks->str);
  else
    tally_test_set_failure (test, TALLY_OUTCOME_FAILED, NULL, 0, leaks->str);
}

static void
check_caplog (TallyTest *test)
{
  g_autoptr(GString) problems = g_string_new (NULL);

  tally_caplog_check (test, problems);
  if (problems->len > 0)
    tally_test_set_failure (test, TALLY_OUTCOME_FAILED, NULL, 0, problems->str);
}

static void
apply_xfail (TallyTest *test)
{
  const char *marker = tally_markers_lookup (test->tc->markers, "xfail");

  if (test->xfail_reason == NULL && !tally_markers_has (test->tc->markers, "xfail"))
    return;

  if (test->outcome == TALLY_OUTCOME_PASSED)
    {
      test->outcome = TALLY_OUTCOME_XPASSED;
      g_free (test->message);
      test->message = g_strdup (test->xfail_reason ? test->xfail_reason : marker);
    }
  else if (test->outcome == TALLY_OUTCOME_FAILED || test->outcome == TALLY_OUTCOME_TIMEOUT)
    test->outcome = TALLY_OUTCOME_XFAILED;
}

static gboolean
skip_by_marker (TallyTest *test)
{
  if (!tally_markers_has (test->tc->markers, "skip"))
    return FALSE;

  test->outcome = TALLY_OUTCOME_SKIPPED;
  test->message = g_strdup (tally_markers_lookup (test->tc->markers, "skip"));
  return TRUE;
}

static void
run_phases (TallyTest *test,
            gpointer   fixture)
{
  TallyOutcome before = test->outcome;

  if (!run_phase (test, TALLY_PHASE_SETUP, phase_setup, fixture))
    {
      as_error (test, before);
      return;
    }

  /* What the body schedules goes if it fails; what setup made stays for
   * teardown. Without a setup, the context holds only Tally's own. */
  if (test->tc->setup != NULL)
    test->body_first_id = tally_leaks_next_source_id (test->context);
  if (run_phase (test, TALLY_PHASE_BODY, phase_body, fixture) && test->holds > 0)
    run_phase (test, TALLY_PHASE_WAIT, phase_wait, fixture);

  before = test->outcome;
  if (!run_phase (test, TALLY_PHASE_TEARDOWN, phase_teardown, fixture))
    as_error (test, before);
}

TallyTest *
tally_executor_run (const TallyTestCase    *tc,
                    const TallyExecOptions *options)
{
  TallyTest *test = tally_test_new (tc, options->default_timeout_s, options->leaks);
  g_autofree gpointer fixture = NULL;
  TallyLeakProbe probe;
  TallyOutcome before;

  if (skip_by_marker (test))
    return test;

  if (tally_markers_has (tc->markers, "xfail"))
    test->xfail_reason = g_strdup (tally_markers_lookup (tc->markers, "xfail"));

  if (tc->fixture_size > 0)
    fixture = g_malloc0 (tc->fixture_size);

  /* Singletons first, outside every test (tally_add_process_setup()). */
  tally_singletons_setup ();

  tally_threads_begin ();
  tally_test_set_current (test);
  tally_caplog_begin (test);
  g_main_context_push_thread_default (test->context);
  test->base_depth = g_main_depth ();
  /* The deadline first: its id is where the global context stands, and
   * the leftover check needs no probe of its own (tally-leaks.c). */
  tally_global_context_begin (test);
  tally_leaks_begin (test, &probe);
  tally_processes_begin ();
  /* The body's sources start where the test's context stood (1 on a
   * context of its own, further on the global one). */
  test->body_first_id = probe.context_next_id;

  run_phases (test, fixture);

  before = test->outcome;
  if (!run_phase (test, TALLY_PHASE_TEARDOWN, phase_cleanups, fixture))
    as_error (test, before);

  /* An awaited result can hold its operation (and the operation its
   * sources) alive: drop it before judging what was left behind. */
  g_clear_object (&test->last_result);
  g_clear_object (&test->pending_result);
  tally_async_clear (test);
  run_phase (test, TALLY_PHASE_CHECK, phase_dispatch_ready, fixture);

  tally_global_context_end (test);
  pop_context (test);
  if (!test->tainted)
    check_leftovers (test, &probe);
  check_caplog (test);

  tally_gtest_end_test (test);
  tally_caplog_end (test);
  tally_threads_end (test);
  tally_test_set_current (NULL);
  apply_xfail (test);

  return test;
}
