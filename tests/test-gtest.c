/* `tally run` on tests written without Tally: plain GTest binaries (per
 * test case: outcomes, logs, output, crashes, timeouts), plain programs,
 * a meson build directory and an installed-tests directory. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>

#include "tally-store-private.h"
#include "tally-test-util.h"

/* The test-finished event of the test whose program ends with @program
 * (NULL: any) and whose path is @path. */
static JsonObject *
finished (TallyRun   *run,
          const char *program,
          const char *path)
{
  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (run->events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "test-finished") != 0)
        continue;
      if (g_strcmp0 (json_object_get_string_member_with_default (event, "path", ""), path) != 0)
        continue;
      if (program && !g_str_has_suffix (json_object_get_string_member_with_default (event, "program", ""), program))
        continue;
      return event;
    }
  return NULL;
}

static const char *
outcome_of (TallyRun   *run,
            const char *program,
            const char *path)
{
  JsonObject *event = finished (run, program, path);

  if (event == NULL)
    tally_fail ("no result for %s::%s; stderr was:\n%s", program, path, run->err);
  return json_object_get_string_member (event, "outcome");
}

static GBytes *
stored_output (TallyStore  *store,
               TallyRun    *run,
               const char  *path,
               TallyStream  stream)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = tally_store_get_output (store, tally_util_member_int (run, path, "result_id"),
                                          stream, &error);

  tally_assert_no_error (error);
  return bytes;
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  return bytes && g_strstr_len (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), needle);
}

static TallyLogRecord *
find_record (GPtrArray  *logs,
             const char *message)
{
  for (guint i = 0; i < logs->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (logs, i);

      if (g_strcmp0 (record->message, message) == 0)
        return record;
    }
  return NULL;
}

/* --- one GTest binary, case by case -------------------------------------- */

static void
test_per_case_outcomes (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-sample");
  g_autofree char *db = tally_util_db_path (t);
  const char *envp[] = { "GTEST_SAMPLE_WILD=1", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "-n", "2", "--json", "--timeout", "5",
                                            "--db", db, program, NULL);

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/pass"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/skip"), ==, "skipped");
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/log"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/zz-after"), ==, "passed");

  /* g_assert in a GTest binary: a failure with message and location. */
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/fail"), ==, "failed");
  tally_assert_nonnull (strstr (tally_util_member_str (run, "/sample/fail", "message"), "answer == 42"));
  tally_assert_true (g_str_has_suffix (tally_util_member_str (run, "/sample/fail", "file"), "gtest-sample.c"));
  tally_assert_cmpint (tally_util_member_int (run, "/sample/fail", "line"), >, 0);

  /* A crash costs its own case; a hang its own case, as a timeout. */
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/crash"), ==, "crashed");
  tally_assert_cmpint (tally_util_member_int (run, "/sample/crash", "signal"), ==, SIGSEGV);
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/hang"), ==, "timeout");
}

/* A hung case's log ends with what each thread of its process was
 * blocked in when Tally stopped it: here the main thread in read() on a
 * pipe, the other in futex() on the mutex the main thread holds. */
static void
test_timeout_names_threads (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-stuck");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "1", "--json", "--timeout", "2",
                                            "--db", db, program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(GPtrArray) after_logs = NULL;
  const char *described = NULL;
  const char *line;
  g_autofree char *main_line = NULL;

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpstr (outcome_of (run, NULL, "/stuck/deadlock"), ==, "timeout");
  tally_assert_cmpstr (outcome_of (run, NULL, "/stuck/zz-after"), ==, "passed");

  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  logs = tally_util_stored_logs (store, run, "/stuck/deadlock");
  tally_assert_cmpuint (logs->len, >=, 1);
  for (guint i = 0; i < logs->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (logs, i);

      if (g_strcmp0 (record->domain, "Tally") == 0 && g_str_has_prefix (record->message, "stopped after"))
        described = record->message;
    }
  tally_assert_nonnull (described);
  tally_assert_nonnull (strstr (described, "what its threads were blocked in (pid "));

  /* The main thread (listed first) in read() on the pipe… */
  line = strchr (described, '\n');
  tally_assert_nonnull (line);
  main_line = g_strndup (line + 1, strcspn (line + 1, "\n"));
  tally_assert_nonnull (strstr (main_line, " gtest-stuck: read("));
  tally_assert_nonnull (strstr (main_line, " → pipe:["));
  /* …and the other thread in futex(), by name. */
  tally_assert_nonnull (strstr (described, " stuck-locker: futex(0x"));
  tally_assert_nonnull (strstr (described, "FUTEX_WAIT"));

  /* Only the stopped case is described. */
  after_logs = tally_util_stored_logs (store, run, "/stuck/zz-after");
  for (guint i = 0; i < after_logs->len; i++)
    tally_assert_null (strstr (((TallyLogRecord *) g_ptr_array_index (after_logs, i))->message, "blocked in"));
}

