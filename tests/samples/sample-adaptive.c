/* Tests that wait or compute, for the adaptive worker count
 * (tests/test-adaptive.c): they sleep without using the CPU, as tests
 * that wait on sockets or children do, or keep a CPU busy. */
#include <tally.h>

/* Sleeps 200 ms: the CPU idles. $ADAPTIVE_STARTED, when set, is a file
 * made as the first of them starts: the test's fake /proc/stat turns
 * busy a while after it, however long the run took to get there. */
static void
test_sleep (TallyTest *t, gconstpointer data)
{
  gint64 start = g_get_monotonic_time ();
  const char *started = g_getenv ("ADAPTIVE_STARTED");

  if (started != NULL && !g_file_test (started, G_FILE_TEST_EXISTS))
    g_file_set_contents (started, "", 0, NULL);

  g_usleep (200 * 1000);
  tally_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
}

/* Computes for 100 ms of its own CPU time. */
static void
test_spin (TallyTest *t, gconstpointer data)
{
  gint64 start = g_get_monotonic_time ();
  volatile guint64 sum = 0;

  while (g_get_monotonic_time () - start < 100 * 1000)
    for (guint i = 0; i < 10000; i++)
      sum += i;
  tally_assert_cmpuint (sum, >, 0);
}

static void
register_tests (void)
{
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *path = g_strdup_printf ("/adaptive/sleep/%02u", i);
      tally_add (path, test_sleep, NULL);
    }
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *path = g_strdup_printf ("/adaptive/spin/%02u", i);
      tally_add (path, test_spin, NULL);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("/adaptive/serial/%02u", i);
      tally_add (path, test_sleep, "serial");
    }
}

TALLY_MAIN (register_tests)
