/* tally-store-query.c — reading the results database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The reads of the runner (latest outcomes, recent durations), of
 * `tally show` and `tally history`, and of the viewer: runs and their
 * counts, results and their rows by id, logs and output, tests and
 * their markers, history, and the query plans that tests check. Result
 * lists are filtered and sorted in memory by tally-store-read.c.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tally-error.h"
#include "tally-store-internal-private.h"

/* ------------------------------------------------------------------ */
/* Read side                                                           */

/**
 * tally_store_test_key:
 * @program: a test program
 * @path: a test path
 *
 * Returns: (transfer full): "PROGRAM\x1fPATH", the key of the tables
 *   that history functions return (unit separator: it appears in
 *   neither)
 */
char *
tally_store_test_key (const char *program,
                      const char *path)
{
  return g_strconcat (program, "\x1f", path, NULL);
}

/**
 * tally_store_foreach_latest_outcome:
 * @store: a #TallyStore
 * @func: called for each test with a verdict
 * @data: for @func
 * @error: return location for a #GError
 *
 * For each test, the outcome of its latest attempt with a verdict in the
 * most recent run that ran it, among runs that are not `running`
 * (finished or interrupted). Attempts left `running` or `interrupted`
 * carry no verdict, so an earlier one stands. Rows go to @func as they
 * are read: the caller keeps only what it wants.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
tally_store_foreach_latest_outcome (TallyStore            *store,
                                    TallyStoreOutcomeFunc  func,
                                    gpointer               data,
                                    GError               **error)
{
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);

  st = store_stmt (store,
                   "SELECT t.program, t.path, x.outcome FROM ("
                   "  SELECT r.test_id, r.outcome, row_number () OVER ("
                   "    PARTITION BY r.test_id"
                   "    ORDER BY u.started_at DESC, u.id DESC,"
                   "             r.attempt DESC, r.id DESC) AS rn"
                   "  FROM results r JOIN runs u ON u.id = r.run_id"
                   "  WHERE u.status <> 'running'"
                   "    AND r.outcome NOT IN ('running', 'interrupted')) x"
                   " JOIN tests t ON t.id = x.test_id"
                   " WHERE x.rn = 1",
                   error);
  if (st == NULL)
    return FALSE;

  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    func ((const char *) sqlite3_column_text (st->stmt, 0),
          (const char *) sqlite3_column_text (st->stmt, 1),
          (const char *) sqlite3_column_text (st->stmt, 2), data);
  store_stmt_reset (st);

  return rc == SQLITE_DONE;
}

/**
 * tally_store_foreach_recent_durations:
 * @store: a #TallyStore
 * @limit: how many of each test's latest passing results to consider
 * @func: called for each test with at least one
 * @data: for @func
 * @error: return location for a #GError
 *
 * Gives @func each test's durations in µs of its latest @limit passed
 * results, newest first, as the rows are read.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
tally_store_foreach_recent_durations (TallyStore              *store,
                                      guint                    limit,
                                      TallyStoreDurationsFunc  func,
                                      gpointer                 data,
                                      GError                 **error)
{
  g_autoptr(GError) push_error = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);

  /* Runs that finished since: a writer that cannot (the database is
   * busy) reads the durations there are. */
  if (!tally_store_push_recent_durations (store, &push_error))
    g_debug ("recent durations not updated: %s", push_error->message);

  /* One row per test (the table keeps five samples: @limit above 5
   * reads 5). */
  st = store_stmt (store,
                   "SELECT t.program, t.path, r.d1, r.d2, r.d3, r.d4, r.d5"
                   " FROM recent_durations r JOIN tests t ON t.id = r.test_id",
                   error);
  if (st == NULL)
    return FALSE;

  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      gint64 us[5];
      guint n = 0;

      while (n < MIN (limit, 5) && sqlite3_column_type (st->stmt, 2 + n) != SQLITE_NULL)
        {
          us[n] = sqlite3_column_int64 (st->stmt, 2 + n);
          n++;
        }
      if (n > 0)
        func ((const char *) sqlite3_column_text (st->stmt, 0),
              (const char *) sqlite3_column_text (st->stmt, 1), us, n, data);
    }
  store_stmt_reset (st);

  return rc == SQLITE_DONE;
}