static void
test_per_case_logs_and_output (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-sample");
  g_autofree char *db = tally_util_db_path (t);
  const char *envp[] = { "GTEST_SAMPLE_WILD=1", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "-n", "1", "--json", "--db", db,
                                            "-k", "not hang", program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pass_logs = NULL;
  g_autoptr(GPtrArray) log_logs = NULL;
  g_autoptr(GBytes) pass_out = NULL;
  g_autoptr(GBytes) pass_err = NULL;
  g_autoptr(GBytes) fail_out = NULL;
  g_autoptr(GBytes) after_out = NULL;
  g_autoptr(GBytes) crash_err = NULL;
  TallyLogRecord *record;

  tally_assert_cmpint (run->status, ==, 1);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);

  /* Each case has its own stdout and stderr, without GTest's TAP. */
  pass_out = stored_output (store, run, "/sample/pass", TALLY_STREAM_STDOUT);
  pass_err = stored_output (store, run, "/sample/pass", TALLY_STREAM_STDERR);
  fail_out = stored_output (store, run, "/sample/fail", TALLY_STREAM_STDOUT);
  after_out = stored_output (store, run, "/sample/zz-after", TALLY_STREAM_STDOUT);
  crash_err = stored_output (store, run, "/sample/crash", TALLY_STREAM_STDERR);
  tally_assert_true (bytes_contain (pass_out, "stdout of pass"));
  tally_assert_false (bytes_contain (pass_out, "ok 1"));
  tally_assert_false (bytes_contain (pass_out, "stdout of fail"));
  tally_assert_true (bytes_contain (pass_err, "stderr of pass"));
  tally_assert_true (bytes_contain (fail_out, "stdout of fail"));
  tally_assert_true (bytes_contain (after_out, "stdout of after"));
  tally_assert_false (bytes_contain (after_out, "stdout of pass"));
  tally_assert_true (bytes_contain (crash_err, "last words of crash"));

  /* GLib's messages become log records with level and domain, once. */
  pass_logs = tally_util_stored_logs (store, run, "/sample/pass");
  record = find_record (pass_logs, "message of pass");
  tally_assert_nonnull (record);
  tally_assert_cmpint (record->level, ==, G_LOG_LEVEL_MESSAGE);
  tally_assert_cmpstr (record->domain, ==, "Sample");
  tally_assert_cmpuint (pass_logs->len, ==, 1);

  log_logs = tally_util_stored_logs (store, run, "/sample/log");
  record = find_record (log_logs, "warning of log");
  tally_assert_nonnull (record);
  tally_assert_cmpint (record->level, ==, G_LOG_LEVEL_WARNING);
  tally_assert_nonnull (find_record (log_logs, "message of log"));
  tally_assert_null (find_record (log_logs, "expected warning 1"));
}

/* A result's stored stdout or stderr, as text ("" when none). */
static char *
stored_text (TallyStore  *store,
             JsonObject  *finished,
             TallyStream  stream)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tally_store_get_output (store, json_object_get_int_member (finished, "result_id"),
                                                    stream, &error);
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  tally_assert_no_error (error);
  return g_strndup (data ? data : "", len);
}

/* The test-finished events of a --json run, one by one. */
static JsonObject *
next_finished (TallyRun *run,
               guint    *i)
{
  while (*i < run->events->len)
    {
      JsonObject *event = g_ptr_array_index (run->events, (*i)++);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "test-finished") == 0)
        return event;
    }
  return NULL;
}

/* stdout and stderr of a GTest process are two pipes; many short cases
 * in one process, each writing to both at its start and its end: every
 * case's stored output is exactly its own, in every repetition. */
