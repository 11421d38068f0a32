/* `tally run` and `tally list` driven for real: worker processes, signals,
 * timeouts, scheduling, capture, selection and exit statuses. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <json-glib/json-glib.h>

#include "reliability-util.h"
#include "tally-listing-cache-private.h"
#include "tally-program-private.h"
#include "tally-store-private.h"
#include "tally-test-util.h"
#include "tally-version.h"

/* --- crashes and hangs --------------------------------------------------- */

/* The `Tally` record a stopped test's log ends with: what the worker's
 * threads were blocked in (engine/tally-proc-threads.c), or NULL. */
static char *
stopped_description (TallyStore *store,
                     TallyRun   *run,
                     const char *path)
{
  g_autoptr(GPtrArray) logs = tally_util_stored_logs (store, run, path);

  for (guint i = 0; i < logs->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (logs, i);

      if (g_strcmp0 (record->domain, "Tally") == 0 && g_str_has_prefix (record->message, "stopped after "))
        return g_strdup (record->message);
    }
  return NULL;
}

static void
test_crash_kinds (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-crash");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "2", "--json",
                                            "--db", db, program, NULL);
  const char *oks[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i" };
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *read_stopped = NULL;
  g_autofree char *busy_stopped = NULL;

  tally_assert_cmpint (run->status, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (oks); i++)
    {
      g_autofree char *path = g_strdup_printf ("/crash/%s-ok", oks[i]);
      tally_assert_cmpstr (tally_util_outcome (run, path), ==, "passed");
    }

  tally_assert_cmpstr (tally_util_outcome (run, "/crash/segv"), ==, "crashed");
  tally_assert_cmpint (tally_util_member_int (run, "/crash/segv", "signal"), ==, SIGSEGV);

  /* GLib's own g_assert: a failure with its message and location. */
  tally_assert_cmpstr (tally_util_outcome (run, "/crash/glib-assert"), ==, "failed");
  tally_assert_nonnull (strstr (tally_util_member_str (run, "/crash/glib-assert", "message"), "answer == 42"));
  tally_assert_nonnull (strstr (tally_util_member_str (run, "/crash/glib-assert", "file"), "sample-crash.c"));
  tally_assert_cmpint (tally_util_member_int (run, "/crash/glib-assert", "signal"), ==, SIGABRT);

  tally_assert_cmpstr (tally_util_outcome (run, "/crash/exit0"), ==, "crashed");
  tally_assert_cmpint (tally_util_member_int (run, "/crash/exit0", "exit_status"), ==, 0);

  tally_assert_cmpstr (tally_util_outcome (run, "/crash/hang-busy"), ==, "timeout");
  tally_assert_cmpstr (tally_util_outcome (run, "/crash/hang-read"), ==, "timeout");
  /* Their logs say where they were: in read() on the pipe, running. */
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  read_stopped = stopped_description (store, run, "/crash/hang-read");
  tally_assert_nonnull (read_stopped);
  tally_assert_nonnull (strstr (read_stopped, ": read("));
  tally_assert_nonnull (strstr (read_stopped, " → pipe:["));
  busy_stopped = stopped_description (store, run, "/crash/hang-busy");
  tally_assert_nonnull (busy_stopped);
  tally_assert_nonnull (strstr (busy_stopped, "running"));
  tally_assert_null (stopped_description (store, run, "/crash/a-ok"));
  tally_assert_cmpstr (tally_util_outcome (run, "/crash/garbage"), ==, "crashed");
  tally_assert_nonnull (strstr (tally_util_member_str (run, "/crash/garbage", "message"), "protocol"));
  tally_assert_cmpstr (tally_util_outcome (run, "/crash/fork-child"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/crash/flood"), ==, "passed");
  tally_assert_cmpint (g_hash_table_size (run->finished), ==, 17);
}

/* A child forked by a test inherits the worker's event buffer and exit
 * handlers: its exit() must not send the test's events again. A test that
 * calls exit() itself is the one crashed. */
static void
test_forked_child_exit (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-exit");
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *no_leak_check = tally_util_env_no_leak_check ();
  const char *envp[] = { no_leak_check, NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "-n", "1", "--json",
                                            "--db", db, program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(GError) error = NULL;

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpstr (tally_util_outcome (run, "/exit/child-exits"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/exit/mid-test"), ==, "crashed");
  tally_assert_cmpint (tally_util_member_int (run, "/exit/mid-test", "exit_status"), ==, 0);

  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  logs = tally_util_stored_logs (store, run, "/exit/child-exits");
  tally_assert_cmpuint (logs->len, ==, 1);

  /* A child's own log records never reach the protocol: the parent's two
   * records, once each, and none of the child's 2,000. */
  tally_assert_cmpstr (tally_util_outcome (run, "/exit/child-logs"), ==, "passed");
  g_clear_pointer (&logs, g_ptr_array_unref);
  logs = tally_util_stored_logs (store, run, "/exit/child-logs");
  tally_assert_cmpuint (logs->len, ==, 2);
  tally_assert_cmpstr (((TallyLogRecord *) g_ptr_array_index (logs, 0))->message, ==, "before the fork");
  tally_assert_cmpstr (((TallyLogRecord *) g_ptr_array_index (logs, 1))->message, ==, "after the child");
}

/* A crashing test's log records and stderr, written before it died, are
 * stored with it. */
static void
test_crash_keeps_evidence (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-crash");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "1", "--json",
                                            "--db", db, "-k", "segv or a-ok", program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  gint64 result_id = tally_util_member_int (run, "/crash/segv", "result_id");
  TallyLogRecord *record;

  tally_assert_cmpint (result_id, >, 0);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  logs = tally_store_get_logs (store, result_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (logs->len, ==, 1);
  record = g_ptr_array_index (logs, 0);
  tally_assert_cmpstr (record->message, ==, "about to crash");

  err = tally_store_get_output (store, result_id, TALLY_STREAM_STDERR, &error);
  tally_assert_no_error (error);
  tally_assert_nonnull (err);
  tally_assert_nonnull (g_strstr_len (g_bytes_get_data (err, NULL), g_bytes_get_size (err),
                                      "last words on stderr"));
}

static void
test_timeout_within_grace (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-crash");
  gint64 start = g_get_monotonic_time ();
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", "-n", "1",
                                            "-k", "hang-busy", program, NULL);
  gint64 elapsed = g_get_monotonic_time () - start;

  tally_assert_cmpstr (tally_util_outcome (run, "/crash/hang-busy"), ==, "timeout");
  /* timeout=1, then SIGTERM after the runner's slack; the busy loop dies
   * of SIGTERM at once. As the runner measured it: deadline + slack +
   * grace at most. The whole run adds start-ups (slow under a
   * sanitizer): bounded only against a hang. */
  tally_assert_cmpint (tally_util_member_int (run, "/crash/hang-busy", "duration_us"), >=, G_USEC_PER_SEC);
  tally_assert_cmpint (tally_util_member_int (run, "/crash/hang-busy", "duration_us"), <,
                       (1 + 1 + 2) * G_USEC_PER_SEC);
  tally_assert_cmpint (elapsed, <, 20 * G_USEC_PER_SEC);
  tally_assert_cmpint (run->status, ==, 1);
}

/* --- scheduling ---------------------------------------------------------- */

typedef struct
{
  char *path;
  int pid;
  gint64 start, end;
} Span;

static void
span_free (gpointer data)
{
  Span *span = data;
  g_free (span->path);
  g_free (span);
}

static GPtrArray *
run_sched (TallyTest  *t,
           const char *workers)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-sched");
  g_autofree char *log = g_build_filename (tally_test_get_tmpdir (t), "spans.txt", NULL);
  g_autofree char *env_log = g_strdup_printf ("TALLY_SAMPLE_LOG=%s", log);
  const char *envp[] = { env_log, NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "--no-db", "-n", workers,
                                            program, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *spans = g_ptr_array_new_with_free_func (span_free);

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", 4);
      Span *span = g_new0 (Span, 1);

      span->path = g_strdup (f[0]);
      span->pid = atoi (f[1]);
      span->start = g_ascii_strtoll (f[2], NULL, 10);
      span->end = g_ascii_strtoll (f[3], NULL, 10);
      g_ptr_array_add (spans, span);
    }
  tally_assert_cmpuint (spans->len, ==, 21);
  return spans;
}

static void
test_serial_never_overlaps (TallyTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) spans = run_sched (t, "4");
  guint serial = 0;

  for (guint i = 0; i < spans->len; i++)
    {
      Span *s = g_ptr_array_index (spans, i);

      if (!g_str_has_prefix (s->path, "/sched/serial/"))
        continue;
      serial++;
      for (guint j = 0; j < spans->len; j++)
        {
          Span *o = g_ptr_array_index (spans, j);

          if (o == s)
            continue;
          if (o->start < s->end && s->start < o->end)
            tally_fail ("%s [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] overlaps %s",
                        s->path, s->start, s->end, o->path);
        }
    }
  tally_assert_cmpuint (serial, ==, 3);
}

static void
test_group_one_worker_in_order (TallyTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) spans = run_sched (t, "4");
  int pid = 0;
  gint64 last_start = 0;
  guint seen = 0;

  for (guint i = 0; i < spans->len; i++)
    {
      Span *s = g_ptr_array_index (spans, i);
      g_autofree char *expected = NULL;

      if (!g_str_has_prefix (s->path, "/sched/group/db/"))
        continue;
      expected = g_strdup_printf ("/sched/group/db/%02u", seen);
      tally_assert_cmpstr (s->path, ==, expected);
      if (pid == 0)
        pid = s->pid;
      tally_assert_cmpint (s->pid, ==, pid);
      tally_assert_cmpint (s->start, >=, last_start);
      last_start = s->start;
      seen++;
    }
  tally_assert_cmpuint (seen, ==, 6);
}

/* Parallelism is real: two tests of different workers ran at the same
 * time (each naps 40 ms on its context). Checked by overlap, not by a
 * clock budget. */
static void
test_parallel_overlaps (TallyTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) spans = run_sched (t, "4");
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);
  guint overlaps = 0;

  for (guint i = 0; i < spans->len; i++)
    {
      Span *s = g_ptr_array_index (spans, i);

      g_hash_table_add (pids, GINT_TO_POINTER (s->pid));
      for (guint j = i + 1; j < spans->len; j++)
        {
          Span *o = g_ptr_array_index (spans, j);

          if (o->pid != s->pid && o->start < s->end && s->start < o->end)
            overlaps++;
        }
    }
  tally_assert_cmpuint (g_hash_table_size (pids), >=, 2);
  tally_assert_cmpuint (overlaps, >=, 1);
}