static gboolean
read_result_row (sqlite3_stmt  *stmt,
                 TallyResult   *result,
                 gint64        *run_id,
                 gint64        *test_id)
{
  gsize len;

  tally_result_init (result);
  if (run_id != NULL)
    *run_id = sqlite3_column_int64 (stmt, 0);
  if (test_id != NULL)
    *test_id = sqlite3_column_int64 (stmt, 1);
  result->attempt = sqlite3_column_int (stmt, 2);
  if (!tally_outcome_from_string ((const char *) sqlite3_column_text (stmt, 3),
                                  &result->outcome))
    result->outcome = TALLY_OUTCOME_ERROR;
  result->started_at_us = sqlite3_column_int64 (stmt, 4);
  result->duration_us = sqlite3_column_int64 (stmt, 5);
  if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
    result->worker = sqlite3_column_int (stmt, 6);
  result->message = store_column_dup_bytes (stmt, 7, &len);
  result->file = store_column_dup_text (stmt, 8);
  result->line = sqlite3_column_int (stmt, 9);
  result->signal = sqlite3_column_int (stmt, 10);
  if (sqlite3_column_type (stmt, 11) != SQLITE_NULL)
    result->exit_status = sqlite3_column_int (stmt, 11);
  if (sqlite3_column_count (stmt) > 13 && sqlite3_column_type (stmt, 12) != SQLITE_NULL)
    result->cpu_us = sqlite3_column_int64 (stmt, 12);
  if (sqlite3_column_count (stmt) > 13 && sqlite3_column_type (stmt, 13) != SQLITE_NULL)
    result->max_rss_kb = sqlite3_column_int (stmt, 13);

  return TRUE;
}

/**
 * tally_store_get_result:
 * @store: a #TallyStore
 * @result_id: a result id
 * @result: (out caller-allocates): filled in; clear with tally_result_clear()
 * @run_id: (out) (optional): the result's run
 * @test_id: (out) (optional): the result's test
 * @error: return location for a #GError
 *
 * Reads one result back. An unknown id is %TALLY_ERROR_NOT_FOUND.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_get_result (TallyStore   *store,
                        gint64        result_id,
                        TallyResult  *result,
                        gint64       *run_id,
                        gint64       *test_id,
                        GError      **error)
{
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  st = store_stmt (store,
                   "SELECT run_id, test_id, attempt, outcome, started_at,"
                   "       duration_us, worker, message, file, line, signal,"
                   "       exit_status, cpu_us, max_rss_kb"
                   " FROM results WHERE id = :id",
                   error);
  if (st == NULL)
    return FALSE;

  store_bind_int64 (st, ":id", result_id);
  rc = store_stmt_step (store, st, error);
  if (rc == SQLITE_ROW)
    read_result_row (st->stmt, result, run_id, test_id);
  store_stmt_reset (st);

  if (rc == SQLITE_DONE)
    g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND,
                 "%s: no result %" G_GINT64_FORMAT, store->path, result_id);
  return rc == SQLITE_ROW;
}

static TallyLogRecord *
read_log_row (sqlite3_stmt *stmt)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->time_us = sqlite3_column_int64 (stmt, 0);
  record->level = sqlite3_column_int (stmt, 1);
  record->domain = store_column_dup_text (stmt, 2);
  record->message = store_column_dup_bytes (stmt, 3, &record->message_len);
  if (record->message == NULL)
    record->message = g_strdup ("");
  record->file = store_column_dup_text (stmt, 4);
  record->line = sqlite3_column_int (stmt, 5);
  record->func = store_column_dup_text (stmt, 6);
  record->thread_id = (guint64) sqlite3_column_int64 (stmt, 7);
  record->fields = store_column_dup_text (stmt, 8);

  return record;
}

/**
 * tally_store_get_logs:
 * @store: a #TallyStore
 * @result_id: a result id
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TallyLogRecord) (nullable): the
 *   result's log records in order, or %NULL with @error set
 */
GPtrArray *
tally_store_get_logs (TallyStore  *store,
                      gint64       result_id,
                      GError     **error)
{
  g_autoptr(GPtrArray) records = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store,
                   "SELECT time_us, level, domain, message, file, line, func,"
                   "       thread, fields"
                   " FROM logs WHERE result_id = :result ORDER BY seq",
                   error);
  if (st == NULL)
    return NULL;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  store_bind_int64 (st, ":result", result_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    g_ptr_array_add (records, read_log_row (st->stmt));
  store_stmt_reset (st);

  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&records);
}

/**
 * tally_store_get_output:
 * @store: a #TallyStore
 * @result_id: a result id
 * @stream: stdout or stderr
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): all the captured bytes of @stream,
 *   possibly empty, or %NULL with @error set
 */
