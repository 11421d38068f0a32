/* A plain GTest binary (no Tally inside) whose tests die of fatal
 * signals: tests/test-forensics.c checks that `tally run` reports them
 * with a symbolized backtrace. Keep the "LINE:" markers where they are. */
#include <glib.h>

static int * volatile nowhere;

/* no_sanitize: a real SIGSEGV in sanitizer builds too, not UBSan's abort. */
static __attribute__((noinline, no_sanitize ("address", "undefined"))) void
gtest_fatal_deref (void)
{
  *nowhere = 7;   /* LINE:gtest-deref */
}

static void
test_ok (void)
{
  g_assert_true (TRUE);
}

static void
test_segv (void)
{
  g_printerr ("gtest segv last words\n");
  gtest_fatal_deref ();   /* LINE:gtest-deref-call */
}

static void
test_g_error (void)
{
  g_message ("before g_error");
  g_error ("gtest fire: %d", 452);   /* LINE:gtest-g_error */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gtest-fatal/a-ok", test_ok);
  g_test_add_func ("/gtest-fatal/segv", test_segv);
  g_test_add_func ("/gtest-fatal/g-error", test_g_error);
  g_test_add_func ("/gtest-fatal/z-ok", test_ok);
  return g_test_run ();
}