/* --- capture ------------------------------------------------------------- */

static gboolean
all_lines_mention (const char *text,
                   gsize       len,
                   const char *needle,
                   guint      *n_lines)
{
  g_autofree char *copy = g_strndup (text, len);
  g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);

  *n_lines = 0;
  for (guint i = 0; lines[i]; i++)
    {
      if (*lines[i] == '\0')
        continue;
      if (strstr (lines[i], needle) == NULL)
        return FALSE;
      (*n_lines)++;
    }
  return TRUE;
}

static void
test_capture_never_mixes (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-chatty");
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "4", "--json",
                                            "--db", db, program, NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 100);
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *path = g_strdup_printf ("/chatty/%03u", i);
      g_autofree char *needle = g_strdup_printf ("of %s", path);
      gint64 result_id = tally_util_member_int (run, path, "result_id");
      g_autoptr(GPtrArray) logs = tally_store_get_logs (store, result_id, &error);
      g_autoptr(GBytes) out = tally_store_get_output (store, result_id, TALLY_STREAM_STDOUT, &error);
      g_autoptr(GBytes) err = tally_store_get_output (store, result_id, TALLY_STREAM_STDERR, &error);
      guint n;

      tally_assert_no_error (error);
      tally_assert_cmpuint (logs->len, ==, 20);
      if (out == NULL || g_bytes_get_size (out) == 0 || err == NULL || g_bytes_get_size (err) == 0)
        tally_fail ("%s (result %" G_GINT64_FORMAT "): no %s stored", path, result_id,
                    out == NULL || g_bytes_get_size (out) == 0 ? "stdout" : "stderr");
      for (guint r = 0; r < logs->len; r++)
        tally_assert_nonnull (strstr (((TallyLogRecord *) g_ptr_array_index (logs, r))->message, needle));

      tally_assert_true (all_lines_mention (g_bytes_get_data (out, NULL), g_bytes_get_size (out), needle, &n));
      tally_assert_cmpuint (n, ==, 21);   /* 20 printf lines + the child's echo */
      tally_assert_true (all_lines_mention (g_bytes_get_data (err, NULL), g_bytes_get_size (err), needle, &n));
      tally_assert_cmpuint (n, ==, 1);
    }
}

