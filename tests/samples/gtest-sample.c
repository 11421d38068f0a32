/* A plain GTest program (no libtally): one case passes and talks on
 * stdout, stderr and the log, one fails a g_assert, one skips, one logs
 * a warning it expects and one it lets through, one crashes and one
 * hangs (both only when GTEST_SAMPLE_WILD is set, so that meson's own
 * run of this directory stays quiet), and the last passes after them. */
#define G_LOG_DOMAIN "Sample"

#include <signal.h>
#include <stdio.h>

#include <glib.h>

static void
test_pass (void)
{
  printf ("stdout of pass\n");
  fflush (stdout);
  fprintf (stderr, "stderr of pass\n");
  g_message ("message of pass");
  g_assert_cmpint (2 + 2, ==, 4);
}

static void
test_fail (void)
{
  int answer = 41;

  printf ("stdout of fail\n");
  fflush (stdout);
  g_assert_cmpint (answer, ==, 42);
}

static void
test_skip (void)
{
  g_test_skip ("not on this machine");
}

static void
test_log (void)
{
  g_test_expect_message ("Sample", G_LOG_LEVEL_WARNING, "expected warning*");
  g_warning ("expected warning %d", 1);
  g_test_assert_expected_messages ();

  /* Warnings are fatal in tests; this one is let through. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_warning ("warning of log");
  g_message ("message of log");
}

static void
test_crash (void)
{
  fprintf (stderr, "last words of crash\n");
  raise (SIGSEGV);
}

static void
test_hang (void)
{
  for (;;)
    g_usleep (G_USEC_PER_SEC);
}

static void
test_after (void)
{
  printf ("stdout of after\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sample/pass", test_pass);
  g_test_add_func ("/sample/fail", test_fail);
  g_test_add_func ("/sample/skip", test_skip);
  g_test_add_func ("/sample/log", test_log);
  if (g_getenv ("GTEST_SAMPLE_WILD") != NULL)
    {
      g_test_add_func ("/sample/crash", test_crash);
      g_test_add_func ("/sample/hang", test_hang);
    }
  g_test_add_func ("/sample/zz-after", test_after);

  return g_test_run ();
}
