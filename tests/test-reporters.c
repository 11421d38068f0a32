/* test-reporters.c — console, JSON, TAP and JUnit reporters, and the tee
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>

#include <tally.h>

#include "tally-reporter-private.h"

/* Test-produced text at its worst: quotes, markup, a terminal escape
 * sequence, invalid UTF-8. */
#define HOSTILE "\"q\" 'a' <b>&amp; \x1b[31mred\x1b[0m \xff\xfe end"

/* A program with tests and the items of one run, built by hand the way
 * the session would: the reporters only read them. */
typedef struct
{
  TallyProgram *program;
  GPtrArray *tests;         /* TallyListedTest */
  GPtrArray *items;         /* TallyRunItem */
} Fake;

static void
listed_test_free (TallyListedTest *test)
{
  g_free (test->path);
  g_free (test);
}

static void
run_item_free (TallyRunItem *item)
{
  tally_result_clear (&item->result);
  g_clear_pointer (&item->records, g_ptr_array_unref);
  g_clear_pointer (&item->out, g_bytes_unref);
  g_clear_pointer (&item->err, g_bytes_unref);
  g_free (item);
}

static void
fake_free (Fake *fake)
{
  g_ptr_array_unref (fake->items);
  g_ptr_array_unref (fake->tests);
  g_free (fake->program->path);
  g_free (fake->program->name);
  g_free (fake->program);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fake, fake_free)

static Fake *
fake_new (const char *program_name)
{
  Fake *fake = g_new0 (Fake, 1);

  fake->program = g_new0 (TallyProgram, 1);
  fake->program->path = g_strconcat ("build/tests/", program_name, NULL);
  fake->program->name = g_strdup (program_name);
  g_ref_count_init (&fake->program->ref_count);
  fake->tests = g_ptr_array_new_with_free_func ((GDestroyNotify) listed_test_free);
  fake->items = g_ptr_array_new_with_free_func ((GDestroyNotify) run_item_free);

  return fake;
}

/* A finished attempt of a new test @path. */
static TallyRunItem *
fake_add (Fake         *fake,
          const char   *path,
          TallyOutcome  outcome,
          const char   *message)
{
  TallyListedTest *test = g_new0 (TallyListedTest, 1);
  TallyRunItem *item = g_new0 (TallyRunItem, 1);

  test->program = fake->program;
  test->index = fake->tests->len;
  test->path = g_strdup (path);
  test->file = g_intern_static_string ("test-foo.c");
  test->line = 10 + test->index;
  g_ptr_array_add (fake->tests, test);

  item->test = test;
  item->attempt = 1;
  item->seq = fake->items->len;
  tally_result_init (&item->result);
  item->result.outcome = outcome;
  item->result.message = g_strdup (message);
  item->result.started_at_us = 1700000000000000;
  item->result.duration_us = 12345;
  item->result.worker = 1;
  item->records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  g_ptr_array_add (fake->items, item);

  return item;
}

static void
item_add_record (TallyRunItem   *item,
                 GLogLevelFlags  level,
                 const char     *message,
                 gsize           message_len,
                 gint64          offset_us)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->level = level;
  record->domain = g_strdup ("Foo");
  record->message = g_memdup2 (message, message_len + 1);
  record->message_len = message_len;
  record->time_us = item->result.started_at_us + offset_us;
  g_ptr_array_add (item->records, record);
  item->n_records++;
}

/* What a reporter printed, from an open_memstream() stream. */
typedef struct
{
  FILE *stream;
  char *data;
  size_t len;
} Capture;

static void
capture_open (Capture *capture)
{
  capture->data = NULL;
  capture->len = 0;
  capture->stream = open_memstream (&capture->data, &capture->len);
  tally_assert_nonnull (capture->stream);
}

/* Closes the stream; the caller frees the text. */
static char *
capture_close (Capture *capture)
{
  tally_assert_cmpint (fclose (capture->stream), ==, 0);
  capture->stream = NULL;

  return capture->data;
}

/* The lines of @text, without the empty string after the last newline. */
static char **
split_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);

  if (n > 0 && lines[n - 1][0] == '\0')
    g_clear_pointer (&lines[n - 1], g_free);

  return g_steal_pointer (&lines);
}

static void
summary_init (TallyRunSummary *summary,
              Fake            *fake)
{
  memset (summary, 0, sizeof *summary);
  summary->end = TALLY_RUN_END_COMPLETE;
  summary->failures = g_ptr_array_new ();
  summary->slowest = g_ptr_array_new ();

  for (guint i = 0; fake && i < fake->items->len; i++)
    {
      TallyRunItem *item = g_ptr_array_index (fake->items, i);

      summary->counts[item->result.outcome]++;
      if (tally_outcome_is_failure (item->result.outcome))
        g_ptr_array_add (summary->failures, item);
    }
}

static void
summary_clear (TallyRunSummary *summary)
{
  g_clear_pointer (&summary->failures, g_ptr_array_unref);
  g_clear_pointer (&summary->slowest, g_ptr_array_unref);
}