/* --- selection ----------------------------------------------------------- */

/* A link to the sample in the test's directory (where tally runs), so
 * that its name in `program::path` is "NAME", whatever the checkout's
 * directory is called: -k matches the name, and a checkout under
 * /src/parallel/ must not match "parallel". Returns the relative path. */
static char *
sample_here (TallyTest  *t,
             const char *name)
{
  g_autofree char *target = tally_util_sample (name);
  g_autofree char *link = g_build_filename (tally_test_get_tmpdir (t), name, NULL);

  if (!g_file_test (link, G_FILE_TEST_EXISTS))
    tally_assert_cmpint (symlink (target, link), ==, 0);
  return g_strconcat ("./", name, NULL);
}

static GPtrArray *
listed_paths (TallyTest  *t,
              const char *option,
              const char *expr)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = sample_here (t, "sample-sched");
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "list", "--json", option, expr, program, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  JsonArray *tests;

  tally_assert_true (run->status == 0 || run->status == 5);
  if (run->status == 5)
    return paths;
  tally_assert_true (json_parser_load_from_data (parser, run->out, -1, NULL));
  tests = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (tests); i++)
    g_ptr_array_add (paths, g_strdup (json_object_get_string_member (json_array_get_object_element (tests, i), "path")));
  return paths;
}

static void
test_select_markers (TallyTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) serial = listed_paths (t, "-m", "serial");
  g_autoptr(GPtrArray) plain = listed_paths (t, "-m", "not (slow or serial)");
  g_autoptr(GPtrArray) db = listed_paths (t, "-m", "group=db and slow");
  g_autoptr(GPtrArray) fast = listed_paths (t, "-m", "fast");
  g_autoptr(GPtrArray) none = listed_paths (t, "-m", "group=web");

  tally_assert_cmpuint (serial->len, ==, 3);
  tally_assert_cmpuint (plain->len, ==, 12);
  tally_assert_cmpuint (db->len, ==, 6);
  tally_assert_cmpuint (fast->len, ==, 4);
  tally_assert_cmpstr (g_ptr_array_index (fast, 1), ==, "/sched/parallel/03");
  tally_assert_cmpuint (none->len, ==, 0);
}

static void
test_select_keywords (TallyTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) a = listed_paths (t, "-k", "PARALLEL and not 03");
  g_autoptr(GPtrArray) b = listed_paths (t, "-k", "sample-sched::/sched/serial/01 or db/05");

  tally_assert_cmpuint (a->len, ==, 11);
  tally_assert_cmpuint (b->len, ==, 2);
  tally_assert_cmpstr (g_ptr_array_index (b, 0), ==, "/sched/serial/01");
  tally_assert_cmpstr (g_ptr_array_index (b, 1), ==, "/sched/group/db/05");
}

/* --tests-from keeps exactly the listed tests (names as the database has
 * them), whatever their order, and says which listed ones it did not
 * find. */
static void
test_select_tests_from (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-sched");
  /* tally_util_run() starts tally in the test's temporary directory, so
   * the database names the program by its absolute path. */
  g_autofree char *name = g_canonicalize_filename (program, NULL);
  g_autofree char *list = g_build_filename (tally_test_get_tmpdir (t), "tests.txt", NULL);
  g_autofree char *text = g_strdup_printf ("%s::/sched/group/db/05\n\n%s::/sched/parallel/01\n"
                                           "%s::/sched/gone\n", name, name, name);
  g_autoptr(TallyRun) run = NULL;

  tally_assert_true (g_file_set_contents (list, text, -1, NULL));
  run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", "--tests-from", list,
                        program, NULL);
  if (run->status != 0)
    tally_fail ("tally run exited with %d: %s", run->status, run->err);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 2);
  tally_assert_cmpstr (tally_util_outcome (run, "/sched/group/db/05"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/sched/parallel/01"), ==, "passed");
  tally_assert_nonnull (strstr (run->err, "1 listed tests were not collected"));
  tally_assert_nonnull (strstr (run->err, "::/sched/gone"));
}

/* --json or --tap to a full disk (/dev/full): one error line and exit 3,
 * though every test passed; --junit-xml /dev/full likewise. */
static void
test_report_to_full_disk (TallyTest *t, gconstpointer data)
{
  const char * const formats[] = { "--json", "--tap", "--junit-xml=/dev/full" };
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-sched");

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr(GSubprocess) runner = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;

      g_subprocess_launcher_set_stdout_file_path (launcher, "/dev/full");
      runner = g_subprocess_launcher_spawn (launcher, &error, tally, "run", "--no-db", "-q",
                                            formats[i], "-k", "parallel/01", program, NULL);
      tally_assert_no_error (error);
      g_subprocess_communicate_utf8 (runner, NULL, NULL, NULL, &err, &error);
      tally_assert_no_error (error);
      tally_assert_cmpint (g_subprocess_get_exit_status (runner), ==, 3);
      tally_assert_nonnull (strstr (err, "No space left on device"));
    }
}

