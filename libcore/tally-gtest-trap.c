/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tally-assert.h"
#include "tally-executor-private.h"
#include "tally-gtest.h"
#include "tally-gtest-private.h"
#include "tally-test-private.h"

/* g_test_trap_subprocess() in a Tally test (tally-gtest-compat.c says how
 * GTest calls reach Tally): the parent runs `PROGRAM -p PATH
 * --GTestSubprocess` and keeps what the child did for the
 * g_test_trap_assert_*() macros; the child runs that one test. */

typedef struct
{
  gboolean trapped;
  gboolean passed;
  gboolean timed_out;
  int status;                    /* wait status */
  char *out;
  char *err;
  char *what;
} TrapState;

/* g_test_trap_*() ask about the last child; tests run one at a time. */
static TrapState trap;

void
tally_gtest_trap_clear (void)
{
  g_clear_pointer (&trap.out, g_free);
  g_clear_pointer (&trap.err, g_free);
  g_clear_pointer (&trap.what, g_free);
  trap.trapped = trap.passed = trap.timed_out = FALSE;
  trap.status = 0;
}

/**
 * tally_gtest_subprocess:
 *
 * g_test_subprocess().
 *
 * Returns: %TRUE in a child of g_test_trap_subprocess()
 */
gboolean
tally_gtest_subprocess (void)
{
  return tally_gtest_in_subprocess ();
}

static gboolean
on_trap_timeout_cb (gpointer user_data)
{
  GSubprocess *child = user_data;

  trap.timed_out = TRUE;
  g_subprocess_force_exit (child);
  return G_SOURCE_REMOVE;
}

static void
on_communicated_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  gboolean *done = user_data;

  if (g_subprocess_communicate_finish (G_SUBPROCESS (object), result, &out, &err, &error))
    {
      trap.out = out ? g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out)) : g_strdup ("");
      trap.err = err ? g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err)) : g_strdup ("");
    }
  *done = TRUE;
}

/**
 * tally_gtest_trap_subprocess:
 * @test_path: (nullable): the test to run in the child; %NULL for the
 *   running one
 * @usec_timeout: a timeout in µs, or 0
 * @test_flags: #GTestSubprocessFlags
 *
 * g_test_trap_subprocess(): runs the test @test_path of this program in a
 * child (`PROGRAM -p PATH --GTestSubprocess`), where g_test_subprocess()
 * is %TRUE, and keeps its exit status, stdout and stderr for the
 * g_test_trap_assert_*() macros. Waits on a private main context.
 */
void
tally_gtest_trap_subprocess (const char           *test_path,
                             guint64               usec_timeout,
                             GTestSubprocessFlags  test_flags)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_NONE;
  GSource *timer = NULL;
  gboolean done = FALSE;
  const char *path = test_path ? test_path : tally_gtest_get_path ();
  char reason[512];

  tally_gtest_trap_clear ();
  if (!(test_flags & G_TEST_SUBPROCESS_INHERIT_STDOUT))
    flags |= G_SUBPROCESS_FLAGS_STDOUT_PIPE;
  if (!(test_flags & G_TEST_SUBPROCESS_INHERIT_STDERR))
    flags |= G_SUBPROCESS_FLAGS_STDERR_PIPE;
  if (!(test_flags & G_TEST_SUBPROCESS_INHERIT_STDIN))
    flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;

  launcher = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_set_cwd (launcher, tally_gtest_get_initial_cwd ());
  child = g_subprocess_launcher_spawn (launcher, &error, tally_gtest_get_argv0 (), "-p", path,
                                       "--GTestSubprocess", NULL);
  if (child == NULL)
    {
      g_strlcpy (reason, error->message, sizeof reason);
      g_clear_error (&error);
      tally_fail ("g_test_trap_subprocess(): cannot start %s: %s", tally_gtest_get_argv0 (), reason);
    }

  trap.what = g_strdup_printf ("%s [%s]", path, g_subprocess_get_identifier (child));
  g_main_context_push_thread_default (context);
  if (usec_timeout > 0)
    {
      timer = g_timeout_source_new ((guint) MAX (usec_timeout / 1000, 1));
      g_source_set_callback (timer, on_trap_timeout_cb, child, NULL);
      g_source_attach (timer, context);
    }
  {
    g_autoptr(GBytes) no_input = (flags & G_SUBPROCESS_FLAGS_STDIN_PIPE) ? g_bytes_new_static ("", 0) : NULL;

    g_subprocess_communicate_async (child, no_input, NULL, on_communicated_cb, &done);
  }
  while (!done)
    g_main_context_iteration (context, TRUE);
  g_subprocess_wait (child, NULL, NULL);
  if (timer != NULL)
    {
      g_source_destroy (timer);
      g_source_unref (timer);
    }
  g_main_context_pop_thread_default (context);

  trap.trapped = TRUE;
  trap.status = g_subprocess_get_status (child);
  trap.passed = !trap.timed_out && g_subprocess_get_if_exited (child)
                && g_subprocess_get_exit_status (child) == 0;
  if (trap.out == NULL)
    trap.out = g_strdup ("");
  if (trap.err == NULL)
    trap.err = g_strdup ("");
}

