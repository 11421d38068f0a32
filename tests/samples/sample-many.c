/* Many trivial tests (SAMPLE_MANY_N, default 1000), for the checks that
 * the registry, the listing and the runner stay small per test
 * (tests/test-scale.c). Every tenth test carries markers, every
 * hundredth a path that needs escaping in JSON. */
#include <tally.h>

static void
test_trivial (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpuint (GPOINTER_TO_UINT (data) % 7, <, 7);
}

static void
register_tests (void)
{
  const char *env = g_getenv ("SAMPLE_MANY_N");
  guint n = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 1000;

  for (guint i = 0; i < n; i++)
    {
      char path[64];

      if (i % 100 == 99)
        g_snprintf (path, sizeof path, "/many/%04u/\"quoted\\%06u\"", i / 1000, i);
      else
        g_snprintf (path, sizeof path, "/many/%04u/%06u", i / 1000, i);
      if (i % 10 == 9)
        tally_add_data (path, test_trivial, GUINT_TO_POINTER (i), "slow timeout=5");
      else
        tally_add_data (path, test_trivial, GUINT_TO_POINTER (i), NULL);
    }
}

TALLY_MAIN (register_tests)