static void
drop_to_nobody (gpointer data)
{
  if (setgid (65534) != 0 || setuid (65534) != 0)
    _exit (126);
}

/* A database in a directory its reader cannot write (a WAL file whose
 * -shm cannot be made): show and history read it all the same. As root,
 * the readers run as nobody; root ignores permissions. */
static void show_readonly_database (TallyTest *t, const char *tally);

static void
test_show_readonly_database (TallyTest *t, gconstpointer data)
{
  char *tally = tally_util_tally_bin ();

  /* Skips unwind past g_autofree: nothing else is allocated yet. */
  tally_test_add_cleanup (t, g_free, tally);
  if (getuid () == 0)
    {
      const char *version[] = { tally, "--version", NULL };
      int status = 0;

      if (!g_spawn_sync (NULL, (char **) version, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                         drop_to_nobody, NULL, NULL, NULL, &status, NULL)
          || !g_spawn_check_wait_status (status, NULL))
        tally_test_skip (t, "user nobody cannot run %s (a directory above it is private)", tally);
    }
  show_readonly_database (t, tally);
}

static void
show_readonly_database (TallyTest  *t,
                        const char *tally)
{
  g_autofree char *program = tally_util_sample ("sample-sched");
  g_autofree char *dir = g_build_filename (tally_test_get_tmpdir (t), "ro", NULL);
  g_autofree char *db = g_build_filename (dir, "results.sqlite", NULL);
  g_autoptr(TallyRun) run = NULL;
  const char *commands[][6] = {
    { tally, "show", "--db", db, NULL },
    { tally, "history", "--db", db, "/sched/parallel/01", NULL },
  };

  tally_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  run = tally_util_run (t, NULL, tally, "run", "-q", "--db", db, "-k", "parallel/01", program, NULL);
  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpint (g_chmod (tally_test_get_tmpdir (t), 0755), ==, 0);
  tally_assert_cmpint (g_chmod (db, 0444), ==, 0);
  tally_assert_cmpint (g_chmod (dir, 0555), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autoptr(GError) error = NULL;
      int status = 0;

      g_spawn_sync (NULL, (char **) commands[i], NULL, G_SPAWN_DEFAULT,
                    getuid () == 0 ? drop_to_nobody : NULL, NULL, &out, &err, &status, &error);
      tally_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        tally_fail ("%s exited with %d: %s", commands[i][1], status, err);
      tally_assert_nonnull (strstr (out, "passed"));
    }
  g_chmod (dir, 0755);
}

/* --- exit statuses and bad input ---------------------------------------- */

typedef struct
{
  const char *name;
  int status;
  const char *stderr_needle;
  const char *args[8];
} BadInput;

static const BadInput bad_inputs[] = {
  { "all-pass", 0, NULL, { "-k", "a-ok", "@crash", NULL } },
  { "some-fail", 1, NULL, { "-k", "a-ok or segv", "@crash", NULL } },
  { "none-collected", 5, "no tests collected", { "-k", "nothing-matches-this", "@crash", NULL } },
  { "unknown-option", 4, "Unknown option --frobnicate", { "--frobnicate", "@crash", NULL } },
  { "zero-workers", 4, "-n takes a positive number", { "-n", "0", "@crash", NULL } },
  { "negative-workers", 4, "-n takes a positive number", { "-n", "-3", "@crash", NULL } },
  { "malformed-marker-expr", 4, "column", { "-m", "serial and (slow", "@crash", NULL } },
  { "malformed-keyword-expr", 4, "column", { "-k", "or", "@crash", NULL } },
  { "missing-program", 4, "no such file", { "/nonexistent/test-program", NULL } },
  { "not-executable", 4, "not an executable", { "@textfile", NULL } },
  { "not-a-test-program", 3, "not a Tally test program", { "/bin/false", NULL } },
  { "no-programs", 4, "no test programs given", { NULL } },
  { "bad-shard", 4, "--shard", { "--shard", "4/3", "@crash", NULL } },
  { "not-a-meson-build", 4, "not a build directory that this meson can read", { "@fakebuild", NULL } },
  { "tests-from-missing", 4, "--tests-from /nonexistent/list", { "--tests-from", "/nonexistent/list", "@crash", NULL } },
};