/**
 * tally_gtest_trap_has_passed:
 *
 * g_test_trap_has_passed().
 *
 * Returns: %TRUE if the last child exited with status 0
 */
gboolean
tally_gtest_trap_has_passed (void)
{
  return trap.passed;
}

/**
 * tally_gtest_trap_reached_timeout:
 *
 * g_test_trap_reached_timeout().
 *
 * Returns: %TRUE if the last child was killed at its timeout
 */
gboolean
tally_gtest_trap_reached_timeout (void)
{
  return trap.timed_out;
}

/**
 * tally_gtest_trap_assertions:
 * @domain: the caller's log domain
 * @file: the calling file
 * @line: the calling line
 * @func: the calling function
 * @assertion_flags: 0: passed, 1: failed, 2: stdout matches, 3: stdout
 *   does not match, 4: stderr matches, 5: stderr does not match
 * @pattern: (nullable): the glob for the stdout and stderr checks
 *
 * What the g_test_trap_assert_*() macros call: fails the running test
 * with the child's output in the message when the check does not hold.
 */
void
tally_gtest_trap_assertions (const char *domain,
                             const char *file,
                             int         line,
                             const char *func,
                             guint64     assertion_flags,
                             const char *pattern)
{
  gboolean match = (assertion_flags & 1) == 0;
  const char *stream = NULL;
  const char *text = NULL;

  if (!trap.trapped)
    tally_assertion_failed (file, line, func, "g_test_trap_assert*() with no trapped child");

  if (assertion_flags == 0 && !trap.passed)
    tally_assertion_failed (file, line, func,
                            "child process (%s) failed unexpectedly%s\nstdout was:\n%s\nstderr was:\n%s",
                            trap.what, trap.timed_out ? " (timed out)" : "", trap.out, trap.err);
  if (assertion_flags == 1 && trap.passed)
    tally_assertion_failed (file, line, func,
                            "child process (%s) did not fail as expected\nstdout was:\n%s\nstderr was:\n%s",
                            trap.what, trap.out, trap.err);

  if (assertion_flags & 2)
    stream = "stdout", text = trap.out;
  else if (assertion_flags & 4)
    stream = "stderr", text = trap.err;

  if (stream != NULL && pattern != NULL && match != g_pattern_match_simple (pattern, text))
    tally_assertion_failed (file, line, func, "%s of child process (%s) %s: %s\n%s was:\n%s",
                            stream, trap.what, match ? "failed to match" : "contains invalid match",
                            pattern, stream, text);
}

/**
 * tally_gtest_unsupported:
 * @file: the calling file
 * @line: the calling line
 * @what: the GTest call
 * @instead: what to use in a Tally test
 *
 * Fails the running test for a GTest call Tally does not support, naming
 * the replacement; outside a test (in main()), prints that and exits with
 * status 4, rather than run fewer tests than the program registered.
 */
void
tally_gtest_unsupported (const char *file,
                         int         line,
                         const char *what,
                         const char *instead)
{
  TallyTest *test = tally_test_get_current ();
  g_autofree char *message = g_strdup_printf ("%s is not supported in a Tally %s; use %s",
                                              what, test ? "test" : "program", instead);

  if (test != NULL)
    {
      tally_test_set_failure (test, TALLY_OUTCOME_FAILED, file, line, message);
      return;
    }

  /* Outside a test (registering in main()): the program cannot run
   * what it meant to; say so rather than run less. */
  fprintf (stderr, "%s:%d: %s\n", file, line, message);
  exit (4);
}

/* The child side: run the -p test with nothing captured, so that the
 * parent sees its output raw; report a failure on stderr; exit 1. */
int
tally_gtest_subprocess_main (TallyProgramOptions *options)
{
  g_autoptr(GArray) selected = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  selected = tally_program_select (options, &error);
  if (selected == NULL)
    {
      fprintf (stderr, "%s: %s\n", options->program, error->message);
      return 4;
    }

  tally_caplog_set_echo (TRUE);
  for (guint i = 0; i < selected->len; i++)
    {
      TallyTestCase tc;
      TallyTest *test = tally_executor_run (tally_registry_get_test (g_array_index (selected, guint, i), &tc),
                                            &options->exec);

      if (tally_outcome_is_failure (test->outcome))
        {
          status = 1;
          fflush (stdout);
          fprintf (stderr, "%s: %s%s%s%s\n", tally_test_get_path (test),
                   tally_outcome_to_string (test->outcome),
                   test->message ? ": " : "", test->message ? test->message : "",
                   "");
          if (test->file != NULL)
            fprintf (stderr, "  at %s:%d\n", test->file, test->line);
        }
      tally_test_free (test);
    }
  fflush (stdout);
  fflush (stderr);

  return status;
}