GBytes *
tally_store_get_output (TallyStore   *store,
                        gint64        result_id,
                        TallyStream   stream,
                        GError      **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store,
                   "SELECT data FROM outputs"
                   " WHERE result_id = :result AND stream = :stream ORDER BY seq",
                   error);
  if (st == NULL)
    return NULL;

  store_bind_int64 (st, ":result", result_id);
  store_bind_int64 (st, ":stream", stream);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    g_byte_array_append (bytes, sqlite3_column_blob (st->stmt, 0),
                         sqlite3_column_bytes (st->stmt, 0));
  store_stmt_reset (st);

  if (rc != SQLITE_DONE)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* ------------------------------------------------------------------ */
/* Read side: runs, result pages, logs, history                        */

/* "Final attempt" (docs/database.md): no later attempt of the same test
 * in the same run exists. results_run_test_attempt answers it from the
 * index alone. Rows tied at the highest attempt (--repeat) all count. */
#define FINAL_ATTEMPT(r) \
  " NOT EXISTS (SELECT 1 FROM results x WHERE x.run_id = " r ".run_id" \
  "             AND x.test_id = " r ".test_id AND x.attempt > " r ".attempt)"

static const char result_row_sql[] =
  "SELECT r.id, r.test_id, t.program, t.path, r.attempt, r.outcome,"
  "       r.started_at, r.duration_us, r.worker, r.message, r.file, r.line,"
  "       r.signal, r.exit_status,"
  "       (SELECT count(*) FROM logs l WHERE l.result_id = r.id),"
  "       r.cpu_us, r.max_rss_kb"
  " FROM results r JOIN tests t ON t.id = r.test_id WHERE r.id = :id";

static const char run_counts_sql[] =
  "SELECT r.outcome, count(*) FROM results r"
  " WHERE r.run_id = :run AND" FINAL_ATTEMPT ("r")
  " GROUP BY r.outcome";

static const char run_retried_sql[] =
  "SELECT EXISTS (SELECT 1 FROM results WHERE run_id = :run AND attempt > 1)";

static const char run_counts_single_sql[] =
  "SELECT outcome, count(*) FROM results WHERE run_id = :run GROUP BY outcome";

static const char logs_page_sql[] =
  "SELECT time_us, level, domain, message, file, line, func, thread, fields"
  " FROM logs WHERE result_id = :result"
  "   AND (:max_level = 0 OR level <= :max_level)"
  " ORDER BY seq LIMIT :limit OFFSET :offset";

static const char history_sql[] =
  "SELECT u.id, u.started_at, r.id, r.attempt, r.outcome, r.duration_us"
  " FROM results r JOIN runs u ON u.id = r.run_id"
  " WHERE r.test_id = :test AND" FINAL_ATTEMPT ("r")
  " ORDER BY u.started_at DESC, u.id DESC, r.id DESC"
  " LIMIT :limit";

static const char runs_page_sql[] =
  "SELECT id, started_at, finished_at, status, argv, workers, seed, shard, host, cwd, parent_id"
  " FROM runs ORDER BY started_at DESC, id DESC LIMIT :limit OFFSET :offset";

static const char run_by_id_sql[] =
  "SELECT id, started_at, finished_at, status, argv, workers, seed, shard, host, cwd, parent_id"
  " FROM runs WHERE id = :id";

/* What tally_store_debug_explain() knows, by name. A function rather
 * than a table: C takes an element of a const array as a static
 * initializer only as a GCC extension. */
static const char *
explained_query (const char *name)
{
  const struct { const char *name; const char *sql; } known[] = {
    { "run-results", store_run_results_sql },
    { "result-row", result_row_sql },
    { "run-counts", run_counts_sql },
    { "run-counts-single", run_counts_single_sql },
    { "run-retried", run_retried_sql },
    { "logs-page", logs_page_sql },
    { "history", history_sql },
    { "runs-page", runs_page_sql },
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_strcmp0 (known[i].name, name) == 0)
      return known[i].sql;
  return NULL;
}

/**
 * tally_run_status_from_string:
 * @text: (nullable): a `runs.status` value
 * @status: (out): the status
 *
 * Returns: %TRUE if @text names a #TallyRunStatus
 */
