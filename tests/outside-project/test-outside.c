/* The test program of tests/outside-project: it uses only <tally.h> as
 * installed, and has one test of each outcome a clean run can have, so
 * the caller can check the counts. */
#include <tally.h>

static void
test_passes (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpstr (tally_test_get_path (t), ==, "/outside/passes");
  tally_assert_cmpint (TALLY_MAJOR_VERSION, ==, 0);
}

static void
test_logs (TallyTest *t, gconstpointer data)
{
  g_message ("hello from %s", tally_test_get_path (t));
  tally_assert_logged (t, G_LOG_LEVEL_MESSAGE, NULL, "hello from /outside/*");
}

static void
test_param (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpint (GPOINTER_TO_INT (data) % 2, ==, 1);
}

static const TallyParam odd_numbers[] = {
  { "one", GINT_TO_POINTER (1) },
  { "three", GINT_TO_POINTER (3) },
};

static void
test_skips (TallyTest *t, gconstpointer data)
{
  tally_test_skip (t, "skipped on purpose");
}

static void
test_known_bug (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpint (1 + 1, ==, 3);
}

static void
register_tests (void)
{
  tally_add ("/outside/passes", test_passes, NULL);
  tally_add ("/outside/logs", test_logs, NULL);
  tally_add_params ("/outside/odd", test_param, odd_numbers, NULL);
  tally_add ("/outside/skips", test_skips, NULL);
  tally_add ("/outside/known-bug", test_known_bug, "xfail=\"a known bug\"");
}

TALLY_MAIN (register_tests)
