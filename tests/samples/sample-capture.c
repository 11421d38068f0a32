/* What a test does to its stdout and stderr stays its own: shells that
 * write to /dev/stdout, /dev/stderr or /proc/self/fd/1-2 (reopening them,
 * with O_TRUNC), a helper thread that writes after its test ended, helpers
 * (a thread, a child) that write and log while the next test runs, a
 * thread that does so long after its test ended, and a flood of output
 * (tests/test-capture.c). Run with `tally run -n 1`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <tally.h>

static void
test_own (TallyTest *t, gconstpointer data)
{
  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
}

/* Each reopens the worker's stdout or stderr: as a shell's `>` does
 * (O_TRUNC, offset 0), `>>`, and directly. */
static void
test_reopen (TallyTest *t, gconstpointer data)
{
  int fd;

  printf ("reopen: first line\n");
  fflush (stdout);
  tally_assert_cmpint (system ("echo shell-to-dev-stderr > /dev/stderr; "
                               "echo shell-to-dev-stdout > /dev/stdout; "
                               "echo shell-to-proc-fd1 > /proc/self/fd/1; "
                               "echo shell-to-proc-fd2 >> /proc/self/fd/2"), ==, 0);
  fd = open ("/dev/stdout", O_WRONLY | O_TRUNC);
  tally_assert_cmpint (fd, >=, 0);
  tally_assert_cmpint (write (fd, "c-to-dev-stdout\n", 16), ==, 16);
  close (fd);
  fd = open ("/proc/self/fd/2", O_WRONLY | O_TRUNC);
  tally_assert_cmpint (fd, >=, 0);
  tally_assert_cmpint (write (fd, "c-to-proc-fd2\n", 14), ==, 14);
  close (fd);
  printf ("reopen: last line\n");
}

/* Whether the worker's main thread waits for work: blocked in read() on
 * a pipe (its commands), not reading a file as a test does. (A task's
 * syscall shows only while it is blocked in it: the worker's non-blocking
 * reads of its stdout/stderr pipes never show.) */
static gboolean
main_thread_waits (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/syscall", (int) getpid ());
  g_autofree char *contents = NULL;
  g_autofree char *fd_path = NULL;
  g_autofree char *target = NULL;
  guint64 fd;

  if (!g_file_get_contents (path, &contents, NULL, NULL) || !g_str_has_prefix (contents, "0 0x"))
    return FALSE;
  fd = g_ascii_strtoull (contents + 4, NULL, 16);
  if (fd <= 2)
    return FALSE;
  fd_path = g_strdup_printf ("/proc/self/fd/%" G_GUINT64_FORMAT, fd);
  target = g_file_read_link (fd_path, NULL);
  return target != NULL && g_str_has_prefix (target, "pipe:");
}

static gpointer
late_writer (gpointer data)
{
  const char *marker = data;
  /* After the test reported, and before the next one is sent (both
   * tests are serial: the runner sends the next when this one is done). */
  gint64 give_up = g_get_monotonic_time () + G_USEC_PER_SEC;
  gboolean idle = FALSE;

  /* The wait lasts as long as the runner takes to send the next test:
   * look without pausing. */
  while (!(idle = main_thread_waits ()) && g_get_monotonic_time () < give_up)
    ;
  if (idle)
    {
      g_assert_true (write (1, "LATE-STDOUT\n", 12) == 12);
      g_assert_true (write (2, "LATE-STDERR\n", 12) == 12);
      /* Still waiting: the bytes were in the pipes before the next test
       * began. Otherwise they may have come as it began (they are then
       * its own, as documented): the caller tries again. */
      g_file_set_contents (marker, main_thread_waits () ? "between" : "raced", -1, NULL);
    }
  return NULL;
}

static void
test_late (TallyTest *t, gconstpointer data)
{
  char *marker = g_strdup (g_getenv ("TALLY_SAMPLE_LATE_MARKER"));

  printf ("stdout of %s\n", tally_test_get_path (t));
  g_thread_unref (g_thread_new ("late-writer", late_writer, marker));
}

/* Waits for the helper, so it does not write during this test. */
static void
test_after_late (TallyTest *t, gconstpointer data)
{
  const char *marker = g_getenv ("TALLY_SAMPLE_LATE_MARKER");

  for (guint i = 0; i < 1000 && !g_file_test (marker, G_FILE_TEST_EXISTS); i++)
    g_usleep (1000);
  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
}

/* Issue 19 item 14: a helper that writes and logs 50 ms after its test
 * ended, while the next test (200 ms) runs. */
static void
write_late (const char *who)
{
  g_autofree char *out = g_strdup_printf ("LATE-%s-OUT\n", who);
  g_autofree char *err = g_strdup_printf ("LATE-%s-ERR\n", who);

  g_usleep (50 * 1000);
  g_assert_true (write (1, out, strlen (out)) == (ssize_t) strlen (out));
  g_assert_true (write (2, err, strlen (err)) == (ssize_t) strlen (err));
  g_warning ("LATE-%s-WARNING", who);
}

static gpointer
late_thread (gpointer data)
{
  write_late ("THREAD");
  return NULL;
}

static void
test_thread_helper (TallyTest *t, gconstpointer data)
{
  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
  g_thread_unref (g_thread_new ("late-helper", late_thread, NULL));
}

/* leaks=ignore: the child outlives the test (it would be killed as a
 * leftover otherwise). */
static void
test_child_helper (TallyTest *t, gconstpointer data)
{
  pid_t child;

  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
  fflush (stdout);
  fflush (stderr);
  child = fork ();
  tally_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      write_late ("CHILD");
      _exit (0);
    }
}