/* Drives @reporter through a whole run of @fake's items. */
static void
drive (TallyReporter         *reporter,
       Fake                  *fake,
       const TallyRunSummary *summary)
{
  TallyRunInfo info = {
    .run_id = 7,
    .n_tests = fake->items->len,
    .n_programs = 1,
    .n_workers = 2,
    .seed = 1234,
  };

  tally_reporter_run_started (reporter, &info);
  for (guint i = 0; i < fake->items->len; i++)
    {
      tally_reporter_test_started (reporter, g_ptr_array_index (fake->items, i));
      tally_reporter_test_finished (reporter, g_ptr_array_index (fake->items, i));
    }
  tally_reporter_run_finished (reporter, summary);
}

/* Runs @fake through a console reporter and returns what it printed. */
static char *
console_output (Fake                  *fake,
                const TallyRunSummary *summary,
                TallyVerbosity         verbosity,
                gboolean               colour)
{
  g_autoptr(TallyReporter) reporter = NULL;
  Capture capture;

  capture_open (&capture);
  reporter = tally_reporter_console_new (capture.stream, verbosity, FALSE, colour);
  drive (reporter, fake, summary);
  g_clear_pointer (&reporter, tally_reporter_free);

  return capture_close (&capture);
}

static void
test_console_final_line (TallyTest     *t,
                         gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  TallyRunSummary summary;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  for (guint i = 0; i < 3; i++)
    fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  fake_add (fake, "/foo/fail", TALLY_OUTCOME_FAILED, "boom");
  fake_add (fake, "/foo/crash", TALLY_OUTCOME_CRASHED, NULL)->result.signal = SIGSEGV;
  fake_add (fake, "/foo/skip1", TALLY_OUTCOME_SKIPPED, "later");
  fake_add (fake, "/foo/skip2", TALLY_OUTCOME_SKIPPED, NULL);
  fake_add (fake, "/foo/xfail", TALLY_OUTCOME_XFAILED, "known");

  summary_init (&summary, fake);
  summary.wall_us = 1234567;
  summary.not_run = 4;
  text = console_output (fake, &summary, TALLY_VERBOSITY_NORMAL, FALSE);
  lines = split_lines (text);
  n = g_strv_length (lines);

  tally_assert_cmpuint (n, >, 2);
  tally_assert_cmpstr (lines[n - 1], ==,
                       "3 passed, 1 failed, 2 skipped, 1 xfailed, 1 crashed in 1.23s, 4 not run");
  /* One line per failure as it finished, nothing for the rest. */
  tally_assert_cmpstr (lines[0], ==, "FAILED test-foo::/foo/fail (boom)");
  tally_assert_cmpstr (lines[1], ==, "CRASHED test-foo::/foo/crash (killed by signal 11)");
  tally_assert_null (strstr (text, "/foo/pass"));
  tally_assert_null (strstr (text, "\x1b"));

  summary.db_path = ".tally/results.sqlite";
  summary.run_id = 42;
  summary.not_run = 0;
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&lines, g_strfreev);
  text = console_output (fake, &summary, TALLY_VERBOSITY_NORMAL, FALSE);
  lines = split_lines (text);
  n = g_strv_length (lines);

  tally_assert_cmpstr (lines[n - 1], ==, "results: .tally/results.sqlite (run 42)");
  tally_assert_cmpstr (lines[n - 2], ==,
                       "3 passed, 1 failed, 2 skipped, 1 xfailed, 1 crashed in 1.23s");

  summary_clear (&summary);
}

static void
test_console_all_outcomes (TallyTest     *t,
                           gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("p");
  TallyRunSummary summary;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  /* One of each, in enum order; the line lists them in its own order. */
  for (guint i = TALLY_OUTCOME_PASSED; i < TALLY_N_OUTCOMES; i++)
    fake_add (fake, tally_outcome_to_string ((TallyOutcome) i), (TallyOutcome) i, NULL);

  summary_init (&summary, fake);
  summary.wall_us = 5000;
  text = console_output (fake, &summary, TALLY_VERBOSITY_QUIET, FALSE);
  lines = split_lines (text);

  tally_assert_cmpstr (lines[g_strv_length (lines) - 1], ==,
                       "1 passed, 1 failed, 1 skipped, 1 xfailed, 1 xpassed, 1 flaky, "
                       "1 crashed, 1 timeout, 1 error, 1 interrupted in 0.01s");
  summary_clear (&summary);
}