static void
test_per_case_streams_exact (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-streams");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "1", "--json", "--repeat", "4",
                                            "--db", db, program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *event;
  guint n_checked = 0;

  tally_assert_cmpint (run->status, ==, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);

  for (guint i = 0; (event = next_finished (run, &i)) != NULL;)
    {
      const char *path = json_object_get_string_member (event, "path");
      g_autofree char *out_text = stored_text (store, event, TALLY_STREAM_STDOUT);
      g_autofree char *err_text = stored_text (store, event, TALLY_STREAM_STDERR);
      g_autofree char *want_out = NULL;
      g_autofree char *want_err = NULL;
      guint n;

      tally_assert_true (g_str_has_prefix (path, "/streams/"));
      tally_assert_cmpstr (json_object_get_string_member (event, "outcome"), ==, "passed");
      if (g_str_has_prefix (path, "/streams/random/"))
        {
          want_out = g_strdup ("stdout random\n");
          want_err = g_strdup ("stderr random\n");
        }
      else
        {
          n = atoi (path + strlen ("/streams/"));
          want_out = g_strdup_printf ("stdout %03u\n", n);
          want_err = n % 3 == 0 ? g_strdup_printf ("stderr begin %03u\nstderr tail %03u", n, n)
                                : g_strdup_printf ("stderr begin %03u\nstderr end %03u\n", n, n);
        }
      tally_assert_cmpstr (out_text, ==, want_out);
      tally_assert_cmpstr (err_text, ==, want_err);
      n_checked++;
    }
  tally_assert_cmpuint (n_checked, ==, 4 * 151);
}

/* A program that closes the descriptor GLib's test log goes to loses
 * the end-of-case frames: its cases still all get their results, in
 * time, with their own stdout. */
static void
test_per_case_streams_log_closed (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-streams");
  g_autofree char *db = tally_util_db_path (t);
  const char *envp[] = { "GTEST_STREAMS_CLOSE_PIPES=1", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "-n", "1", "--json", "--timeout", "20",
                                            "--db", db, program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *event;
  guint n_checked = 0;

  tally_assert_cmpint (run->status, ==, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  for (guint i = 0; (event = next_finished (run, &i)) != NULL;)
    {
      const char *path = json_object_get_string_member (event, "path");
      g_autofree char *out_text = stored_text (store, event, TALLY_STREAM_STDOUT);
      g_autofree char *want = NULL;

      tally_assert_cmpstr (json_object_get_string_member (event, "outcome"), ==, "passed");
      want = g_str_has_prefix (path, "/streams/random/") ? g_strdup ("stdout random\n")
             : g_strdup_printf ("stdout %03d\n", atoi (path + strlen ("/streams/")));
      tally_assert_cmpstr (out_text, ==, want);
      n_checked++;
    }
  tally_assert_cmpuint (n_checked, ==, 151);
}

/* The process ids the cases of a gtest-streams run logged ("pid N"),
 * one per test-finished event. */
static GPtrArray *
case_pids (TallyRun   *run,
           TallyStore *store)
{
  GPtrArray *pids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (run->events, i);
      g_autoptr(GPtrArray) logs = NULL;
      g_autoptr(GError) error = NULL;
      const char *pid = NULL;

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "test-finished") != 0)
        continue;
      logs = tally_store_get_logs (store, json_object_get_int_member (event, "result_id"), &error);
      tally_assert_no_error (error);
      for (guint j = 0; j < logs->len; j++)
        {
          TallyLogRecord *record = g_ptr_array_index (logs, j);

          if (g_str_has_prefix (record->message, "pid "))
            pid = record->message;
        }
      tally_assert_nonnull (pid);
      g_ptr_array_add (pids, g_strdup (pid));
    }
  return pids;
}

/* A batch that is the whole program runs as one process without -p (as
 * gnome-desktop-testing-runner runs it); a case named after a random
 * seed still gets its result. With two workers the program is split. */
