/* tally-store-merge.c — `tally merge`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tally_store_merge(): copies the rows of other result databases into
 * this one through ATTACH, one transaction per input, then joins the
 * runs of the shards ("K/N") of one job into one run.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "tally-error.h"
#include "tally-store-internal-private.h"

/* ------------------------------------------------------------------ */
/* Merge                                                               */

/* The statements of one merge, in order. :src_* are the offsets that
 * keep copied ids clear of the existing ones. Runs already present
 * (same start time, host and pid: the same run, merged before) are
 * skipped, which makes merging the same file twice harmless. A copied
 * run or result still 'running' has no runner any more: 'interrupted'. */
static const char * const merge_sql[] = {
  "CREATE TEMP TABLE merge_runs (src_id INTEGER PRIMARY KEY, dst_id INTEGER NOT NULL)",
  "CREATE TEMP TABLE merge_tests (src_id INTEGER PRIMARY KEY, dst_id INTEGER NOT NULL)",
  "CREATE TEMP TABLE merge_bare (dst_id INTEGER PRIMARY KEY)",

  "INSERT INTO temp.merge_runs (src_id, dst_id)"
  " SELECT s.id, s.id + :run_offset FROM tally_src.runs s"
  " WHERE NOT EXISTS (SELECT 1 FROM main.runs m"
  "                   WHERE m.started_at = s.started_at AND m.host IS s.host"
  "                     AND m.pid IS s.pid)",

  "INSERT INTO main.runs (id, started_at, finished_at, status, argv, workers,"
  "                       seed, shard, host, pid, cwd)"
  " SELECT mr.dst_id, s.started_at, COALESCE(s.finished_at, s.started_at),"
  "        CASE s.status WHEN 'running' THEN 'interrupted' ELSE s.status END,"
  "        s.argv, s.workers, s.seed, s.shard, s.host, s.pid, s.cwd"
  " FROM tally_src.runs s JOIN temp.merge_runs mr ON mr.src_id = s.id",

  "INSERT INTO main.tests (program, path, file, line)"
  " SELECT program, path, file, line FROM tally_src.tests WHERE true"
  " ON CONFLICT (program, path) DO NOTHING",

  "INSERT INTO temp.merge_tests (src_id, dst_id)"
  " SELECT s.id, m.id FROM tally_src.tests s"
  " JOIN main.tests m ON m.program = s.program AND m.path = s.path",

  /* Markers only for tests that have none yet: the destination's
   * registration wins, and sets are never mixed. */
  "INSERT INTO temp.merge_bare (dst_id)"
  " SELECT mt.dst_id FROM temp.merge_tests mt"
  " WHERE NOT EXISTS (SELECT 1 FROM main.markers x WHERE x.test_id = mt.dst_id)",

  "INSERT INTO main.markers (test_id, position, name, value)"
  " SELECT mt.dst_id, s.position, s.name, s.value FROM tally_src.markers s"
  " JOIN temp.merge_tests mt ON mt.src_id = s.test_id"
  " JOIN temp.merge_bare b ON b.dst_id = mt.dst_id",

  "INSERT INTO main.results (id, run_id, test_id, attempt, outcome, started_at,"
  "                          duration_us, worker, message, file, line, signal,"
  "                          exit_status, cpu_us, max_rss_kb)"
  " SELECT s.id + :result_offset, mr.dst_id, mt.dst_id, s.attempt,"
  "        CASE s.outcome WHEN 'running' THEN 'interrupted' ELSE s.outcome END,"
  "        s.started_at, s.duration_us, s.worker, s.message, s.file, s.line,"
  "        s.signal, s.exit_status, s.cpu_us, s.max_rss_kb"
  " FROM tally_src.results s"
  " JOIN temp.merge_runs mr ON mr.src_id = s.run_id"
  " JOIN temp.merge_tests mt ON mt.src_id = s.test_id",

  "INSERT INTO main.logs (result_id, seq, time_us, level, domain, message, file,"
  "                       line, func, thread, fields)"
  " SELECT s.result_id + :result_offset, s.seq, s.time_us, s.level, s.domain,"
  "        s.message, s.file, s.line, s.func, s.thread, s.fields"
  " FROM tally_src.logs s JOIN tally_src.results r ON r.id = s.result_id"
  " JOIN temp.merge_runs mr ON mr.src_id = r.run_id",

  "INSERT INTO main.outputs (result_id, stream, seq, data)"
  " SELECT s.result_id + :result_offset, s.stream, s.seq, s.data"
  " FROM tally_src.outputs s JOIN tally_src.results r ON r.id = s.result_id"
  " JOIN temp.merge_runs mr ON mr.src_id = r.run_id",

  /* What this call copied, for merge_join_shards(). */
  "INSERT INTO temp.merge_copied (id) SELECT dst_id FROM temp.merge_runs",

  "DROP TABLE temp.merge_runs",
  "DROP TABLE temp.merge_tests",
  "DROP TABLE temp.merge_bare",
};

