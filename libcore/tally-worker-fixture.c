/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-markers-private.h"
#include "tally-protocol-private.h"
#include "tally-registry-private.h"
#include "tally-test-private.h"

/* Per-worker fixtures: what pytest's session-scoped fixtures become under
 * xdist. Each is set up at most once per process, on first use, on a
 * thread of its own whose main context keeps running while tests run, so
 * a server it starts keeps answering the tests. */

typedef struct
{
  char *name;
  TallyWorkerSetupFunc setup;
  GDestroyNotify teardown;
  gboolean ready;
  gpointer value;
  GError *error;
} WorkerFixture;

typedef struct
{
  WorkerFixture *fixture;
  gboolean tear_down;
  TallyTest *capture;            /* the teardown's log and failures, or NULL */
  gboolean done;
} FixtureCall;

static GHashTable *fixtures;       /* name → WorkerFixture */
static GPtrArray *setup_order;     /* torn down in reverse */
static GThread *fixture_thread;
static GMainContext *fixture_context;
static GMainLoop *fixture_loop;
static GMutex fixture_lock;
static GCond fixture_cond;
static TallyFixtureNotify fixture_notify;

/* Worker mode tells the runner about fixtures through this: one that is
 * set up (so the runner waits for its teardown), one whose teardown went
 * wrong. */
void
tally_worker_fixtures_set_notify (TallyFixtureNotify notify)
{
  fixture_notify = notify;
}

/**
 * tally_add_worker_fixture:
 * @name: the fixture's name
 * @setup: makes the fixture; runs on the fixture thread
 * @teardown: (nullable): frees it when the worker is done with tests
 *
 * Declares a per-worker fixture that tests get with
 * tally_test_use_worker_fixture().
 */
void
tally_add_worker_fixture (const char           *name,
                          TallyWorkerSetupFunc  setup,
                          GDestroyNotify        teardown)
{
  WorkerFixture *fixture;

  g_return_if_fail (name != NULL);
  g_return_if_fail (setup != NULL);

  if (fixtures == NULL)
    {
      fixtures = g_hash_table_new (g_str_hash, g_str_equal);
      setup_order = g_ptr_array_new ();
    }

  g_return_if_fail (!g_hash_table_contains (fixtures, name));

  fixture = g_new0 (WorkerFixture, 1);
  fixture->name = g_strdup (name);
  fixture->setup = setup;
  fixture->teardown = teardown;
  g_hash_table_insert (fixtures, fixture->name, fixture);
}

static gpointer
fixture_thread_main (gpointer data)
{
  g_main_context_push_thread_default (fixture_context);
  g_main_loop_run (fixture_loop);
  g_main_context_pop_thread_default (fixture_context);
  return NULL;
}

static gboolean
fixture_call_cb (gpointer data)
{
  FixtureCall *call = data;
  WorkerFixture *fixture = call->fixture;

  if (call->tear_down && call->capture != NULL)
    {
      TallyTest *capture = call->capture;

      /* A tally_assert*() in the teardown unwinds to here, on this
       * thread, as it would in a test. */
      tally_test_set_current (capture);
      capture->base_depth = g_main_depth ();
      if (sigsetjmp (capture->escape, 0) == 0)
        {
          capture->escape_armed = TRUE;
          if (fixture->teardown && fixture->value)
            fixture->teardown (g_steal_pointer (&fixture->value));
        }
      capture->escape_armed = FALSE;
      tally_test_set_current (NULL);
    }
  else if (call->tear_down)
    {
      if (fixture->teardown && fixture->value)
        fixture->teardown (g_steal_pointer (&fixture->value));
    }
  else
    fixture->value = fixture->setup (&fixture->error);

  g_mutex_lock (&fixture_lock);
  call->done = TRUE;
  g_cond_broadcast (&fixture_cond);
  g_mutex_unlock (&fixture_lock);

  return G_SOURCE_REMOVE;
}

