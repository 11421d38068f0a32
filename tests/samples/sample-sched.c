/* Tests that record when and where they ran, for the scheduling tests:
 * each appends "PATH PID START_US END_US" to $TALLY_SAMPLE_LOG. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tally.h>

static void
record (TallyTest *t, gint64 start)
{
  const char *log = g_getenv ("TALLY_SAMPLE_LOG");
  g_autofree char *line = NULL;
  int fd;

  if (log == NULL)
    return;
  line = g_strdup_printf ("%s %d %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                          tally_test_get_path (t), (int) getpid (), start,
                          g_get_real_time ());
  fd = open (log, O_WRONLY | O_APPEND | O_CREAT, 0644);
  tally_assert_cmpint (fd, >=, 0);
  tally_assert_cmpint (write (fd, line, strlen (line)), ==, strlen (line));
  close (fd);
}

static gboolean
on_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Waits 40 ms on the test's own context, as async tests do. */
static void
test_nap (TallyTest *t, gconstpointer data)
{
  gint64 start = g_get_real_time ();
  gboolean done = FALSE;
  GSource *source = g_timeout_source_new (40);

  g_source_set_callback (source, on_timeout_cb, &done, NULL);
  g_source_attach (source, tally_test_get_context (t));
  g_source_unref (source);
  tally_test_wait_until (t, is_true, &done);

  g_message ("napped in %s", tally_test_get_path (t));
  record (t, start);
}

static void
register_tests (void)
{
  tally_declare_marker ("fast", "a user marker for selection tests");

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sched/parallel/%02u", i);
      tally_add (path, test_nap, i % 3 == 0 ? "fast" : NULL);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sched/serial/%02u", i);
      tally_add (path, test_nap, "serial");
    }
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sched/group/db/%02u", i);
      tally_add (path, test_nap, "group=db slow");
    }
}

TALLY_MAIN (register_tests)