static gboolean
merge_offsets (TallyStore  *store,
               gint64      *run_offset,
               gint64      *result_offset,
               GError     **error)
{
  Stmt *runs, *results;

  runs = store_stmt (store,
                     "SELECT max(COALESCE((SELECT max(id) FROM main.runs), 0),"
                     "           COALESCE((SELECT max(id) FROM tally_src.runs), 0))",
                     error);
  if (runs == NULL || !store_stmt_query_int64 (store, runs, run_offset, NULL, error))
    return FALSE;

  results = store_stmt (store,
                        "SELECT COALESCE((SELECT max(id) FROM main.results), 0)",
                        error);
  if (results == NULL)
    return FALSE;

  return store_stmt_query_int64 (store, results, result_offset, NULL, error);
}

static gboolean
merge_exec (TallyStore  *store,
            const char  *sql,
            gint64       run_offset,
            gint64       result_offset,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc, idx;

  /* Not cached: these name an attached database and temp tables that
   * exist only during the merge. */
  rc = sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return store_set_sqlite_error (store, rc, error);

  if ((idx = sqlite3_bind_parameter_index (stmt, ":run_offset")) > 0)
    sqlite3_bind_int64 (stmt, idx, run_offset);
  if ((idx = sqlite3_bind_parameter_index (stmt, ":result_offset")) > 0)
    sqlite3_bind_int64 (stmt, idx, result_offset);

  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return store_set_sqlite_error (store, rc, error);

  return TRUE;
}

static gboolean
merge_attached (TallyStore  *store,
                GError     **error)
{
  gint64 run_offset = 0, result_offset = 0;

  if (!store_write_begin (store, error))
    return FALSE;

  if (!merge_offsets (store, &run_offset, &result_offset, error))
    goto fail;

  for (guint i = 0; i < G_N_ELEMENTS (merge_sql); i++)
    if (!merge_exec (store, merge_sql[i], run_offset, result_offset, error))
      goto fail;

  return tally_store_commit (store, error);

fail:
  sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
  store_txn_ended (store, TRUE);
  return FALSE;
}

static gboolean
same_file (const char *a,
           const char *b)
{
  GStatBuf sa, sb;

  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* An input must be a Tally database of exactly our schema version. Older
 * ones are refused rather than migrated: merge never writes to its
 * inputs (CI artifacts). Upgrading one is `tally merge NEW OLD`'s job…
 * which needs the same version, so in practice: rerun the shard with
 * this Tally. Newer ones are refused by the open itself. */
static gboolean
merge_check_input (TallyStore  *store,
                   const char  *in_path,
                   GError     **error)
{
  g_autoptr(TallyStore) in = NULL;

  if (same_file (store->path, in_path))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_INVALID,
                   "%s: cannot merge a database into itself", in_path);
      return FALSE;
    }

  in = tally_store_open_readonly (in_path, error);
  return in != NULL;
}