static void
test_console_failure_block (TallyTest     *t,
                            gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  static const char log_message[] = "nul\0byte \x1b]0;title\x07 \xc3";
  TallyRunItem *item;
  TallyRunSummary summary;
  g_autofree char *text = NULL;

  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  item = fake_add (fake, "/foo/\x1b[2Jfail", TALLY_OUTCOME_FAILED,
                   "first \x1b[31mline\x1b[0m\nsecond line");
  item->result.file = g_strdup ("test-foo.c");
  item->result.line = 42;
  item_add_record (item, G_LOG_LEVEL_WARNING, log_message, sizeof log_message - 1, 1500);
  item_add_record (item, G_LOG_LEVEL_MESSAGE, "two\nlines", 9, 2500);
  item->out = g_bytes_new_static ("printed \x1b[1mout\n", 16);
  item->err = g_bytes_new_static ("oops\n", 5);

  summary_init (&summary, fake);
  text = console_output (fake, &summary, TALLY_VERBOSITY_NORMAL, FALSE);

  /* Nothing a test produced reaches the terminal raw. */
  tally_assert_null (strchr (text, '\x1b'));
  tally_assert_null (strchr (text, '\x07'));
  tally_assert_true (g_utf8_validate (text, -1, NULL));

  tally_assert_nonnull (strstr (text, "FAILED test-foo::/foo/\\x1b[2Jfail (first \\x1b[31mline\\x1b[0m)\n"));
  tally_assert_nonnull (strstr (text, "\n____ test-foo::/foo/\\x1b[2Jfail ____\n"));
  tally_assert_nonnull (strstr (text, "  first \\x1b[31mline\\x1b[0m\n  second line\n"));
  tally_assert_nonnull (strstr (text, "  at test-foo.c:42\n"));
  tally_assert_nonnull (strstr (text, "captured log\n"));
  tally_assert_nonnull (strstr (text, "+1.5 ms warning  Foo: nul\\x00byte \\x1b]0;title\\x07 \\xc3\n"));
  tally_assert_nonnull (strstr (text, "+2.5 ms message  Foo: two\n"));
  tally_assert_nonnull (strstr (text, "captured stdout\n  printed \\x1b[1mout\n"));
  tally_assert_nonnull (strstr (text, "captured stderr\n  oops\n"));
  tally_assert_null (strstr (text, "/foo/pass"));

  summary_clear (&summary);
}

static void
test_console_crash (TallyTest     *t,
                    gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  TallyRunItem *item;
  TallyRunSummary summary;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;

  item = fake_add (fake, "/foo/segv", TALLY_OUTCOME_CRASHED, NULL);
  item->result.signal = SIGSEGV;
  item = fake_add (fake, "/foo/exit", TALLY_OUTCOME_CRASHED, NULL);
  item->result.exit_status = 3;

  summary_init (&summary, fake);
  text = console_output (fake, &summary, TALLY_VERBOSITY_NORMAL, FALSE);

  expected = g_strdup_printf ("  killed by signal %d (%s)\n", SIGSEGV, g_strsignal (SIGSEGV));
  tally_assert_nonnull (strstr (text, expected));
  tally_assert_nonnull (strstr (text, "  worker exited with status 3\n"));
  tally_assert_nonnull (strstr (text, "0 passed, 0 failed, 2 crashed in 0.00s\n"));

  summary_clear (&summary);
}

static void
test_console_verbose_colour (TallyTest     *t,
                             gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  TallyRunSummary summary;
  g_autofree char *plain = NULL;
  g_autofree char *coloured = NULL;

  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  fake_add (fake, "/foo/retried", TALLY_OUTCOME_FLAKY, NULL)->attempt = 2;
  summary_init (&summary, fake);
  g_ptr_array_add (summary.slowest, g_ptr_array_index (fake->items, 0));

  plain = console_output (fake, &summary, TALLY_VERBOSITY_VERBOSE, FALSE);
  tally_assert_nonnull (strstr (plain, "\nPASSED  test-foo::/foo/pass  12.3 ms  [w1]\n"));
  tally_assert_nonnull (strstr (plain, "\nFLAKY   test-foo::/foo/retried  12.3 ms  [w1]  (attempt 2)\n"));
  tally_assert_nonnull (strstr (plain, "slowest 1 (wall, CPU)\n"));
  tally_assert_null (strchr (plain, '\x1b'));

  coloured = console_output (fake, &summary, TALLY_VERBOSITY_VERBOSE, TRUE);
  tally_assert_nonnull (strstr (coloured, "\x1b[32mPASSED\x1b[0m  test-foo::/foo/pass"));
  tally_assert_nonnull (strstr (coloured, "\x1b[33mFLAKY\x1b[0m   test-foo::/foo/retried"));

  summary_clear (&summary);
}

static void
test_console_end (TallyTest     *t,
                  gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  TallyRunSummary summary;
  g_autofree char *stopped = NULL;
  g_autofree char *interrupted = NULL;
  g_autofree char *quiet = NULL;

  fake_add (fake, "/foo/fail", TALLY_OUTCOME_FAILED, "no");
  summary_init (&summary, fake);
  summary.not_run = 2;

  summary.end = TALLY_RUN_END_STOPPED;
  stopped = console_output (fake, &summary, TALLY_VERBOSITY_NORMAL, FALSE);
  tally_assert_true (g_str_has_suffix (stopped, "\nstopped after 1 failure (--maxfail)\n"
                                                "0 passed, 1 failed in 0.00s, 2 not run\n"));

  summary.end = TALLY_RUN_END_INTERRUPTED;
  interrupted = console_output (fake, &summary, TALLY_VERBOSITY_NORMAL, FALSE);
  tally_assert_true (g_str_has_suffix (interrupted, "\ninterrupted\n"
                                                    "0 passed, 1 failed in 0.00s, 2 not run\n"));

  /* Quiet: the failure's block and the count, nothing else. */
  quiet = console_output (fake, &summary, TALLY_VERBOSITY_QUIET, FALSE);
  tally_assert_true (g_str_has_prefix (quiet, "____ test-foo::/foo/fail ____\n"));
  tally_assert_null (strstr (quiet, "FAILED test-foo::/foo/fail (no)"));
  tally_assert_null (strstr (quiet, "interrupted\n"));
  tally_assert_true (g_str_has_suffix (quiet, "\n0 passed, 1 failed in 0.00s, 2 not run\n"));

  summary_clear (&summary);
}

