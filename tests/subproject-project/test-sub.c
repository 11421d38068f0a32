/* The test program of tests/subproject-project: a fixture test, a log
 * expectation and an expected failure, against Tally built as a
 * subproject. */
#include <tally.h>

typedef struct
{
  GPtrArray *items;
} Fixture;

static void
fixture_setup (TallyTest *t, Fixture *f, gconstpointer data)
{
  f->items = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (f->items, g_strdup (data));
}

static void
fixture_teardown (TallyTest *t, Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->items);
}

static void
test_fixture (TallyTest *t, Fixture *f, gconstpointer data)
{
  tally_assert_cmpuint (f->items->len, ==, 1);
  tally_assert_cmpstr (g_ptr_array_index (f->items, 0), ==, "first");
}

static void
test_expected_warning (TallyTest *t, gconstpointer data)
{
  tally_test_expect_log (t, NULL, G_LOG_LEVEL_WARNING, "disk * full");
  g_warning ("disk nearly full");
}

static void
test_known_bug (TallyTest *t, gconstpointer data)
{
  tally_fail ("still broken");
}

static void
register_tests (void)
{
  tally_add_fixture ("/sub/fixture", Fixture, "first",
                     fixture_setup, test_fixture, fixture_teardown, NULL);
  tally_add ("/sub/expected-warning", test_expected_warning, NULL);
  tally_add ("/sub/known-bug", test_known_bug, "xfail");
}

TALLY_MAIN (register_tests)
