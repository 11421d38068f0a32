/* tally-store-write.c — what the runner writes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs, tests and their markers, results (inserted 'running', updated
 * when they end, or inserted finished), log records, captured output and
 * the state table. Each write call runs inside store_write_begin() and
 * store_write_end() (tally-store.c), whose transactions keep a logical
 * unit whole under SIGKILL.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "tally-error.h"
#include "tally-store-internal-private.h"

/* ------------------------------------------------------------------ */
/* Write side                                                          */

static char *
argv_to_json (const char * const *argv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    {
      /* A file name need not be UTF-8; JSON must be. */
      g_autofree char *valid = g_utf8_make_valid (argv[i], -1);

      json_builder_add_string_value (builder, valid);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/**
 * tally_store_begin_run:
 * @store: a #TallyStore
 * @argv: (nullable) (array zero-terminated=1): the runner's command line
 * @workers: the number of workers
 * @seed: the random seed
 * @shard: (nullable): "K/N", or %NULL
 * @error: return location for a #GError
 *
 * Records a new run, `running`, owned by this process, and commits.
 *
 * Returns: the run id, or 0 with @error set
 */
gint64
tally_store_begin_run (TallyStore          *store,
                       const char * const  *argv,
                       guint                workers,
                       guint64              seed,
                       const char          *shard,
                       GError             **error)
{
  g_autofree char *json = NULL;
  Stmt *st;
  gint64 run_id;
  gboolean ok;

  g_return_val_if_fail (store != NULL, 0);

  if (!store_write_begin (store, error))
    return 0;

  st = store_stmt (store,
                   "INSERT INTO runs (started_at, status, argv, workers, seed,"
                   "                  shard, host, pid, cwd)"
                   " VALUES (:started, 'running', :argv, :workers, :seed,"
                   "         :shard, :host, :pid, :cwd)",
                   error);
  ok = st != NULL;
  if (ok)
    {
      json = argv_to_json (argv);
      g_autofree char *cwd = g_get_current_dir ();

      store_bind_int64 (st, ":started", g_get_real_time ());
      store_bind_text (st, ":argv", json);
      store_bind_text (st, ":cwd", cwd);
      store_bind_int64 (st, ":workers", workers);
      store_bind_int64 (st, ":seed", (gint64) seed);
      store_bind_text (st, ":shard", shard);
      store_bind_text (st, ":host", g_get_host_name ());
      store_bind_int64 (st, ":pid", getpid ());
      ok = store_stmt_exec (store, st, error);
    }
  run_id = ok ? sqlite3_last_insert_rowid (store->db) : 0;

  /* A reader should see the run start at once. */
  if (!store_write_end (store, ok, error) || !tally_store_commit (store, error))
    return 0;

  return run_id;
}

/**
 * tally_store_finish_run:
 * @store: a #TallyStore
 * @run_id: a run from tally_store_begin_run()
 * @status: how the run ended
 * @error: return location for a #GError
 *
 * Records the end of a run and commits. Results of the run still
 * `running` become `interrupted`.
 *
 * Returns: %TRUE on success
 */
/* Shifts each test's latest passing duration of this run into
 * recent_durations (see 003-recent-durations.sql). */
static gboolean
push_recent_durations (TallyStore  *store,
                       gint64       run_id,
                       GError     **error)
{
  Stmt *st = store_stmt (store,
                         "INSERT INTO recent_durations (test_id, d1)"
                         " SELECT test_id, duration_us FROM results WHERE id IN"
                         "  (SELECT max (id) FROM results"
                         "   WHERE run_id = :run AND outcome = 'passed' AND duration_us IS NOT NULL"
                         "   GROUP BY test_id)"
                         " ON CONFLICT (test_id) DO UPDATE SET"
                         "  d5 = d4, d4 = d3, d3 = d2, d2 = d1, d1 = excluded.d1",
                         error);

  if (st == NULL)
    return FALSE;
  store_bind_int64 (st, ":run", run_id);
  return store_stmt_exec (store, st, error);
}

gboolean
tally_store_finish_run (TallyStore      *store,
                        gint64           run_id,
                        TallyRunStatus   status,
                        GError         **error)
{
  Stmt *results, *run;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);

  if (!store_write_begin (store, error))
    return FALSE;

  results = store_stmt (store,
                        "UPDATE results SET outcome = 'interrupted'"
                        " WHERE run_id = :run AND outcome = 'running'",
                        error);
  ok = results != NULL;
  if (ok)
    {
      store_bind_int64 (results, ":run", run_id);
      ok = store_stmt_exec (store, results, error);
    }

  ok = ok && push_recent_durations (store, run_id, error);

  run = ok ? store_stmt (store,
                         "UPDATE runs SET status = :status, finished_at = :now"
                         " WHERE id = :run",
                         error) : NULL;
  ok = run != NULL;
  if (ok)
    {
      store_bind_text (run, ":status", tally_run_status_to_string (status));
      store_bind_int64 (run, ":now", g_get_real_time ());
      store_bind_int64 (run, ":run", run_id);
      ok = store_stmt_exec (store, run, error);
    }

  if (!store_write_end (store, ok, error))
    return FALSE;

  return tally_store_commit (store, error);
}

static gboolean
test_lookup (TallyStore  *store,
             const char  *program,
             const char  *path,
             gint64      *test_id,
             gboolean    *same_location,
             const char  *file,
             int          line,
             GError     **error)
{
  Stmt *st;
  int rc;

  st = store_stmt (store,
                   "SELECT id, file, line FROM tests"
                   " WHERE program = :program AND path = :path",
                   error);
  if (st == NULL)
    return FALSE;

  store_bind_text (st, ":program", program);
  store_bind_text (st, ":path", path);
  rc = store_stmt_step (store, st, error);
  *test_id = 0;
  if (rc == SQLITE_ROW)
    {
      const char *old_file = (const char *) sqlite3_column_text (st->stmt, 1);

      *test_id = sqlite3_column_int64 (st->stmt, 0);
      *same_location = g_strcmp0 (old_file, file) == 0
                       && sqlite3_column_int (st->stmt, 2) == line;
    }

  store_stmt_reset (st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static gboolean
test_write (TallyStore  *store,
            gint64      *test_id,
            const char  *program,
            const char  *path,
            const char  *file,
            int          line,
            GError     **error)
{
  Stmt *st;

  if (*test_id == 0)
    st = store_stmt (store,
                     "INSERT INTO tests (program, path, file, line)"
                     " VALUES (:program, :path, :file, :line)",
                     error);
  else
    st = store_stmt (store,
                     "UPDATE tests SET file = :file, line = :line WHERE id = :id",
                     error);
  if (st == NULL)
    return FALSE;

  if (*test_id == 0)
    {
      store_bind_text (st, ":program", program);
      store_bind_text (st, ":path", path);
    }
  else
    store_bind_int64 (st, ":id", *test_id);
  store_bind_text (st, ":file", file);
  store_bind_int64_unless (st, ":line", line, line <= 0);

  if (!store_stmt_exec (store, st, error))
    return FALSE;

  if (*test_id == 0)
    *test_id = sqlite3_last_insert_rowid (store->db);
  return TRUE;
}

/* Whether the stored markers of @test_id are @markers, in order. */
static gboolean
markers_unchanged (TallyStore          *store,
                   gint64               test_id,
                   const TallyMarkers  *markers,
                   gboolean            *unchanged,
                   GError             **error)
{
  guint n = markers != NULL ? tally_markers_get_n_markers (markers) : 0;
  guint i = 0;
  Stmt *st;
  int rc;

  st = store_stmt (store,
                   "SELECT name, value FROM markers WHERE test_id = :test"
                   " ORDER BY position",
                   error);
  if (st == NULL)
    return FALSE;

  *unchanged = TRUE;
  store_bind_int64 (st, ":test", test_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (st->stmt, 0);
      const char *value = (const char *) sqlite3_column_text (st->stmt, 1);

      if (i >= n
          || g_strcmp0 (name, tally_markers_get_name (markers, i)) != 0
          || g_strcmp0 (value, tally_markers_get_value (markers, i)) != 0)
        *unchanged = FALSE;
      i++;
    }
  store_stmt_reset (st);

  if (i != n)
    *unchanged = FALSE;
  return rc == SQLITE_DONE;
}

static gboolean
markers_replace (TallyStore          *store,
                 gint64               test_id,
                 const TallyMarkers  *markers,
                 GError             **error)
{
  guint n = markers != NULL ? tally_markers_get_n_markers (markers) : 0;
  Stmt *del, *ins;

  del = store_stmt (store, "DELETE FROM markers WHERE test_id = :test", error);
  if (del == NULL)
    return FALSE;
  store_bind_int64 (del, ":test", test_id);
  if (!store_stmt_exec (store, del, error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      ins = store_stmt (store,
                        "INSERT INTO markers (test_id, position, name, value)"
                        " VALUES (:test, :position, :name, :value)",
                        error);
      if (ins == NULL)
        return FALSE;
      store_bind_int64 (ins, ":test", test_id);
      store_bind_int64 (ins, ":position", i);
      store_bind_text (ins, ":name", tally_markers_get_name (markers, i));
      store_bind_text (ins, ":value", tally_markers_get_value (markers, i));
      if (!store_stmt_exec (store, ins, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
ensure_test (TallyStore          *store,
             const char          *program,
             const char          *path,
             const char          *file,
             int                  line,
             const TallyMarkers  *markers,
             gint64              *test_id,
             GError             **error)
{
  gboolean same_location = FALSE, unchanged = FALSE;

  if (!test_lookup (store, program, path, test_id, &same_location,
                    file, line > 0 ? line : 0, error))
    return FALSE;

  if ((*test_id == 0 || !same_location)
      && !test_write (store, test_id, program, path, file, line, error))
    return FALSE;

  if (!markers_unchanged (store, *test_id, markers, &unchanged, error))
    return FALSE;

  return unchanged || markers_replace (store, *test_id, markers, error);
}

/**
 * tally_store_ensure_test:
 * @store: a #TallyStore
 * @program: the test program, as the runner names it
 * @path: the test path
 * @file: (nullable): the source file that registered it
 * @line: the line, or 0
 * @markers: (nullable): the test's markers
 * @error: return location for a #GError
 *
 * Finds or creates the test (@program, @path), updating its location and
 * replacing its markers when they changed.
 *
 * Returns: the test id, or 0 with @error set
 */
gint64
tally_store_ensure_test (TallyStore          *store,
                         const char          *program,
                         const char          *path,
                         const char          *file,
                         int                  line,
                         const TallyMarkers  *markers,
                         GError             **error)
{
  gint64 test_id = 0;
  gboolean ok;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (program != NULL, 0);
  g_return_val_if_fail (path != NULL, 0);

  if (!store_write_begin (store, error))
    return 0;

  ok = ensure_test (store, program, path, file, line, markers, &test_id, error);
  if (!store_write_end (store, ok, error))
    return 0;

  return test_id;
}

/**
 * tally_store_start_result:
 * @store: a #TallyStore
 * @run_id: the run
 * @test_id: the test, from tally_store_ensure_test()
 * @result: the attempt, started_at_us and worker are used
 * @error: return location for a #GError
 *
 * Inserts the result row with outcome `running`.
 *
 * Returns: the result id, or 0 with @error set
 */
gint64
tally_store_start_result (TallyStore         *store,
                          gint64              run_id,
                          gint64              test_id,
                          const TallyResult  *result,
                          GError            **error)
{
  gint64 result_id = 0;
  Stmt *st;
  gboolean ok;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (result != NULL, 0);

  if (!store_write_begin (store, error))
    return 0;

  st = store_stmt (store,
                   "INSERT INTO results (run_id, test_id, attempt, outcome,"
                   "                     started_at, worker)"
                   " VALUES (:run, :test, :attempt, 'running', :started, :worker)",
                   error);
  ok = st != NULL;
  if (ok)
    {
      store_bind_int64 (st, ":run", run_id);
      store_bind_int64 (st, ":test", test_id);
      store_bind_int64 (st, ":attempt", MAX (result->attempt, 1));
      store_bind_int64 (st, ":started", result->started_at_us > 0
                                        ? result->started_at_us : g_get_real_time ());
      store_bind_int64_unless (st, ":worker", result->worker, result->worker < 0);
      ok = store_stmt_exec (store, st, error);
    }
  if (ok)
    result_id = sqlite3_last_insert_rowid (store->db);

  if (!store_write_end (store, ok, error))
    return 0;

  return result_id;
}

static gboolean
finish_result (TallyStore         *store,
               gint64              result_id,
               const TallyResult  *result,
               GError            **error)
{
  Stmt *st;

  st = store_stmt (store,
                   "UPDATE results SET outcome = :outcome,"
                   " attempt = :attempt,"
                   " started_at = COALESCE(:started, started_at),"
                   " duration_us = :duration,"
                   " worker = COALESCE(:worker, worker),"
                   " message = :message, file = :file, line = :line,"
                   " signal = :signal, exit_status = :exit_status"
                   " WHERE id = :id",
                   error);
  if (st == NULL)
    return FALSE;

  store_bind_text (st, ":outcome", tally_outcome_to_string (result->outcome));
  store_bind_int64 (st, ":attempt", MAX (result->attempt, 1));
  store_bind_int64_unless (st, ":started", result->started_at_us, result->started_at_us <= 0);
  store_bind_int64 (st, ":duration", MAX (result->duration_us, 0));
  store_bind_int64_unless (st, ":worker", result->worker, result->worker < 0);
  store_bind_bytes (st, ":message", result->message,
                    result->message != NULL ? strlen (result->message) : 0);
  store_bind_text (st, ":file", result->file);
  store_bind_int64_unless (st, ":line", result->line, result->line <= 0);
  store_bind_int64_unless (st, ":signal", result->signal, result->signal == 0);
  store_bind_int64_unless (st, ":exit_status", result->exit_status, result->exit_status < 0);
  store_bind_int64 (st, ":id", result_id);
  if (!store_stmt_exec (store, st, error))
    return FALSE;

  if (sqlite3_changes (store->db) != 1)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND,
                   "%s: no result %" G_GINT64_FORMAT " to finish",
                   store->path, result_id);
      return FALSE;
    }

  return TRUE;
}

/**
 * tally_store_add_result:
 * @store: a #TallyStore
 * @run_id: the run
 * @test_id: the test
 * @result: the finished result
 * @error: return location for a #GError
 *
 * Stores a result that is already finished, in one INSERT: what the
 * runner does for a test that ends before its `running` row was needed
 * (see tally-session.c), instead of an INSERT and an UPDATE.
 *
 * Returns: the result id, or 0 with @error set
 */
gint64
tally_store_add_result (TallyStore         *store,
                        gint64              run_id,
                        gint64              test_id,
                        const TallyResult  *result,
                        GError            **error)
{
  Stmt *st;
  gboolean ok;
  gint64 result_id = 0;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (result != NULL, 0);

  if (!store_write_begin (store, error))
    return 0;

  st = store_stmt (store,
                   "INSERT INTO results (run_id, test_id, attempt, outcome, started_at,"
                   "                     duration_us, worker, message, file, line,"
                   "                     signal, exit_status)"
                   " VALUES (:run, :test, :attempt, :outcome, :started, :duration,"
                   "         :worker, :message, :file, :line, :signal, :exit_status)",
                   error);
  ok = st != NULL;
  if (ok)
    {
      store_bind_int64 (st, ":run", run_id);
      store_bind_int64 (st, ":test", test_id);
      store_bind_int64 (st, ":attempt", MAX (result->attempt, 1));
      store_bind_text (st, ":outcome", tally_outcome_to_string (result->outcome));
      store_bind_int64 (st, ":started", result->started_at_us > 0
                                        ? result->started_at_us : g_get_real_time ());
      store_bind_int64 (st, ":duration", MAX (result->duration_us, 0));
      store_bind_int64_unless (st, ":worker", result->worker, result->worker < 0);
      store_bind_bytes (st, ":message", result->message,
                        result->message != NULL ? strlen (result->message) : 0);
      store_bind_text (st, ":file", result->file);
      store_bind_int64_unless (st, ":line", result->line, result->line <= 0);
      store_bind_int64_unless (st, ":signal", result->signal, result->signal == 0);
      store_bind_int64_unless (st, ":exit_status", result->exit_status, result->exit_status < 0);
      ok = store_stmt_exec (store, st, error);
    }
  if (ok)
    result_id = sqlite3_last_insert_rowid (store->db);

  if (!store_write_end (store, ok, error))
    return 0;

  return result_id;
}

/**
 * tally_store_finish_result:
 * @store: a #TallyStore
 * @result_id: a result from tally_store_start_result()
 * @result: how the attempt ended
 * @error: return location for a #GError
 *
 * Records the outcome, duration, message and location of an attempt.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_finish_result (TallyStore         *store,
                           gint64              result_id,
                           const TallyResult  *result,
                           GError            **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  if (!store_write_begin (store, error))
    return FALSE;

  return store_write_end (store, finish_result (store, result_id, result, error), error);
}

/**
 * tally_store_add_log:
 * @store: a #TallyStore
 * @result_id: the result the record belongs to
 * @seq: the record's number within the result, from 0
 * @record: the record
 * @error: return location for a #GError
 *
 * Stores one captured log record; its message keeps every byte.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_add_log (TallyStore            *store,
                     gint64                 result_id,
                     guint                  seq,
                     const TallyLogRecord  *record,
                     GError               **error)
{
  Stmt *st;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (!store_write_begin (store, error))
    return FALSE;

  st = store_stmt (store,
                   "INSERT INTO logs (result_id, seq, time_us, level, domain,"
                   "                  message, file, line, func, thread, fields)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                   error);
  ok = st != NULL;
  if (ok)
    {
      store_bind_int64_at (st, 1, result_id);
      store_bind_int64_at (st, 2, seq);
      store_bind_int64_at (st, 3, record->time_us);
      store_bind_int64_at (st, 4, record->level & G_LOG_LEVEL_MASK);
      store_bind_text_at (st, 5, record->domain);
      store_bind_bytes_at (st, 6, record->message != NULL ? record->message : "",
                           record->message != NULL ? record->message_len : 0);
      store_bind_text_at (st, 7, record->file);
      if (record->line > 0)
        store_bind_int64_at (st, 8, record->line);
      else
        store_bind_null_at (st, 8);
      store_bind_text_at (st, 9, record->func);
      store_bind_int64_at (st, 10, (gint64) record->thread_id);
      store_bind_text_at (st, 11, record->fields);
      ok = store_stmt_exec (store, st, error);
    }

  return store_write_end (store, ok, error);
}

/**
 * tally_store_add_output:
 * @store: a #TallyStore
 * @result_id: the result the output belongs to
 * @stream: stdout or stderr
 * @data: (array length=len): the bytes
 * @len: the length of @data
 * @error: return location for a #GError
 *
 * Appends a chunk of captured output.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_add_output (TallyStore   *store,
                        gint64        result_id,
                        TallyStream   stream,
                        const char   *data,
                        gsize         len,
                        GError      **error)
{
  Stmt *st;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (!store_write_begin (store, error))
    return FALSE;

  /* The next chunk number comes from the (result, stream, seq) index:
   * no state to keep in the store. */
  st = store_stmt (store,
                   "INSERT INTO outputs (result_id, stream, seq, data)"
                   " VALUES (:result, :stream,"
                   "   (SELECT COALESCE(max(seq) + 1, 0) FROM outputs"
                   "    WHERE result_id = :result AND stream = :stream),"
                   "   :data)",
                   error);
  ok = st != NULL;
  if (ok)
    {
      int idx;

      store_bind_int64 (st, ":result", result_id);
      store_bind_int64 (st, ":stream", stream);
      idx = store_stmt_param (st, ":data");
      if (idx > 0)
        store_stmt_check_bind (st, sqlite3_bind_blob64 (st->stmt, idx, data != NULL ? data : "",
                                                        len, SQLITE_STATIC));
      ok = store_stmt_exec (store, st, error);
    }

  return store_write_end (store, ok, error);
}

/* ------------------------------------------------------------------ */
/* State                                                               */

/**
 * tally_store_get_state:
 * @store: a #TallyStore
 * @key: the key
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the value of @key in the `state`
 *   table, or %NULL (with @error unset) when there is none
 */
char *
tally_store_get_state (TallyStore  *store,
                       const char  *key,
                       GError     **error)
{
  char *value = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  st = store_stmt (store, "SELECT value FROM state WHERE key = :key", error);
  if (st == NULL)
    return NULL;

  store_bind_text (st, ":key", key);
  rc = store_stmt_step (store, st, error);
  if (rc == SQLITE_ROW)
    value = store_column_dup_text (st->stmt, 0);
  store_stmt_reset (st);

  return value;
}

/**
 * tally_store_set_state:
 * @store: a #TallyStore
 * @key: the key
 * @value: (nullable): the value, or %NULL to remove @key
 * @error: return location for a #GError
 *
 * Sets a key of the `state` table and commits.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_set_state (TallyStore  *store,
                       const char  *key,
                       const char  *value,
                       GError     **error)
{
  Stmt *st;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!store_write_begin (store, error))
    return FALSE;

  if (value == NULL)
    st = store_stmt (store, "DELETE FROM state WHERE key = :key", error);
  else
    st = store_stmt (store,
                     "INSERT INTO state (key, value) VALUES (:key, :value)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     error);
  ok = st != NULL;
  if (ok)
    {
      store_bind_text (st, ":key", key);
      if (value != NULL)
        store_bind_text (st, ":value", value);
      ok = store_stmt_exec (store, st, error);
    }

  if (!store_write_end (store, ok, error))
    return FALSE;

  return tally_store_commit (store, error);
}
