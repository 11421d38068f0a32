/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The global default context and process-wide singletons, as ported GLib
 * tests meet them (tests/test-context.c runs this under `tally run`). */
#include <tally.h>

static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
on_task_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_main_loop_quit (data);
}

/* A minimal port: GTask delivers to the test's context, the test runs a
 * loop on the global one. It times out, saying so. */
static void
test_global_loop_waits_for_task (TallyTest    *t,
                                 gconstpointer data)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, on_task_done_cb, loop);
  g_autoptr(GTask) unnamed = g_task_new (NULL, NULL, on_task_done_cb, loop);

  g_task_set_name (task, "load-settings");
  g_task_return_boolean (task, TRUE);
  g_task_return_boolean (unnamed, TRUE);
  g_main_loop_run (loop);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* The other way round: g_idle_add() targets the global context, the
 * test waits on its own. */
static void
test_own_wait_for_global_idle (TallyTest    *t,
                               gconstpointer data)
{
  static gboolean flag;

  g_idle_add (set_flag_cb, &flag);
  tally_test_wait_until (t, flag_is_set, &flag);
}

typedef struct
{
  TallyTest *test;
  guint ticks;
} Ticker;

static gboolean
tick_cb (gpointer data)
{
  Ticker *ticker = data;

  if (++ticker->ticks < 3)
    return G_SOURCE_CONTINUE;
  tally_test_quit_loop (ticker->test);
  return G_SOURCE_REMOVE;
}

/* The test's-context helpers: a mechanical port of idle/timeout/run. */
static void
test_helpers (TallyTest    *t,
              gconstpointer data)
{
  Ticker ticker = { t, 0 };
  gboolean idled = FALSE;
  guint never;

  never = tally_test_timeout_add (t, 60000, set_flag_cb, &idled);
  tally_test_idle_add (t, set_flag_cb, &idled);
  tally_test_timeout_add (t, 5, tick_cb, &ticker);
  tally_test_run_loop (t);

  tally_assert_true (idled);
  tally_assert_cmpuint (ticker.ticks, ==, 3);
  tally_assert_true (tally_test_remove_source (t, never));
  tally_assert_false (tally_test_remove_source (t, never));
  tally_assert_false (tally_test_uses_global_context (t));
}

/* Code that cannot change: the global default context as the test's. */
static void
test_global_marker (TallyTest    *t,
                    gconstpointer data)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, on_task_done_cb, loop);

  tally_assert_true (tally_test_uses_global_context (t));
  tally_assert_true (tally_test_get_context (t) == g_main_context_default ());
  g_task_return_boolean (task, TRUE);
  g_main_loop_run (loop);
  tally_assert_true (g_task_get_completed (task));
  g_timeout_add (5, quit_loop_cb, loop);
  g_idle_add (quit_loop_cb, loop);
  g_main_loop_run (loop);
  g_main_loop_run (loop);
}

/* ...with leftover checks applied to it. */
static void
test_global_marker_leftover (TallyTest    *t,
                             gconstpointer data)
{
  g_autoptr(GSource) source = g_timeout_source_new_seconds (100);

  g_source_set_static_name (source, "forgotten-retry");
  g_source_set_callback (source, set_flag_cb, NULL, NULL);
  g_source_attach (source, NULL);
}

/* leaks=warn on the global context: reported, not destroyed. */
static GSource *kept_source;

static void
test_global_marker_leak_warn (TallyTest    *t,
                              gconstpointer data)
{
  kept_source = g_timeout_source_new_seconds (100);
  g_source_set_static_name (kept_source, "kept-on-purpose");
  g_source_set_callback (kept_source, set_flag_cb, NULL, NULL);
  g_source_attach (kept_source, NULL);
}

static void
test_global_marker_leak_kept (TallyTest    *t,
                              gconstpointer data)
{
  tally_assert_nonnull (kept_source);
  tally_assert_false (g_source_is_destroyed (kept_source));
  g_source_destroy (kept_source);
  g_clear_pointer (&kept_source, g_source_unref);
}

/* A loop of its own on the global context that never ends. */
static void
test_global_marker_own_loop (TallyTest    *t,
                             gconstpointer data)
{
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

/* A library singleton that keeps a source for the life of the process. */
static GSource *singleton_watch;

static void
make_singleton (void)
{
  if (singleton_watch != NULL)
    return;
  singleton_watch = g_timeout_source_new_seconds (3600);
  g_source_set_static_name (singleton_watch, "example-singleton-watch");
  g_source_set_callback (singleton_watch, set_flag_cb, NULL, NULL);
  g_source_attach (singleton_watch, NULL);
}

static void
test_singleton_first (TallyTest    *t,
                      gconstpointer data)
{
  make_singleton ();
  tally_assert_false (g_source_is_destroyed (singleton_watch));
}

static void
test_singleton_later (TallyTest    *t,
                      gconstpointer data)
{
  make_singleton ();
  tally_assert_false (g_source_is_destroyed (singleton_watch));
}

/* The process's first test to use the network monitor. */
static void
test_monitor (TallyTest    *t,
              gconstpointer data)
{
  GNetworkMonitor *monitor = g_network_monitor_get_default ();

  tally_assert_nonnull (monitor);
  (void) g_network_monitor_get_network_available (monitor);
}

static gboolean leaked_here;

/* Leaves a source on the global context: the worker retires after it. */
static void
test_retire_leak (TallyTest    *t,
                  gconstpointer data)
{
  leaked_here = TRUE;
  g_timeout_add_seconds (100, set_flag_cb, NULL);
}

/* Runs after /retire/leak (same group, same slot): in a fresh process. */
static void
test_retire_next (TallyTest    *t,
                  gconstpointer data)
{
  tally_assert_false (leaked_here);
}

static void
process_setup (void)
{
  g_network_monitor_get_default ();
}

static void
register_tests (void)
{
  if (g_getenv ("SAMPLE_CONTEXT_SETUP") != NULL)
    tally_add_process_setup (process_setup);
  if (g_getenv ("SAMPLE_CONTEXT_ALLOW") != NULL)
    tally_allow_source ("example-singleton-*");

  tally_add ("/context/global-loop-waits-for-task", test_global_loop_waits_for_task, "timeout=1");
  tally_add ("/context/own-wait-for-global-idle", test_own_wait_for_global_idle, "timeout=1");
  tally_add ("/context/helpers", test_helpers, NULL);
  tally_add ("/context/global-marker", test_global_marker, "global-context");
  tally_add ("/context/global-marker-leftover", test_global_marker_leftover, "global-context");
  tally_add ("/context/warn/leak", test_global_marker_leak_warn, "global-context leaks=warn group=warn");
  tally_add ("/context/warn/kept", test_global_marker_leak_kept, "global-context group=warn");
  tally_add ("/context/global-marker-own-loop", test_global_marker_own_loop, "global-context timeout=1");
  tally_add ("/singleton/first", test_singleton_first, "group=singleton");
  tally_add ("/singleton/later", test_singleton_later, "group=singleton");
  tally_add ("/singleton/monitor", test_monitor, NULL);
  tally_add ("/retire/leak", test_retire_leak, "group=retire");
  tally_add ("/retire/next", test_retire_next, "group=retire");
}

TALLY_MAIN (register_tests)
