/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Worker fixtures that fail (setup: `error`; teardown: a stored `error`
 * result, like pytest's "ERROR at teardown") and tests that get a process
 * of their own (the `forked` marker, `tally run --forked`), through
 * tests/samples/sample-isolation.c. */
#include <string.h>

#include "tally-test-util.h"

static TallyRun *
run_sample (TallyTest  *t,
            const char *which,
            const char *extra)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-isolation");
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *setting = g_strdup_printf ("SAMPLE_ISOLATION=%s", which);
  const char *envp[] = { setting, NULL };

  return tally_util_run (t, envp, tally, "run", "-n", "2", "--json", "--db", db,
                         "--junit-xml", "junit.xml", extra ? extra : "-q", program, NULL);
}

static void
test_fixture_setup_error (TallyTest    *t,
                          gconstpointer data)
{
  g_autoptr(TallyRun) run = run_sample (t, "fixtures", NULL);

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpstr (tally_util_outcome (run, "/fixture/broken/a"), ==, "error");
  tally_assert_cmpstr (tally_util_outcome (run, "/fixture/broken/b"), ==, "error");
  tally_assert_nonnull (strstr (tally_util_member_str (run, "/fixture/broken/a", "message"),
                                "worker fixture “broken” failed to set up: the database is not running"));
  tally_assert_cmpstr (tally_util_outcome (run, "/fixture/noisy"), ==, "passed");
}

static void
test_fixture_teardown_error (TallyTest    *t,
                             gconstpointer data)
{
  /* --retries: a teardown's error is never retried (nothing to rerun). */
  g_autoptr(TallyRun) run = run_sample (t, "fixtures", "--retries=2");
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *junit_path = g_build_filename (tally_test_get_tmpdir (t), "junit.xml", NULL);
  g_autofree char *junit = NULL;
  g_autoptr(TallyRun) show = NULL;
  const char *noisy = "[teardown of worker fixture “noisy”]";
  const char *strict = "[teardown of worker fixture “strict”]";

  /* --json */
  tally_assert_cmpstr (tally_util_outcome (run, noisy), ==, "error");
  tally_assert_nonnull (strstr (tally_util_member_str (run, noisy, "message"),
                                "unexpected WARNING: closing noisy: connection reset by peer"));
  tally_assert_cmpstr (tally_util_outcome (run, strict), ==, "error");
  tally_assert_nonnull (strstr (tally_util_member_str (run, strict, "message"),
                                "assertion failed: (open_handles == 0)"));

  /* JUnit */
  tally_assert_true (g_file_get_contents (junit_path, &junit, NULL, NULL));
  tally_assert_nonnull (strstr (junit, "teardown of worker fixture “noisy”"));

  /* stored: tally show reads the database */
  show = tally_util_run (t, NULL, tally, "show", "--db", db, NULL);
  tally_assert_nonnull (strstr (show->out, noisy));
  tally_assert_nonnull (strstr (show->out, "connection reset by peer"));
}

/* --lf after a run whose only failure was a teardown: the program's
 * tests run again (the fixture is set up and torn down again). */
