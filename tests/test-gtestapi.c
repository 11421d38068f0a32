/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Real GLib test code under Tally (issue 15 items 1, 3, 7, 9, 11): runs
 * tests/samples/sample-gtestapi under `tally run -n 2` (real worker
 * processes) and standalone, and checks every outcome and message. */
#include <tally.h>

#include "tally-test-util.h"

typedef struct
{
  const char *path;
  const char *outcome;
  const char *message;           /* a glob on the result's message */
} Expected;

static const Expected expected[] = {
  /* item 1: the assertion's own message, not a crash; the next test in
   * the same worker passes and saw no callback run */
  { "/pending/assert-before-await", "failed", "assertion failed: (1 + 1 == 3): (2 == 3)" },
  { "/pending/next-passes", "passed", NULL },
  /* item 3 */
  { "/gtest/fail", "failed", "g_test_fail() was called" },
  { "/gtest/fail-printf", "failed", "custom failure 42" },
  { "/gtest/skip", "skipped", "not on this machine" },
  { "/gtest/skip-printf", "skipped", "needs a printer" },
  { "/gtest/incomplete", "xfailed", "incomplete: half done" },
  { "/gtest/failed", "skipped", "now skipped" },
  { "/gtest/metadata", "passed", NULL },
  { "/gtest/build-filename", "passed", NULL },
  { "/gtest/rand", "passed", NULL },
  { "/gtest/expect-message", "passed", NULL },
  { "/gtest/expect-message-unmet", "failed", "expected critical message in domain Sample matching \"never logged\"*" },
  { "/gtest/trap/failing-child", "passed", NULL },
  { "/gtest/trap/passing-child", "passed", NULL },
  { "/gtest/trap/passing-child/subprocess", "skipped", "runs only as a child of g_test_trap_subprocess()" },
  { "/gtest/trap/timeout", "passed", NULL },
  { "/gtest/g-assert", "failed", "assertion failed (2 + 2 == 5): (4 == 5)" },
  { "/gtest/unsupported", "failed", "g_test_trap_fork() is not supported in a Tally test; use g_test_trap_subprocess()" },
  { "/gtest/fixture", "passed", NULL },
  /* item 7 */
  { "/thread/assert-in-gthread", "failed", "assertion failed (\"thread\" == \"main\")*" },
  { "/thread/assert-in-gtask-thread", "failed", "assertion failed: (*== 0): (5 == 0)" },
  { "/late/a", "passed", NULL },
  { "/late/b", "passed", NULL },
  /* item 9 */
  { "/async/slots", "passed", NULL },
  { "/async/await-timeout", "failed", "awaiting the async slot “late”: no result within 0.2 s" },
  { "/async/single-await-timeout", "passed", NULL },
  /* item 11 */
  { "/assert/more-pass", "passed", NULL },
  { "/assert/more-fail/[cmpmem]", "failed", "assertion failed (\"abc\" == \"abd\"): first difference at byte 2: 0x63 != 0x64" },
  { "/assert/more-fail/[cmpmem-length]", "failed", "assertion failed (\"abc\" == \"ab\"): lengths differ: 3 != 2" },
  { "/assert/more-fail/[cmpstrv]", "failed", "assertion failed (a == b): first difference at index 1: \"y\" != \"z\"" },
  { "/assert/more-fail/[cmpvariant]", "failed", "assertion failed (v1 == v2): 1 does not equal 2" },
  { "/assert/more-fail/[epsilon]", "failed", "assertion failed (1.0 == 1.5 (+/- 0.1))*" },
  { "/assert/more-fail/[not-reached]", "xfailed", "code should not be reached" },
  { "/params/fixture/[one]", "passed", NULL },
  { "/params/fixture/[two]", "passed", NULL },
};

static const char * const sample_env[] = {
  "G_TEST_SRCDIR=/srcdir/of/the/sample",
  "G_TEST_BUILDDIR=/builddir/of/the/sample",
  NULL,
};

