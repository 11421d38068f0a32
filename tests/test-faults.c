/* Fault injection (docs/reliability.md): tests that break their worker's
 * plumbing, flood it, feed it odd bytes or thousands of sources; a runner
 * killed with SIGKILL at random moments; a full disk; a locked database.
 * For each: exactly one affected result with the right outcome and
 * evidence, every other result intact, the right exit status, nothing
 * left `running` in the database and no process left behind.
 * test-runner.c covers segfault, g_assert, exit(0), hangs, garbage on
 * fd 4, a forked child and a 20 MB flood; this file does not repeat them. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "reliability-util.h"

static gboolean
slow_tests (void)
{
  return g_getenv ("TALLY_SLOW_TESTS") != NULL;
}

/* --- the worker's plumbing (sample-fault-proto) -------------------------- */

typedef struct
{
  const char *kind;
  const char *outcomes;       /* acceptable outcomes, space-separated */
  int signal;                 /* expected signal, 0: not checked */
  const char *stderr_needle;  /* in the stored stderr, or NULL */
  const char *log_needle;     /* in the stored log, or NULL */
  int run_status;
} ProtoFault;

static const ProtoFault proto_faults[] = {
  /* The protocol moved off fds 3 and 4 before the tests ran (they are
   * /dev/null now): closing them, writing a frame header announcing
   * 255 MiB to fd 4, or dup2()ing over it harms nobody. The test passes,
   * its log arrives, and the tests queued behind it run once, heard. */
  { "close-protocol", "passed", 0, "closing fd 3 and 4", "after the close", 0 },
  { "close-events", "passed", 0, NULL, NULL, 0 },
  { "huge-header", "passed", 0, NULL, "announcing a 255 MiB frame", 0 },
  /* Closing its own stdout/stderr is the test's business: it passes.
   * (What it printed before is kept: see close-stdio-keeps-output.) */
  { "close-stdio", "passed", 0, NULL, "logging still works", 0 },
  /* SIGKILL cannot be caught: the log buffer is lost with the process,
   * what the test wrote on stderr is not. */
  { "sigkill-self", "crashed", SIGKILL, "SIGKILL next", NULL, 1 },
  { "thread-abort", "crashed", SIGABRT, NULL, "aborting from a thread", 1 },
  /* Threads still running when the test ends: the test passes, the
   * worker goes on (or retires) and the tests after it are unharmed. */
  { "thread-leak", "passed", 0, NULL, "leaving two threads behind", 0 },
  { "dup2-events", "passed", 0, NULL, "replacing fd 4", 0 },
  /* _exit() before any event left: crashed, not run again. */
  { "exit-early", "crashed", 0, NULL, NULL, 1 },
};

static gboolean
word_in (const char *word,
         const char *words)
{
  g_auto(GStrv) list = g_strsplit (words, " ", -1);
  return g_strv_contains ((const char * const *) list, word);
}

static gboolean
logs_contain (TallyStore *store,
              gint64      result_id,
              const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) logs = tally_store_get_logs (store, result_id, &error);

  tally_assert_no_error (error);
  for (guint i = 0; i < logs->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (logs, i);
      if (record->message && memmem (record->message, record->message_len, needle, strlen (needle)))
        return TRUE;
    }
  return FALSE;
}

/* The ok tests of a sample: passed, with their own log and stdout. */
static void
assert_neighbours_intact (TallyRun   *run,
                          TallyStore *store,
                          const char *prefix,
                          const char *letters)
{
  for (const char *c = letters; *c; c++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%c-ok", g_str_has_prefix (prefix, "/fault") ? "/fault" : prefix, *c);
      g_autofree char *log = g_strdup_printf ("fine: %s", path);
      g_autofree char *out_line = g_strdup_printf ("stdout of %s\n", path);
      gint64 result_id;

      tally_assert_cmpstr (tally_util_outcome (run, path), ==, "passed");
      result_id = tally_util_member_int (run, path, "result_id");
      tally_assert_cmpint (result_id, >, 0);
      if (!logs_contain (store, result_id, log))
        tally_fail ("%s lost its log record", path);
      if (g_str_equal (prefix, "/fault"))
        {
          g_autoptr(GBytes) out = rel_output (store, result_id, TALLY_STREAM_STDOUT);
          /* exactly its own line: nothing of a neighbour mixed in */
          rel_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out),
                               out_line, strlen (out_line));
        }
    }
}

/* No test ran twice: each line of @runs_file (a path per run) is there
 * once, and there are @expected of them. */
static void
assert_each_ran_once (const char *runs_file,
                      guint       expected)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0;

  tally_assert_true (g_file_get_contents (runs_file, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      if (!g_hash_table_add (seen, lines[i]))
        tally_fail ("%s ran twice", lines[i]);
      n++;
    }
  tally_assert_cmpuint (n, ==, expected);
}

