/* The GTest twin of sample-usage.c: one process runs the cases one
 * after another, so each case's figures come from reading the process
 * between cases. */
#include <glib.h>

#include "usage-common.h"

static void
test_burn (void)
{
  usage_burn_cpu (50);
}

static void
test_burn_in_child (void)
{
  usage_burn_cpu_in_child (50);
}

static void
test_sleep (void)
{
  g_usleep (100 * 1000);
}

static void
test_alloc (void)
{
  usage_touch_memory (50);
}

int
main (int argc, char **argv)
{
  usage_mark_listing (argc, argv, "-l");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/usage/alloc", test_alloc);
  g_test_add_func ("/usage/burn", test_burn);
  g_test_add_func ("/usage/burn-in-child", test_burn_in_child);
  g_test_add_func ("/usage/sleep", test_sleep);
  return g_test_run ();
}
