/* A test program with bad registrations: a test path without a leading
 * slash, a duplicate path and a malformed marker string. Running it must
 * give one clear line naming the first offence, and a non-zero status. */
#include <tally.h>

static void
test_nothing (TallyTest *t, gconstpointer data)
{
  tally_assert_true (TRUE);
}

static void
register_tests (void)
{
  const char *which = g_getenv ("TALLY_SAMPLE_BAD");

  tally_add ("/bad/ok", test_nothing, NULL);
  if (g_strcmp0 (which, "slash") == 0)
    tally_add ("no-slash", test_nothing, NULL);
  else if (g_strcmp0 (which, "duplicate") == 0)
    tally_add ("/bad/ok", test_nothing, NULL);
  else if (g_strcmp0 (which, "markers") == 0)
    tally_add ("/bad/markers", test_nothing, "timeout=soon");
  else if (g_strcmp0 (which, "undeclared") == 0)
    tally_add ("/bad/undeclared", test_nothing, "mystery");
}

TALLY_MAIN (register_tests)
