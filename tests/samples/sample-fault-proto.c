/* Faults on the worker's own plumbing: a test that closes the protocol
 * descriptors (fds 3 and 4, which the worker no longer uses by then),
 * writes a plausible frame header announcing a huge body to fd 4,
 * dup2()s over fd 4, closes its stdout and stderr, kills its own process
 * with SIGKILL, _exit()s, aborts from another thread, or leaves threads
 * running. Each costs at most its own result; the ok tests around them
 * must pass, and run once. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tally.h>

/* Each run of an ok test is counted in $TALLY_SAMPLE_RUNS, if set: no
 * test may run twice unasked. */
static void
test_ok (TallyTest *t, gconstpointer data)
{
  const char *runs = g_getenv ("TALLY_SAMPLE_RUNS");

  g_message ("fine: %s", tally_test_get_path (t));
  printf ("stdout of %s\n", tally_test_get_path (t));
  if (runs != NULL)
    {
      g_autofree char *line = g_strdup_printf ("%s\n", tally_test_get_path (t));
      int fd = open (runs, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

      tally_assert_cmpint (fd, >=, 0);
      tally_assert_cmpint (write (fd, line, strlen (line)), ==, strlen (line));
      close (fd);
    }
}

/* The event descriptor replaced by /dev/null: the worker must keep
 * talking to the runner, and the tests behind this one run once. */
static void
test_dup2_events (TallyTest *t, gconstpointer data)
{
  int null = open ("/dev/null", O_WRONLY | O_CLOEXEC);

  g_message ("replacing fd 4");
  dup2 (null, 4);
  close (null);
}

/* _exit() at once: no STARTED ever leaves the worker. The test is
 * reported crashed, never run again. */
static void
test_exit_early (TallyTest *t, gconstpointer data)
{
  const char *runs = g_getenv ("TALLY_SAMPLE_RUNS");

  if (runs != NULL)
    {
      int fd = open (runs, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

      if (write (fd, "/fault/exit-early\n", 18) != 18)
        abort ();
    }
  _exit (0);
}

/* Both protocol descriptors closed from under the worker. */
static void
test_close_protocol (TallyTest *t, gconstpointer data)
{
  g_message ("closing the protocol descriptors");
  fprintf (stderr, "closing fd 3 and 4\n");
  close (3);
  close (4);
  g_message ("after the close");
}

/* Only the event descriptor: the worker still hears commands. */
static void
test_close_events (TallyTest *t, gconstpointer data)
{
  close (4);
}

/* A valid-looking LOG header that announces 255 MiB which never come:
 * the runner must neither wait forever nor allocate the announced size. */
static void
test_huge_header (TallyTest *t, gconstpointer data)
{
  guint8 header[8];
  guint32 size = 255u * 1024 * 1024, type = 3;   /* TALLY_MSG_LOG */

  for (guint i = 0; i < 4; i++)
    {
      header[i] = (size >> (8 * i)) & 0xff;
      header[4 + i] = (type >> (8 * i)) & 0xff;
    }
  g_message ("announcing a 255 MiB frame");
  if (write (4, header, sizeof header) != sizeof header)
    tally_fail ("write failed");
}

/* The test closes its own stdout and stderr: that is its business; it
 * passes, and nothing the worker needs depends on fds 1 and 2. */
static void
test_close_stdio (TallyTest *t, gconstpointer data)
{
  printf ("before closing stdout\n");
  fflush (stdout);
  fprintf (stderr, "before closing stderr\n");
  close (1);
  close (2);
  printf ("into the void\n");
  fflush (stdout);
  g_message ("logging still works");
}

static void
test_sigkill_self (TallyTest *t, gconstpointer data)
{
  g_message ("killing myself");
  fprintf (stderr, "SIGKILL next\n");
  kill (getpid (), SIGKILL);
  pause ();
}

static gpointer
abort_thread (gpointer data)
{
  g_message ("aborting from a thread");
  abort ();
  return NULL;
}

static void
test_thread_abort (TallyTest *t, gconstpointer data)
{
  GThread *thread = g_thread_new ("aborter", abort_thread, NULL);
  g_thread_join (thread);
}

static gpointer
sleeper_thread (gpointer data)
{
  for (;;)
    g_usleep (G_USEC_PER_SEC);
  return NULL;
}

static gpointer
chatty_thread (gpointer data)
{
  /* Keeps logging for a while after its test has ended. */
  for (guint i = 0; i < 30; i++)
    {
      g_debug ("leaked thread still talking %u", i);
      g_usleep (10 * 1000);
    }
  return NULL;
}

static void
test_thread_leak (TallyTest *t, gconstpointer data)
{
  g_thread_unref (g_thread_new ("sleeper", sleeper_thread, NULL));
  g_thread_unref (g_thread_new ("chatty", chatty_thread, NULL));
  g_message ("leaving two threads behind");
}

static void
register_tests (void)
{
  const char *only = g_getenv ("TALLY_SAMPLE_ONLY");

  tally_add ("/fault/a-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "close-protocol"))
    tally_add ("/fault/close-protocol", test_close_protocol, "timeout=5");
  tally_add ("/fault/b-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "close-events"))
    tally_add ("/fault/close-events", test_close_events, "timeout=5");
  tally_add ("/fault/c-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "huge-header"))
    tally_add ("/fault/huge-header", test_huge_header, "timeout=2");
  tally_add ("/fault/d-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "close-stdio"))
    tally_add ("/fault/close-stdio", test_close_stdio, NULL);
  tally_add ("/fault/e-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "sigkill-self"))
    tally_add ("/fault/sigkill-self", test_sigkill_self, NULL);
  tally_add ("/fault/f-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "thread-abort"))
    tally_add ("/fault/thread-abort", test_thread_abort, NULL);
  tally_add ("/fault/g-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "thread-leak"))
    tally_add ("/fault/thread-leak", test_thread_leak, NULL);
  tally_add ("/fault/h-ok", test_ok, NULL);
  if (only == NULL || g_str_equal (only, "dup2-events"))
    tally_add ("/fault/dup2-events", test_dup2_events, "timeout=5");
  if (only == NULL || g_str_equal (only, "exit-early"))
    tally_add ("/fault/exit-early", test_exit_early, "timeout=5");
  tally_add ("/fault/i-ok", test_ok, NULL);
}

TALLY_MAIN (register_tests)