static void
test_console_tty_status (TallyTest     *t,
                         gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  g_autoptr(TallyReporter) reporter = NULL;
  g_autoptr(GPtrArray) running = g_ptr_array_new ();
  g_autofree char *long_path = g_strnfill (200, 'x');
  TallyRunProgress progress = { 0 };
  TallyRunSummary summary;
  g_autofree char *text = NULL;
  const char *status, *end;
  Capture capture;

  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  g_ptr_array_add (running, fake_add (fake, "/foo/\x1b[2Jslow", TALLY_OUTCOME_RUNNING, NULL));
  g_ptr_array_add (running, fake_add (fake, long_path, TALLY_OUTCOME_RUNNING, NULL));

  progress.total = 3;
  progress.done = 1;
  progress.counts[TALLY_OUTCOME_PASSED] = 1;
  progress.eta_us = 2500000;
  progress.running = running;

  summary_init (&summary, NULL);
  summary.counts[TALLY_OUTCOME_PASSED] = 3;

  capture_open (&capture);
  reporter = tally_reporter_console_new (capture.stream, TALLY_VERBOSITY_NORMAL, TRUE, FALSE);
  tally_reporter_progress (reporter, &progress);
  tally_reporter_run_finished (reporter, &summary);
  g_clear_pointer (&reporter, tally_reporter_free);
  text = capture_close (&capture);

  /* Not a terminal really: the width falls back to 80 columns. */
  tally_assert_true (g_str_has_prefix (text, "\r\x1b[K[1/3] 1 passed, 0 failed · ETA 3s · running: "
                                             "/foo/\\x1b[2Jslow, xxx"));
  status = text + strlen ("\r\x1b[K");
  end = strchr (status, '\r');
  tally_assert_nonnull (end);
  tally_assert_cmpint (g_utf8_strlen (status, end - status), ==, 79);

  /* The status line goes away before the summary. */
  tally_assert_true (g_str_has_prefix (end, "\r\x1b[K3 passed, 0 failed in 0.00s\n"));

  summary_clear (&summary);
}

/* Parses each line of @text as a JSON object. */
static GPtrArray *
parse_json_lines (const char *text)
{
  g_auto(GStrv) lines = split_lines (text);
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      tally_assert_no_error (error);
      tally_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      g_ptr_array_add (objects, json_node_copy (json_parser_get_root (parser)));
    }

  return objects;
}

static JsonObject *
event_at (GPtrArray *events,
          guint      i)
{
  return json_node_get_object (g_ptr_array_index (events, i));
}

