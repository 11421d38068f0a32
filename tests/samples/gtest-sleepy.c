/* A GTest program (GLib only) whose first cases wait: 8 × 500 ms, then
 * 60 that return at once. tests/test-adaptive.c checks that history
 * splits it over several processes, and that `no-split` keeps it whole. */
#include <glib.h>

static void
test_slow (void)
{
  g_usleep (500 * 1000);
  g_assert_true (TRUE);
}

static void
test_fast (void)
{
  g_assert_cmpint (1 + 1, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sleepy/slow/%02u", i);
      g_test_add_func (path, test_slow);
    }
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sleepy/fast/%02u", i);
      g_test_add_func (path, test_fast);
    }
  return g_test_run ();
}
