/* Load: TALLY_SAMPLE_TESTS trivial tests (default 100), each logging
 * TALLY_SAMPLE_LOGS records (default 0). tests/test-load.c runs it with
 * 100,000 tests, and with 1,000 tests × 10,000 records. */
#include <stdlib.h>

#include <tally.h>

static guint n_logs;

static void
test_load (TallyTest *t, gconstpointer data)
{
  for (guint r = 0; r < n_logs; r++)
    g_debug ("record %u", r);
}

static void
register_tests (void)
{
  const char *tests_env = g_getenv ("TALLY_SAMPLE_TESTS");
  const char *logs_env = g_getenv ("TALLY_SAMPLE_LOGS");
  guint n = tests_env ? strtoul (tests_env, NULL, 10) : 100;

  n_logs = logs_env ? strtoul (logs_env, NULL, 10) : 0;
  for (guint i = 0; i < n; i++)
    {
      char path[32];

      g_snprintf (path, sizeof path, "/load/%06u", i);
      tally_add_func_full (path, test_load, NULL, NULL, __FILE__, __LINE__);
    }
}

TALLY_MAIN (register_tests)