gboolean
tally_run_status_from_string (const char     *text,
                              TallyRunStatus *status)
{
  for (int s = TALLY_RUN_RUNNING; s <= TALLY_RUN_ERROR; s++)
    {
      if (g_strcmp0 (text, tally_run_status_to_string (s)) == 0)
        {
          *status = s;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * tally_run_row_free:
 * @row: (transfer full) (nullable): a #TallyRunRow
 */
void
tally_run_row_free (TallyRunRow *row)
{
  if (row == NULL)
    return;

  g_strfreev (row->argv);
  g_free (row->shard);
  g_free (row->host);
  g_free (row->cwd);
  g_free (row);
}

/**
 * tally_result_row_free:
 * @row: (transfer full) (nullable): a #TallyResultRow
 */
void
tally_result_row_free (TallyResultRow *row)
{
  if (row == NULL)
    return;

  g_free (row->program);
  g_free (row->path);
  g_free (row->message);
  g_free (row->file);
  g_free (row->markers);
  g_free (row);
}

/**
 * tally_history_row_free:
 * @row: (transfer full) (nullable): a #TallyHistoryRow
 */
void
tally_history_row_free (TallyHistoryRow *row)
{
  g_free (row);
}

/**
 * tally_test_row_free:
 * @row: (transfer full) (nullable): a #TallyTestRow
 */
void
tally_test_row_free (TallyTestRow *row)
{
  if (row == NULL)
    return;

  g_free (row->program);
  g_free (row->path);
  g_free (row->file);
  g_clear_pointer (&row->markers, tally_markers_unref);
  g_free (row);
}

/* runs.argv is a JSON array of strings; anything else reads as empty. */
static GStrv
argv_from_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *root;
  JsonArray *array;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return g_strv_builder_end (builder);

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return g_strv_builder_end (builder);

  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (node));
    }

  return g_strv_builder_end (builder);
}

static TallyRunRow *
read_run_row (sqlite3_stmt *stmt)
{
  TallyRunRow *row = g_new0 (TallyRunRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->started_at_us = sqlite3_column_int64 (stmt, 1);
  row->finished_at_us = sqlite3_column_int64 (stmt, 2);
  if (!tally_run_status_from_string ((const char *) sqlite3_column_text (stmt, 3),
                                     &row->status))
    row->status = TALLY_RUN_ERROR;
  row->argv = argv_from_json ((const char *) sqlite3_column_text (stmt, 4));
  row->workers = sqlite3_column_int (stmt, 5);
  row->seed = (guint64) sqlite3_column_int64 (stmt, 6);
  row->shard = store_column_dup_text (stmt, 7);
  row->host = store_column_dup_text (stmt, 8);
  row->cwd = store_column_dup_text (stmt, 9);
  row->parent_id = sqlite3_column_int64 (stmt, 10);

  return row;
}

/**
 * tally_store_get_run_counts:
 * @store: a #TallyStore
 * @run_id: a run
 * @counts: (array fixed-size=TALLY_N_OUTCOMES) (out caller-allocates):
 *   the number of final attempts of each #TallyOutcome
 * @error: return location for a #GError
 *
 * Counts the run's final attempts by outcome: one index-only pass over
 * the run's results.
 *
 * Returns: %TRUE on success
 */
/**
 * tally_store_get_run_usage:
 * @store: a store
 * @run_id: a run
 * @usage: (out): what its results used, every attempt counted
 * @error: return location for a #GError
 *
 * Sums the run's CPU time and finds its longest test: what
 * tally_run_usage_floor_us() needs.
 *
 * Returns: %FALSE with @error set on a database error
 */
gboolean
tally_store_get_run_usage (TallyStore     *store,
                           gint64          run_id,
                           TallyRunUsage  *usage,
                           GError        **error)
{
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (usage != NULL, FALSE);

  memset (usage, 0, sizeof *usage);
  st = store_stmt (store,
                   "SELECT ifnull (sum (cpu_us), 0), count (cpu_us), count (*),"
                   "       ifnull (max (duration_us), 0), ifnull (max (max_rss_kb), 0)"
                   " FROM results WHERE run_id = :run",
                   error);
  if (st == NULL)
    return FALSE;
  store_bind_int64 (st, ":run", run_id);
  rc = store_stmt_step (store, st, error);
  if (rc == SQLITE_ROW)
    {
      usage->cpu_us = sqlite3_column_int64 (st->stmt, 0);
      usage->n_measured = sqlite3_column_int (st->stmt, 1);
      usage->n_results = sqlite3_column_int (st->stmt, 2);
      usage->longest_us = sqlite3_column_int64 (st->stmt, 3);
      usage->max_rss_kb = sqlite3_column_int64 (st->stmt, 4);
    }
  store_stmt_reset (st);
  return rc == SQLITE_ROW;
}

/**
 * tally_run_usage_floor_us:
 * @usage: a run's usage
 * @n_cpus: the cores it had
 *
 * The least wall time the run's tests need on @n_cpus cores: all their
 * CPU spread evenly, or the longest test, which no scheduler can split.
 *
 * Returns: the floor, µs
 */
gint64
tally_run_usage_floor_us (const TallyRunUsage *usage,
                          guint                n_cpus)
{
  return MAX (usage->cpu_us / MAX (n_cpus, 1), usage->longest_us);
}

gboolean
tally_store_get_run_counts (TallyStore  *store,
                            gint64       run_id,
                            guint       *counts,
                            GError     **error)
{
  gint64 retried = 0;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  memset (counts, 0, sizeof (guint) * TALLY_N_OUTCOMES);
  /* Without retries or repeats every result is a final attempt: count
   * the (run_id, outcome) index alone, skipping the per-row check. */
  st = store_stmt (store, run_retried_sql, error);
  if (st == NULL)
    return FALSE;
  store_bind_int64 (st, ":run", run_id);
  if (!store_stmt_query_int64 (store, st, &retried, NULL, error))
    return FALSE;

  st = store_stmt (store, retried ? run_counts_sql : run_counts_single_sql, error);
  if (st == NULL)
    return FALSE;

  store_bind_int64 (st, ":run", run_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    counts[store_column_outcome (st->stmt, 0)] += sqlite3_column_int (st->stmt, 1);
  store_stmt_reset (st);

  return rc == SQLITE_DONE;
}

static gboolean
fill_run_counts (TallyStore   *store,
                 TallyRunRow  *row,
                 GError      **error)
{
  if (!tally_store_get_run_counts (store, row->id, row->counts, error))
    return FALSE;

  row->n_results = 0;
  for (guint i = 0; i < TALLY_N_OUTCOMES; i++)
    row->n_results += row->counts[i];
  row->has_counts = TRUE;

  return TRUE;
}

/**
 * tally_store_get_last_run_id:
 * @store: a #TallyStore
 * @run_id: (out): the newest run (latest start), or 0 when there is none
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success (also when there is no run)
 */
gboolean
tally_store_get_last_run_id (TallyStore  *store,
                             gint64      *run_id,
                             GError     **error)
{
  Stmt *st;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (run_id != NULL, FALSE);

  *run_id = 0;
  st = store_stmt (store,
                   "SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1",
                   error);
  if (st == NULL)
    return FALSE;

  return store_stmt_query_int64 (store, st, run_id, NULL, error);
}

/**
 * tally_store_list_runs:
 * @store: a #TallyStore
 * @offset: rows to skip
 * @limit: the most rows to return
 * @with_counts: whether to count each run's outcomes (one index-only
 *   pass over each listed run's results: page the run list)
 * @error: return location for a #GError
 *
 * Lists runs newest first (by start time, then id).
 *
 * Returns: (transfer full) (element-type TallyRunRow) (nullable): the
 *   rows, or %NULL with @error set
 */
GPtrArray *
tally_store_list_runs (TallyStore  *store,
                       guint        offset,
                       guint        limit,
                       gboolean     with_counts,
                       GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store, runs_page_sql, error);
  if (st == NULL)
    return NULL;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_run_row_free);
  store_bind_int64 (st, ":limit", limit);
  store_bind_int64 (st, ":offset", offset);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    g_ptr_array_add (rows, read_run_row (st->stmt));
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    return NULL;

  for (guint i = 0; with_counts && i < rows->len; i++)
    if (!fill_run_counts (store, g_ptr_array_index (rows, i), error))
      return NULL;

  return g_steal_pointer (&rows);
}