static void
test_whole_program (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-streams");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) one = tally_util_run (t, NULL, tally, "run", "-n", "1", "--json",
                                            "--db", db, program, NULL);
  g_autoptr(TallyRun) two = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pids = NULL;
  g_autoptr(GHashTable) distinct = g_hash_table_new (g_str_hash, g_str_equal);

  tally_assert_cmpint (one->status, ==, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  pids = case_pids (one, store);
  tally_assert_cmpuint (pids->len, ==, 151);
  for (guint i = 0; i < pids->len; i++)
    tally_assert_cmpstr (g_ptr_array_index (pids, i), ==, g_ptr_array_index (pids, 0));
  g_clear_pointer (&store, tally_store_close);
  g_clear_pointer (&pids, g_ptr_array_unref);

  two = tally_util_run (t, NULL, tally, "run", "-n", "2", "--json", "--db", db, program, NULL);
  tally_assert_cmpint (two->status, ==, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  pids = case_pids (two, store);
  tally_assert_cmpuint (pids->len, ==, 151);
  for (guint i = 0; i < pids->len; i++)
    g_hash_table_add (distinct, g_ptr_array_index (pids, i));
  tally_assert_cmpuint (g_hash_table_size (distinct), >=, 2);
}

static void
test_markers_file (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-sample");
  g_autofree char *markers = g_build_filename (tally_test_get_tmpdir (t), "markers.ini", NULL);
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(TallyRun) list = NULL;

  g_file_set_contents (markers, "[markers]\n*::/sample/s* = slow\n*::/sample/fail = xfail\n", -1, NULL);
  run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", "--gtest", "--strict-markers",
                        "--markers-file", markers, "-m", "gtest and not slow", program, NULL);
  list = tally_util_run (t, NULL, tally, "list", "--markers-file", markers, program, NULL);

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_null (g_hash_table_lookup (run->finished, "/sample/skip"));
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/pass"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/fail"), ==, "xfailed");
  tally_assert_nonnull (strstr (list->out, "::/sample/skip  [gtest slow]"));
}

/* --- bad input ----------------------------------------------------------- */

static void
test_bad_programs (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *good = tally_util_sample ("gtest-sample");
  g_autofree char *plain = tally_util_sample ("plain-sample");
  g_autofree char *crasher = g_build_filename (tally_test_get_tmpdir (t), "crasher", NULL);
  g_autoptr(TallyRun) run = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_errors = 0;

  g_file_set_contents (crasher, "#!/bin/sh\nkill -SEGV $$\n", -1, NULL);
  g_chmod (crasher, 0755);
  run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", "-k", "pass", plain, crasher, good, NULL);

  /* One line for each program left out; the rest runs; status 3. */
  tally_assert_cmpint (run->status, ==, 3);
  tally_assert_cmpstr (tally_util_outcome (run, "/sample/pass"), ==, "passed");
  lines = g_strsplit (g_strchomp (run->err), "\n", -1);
  for (guint i = 0; lines[i]; i++)
    n_errors += g_str_has_prefix (lines[i], "tally run: ");
  tally_assert_cmpuint (n_errors, ==, 2);
  tally_assert_nonnull (strstr (run->err, "plain-sample: not a Tally test program"));
  tally_assert_nonnull (strstr (run->err, "crasher: "));
  tally_assert_nonnull (strstr (run->err, "Segmentation fault"));
}

/* --- a meson build directory --------------------------------------------- */

static void
check_spawn (TallyTest          *t,
             const char * const *argv)
{
  g_autoptr(TallyRun) run = tally_util_run_argv (t, NULL, argv);

  if (run->status != 0)
    tally_fail ("%s failed (%d): %s%s", argv[0], run->status, run->out, run->err);
}

static char *
build_fixture (TallyTest *t)
{
  g_autofree char *srcdir = g_build_filename (g_getenv ("TALLY_SRCDIR"), "tests", "meson-project", NULL);
  g_autofree char *builddir = g_build_filename (tally_test_get_tmpdir (t), "fixture", NULL);
  g_autofree char *native = tally_util_sample ("native-tiny");
  g_autofree char *option = g_strdup_printf ("-Dnative_test=%s", native);
  g_autofree char *meson = g_find_program_in_path ("meson");
  g_autofree char *ninja = g_find_program_in_path ("ninja");
  const char *setup[] = { meson, "setup", option, builddir, srcdir, NULL };
  const char *build[] = { ninja, "-C", builddir, NULL };

  if (g_getenv ("TALLY_SRCDIR") == NULL || meson == NULL || ninja == NULL)
    {
      tally_test_skip (t, "needs meson and TALLY_SRCDIR");
      return NULL;
    }
  check_spawn (t, setup);
  check_spawn (t, build);
  return g_steal_pointer (&builddir);
}