static void
test_fixture_teardown_last_failed (TallyTest    *t,
                                   gconstpointer data)
{
  g_autoptr(TallyRun) first = run_sample (t, "fixtures", "--keyword=noisy");
  g_autoptr(TallyRun) again = run_sample (t, "fixtures", "--lf");

  tally_assert_cmpstr (tally_util_outcome (first, "/fixture/noisy"), ==, "passed");
  tally_assert_null (g_hash_table_lookup (first->finished, "/fixture/strict"));
  tally_assert_cmpint (again->status, ==, 1);
  tally_assert_cmpstr (tally_util_outcome (again, "/fixture/noisy"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (again, "[teardown of worker fixture “noisy”]"), ==, "error");
}

/* Standalone: a TAP comment, and the program fails. */
static void
test_fixture_teardown_standalone (TallyTest    *t,
                                  gconstpointer data)
{
  g_autofree char *program = tally_util_sample ("sample-isolation");
  const char *envp[] = { "SAMPLE_ISOLATION=fixtures", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, program, "-p", "/fixture/noisy", NULL);

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_nonnull (strstr (run->out, "ok 1 /fixture/noisy"));
  tally_assert_nonnull (strstr (run->out, "# ERROR at teardown of worker fixture “noisy”"));
}

/* Without isolation, workers are reused: static state leaks between
 * tests. With the marker, or --forked, each test has a process of its own. */
static void
test_forked (TallyTest    *t,
             gconstpointer data)
{
  g_autoptr(TallyRun) shared = run_sample (t, "plain", "--workers=1");
  g_autoptr(TallyRun) marker = run_sample (t, "forked", NULL);
  g_autoptr(TallyRun) option = run_sample (t, "plain", "--forked");
  const char *paths[] = { "/static/a", "/static/b", "/static/c", "/static/d" };
  guint shared_passed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      tally_assert_cmpstr (tally_util_outcome (marker, paths[i]), ==, "passed");
      tally_assert_cmpstr (tally_util_outcome (option, paths[i]), ==, "passed");
      shared_passed += g_strcmp0 (tally_util_outcome (shared, paths[i]), "passed") == 0;
    }
  tally_assert_cmpuint (shared_passed, <, G_N_ELEMENTS (paths));
  tally_assert_cmpint (option->status, ==, 0);
}

/* A forked test that crashes costs its own process: its log is kept and
 * the worker goes on. */
static void
test_forked_crash (TallyTest    *t,
                   gconstpointer data)
{
  g_autoptr(TallyRun) run = run_sample (t, "forked", NULL);
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (db, &error);
  g_autoptr(GPtrArray) logs = NULL;

  tally_assert_no_error (error);
  tally_assert_cmpstr (tally_util_outcome (run, "/forked/crash"), ==, "crashed");
  tally_assert_nonnull (strstr (tally_util_member_str (run, "/forked/crash", "message"),
                                "died of signal 6"));
  tally_assert_cmpstr (tally_util_outcome (run, "/forked/after"), ==, "passed");
  logs = tally_util_stored_logs (store, run, "/forked/crash");
  tally_assert_cmpuint (logs->len, ==, 1);
}

/* Standalone (meson test) honours the marker too: the test runs as
 * `PROGRAM -p PATH` and its TAP is relayed, renumbered. */
static void
test_forked_standalone (TallyTest    *t,
                        gconstpointer data)
{
  g_autofree char *program = tally_util_sample ("sample-isolation");
  const char *forked_env[] = { "SAMPLE_ISOLATION=forked", NULL };
  const char *plain_env[] = { "SAMPLE_ISOLATION=plain", NULL };
  g_autoptr(TallyRun) forked = tally_util_run (t, forked_env, program, NULL);
  g_autoptr(TallyRun) plain = tally_util_run (t, plain_env, program, NULL);

  tally_assert_nonnull (strstr (forked->out, "1..6\n"));
  tally_assert_nonnull (strstr (forked->out, "\nok 2 /static/b\n"));
  tally_assert_nonnull (strstr (forked->out, "\nok 4 /static/d\n"));
  tally_assert_nonnull (strstr (forked->out, "\nnot ok 5 /forked/crash # crashed"));
  tally_assert_nonnull (strstr (forked->out, "\nok 6 /forked/after\n"));
  tally_assert_null (strstr (forked->out, "\nBail out!"));
  tally_assert_nonnull (strstr (forked->out, "# 5 passed, 1 failed"));
  tally_assert_cmpint (forked->status, ==, 1);

  tally_assert_nonnull (strstr (plain->out, "\nnot ok 2 /static/b\n"));
}

static void
register_tests (void)
{
  tally_add ("/isolation/fixture/setup-error", test_fixture_setup_error, "timeout=30");
  tally_add ("/isolation/fixture/teardown-error", test_fixture_teardown_error, "timeout=30");
  tally_add ("/isolation/fixture/teardown-last-failed", test_fixture_teardown_last_failed, "timeout=30");
  tally_add ("/isolation/fixture/teardown-standalone", test_fixture_teardown_standalone, "timeout=30");
  tally_add ("/isolation/forked", test_forked, "timeout=60");
  tally_add ("/isolation/forked-crash", test_forked_crash, "timeout=30");
  tally_add ("/isolation/forked-standalone", test_forked_standalone, "timeout=30");
}

TALLY_MAIN (register_tests)