static void
test_under_workers (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-gtestapi");
  g_autoptr(TallyRun) run = tally_util_run (t, sample_env, tally, "run", "-n", "2", "--no-db",
                                            "--json", program, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const char *message = tally_util_member_str (run, expected[i].path, "message");

      tally_assert_cmpstr (tally_util_outcome (run, expected[i].path), ==, expected[i].outcome);
      if (expected[i].message != NULL)
        {
          tally_assert_nonnull (message);
          if (!g_pattern_match_simple (expected[i].message, message))
            tally_fail ("%s: message “%s” does not match “%s”", expected[i].path, message,
                        expected[i].message);
        }
    }

  /* A thread's failure ends its test at once, not at the 30 s deadline. */
  tally_assert_cmpint (tally_util_member_int (run, "/thread/assert-in-gthread", "duration_us"),
                       <, 10 * G_USEC_PER_SEC);
  tally_assert_cmpint (tally_util_member_int (run, "/thread/assert-in-gtask-thread", "duration_us"),
                       <, 10 * G_USEC_PER_SEC);
  tally_assert_cmpint (run->status, ==, 1);
}

static void
test_standalone (TallyTest *t, gconstpointer data)
{
  g_autofree char *program = tally_util_sample ("sample-gtestapi");
  g_autoptr(TallyRun) run = tally_util_run (t, sample_env, program, NULL);
  g_auto(GStrv) lines = NULL;
  guint n_results = 0;

  lines = g_strsplit (run->out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "ok ") || g_str_has_prefix (lines[i], "not ok "))
      n_results++;
    else if (g_str_has_prefix (lines[i], "Bail out!"))
      tally_fail ("%s; the program's output (the crash and its stderr):\n%s", lines[i], run->out);

  /* Every test reported, in order: nothing crashed, nothing bailed out. */
  tally_assert_cmpuint (n_results, ==, G_N_ELEMENTS (expected));
  tally_assert_nonnull (strstr (run->out, "not ok 1 /pending/assert-before-await\n"));
  tally_assert_nonnull (strstr (run->out, "\nok 2 /pending/next-passes\n"));
  tally_assert_nonnull (strstr (run->out, "# SKIP not on this machine"));
  tally_assert_nonnull (strstr (run->out, "/gtest/incomplete # TODO incomplete: half done"));
  tally_assert_nonnull (strstr (run->out, "destroyed without running: “[gio] (unnamed) complete_in_idle_cb”"));
  tally_assert_nonnull (strstr (run->err, "custom failure 42"));
  tally_assert_cmpint (run->status, ==, 1);
}

static char *
rand_line (TallyTest  *t,
           const char *seed)
{
  g_autofree char *program = tally_util_sample ("sample-gtestapi");
  g_autofree char *seed_arg = g_strdup_printf ("--seed=%s", seed);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, program, "-v", "-p", "/gtest/rand",
                                            seed_arg, NULL);
  /* "#   message  (no domain): rand: …", not the seed's record. */
  const char *line = strstr (run->out, "(no domain): rand: ");

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_nonnull (line);
  line += strlen ("(no domain): ");
  return g_strndup (line, strcspn (line, "\n"));
}

/* Under `tally run --seed`, in a worker process. */
static char *
rand_line_under_workers (TallyTest  *t,
                         const char *seed)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-gtestapi");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "1", "--json", "--db", db,
                                            "--seed", seed, "-k", "gtest and rand", program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 result_id = tally_util_member_int (run, "/gtest/rand", "result_id");

  tally_assert_cmpint (run->status, ==, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  logs = tally_store_get_logs (store, result_id, &error);
  tally_assert_no_error (error);
  for (guint i = 0; i < logs->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (logs, i);

      if (g_str_has_prefix (record->message, "rand: "))
        return g_strdup (record->message);
    }
  tally_fail ("no “rand:” record among the %u of /gtest/rand", logs->len);
}

