/* The smallest Tally program: two passing tests, one of which logs. */
#include <tally.h>

static void
test_one (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpint (1, ==, 1);
}

static void
test_two (TallyTest *t, gconstpointer data)
{
  g_message ("native two");
  tally_assert_true (TRUE);
}

static void
register_tests (void)
{
  tally_add ("/native/one", test_one, NULL);
  tally_add ("/native/two", test_two, NULL);
}

TALLY_MAIN (register_tests)
