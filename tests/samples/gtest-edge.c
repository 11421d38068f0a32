/* A plain GTest program whose cases do what confuses a runner that reads
 * GLib's TAP on stdout: one prints without a final newline (GLib's
 * "ok N" then lands on the same line), one prints lines that look like
 * TAP results and comments, and their neighbours write stderr. With
 * GTEST_EDGE_BAD_NAME set, one more case, which fails, has a name that
 * is not valid UTF-8. */
#include <stdio.h>

#include <glib.h>

static void
test_progress (void)
{
  fprintf (stderr, "stderr progress\n");
  g_print ("progress: 50%%...");
}

static void
test_lookalike (void)
{
  fprintf (stderr, "stderr lookalike\n");
  g_print ("ok 1 /edge/fake\nnot ok 2 /edge/other\n1..7\nBail out! not really\n");
}

static void
test_after (void)
{
  fprintf (stderr, "stderr after\n");
  g_print ("stdout after\n");
}

static void
test_fails (void)
{
  fprintf (stderr, "stderr fails\n");
  g_test_fail ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edge/1-progress", test_progress);
  g_test_add_func ("/edge/2-lookalike", test_lookalike);
  g_test_add_func ("/edge/3-after", test_after);
  if (g_getenv ("GTEST_EDGE_BAD_NAME") != NULL)
    g_test_add_func ("/edge/4-bad-\xff\xfe-name", test_fails);
  return g_test_run ();
}