/**
 * tally_store_get_run:
 * @store: a #TallyStore
 * @run_id: a run id
 * @error: return location for a #GError
 *
 * Reads one run with its outcome counts. An unknown id is
 * %TALLY_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full) (nullable): the run, or %NULL with @error set
 */
TallyRunRow *
tally_store_get_run (TallyStore  *store,
                     gint64       run_id,
                     GError     **error)
{
  g_autoptr(TallyRunRow) row = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store, run_by_id_sql, error);
  if (st == NULL)
    return NULL;

  store_bind_int64 (st, ":id", run_id);
  rc = store_stmt_step (store, st, error);
  if (rc == SQLITE_ROW)
    row = read_run_row (st->stmt);
  store_stmt_reset (st);

  if (rc == SQLITE_DONE)
    g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND,
                 "%s: no run %" G_GINT64_FORMAT, store->path, run_id);
  if (row == NULL || !fill_run_counts (store, row, error))
    return NULL;

  return g_steal_pointer (&row);
}

/* The canonical marker string of @test_id ("" for none). */
static gboolean
read_markers (TallyStore     *store,
              gint64          test_id,
              TallyMarkers  **markers,
              GError        **error)
{
  g_autoptr(TallyMarkers) set = tally_markers_new ();
  Stmt *st;
  int rc;

  st = store_stmt (store,
                   "SELECT name, value FROM markers WHERE test_id = :test"
                   " ORDER BY position",
                   error);
  if (st == NULL)
    return FALSE;

  store_bind_int64 (st, ":test", test_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    tally_markers_set (set,
                       (const char *) sqlite3_column_text (st->stmt, 0),
                       (const char *) sqlite3_column_text (st->stmt, 1));
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    return FALSE;

  *markers = g_steal_pointer (&set);
  return TRUE;
}

static TallyResultRow *
read_result_page_row (sqlite3_stmt *stmt)
{
  TallyResultRow *row = g_new0 (TallyResultRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->test_id = sqlite3_column_int64 (stmt, 1);
  row->program = store_column_dup_text (stmt, 2);
  row->path = store_column_dup_text (stmt, 3);
  row->attempt = sqlite3_column_int (stmt, 4);
  row->outcome = store_column_outcome (stmt, 5);
  row->started_at_us = sqlite3_column_int64 (stmt, 6);
  row->duration_us = sqlite3_column_int64 (stmt, 7);
  row->worker = sqlite3_column_type (stmt, 8) == SQLITE_NULL
                ? -1 : sqlite3_column_int (stmt, 8);
  row->message = store_column_dup_bytes (stmt, 9, &row->message_len);
  row->file = store_column_dup_text (stmt, 10);
  row->line = sqlite3_column_int (stmt, 11);
  row->signal = sqlite3_column_int (stmt, 12);
  row->exit_status = sqlite3_column_type (stmt, 13) == SQLITE_NULL
                     ? -1 : sqlite3_column_int (stmt, 13);
  row->n_logs = sqlite3_column_int (stmt, 14);
  row->cpu_us = sqlite3_column_type (stmt, 15) == SQLITE_NULL
                ? -1 : sqlite3_column_int64 (stmt, 15);
  row->max_rss_kb = sqlite3_column_type (stmt, 16) == SQLITE_NULL
                    ? -1 : sqlite3_column_int64 (stmt, 16);

  return row;
}

static gboolean
fill_result_markers (TallyStore  *store,
                     GPtrArray   *rows,
                     GError     **error)
{
  for (guint i = 0; i < rows->len; i++)
    {
      TallyResultRow *row = g_ptr_array_index (rows, i);
      g_autoptr(TallyMarkers) markers = NULL;

      if (!read_markers (store, row->test_id, &markers, error))
        return FALSE;
      row->markers = tally_markers_to_string (markers);
    }

  return TRUE;
}

static TallyTestRow *
read_test_row (sqlite3_stmt *stmt)
{
  TallyTestRow *row = g_new0 (TallyTestRow, 1);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->program = store_column_dup_text (stmt, 1);
  row->path = store_column_dup_text (stmt, 2);
  row->file = store_column_dup_text (stmt, 3);
  row->line = sqlite3_column_int (stmt, 4);
  row->markers = tally_markers_new ();

  return row;
}

/**
 * tally_store_list_run_tests:
 * @store: a #TallyStore
 * @run_id: a run
 * @error: return location for a #GError
 *
 * The tests that have results in @run_id, by id, each with its markers
 * (those of its latest registration), so a caller can evaluate a marker
 * expression in C and pass the ids it keeps as
 * #TallyResultQuery.test_ids. See tally_store_select_tests().
 *
 * Returns: (transfer full) (element-type TallyTestRow) (nullable): the
 *   tests, or %NULL with @error set
 */
GPtrArray *
tally_store_list_run_tests (TallyStore  *store,
                            gint64       run_id,
                            GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  TallyTestRow *last = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store,
                   "SELECT t.id, t.program, t.path, t.file, t.line, m.name, m.value"
                   " FROM tests t LEFT JOIN markers m ON m.test_id = t.id"
                   " WHERE t.id IN (SELECT test_id FROM results WHERE run_id = :run)"
                   " ORDER BY t.id, m.position",
                   error);
  if (st == NULL)
    return NULL;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_test_row_free);
  store_bind_int64 (st, ":run", run_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      if (last == NULL || last->id != sqlite3_column_int64 (st->stmt, 0))
        {
          last = read_test_row (st->stmt);
          g_ptr_array_add (rows, last);
        }
      if (sqlite3_column_type (st->stmt, 5) != SQLITE_NULL)
        tally_markers_set (last->markers,
                           (const char *) sqlite3_column_text (st->stmt, 5),
                           (const char *) sqlite3_column_text (st->stmt, 6));
    }
  store_stmt_reset (st);

  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&rows);
}