static void
test_rand_reproducible (TallyTest *t, gconstpointer data)
{
  g_autofree char *a = rand_line (t, "20261207");
  g_autofree char *b = rand_line (t, "20261207");
  g_autofree char *c = rand_line (t, "R02Sfedcba9876543210fedcba9876543210");

  g_autofree char *d = rand_line_under_workers (t, "20261207");

  tally_assert_cmpstr (a, ==, b);
  tally_assert_cmpstr (a, !=, c);
  /* The same numbers in a worker of `tally run --seed`. */
  tally_assert_cmpstr (d, ==, a);
}

/* The real GLib test files of tests/ported/, under two workers: every
 * test passes (tests/ported/meson.build runs them standalone). */
static void
test_ported_under_workers (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *error_tests = tally_util_build_path ("tests/ported/ported-glib-error");
  g_autofree char *stream_tests = tally_util_build_path ("tests/ported/ported-gio-memory-input-stream");
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "2", "--no-db", "--json",
                                            error_tests, stream_tests, NULL);
  GHashTableIter iter;
  gpointer path;

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 11 + 6);
  g_hash_table_iter_init (&iter, run->finished);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    tally_assert_cmpstr (tally_util_outcome (run, path), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/error/extended/duplicate"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/memory-input-stream/async"), ==, "passed");
}

/* A GTest suite built by hand cannot become Tally tests: the program says
 * so and which calls to use, instead of running fewer tests. */
static void
test_suites_refused (TallyTest *t, gconstpointer data)
{
  g_autofree char *program = tally_util_sample ("sample-gtestapi");
  const char * const env[] = { "SAMPLE_GTEST_SUITE=1", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, env, program, NULL);

  tally_assert_cmpint (run->status, ==, 4);
  tally_assert_nonnull (strstr (run->err, "g_test_suite_add() is not supported in a Tally program; "
                                          "use g_test_add_func(), g_test_add() or tally_add*()"));
  tally_assert_null (strstr (run->out, "ok "));
}

/* g_test_bug() and g_test_summary() are metadata of the case in the
 * JUnit report, where CI shows them, not only lines of its log. */
static void
test_metadata_in_junit (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-gtestapi");
  g_autofree char *junit = g_build_filename (tally_test_get_tmpdir (t), "junit.xml", NULL);
  g_autofree char *junit_arg = g_strconcat ("--junit-xml=", junit, NULL);
  g_autoptr(TallyRun) run = tally_util_run (t, sample_env, tally, "run", "-n", "1", "--no-db",
                                            "-k", "metadata", junit_arg, program, NULL);
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  const char *metadata_case;

  tally_assert_cmpint (run->status, ==, 0);
  g_file_get_contents (junit, &xml, NULL, &error);
  tally_assert_no_error (error);
  metadata_case = strstr (xml, "name=\"/gtest/metadata\"");
  tally_assert_nonnull (metadata_case);
  tally_assert_nonnull (strstr (metadata_case, "<property name=\"bug\" value=\"https://bugs.example.org/123\"/>"));
  tally_assert_nonnull (strstr (metadata_case,
                                "<property name=\"summary\" value=\"checks the metadata calls\"/>"));
}

static void
register_tests (void)
{
  tally_add ("/gtestapi/under-workers", test_under_workers, "timeout=120");
  tally_add ("/gtestapi/standalone", test_standalone, "timeout=120");
  tally_add ("/gtestapi/rand-reproducible-with-seed", test_rand_reproducible, NULL);
  tally_add ("/gtestapi/suites-refused", test_suites_refused, NULL);
  tally_add ("/gtestapi/metadata-in-junit", test_metadata_in_junit, NULL);
  tally_add ("/gtestapi/ported-under-workers", test_ported_under_workers, "timeout=120");
}

TALLY_MAIN (register_tests)
