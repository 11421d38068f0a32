/* The harness tested from the inside: every test here runs on its own
 * fresh GMainContext and checks what Tally promises while it runs. Tests
 * of what a failing test looks like run a sample program and read its
 * TAP. */
#include "config.h"

#define G_LOG_USE_STRUCTURED 1
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "tally-test-util.h"

/* --- a fresh context per test ------------------------------------------- */

static GMainContext *previous_context;
static gboolean stale_dispatched;

static gboolean
on_stale_cb (gpointer data)
{
  stale_dispatched = TRUE;
  return G_SOURCE_REMOVE;
}

/* Leaves a 30 ms timeout behind (allowed by leaks=ignore; ready sources
 * would be dispatched at the end of their own test): the next test must
 * never see it dispatched. */
static void
test_context_leave_source (TallyTest *t, gconstpointer data)
{
  GSource *source = g_timeout_source_new (30);

  tally_assert_true (g_main_context_get_thread_default () == tally_test_get_context (t));
  g_source_set_callback (source, on_stale_cb, NULL, NULL);
  g_source_attach (source, tally_test_get_context (t));
  g_source_unref (source);
  g_timeout_add_seconds (100, on_stale_cb, NULL);   /* on the global context too */
  previous_context = tally_test_get_context (t);
}

static void
test_context_is_fresh (TallyTest *t, gconstpointer data)
{
  tally_assert_nonnull (previous_context);
  tally_assert_true (tally_test_get_context (t) != g_main_context_default ());
  tally_assert_true (g_main_context_get_thread_default () == tally_test_get_context (t));
  /* Iterate everything there is to iterate for longer than the old
   * timeout: it never runs. */
  for (gint64 end = g_get_monotonic_time () + 100 * 1000; g_get_monotonic_time () < end;)
    {
      g_main_context_iteration (tally_test_get_context (t), FALSE);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  tally_assert_false (stale_dispatched);
}

/* --- async helpers ------------------------------------------------------- */

static void
test_await_returns_result (TallyTest *t, gconstpointer data)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "hello.txt", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_file_set_contents (path, "hello, world", -1, NULL);
  file = g_file_new_for_path (path);
  g_file_load_contents_async (file, tally_test_get_cancellable (t), tally_test_async_ready, t);
  tally_assert_true (g_file_load_contents_finish (file, tally_test_await (t), &contents, &len,
                                                  NULL, &error));
  tally_assert_no_error (error);
  tally_assert_cmpstr (contents, ==, "hello, world");
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static gpointer
set_flag_later (gpointer data)
{
  g_usleep (20 * 1000);
  *(volatile gboolean *) data = TRUE;
  return NULL;
}

static void
test_wait_until_sees_other_threads (TallyTest *t, gconstpointer data)
{
  static gboolean flag;
  GThread *thread = g_thread_new ("setter", set_flag_later, &flag);

  tally_test_wait_until (t, flag_is_set, &flag);
  tally_assert_true (flag);
  g_thread_join (thread);
}

static gboolean
release_cb (gpointer data)
{
  TallyTest *t = data;
  g_message ("released by a callback");
  tally_test_release (t);
  return G_SOURCE_REMOVE;
}

static void
test_hold_keeps_test_alive (TallyTest *t, gconstpointer data)
{
  GSource *source = g_timeout_source_new (10);

  g_source_set_callback (source, release_cb, t, NULL);
  g_source_attach (source, tally_test_get_context (t));
  g_source_unref (source);
  tally_test_hold (t);
  /* The body returns; the test stays running until the release. */
}

static void
check_held_test_ran (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpuint (tally_test_count_logs (t, TALLY_LOG_LEVEL_ANY, NULL, "released*"), ==, 0);
}

/* --- caplog -------------------------------------------------------------- */

static void
test_records_carry_fields (TallyTest *t, gconstpointer data)
{
  GPtrArray *logs;
  TallyLogRecord *record;
  int line;

  g_debug ("debug is captured whatever G_MESSAGES_DEBUG says"); line = __LINE__;
  logs = tally_test_get_logs (t);
  tally_assert_cmpuint (logs->len, ==, 1);
  record = g_ptr_array_index (logs, 0);
  tally_assert_cmpint (record->level, ==, G_LOG_LEVEL_DEBUG);
  tally_assert_cmpstr (record->message, ==, "debug is captured whatever G_MESSAGES_DEBUG says");
  tally_assert_nonnull (strstr (record->file, "test-harness.c"));
  tally_assert_cmpint (record->line, ==, line);
  tally_assert_cmpstr (record->func, ==, "test_records_carry_fields");
  tally_assert_cmpint (record->time_us, >, 0);
  tally_assert_cmpint (record->thread_id, ==, gettid ());

  g_log_structured ("Custom", G_LOG_LEVEL_INFO, "REQUEST_ID", "42", "MESSAGE", "with extra fields");
  record = g_ptr_array_index (logs, 1);
  tally_assert_cmpstr (record->domain, ==, "Custom");
  tally_assert_cmpint (record->level, ==, G_LOG_LEVEL_INFO);
  tally_assert_nonnull (record->fields);
  tally_assert_nonnull (strstr (record->fields, "\"REQUEST_ID\":\"42\""));
}

/* Extra fields are stored as a JSON object that any parser reads back:
 * quotes, backslashes and control characters escaped, a value that is not
 * UTF-8 named as binary, a key that is not made valid (libtally writes
 * the JSON by hand, with no JSON library). */
static void
test_record_fields_are_json (TallyTest *t, gconstpointer data)
{
  static const char binary[] = "a\0b";
  GLogField fields[] = {
    { "MESSAGE", "fields", -1 },
    { "QUOTED", "say \"hi\" \\ back\nslash\t\x01", -1 },
    { "NOT_UTF8", "caf\xe9", -1 },
    { "K\xe9Y", "a key that is not UTF-8", -1 },
    { "BINARY", binary, sizeof binary - 1 },
    { "EMPTY", "", -1 },
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  TallyLogRecord *record;
  JsonObject *object;

  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
  record = g_ptr_array_index (tally_test_get_logs (t), 0);
  tally_assert_nonnull (record->fields);
  json_parser_load_from_data (parser, record->fields, -1, &error);
  tally_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  tally_assert_cmpuint (json_object_get_size (object), ==, 5);
  tally_assert_cmpstr (json_object_get_string_member (object, "QUOTED"), ==,
                       "say \"hi\" \\ back\nslash\t\x01");
  tally_assert_cmpstr (json_object_get_string_member (object, "NOT_UTF8"), ==, "<4 bytes of binary data>");
  tally_assert_cmpstr (json_object_get_string_member (object, "K\xef\xbf\xbdY"), ==, "a key that is not UTF-8");
  tally_assert_cmpstr (json_object_get_string_member (object, "BINARY"), ==, "<3 bytes of binary data>");
  tally_assert_cmpstr (json_object_get_string_member (object, "EMPTY"), ==, "");
}

static gpointer
log_from_thread (gpointer data)
{
  g_message ("from a thread the test started");
  return NULL;
}

static void
test_records_from_threads (TallyTest *t, gconstpointer data)
{
  g_thread_join (g_thread_new ("logger", log_from_thread, NULL));
  tally_assert_logged (t, G_LOG_LEVEL_MESSAGE, NULL, "from a thread*");
  tally_assert_cmpint (((TallyLogRecord *) g_ptr_array_index (tally_test_get_logs (t), 0))->thread_id,
                       !=, gettid ());
}

static void
test_old_api_captured (TallyTest *t, gconstpointer data)
{
  g_log ("OldApi", G_LOG_LEVEL_MESSAGE, "old-style %s", "g_log");
  tally_assert_logged (t, G_LOG_LEVEL_MESSAGE, "OldApi", "old-style g_log");
  tally_assert_not_logged (t, G_LOG_LEVEL_WARNING, NULL, NULL);
}

static void
test_non_utf8_and_huge_intact (TallyTest *t, gconstpointer data)
{
  static const char binary[] = "bad \xff\xfe utf-8 and a \0 NUL inside";
  gsize huge_len = 1024 * 1024;
  g_autofree char *huge = g_malloc (huge_len + 1);
  GLogField fields[] = {
    { "MESSAGE", binary, sizeof binary - 1 },
    { "GLIB_DOMAIN", "Bytes", -1 },
  };
  TallyLogRecord *record;

  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
  record = g_ptr_array_index (tally_test_get_logs (t), 0);
  tally_assert_cmpuint (record->message_len, ==, sizeof binary - 1);
  tally_assert_true (memcmp (record->message, binary, sizeof binary - 1) == 0);

  memset (huge, 'z', huge_len);
  huge[huge_len] = '\0';
  g_message ("%s", huge);
  record = g_ptr_array_index (tally_test_get_logs (t), 1);
  tally_assert_cmpuint (record->message_len, ==, huge_len);
  tally_assert_cmpstr (record->message, ==, huge);
}

static void
test_expected_warning_passes (TallyTest *t, gconstpointer data)
{
  tally_test_expect_log (t, "Net", G_LOG_LEVEL_WARNING, "connection * refused");
  g_log ("Net", G_LOG_LEVEL_WARNING, "connection to %s refused", "example");
  tally_test_expect_log_n (t, NULL, G_LOG_LEVEL_CRITICAL, "twice*", 2);
  g_critical ("twice a");
  g_critical ("twice b");
}

static void
test_clear_and_level (TallyTest *t, gconstpointer data)
{
  g_message ("before clear");
  tally_test_clear_logs (t);
  tally_assert_cmpuint (tally_test_get_logs (t)->len, ==, 0);
  tally_test_set_log_level (t, G_LOG_LEVEL_MESSAGE);
  g_debug ("not captured");
  g_info ("not captured either");
  g_message ("captured");
  tally_assert_cmpuint (tally_test_get_logs (t)->len, ==, 1);
  tally_assert_logged (t, G_LOG_LEVEL_MESSAGE, NULL, "captured");
}

/* --- fixtures, cleanups, tmpdir ------------------------------------------ */

typedef struct
{
  char *dir;
  int setups;
} Fixture;

static void
fixture_setup (TallyTest *t, Fixture *f, gconstpointer data)
{
  f->dir = g_strdup (tally_test_get_tmpdir (t));
  f->setups++;
}

static void
fixture_teardown (TallyTest *t, Fixture *f, gconstpointer data)
{
  g_free (f->dir);
}

static void
fixture_body (TallyTest *t, Fixture *f, gconstpointer data)
{
  tally_assert_cmpint (f->setups, ==, 1);
  tally_assert_true (g_file_test (f->dir, G_FILE_TEST_IS_DIR));
  tally_assert_cmpstr (f->dir, ==, tally_test_get_tmpdir (t));
}

static GString *cleanup_order;

static void
note_cleanup (gpointer data)
{
  g_string_append (cleanup_order, data);
}

static void
test_cleanups_reverse (TallyTest *t, gconstpointer data)
{
  cleanup_order = g_string_new (NULL);
  tally_test_add_cleanup (t, note_cleanup, (gpointer) "a");
  tally_test_add_cleanup (t, note_cleanup, (gpointer) "b");
  tally_assert_cmpuint (cleanup_order->len, ==, 0);
}

static void
check_cleanups_ran (TallyTest *t, gconstpointer data)
{
  tally_assert_nonnull (cleanup_order);
  tally_assert_cmpstr (cleanup_order->str, ==, "ba");
  g_string_free (cleanup_order, TRUE);
}

typedef struct { int value; GThread *thread; } Shared;

static gpointer
shared_setup (GError **error)
{
  Shared *shared = g_new0 (Shared, 1);
  shared->value = 42;
  shared->thread = g_thread_self ();
  return shared;
}

static void
test_worker_fixture (TallyTest *t, gconstpointer data)
{
  Shared *a = tally_test_use_worker_fixture (t, "shared");
  Shared *b = tally_test_use_worker_fixture (t, "shared");

  tally_assert_true (a == b);
  tally_assert_cmpint (a->value, ==, 42);
  tally_assert_true (a->thread != g_thread_self ());   /* set up on the fixture thread */
}

/* --- a test that ends its process, standalone ----------------------------- */

static TallyRun *
run_standalone (TallyTest          *t,
                const char * const *envp,
                const char         *sample,
                const char         *path)
{
  g_autofree char *program = tally_util_build_path (sample);

  return tally_util_run (t, envp, program, "-p", path, NULL);
}

static void
test_standalone_fatal_signal (TallyTest *t, gconstpointer data)
{
  g_autoptr(TallyRun) run = run_standalone (t, NULL, "tests/samples/sample-crash", "/crash/segv");

  tally_assert_nonnull (strstr (run->out, "not ok 1 /crash/segv # crashed: the process died of SIGSEGV (Segmentation fault)\n"
                                          "# log:\n"
                                          "#   message  SampleCrash: about to crash\n"));
  tally_assert_nonnull (strstr (run->out, "#   last words on stderr"));
  tally_assert_nonnull (strstr (run->out, "Bail out! /crash/segv crashed\n"));
}

static void
test_standalone_exit_mid_test (TallyTest *t, gconstpointer data)
{
  g_autoptr(TallyRun) run = run_standalone (t, NULL, "tests/samples/sample-exit", "/exit/mid-test");

  tally_assert_nonnull (strstr (run->out, "not ok 1 /exit/mid-test # crashed: the test called exit() mid-test\n"
                                          "Bail out! /exit/mid-test exited\n"));
  tally_assert_nonnull (strstr (run->out, "#   last words before exit"));
}

/* A child the test forks runs the parent's exit handlers when it calls
 * exit(): it must not report the test as ended. */
static void
test_standalone_child_exit (TallyTest *t, gconstpointer data)
{
  g_autofree char *no_leak_check = tally_util_env_no_leak_check ();
  const char *envp[] = { no_leak_check, NULL };
  g_autoptr(TallyRun) run = run_standalone (t, envp, "tests/samples/sample-exit", "/exit/child-exits");

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_nonnull (strstr (run->out, "ok 1 /exit/child-exits\n"));
  tally_assert_null (strstr (run->out, "not ok"));
  tally_assert_null (strstr (run->out, "Bail out!"));
}

/* meson's --print-errorlogs shows a TAP program's stderr: a failure's
 * header and message are there too, unless stderr is stdout. */
static void
test_standalone_failure_on_stderr (TallyTest *t, gconstpointer data)
{
  g_autofree char *program = tally_util_build_path ("tests/samples/sample-outcomes");
  g_autoptr(TallyRun) fail = run_standalone (t, NULL, "tests/samples/sample-outcomes", "/outcomes/fail");
  g_autoptr(TallyRun) pass = run_standalone (t, NULL, "tests/samples/sample-outcomes", "/outcomes/pass");
  g_autoptr(GSubprocess) merged = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *both = NULL;

  tally_assert_cmpint (fail->status, ==, 1);
  tally_assert_true (g_str_has_prefix (fail->err, "/outcomes/fail: failed at "));
  tally_assert_nonnull (strstr (fail->err, "sample-outcomes.c:20\n  "));
  tally_assert_cmpint (pass->status, ==, 0);
  tally_assert_cmpstr (pass->err, ==, "");

  merged = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                             program, "-p", "/outcomes/fail", NULL);
  tally_assert_no_error (error);
  tally_assert_true (g_subprocess_communicate_utf8 (merged, NULL, NULL, &both, NULL, &error));
  tally_assert_no_error (error);
  tally_assert_nonnull (strstr (both, "\n# /outcomes/fail: failed at "));
  tally_assert_null (strstr (both, "\n/outcomes/fail: failed at "));
}

/* --- what failures look like (a sample program, standalone) ------------- */

static TallyRun *sample_tap;

static const char *
tap_block (TallyTest  *t,
           const char *path)
{
  g_autofree char *program = NULL;
  g_autofree char *needle = NULL;
  const char *at;

  if (sample_tap == NULL)
    {
      program = tally_util_build_path ("tests/samples/sample-outcomes");
      sample_tap = tally_util_run (t, NULL, program, NULL);
    }
  needle = g_strdup_printf (" %s", path);
  at = strstr (sample_tap->out, needle);
  if (at == NULL)
    tally_fail ("%s is not in the TAP output:\n%s", path, sample_tap->out);
  while (at > sample_tap->out && at[-1] != '\n')
    at--;
  return at;
}

typedef struct
{
  const char *path;
  const char *line;       /* how the TAP line starts */
  const char *needle;     /* in the diagnostics that follow */
} Expectation;

static const Expectation outcomes[] = {
  { "/outcomes/pass", "ok ", NULL },
  { "/outcomes/fail", "not ok ", "sample-outcomes.c:20" },
  { "/outcomes/skip-call", "ok ", "# SKIP not on this machine" },
  { "/outcomes/skip-marker", "ok ", "# SKIP not today" },
  { "/outcomes/xfail", "not ok ", "# TODO" },
  { "/outcomes/xpass", "ok ", "# xpassed" },
  { "/outcomes/leak-context", "not ok ", "leftover timeout source “forgotten-timer”" },
  { "/outcomes/leak-global", "not ok ", "on the global default context" },
  { "/outcomes/leak-warn", "ok ", NULL },
  { "/outcomes/await-timeout", "not ok ", "timed out after 0.2 s awaiting an async result" },
  { "/outcomes/unexpected-warning", "not ok ", "unexpected WARNING: something is off: 42" },
  { "/outcomes/setup-error", "not ok ", "error at" },
};

static void
test_outcome_in_tap (TallyTest *t, gconstpointer data)
{
  const Expectation *e = data;
  const char *block = tap_block (t, e->path);
  const char *next = strstr (block + 1, "\nok ");
  const char *next_fail = strstr (block + 1, "\nnot ok ");
  g_autofree char *text = NULL;

  if (next_fail && (!next || next_fail < next))
    next = next_fail;
  text = next ? g_strndup (block, next - block) : g_strdup (block);

  tally_assert_true (g_str_has_prefix (text, e->line));
  if (e->needle)
    tally_assert_nonnull (strstr (text, e->needle));
  tally_assert_cmpint (sample_tap->status, ==, 1);
}

static void
test_child_stdout_attributed (TallyTest *t, gconstpointer data)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;

  /* Standalone mode captures fds 1 and 2: the child's echo lands in this
   * test's captured stdout, not in the TAP stream. */
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "echo", "child output", NULL);
  tally_assert_no_error (error);
  tally_assert_true (g_subprocess_wait_check (child, NULL, &error));
  fflush (stdout);
  tally_assert_nonnull (child);
}