static void
test_proto_fault (TallyTest *t, gconstpointer data)
{
  const ProtoFault *fault = data;
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = rel_unique_sample (t, "sample-fault-proto", "fproto");
  g_autofree char *db = rel_db_path (t);
  g_autofree char *only = g_strdup_printf ("TALLY_SAMPLE_ONLY=%s", fault->kind);
  g_autofree char *path = g_strdup_printf ("/fault/%s", fault->kind);
  g_autofree char *runs_file = g_build_filename (tally_test_get_tmpdir (t), "runs.txt", NULL);
  g_autofree char *runs_env = g_strdup_printf ("TALLY_SAMPLE_RUNS=%s", runs_file);
  const char *envp[] = { only, runs_env, NULL };
  const char *argv[] = { tally, "run", "-n", "2", "--json", "--db", db, program, NULL };
  RelRun measured = rel_run_measured (t, envp, argv);
  g_autoptr(TallyRun) run = measured.run;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *outcome = tally_util_outcome (run, path);
  gint64 result_id = tally_util_member_int (run, path, "result_id");

  if (!word_in (outcome, fault->outcomes))
    tally_fail ("%s: outcome %s, expected one of: %s (message: %s)", path, outcome, fault->outcomes,
                tally_util_member_str (run, path, "message"));
  if (fault->signal)
    tally_assert_cmpint (tally_util_member_int (run, path, "signal"), ==, fault->signal);
  tally_assert_cmpint (run->status, ==, fault->run_status);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 10);
  /* a hang is bounded by the test's 2 s deadline + slack + grace (and
   * start-ups, slow under a sanitizer): not minutes */
  tally_assert_cmpint (measured.elapsed_us, <, 30 * G_USEC_PER_SEC);

  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM results", &error), ==, 10);
  if (fault->stderr_needle)
    {
      g_autoptr(GBytes) err = rel_output (store, result_id, TALLY_STREAM_STDERR);
      if (!rel_bytes_contain (err, fault->stderr_needle))
        tally_fail ("%s: stored stderr lacks “%s”", path, fault->stderr_needle);
    }
  if (fault->log_needle && !logs_contain (store, result_id, fault->log_needle))
    tally_fail ("%s: stored log lacks “%s”", path, fault->log_needle);
  assert_neighbours_intact (run, store, "/fault", "abcdefghi");
  g_clear_pointer (&store, tally_store_close);
  assert_each_ran_once (runs_file, 9 + g_str_equal (fault->kind, "exit-early"));

  rel_assert_db_sound (db);
  rel_assert_no_strays (program, G_USEC_PER_SEC);
}

/* xfail tests end through tally_test_fail() with nothing allocated:
 * unwinding skips g_autoptr cleanups, and LeakSanitizer would flag them. */
static void
fail_with_verdict (TallyTest *t,
                   char      *verdict)
{
  char message[1024];

  if (verdict == NULL)
    return;
  g_strlcpy (message, verdict, sizeof message);
  g_free (verdict);
  tally_test_fail (t, "%s", message);
}

/* A test that closes fds 1 and 2 keeps what it printed before, and the
 * tests after it on the same worker (-n 1) keep their output. */