static gboolean
merge_one (TallyStore  *store,
           const char  *in_path,
           GError     **error)
{
  Stmt *attach, *detach;
  gboolean ok;

  attach = store_stmt (store, "ATTACH DATABASE :path AS tally_src", error);
  if (attach == NULL)
    return FALSE;
  store_bind_text (attach, ":path", in_path);
  if (!store_stmt_exec (store, attach, error))
    return FALSE;

  ok = merge_attached (store, error);

  detach = store_stmt (store, "DETACH DATABASE tally_src", NULL);
  if (detach == NULL || !store_stmt_exec (store, detach, ok ? error : NULL))
    ok = FALSE;

  if (!ok)
    g_prefix_error (error, "while merging %s: ", in_path);
  return ok;
}

/* Joining the shards of one job. merge_sql leaves the ids of the runs
 * this tally_store_merge() call copied in temp.merge_copied; the runs
 * among them whose shards have the same N and pairwise distinct K become
 * one run, so "the last run" is the whole job again. */

/* One joined run being built. */
typedef struct
{
  guint64 n;
  GArray *ks;           /* guint64: the K values met so far */
  gint64 keep;          /* the lowest run id: the row that stays */
  GArray *others;       /* gint64: the runs folded into it */
  gint64 started_at;    /* min */
  gint64 finished_at;   /* max */
  gint64 workers;       /* sum */
  int severity;         /* max, see run_severity() */
} ShardSet;

static void
shard_set_free (gpointer data)
{
  ShardSet *set = data;

  g_array_unref (set->ks);
  g_array_unref (set->others);
  g_free (set);
}

static gboolean
shard_has_k (GArray  *ks,
             guint64  k)
{
  for (guint i = 0; i < ks->len; i++)
    if (g_array_index (ks, guint64, i) == k)
      return TRUE;

  return FALSE;
}

/* Parses "K/N", or "K,K…/N" (a run joined by an earlier merge), with
 * 1 ≤ K ≤ N and no K twice, into @ks and @n. Anything else is no
 * shard: such a run is never joined. */
static gboolean
shard_parse (const char *text,
             GArray     *ks,
             guint64    *n)
{
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) kparts = NULL;

  g_array_set_size (ks, 0);
  if (text == NULL)
    return FALSE;

  parts = g_strsplit (text, "/", -1);
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT32, n, NULL))
    return FALSE;

  kparts = g_strsplit (parts[0], ",", -1);
  if (kparts[0] == NULL)
    return FALSE;

  for (guint i = 0; kparts[i] != NULL; i++)
    {
      guint64 k;

      if (!g_ascii_string_to_unsigned (kparts[i], 10, 1, *n, &k, NULL)
          || shard_has_k (ks, k))
        return FALSE;
      g_array_append_val (ks, k);
    }

  return TRUE;
}

/* Worst first is highest: error > interrupted > failed > passed. An
 * unknown status counts as an error, as read_run_row() reads it. */
static const TallyRunStatus severity_status[] = {
  TALLY_RUN_PASSED, TALLY_RUN_FAILED, TALLY_RUN_INTERRUPTED, TALLY_RUN_ERROR,
};

static int
run_severity (const char *text)
{
  TallyRunStatus status;

  if (!tally_run_status_from_string (text, &status))
    return 3;

  switch (status)
    {
    case TALLY_RUN_PASSED:
      return 0;
    case TALLY_RUN_FAILED:
      return 1;
    case TALLY_RUN_RUNNING:     /* cannot occur after merge_sql */
    case TALLY_RUN_INTERRUPTED:
      return 2;
    case TALLY_RUN_ERROR:
    default:
      return 3;
    }
}

