/* Tests that use known amounts of CPU, time and memory, for the
 * per-test resource figures (tests/test-reporters.c) and the listing
 * cache (a marker file written when listed). */
#include <tally.h>

#include "usage-common.h"

static void
test_burn (TallyTest *t, gconstpointer data)
{
  usage_burn_cpu (50);
  tally_assert_true (TRUE);
}

static void
test_burn_in_child (TallyTest *t, gconstpointer data)
{
  usage_burn_cpu_in_child (50);
  tally_assert_true (TRUE);
}

static void
test_sleep (TallyTest *t, gconstpointer data)
{
  g_usleep (100 * 1000);
  tally_assert_true (TRUE);
}

static void
test_alloc (TallyTest *t, gconstpointer data)
{
  usage_touch_memory (50);
  tally_assert_true (TRUE);
}

static void
register_tests (void)
{
  tally_add ("/usage/alloc", test_alloc, NULL);
  tally_add ("/usage/burn", test_burn, NULL);
  tally_add ("/usage/burn-in-child", test_burn_in_child, NULL);
  tally_add ("/usage/sleep", test_sleep, NULL);
}

int
main (int argc, char **argv)
{
  usage_mark_listing (argc, argv, "--tally-list");
  /* /runner/listing/worker-exits: the early worker that `tally run`
   * asks for the listing exits before it writes any. */
  if (g_getenv ("USAGE_LISTING_WORKER_EXITS") != NULL && g_getenv ("TALLY_LIST_FD") != NULL)
    return 1;
  tally_init (&argc, &argv);
  register_tests ();
  return tally_run ();
}
