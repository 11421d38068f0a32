/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-registry-private.h"
#include "tally-test.h"

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
  gboolean done;
} FixtureCall;

static GHashTable *fixtures;       /* name → WorkerFixture */
static GPtrArray *setup_order;     /* torn down in reverse */
static GThread *fixture_thread;
static GMainContext *fixture_context;
static GMainLoop *fixture_loop;
static GMutex fixture_lock;
static GCond fixture_cond;

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

  if (call->tear_down)
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
                        gboolean       tear_down)
{
  FixtureCall call = { fixture, tear_down, FALSE };

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
      call_on_fixture_thread (fixture, FALSE);
      fixture->ready = TRUE;
      g_ptr_array_add (setup_order, fixture);
    }

  if (fixture->error != NULL)
    tally_test_fail (test, "worker fixture “%s” failed to set up: %s",
                     name, fixture->error->message);

  return fixture->value;
}

void
tally_worker_fixtures_shutdown (void)
{
  if (fixture_thread == NULL)
    return;

  for (guint i = setup_order->len; i > 0; i--)
    call_on_fixture_thread (g_ptr_array_index (setup_order, i - 1), TRUE);
  g_ptr_array_set_size (setup_order, 0);

  g_main_loop_quit (fixture_loop);
  g_main_context_wakeup (fixture_context);
  g_thread_join (g_steal_pointer (&fixture_thread));
  g_clear_pointer (&fixture_loop, g_main_loop_unref);
  g_clear_pointer (&fixture_context, g_main_context_unref);
}