static gint
compare_guint64 (gconstpointer a,
                 gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/* "1,2,3/3": the K values ascending, then N. */
static char *
shard_set_text (ShardSet *set)
{
  GString *text = g_string_new (NULL);

  g_array_sort (set->ks, compare_guint64);
  for (guint i = 0; i < set->ks->len; i++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, i > 0 ? "," : "",
                            g_array_index (set->ks, guint64, i));
  g_string_append_printf (text, "/%" G_GUINT64_FORMAT, set->n);

  return g_string_free (text, FALSE);
}

/* Sorts the copied sharded runs, in id order (input order), into sets:
 * a run joins the latest set of its N unless one of its K is already
 * there, in which case it starts a new set (another job's shards). */
static gboolean
merge_collect_shards (TallyStore  *store,
                      GPtrArray   *sets,
                      GError     **error)
{
  g_autoptr(GArray) ks = g_array_new (FALSE, FALSE, sizeof (guint64));
  sqlite3_stmt *stmt = NULL;
  int rc;

  /* Not cached: temp.merge_copied exists only during the merge. */
  rc = sqlite3_prepare_v2 (store->db,
                           "SELECT r.id, r.started_at, r.finished_at, r.status,"
                           "       r.workers, r.shard"
                           " FROM main.runs r"
                           " JOIN temp.merge_copied c ON c.id = r.id"
                           " WHERE r.shard IS NOT NULL ORDER BY r.id",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return store_set_sqlite_error (store, rc, error);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gint64 started = sqlite3_column_int64 (stmt, 1);
      gint64 finished = sqlite3_column_type (stmt, 2) == SQLITE_NULL
                        ? started : sqlite3_column_int64 (stmt, 2);
      int severity = run_severity ((const char *) sqlite3_column_text (stmt, 3));
      gint64 workers = sqlite3_column_int64 (stmt, 4);
      ShardSet *set = NULL;
      guint64 n;
      gboolean disjoint = TRUE;

      if (!shard_parse ((const char *) sqlite3_column_text (stmt, 5), ks, &n))
        continue;

      for (guint i = sets->len; i > 0 && set == NULL; i--)
        if (((ShardSet *) sets->pdata[i - 1])->n == n)
          set = sets->pdata[i - 1];

      for (guint i = 0; set != NULL && i < ks->len; i++)
        if (shard_has_k (set->ks, g_array_index (ks, guint64, i)))
          disjoint = FALSE;

      if (set == NULL || !disjoint)
        {
          set = g_new0 (ShardSet, 1);
          set->n = n;
          set->ks = g_array_new (FALSE, FALSE, sizeof (guint64));
          set->others = g_array_new (FALSE, FALSE, sizeof (gint64));
          set->keep = id;
          set->started_at = started;
          set->finished_at = finished;
          set->workers = workers;
          set->severity = severity;
          g_ptr_array_add (sets, set);
        }
      else
        {
          g_array_append_val (set->others, id);
          set->started_at = MIN (set->started_at, started);
          set->finished_at = MAX (set->finished_at, finished);
          set->workers += workers;
          set->severity = MAX (set->severity, severity);
        }
      g_array_append_vals (set->ks, ks->data, ks->len);
    }

  if (rc != SQLITE_DONE)
    store_set_sqlite_error (store, rc, error);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE;
}

/* Folds @set's other runs into its kept one. */
static gboolean
merge_join_set (TallyStore  *store,
                ShardSet    *set,
                GError     **error)
{
  g_autofree char *shard = NULL;
  Stmt *move, *drop, *keep;

  move = store_stmt (store,
                     "UPDATE results SET run_id = :keep WHERE run_id = :other",
                     error);
  drop = move == NULL ? NULL
                      : store_stmt (store, "DELETE FROM runs WHERE id = :other", error);
  keep = drop == NULL ? NULL
                      : store_stmt (store,
                                    "UPDATE runs SET started_at = :started,"
                                    " finished_at = :finished, workers = :workers,"
                                    " status = :status, shard = :shard"
                                    " WHERE id = :keep",
                                    error);
  if (keep == NULL)
    return FALSE;

  /* Results first: deleting a run cascades to its results. */
  for (guint i = 0; i < set->others->len; i++)
    {
      gint64 other = g_array_index (set->others, gint64, i);

      store_bind_int64 (move, ":keep", set->keep);
      store_bind_int64 (move, ":other", other);
      if (!store_stmt_exec (store, move, error))
        return FALSE;

      store_bind_int64 (drop, ":other", other);
      if (!store_stmt_exec (store, drop, error))
        return FALSE;
    }

  shard = shard_set_text (set);
  store_bind_int64 (keep, ":started", set->started_at);
  store_bind_int64 (keep, ":finished", set->finished_at);
  store_bind_int64 (keep, ":workers", set->workers);
  store_bind_text (keep, ":status", tally_run_status_to_string (severity_status[set->severity]));
  store_bind_text (keep, ":shard", shard);
  store_bind_int64 (keep, ":keep", set->keep);

  return store_stmt_exec (store, keep, error);
}

/* After every input is copied: joins the shards, in one transaction. */
static gboolean
merge_join_shards (TallyStore  *store,
                   GError     **error)
{
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func (shard_set_free);
  gboolean ok;

  if (!store_write_begin (store, error))
    return FALSE;

  ok = merge_collect_shards (store, sets, error);
  for (guint i = 0; ok && i < sets->len; i++)
    {
      ShardSet *set = sets->pdata[i];

      if (set->others->len > 0)
        ok = merge_join_set (store, set, error);
    }

  if (store_write_end (store, ok, error) && tally_store_commit (store, error))
    return TRUE;

  sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
  store_txn_ended (store, TRUE);
  g_prefix_error (error, "while joining shards: ");
  return FALSE;
}

/**
 * tally_store_merge:
 * @store: the destination, opened read-write
 * @in_paths: (array zero-terminated=1): result databases to merge in
 * @error: return location for a #GError
 *
 * Copies the runs, results, logs, outputs and markers of each input into
 * @store, matching tests by (program, path) and giving copied rows fresh
 * ids. Every input is checked before anything is written: one that is
 * not a Tally database, has another schema version, or is @store itself
 * refuses the whole merge. Each input is then merged in one transaction;
 * a run already present (merged before) is not copied again.
 *
 * Then, in one more transaction, the runs this call copied whose shards
 * ("K/N") have the same N and pairwise distinct K are joined into one
 * run (the lowest id): the earliest start, the latest finish, the sum of
 * the workers, the worst status, shard "K,K…/N" (K ascending), the first
 * run's argv and seed. A K met again starts another joined run.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_merge (TallyStore          *store,
                   const char * const  *in_paths,
                   GError             **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (in_paths != NULL, FALSE);

  if (store->readonly)
    return store_refuse (store, error, "the database is open read-only");

  for (guint i = 0; in_paths[i] != NULL; i++)
    if (!merge_check_input (store, in_paths[i], error))
      return FALSE;

  /* ATTACH is refused inside a transaction. */
  if (!tally_store_commit (store, error))
    return FALSE;
  /* The merge adds tests behind tally_store_ensure_test()'s back. */
  store_test_cache_drop (store);

  if (!merge_exec (store, "CREATE TEMP TABLE IF NOT EXISTS merge_copied"
                          " (id INTEGER PRIMARY KEY)", 0, 0, error)
      || !merge_exec (store, "DELETE FROM temp.merge_copied", 0, 0, error))
    return FALSE;

  for (guint i = 0; ok && in_paths[i] != NULL; i++)
    ok = merge_one (store, in_paths[i], error);

  if (ok)
    ok = merge_join_shards (store, error);
  if (ok)
    ok = store_rebuild_recent_durations (store, error);

  merge_exec (store, "DROP TABLE IF EXISTS temp.merge_copied", 0, 0, NULL);
  return ok;
}