static void
test_json_events (TallyTest     *t,
                  gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-\xffoo");
  g_autoptr(TallyReporter) reporter = NULL;
  g_autoptr(GPtrArray) events = NULL;
  TallyRunItem *item;
  TallyRunSummary summary;
  g_autofree char *text = NULL;
  g_autofree char *valid = NULL;
  JsonObject *finished, *counts, *started;
  Capture capture;

  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  item = fake_add (fake, "/foo/crash", TALLY_OUTCOME_CRASHED, HOSTILE);
  item->result.signal = SIGABRT;
  item->result.file = g_strdup ("test-foo.c");
  item->result.line = 9;
  item->n_records = 3;

  summary_init (&summary, fake);
  summary.wall_us = 99;
  summary.not_run = 1;
  summary.end = TALLY_RUN_END_STOPPED;

  capture_open (&capture);
  reporter = tally_reporter_json_new (capture.stream);
  drive (reporter, fake, &summary);
  g_clear_pointer (&reporter, tally_reporter_free);
  text = capture_close (&capture);

  tally_assert_true (g_utf8_validate (text, -1, NULL));
  events = parse_json_lines (text);
  tally_assert_cmpuint (events->len, ==, 6);

  started = event_at (events, 0);
  tally_assert_cmpstr (json_object_get_string_member (started, "event"), ==, "run-started");
  tally_assert_cmpint (json_object_get_int_member (started, "run_id"), ==, 7);
  tally_assert_cmpint (json_object_get_int_member (started, "tests"), ==, 2);
  tally_assert_cmpint (json_object_get_int_member (started, "workers"), ==, 2);
  tally_assert_cmpint (json_object_get_int_member (started, "seed"), ==, 1234);
  tally_assert_true (json_object_has_member (started, "db"));

  tally_assert_cmpstr (json_object_get_string_member (event_at (events, 1), "event"), ==, "test-started");
  tally_assert_cmpint (json_object_get_int_member (event_at (events, 1), "attempt"), ==, 1);

  finished = event_at (events, 4);
  valid = g_utf8_make_valid (HOSTILE, -1);
  tally_assert_cmpstr (json_object_get_string_member (finished, "event"), ==, "test-finished");
  tally_assert_cmpstr (json_object_get_string_member (finished, "program"), ==, "test-\xef\xbf\xbdoo");
  tally_assert_cmpstr (json_object_get_string_member (finished, "path"), ==, "/foo/crash");
  tally_assert_cmpstr (json_object_get_string_member (finished, "outcome"), ==, "crashed");
  tally_assert_cmpstr (json_object_get_string_member (finished, "message"), ==, valid);
  tally_assert_cmpstr (json_object_get_string_member (finished, "file"), ==, "test-foo.c");
  tally_assert_cmpint (json_object_get_int_member (finished, "line"), ==, 9);
  tally_assert_cmpint (json_object_get_int_member (finished, "signal"), ==, SIGABRT);
  tally_assert_cmpint (json_object_get_int_member (finished, "exit_status"), ==, -1);
  tally_assert_cmpint (json_object_get_int_member (finished, "duration_us"), ==, 12345);
  tally_assert_cmpint (json_object_get_int_member (finished, "worker"), ==, 1);
  tally_assert_cmpint (json_object_get_int_member (finished, "n_logs"), ==, 3);
  tally_assert_true (json_object_get_null_member (event_at (events, 2), "message"));

  finished = event_at (events, 5);
  tally_assert_cmpstr (json_object_get_string_member (finished, "event"), ==, "run-finished");
  tally_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "stopped");
  tally_assert_cmpint (json_object_get_int_member (finished, "wall_us"), ==, 99);
  tally_assert_cmpint (json_object_get_int_member (finished, "not_run"), ==, 1);
  counts = json_object_get_object_member (finished, "counts");
  tally_assert_nonnull (counts);
  tally_assert_cmpint (json_object_get_int_member (counts, "passed"), ==, 1);
  tally_assert_cmpint (json_object_get_int_member (counts, "crashed"), ==, 1);
  tally_assert_cmpint (json_object_get_int_member (counts, "failed"), ==, 0);
  tally_assert_false (json_object_has_member (counts, "running"));

  summary_clear (&summary);
}

static void
test_json_status (TallyTest     *t,
                  gconstpointer  data)
{
    TallyRunSummary summary;
  static const struct
  {
    TallyRunEnd end;
    TallyOutcome outcome;
    const char *status;
  } cases[] = {
    { TALLY_RUN_END_COMPLETE, TALLY_OUTCOME_PASSED, "passed" },
    { TALLY_RUN_END_COMPLETE, TALLY_OUTCOME_XPASSED, "passed" },
    { TALLY_RUN_END_COMPLETE, TALLY_OUTCOME_TIMEOUT, "failed" },
    { TALLY_RUN_END_INTERRUPTED, TALLY_OUTCOME_PASSED, "interrupted" },
    { TALLY_RUN_END_ERROR, TALLY_OUTCOME_PASSED, "error" },
  };

  summary_init (&summary, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TallyReporter) reporter = NULL;
      g_autoptr(GPtrArray) events = NULL;
      g_autofree char *text = NULL;
      Capture capture;

      memset (summary.counts, 0, sizeof summary.counts);
      summary.counts[cases[i].outcome] = 1;
      summary.end = cases[i].end;

      capture_open (&capture);
      reporter = tally_reporter_json_new (capture.stream);
      tally_reporter_run_finished (reporter, &summary);
      g_clear_pointer (&reporter, tally_reporter_free);
      text = capture_close (&capture);

      events = parse_json_lines (text);
      tally_assert_cmpuint (events->len, ==, 1);
      tally_assert_cmpstr (json_object_get_string_member (event_at (events, 0), "status"), ==,
                           cases[i].status);
    }
  summary_clear (&summary);
}