static char *
close_stdio_verdict (TallyTest *t)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = rel_unique_sample (t, "sample-fault-proto", "fstdio");
  g_autofree char *db = rel_db_path (t);
  const char *envp[] = { "TALLY_SAMPLE_ONLY=close-stdio", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "-n", "1", "--json", "--db", db, program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  gint64 result_id;

  tally_assert_cmpint (run->status, ==, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  rel_assert_no_strays (program, G_USEC_PER_SEC);
  result_id = tally_util_member_int (run, "/fault/close-stdio", "result_id");
  out = rel_output (store, result_id, TALLY_STREAM_STDOUT);
  err = rel_output (store, result_id, TALLY_STREAM_STDERR);
  if (!rel_bytes_contain (out, "before closing stdout") || !rel_bytes_contain (err, "before closing stderr"))
    return g_strdup ("what /fault/close-stdio printed before closing fds 1 and 2 was not stored");
  for (const char *c = "efgh"; *c; c++)
    {
      g_autofree char *path = g_strdup_printf ("/fault/%c-ok", *c);
      g_autoptr(GBytes) next = rel_output (store, tally_util_member_int (run, path, "result_id"),
                                           TALLY_STREAM_STDOUT);
      if (!rel_bytes_contain (next, "stdout of"))
        return g_strdup_printf ("%s, after /fault/close-stdio on the same worker, lost its stdout", path);
    }
  return NULL;
}

static void
test_close_stdio_keeps_output (TallyTest *t, gconstpointer data)
{
  fail_with_verdict (t, close_stdio_verdict (t));
}

/* --- volume and bytes (sample-fault-data) -------------------------------- */

static const char binary[] = "a\0b\xff\xfe\x80 \xc0\xaf \xed\xa0\x80 end\0";

static char *
big_message (gsize size)
{
  char *message = g_malloc (size + 1);

  for (gsize i = 0; i < size; i++)
    message[i] = 'a' + (i * 7 + i / 1000) % 26;
  memcpy (message, "BEGIN", 5);
  memcpy (message + size - 3, "END", 3);
  message[size] = '\0';
  return message;
}

/* Runner peak RSS bound for the whole data run, in kB: 100 MB of stdout
 * and a 10 MB log message go through it. Measured: see reliability.md. */
#define DATA_RUN_HWM_BOUND_KB (96 * 1024)

/* Under AddressSanitizer the runner's RSS holds shadow memory and the
 * free quarantine: the bound is not checked there (only reported). */
#if defined(__SANITIZE_ADDRESS__)
# define REL_UNDER_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define REL_UNDER_ASAN 1
# endif
#endif
#ifndef REL_UNDER_ASAN
# define REL_UNDER_ASAN 0
#endif

static void
test_data_faults (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = rel_unique_sample (t, "sample-fault-data", "fdata");
  g_autofree char *db = rel_db_path (t);
  const char *argv[] = { tally, "run", "-n", "2", "--json", "--db", db, program, NULL };
  RelRun measured = rel_run_measured (t, NULL, argv);
  g_autoptr(TallyRun) run = measured.run;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) flood = NULL;
  g_autoptr(GPtrArray) binlogs = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  TallyResult result = { 0 };
  const char *flood_data;
  gsize flood_len;
  static const char classic[] = "classic \xff\xfe caf\xc3\xa9 \xe2\x82";

  g_message ("data run: %.2f s, runner VmHWM %" G_GINT64_FORMAT " kB",
                  measured.elapsed_us / 1e6, measured.hwm_kb);
  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 15);
  tally_assert_cmpint (measured.hwm_kb, >, 0);
  if (!REL_UNDER_ASAN)
    tally_assert_cmpint (measured.hwm_kb, <, DATA_RUN_HWM_BOUND_KB);

  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  assert_neighbours_intact (run, store, "/data", "abcdefg");

  /* 100 MB flood: passes; head and tail kept around a note, bounded. */
  tally_assert_cmpstr (tally_util_outcome (run, "/data/flood"), ==, "passed");
  flood = rel_output (store, tally_util_member_int (run, "/data/flood", "result_id"), TALLY_STREAM_STDOUT);
  flood_data = g_bytes_get_data (flood, &flood_len);
  tally_assert_cmpuint (flood_len, >, 512 * 1024);
  tally_assert_cmpuint (flood_len, <, 3 * 1024 * 1024);
  tally_assert_true (g_str_has_prefix (flood_data, "HEAD"));
  rel_assert_cmpmem (flood_data + flood_len - 5, 5, "TAIL\n", 5);

  /* 1 MB and 10 MB log messages: stored whole, byte-exact, in order. */
  for (guint mb = 1; mb <= 10; mb += 9)
    {
      g_autofree char *path = g_strdup_printf ("/data/log-%umb", mb);
      g_autoptr(GPtrArray) logs = tally_util_stored_logs (store, run, path);
      g_autofree char *expected = big_message (mb * 1024 * 1024);
      TallyLogRecord *big;

      tally_assert_cmpstr (tally_util_outcome (run, path), ==, "passed");
      tally_assert_cmpuint (logs->len, ==, 3);
      tally_assert_cmpstr (((TallyLogRecord *) g_ptr_array_index (logs, 0))->message, ==, "before the big one");
      big = g_ptr_array_index (logs, 1);
      rel_assert_cmpmem (big->message, big->message_len, expected, mb * 1024 * 1024);
      tally_assert_cmpstr (((TallyLogRecord *) g_ptr_array_index (logs, 2))->message, ==, "after the big one");
    }

  /* Invalid UTF-8 and NUL bytes: logs, output and message round-trip. */
  binlogs = tally_util_stored_logs (store, run, "/data/log-binary");
  tally_assert_cmpuint (binlogs->len, ==, 2);
  rel_assert_cmpmem (((TallyLogRecord *) g_ptr_array_index (binlogs, 0))->message,
                       ((TallyLogRecord *) g_ptr_array_index (binlogs, 0))->message_len,
                       binary, sizeof binary - 1);
  tally_assert_cmpstr (((TallyLogRecord *) g_ptr_array_index (binlogs, 0))->domain, ==, "Bin");
  rel_assert_cmpmem (((TallyLogRecord *) g_ptr_array_index (binlogs, 1))->message,
                       ((TallyLogRecord *) g_ptr_array_index (binlogs, 1))->message_len,
                       classic, sizeof classic - 1);
  out = rel_output (store, tally_util_member_int (run, "/data/output-binary", "result_id"), TALLY_STREAM_STDOUT);
  err = rel_output (store, tally_util_member_int (run, "/data/output-binary", "result_id"), TALLY_STREAM_STDERR);
  rel_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), binary, sizeof binary - 1);
  rel_assert_cmpmem (g_bytes_get_data (err, NULL), g_bytes_get_size (err), binary, sizeof binary - 1);
  tally_assert_cmpstr (tally_util_outcome (run, "/data/fail-binary"), ==, "failed");
  tally_assert_true (tally_store_get_result (store, tally_util_member_int (run, "/data/fail-binary", "result_id"),
                                             &result, NULL, NULL, &error));
  tally_assert_no_error (error);
  tally_assert_cmpstr (result.message, ==, "broken \xff\xfe bytes \xc0\xaf");
  tally_result_clear (&result);

  /* 10,000 leftover sources: the first ones named, the rest counted, fast. */
  for (guint global = 0; global < 2; global++)
    {
      const char *path = global ? "/data/sources-global" : "/data/sources-context";
      const char *message;

      tally_assert_cmpstr (tally_util_outcome (run, path), ==, "failed");
      message = tally_util_member_str (run, path, "message");
      tally_assert_nonnull (strstr (message, "leak-00000"));
      tally_assert_null (strstr (message, "leak-09999"));
      tally_assert_nonnull (strstr (message, "and 9980 more leftover sources"));
      tally_assert_nonnull (strstr (message, global ? "global default context" : "test's context"));
      tally_assert_cmpint (tally_util_member_int (run, path, "duration_us"), <, 2 * G_USEC_PER_SEC);
    }
  g_clear_pointer (&store, tally_store_close);

  rel_assert_db_sound (db);
  rel_assert_no_strays (program, G_USEC_PER_SEC);
}