/**
 * tally_store_get_logs_page:
 * @store: a #TallyStore
 * @result_id: a result id
 * @offset: records to skip (after the level filter)
 * @limit: the most records to return
 * @max_level: 0 for every record, else one #GLogLevelFlags level: that
 *   level and the more severe ones (G_LOG_LEVEL_WARNING: warnings,
 *   criticals and errors)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TallyLogRecord) (nullable): the
 *   page of the result's log records in order, or %NULL with @error set
 */
GPtrArray *
tally_store_get_logs_page (TallyStore      *store,
                           gint64           result_id,
                           guint            offset,
                           guint            limit,
                           GLogLevelFlags   max_level,
                           GError         **error)
{
  g_autoptr(GPtrArray) records = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store, logs_page_sql, error);
  if (st == NULL)
    return NULL;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  store_bind_int64 (st, ":result", result_id);
  store_bind_int64 (st, ":max_level", max_level & G_LOG_LEVEL_MASK);
  store_bind_int64 (st, ":limit", limit);
  store_bind_int64 (st, ":offset", offset);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    g_ptr_array_add (records, read_log_row (st->stmt));
  store_stmt_reset (st);

  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&records);
}

/**
 * tally_store_count_logs:
 * @store: a #TallyStore
 * @result_id: a result id
 * @max_level: as for tally_store_get_logs_page()
 * @error: return location for a #GError
 *
 * Returns: the number of the result's records at @max_level or more
 *   severe, or -1 with @error set
 */