static void
test_tap_lines (TallyTest     *t,
                gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  g_autoptr(TallyReporter) reporter = NULL;
  TallyRunSummary summary;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  Capture capture;

  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  fake_add (fake, "/foo/fail#1", TALLY_OUTCOME_FAILED, "expected \"1\"\ngot \x1b[31m2");
  fake_add (fake, "/foo/skip", TALLY_OUTCOME_SKIPPED, "needs network\nreally");
  fake_add (fake, "/foo/xfail", TALLY_OUTCOME_XFAILED, "bug 12");
  summary_init (&summary, fake);

  capture_open (&capture);
  reporter = tally_reporter_tap_new (capture.stream);
  drive (reporter, fake, &summary);
  g_clear_pointer (&reporter, tally_reporter_free);
  text = capture_close (&capture);

  tally_assert_null (strchr (text, '\x1b'));
  lines = split_lines (text);
  tally_assert_cmpuint (g_strv_length (lines), ==, 11);
  tally_assert_cmpstr (lines[0], ==, "TAP version 13");
  tally_assert_cmpstr (lines[1], ==, "1..4");
  tally_assert_cmpstr (lines[2], ==, "ok 1 - test-foo::/foo/pass");
  tally_assert_cmpstr (lines[3], ==, "not ok 2 - test-foo::/foo/fail\\#1");
  tally_assert_cmpstr (lines[4], ==, "  ---");
  tally_assert_cmpstr (lines[5], ==, "  outcome: failed");
  tally_assert_cmpstr (lines[6], ==, "  message: \"expected \\\"1\\\"\\ngot \\\\x1b[31m2\"");
  tally_assert_cmpstr (lines[7], ==, "  duration_ms: 12");
  tally_assert_cmpstr (lines[8], ==, "  ...");
  tally_assert_cmpstr (lines[9], ==, "ok 3 - test-foo::/foo/skip # SKIP needs network");
  tally_assert_cmpstr (lines[10], ==, "not ok 4 - test-foo::/foo/xfail # TODO bug 12");

  summary_clear (&summary);
}

/* What the GMarkup parser saw of a JUnit document. */
typedef struct
{
  guint n_suites;
  guint n_cases;
  GHashTable *attributes;   /* "element.attribute" of the last one → value */
  GString *failure_text;
} JunitSeen;

static void
junit_start_element (GMarkupParseContext  *context,
                     const char           *element,
                     const char          **names,
                     const char          **values,
                     gpointer              user_data,
                     GError              **error)
{
  JunitSeen *seen = user_data;

  if (g_str_equal (element, "testsuite"))
    seen->n_suites++;
  else if (g_str_equal (element, "testcase"))
    seen->n_cases++;

  for (guint i = 0; names[i]; i++)
    g_hash_table_insert (seen->attributes, g_strdup_printf ("%s.%s", element, names[i]),
                         g_strdup (values[i]));
}

static void
junit_text (GMarkupParseContext  *context,
            const char           *text,
            gsize                 len,
            gpointer              user_data,
            GError              **error)
{
  JunitSeen *seen = user_data;
  const char *element = g_markup_parse_context_get_element (context);

  if (g_str_equal (element, "failure") || g_str_equal (element, "system-out"))
    g_string_append_len (seen->failure_text, text, len);
}

static const GMarkupParser junit_parser = {
  .start_element = junit_start_element,
  .text = junit_text,
};

static const char *
seen_attribute (JunitSeen  *seen,
                const char *key)
{
  return g_hash_table_lookup (seen->attributes, key);
}

