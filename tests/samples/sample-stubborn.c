/* Tests that do not go quietly, for tests/test-signals.c: one ignores
 * SIGTERM and sleeps past any reasonable wait, one's worker fixture
 * never finishes its teardown; others check what signal dispositions
 * their children inherit. */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <tally.h>

/* Ignores SIGTERM, then sleeps an hour (its timeout): only SIGKILL ends
 * it. */
static void
test_ignore_term (TallyTest *t, gconstpointer data)
{
  signal (SIGTERM, SIG_IGN);
  g_message ("ignoring SIGTERM from now on");
  sleep (3600);
}

static gpointer
hanging_setup (GError **error)
{
  return g_strdup ("fixture");
}

/* Runs when the worker quits: it never returns. */
static void
hanging_teardown (gpointer data)
{
  g_free (data);
  signal (SIGTERM, SIG_IGN);
  sleep (3600);
}

static void
test_hang_at_quit (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpstr (tally_test_use_worker_fixture (t, "hanging"), ==, "fixture");
}

/* A field of /proc/self/status of a child, as a number. */
static guint64
child_status_mask (const char *field)
{
  const char *argv[] = { "/bin/cat", "/proc/self/status", NULL };
  g_autofree char *out = NULL;
  g_autofree char *needle = g_strdup_printf ("\n%s:\t", field);
  g_autoptr(GError) error = NULL;
  const char *found;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, NULL, &error);
  tally_assert_no_error (error);
  found = strstr (out, needle);
  tally_assert_nonnull (found);
  return g_ascii_strtoull (found + strlen (needle), NULL, 16);
}

/* What a child of the test starts with: no signal ignored or blocked
 * (the worker and the runner must not pass on theirs). Only the standard
 * signals: glibc's posix_spawn() leaves its two internal real-time
 * signals (32, 33) ignored in the program it starts, where glibc hides
 * them from sigaction() and installs its handlers when it needs them. */
static void
test_child_signals (TallyTest *t, gconstpointer data)
{
  guint64 standard = (G_GUINT64_CONSTANT (1) << 31) - 1;   /* signals 1–31 */

  tally_assert_cmpuint (child_status_mask ("SigBlk"), ==, 0);
  tally_assert_cmpuint (child_status_mask ("SigIgn") & standard, ==, 0);
}

/* A shell that sends itself SIGPIPE dies of it, as under a terminal. */
static void
test_child_sigpipe (TallyTest *t, gconstpointer data)
{
  const char *argv[] = { "/bin/sh", "-c", "kill -PIPE $$; echo survived", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
  tally_assert_no_error (error);
  tally_assert_cmpstr (out, ==, "");
  tally_assert_true (WIFSIGNALED (status));
  tally_assert_cmpint (WTERMSIG (status), ==, SIGPIPE);
}

static volatile sig_atomic_t got_usr1;

static void
on_usr1 (int signum)
{
  got_usr1 = 1;
}

/* kill (0, …): the worker's process group, which must not hold the
 * runner. */
static void
test_signal_group (TallyTest *t, gconstpointer data)
{
  signal (SIGUSR1, on_usr1);
  tally_assert_cmpint (kill (0, SIGUSR1), ==, 0);
  while (!got_usr1)
    g_usleep (1000);
}

/* Three helpers that outlive the test, out of its reach: one in a session
 * of its own (setsid), one double-forked, one in the background. Their
 * argument, 31337.TAG, names them for the stray check. */
static void
test_leave_processes (TallyTest *t, gconstpointer data)
{
  g_autofree char *script = g_strdup_printf ("setsid sleep 31337.%s & (sleep 31337.%s &) ; sleep 31337.%s &",
                                             (const char *) data, (const char *) data, (const char *) data);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  g_autoptr(GError) error = NULL;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, &error);
  tally_assert_no_error (error);
}

/* What GDBus autolaunch does when a GTK test has no session bus: a
 * `dbus-daemon --fork --session` that outlives the test, to be shared
 * by the worker's later tests. Its address names it for the stray
 * check: bus-31337.TAG in the worker's temporary directory. */
static void
test_session_bus (TallyTest *t, gconstpointer data)
{
  g_autofree char *address = g_strdup_printf ("--address=unix:path=%s/bus-31337.%s",
                                              g_get_tmp_dir (), (const char *) data);
  const char *argv[] = { "dbus-daemon", "--fork", "--session", "--print-address=1", address, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");

  if (dbus_daemon == NULL)
    tally_test_skip (t, "dbus-daemon is not installed");
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
  tally_assert_no_error (error);
  tally_assert_true (g_spawn_check_wait_status (status, NULL));
  tally_assert_nonnull (strstr (out, "bus-31337."));
}

static void
register_tests (void)
{
  tally_add_worker_fixture ("hanging", hanging_setup, hanging_teardown);
  tally_add ("/stubborn/ignore-term", test_ignore_term, "timeout=3600");
  tally_add ("/stubborn/hang-at-quit", test_hang_at_quit, NULL);
  tally_add ("/stubborn/child-signals", test_child_signals, NULL);
  tally_add ("/stubborn/child-sigpipe", test_child_sigpipe, NULL);
  tally_add ("/stubborn/signal-group", test_signal_group, NULL);
  tally_add_data ("/stubborn/leave-processes", test_leave_processes, "1", NULL);
  tally_add_data ("/stubborn/leave-processes-warn", test_leave_processes, "2", "leaks=warn");
  tally_add_data ("/stubborn/leave-processes-ignore", test_leave_processes, "3", "leaks=ignore");
  tally_add_data ("/stubborn/session-bus/first", test_session_bus, "4", NULL);
  tally_add_data ("/stubborn/session-bus/second", test_session_bus, "5", NULL);
}

TALLY_MAIN (register_tests)