/* --- kill -9 of the runner ------------------------------------------------ */

/* Kills the runner @delay_ms after its start, or, with @after_finished
 * > 0, as soon as it reports that many finished tests (mid-run by
 * construction, however fast or slow the machine). */
/* Reads --json lines up to the next test-finished event and keeps it;
 * FALSE at the end of the stream. */
static gboolean
read_finished_event (GDataInputStream *out,
                     GPtrArray        *reported)
{
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, NULL);
      g_autoptr(JsonNode) node = NULL;

      if (line == NULL)
        return FALSE;
      if (strstr (line, "\"event\":\"test-finished\"") == NULL)
        continue;
      /* A line cut by the kill is not an event the user saw whole. */
      if ((node = json_from_string (line, NULL)) == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        continue;
      g_ptr_array_add (reported, json_object_ref (json_node_get_object (node)));
      return TRUE;
    }
}

/* The reported result is in the last run of @db, with its outcome. */
static void
assert_result_stored (const char *db,
                      JsonObject *event)
{
  const char *path = json_object_get_string_member (event, "path");
  const char *outcome = json_object_get_string_member (event, "outcome");
  gint64 attempt = json_object_get_int_member (event, "attempt");
  sqlite3 *conn = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  tally_assert_cmpint (sqlite3_open_v2 (db, &conn, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  tally_assert_cmpint (sqlite3_prepare_v2 (conn,
    "SELECT r.outcome FROM results r JOIN tests t ON t.id = r.test_id"
    " WHERE r.run_id = (SELECT max(id) FROM runs) AND t.path = ?1 AND r.attempt = ?2",
    -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, attempt);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    tally_fail ("%s (attempt %" G_GINT64_FORMAT ") was reported %s but has no row", path, attempt, outcome);
  tally_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, outcome);
  sqlite3_finalize (stmt);
  sqlite3_close (conn);
}

static void
kill_runner_once (TallyTest  *t,
                  const char *tally,
                  const char *program,
                  const char *db,
                  guint       delay_ms,
                  guint       after_finished,
                  guint      *n_interrupted,
                  guint      *n_reported)
{
  const char *argv[] = { tally, "run", "-n", "2", "--json", "--db", db, program, NULL };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) runner = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GPtrArray) reported = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = NULL;
  gint64 runs_before = 0, last_run, status_interrupted;

  if (g_file_test (db, G_FILE_TEST_EXISTS))
    {
      store = tally_store_open_readonly (db, &error);
      tally_assert_no_error (error);
      runs_before = tally_store_debug_query_int (store, "SELECT count(*) FROM runs", &error);
      g_clear_pointer (&store, tally_store_close);
    }

  /* Its --json events are read after the kill too: what it reported
   * before it died waits in the pipe. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_cwd (launcher, tally_test_get_tmpdir (t));
  g_subprocess_launcher_setenv (launcher, "TALLY_SAMPLE_N", "100", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "TALLY_DB");
  runner = g_subprocess_launcher_spawnv (launcher, argv, &error);
  tally_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (runner));
  if (after_finished > 0)
    {
      for (guint i = 0; i < after_finished; i++)
        if (!read_finished_event (out, reported))
          tally_fail ("the runner ended before %u tests finished", after_finished);
    }
  else
    g_usleep (delay_ms * 1000);
  g_subprocess_send_signal (runner, SIGKILL);
  g_subprocess_wait (runner, NULL, NULL);
  while (read_finished_event (out, reported))
    ;

  /* No worker outlives the runner: one starting when it died ends at
   * its first write to it, after its start-up (slow under a sanitizer). */
  rel_assert_no_strays (program, 5 * G_USEC_PER_SEC);
  rel_assert_db_sound (db);

  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  last_run = tally_store_debug_query_int (store, "SELECT count(*) FROM runs", &error);
  tally_assert_cmpint (last_run, <=, runs_before + 1);
  if (last_run == runs_before + 1)
    {
      /* The run is there: interrupted, unless it finished first. */
      status_interrupted = tally_store_debug_query_int (store,
        "SELECT count(*) FROM runs WHERE id = (SELECT max(id) FROM runs) AND status = 'interrupted'", &error);
      if (status_interrupted == 1)
        (*n_interrupted)++;
      else if (tally_store_debug_query_int (store,
                 "SELECT count(*) FROM runs WHERE id = (SELECT max(id) FROM runs) AND status IN ('passed', 'failed')"
                 " AND (SELECT count(*) FROM results WHERE run_id = runs.id) = 100", &error) != 1)
        tally_fail ("killed after %u ms: the last run is neither interrupted nor complete", delay_ms);
    }
  else if (after_finished > 0)
    tally_fail ("killed after %u finished tests: the run is not in the database", after_finished);
  tally_assert_no_error (error);
  g_clear_pointer (&store, tally_store_close);

  /* Nothing reported is lost: every test-finished event the runner wrote
   * before it died has its row, with the reported outcome. */
  if (reported->len > 0)
    tally_assert_cmpint (last_run, ==, runs_before + 1);
  for (guint i = 0; i < reported->len; i++)
    assert_result_stored (db, g_ptr_array_index (reported, i));
  *n_reported += reported->len;
}