static void
test_junit_escapes (TallyTest     *t,
                    gconstpointer  data)
{
  g_autoptr(Fake) foo = fake_new ("test-foo");
  g_autoptr(Fake) bar = fake_new ("test-<bar>&\"");
  g_autoptr(TallyReporter) reporter = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  static const char log_message[] = "log\0with nul";
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "junit.xml", NULL);
  g_autofree char *tmp_path = g_strconcat (path, ".tmp", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *message = NULL;
  JunitSeen seen = { 0 };
  TallyRunSummary summary;
  TallyRunItem *item;
  gsize len;

  fake_add (foo, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  fake_add (foo, "/foo/skip", TALLY_OUTCOME_SKIPPED, "later");
  item = fake_add (bar, "/bar/" HOSTILE, TALLY_OUTCOME_FAILED, HOSTILE "\nmore\x01");
  item_add_record (item, G_LOG_LEVEL_WARNING, log_message, sizeof log_message - 1, 10);
  item->out = g_bytes_new_static ("out\x1b[0m\0put", 11);
  fake_add (bar, "/bar/error", TALLY_OUTCOME_ERROR, "setup failed");
  summary_init (&summary, NULL);
  summary.wall_us = 2500000;

  reporter = tally_reporter_junit_new (path, &error);
  tally_assert_no_error (error);
  tally_assert_true (g_file_test (tmp_path, G_FILE_TEST_EXISTS));

  for (guint i = 0; i < foo->items->len; i++)
    tally_reporter_test_finished (reporter, g_ptr_array_index (foo->items, i));
  for (guint i = 0; i < bar->items->len; i++)
    tally_reporter_test_finished (reporter, g_ptr_array_index (bar->items, i));

  /* The reporter copied what it needs: the items may go now. */
  g_clear_pointer (&bar, fake_free);
  tally_reporter_run_finished (reporter, &summary);
  g_clear_pointer (&reporter, tally_reporter_free);

  tally_assert_false (g_file_test (tmp_path, G_FILE_TEST_EXISTS));
  g_file_get_contents (path, &xml, &len, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (strlen (xml), ==, len);
  tally_assert_true (g_utf8_validate (xml, len, NULL));
  tally_assert_null (strchr (xml, '\x1b'));
  tally_assert_null (strchr (xml, '\x01'));

  seen.attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  seen.failure_text = g_string_new (NULL);
  context = g_markup_parse_context_new (&junit_parser, G_MARKUP_PREFIX_ERROR_POSITION, &seen, NULL);
  g_markup_parse_context_parse (context, xml, len, &error);
  tally_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  tally_assert_no_error (error);

  tally_assert_cmpuint (seen.n_suites, ==, 2);
  tally_assert_cmpuint (seen.n_cases, ==, 4);
  tally_assert_cmpstr (seen_attribute (&seen, "testsuites.tests"), ==, "4");
  tally_assert_cmpstr (seen_attribute (&seen, "testsuites.failures"), ==, "1");
  tally_assert_cmpstr (seen_attribute (&seen, "testsuites.errors"), ==, "1");
  tally_assert_cmpstr (seen_attribute (&seen, "testsuites.skipped"), ==, "1");
  tally_assert_cmpstr (seen_attribute (&seen, "testsuites.time"), ==, "2.500");
  tally_assert_cmpstr (seen_attribute (&seen, "testsuite.name"), ==, "test-<bar>&\"");
  tally_assert_cmpstr (seen_attribute (&seen, "testcase.classname"), ==, "test-<bar>&\"");
  tally_assert_cmpstr (seen_attribute (&seen, "testcase.time"), ==, "0.012");
  tally_assert_cmpstr (seen_attribute (&seen, "error.type"), ==, "error");
  tally_assert_cmpstr (seen_attribute (&seen, "error.message"), ==, "setup failed");
  tally_assert_cmpstr (seen_attribute (&seen, "failure.type"), ==, "failed");
  tally_assert_cmpstr (seen_attribute (&seen, "skipped.message"), ==, "later");

  /* Markup survives as text; the escape sequence and bad bytes do not. */
  message = g_strdup (seen_attribute (&seen, "failure.message"));
  tally_assert_cmpstr (message, ==,
                       "\"q\" 'a' <b>&amp; \\x1b[31mred\\x1b[0m \xef\xbf\xbd\xef\xbf\xbd end");
  tally_assert_nonnull (strstr (seen.failure_text->str, "more\\x01\n"));
  tally_assert_nonnull (strstr (seen.failure_text->str, "warning Foo: log\\x00with nul\n"));
  tally_assert_true (g_str_has_suffix (seen.failure_text->str, "out\\x1b[0m\\x00put"));

  g_string_free (seen.failure_text, TRUE);
  g_hash_table_unref (seen.attributes);
  summary_clear (&summary);
}

static void
test_junit_bad_path (TallyTest     *t,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "missing", "junit.xml", NULL);
  g_autofree char *unfinished = g_build_filename (tally_test_get_tmpdir (t), "unfinished.xml", NULL);
  g_autofree char *unfinished_tmp = g_strconcat (unfinished, ".tmp", NULL);
  TallyReporter *reporter;

  reporter = tally_reporter_junit_new (path, &error);
  tally_assert_null (reporter);
  tally_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  /* A run that never finishes leaves neither file behind. */
  reporter = tally_reporter_junit_new (unfinished, NULL);
  tally_assert_nonnull (reporter);
  tally_reporter_free (reporter);
  tally_assert_false (g_file_test (unfinished, G_FILE_TEST_EXISTS));
  tally_assert_false (g_file_test (unfinished_tmp, G_FILE_TEST_EXISTS));
}

static void
test_tee (TallyTest     *t,
          gconstpointer  data)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  g_autoptr(TallyReporter) tee = NULL;
  GPtrArray *reporters = g_ptr_array_new ();
  TallyRunSummary summary;
  g_autofree char *json = NULL;
  g_autofree char *tap = NULL;
  g_auto(GStrv) json_lines = NULL;
  Capture json_capture, tap_capture;

  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  summary_init (&summary, fake);

  capture_open (&json_capture);
  capture_open (&tap_capture);
  g_ptr_array_add (reporters, tally_reporter_json_new (json_capture.stream));
  g_ptr_array_add (reporters, tally_reporter_tap_new (tap_capture.stream));
  tee = tally_reporter_tee_new (reporters);
  drive (tee, fake, &summary);
  g_clear_pointer (&tee, tally_reporter_free);
  json = capture_close (&json_capture);
  tap = capture_close (&tap_capture);

  tally_assert_cmpstr (tap, ==, "TAP version 13\n1..1\nok 1 - test-foo::/foo/pass\n");
  json_lines = split_lines (json);
  tally_assert_cmpuint (g_strv_length (json_lines), ==, 4);

  summary_clear (&summary);
}

/* Drives a JUnit reporter for one passed test into @path. */
static TallyReporter *
junit_report (const char  *path,
              GError     **error)
{
  g_autoptr(Fake) fake = fake_new ("test-foo");
  TallyReporter *reporter = tally_reporter_junit_new (path, error);
  TallyRunSummary summary;

  if (reporter == NULL)
    return NULL;
  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  summary_init (&summary, fake);
  drive (reporter, fake, &summary);
  summary_clear (&summary);
  return reporter;
}