static void
test_meson_builddir (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *builddir = build_fixture (t);
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(TallyRun) list = NULL;
  g_autoptr(TallyRun) legacy = NULL;

  if (builddir == NULL)
    return;
  run = tally_util_run (t, NULL, tally, "run", "--json", "--db", db, builddir, NULL);
  list = tally_util_run (t, NULL, tally, "list", "--json", builddir, NULL);
  legacy = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", "--suite", "tally-fixture:legacy",
                           "--no-suite", "split", builddir, NULL);

  /* Tally, GTest and exit-code tests, in one run. */
  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpstr (outcome_of (run, NULL, "/native/one"), ==, "passed");
  tally_assert_cmpstr (outcome_of (run, NULL, "/native/two"), ==, "passed");
  tally_assert_cmpstr (outcome_of (run, NULL, "/fixture/env"), ==, "passed");
  tally_assert_cmpstr (outcome_of (run, NULL, "/fixture/workdir"), ==, "passed");
  tally_assert_cmpstr (outcome_of (run, "[exit-pass]", "/"), ==, "passed");
  tally_assert_cmpstr (outcome_of (run, "[exit-skip]", "/"), ==, "skipped");
  tally_assert_cmpstr (outcome_of (run, "[exit-fail]", "/"), ==, "failed");
  tally_assert_cmpstr (outcome_of (run, "[tap]", "/"), ==, "passed");
  tally_assert_cmpstr (outcome_of (run, "[lonely]", "/"), ==, "passed");

  /* is_parallel: false → serial; meson's timeout and suites → markers. */
  tally_assert_cmpint (list->status, ==, 0);
  tally_assert_nonnull (strstr (list->out, "\"markers\" : \"plain suite=alone alone serial timeout=10\""));
  tally_assert_nonnull (strstr (list->out, "\"markers\" : \"gtest suite=legacy legacy split timeout=30\""));

  /* --suite and --no-suite as meson test has them. */
  tally_assert_cmpint (legacy->status, ==, 1);
  tally_assert_null (finished (legacy, NULL, "/native/one"));
  tally_assert_null (finished (legacy, NULL, "/fixture/env"));
  tally_assert_cmpstr (outcome_of (legacy, "[exit-pass]", "/"), ==, "passed");
}

static void
test_not_a_builddir (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "--no-db", tally_test_get_tmpdir (t), NULL);
  g_auto(GStrv) lines = g_strsplit (g_strchomp (run->err), "\n", -1);

  tally_assert_cmpint (run->status, ==, 4);
  tally_assert_nonnull (strstr (run->err, "not a meson build directory"));
  tally_assert_cmpuint (g_strv_length (lines), ==, 1);
}

/* --- installed tests ----------------------------------------------------- */

static void
write_test_file (const char *dir,
                 const char *name,
                 const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, NULL);
}