static void
test_bad_input (TallyTest *t, gconstpointer data)
{
  const BadInput *bad = data;
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *crash = tally_util_sample ("sample-crash");
  g_autofree char *textfile = g_build_filename (tally_test_get_tmpdir (t), "notes.txt", NULL);
  /* Looks like a meson build directory; meson refuses its introspection
   * data (a version it does not know). */
  g_autofree char *fakebuild = g_build_filename (tally_test_get_tmpdir (t), "fakebuild", NULL);
  g_autofree char *fake_info = g_build_filename (fakebuild, "meson-info", NULL);
  g_autofree char *fake_json = g_build_filename (fake_info, "meson-info.json", NULL);
  g_autofree char *fake_ninja = g_build_filename (fakebuild, "build.ninja", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(TallyRun) run = NULL;

  g_file_set_contents (textfile, "hello\n", -1, NULL);
  g_mkdir_with_parents (fake_info, 0755);
  g_file_set_contents (fake_json, "{}", -1, NULL);
  g_file_set_contents (fake_ninja, "", -1, NULL);
  g_ptr_array_add (argv, tally);
  g_ptr_array_add (argv, (gpointer) "run");
  g_ptr_array_add (argv, (gpointer) "--no-db");
  for (guint i = 0; bad->args[i]; i++)
    {
      const char *arg = bad->args[i];
      g_ptr_array_add (argv, (gpointer) (g_str_equal (arg, "@crash") ? crash
                                         : g_str_equal (arg, "@textfile") ? textfile
                                         : g_str_equal (arg, "@fakebuild") ? fakebuild : arg));
    }
  g_ptr_array_add (argv, NULL);

  run = tally_util_run_argv (t, NULL, (const char * const *) argv->pdata);
  tally_assert_cmpint (run->status, ==, bad->status);
  if (bad->stderr_needle)
    {
      g_auto(GStrv) lines = g_strsplit (g_strchomp (run->err), "\n", -1);

      tally_assert_nonnull (strstr (run->err, bad->stderr_needle));
      tally_assert_cmpuint (g_strv_length (lines), ==, 1);   /* one clear line */
    }
}

static void
test_bad_registration (TallyTest *t, gconstpointer data)
{
  const char *kind = data;
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-bad");
  g_autofree char *env = g_strdup_printf ("TALLY_SAMPLE_BAD=%s", kind);
  const char *envp[] = { env, NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "--no-db", program, NULL);
  g_autoptr(TallyRun) standalone = tally_util_run (t, envp, program, NULL);

  tally_assert_cmpint (run->status, ==, 3);
  tally_assert_nonnull (strstr (run->err, "sample-bad.c:"));
  tally_assert_cmpint (standalone->status, ==, 4);
  tally_assert_nonnull (strstr (standalone->err, "sample-bad.c:"));
}

/* Workers are started with GLib's posix_spawn path, which keeps the
 * runner's descriptors: a pipe the runner was given by its parent (fd 9,
 * not close-on-exec) must still reach no worker and no listing. */
static void
test_no_inherited_fds (TallyTest *t, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) tally = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tally_bin = tally_util_tally_bin ();
  g_autofree char *sample = tally_util_sample ("sample-fds");
  g_autofree char *inode = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  struct stat st;
  int fds[2];

  tally_assert_true (g_unix_open_pipe (fds, 0, NULL));
  tally_assert_cmpint (fstat (fds[1], &st), ==, 0);
  inode = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) st.st_ino);
  g_subprocess_launcher_setenv (launcher, "SAMPLE_FORBIDDEN_INODE", inode, TRUE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 9);
  tally = g_subprocess_launcher_spawn (launcher, &error, tally_bin, "run", "--no-db", "-n", "2",
                                       sample, NULL);
  tally_assert_no_error (error);
  g_subprocess_communicate_utf8 (tally, NULL, NULL, &out, &err, &error);
  tally_assert_no_error (error);
  close (fds[0]);
  if (g_subprocess_get_exit_status (tally) != 0)
    tally_fail ("tally run exited with %d:\n%s%s", g_subprocess_get_exit_status (tally), out, err);
  tally_assert_nonnull (strstr (out, "1 passed, 0 failed"));
}

static void
test_strict_markers (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-bad");
  const char *envp[] = { "TALLY_SAMPLE_BAD=undeclared", NULL };
  g_autoptr(TallyRun) strict = tally_util_run (t, envp, tally, "run", "--no-db", "--strict-markers", program, NULL);
  g_autoptr(TallyRun) lax = tally_util_run (t, envp, tally, "run", "--no-db", program, NULL);
  g_autofree char *sched = tally_util_sample ("sample-sched");
  g_autoptr(TallyRun) declared = tally_util_run (t, NULL, tally, "list", "--strict-markers", sched, NULL);

  tally_assert_cmpint (strict->status, ==, 4);
  tally_assert_nonnull (strstr (strict->err, "mystery"));
  tally_assert_cmpint (lax->status, ==, 0);
  tally_assert_cmpint (declared->status, ==, 0);
}

static void
test_interrupt (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-crash");
  const char *argv[] = { tally, "run", "--no-db", "--json", "-k", "hang-read or a-ok", "-n", "1", program, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;

  /* The hang outlasts a slow machine's reaction to SIGINT. */
  g_subprocess_launcher_setenv (launcher, "TALLY_SAMPLE_HANG_TIMEOUT", "60", TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  tally_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));

  /* Interrupt while the hanging test runs, whatever the machine's speed. */
  tally_assert_true (tally_util_wait_for_line (out, "\"path\":\"/crash/hang-read\""));
  g_subprocess_send_signal (proc, SIGINT);
  tally_assert_true (tally_util_wait_for_line (out, "\"outcome\":\"interrupted\""));
  tally_assert_true (g_subprocess_wait (proc, NULL, &error));
  tally_assert_true (g_subprocess_get_if_exited (proc));
  tally_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
}

/* --durations N lists the N slowest finished tests, slowest first: the
 * session keeps only those as the run goes. */
static void
test_durations_slowest (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = sample_here (t, "sample-sched");
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", "-n", "3",
                                            "--durations", "4", "-k", "parallel", program, NULL);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  const char *block, *line;
  GHashTableIter iter;
  gpointer key;

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (g_hash_table_size (run->finished), >, 4);

  /* The four longest by the JSON events. */
  g_hash_table_iter_init (&iter, run->finished);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (expected, key);
  for (guint i = 0; i < 4; i++)
    for (guint j = i + 1; j < expected->len; j++)
      if (tally_util_member_int (run, g_ptr_array_index (expected, j), "duration_us")
          > tally_util_member_int (run, g_ptr_array_index (expected, i), "duration_us"))
        {
          gpointer tmp = expected->pdata[i];

          expected->pdata[i] = expected->pdata[j];
          expected->pdata[j] = tmp;
        }

  /* The console report (on stderr with --json) lists them in order. */
  block = strstr (run->err, "slowest 4 (wall, CPU)\n");
  tally_assert_nonnull (block);
  line = strchr (block, '\n') + 1;
  for (guint i = 0; i < 4; i++)
    {
      const char *end = strchr (line, '\n');
      g_autofree char *text = g_strndup (line, end - line);
      const char *path = strstr (text, "::");

      /* the same duration as the i-th longest: a tie may go either way */
      tally_assert_nonnull (path);
      /* two figures, wall then CPU (measured: not "-") */
      tally_assert_null (strstr (text, "  -  "));
      tally_assert_nonnull (g_hash_table_lookup (run->finished, path + 2));
      tally_assert_cmpint (tally_util_member_int (run, path + 2, "duration_us"), ==,
                           tally_util_member_int (run, g_ptr_array_index (expected, i), "duration_us"));
      line = end + 1;
    }
  tally_assert_cmpint (*line, ==, '\n');
}

