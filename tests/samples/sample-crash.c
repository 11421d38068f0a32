/* Tests that take their worker down in every way a process can go: each
 * must cost exactly one result, and its neighbours must still run. */
#define G_LOG_DOMAIN "SampleCrash"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <tally.h>

static void
test_ok (TallyTest *t, gconstpointer data)
{
  g_message ("fine: %s", tally_test_get_path (t));
  tally_assert_true (TRUE);
}

static void
test_segv (TallyTest *t, gconstpointer data)
{
  g_message ("about to crash");
  fprintf (stderr, "last words on stderr\n");
  raise (SIGSEGV);
}

static void
test_glib_assert (TallyTest *t, gconstpointer data)
{
  int answer = 41;
  g_assert_cmpint (answer, ==, 42);
}

static void
test_exit0 (TallyTest *t, gconstpointer data)
{
  g_message ("leaving early");
  exit (0);
}

static void
test_hang_busy (TallyTest *t, gconstpointer data)
{
  volatile guint64 n = 0;
  g_message ("spinning");
  for (;;)
    n++;
}

static void
test_hang_read (TallyTest *t, gconstpointer data)
{
  int fds[2];
  char c;

  g_assert (pipe (fds) == 0);
  g_message ("reading a pipe nobody writes");
  if (read (fds[0], &c, 1) < 0)
    g_message ("read failed");
}

static void
test_garbage (TallyTest *t, gconstpointer data)
{
  static const char garbage[] = "\xff\xff\xff\x7f this is not a frame";
  guint written = 0;

  /* Pretend to be a buggy test that scribbles on every pipe it can write
   * to, the worker's own protocol among them (fd 4 is /dev/null by now):
   * the runner must not believe a word of it. */
  for (int fd = 3; fd < 1024; fd++)
    {
      struct stat st;
      int flags = fcntl (fd, F_GETFL);

      if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY || fstat (fd, &st) < 0 || !S_ISFIFO (st.st_mode))
        continue;
      if (write (fd, garbage, sizeof garbage) > 0)
        written++;
    }
  tally_assert_cmpuint (written, >, 0);
  g_usleep (G_USEC_PER_SEC / 10);
}

static void
test_fork_child (TallyTest *t, gconstpointer data)
{
  pid_t pid = fork ();

  if (pid == 0)
    {
      /* The child keeps every inherited descriptor open for a while. */
      sleep (3);
      _exit (0);
    }
  tally_assert_cmpint (pid, >, 0);
}

static void
test_flood (TallyTest *t, gconstpointer data)
{
  static char line[1024];
  memset (line, 'x', sizeof line - 1);
  line[sizeof line - 2] = '\n';
  /* 20 MB of stdout */
  for (guint i = 0; i < 20 * 1024; i++)
    fputs (line, stdout);
}

static void
register_tests (void)
{
  /* A test interrupting the hang wants it to outlast a slow machine. */
  const char *hang_timeout = g_getenv ("TALLY_SAMPLE_HANG_TIMEOUT");
  g_autofree char *hang_markers = g_strdup_printf ("timeout=%s", hang_timeout ? hang_timeout : "1");

  tally_add ("/crash/a-ok", test_ok, NULL);
  tally_add ("/crash/segv", test_segv, NULL);
  tally_add ("/crash/b-ok", test_ok, NULL);
  tally_add ("/crash/glib-assert", test_glib_assert, NULL);
  tally_add ("/crash/c-ok", test_ok, NULL);
  tally_add ("/crash/exit0", test_exit0, NULL);
  tally_add ("/crash/d-ok", test_ok, NULL);
  tally_add ("/crash/hang-busy", test_hang_busy, "timeout=1");
  tally_add ("/crash/e-ok", test_ok, NULL);
  tally_add ("/crash/hang-read", test_hang_read, hang_markers);
  tally_add ("/crash/f-ok", test_ok, NULL);
  tally_add ("/crash/garbage", test_garbage, NULL);
  tally_add ("/crash/g-ok", test_ok, NULL);
  tally_add ("/crash/fork-child", test_fork_child, NULL);
  tally_add ("/crash/h-ok", test_ok, NULL);
  tally_add ("/crash/flood", test_flood, NULL);
  tally_add ("/crash/i-ok", test_ok, NULL);
}

TALLY_MAIN (register_tests)