static void
test_installed_tests (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *gtest = tally_util_sample ("gtest-sample");
  g_autofree char *plain = tally_util_sample ("plain-sample");
  g_autofree char *dir = g_build_filename (tally_test_get_tmpdir (t), "installed", "fixture", NULL);
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *a = g_strdup_printf ("[Test]\nType=session\nExec=%s\nOutput=TAP\n", gtest);
  g_autofree char *b = g_strdup_printf ("[Test]\nType=session\nExec=%s 0 tap\nOutput=TAP\n", plain);
  g_autofree char *c = g_strdup_printf ("[Test]\nType=session-exclusive\nExec='%s' 77\n", plain);
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(TallyRun) list = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *logs_text = NULL;
  GString *joined = g_string_new (NULL);

  g_mkdir_with_parents (dir, 0755);
  write_test_file (dir, "a-gtest.test", a);
  write_test_file (dir, "b-tap.test", b);
  write_test_file (dir, "c-exclusive.test", c);
  write_test_file (dir, "d-no-exec.test", "[Test]\nType=session\n");
  run = tally_util_run (t, NULL, tally, "run", "--json", "--db", db, "--installed-tests", dir, NULL);
  list = tally_util_run (t, NULL, tally, "list", "--installed-tests", dir, NULL);

  /* The .test without Exec: one line; the rest runs; status 3. */
  tally_assert_cmpint (run->status, ==, 3);
  tally_assert_nonnull (strstr (run->err, "d-no-exec.test: no Exec="));
  tally_assert_cmpstr (outcome_of (run, NULL, "/sample/pass"), ==, "passed");
  tally_assert_cmpstr (outcome_of (run, NULL, "/sample/fail"), ==, "failed");
  tally_assert_cmpstr (outcome_of (run, "[c-exclusive]", "/"), ==, "skipped");
  tally_assert_nonnull (strstr (list->out, "[c-exclusive]::/  [plain serial timeout=300]"));

  /* TAP from a plain program: failed by its "not ok", the malformed
   * line reported in its log. */
  tally_assert_cmpstr (outcome_of (run, "[b-tap]", "/"), ==, "failed");
  /* Its figures come from the helper's wait4(): the process is gone
   * when its verdict is made. */
  tally_assert_false (json_object_get_null_member (finished (run, "[b-tap]", "/"), "cpu_us"));
  tally_assert_cmpint (json_object_get_int_member (finished (run, "[b-tap]", "/"), "max_rss_kb"), >, 0);
  tally_assert_nonnull (strstr (json_object_get_string_member (finished (run, "[b-tap]", "/"), "message"),
                                "1 of 3 TAP results not ok: second"));
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  logs = tally_store_get_logs (store, json_object_get_int_member (finished (run, "[b-tap]", "/"), "result_id"),
                               &error);
  tally_assert_no_error (error);
  for (guint i = 0; i < logs->len; i++)
    g_string_append_printf (joined, "%s\n", ((TallyLogRecord *) g_ptr_array_index (logs, i))->message);
  logs_text = g_string_free (joined, FALSE);
  tally_assert_nonnull (strstr (logs_text, "malformed TAP (the plan has no valid count): 1..what"));
  tally_assert_nonnull (strstr (logs_text, "plain message"));
}

/* A program runs under the small helper built beside `tally`
 * (tally-exec-child: libc alone, so it starts in about the time of
 * /bin/true), in a process group of its own, in the fresh directory the
 * helper changed to (the runner does not fork to change to it), and its
 * usage still comes back through it. */
static void
test_exec_helper (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *dir = g_build_filename (tally_test_get_tmpdir (t), "installed", "helper", NULL);
  g_autofree char *db = tally_util_db_path (t);
  /* Not for the helper: a variable of its name in the runner's own
   * environment. */
  const char *stray[] = { "TALLY_CWD=/nonexistent", NULL };
  g_autofree char *gtest = tally_util_sample ("gtest-sample");
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(TallyRun) here = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  JsonObject *event;

  g_mkdir_with_parents (dir, 0755);
  /* The parent's command line, NULs as spaces; then whether the shell
   * is in the group its parent, the helper, leads (/proc/PID/stat's
   * fifth field); then where it runs, and whether the variable that
   * told the helper where leaked into its environment. */
  write_test_file (dir, "parent.test",
                   "[Test]\nType=session\nExec=/bin/sh -c 'tr \"\\\\000\" \" \" < /proc/$PPID/cmdline; echo; "
                   "test \"$(cut -d \" \" -f 5 /proc/$$/stat)\" = \"$PPID\" && echo own-group; "
                   "echo \"in $(pwd -P)\"; env | grep -q ^TALLY_CWD= || echo no-cwd-variable'\n");
  run = tally_util_run (t, stray, tally, "run", "--json", "--db", db, "--installed-tests", dir, NULL);
  tally_assert_cmpint (run->status, ==, 0);
  event = finished (run, "[parent]", "/");
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  out = stored_text (store, event, TALLY_STREAM_STDOUT);
  tally_assert_nonnull (strstr (out, "tally-exec-child --exec-child "));
  tally_assert_nonnull (strstr (out, "own-group"));
  tally_assert_nonnull (strstr (out, "in /"));
  tally_assert_nonnull (strstr (out, "/tally-test-"));
  tally_assert_nonnull (strstr (out, "no-cwd-variable"));
  tally_assert_false (json_object_get_null_member (event, "cpu_us"));
  tally_assert_cmpint (json_object_get_int_member (event, "max_rss_kb"), >, 0);

  /* A program with no directory of its own runs in the runner's. */
  here = tally_util_run (t, stray, tally, "run", "--no-db", "--json", "-k", "/sample/pass", gtest, NULL);
  tally_assert_cmpint (here->status, ==, 0);
  tally_assert_cmpstr (outcome_of (here, NULL, "/sample/pass"), ==, "passed");
}

