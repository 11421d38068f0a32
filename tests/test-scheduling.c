/* Scheduling for real: groups keep registration order under history and
 * random order, the retries=N marker, --sw with fatal criticals, the
 * seed of a random order and how retries are shown. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

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

  /* The group moves as a whole, by its total (150 ms): on one worker it
   * starts first, its steps in order. */
  {
    g_autoptr(TallyRun) run = run_order (t, db, "--workers=1", NULL);
    guint step = 0;
    const char *first = NULL;

    for (guint i = 0; i < run->events->len; i++)
      {
        JsonObject *event = g_ptr_array_index (run->events, i);
        const char *path;

        if (g_strcmp0 (json_object_get_string_member (event, "event"), "test-started") != 0)
          continue;
        path = json_object_get_string_member (event, "path");
        if (first == NULL)
          first = path;
        if (g_str_has_prefix (path, "/order/steps/"))
          tally_assert_cmpint (atoi (path + strlen ("/order/steps/")), ==, ++step);
      }
    tally_assert_cmpstr (first, ==, "/order/steps/1");
    tally_assert_cmpuint (step, ==, 4);
  }
}

/* Tests under a millisecond keep their listing order with history:
 * ordering them by noise would gain nothing and cost the store's
 * read-ahead and the program's locality. Those that took longer in the
 * first round (a worker's first test, or a slow machine) may move. */
static void
test_short_tests_keep_order (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-many");
  g_autofree char *db = tally_util_db_path (t);
  const char *envp[] = { "SAMPLE_MANY_N=200", NULL };
  g_autoptr(GHashTable) short_ones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *last = NULL;
  guint in_order = 0;

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "-n", "1", "--json", "-m", "not slow",
                                                "--db", db, program, NULL);

      tally_assert_cmpint (run->status, ==, 0);
      tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 180);
      for (guint i = 0; i < run->events->len; i++)
        {
          JsonObject *event = g_ptr_array_index (run->events, i);
          const char *kind = json_object_get_string_member (event, "event");
          const char *path;

          path = json_object_has_member (event, "path") ? json_object_get_string_member (event, "path") : NULL;
          if (round == 0 && g_strcmp0 (kind, "test-finished") == 0
              && tally_util_member_int (run, path, "duration_us") < 1000)
            g_hash_table_add (short_ones, g_strdup (path));
          if (round == 0 || g_strcmp0 (kind, "test-started") != 0
              || !g_hash_table_contains (short_ones, path))
            continue;
          /* Registration order is the paths' order (the quoted paths
           * are marked slow too, and not selected). */
          if (last != NULL && strcmp (last, path) >= 0)
            tally_fail ("%s started after %s, though both took under 1 ms", path, last);
          g_free (last);
          last = g_strdup (path);
          in_order++;
        }
    }
  /* Most trivial tests are short, even under a sanitizer. */
  tally_assert_cmpuint (in_order, ==, g_hash_table_size (short_ones));
  tally_assert_cmpuint (in_order, >=, 90);
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

/* A program that reading cannot place (a script) runs once, to list it
 * with --tally-list: never a second time with -l. The error line says
 * what it was taken for. */
static void
test_unknown_program_runs_once (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *script = g_build_filename (tally_test_get_tmpdir (t), "probe.sh", NULL);
  g_autofree char *count = g_build_filename (tally_test_get_tmpdir (t), "runs", NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\necho \"$@\" >> '%s'\necho hello\n", count);
  g_autofree char *runs = NULL;
  g_autoptr(TallyRun) run = NULL;

  tally_assert_true (g_file_set_contents (script, text, -1, NULL));
  tally_assert_cmpint (g_chmod (script, 0755), ==, 0);
  run = tally_util_run (t, NULL, tally, "run", "--no-db", script, NULL);

  tally_assert_cmpint (run->status, !=, 0);
  tally_assert_true (g_file_get_contents (count, &runs, NULL, NULL));
  tally_assert_cmpstr (runs, ==, "--tally-list\n");
  tally_assert_nonnull (strstr (run->err, "read as not an ELF file (a script?), and run once with --tally-list"));
}

/* `tally list -v` says what each program was taken for, and why. */
static void
test_list_says_what_a_program_is (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *native = tally_util_sample ("sample-order");
  g_autofree char *gtest = tally_util_sample ("gtest-sample");
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "list", "-v", native, gtest, NULL);
  g_autofree char *native_line = g_strdup_printf ("# %s: read as a Tally program (links libtally-1)\n", native);
  g_autofree char *gtest_line = g_strdup_printf ("# %s: read as a GTest binary (calls g_test_init)\n", gtest);

  g_autoptr(TallyRun) verbose = tally_util_run (t, NULL, tally, "run", "-v", "--no-db", "-k", "single/0",
                                                native, NULL);
  g_autofree char *run_line = g_strdup_printf ("%s: read as a Tally program (links libtally-1)\n", native);

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_nonnull (strstr (run->out, native_line));
  tally_assert_nonnull (strstr (run->out, gtest_line));
  /* `tally run -v` says it too. */
  tally_assert_cmpint (verbose->status, ==, 0);
  tally_assert_true (g_str_has_prefix (verbose->out, run_line));
}

/* `tally history` counts runs, not the --repeat results inside them. */
static void
test_history_counts_runs (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *tally = tally_util_tally_bin ();
  g_autoptr(TallyRun) repeated = run_order (t, db, "--repeat=3", "--keyword=single/0");
  g_autoptr(TallyRun) once = run_order (t, db, "-k", "single/0");
  g_autoptr(TallyRun) history = tally_util_run (t, NULL, tally, "history", "--db", db, "/order/single/0", NULL);

  tally_assert_cmpint (repeated->status, ==, 0);
  tally_assert_cmpint (once->status, ==, 0);
  tally_assert_nonnull (strstr (history->out, " 2 runs (4 results: --repeat), 0 failures"));
}

static void
register_tests (void)
{
  tally_add ("/scheduling/group/history", test_group_order_with_history, NULL);
  tally_add ("/scheduling/group/random", test_group_order_random, NULL);
  tally_add ("/scheduling/short-tests-keep-order", test_short_tests_keep_order, NULL);
  tally_add ("/scheduling/retries-marker", test_retries_marker, NULL);
  tally_add ("/scheduling/console/retry-and-seed", test_console_retry_and_seed, NULL);
  tally_add ("/scheduling/stepwise/no-critical", test_stepwise_no_critical, NULL);
  tally_add ("/scheduling/discovery/unknown-runs-once", test_unknown_program_runs_once, NULL);
  tally_add ("/scheduling/discovery/list-says-kind", test_list_says_what_a_program_is, NULL);
  tally_add ("/scheduling/history/counts-runs", test_history_counts_runs, NULL);
}

TALLY_MAIN (register_tests)