gint64
tally_store_count_logs (TallyStore      *store,
                        gint64           result_id,
                        GLogLevelFlags   max_level,
                        GError         **error)
{
  gint64 count = 0;
  Stmt *st;

  g_return_val_if_fail (store != NULL, -1);

  st = store_stmt (store,
                   "SELECT count(*) FROM logs WHERE result_id = :result"
                   " AND (:max_level = 0 OR level <= :max_level)",
                   error);
  if (st == NULL)
    return -1;

  store_bind_int64 (st, ":result", result_id);
  store_bind_int64 (st, ":max_level", max_level & G_LOG_LEVEL_MASK);
  if (!store_stmt_query_int64 (store, st, &count, NULL, error))
    return -1;

  return count;
}

/**
 * tally_store_find_tests:
 * @store: a #TallyStore
 * @program: (nullable): the program, or %NULL for any
 * @path: the test path
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TallyTestRow) (nullable): the
 *   tests with @path (of @program), by program, with their markers;
 *   possibly empty; or %NULL with @error set
 */
GPtrArray *
tally_store_find_tests (TallyStore  *store,
                        const char  *program,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  st = store_stmt (store,
                   "SELECT id, program, path, file, line FROM tests"
                   " WHERE path = :path AND (:program IS NULL OR program = :program)"
                   " ORDER BY program",
                   error);
  if (st == NULL)
    return NULL;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_test_row_free);
  store_bind_text (st, ":path", path);
  store_bind_text (st, ":program", program);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    g_ptr_array_add (rows, read_test_row (st->stmt));
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    return NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      TallyTestRow *row = g_ptr_array_index (rows, i);

      g_clear_pointer (&row->markers, tally_markers_unref);
      if (!read_markers (store, row->id, &row->markers, error))
        return NULL;
    }

  return g_steal_pointer (&rows);
}

/**
 * tally_store_query_history:
 * @store: a #TallyStore
 * @test_id: a test
 * @limit: the most rows to return
 * @error: return location for a #GError
 *
 * The test's final attempt in each run that ran it, newest run first
 * (several rows for a run that repeated it with --repeat).
 *
 * Returns: (transfer full) (element-type TallyHistoryRow) (nullable):
 *   the rows, or %NULL with @error set
 */
GPtrArray *
tally_store_query_history (TallyStore  *store,
                           gint64       test_id,
                           guint        limit,
                           GError     **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store, history_sql, error);
  if (st == NULL)
    return NULL;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_history_row_free);
  store_bind_int64 (st, ":test", test_id);
  store_bind_int64 (st, ":limit", limit);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      TallyHistoryRow *row = g_new0 (TallyHistoryRow, 1);

      row->run_id = sqlite3_column_int64 (st->stmt, 0);
      row->run_started_at_us = sqlite3_column_int64 (st->stmt, 1);
      row->result_id = sqlite3_column_int64 (st->stmt, 2);
      row->attempt = sqlite3_column_int (st->stmt, 3);
      row->outcome = store_column_outcome (st->stmt, 4);
      row->duration_us = sqlite3_column_int64 (st->stmt, 5);
      g_ptr_array_add (rows, row);
    }
  store_stmt_reset (st);

  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&rows);
}