/* --- memory ------------------------------------------------------------- */

/* Under AddressSanitizer the runner's RSS is shadow memory and the free
 * quarantine, not what it keeps. */
#if defined(__SANITIZE_ADDRESS__)
# define UNDER_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define UNDER_ASAN 1
# endif
#endif
#ifndef UNDER_ASAN
# define UNDER_ASAN 0
#endif

#define MEMORY_SMALL 4000
#define MEMORY_LARGE 24000
/* What the runner may keep per selected test: its listing entry (48 B),
 * path, place in the ordered selection and, with history, its expected
 * duration come to about 100 B. Run items or results kept per test
 * (about 250 B more) would break it. */
#define MEMORY_MAX_BYTES_PER_TEST 200

static gint64
runner_hwm_kb (TallyTest  *t,
               const char *program,
               const char *db,
               guint       n_tests)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *tests_env = g_strdup_printf ("TALLY_SAMPLE_TESTS=%u", n_tests);
  const char *envp[] = { tests_env, NULL };
  const char *argv[] = { tally, "run", "-q", "-n", "2", "--db", db, program, NULL };
  RelRun run = rel_run_measured (t, envp, argv);
  gint64 hwm_kb = run.hwm_kb;
  int status = run.run->status;

  tally_util_run_free (run.run);
  tally_assert_cmpint (status, ==, 0);
  tally_assert_cmpint (hwm_kb, >, 0);
  return hwm_kb;
}

/* The runner holds no per-test object for the whole run: its peak memory
 * grows with the selection by about the listing alone, with and without
 * history (longest-first ordering reads every test's duration). */
static void
test_memory_flat (TallyTest *t, gconstpointer data)
{
  g_autofree char *program = NULL;
  g_autofree char *db_small = NULL;
  g_autofree char *db_large = NULL;
  gint64 small_kb, large_kb, again_kb, per_test, per_test_again;

  /* before anything is allocated: skipping unwinds past g_autofree */
  if (UNDER_ASAN)
    tally_test_skip (t, "the runner's RSS under AddressSanitizer is mostly the sanitizer's");

  program = tally_util_sample ("sample-fault-load");
  db_small = g_build_filename (tally_test_get_tmpdir (t), "small.sqlite", NULL);
  db_large = g_build_filename (tally_test_get_tmpdir (t), "large.sqlite", NULL);
  small_kb = runner_hwm_kb (t, program, db_small, MEMORY_SMALL);
  large_kb = runner_hwm_kb (t, program, db_large, MEMORY_LARGE);
  again_kb = runner_hwm_kb (t, program, db_large, MEMORY_LARGE);
  per_test = (large_kb - small_kb) * 1024 / (MEMORY_LARGE - MEMORY_SMALL);
  per_test_again = (again_kb - small_kb) * 1024 / (MEMORY_LARGE - MEMORY_SMALL);
  g_message ("runner VmHWM: %" G_GINT64_FORMAT " kB at %u tests, %" G_GINT64_FORMAT " kB at %u"
             " (%" G_GINT64_FORMAT " kB with history): %" G_GINT64_FORMAT " B/test"
             " (%" G_GINT64_FORMAT " with history)",
             small_kb, MEMORY_SMALL, large_kb, MEMORY_LARGE, again_kb, per_test, per_test_again);

  tally_assert_cmpint (per_test, <=, MEMORY_MAX_BYTES_PER_TEST);
  tally_assert_cmpint (per_test_again, <=, MEMORY_MAX_BYTES_PER_TEST);
}

/* --- per-test resource use ----------------------------------------------- */

/* Each test's CPU and peak RSS, in --json, JUnit and `tally show`, for a
 * Tally program (the worker's rusage) and a GTest program (its process,
 * read between cases and waited for by `tally --exec-child`). */
static void
check_usage (TallyTest  *t,
             const char *sample)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample (sample);
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *junit_path = g_build_filename (tally_test_get_tmpdir (t), "junit.xml", NULL);
  g_autofree char *junit_arg = g_strconcat ("--junit-xml=", junit_path, NULL);
  g_autofree char *junit = NULL;
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "1", "--json",
                                            "--db", db, junit_arg, program, NULL);
  g_autoptr(TallyRun) show = NULL;
  const char *floor_line;
  double floor_s = 0, wall_s = 0, efficiency = 0;

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpint (tally_util_member_int (run, "/usage/burn", "cpu_us"), >=, 40000);
  /* A child's CPU is its test's (and not the next test's). */
  tally_assert_cmpint (tally_util_member_int (run, "/usage/burn-in-child", "cpu_us"), >=, 40000);
  tally_assert_cmpint (tally_util_member_int (run, "/usage/sleep", "cpu_us"), >=, 0);
  tally_assert_cmpint (tally_util_member_int (run, "/usage/sleep", "cpu_us"), <, 30000);
  tally_assert_cmpint (tally_util_member_int (run, "/usage/alloc", "max_rss_kb"), >=, 50 * 1024);
  /* A figure, not a runner's inherited peak: below 1 GB. */
  tally_assert_cmpint (tally_util_member_int (run, "/usage/alloc", "max_rss_kb"), <, 1024 * 1024);

  tally_assert_true (g_file_get_contents (junit_path, &junit, NULL, NULL));
  tally_assert_nonnull (strstr (junit, "<property name=\"cpu_us\" value=\""));
  tally_assert_nonnull (strstr (junit, "<property name=\"max_rss_kb\" value=\""));

  show = tally_util_run (t, NULL, tally, "show", "--db", db, "-v", NULL);
  tally_assert_cmpint (show->status, ==, 0);
  tally_assert_nonnull (strstr (show->out, ", CPU "));
  tally_assert_nonnull (strstr (show->out, "max RSS "));
  tally_assert_nonnull (strstr (show->out, "4 of 4 results measured"));
  floor_line = strstr (show->out, "  wall ");
  tally_assert_nonnull (floor_line);
  tally_assert_cmpint (sscanf (floor_line, "  wall %lf s", &wall_s), ==, 1);
  floor_line = strstr (show->out, "floor on ");
  tally_assert_nonnull (floor_line);
  tally_assert_cmpint (sscanf (strstr (floor_line, "s ") + 2, "%lf s: efficiency %lf%%",
                               &floor_s, &efficiency), ==, 2);
  /* At least the longest test (0.1 s of sleep or more), never above the
   * run's wall time. */
  tally_assert_cmpfloat (floor_s, >=, 0.09);
  tally_assert_cmpfloat (floor_s, <=, wall_s + 0.01);
  tally_assert_cmpfloat (efficiency, >, 0);
  tally_assert_cmpfloat (efficiency, <=, 100.5);
}