/* Cases that confuse a reader of GLib's TAP on stdout: one prints
 * without a final newline, one prints lines that look like TAP. Their
 * verdicts come from GLib's own test log, their stdout is kept as it
 * is, and every case's stderr is its own, in every repetition and in
 * batches as in whole-program runs. */
static void
test_edge_cases (TallyTest *t, gconstpointer data)
{
  const char *workers = data;
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-edge");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", workers, "--json", "--repeat", "10",
                                            "--db", db, program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *event;
  guint n_checked = 0;

  tally_assert_cmpint (run->status, ==, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  for (guint i = 0; (event = next_finished (run, &i)) != NULL;)
    {
      const char *path = json_object_get_string_member (event, "path");
      g_autofree char *out_text = stored_text (store, event, TALLY_STREAM_STDOUT);
      g_autofree char *err_text = stored_text (store, event, TALLY_STREAM_STDERR);

      tally_assert_cmpstr (json_object_get_string_member (event, "outcome"), ==, "passed");
      if (g_str_equal (path, "/edge/1-progress"))
        {
          tally_assert_cmpstr (out_text, ==, "progress: 50%...");
          tally_assert_cmpstr (err_text, ==, "stderr progress\n");
        }
      else if (g_str_equal (path, "/edge/2-lookalike"))
        {
          tally_assert_cmpstr (out_text, ==, "ok 1 /edge/fake\nnot ok 2 /edge/other\n1..7\nBail out! not really\n");
          tally_assert_cmpstr (err_text, ==, "stderr lookalike\n");
        }
      else
        {
          tally_assert_cmpstr (path, ==, "/edge/3-after");
          tally_assert_cmpstr (out_text, ==, "stdout after\n");
          tally_assert_cmpstr (err_text, ==, "stderr after\n");
        }
      n_checked++;
    }
  tally_assert_cmpuint (n_checked, ==, 30);
}

/* A case whose name is not valid UTF-8 is never silently dropped: the
 * run does not pass. */
static void
test_edge_bad_name (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-edge");
  g_autofree char *db = tally_util_db_path (t);
  const char *envp[] = { "GTEST_EDGE_BAD_NAME=1", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "--db", db, program, NULL);

  tally_assert_cmpint (run->status, !=, 0);
  tally_assert_null (strstr (run->out, "3 passed, 0 failed"));
  tally_assert_nonnull (strstr (run->err, "not valid UTF-8"));
  tally_assert_nonnull (strstr (run->err, "/edge/4-bad-\\xff\\xfe-name"));
}

static void
register_tests (void)
{
  tally_add ("/gtest/per-case/outcomes", test_per_case_outcomes, "timeout=60");
  tally_add ("/gtest/per-case/logs-and-output", test_per_case_logs_and_output, "timeout=60");
  tally_add ("/gtest/per-case/timeout-names-threads", test_timeout_names_threads, "timeout=60");
  tally_add ("/gtest/per-case/streams-exact", test_per_case_streams_exact, "timeout=120");
  tally_add ("/gtest/per-case/streams-log-closed", test_per_case_streams_log_closed, "timeout=120");
  tally_add_data ("/gtest/per-case/edge-cases/one-worker", test_edge_cases, "1", "timeout=120");
  tally_add_data ("/gtest/per-case/edge-cases/two-workers", test_edge_cases, "2", "timeout=120");
  tally_add ("/gtest/per-case/edge-bad-name", test_edge_bad_name, "timeout=60");
  tally_add ("/gtest/whole-program", test_whole_program, "timeout=120");
  tally_add ("/gtest/markers-file", test_markers_file, NULL);
  tally_add ("/gtest/bad/programs", test_bad_programs, NULL);
  tally_add ("/gtest/bad/not-a-builddir", test_not_a_builddir, NULL);
  tally_add ("/gtest/meson/builddir", test_meson_builddir, "timeout=180");
  tally_add ("/gtest/installed-tests", test_installed_tests, "timeout=60");
  tally_add ("/gtest/exec-helper", test_exec_helper, "timeout=60");
}

TALLY_MAIN (register_tests)