static void
register_tests (void)
{
  static TallyParam outcome_params[G_N_ELEMENTS (outcomes)];

  /* Order matters for the pairs below: a group runs in order on one worker. */
  tally_add ("/core/context/1-leave-source", test_context_leave_source, "group=context leaks=ignore");
  tally_add ("/core/context/2-next-test-is-fresh", test_context_is_fresh, "group=context");
  tally_add ("/core/async/await-returns-result", test_await_returns_result, NULL);
  tally_add ("/core/async/wait-until-other-thread", test_wait_until_sees_other_threads, NULL);
  tally_add ("/core/async/hold-release", test_hold_keeps_test_alive, NULL);
  tally_add ("/core/async/hold-release-check", check_held_test_ran, NULL);
  tally_add ("/core/caplog/record-fields", test_records_carry_fields, NULL);
  tally_add ("/core/caplog/record-fields-json", test_record_fields_are_json, NULL);
  tally_add ("/core/caplog/other-threads", test_records_from_threads, NULL);
  tally_add ("/core/caplog/old-api", test_old_api_captured, NULL);
  tally_add ("/core/caplog/non-utf8-and-1mb-intact", test_non_utf8_and_huge_intact, NULL);
  tally_add ("/core/caplog/expected-warnings-pass", test_expected_warning_passes, NULL);
  tally_add ("/core/caplog/clear-and-level", test_clear_and_level, NULL);
  tally_add_fixture ("/core/fixture/setup-body-teardown", Fixture, NULL,
                     fixture_setup, fixture_body, fixture_teardown, NULL);
  tally_add ("/core/cleanup/1-register", test_cleanups_reverse, "group=cleanup");
  tally_add ("/core/cleanup/2-ran-in-reverse", check_cleanups_ran, "group=cleanup");
  tally_add_worker_fixture ("shared", shared_setup, g_free);
  tally_add ("/core/fixture/per-worker", test_worker_fixture, NULL);
  tally_add ("/core/standalone/child-stdout-captured", test_child_stdout_attributed, NULL);
  tally_add ("/core/standalone/fatal-signal-reported", test_standalone_fatal_signal, NULL);
  tally_add ("/core/standalone/exit-mid-test-reported", test_standalone_exit_mid_test, NULL);
  tally_add ("/core/standalone/child-exit-is-not-the-test", test_standalone_child_exit, NULL);
  tally_add ("/core/standalone/failure-on-stderr", test_standalone_failure_on_stderr, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    outcome_params[i] = (TallyParam) { outcomes[i].path + strlen ("/outcomes/"), &outcomes[i] };
  tally_add_params ("/core/outcomes", test_outcome_in_tap, outcome_params, "group=outcomes");
}

TALLY_MAIN (register_tests)