static void
test_kill_runner (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = rel_unique_sample (t, "sample-fault-steady", "fkill");
  g_autofree char *db = rel_db_path (t);
  const char *seed_env = g_getenv ("TALLY_KILL_SEED");
  guint32 seed = seed_env ? (guint32) strtoul (seed_env, NULL, 10) : 20240508;
  guint n = slow_tests () ? 100 : 20, interrupted = 0, reported = 0;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *full_db = g_build_filename (tally_test_get_tmpdir (t), "full-run.sqlite", NULL);
  const char *envp[] = { "TALLY_SAMPLE_N=100", NULL };
  const char *argv[] = { tally, "run", "-n", "2", "--db", full_db, program, NULL };
  gint64 start = g_get_monotonic_time ();
  g_autoptr(TallyRun) full = tally_util_run_argv (t, envp, argv);
  guint full_ms = (g_get_monotonic_time () - start) / 1000;

  /* One run to the end sets the span the timed kills are spread over (a
   * sanitizer build starts and runs slower); every other kill comes
   * after a random number of finished tests instead, so that many land
   * mid-run whatever share of the run start-up takes on this machine. */
  tally_assert_cmpint (full->status, ==, 1);
  g_message ("seed %u (set TALLY_KILL_SEED to replay), %u runs over %u ms", seed, n, full_ms);
  for (guint i = 0; i < n; i++)
    {
      guint delay_ms = g_rand_int_range (rand, 0, full_ms);
      guint after_finished = g_rand_int_range (rand, 1, 91);

      kill_runner_once (t, tally, program, db, delay_ms, i % 2 ? after_finished : 0, &interrupted,
                        &reported);
    }
  g_message ("%u of %u runs were killed mid-run; %u reported results, all stored",
             interrupted, n, reported);
  /* Those killed after a finished test were all mid-run. */
  tally_assert_cmpuint (interrupted, >=, n / 2);
}

/* A 40 MiB log record is cut to its first 16 MiB with a note: the test
 * passes, the frame stays under the runner's limit, the runner small. */