static void
test_usage_native (TallyTest *t, gconstpointer data)
{
  check_usage (t, "sample-usage");
}

static void
test_usage_gtest (TallyTest *t, gconstpointer data)
{
  check_usage (t, "gtest-usage");
}

/* --- listing cache --------------------------------------------------------- */

/* How many times the copied samples were run to list their tests
 * (they append a line to $USAGE_LIST_MARKER then). */
static guint
times_listed (const char *marker)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (!g_file_get_contents (marker, &text, NULL, NULL))
    return 0;
  for (const char *p = text; (p = strchr (p, '\n')) != NULL; p++)
    n++;
  return n;
}

typedef struct
{
  char *tally;
  char *db;
  char *marker;
  char *native;
  char *gtest;
  char *env;
} CacheFixture;

static void
cache_fixture_clear (CacheFixture *f)
{
  g_free (f->tally);
  g_free (f->db);
  g_free (f->marker);
  g_free (f->native);
  g_free (f->gtest);
  g_free (f->env);
}

/* Copies of the usage samples in the test's directory (so that touching
 * them touches nothing of the build's). */
static void
cache_fixture_init (TallyTest    *t,
                    CacheFixture *f)
{
  const char *names[] = { "sample-usage", "gtest-usage" };
  char **copies[] = { &f->native, &f->gtest };

  f->tally = tally_util_tally_bin ();
  f->db = tally_util_db_path (t);
  f->marker = g_build_filename (tally_test_get_tmpdir (t), "listed.txt", NULL);
  f->env = g_strconcat ("USAGE_LIST_MARKER=", f->marker, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *built = tally_util_sample (names[i]);
      g_autofree char *contents = NULL;
      gsize len;

      *copies[i] = g_build_filename (tally_test_get_tmpdir (t), names[i], NULL);
      tally_assert_true (g_file_get_contents (built, &contents, &len, NULL));
      tally_assert_true (g_file_set_contents (*copies[i], contents, len, NULL));
      tally_assert_cmpint (g_chmod (*copies[i], 0755), ==, 0);
    }
}

static TallyRun *
cache_run (TallyTest    *t,
           CacheFixture *f,
           const char   *extra)
{
  const char *envp[] = { f->env, NULL };

  return tally_util_run (t, envp, f->tally, "run", "-n", "1", "--db", f->db,
                         extra ? extra : "-q", f->native, f->gtest, NULL);
}

/* A program listed once is not run to list it again while it is the
 * same file; --no-list-cache lists it all the same; a touched program
 * is listed again. */
static void
test_listing_cache_reuse (TallyTest *t, gconstpointer data)
{
  CacheFixture f = { 0 };
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };

  cache_fixture_init (t, &f);
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, NULL);

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 2);
  }
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, "-v");

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 2);
    tally_assert_nonnull (strstr (run->out, "(listing cached)"));
    tally_assert_nonnull (strstr (run->out, "8 passed"));
  }
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, "--no-list-cache");

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 4);
  }
  /* A new mtime (as a rebuild or a reinstall gives): listed again, once. */
  tally_assert_cmpint (utimensat (AT_FDCWD, f.gtest, times, 0), ==, 0);
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, NULL);

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 5);
  }
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, NULL);

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 5);
  }
  cache_fixture_clear (&f);
}

/* A damaged cached listing is dropped with a warning and the program
 * listed again; the run is not affected. */
static void
test_listing_cache_corrupt (TallyTest *t, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  CacheFixture f = { 0 };

  cache_fixture_init (t, &f);
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, NULL);

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 2);
  }
  tally_store_debug_exec (f.db, "UPDATE listings SET data = CAST ('{\"tally\": garbage' AS BLOB)",
                          &error);
  tally_assert_no_error (error);
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, NULL);

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 4);
    tally_assert_nonnull (strstr (run->err, "sample-usage: the cached listing is unusable"));
    tally_assert_nonnull (strstr (run->err, "gtest-usage: the cached listing is unusable (it names no test)"));
    tally_assert_nonnull (strstr (run->out, "8 passed"));
  }
  /* Stored again, whole: the next run lists nothing. */
  {
    g_autoptr(TallyRun) run = cache_run (t, &f, NULL);

    tally_assert_cmpint (run->status, ==, 0);
    tally_assert_cmpuint (times_listed (f.marker), ==, 4);
  }
  cache_fixture_clear (&f);
}

/* The build id is read from the file, as readelf shows it. */
static void
test_listing_cache_build_id (TallyTest *t, gconstpointer data)
{
  g_autofree char *program = tally_util_sample ("gtest-usage");
  g_autofree char *id = tally_elf_build_id (program);
  g_autofree char *script = g_build_filename (tally_test_get_tmpdir (t), "script.sh", NULL);
  g_autofree char *out = NULL;
  g_autofree char *command = g_strdup_printf ("readelf -n %s", program);

  tally_assert_nonnull (id);
  tally_assert_cmpuint (strlen (id), >=, 16);
  if (g_spawn_command_line_sync (command, &out, NULL, NULL, NULL) && strstr (out, "Build ID: ") != NULL)
    tally_assert_true (g_str_has_prefix (strstr (out, "Build ID: ") + strlen ("Build ID: "), id));
  tally_assert_true (g_file_set_contents (script, "#!/bin/sh\n", -1, NULL));
  tally_assert_null (tally_elf_build_id (script));
}

