/* example-subprocess.c — child processes with GSubprocess, tested with Tally.
 *
 * Shows g_subprocess_communicate_utf8_async() with `echo` and `cat`,
 * g_subprocess_wait_check_async(), a failing exit status asserted as a
 * GError, cancelling a wait, and a child whose output goes straight to the
 * test's stdout: Tally captures it per test, at the file-descriptor level,
 * so it shows up with that test (`-v`, `tally show`) and nowhere else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Example"

#include <stdio.h>

#include <tally.h>

/* Skips the test when @program is missing, like pytest.importorskip(). */
static void
require_program (TallyTest  *t,
                 const char *program)
{
  g_autofree char *path = g_find_program_in_path (program);

  if (path == NULL)
    tally_test_skip (t, "“%s” is not installed", program);
}

static void
test_echo (TallyTest     *t,
           gconstpointer  data)
{
  g_autoptr(GSubprocess) echo = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  require_program (t, "echo");
  echo = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           "echo", "hello", "from", "a", "child", NULL);
  tally_assert_no_error (error);

  /* communicate reads all the output and waits for the child to exit. */
  g_subprocess_communicate_utf8_async (echo, NULL, tally_test_get_cancellable (t),
                                       tally_test_async_ready, t);
  g_subprocess_communicate_utf8_finish (echo, tally_test_await (t), &out, NULL, &error);
  tally_assert_no_error (error);

  tally_assert_cmpstr (out, ==, "hello from a child\n");

  /* The child has exited by now; wait_check turns its status into a
   * GError (there is none here). */
  g_subprocess_wait_check_async (echo, tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  g_subprocess_wait_check_finish (echo, tally_test_await (t), &error);
  tally_assert_no_error (error);
}

static void
test_cat_round_trip (TallyTest     *t,
                     gconstpointer  data)
{
  const char *input = "first line\nsecond line, ünïcödé\n";
  g_autoptr(GSubprocess) cat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  require_program (t, "cat");
  cat = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                          | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                          | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                          &error, "cat", NULL);
  tally_assert_no_error (error);

  g_subprocess_communicate_utf8_async (cat, input, tally_test_get_cancellable (t),
                                       tally_test_async_ready, t);
  g_subprocess_communicate_utf8_finish (cat, tally_test_await (t), &out, &err, &error);
  tally_assert_no_error (error);

  tally_assert_cmpstr (out, ==, input);
  tally_assert_cmpstr (err, ==, "");

  g_subprocess_wait_check_async (cat, tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  g_subprocess_wait_check_finish (cat, tally_test_await (t), &error);
  tally_assert_no_error (error);
}

static void
test_wait_check_success (TallyTest     *t,
                         gconstpointer  data)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;

  require_program (t, "true");
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL);
  tally_assert_no_error (error);

  g_subprocess_wait_check_async (child, tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  tally_assert_true (g_subprocess_wait_check_finish (child, tally_test_await (t), &error));
  tally_assert_no_error (error);
  tally_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
}

static void
test_exit_status_is_an_error (TallyTest     *t,
                              gconstpointer  data)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;

  require_program (t, "sh");
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                            "sh", "-c", "echo 'no such thing' >&2; exit 3", NULL);
  tally_assert_no_error (error);

  /* wait_check turns a non-zero exit status into G_SPAWN_EXIT_ERROR,
   * with the status as the error code. */
  g_subprocess_wait_check_async (child, tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  tally_assert_false (g_subprocess_wait_check_finish (child, tally_test_await (t), &error));
  tally_assert_error (error, G_SPAWN_EXIT_ERROR, 3);
  tally_assert_true (g_subprocess_get_if_exited (child));
  tally_assert_cmpint (g_subprocess_get_exit_status (child), ==, 3);
}

static void
test_missing_program (TallyTest     *t,
                      gconstpointer  data)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                            "tally-example-no-such-program", NULL);

  tally_assert_null (child);
  tally_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
}

static void
test_cancel_wait (TallyTest     *t,
                  gconstpointer  data)
{
  g_autoptr(GSubprocess) sleeper = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  require_program (t, "sleep");
  sleeper = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "60", NULL);
  tally_assert_no_error (error);

  /* Cancelling the wait does not stop the child ... */
  g_subprocess_wait_async (sleeper, cancellable, tally_test_async_ready, t);
  g_cancellable_cancel (cancellable);
  tally_assert_false (g_subprocess_wait_finish (sleeper, tally_test_await (t), &error));
  tally_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* ... so stop it, and reap it: leave no process behind. */
  g_subprocess_force_exit (sleeper);
  g_subprocess_wait_async (sleeper, tally_test_get_cancellable (t),
                           tally_test_async_ready, t);
  tally_assert_true (g_subprocess_wait_finish (sleeper, tally_test_await (t), &error));
  tally_assert_true (g_subprocess_get_if_signaled (sleeper));
}

static void
test_child_output_is_captured (TallyTest     *t,
                               gconstpointer  data)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;

  require_program (t, "echo");

  /* Both lines land in this test's captured stdout, in order, even when
   * other tests run in parallel; run with -v to see them in the TAP. */
  printf ("parent: starting a child\n");
  fflush (stdout);

  /* No STDOUT_PIPE flag: the child inherits the test's stdout. */
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                            "echo", "child: hello, captured world", NULL);
  tally_assert_no_error (error);

  g_subprocess_wait_check_async (child, tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  g_subprocess_wait_check_finish (child, tally_test_await (t), &error);
  tally_assert_no_error (error);
}

static void
register_tests (void)
{
  tally_add ("/examples/subprocess/echo", test_echo, NULL);
  tally_add ("/examples/subprocess/cat-round-trip", test_cat_round_trip, NULL);
  tally_add ("/examples/subprocess/wait-check-success", test_wait_check_success, NULL);
  tally_add ("/examples/subprocess/exit-status-is-an-error", test_exit_status_is_an_error, NULL);
  tally_add ("/examples/subprocess/missing-program", test_missing_program, NULL);
  tally_add ("/examples/subprocess/cancel-wait", test_cancel_wait, "timeout=10");
  tally_add ("/examples/subprocess/child-output-is-captured", test_child_output_is_captured, NULL);
}

TALLY_MAIN (register_tests)
