/* Scheduling for real: groups keep registration order under history and
 * random order, the retries=N marker, --sw with fatal criticals, the
 * seed of a random order and how retries are shown. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tally-test-util.h"

static TallyRun *
run_order (TallyTest  *t,
           const char *db,
           const char *first_option,
           const char *second_option)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-order");
  g_autofree char *state = g_build_filename (tally_test_get_tmpdir (t), "attempts", NULL);
  g_autofree char *state_env = g_strconcat ("TALLY_SAMPLE_STATE=", state, NULL);
  const char *envp[] = { state_env, "G_DEBUG=fatal-criticals", NULL };
  const char *argv[] = { tally, "run", "-n", "2", "--json", "--db", db, program,
                         first_option, second_option, NULL };

  /* Options go before the program: move it last. */
  if (first_option != NULL)
    {
      argv[7] = first_option;
      argv[8] = second_option ? second_option : program;
      argv[9] = second_option ? program : NULL;
    }
  g_unlink (state);
  return tally_util_run_argv (t, envp, argv);
}

static void
assert_steps_passed (TallyRun *run)
{
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *path = g_strdup_printf ("/order/steps/%u", i);
      tally_assert_cmpstr (tally_util_outcome (run, path), ==, "passed");
    }
}

/* Later steps take longer: longest-first history must not reverse them. */
static void
test_group_order_with_history (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TallyRun) run = run_order (t, db, NULL, NULL);

      tally_assert_cmpint (run->status, ==, 0);
      assert_steps_passed (run);
    }
}

/* A random order moves the group as a whole. */
static void
test_group_order_random (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);

  for (guint seed = 1; seed <= 6; seed++)
    {
      g_autofree char *option = g_strdup_printf ("--seed=%u", seed);
      g_autoptr(TallyRun) run = run_order (t, db, "--random-order", option);

      tally_assert_cmpint (run->status, ==, 0);
      assert_steps_passed (run);
    }
}

/* retries=3 on the test itself: it passes on its third attempt, flaky. */
static void
test_retries_marker (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = run_order (t, db, "-k", "third-time");

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpstr (tally_util_outcome (run, "/order/third-time"), ==, "flaky");
  tally_assert_cmpint (tally_util_member_int (run, "/order/third-time", "attempt"), ==, 3);
}

/* An attempt that is retried is shown as a retry, never as FAILED; a
 * random order says its seed without -v. */
static void
test_console_retry_and_seed (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-order");
  g_autofree char *state = g_build_filename (tally_test_get_tmpdir (t), "attempts", NULL);
  g_autofree char *state_env = g_strconcat ("TALLY_SAMPLE_STATE=", state, NULL);
  const char *envp[] = { state_env, NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "--no-db", "--random-order",
                                            "--seed", "77", program, NULL);

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_nonnull (strstr (run->out, "random order (--seed 77)\n"));
  tally_assert_nonnull (strstr (run->out, "RETRY "));
  tally_assert_null (strstr (run->out, "FAILED"));
  tally_assert_nonnull (strstr (run->out, "1 flaky"));
}

/* --sw used to free an array twice (a GLib CRITICAL): under
 * G_DEBUG=fatal-criticals the run must end normally, twice. */
static void
test_stepwise_no_critical (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TallyRun) run = run_order (t, db, "--sw", NULL);

      tally_assert_cmpint (run->status, ==, 0);
      tally_assert_null (strstr (run->err, "CRITICAL"));
    }
}

static void
register_tests (void)
{
  tally_add ("/scheduling/group/history", test_group_order_with_history, NULL);
  tally_add ("/scheduling/group/random", test_group_order_random, NULL);
  tally_add ("/scheduling/retries-marker", test_retries_marker, NULL);
  tally_add ("/scheduling/console/retry-and-seed", test_console_retry_and_seed, NULL);
  tally_add ("/scheduling/stepwise/no-critical", test_stepwise_no_critical, NULL);
}

TALLY_MAIN (register_tests)