/**
 * tally_store_count_rows:
 * @store: a #TallyStore
 * @n_runs: (out) (optional): the number of runs
 * @n_results: (out) (optional): the number of results (all attempts)
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_count_rows (TallyStore  *store,
                        gint64      *n_runs,
                        gint64      *n_results,
                        GError     **error)
{
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);

  st = store_stmt (store,
                   "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM results)",
                   error);
  if (st == NULL)
    return FALSE;

  rc = store_stmt_step (store, st, error);
  if (rc == SQLITE_ROW && n_runs != NULL)
    *n_runs = sqlite3_column_int64 (st->stmt, 0);
  if (rc == SQLITE_ROW && n_results != NULL)
    *n_results = sqlite3_column_int64 (st->stmt, 1);
  store_stmt_reset (st);

  return rc == SQLITE_ROW;
}

/**
 * tally_store_debug_explain:
 * @store: a #TallyStore
 * @which: a read query's name: "run-results", "result-row",
 *   "run-counts", "run-counts-single", "run-retried", "logs-page",
 *   "history" or "runs-page"
 * @error: return location for a #GError
 *
 * For tests and debugging: the EXPLAIN QUERY PLAN of a read query, one
 * plan step per line ("SCAN r", "SEARCH r USING INDEX …").
 *
 * Returns: (transfer full) (nullable): the plan, or %NULL with @error set
 */
char *
tally_store_debug_explain (TallyStore  *store,
                           const char  *which,
                           GError     **error)
{
  g_autoptr(GString) plan = g_string_new (NULL);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (which != NULL, NULL);

  if (explained_query (which) != NULL)
    sql = g_strconcat ("EXPLAIN QUERY PLAN ", explained_query (which), NULL);

  if (sql == NULL)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND, "no query named %s", which);
      return NULL;
    }
  rc = sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      store_set_sqlite_error (store, rc, error);
      return NULL;
    }

  return g_string_free (g_steal_pointer (&plan), FALSE);
}

/**
 * tally_store_get_result_rows:
 * @store: a #TallyStore
 * @ids: (array length=n_ids): result ids
 * @n_ids: the number of @ids
 * @error: return location for a #GError
 *
 * Reads the rows of @ids, in the order given; ids that do not exist are
 * left out.
 *
 * Returns: (transfer full) (element-type TallyResultRow) (nullable): the
 *   rows, or %NULL with @error set
 */
GPtrArray *
tally_store_get_result_rows (TallyStore    *store,
                             const gint64  *ids,
                             guint          n_ids,
                             GError       **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  Stmt *st;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (ids != NULL || n_ids == 0, NULL);

  st = store_stmt (store, result_row_sql, error);
  if (st == NULL)
    return NULL;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_result_row_free);
  for (guint i = 0; i < n_ids; i++)
    {
      int rc;

      store_bind_int64 (st, ":id", ids[i]);
      rc = store_stmt_step (store, st, error);
      if (rc == SQLITE_ROW)
        g_ptr_array_add (rows, read_result_page_row (st->stmt));
      store_stmt_reset (st);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return NULL;
    }

  if (!fill_result_markers (store, rows, error))
    return NULL;
  return g_steal_pointer (&rows);
}

/* ------------------------------------------------------------------ */
/* Viewer queries                                                      */

/**
 * tally_store_viewer_get_data_version:
 * @store: a #TallyStore
 * @version: (out): `PRAGMA data_version`
 * @error: return location for a #GError
 *
 * A number that changes whenever another connection (a runner) commits
 * to the database: the viewer polls it to follow a live run cheaply.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_viewer_get_data_version (TallyStore  *store,
                                     gint64      *version,
                                     GError     **error)
{
  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (version != NULL, FALSE);

  return store_pragma_int (store, "PRAGMA data_version", version, error);
}

static const char attempts_sql[] =
  "SELECT id FROM results WHERE run_id = :run AND test_id = :test"
  " ORDER BY attempt, id";

/**
 * tally_store_viewer_list_attempts:
 * @store: a #TallyStore
 * @run_id: the run
 * @test_id: the test
 * @error: return location for a #GError
 *
 * Every attempt of @test_id in @run_id, retried ones included (a flaky
 * test's failed first attempt, each try of a test that failed after
 * retries), first attempt first: the index results_run_test_attempt
 * answers it.
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the result
 *   ids, or %NULL with @error set
 */
GArray *
tally_store_viewer_list_attempts (TallyStore  *store,
                                  gint64       run_id,
                                  gint64       test_id,
                                  GError     **error)
{
  g_autoptr(GArray) ids = NULL;
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store, attempts_sql, error);
  if (st == NULL)
    return NULL;

  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  store_bind_int64 (st, ":run", run_id);
  store_bind_int64 (st, ":test", test_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (st->stmt, 0);

      g_array_append_val (ids, id);
    }
  store_stmt_reset (st);

  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&ids);
}