static void
test_huge_log_record (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-fault-data");
  g_autofree char *db = rel_db_path (t);
  const char *envp[] = { "TALLY_SAMPLE_HUGE_LOG=1", NULL };
  const char *argv[] = { tally, "run", "--json", "--db", db, program, NULL };
  RelRun measured = rel_run_measured (t, envp, argv);
  g_autoptr(TallyRun) run = measured.run;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) logs = NULL;
  g_autofree char *head = big_message (40 * 1024 * 1024);
  static const char note[] = "\n[tally: message cut at 16 MiB of 41943040 bytes]";
  TallyLogRecord *big;

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpstr (tally_util_outcome (run, "/data/log-40mb"), ==, "passed");
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  logs = tally_util_stored_logs (store, run, "/data/log-40mb");
  tally_assert_cmpuint (logs->len, ==, 3);
  big = g_ptr_array_index (logs, 1);
  tally_assert_cmpuint (big->message_len, ==, 16 * 1024 * 1024 + strlen (note));
  rel_assert_cmpmem (big->message, 16 * 1024 * 1024, head, 16 * 1024 * 1024);
  rel_assert_cmpmem (big->message + 16 * 1024 * 1024, strlen (note), note, strlen (note));
  g_message ("runner VmHWM %" G_GINT64_FORMAT " kB", measured.hwm_kb);
  if (!REL_UNDER_ASAN)
    tally_assert_cmpint (measured.hwm_kb, <, 256 * 1024);
}

/* --- disk full ------------------------------------------------------------ */

typedef struct
{
  char *mountpoint;
  gboolean mounted;
} Tmpfs;

static void
tmpfs_cleanup (gpointer data)
{
  Tmpfs *fs = data;

  if (fs->mounted)
    umount2 (fs->mountpoint, MNT_DETACH);
  g_free (fs->mountpoint);
  g_free (fs);
}

/* Called first thing in a test: a skip unwinds past g_autofree. The
 * cleanup owns @fs. */
static Tmpfs *
mount_small_tmpfs (TallyTest *t)
{
  Tmpfs *fs = g_new0 (Tmpfs, 1);
  int saved_errno;

  fs->mountpoint = g_build_filename (tally_test_get_tmpdir (t), "full", NULL);
  g_mkdir (fs->mountpoint, 0755);
  tally_test_add_cleanup (t, tmpfs_cleanup, fs);
  if (mount ("tmpfs", fs->mountpoint, "tmpfs", 0, "size=1m") != 0)
    {
      saved_errno = errno;
      tally_test_skip (t, "cannot mount a 1 MiB tmpfs to fill (needs root or CAP_SYS_ADMIN): %s",
                       g_strerror (saved_errno));
    }
  fs->mounted = TRUE;
  return fs;
}

/* Diagnostic lines of `tally run` (not its report) that mention @needle. */
static guint
count_lines_with (const char *text,
                  const char *needle)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "tally run: ") && strstr (lines[i], needle))
      n++;
  return n;
}

static TallyRun *
run_disk_full (TallyTest  *t,
               Tmpfs      *fs,
               const char *program,
               char      **db_out)
{
  g_autofree char *tally = rel_tally_bin ();
  char *db = g_build_filename (fs->mountpoint, "results.sqlite", NULL);
  const char *envp[] = { "TALLY_SAMPLE_N=40", "TALLY_SAMPLE_BYTES=50000", NULL };
  const char *argv[] = { tally, "run", "-n", "2", "--json", "--db", db, program, NULL };

  *db_out = db;
  return tally_util_run_argv (t, envp, argv);
}

static void
test_disk_full (TallyTest *t, gconstpointer data)
{
  Tmpfs *fs = mount_small_tmpfs (t);
  g_autofree char *program = rel_unique_sample (t, "sample-fault-steady", "ffull");
  g_autofree char *db = NULL;
  g_autoptr(TallyRun) run = run_disk_full (t, fs, program, &db);

  /* 40 × 50 kB of stdout cannot fit in 1 MiB: the run goes on to the
   * end, says what could not be stored, and fails. */
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 40);
  tally_assert_cmpint (run->status, !=, 0);
  tally_assert_cmpint (run->status, !=, 2);
  tally_assert_nonnull (strstr (run->err, "could not be stored"));
  /* Said once by the session; when finishing the run's row fails too,
   * tally-cmd-run.c adds a second line (reported; timing-dependent). */
  tally_assert_cmpuint (count_lines_with (run->err, "disk is full"), >=, 1);
  tally_assert_cmpuint (count_lines_with (run->err, "disk is full"), <=, 2);
  rel_assert_no_strays (program, G_USEC_PER_SEC);

  /* Give the file room again: it is sound and nothing stays running. */
  tally_assert_cmpint (mount ("tmpfs", fs->mountpoint, "tmpfs", MS_REMOUNT, "size=64m"), ==, 0);
  rel_assert_db_sound (db);
}

