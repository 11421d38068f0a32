/* Tests that leave the process, for the standalone reports of
 * tests/test-harness.c: one calls exit() mid-test, and one forks a child
 * that calls exit(), which must not be mistaken for the test leaving;
 * one forks a child that logs 2,000 records. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tally.h>

static void
test_child_exits (TallyTest *t, gconstpointer data)
{
  pid_t pid;
  int status = 0;

  /* Buffered in the worker when the child is made: the child's exit
   * must not send it a second time. */
  g_message ("before the fork");
  pid = fork ();
  if (pid == 0)
    exit (3);   /* runs the parent's atexit handlers, in the child */
  tally_assert_cmpint (pid, >, 0);
  tally_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  tally_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 3);
}

/* A child that logs a lot (more than the worker's buffer flushes at)
 * before it leaves: its records must never reach the protocol, neither
 * twice nor mixed into the parent's frames. */
static void
test_child_logs (TallyTest *t, gconstpointer data)
{
  pid_t pid;
  int status = 0;

  g_message ("before the fork");
  pid = fork ();
  if (pid == 0)
    {
      for (guint i = 0; i < 2000; i++)
        g_message ("from the child, record %u of 2000, padded to make the buffer flush", i);
      _exit (0);
    }
  tally_assert_cmpint (pid, >, 0);
  tally_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_message ("after the child");
}

static void
test_exit_mid_test (TallyTest *t, gconstpointer data)
{
  fprintf (stderr, "last words before exit\n");
  exit (0);
}

static void
register_tests (void)
{
  tally_add ("/exit/child-exits", test_child_exits, NULL);
  tally_add ("/exit/child-logs", test_child_logs, NULL);
  tally_add ("/exit/mid-test", test_exit_mid_test, NULL);
}

TALLY_MAIN (register_tests)