/* A symbolic link is followed, dangling or not: the target gets the
 * report, the link stays a link. */
static void
test_junit_follows_links (TallyTest     *t,
                          gconstpointer  data)
{
  const char *dir = tally_test_get_tmpdir (t);
  g_autofree char *link = g_build_filename (dir, "link.xml", NULL);
  g_autofree char *target = g_build_filename (dir, "target.xml", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(TallyReporter) reporter = NULL;
      GStatBuf st;

      g_unlink (link);
      g_unlink (target);
      tally_assert_cmpint (symlink ("target.xml", link), ==, 0);
      if (round == 1)
        tally_assert_true (g_file_set_contents (target, "old", -1, NULL));

      reporter = junit_report (link, &error);
      tally_assert_no_error (error);
      tally_assert_true (tally_reporter_get_error (reporter, &error));
      tally_assert_cmpint (g_lstat (link, &st), ==, 0);
      tally_assert_true (S_ISLNK (st.st_mode));
      g_clear_pointer (&xml, g_free);
      tally_assert_true (g_file_get_contents (target, &xml, NULL, NULL));
      tally_assert_nonnull (strstr (xml, "/foo/pass"));
    }
}

static gpointer
read_fifo (gpointer data)
{
  g_autofree char *contents = NULL;

  g_file_get_contents (data, &contents, NULL, NULL);
  return g_steal_pointer (&contents);
}

/* A FIFO is written in place (its reader gets the report), not replaced
 * by a regular file. */
static void
test_junit_fifo (TallyTest     *t,
                 gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (tally_test_get_tmpdir (t), "report.xml", NULL);
  g_autoptr(TallyReporter) reporter = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *read = NULL;
  GThread *reader;
  GStatBuf st;

  tally_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  reader = g_thread_new ("fifo-reader", read_fifo, fifo);
  reporter = junit_report (fifo, &error);
  tally_assert_no_error (error);
  read = g_thread_join (reader);
  tally_assert_true (tally_reporter_get_error (reporter, &error));
  tally_assert_nonnull (read);
  tally_assert_nonnull (strstr (read, "</testsuites>"));
  tally_assert_cmpint (g_stat (fifo, &st), ==, 0);
  tally_assert_true (S_ISFIFO (st.st_mode));
}

/* A report that cannot be written completely says so, for every format:
 * /dev/full fails every write with ENOSPC. */
static void
test_write_errors_kept (TallyTest     *t,
                        gconstpointer  data)
{
  FILE *full = fopen ("/dev/full", "w");
  g_autoptr(Fake) fake = NULL;
  g_autoptr(GError) error = NULL;
  TallyRunSummary summary;
  TallyReporter *reporters[3];

  if (full == NULL)
    tally_test_skip (t, "no /dev/full");
  fake = fake_new ("test-foo");
  fake_add (fake, "/foo/pass", TALLY_OUTCOME_PASSED, NULL);
  summary_init (&summary, fake);
  reporters[0] = tally_reporter_json_new (full);
  reporters[1] = tally_reporter_tap_new (full);
  reporters[2] = junit_report ("/dev/full", &error);
  tally_assert_no_error (error);
  drive (reporters[0], fake, &summary);
  drive (reporters[1], fake, &summary);

  for (guint i = 0; i < G_N_ELEMENTS (reporters); i++)
    {
      tally_assert_false (tally_reporter_get_error (reporters[i], &error));
      tally_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
      g_clear_error (&error);
      tally_reporter_free (reporters[i]);
    }
  fclose (full);
  summary_clear (&summary);
}

static void
register_tests (void)
{
  tally_add ("/runner/reporters/console/final-line", test_console_final_line, NULL);
  tally_add ("/runner/reporters/console/all-outcomes", test_console_all_outcomes, NULL);
  tally_add ("/runner/reporters/console/failure-block", test_console_failure_block, NULL);
  tally_add ("/runner/reporters/console/crash", test_console_crash, NULL);
  tally_add ("/runner/reporters/console/verbose-colour", test_console_verbose_colour, NULL);
  tally_add ("/runner/reporters/console/end", test_console_end, NULL);
  tally_add ("/runner/reporters/console/tty-status", test_console_tty_status, NULL);
  tally_add ("/runner/reporters/json/events", test_json_events, NULL);
  tally_add ("/runner/reporters/json/status", test_json_status, NULL);
  tally_add ("/runner/reporters/tap/lines", test_tap_lines, NULL);
  tally_add ("/runner/reporters/junit/escapes", test_junit_escapes, NULL);
  tally_add ("/runner/reporters/junit/bad-path", test_junit_bad_path, NULL);
  tally_add ("/runner/reporters/junit/follows-links", test_junit_follows_links, NULL);
  tally_add ("/runner/reporters/junit/fifo", test_junit_fifo, "timeout=10");
  tally_add ("/runner/reporters/write-errors-kept", test_write_errors_kept, NULL);
  tally_add ("/runner/reporters/tee", test_tee, NULL);
}

TALLY_MAIN (register_tests)