static void
call_on_fixture_thread (WorkerFixture *fixture,
                        gboolean       tear_down,
                        TallyTest     *capture)
{
  FixtureCall call = { fixture, tear_down, capture, FALSE };

  if (fixture_thread == NULL)
    {
      fixture_context = g_main_context_new ();
      fixture_loop = g_main_loop_new (fixture_context, FALSE);
      fixture_thread = g_thread_new ("tally-fixtures", fixture_thread_main, NULL);
    }

  g_main_context_invoke (fixture_context, fixture_call_cb, &call);

  g_mutex_lock (&fixture_lock);
  while (!call.done)
    g_cond_wait (&fixture_cond, &fixture_lock);
  g_mutex_unlock (&fixture_lock);
}

/**
 * tally_test_use_worker_fixture:
 * @test: the running test
 * @name: a fixture declared with tally_add_worker_fixture()
 *
 * Sets the fixture up if this worker has not yet, and returns it. If its
 * setup failed, the test fails with the setup's error.
 *
 * Returns: (transfer none): the fixture
 */
gpointer
tally_test_use_worker_fixture (TallyTest  *test,
                               const char *name)
{
  WorkerFixture *fixture = fixtures ? g_hash_table_lookup (fixtures, name) : NULL;

  if (fixture == NULL)
    tally_test_fail (test, "no worker fixture named “%s” was declared", name);

  if (!fixture->ready)
    {
      call_on_fixture_thread (fixture, FALSE, NULL);
      fixture->ready = TRUE;
      g_ptr_array_add (setup_order, fixture);
      if (fixture_notify != NULL && fixture->error == NULL)
        fixture_notify (fixture->name, TALLY_FIXTURE_SET_UP, NULL);
    }

  /* Not the test's failure: an `error`, as pytest reports a fixture's. */
  if (fixture->error != NULL)
    {
      /* Freed by hand: the unwind does not return here. */
      char *message = g_strdup_printf ("worker fixture “%s” failed to set up: %s",
                                       name, fixture->error->message);

      tally_test_set_failure (test, TALLY_OUTCOME_ERROR, NULL, 0, message);
      g_free (message);
      tally_test_unwind (test);
    }

  return fixture->value;
}

/* Tears one fixture down with its log captured; a warning, a critical
 * or a failed assertion goes to the runner as a teardown error. */
static void
tear_down_reporting (WorkerFixture *fixture)
{
  g_autoptr(TallyMarkers) markers = tally_markers_new ();
  g_autofree char *path = g_strdup_printf ("[teardown of worker fixture “%s”]", fixture->name);
  TallyTestCase tc = { .path = path, .markers = markers, .index = G_MAXUINT };
  TallyTest *capture = tally_test_new (&tc, 0, TALLY_LEAKS_IGNORE);
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(GString) report = g_string_new (NULL);

  tally_caplog_begin (capture);
  call_on_fixture_thread (fixture, TRUE, capture);
  tally_caplog_end (capture);
  tally_caplog_check (capture, problems);

  if (capture->outcome != TALLY_OUTCOME_PASSED && capture->message != NULL)
    {
      if (capture->file != NULL)
        g_string_append_printf (report, "%s:%d: ", capture->file, capture->line);
      g_string_append (report, capture->message);
    }
  if (problems->len > 0)
    g_string_append_printf (report, "%s%s", report->len ? "\n" : "", problems->str);
  if (report->len > 0)
    fixture_notify (fixture->name, TALLY_FIXTURE_TEARDOWN_ERROR, report->str);

  tally_test_free (capture);
}

void
tally_worker_fixtures_shutdown (void)
{
  if (fixture_thread == NULL)
    return;

  for (guint i = setup_order->len; i > 0; i--)
    {
      WorkerFixture *fixture = g_ptr_array_index (setup_order, i - 1);

      if (fixture_notify != NULL && fixture->error == NULL)
        tear_down_reporting (fixture);
      else
        call_on_fixture_thread (fixture, TRUE, NULL);
    }
  g_ptr_array_set_size (setup_order, 0);

  g_main_loop_quit (fixture_loop);
  g_main_context_wakeup (fixture_context);
  g_thread_join (g_steal_pointer (&fixture_thread));
  g_clear_pointer (&fixture_loop, g_main_loop_unref);
  g_clear_pointer (&fixture_context, g_main_context_unref);
}