/* --- a locked database ------------------------------------------------------ */

/* Starts `sqlite3 DB` holding BEGIN EXCLUSIVE (waiting up to 10 s for it)
 * and returns once the lock is held; closing its stdin ends it. With
 * .bail, a BEGIN that times out ends sqlite3 instead of going on to
 * print "locked" without the lock. */
static GSubprocess *
lock_database (const char *db)
{
  const char *argv[] = { "sqlite3", db, NULL };
  static const char script[] = ".bail on\n.timeout 10000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  GSubprocess *holder;

  holder = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  if (holder == NULL)
    return NULL;
  tally_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (holder), script,
                                                strlen (script), NULL, NULL, &error));
  tally_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  tally_assert_no_error (error);
  if (g_strcmp0 (line, "locked") != 0)
    tally_fail ("sqlite3 could not take the write lock of %s within 10 s", db);
  return holder;
}

static void
unlock_database (GSubprocess *holder)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, NULL);
  g_subprocess_wait (holder, NULL, NULL);
  g_object_unref (holder);
}

static void
make_database (TallyTest  *t,
               const char *program,
               const char *db)
{
  g_autofree char *tally = rel_tally_bin ();
  const char *envp[] = { "TALLY_SAMPLE_N=3", NULL };
  const char *argv[] = { tally, "run", "--db", db, program, NULL };
  g_autoptr(TallyRun) first = tally_util_run_argv (t, envp, argv);

  tally_assert_cmpint (first->status, ==, 0);
}

/* The runners of the lock tests wait this long for a lock (the store's
 * TALLY_STORE_BUSY_TIMEOUT_MS; 5 s by default), so the lock need not be
 * held for long. */
#define LOCKED_BUSY_TIMEOUT_MS "200"

/* Another process takes the write lock mid-run and holds it past the
 * store's busy timeout (LOCKED_BUSY_TIMEOUT_MS): the run goes on, says
 * once what could not be stored, exits non-zero; the file stays sound.
 *
 * sqlite3 waits for the lock by polling (sleeps of up to 100 ms), and a
 * runner fed by fast tests holds its write transaction most of the time
 * (each write joins the open one, committed once 100 ms old): the two
 * can fall into step and sqlite3 then never sees the lock free. Tests
 * of 300 ms that log only at their start leave the lock free for the
 * ~200 ms after the runner's periodic commit. The lock is held 1.5 s:
 * the runner's first write after it (within one test, < 300 ms) gives up
 * after 200 ms of sleeps (~10 of them, each longer on a loaded machine),
 * and ~1 s remains for that. */
#define LOCKED_TESTS 20
#define LOCKED_TEST_MS "300"
#define LOCKED_HOLD_MS 1500

