/* A plain GTest program for tests/test-signals.c: one case signals its
 * own process group (as code that tests signal handling does), one
 * sleeps until it is killed. Knows nothing of Tally. */
#include <signal.h>
#include <unistd.h>

#include <glib.h>

static volatile sig_atomic_t got_usr1;

static void
on_usr1 (int signum)
{
  got_usr1 = 1;
}

/* kill (0, …) reaches every process of the caller's process group: the
 * runner too, unless the runner gave this process a group of its own. */
static void
test_signal_group (void)
{
  signal (SIGUSR1, on_usr1);
  g_assert_cmpint (kill (0, SIGUSR1), ==, 0);
  while (!got_usr1)
    g_usleep (1000);
}

static void
test_sleep (void)
{
  g_message ("sleeping");
  sleep (3600);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gsignals/signal-group", test_signal_group);
  g_test_add_func ("/gsignals/sleep", test_sleep);
  return g_test_run ();
}
