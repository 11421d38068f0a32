/* A steady stream of small tests that sleep, log and print, for killing
 * the runner (or filling its disk, or locking its database) at a random
 * moment. TALLY_SAMPLE_N tests (default 40); each sleeps 5–25 ms (or
 * TALLY_SAMPLE_SLEEP_MS), logs 10 records and prints TALLY_SAMPLE_BYTES
 * bytes (default 2000) on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tally.h>

static void
test_steady (TallyTest *t, gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  const char *bytes_env = g_getenv ("TALLY_SAMPLE_BYTES");
  gsize bytes = bytes_env ? strtoul (bytes_env, NULL, 10) : 2000;
  char line[100];

  for (guint r = 0; r < 10; r++)
    g_message ("record %u of test %u", r, i);
  memset (line, 'o', sizeof line);
  line[sizeof line - 1] = '\n';
  for (gsize done = 0; done < bytes; done += sizeof line)
    fwrite (line, 1, MIN (sizeof line, bytes - done), stdout);
  const char *sleep_env = g_getenv ("TALLY_SAMPLE_SLEEP_MS");

  g_usleep ((sleep_env ? strtoul (sleep_env, NULL, 10) : 5 + (i * 7) % 21) * 1000);
  if (i % 10 == 9)
    tally_fail ("test %u fails on purpose", i);
}

static void
register_tests (void)
{
  const char *n_env = g_getenv ("TALLY_SAMPLE_N");
  guint n = n_env ? strtoul (n_env, NULL, 10) : 40;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("/steady/%04u", i);
      tally_add_func_full (path, test_steady, GUINT_TO_POINTER (i), NULL, __FILE__, __LINE__);
    }
}

TALLY_MAIN (register_tests)