static void
test_locked_mid_run (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = rel_unique_sample (t, "sample-fault-steady", "flock");
  g_autofree char *db = rel_db_path (t);
  g_autofree char *out_path = g_build_filename (tally_test_get_tmpdir (t), "locked.out", NULL);
  const char *argv[] = { tally, "run", "-n", "1", "--json", "--db", db, program, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) runner = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *events_at_lock = NULL;
  GSubprocess *holder;
  g_autoptr(TallyRun) run = g_new0 (TallyRun, 1);
  g_autofree char *n_tests = g_strdup_printf ("%d", LOCKED_TESTS);

  make_database (t, program, db);

  g_subprocess_launcher_set_cwd (launcher, tally_test_get_tmpdir (t));
  g_subprocess_launcher_setenv (launcher, "TALLY_SAMPLE_N", n_tests, TRUE);
  g_subprocess_launcher_setenv (launcher, "TALLY_SAMPLE_SLEEP_MS", LOCKED_TEST_MS, TRUE);
  g_subprocess_launcher_setenv (launcher, "TALLY_STORE_BUSY_TIMEOUT_MS", LOCKED_BUSY_TIMEOUT_MS, TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  runner = g_subprocess_launcher_spawnv (launcher, argv, &error);
  tally_assert_no_error (error);
  /* Mid-run: after the first test started (the run is stored by then). */
  for (gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;;)
    {
      g_autofree char *so_far = NULL;

      if (g_file_get_contents (out_path, &so_far, NULL, NULL) && strstr (so_far, "\"test-started\""))
        break;
      if (g_get_monotonic_time () > deadline)
        tally_fail ("no test started within 30 s");
      g_usleep (10 * 1000);
    }
  holder = lock_database (db);
  tally_assert_nonnull (holder);
  /* The runner's last write is its run-finished event's row: the lock
   * came mid-run only if that event is not out yet. */
  tally_assert_true (g_file_get_contents (out_path, &events_at_lock, NULL, NULL));
  if (strstr (events_at_lock, "\"run-finished\"") != NULL)
    tally_fail ("the run ended before sqlite3 got the lock: the scenario did not happen");
  g_usleep (LOCKED_HOLD_MS * 1000);
  unlock_database (holder);

  tally_assert_true (g_subprocess_communicate_utf8 (runner, NULL, NULL, NULL, &err, &error));
  tally_assert_no_error (error);
  tally_assert_true (g_file_get_contents (out_path, &out, NULL, NULL));
  run->out = g_steal_pointer (&out);
  run->err = g_strdup (err);
  run->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  run->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  tally_util_parse_events (run);

  if (!g_subprocess_get_if_exited (runner))
    tally_fail ("the runner died of signal %d; stderr:\n%s", g_subprocess_get_term_sig (runner), err);
  if (g_hash_table_size (run->finished) != LOCKED_TESTS)
    tally_fail ("%u of %d tests reported; exit status %d; stderr:\n%s",
                g_hash_table_size (run->finished), LOCKED_TESTS,
                g_subprocess_get_exit_status (runner), err);
  tally_assert_cmpint (g_subprocess_get_exit_status (runner), !=, 0);
  tally_assert_cmpint (g_subprocess_get_exit_status (runner), !=, 2);
  if (count_lines_with (err, "locked") != 1 || strstr (err, "could not be stored") == NULL)
    tally_fail ("expected one line saying the database was locked and that results could "
                "not be stored; stderr:\n%s", err);
  rel_assert_no_strays (program, G_USEC_PER_SEC);
  rel_assert_db_sound (db);
}

/* The lock is held before the run starts, past the busy timeout: the
 * tests still run and are reported, the run says once that nothing
 * could be stored, and exits non-zero. */
static char *
locked_before_run_verdict (TallyTest *t)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = rel_unique_sample (t, "sample-fault-steady", "flockb");
  g_autofree char *db = rel_db_path (t);
  const char *envp[] = { "TALLY_SAMPLE_N=20", "TALLY_STORE_BUSY_TIMEOUT_MS=" LOCKED_BUSY_TIMEOUT_MS, NULL };
  const char *argv[] = { tally, "run", "-n", "2", "--json", "--db", db, program, NULL };
  g_autoptr(TallyRun) run = NULL;
  GSubprocess *holder;

  make_database (t, program, db);
  holder = lock_database (db);
  tally_assert_nonnull (holder);
  run = tally_util_run_argv (t, envp, argv);
  unlock_database (holder);

  tally_assert_cmpint (run->status, !=, 0);
  rel_assert_no_strays (program, G_USEC_PER_SEC);
  rel_assert_db_sound (db);
  if (count_lines_with (run->err, "locked") != 1)
    return g_strdup_printf ("%u lines say the database is locked", count_lines_with (run->err, "locked"));
  if (g_hash_table_size (run->finished) != 20)
    return g_strdup_printf ("%u of 20 tests ran (exit status %d)", g_hash_table_size (run->finished), run->status);
  return NULL;
}

static void
test_locked_before_run (TallyTest *t, gconstpointer data)
{
  fail_with_verdict (t, locked_before_run_verdict (t));
}

/* Skips unwind past g_autofree: decide before anything is allocated. */
static void
test_locked (TallyTest *t, gconstpointer data)
{
  g_autofree char *sqlite3 = g_find_program_in_path ("sqlite3");

  if (sqlite3 == NULL)
    tally_test_skip (t, "the sqlite3 command-line tool is not installed");
  g_clear_pointer (&sqlite3, g_free);
  ((TallyTestFunc) data) (t, NULL);
}

static void
register_tests (void)
{
  static TallyParam proto_params[G_N_ELEMENTS (proto_faults)];

  for (guint i = 0; i < G_N_ELEMENTS (proto_faults); i++)
    proto_params[i] = (TallyParam) { proto_faults[i].kind, &proto_faults[i] };
  tally_add_params ("/reliability/faults/proto", test_proto_fault, proto_params, "timeout=30");
  tally_add ("/reliability/faults/close-stdio-keeps-output", test_close_stdio_keeps_output,
             "timeout=30");
  tally_add ("/reliability/faults/data", test_data_faults, "timeout=60");
  tally_add ("/reliability/faults/huge-log-record", test_huge_log_record, "timeout=60");
  tally_add ("/reliability/kill-9/runner", test_kill_runner, "timeout=600");
  tally_add ("/reliability/disk-full/run-continues", test_disk_full, "timeout=60");
  tally_add_data ("/reliability/locked/mid-run", test_locked, test_locked_mid_run, "timeout=60");
  tally_add_data ("/reliability/locked/before-run", test_locked, test_locked_before_run,
             "timeout=60");
}

TALLY_MAIN (register_tests)
