/* 100 tests that each talk a lot (log records, printf, write(2) to
 * stderr, a child process's stdout), each naming itself, so the tests
 * can check nothing is mixed between tests run in parallel. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tally.h>

static void
test_chatty (TallyTest *t, gconstpointer data)
{
  const char *path = tally_test_get_path (t);
  g_autofree char *line = g_strdup_printf ("stderr of %s\n", path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_message ("record %u of %s", i, path);
      printf ("stdout %u of %s\n", i, path);
      g_usleep (100);
    }
  tally_assert_cmpint (write (STDERR_FILENO, line, strlen (line)), ==, strlen (line));

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sh", "-c", "echo \"child of $0\"", path, NULL);
  tally_assert_no_error (error);
  tally_assert_true (g_subprocess_wait_check (child, NULL, &error));
}

static void
register_tests (void)
{
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *path = g_strdup_printf ("/chatty/%03u", i);
      tally_add (path, test_chatty, NULL);
    }
}

TALLY_MAIN (register_tests)