/* --- the listing from the first worker ----------------------------------- */

static TallyRun *
run_one_program (TallyTest    *t,
                 CacheFixture *f,
                 const char   *also_env,
                 const char   *verbosity)
{
  const char *envp[] = { f->env, also_env, NULL };

  return tally_util_run (t, envp, f->tally, "run", "-n", "2", "--db", f->db, verbosity, f->native, NULL);
}

/* One Tally program named: its first worker writes the listing, and no
 * process is started to list it; a cached listing is used the same way
 * (the worker's is then not read). */
static void
test_listing_from_worker (TallyTest *t, gconstpointer data)
{
  CacheFixture f = { 0 };

  cache_fixture_init (t, &f);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TallyRun) run = run_one_program (t, &f, NULL, "-v");

      tally_assert_cmpint (run->status, ==, 0);
      tally_assert_nonnull (strstr (run->out, "4 passed"));
      tally_assert_cmpuint (times_listed (f.marker), ==, 0);
      tally_assert_true ((strstr (run->out, "(listing cached)") != NULL) == (i == 1));
      tally_assert_cmpstr (run->err, ==, "");
    }
  cache_fixture_clear (&f);
}

/* The worker asked for the listing exits before it writes one: the
 * program is listed the usual way, and its tests run all the same. */
static void
test_listing_worker_exits (TallyTest *t, gconstpointer data)
{
  CacheFixture f = { 0 };
  g_autoptr(TallyRun) run = NULL;

  cache_fixture_init (t, &f);
  run = run_one_program (t, &f, "USAGE_LISTING_WORKER_EXITS=1", "-q");
  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_nonnull (strstr (run->out, "4 passed"));
  tally_assert_cmpuint (times_listed (f.marker), ==, 1);
  cache_fixture_clear (&f);
}

/* A listing that ends before the number of tests its header announces
 * (its process died mid-way) is refused. */
static void
test_listing_cut_short (TallyTest *t, gconstpointer data)
{
  g_autofree char *listing = g_strdup_printf (
    "{\"tally\":%d,\"tests\":3,\"markers\":[]}\n"
    "{\"path\":\"/a\",\"file\":\"a.c\",\"line\":1,\"markers\":\"\"}\n"
    "{\"path\":\"/b\",\"file\":\"a.c\",\"line\":2,\"markers\":\"\"}\n", TALLY_PROTOCOL_VERSION);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyProgram) program = tally_program_parse_listing ("prog", listing, strlen (listing), &error);

  tally_assert_null (program);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST);
  tally_assert_cmpstr (error->message, ==, "its --tally-list output lists 2 tests, its header says 3");
}

static void
register_tests (void)
{
  static TallyParam bad_params[G_N_ELEMENTS (bad_inputs)];
  static const TallyParam registration[] = {
    { "slash", "slash" }, { "duplicate", "duplicate" }, { "markers", "markers" },
  };

  tally_add ("/runner/crash/each-kind-costs-one-test", test_crash_kinds, "slow timeout=60");
  tally_add ("/runner/crash/keeps-log-and-stderr", test_crash_keeps_evidence, NULL);
  tally_add ("/runner/crash/forked-child-exit", test_forked_child_exit, NULL);
  tally_add ("/runner/timeout/killed-within-grace", test_timeout_within_grace, "timeout=30");
  tally_add ("/runner/sched/serial-never-overlaps", test_serial_never_overlaps, NULL);
  tally_add ("/runner/sched/group-one-worker-in-order", test_group_one_worker_in_order, NULL);
  tally_add ("/runner/sched/parallel-overlaps", test_parallel_overlaps, NULL);
  tally_add ("/runner/capture/never-mixes", test_capture_never_mixes, "timeout=60");
  tally_add ("/runner/select/markers", test_select_markers, NULL);
  tally_add ("/runner/select/keywords", test_select_keywords, NULL);
  tally_add ("/runner/select/tests-from", test_select_tests_from, NULL);
  tally_add ("/runner/report-to-full-disk", test_report_to_full_disk, NULL);
  tally_add ("/runner/show/read-only-database", test_show_readonly_database, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    bad_params[i] = (TallyParam) { bad_inputs[i].name, &bad_inputs[i] };
  tally_add_params ("/runner/exit-status", test_bad_input, bad_params, NULL);
  tally_add_params ("/runner/bad-registration", test_bad_registration, registration, NULL);
  tally_add ("/runner/strict-markers", test_strict_markers, NULL);
  tally_add ("/runner/no-inherited-fds", test_no_inherited_fds, NULL);
  tally_add ("/runner/interrupt/ctrl-c-exits-2", test_interrupt, NULL);
  tally_add ("/runner/durations/slowest-first", test_durations_slowest, NULL);
  tally_add ("/runner/usage/native", test_usage_native, NULL);
  tally_add ("/runner/usage/gtest", test_usage_gtest, NULL);
  tally_add ("/runner/listing-cache/reuse", test_listing_cache_reuse, NULL);
  tally_add ("/runner/listing-cache/corrupt", test_listing_cache_corrupt, NULL);
  tally_add ("/runner/listing-cache/build-id", test_listing_cache_build_id, NULL);
  tally_add ("/runner/listing/from-first-worker", test_listing_from_worker, NULL);
  tally_add ("/runner/listing/worker-exits", test_listing_worker_exits, NULL);
  tally_add ("/runner/listing/cut-short", test_listing_cut_short, NULL);
  tally_add ("/runner/memory/flat", test_memory_flat, "slow timeout=120");
}

TALLY_MAIN (register_tests)
