/* example-failures.c — what failures look like. Every test here fails.
 *
 * Not part of the test suite: build it and try
 *
 *   tally run build/examples/example-failures      (parallel, stored, summary)
 *   build/examples/example-failures                 (standalone TAP)
 *
 * You will see an assertion failure with its message and file:line, a
 * leaked timeout source and a source left on the global default context,
 * an unexpected warning, an expected message that never came, a test that
 * hangs until its `timeout=1` marker ends it, and a crash: g_assert() in a
 * callback aborts the process. Under `tally run` only that test is lost
 * (`crashed`, with SIGABRT and its stderr) and a new worker carries on;
 * standalone, the process dies there, so it is registered last.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Example"

#include <tally.h>

static void
test_assertion (TallyTest     *t,
                gconstpointer  data)
{
  g_autofree char *greeting = g_strdup_printf ("Hello, %s", "wrold");

  /* Reported as: assertion failed (greeting == "Hello, world"):
   * ("Hello, wrold" == "Hello, world"), at example-failures.c:LINE. */
  tally_assert_cmpstr (greeting, ==, "Hello, world");
}

static void
test_fail_with_message (TallyTest     *t,
                        gconstpointer  data)
{
  guint retries = 3;

  g_message ("connecting to the frobnicator");
  tally_fail ("the frobnicator did not answer after %u retries", retries);
}

static gboolean
on_refresh_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_leaked_timeout (TallyTest     *t,
                     gconstpointer  data)
{
  GSource *refresh = g_timeout_source_new_seconds (30);

  /* Attached to the test's context and never destroyed: reported as
   * leftover timeout source “refresh timer” on the test's context.
   * The fix: keep the source and g_source_destroy() it when done. */
  g_source_set_name (refresh, "refresh timer");
  g_source_set_callback (refresh, on_refresh_cb, NULL, NULL);
  g_source_attach (refresh, tally_test_get_context (t));
  g_source_unref (refresh);
}

static void
test_leaked_global_idle (TallyTest     *t,
                         gconstpointer  data)
{
  /* g_idle_add() targets the global default context, not the test's:
   * nothing runs it here, and it would fire in some later test. The fix:
   * attach a GSource to g_main_context_get_thread_default(). */
  g_idle_add (on_refresh_cb, NULL);
}

static void
test_unexpected_warning (TallyTest     *t,
                         gconstpointer  data)
{
  /* Fails the test at its end with the message, file and line. Declare
   * it with tally_test_expect_log() if the warning is the point. */
  g_warning ("cache file is corrupt, rebuilding");
  tally_assert_cmpint (1 + 1, ==, 2);
}

static void
test_expected_log_missing (TallyTest     *t,
                           gconstpointer  data)
{
  tally_test_expect_log (t, "Example", G_LOG_LEVEL_WARNING, "disk full*");
  /* ... but the code under test never warns. */
}

static gboolean
on_ready_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_true (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static void
test_hang (TallyTest     *t,
           gconstpointer  data)
{
  static gboolean ready;

  /* The classic mistake: the callback goes to the global default context
   * while the test iterates its own, so it never runs. After 1 s the
   * test ends as `timeout` (and the idle is reported as a leftover). */
  g_idle_add (on_ready_cb, &ready);
  tally_test_wait_until (t, is_true, &ready);
}

static gboolean
on_parsed_cb (gpointer user_data)
{
  int fields = GPOINTER_TO_INT (user_data);

  /* GLib's own assertions abort the process. */
  g_assert_cmpint (fields, ==, 3);
  return G_SOURCE_REMOVE;
}

static void
test_crash (TallyTest     *t,
            gconstpointer  data)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, on_parsed_cb, GINT_TO_POINTER (2), NULL);
  g_source_attach (idle, tally_test_get_context (t));
  g_source_unref (idle);

  g_main_context_iteration (tally_test_get_context (t), TRUE);
}

static void
register_tests (void)
{
  tally_add ("/examples/failures/assertion", test_assertion, NULL);
  tally_add ("/examples/failures/fail-with-message", test_fail_with_message, NULL);
  tally_add ("/examples/failures/leaked-timeout", test_leaked_timeout, NULL);
  tally_add ("/examples/failures/leaked-global-idle", test_leaked_global_idle, NULL);
  tally_add ("/examples/failures/unexpected-warning", test_unexpected_warning, NULL);
  tally_add ("/examples/failures/expected-log-missing", test_expected_log_missing, NULL);
  tally_add ("/examples/failures/hang", test_hang, "timeout=1");
  tally_add ("/examples/failures/crash", test_crash, NULL);
}

TALLY_MAIN (register_tests)