static void
test_after_helper (TallyTest *t, gconstpointer data)
{
  g_usleep (200 * 1000);
  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
}

/* Issue 19 item 14, the rest: a thread that outlives the wait at its
 * test's end (100 ms) and writes (stdio, flushed) and logs 2 s after
 * its test ended (past any time Tally might give up watching it), then
 * says so in TALLY_SAMPLE_SLOW_MARKER. */
/* Prints its lines, then lets 1.1 s pass. */
static void
test_pause (TallyTest *t, gconstpointer data)
{
  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
  g_usleep (1100 * 1000);
}

static gpointer
slow_thread (gpointer data)
{
  char *marker = data;

  g_usleep (2000 * 1000);
  printf ("LATE-SLOW-OUT\n");
  fflush (stdout);
  fprintf (stderr, "LATE-SLOW-ERR\n");
  fflush (stderr);
  g_warning ("LATE-SLOW-WARNING");
  g_file_set_contents (marker, "written", -1, NULL);
  g_free (marker);
  return NULL;
}

static void
test_slow_thread (TallyTest *t, gconstpointer data)
{
  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
  g_thread_unref (g_thread_new ("slow-helper", slow_thread,
                                g_strdup (g_getenv ("TALLY_SAMPLE_SLOW_MARKER"))));
}

/* Starts 1.1 s after the slow thread's test ended and runs while the
 * thread writes: it waits for its marker (5 s at most), then prints its
 * own lines. */
static void
test_after_slow (TallyTest *t, gconstpointer data)
{
  const char *marker = g_getenv ("TALLY_SAMPLE_SLOW_MARKER");

  for (guint i = 0; i < 5000 && !g_file_test (marker, G_FILE_TEST_EXISTS); i++)
    g_usleep (1000);
  printf ("stdout of %s\n", tally_test_get_path (t));
  fprintf (stderr, "stderr of %s\n", tally_test_get_path (t));
}

/* Memory held by the runner's in-memory files that this worker writes its
 * output to (found by name among our descriptors), in bytes: what is
 * allocated, not the size (the runner punches holes in what it read). */
static guint64
runner_files_allocated (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);
      struct stat st;

      if (target != NULL && g_str_has_prefix (target, "/memfd:tally-worker-std")
          && stat (path, &st) == 0)
        {
          gint64 *ino = g_new (gint64, 1);

          *ino = st.st_ino;
          if (g_hash_table_contains (seen, ino))
            {
              g_free (ino);
              continue;
            }
          g_hash_table_add (seen, ino);
          total += (guint64) st.st_blocks * 512;
        }
    }
  return total;
}

/* TALLY_SAMPLE_FLOOD_MB of stdout and of stderr, as fast as it goes;
 * the files it goes to must not grow by all of it. */
static void
test_flood (TallyTest *t, gconstpointer data)
{
  static char block[64 * 1024];
  guint mb = atoi (g_getenv ("TALLY_SAMPLE_FLOOD_MB") ? g_getenv ("TALLY_SAMPLE_FLOOD_MB") : "64");

  memset (block, 'x', sizeof block);
  block[sizeof block - 1] = '\n';
  for (guint i = 0; i < mb * 16; i++)
    for (int fd = 1; fd <= 2; fd++)
      {
        gsize done = 0;

        memcpy (block, i == 0 ? "HEAD" : "xxxx", 4);
        memcpy (block + sizeof block - 5, i == mb * 16 - 1 ? "TAIL" : "xxxx", 4);
        while (done < sizeof block)
          {
            gssize n = write (fd, block + done, sizeof block - done);

            if (n <= 0)
              tally_fail ("write failed");
            done += n;
          }
      }
  fprintf (stderr, "\nallocated in the runner's files after the flood: %" G_GUINT64_FORMAT " bytes\n",
           runner_files_allocated ());
  tally_assert_cmpuint (runner_files_allocated (), <, 8 * 1024 * 1024);
}

static void
register_tests (void)
{
  const char *only = g_getenv ("TALLY_SAMPLE_ONLY");

  if (only == NULL || g_str_equal (only, "reopen"))
    {
      tally_add ("/capture/a-own", test_own, NULL);
      tally_add ("/capture/b-reopen", test_reopen, NULL);
      tally_add ("/capture/c-own", test_own, NULL);
    }
  if (only == NULL || g_str_equal (only, "late"))
    {
      tally_add ("/capture/d-late", test_late, "serial");
      tally_add ("/capture/e-after-late", test_after_late, "serial timeout=10");
    }
  if (only == NULL || g_str_equal (only, "helpers"))
    {
      tally_add ("/capture/h-thread-helper", test_thread_helper, "serial");
      tally_add ("/capture/i-after-thread", test_after_helper, "serial");
      tally_add ("/capture/j-child-helper", test_child_helper, "serial leaks=ignore");
      tally_add ("/capture/k-after-child", test_after_helper, "serial");
    }
  if (only != NULL && g_str_equal (only, "slow"))
    {
      tally_add ("/capture/l-slow-thread", test_slow_thread, "serial");
      tally_add ("/capture/m-before-slow-writes", test_pause, "serial");
      tally_add ("/capture/n-after-slow", test_after_slow, "serial timeout=10");
      tally_add ("/capture/o-after-slow", test_own, "serial");
    }
  if (only == NULL || g_str_equal (only, "flood"))
    {
      tally_add ("/capture/f-flood", test_flood, "timeout=120");
      tally_add ("/capture/g-own", test_own, NULL);
    }
}

TALLY_MAIN (register_tests)
