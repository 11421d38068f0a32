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

  /* The listing is stored by now (see test_cache_get()). */
  store_test_cache_drop (store);

  if (!store_write_begin (store, error))
    return 0;

  st = store_stmt (store,
                   "INSERT INTO runs (started_at, status, argv, workers, seed,"
                   "                  shard, host, pid, cwd, owner)"
                   " VALUES (:started, 'running', :argv, :workers, :seed,"
                   "         :shard, :host, :pid, :cwd, :owner)",
                   error);
  ok = st != NULL;
  if (ok)
    {
      json = argv_to_json (argv);
      g_autofree char *cwd = g_get_current_dir ();
      g_autofree char *owner = tally_store_process_owner (getpid ());

      store_bind_int64 (st, ":started", g_get_real_time ());
      store_bind_text (st, ":argv", json);
      store_bind_text (st, ":cwd", cwd);
      store_bind_int64 (st, ":workers", workers);
      store_bind_int64 (st, ":seed", (gint64) seed);
      store_bind_text (st, ":shard", shard);
      store_bind_text (st, ":host", g_get_host_name ());
      store_bind_int64 (st, ":pid", getpid ());
      store_bind_text (st, ":owner", owner);
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
/* A finished run's durations go into recent_durations later, not in its
 * last transaction, which every `tally run` waits for (10 ms at 10,000
 * tests): the run's id is added to this key of the state table, and the
 * next process that reads the durations, or opens the database to write
 * while its programs list (tally-cmd-run.c), shifts them in. A database
 * that is not written again (CI keeps one a job) never pays for it.
 * (DURATIONS_PENDING_KEY: tally-store-internal-private.h.) */

static gboolean
note_durations_pending (TallyStore  *store,
                        gint64       run_id,
                        GError     **error)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
  Stmt *st = store_stmt (store,
                         "INSERT INTO state (key, value) VALUES ('" DURATIONS_PENDING_KEY "', :run)"
                         " ON CONFLICT (key) DO UPDATE SET value = value || ' ' || excluded.value",
                         error);

  if (st == NULL)
    return FALSE;
  store_bind_text (st, ":run", id);
  return store_stmt_exec (store, st, error);
}

/* Shifts each test's latest passing or skipped duration of a run into
 * recent_durations (see 003-recent-durations.sql, DURATION_OUTCOMES).
 * One pass over the run's results in test order: with a single max() SQLite takes the
 * bare duration_us from the row that has the max id, so there is no
 * list of a million ids to build and look up again (a third less CPU
 * at 1,000,000 results). `WHERE true` keeps the upsert's ON from being
 * read as a join's. */
static gboolean
push_recent_durations (TallyStore  *store,
                       gint64       run_id,
                       GError     **error)
{
  Stmt *st = store_stmt (store,
                         "INSERT INTO recent_durations (test_id, d1)"
                         " SELECT test_id, duration_us FROM"
                         "  (SELECT test_id, duration_us, max (id) FROM results"
                         "   WHERE run_id = :run AND " DURATION_OUTCOMES " AND duration_us IS NOT NULL"
                         "   GROUP BY test_id)"
                         " WHERE true"
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

  /* The WAL is copied into the file while the run's last writes are made
   * (the store's close copies those only). */
  if (store->txn_began == 0 && store->checkpointer != NULL)
    tally_store_checkpointer_wake (store->checkpointer);

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

  ok = ok && note_durations_pending (store, run_id, error);

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

/**
 * tally_store_push_recent_durations:
 * @store: a #TallyStore
 * @error: return location for a #GError
 *
 * Shifts the durations of the runs that finished since the last call
 * (by any process) into recent_durations, in the order they finished,
 * and commits. Nothing to do costs one read; a read-only store does
 * nothing.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_push_recent_durations (TallyStore  *store,
                                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *pending = NULL;
  g_auto(GStrv) ids = NULL;
  Stmt *done;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);

  if (store->readonly)
    return TRUE;
  pending = tally_store_get_state (store, DURATIONS_PENDING_KEY, &local_error);
  if (pending == NULL && local_error == NULL)
    return TRUE;

  if (!store_write_begin (store, error))
    return FALSE;
  /* Another process may have pushed them while we waited for the lock. */
  g_clear_pointer (&pending, g_free);
  g_clear_error (&local_error);
  pending = tally_store_get_state (store, DURATIONS_PENDING_KEY, &local_error);
  ok = local_error == NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  ids = g_strsplit (pending ? pending : "", " ", -1);
  for (guint i = 0; ok && ids[i] != NULL; i++)
    {
      gint64 run_id = g_ascii_strtoll (ids[i], NULL, 10);

      if (run_id > 0)
        ok = push_recent_durations (store, run_id, error);
    }
  done = ok ? store_stmt (store, "DELETE FROM state WHERE key = '" DURATIONS_PENDING_KEY "'", error)
            : NULL;
  ok = done != NULL && store_stmt_exec (store, done, error);

  if (!store_write_end (store, ok, error))
    return FALSE;
  return tally_store_commit (store, error);
}

/* ------------------------------------------------------------------ */
/* Tests: what tally_store_ensure_test() reads ahead                   */

/* `tally run` stores each test as it first sends it to a worker: every
 * selected test of a program, one ensure_test() each, in the queue's
 * order, which for a run in listing order is the order the tests were
 * first stored in (ascending ids). Looking each one
 * up (the test, then its markers) cost two statements per known test,
 * about half of what the store spent per result. So ensure_test() reads
 * a program's stored tests ahead, a chunk at a time in id order, and a
 * test that is the next one expected, with the same location and
 * markers, costs no SQL at all; any other test is looked up, in one
 * statement with its markers (and moves the read-ahead past it when it
 * is further in the chunk). Memory stays one chunk per program,
 * whatever the size of the listing. When the listing comes in another
 * order (`tally run` orders known tests longest first), TEST_MISSES
 * misses in a row stop the read-ahead of that program. Once the stored
 * tests are all read, a test not seen is inserted without a lookup
 * first (ON CONFLICT tells). The chunk holds only what
 * is committed or written by the open transaction: it is dropped when a
 * transaction is rolled back, when another connection has written
 * since (PRAGMA data_version, checked when a transaction begins), by a
 * merge, and when a run begins. */

#define TEST_CHUNK 256
#define TEST_MISSES 8

typedef struct
{
  gint64 id;
  int line;                /* 0: none */
  char *path;
  char *file;              /* nullable */
  char *markers;           /* markers_key() */
} KnownTest;

typedef struct
{
  gint64 after;            /* the tests read so far have ids <= after */
  GPtrArray *chunk;        /* KnownTest, ascending ids */
  guint next;              /* the test expected next, in chunk */
  gboolean done;           /* no more stored tests */
  guint misses;            /* tests in a row that were not the one expected */
} TestCursor;

static void
known_test_free (gpointer data)
{
  KnownTest *known = data;

  g_free (known->path);
  g_free (known->file);
  g_free (known->markers);
  g_free (known);
}

static void
test_cursor_free (gpointer data)
{
  TestCursor *cursor = data;

  g_ptr_array_unref (cursor->chunk);
  g_free (cursor);
}

/* Markers as one string, in order: "name\x1fvalue\x1e…", \x1d for no
 * value; "" for none. */
static void
markers_key_append (GString    *key,
                    const char *name,
                    const char *value)
{
  g_string_append (key, name);
  g_string_append_c (key, '\x1f');
  g_string_append (key, value != NULL ? value : "\x1d");
  g_string_append_c (key, '\x1e');
}

static char *
markers_key (const TallyMarkers *markers)
{
  guint n = markers != NULL ? tally_markers_get_n_markers (markers) : 0;
  GString *key;

  if (n == 0)
    return g_strdup ("");
  key = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    markers_key_append (key, tally_markers_get_name (markers, i),
                        tally_markers_get_value (markers, i));
  return g_string_free (key, FALSE);
}

void
store_test_cache_drop (TallyStore *self)
{
  g_clear_pointer (&self->test_cache, g_hash_table_unref);
}

/* Drops the read-ahead if another connection committed since. */
gboolean
store_test_cache_check (TallyStore  *self,
                        GError     **error)
{
  gint64 version = 0;

  if (self->test_cache == NULL)
    return TRUE;
  if (!store_pragma_int (self, "PRAGMA data_version", &version, error))
    return FALSE;
  if (version != self->test_cache_version)
    store_test_cache_drop (self);
  return TRUE;
}

/* The next TEST_CHUNK tests of a program, a test's rows together, its
 * markers in position order. */
static const char test_chunk_sql[] =
  "SELECT t.id, t.path, t.file, t.line, m.name, m.value"
  " FROM tests t LEFT JOIN markers m ON m.test_id = t.id"
  " WHERE t.id IN (SELECT id FROM tests WHERE +program = :program AND id > :after"
  "                ORDER BY id LIMIT " G_STRINGIFY (TEST_CHUNK) ")"
  " ORDER BY t.id, m.position";

static gboolean
test_cursor_load (TallyStore  *store,
                  const char  *program,
                  TestCursor  *cursor,
                  GError     **error)
{
  g_autoptr(GString) key = g_string_new (NULL);
  KnownTest *known = NULL;
  Stmt *st;
  int rc;

  g_ptr_array_set_size (cursor->chunk, 0);
  cursor->next = 0;
  st = store_stmt (store, test_chunk_sql, error);
  if (st == NULL)
    return FALSE;

  store_bind_text (st, ":program", program);
  store_bind_int64 (st, ":after", cursor->after);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      sqlite3_stmt *s = st->stmt;
      gint64 id = sqlite3_column_int64 (s, 0);

      if (known == NULL || known->id != id)
        {
          if (known != NULL)
            known->markers = g_strdup (key->str);
          g_string_truncate (key, 0);
          known = g_new0 (KnownTest, 1);
          known->id = id;
          known->path = store_column_dup_text (s, 1);
          known->file = store_column_dup_text (s, 2);
          known->line = sqlite3_column_int (s, 3);
          g_ptr_array_add (cursor->chunk, known);
        }
      if (sqlite3_column_type (s, 4) != SQLITE_NULL)
        markers_key_append (key, (const char *) sqlite3_column_text (s, 4),
                            (const char *) sqlite3_column_text (s, 5));
    }
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    return FALSE;
  if (known != NULL)
    {
      known->markers = g_strdup (key->str);
      cursor->after = known->id;
    }
  cursor->done = cursor->chunk->len < TEST_CHUNK;
  return TRUE;
}

static TestCursor *
test_cursor_get (TallyStore  *store,
                 const char  *program,
                 GError     **error)
{
  TestCursor *cursor;

  if (store->test_cache == NULL)
    {
      if (!store_pragma_int (store, "PRAGMA data_version", &store->test_cache_version, error))
        return NULL;
      store->test_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 test_cursor_free);
    }

  cursor = g_hash_table_lookup (store->test_cache, program);
  if (cursor == NULL)
    {
      cursor = g_new0 (TestCursor, 1);
      cursor->chunk = g_ptr_array_new_with_free_func (known_test_free);
      g_hash_table_insert (store->test_cache, g_strdup (program), cursor);
    }
  return cursor;
}

/* The stored test expected next, or NULL when there is none. */
static KnownTest *
test_cursor_peek (TallyStore  *store,
                  const char  *program,
                  TestCursor  *cursor,
                  GError     **error)
{
  if (cursor->next >= cursor->chunk->len && !cursor->done
      && !test_cursor_load (store, program, cursor, error))
    return NULL;
  return cursor->next < cursor->chunk->len ? cursor->chunk->pdata[cursor->next] : NULL;
}

/* A test looked up out of order: when it is further in the chunk,
 * expect the ones after it next (the tests between are gone). */
static void
test_cursor_skip_to (TestCursor *cursor,
                     gint64      id)
{
  guint i = cursor->next;

  while (i < cursor->chunk->len && ((KnownTest *) cursor->chunk->pdata[i])->id < id)
    i++;
  if (i < cursor->chunk->len && ((KnownTest *) cursor->chunk->pdata[i])->id == id)
    {
      cursor->next = i + 1;
      cursor->misses = 0;
    }
}

/* The test (@program, @path): its id (0 if none), location and
 * markers_key(), in one statement. */
static gboolean
test_lookup (TallyStore  *store,
             const char  *program,
             const char  *path,
             KnownTest   *found,
             GError     **error)
{
  Stmt *st;
  int rc;

  st = store_stmt (store,
                   "SELECT t.id, t.file, t.line,"
                   "  (SELECT group_concat (name || x'1f' || ifnull (value, x'1d') || x'1e', '')"
                   "   FROM (SELECT name, value FROM markers WHERE test_id = t.id ORDER BY position))"
                   " FROM tests t WHERE t.program = ?1 AND t.path = ?2",
                   error);
  if (st == NULL)
    return FALSE;

  store_bind_text_at (st, 1, program);
  store_bind_text_at (st, 2, path);
  rc = store_stmt_step (store, st, error);
  found->id = 0;
  if (rc == SQLITE_ROW)
    {
      found->id = sqlite3_column_int64 (st->stmt, 0);
      found->file = store_column_dup_text (st->stmt, 1);
      found->line = sqlite3_column_int (st->stmt, 2);
      found->markers = store_column_dup_text (st->stmt, 3);
      if (found->markers == NULL)
        found->markers = g_strdup ("");
    }

  store_stmt_reset (st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Inserts (@program, @path) unless it exists: *@test_id is the new id,
 * or 0 when the test was there. */
static gboolean
test_insert_new (TallyStore  *store,
                 const char  *program,
                 const char  *path,
                 const char  *file,
                 int          line,
                 gint64      *test_id,
                 GError     **error)
{
  Stmt *st = store_stmt (store,
                         "INSERT INTO tests (program, path, file, line)"
                         " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (program, path) DO NOTHING",
                         error);

  *test_id = 0;
  if (st == NULL)
    return FALSE;
  store_bind_text_at (st, 1, program);
  store_bind_text_at (st, 2, path);
  store_bind_text_at (st, 3, file);
  if (line > 0)
    store_bind_int64_at (st, 4, line);
  if (!store_stmt_exec (store, st, error))
    return FALSE;
  if (sqlite3_changes (store->db) == 1)
    *test_id = sqlite3_last_insert_rowid (store->db);
  return TRUE;
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

/* The test expected next: no SQL unless its location or markers
 * changed. */
static gboolean
ensure_known_test (TallyStore          *store,
                   KnownTest           *known,
                   const char          *file,
                   int                  line,
                   const TallyMarkers  *markers,
                   GError             **error)
{
  g_autofree char *key = markers_key (markers);
  gint64 id = known->id;

  if ((known->line != line || g_strcmp0 (known->file, file) != 0)
      && !test_write (store, &id, NULL, NULL, file, line, error))
    return FALSE;
  return strcmp (known->markers, key) == 0
         || markers_replace (store, id, markers, error);
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
  g_autoptr(GError) local_error = NULL;
  KnownTest found = { 0 };
  TestCursor *cursor;
  KnownTest *known = NULL;
  gboolean ok;

  line = MAX (line, 0);
  cursor = test_cursor_get (store, program, error);
  if (cursor == NULL)
    return FALSE;
  if (cursor->misses < TEST_MISSES)
    {
      known = test_cursor_peek (store, program, cursor, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  if (known != NULL && strcmp (known->path, path) == 0)
    {
      cursor->next++;
      cursor->misses = 0;
      *test_id = known->id;
      return ensure_known_test (store, known, file, line, markers, error);
    }

  /* Every stored test read and none was this one: a new test, inserted
   * (it has no markers yet); ON CONFLICT tells a repeated one. */
  if (cursor->misses < TEST_MISSES && known == NULL)
    {
      if (!test_insert_new (store, program, path, file, line, test_id, error))
        return FALSE;
      if (*test_id != 0)
        return markers == NULL || tally_markers_get_n_markers (markers) == 0
               || markers_replace (store, *test_id, markers, error);
    }
  else if (known != NULL)
    cursor->misses++;

  if (!test_lookup (store, program, path, &found, error))
    return FALSE;
  if (found.id == 0)
    {
      *test_id = 0;
      if (!test_write (store, test_id, program, path, file, line, error))
        return FALSE;
      return markers == NULL || tally_markers_get_n_markers (markers) == 0
             || markers_replace (store, *test_id, markers, error);
    }

  *test_id = found.id;
  test_cursor_skip_to (cursor, found.id);
  ok = ensure_known_test (store, &found, file, line, markers, error);
  g_free (found.file);
  g_free (found.markers);
  return ok;
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

/* ------------------------------------------------------------------ */
/* Results                                                             */

/* A result is `running` from tally_store_start_result() until it is
 * finished, and a reader or the next open after a SIGKILL must see it
 * so. Nobody can see a row before its transaction commits, though: so
 * start_result() only reserves the row's id (we hold the write lock, and
 * SQLite gives a new row max(id) + 1 as well) and keeps the row in
 * memory; a finish in the same transaction writes the finished row in
 * one INSERT, and anything else first writes the pending rows as
 * `running` — before a COMMIT, any other statement (a log record needs
 * its result's row), or a read on this connection (store_stmt(),
 * store_exec(), debug queries). A rollback loses them with the rest of
 * the transaction, as it loses the rows already written. */

typedef struct
{
  gint64 id;
  gint64 run_id;
  gint64 test_id;
  gint64 attempt;
  gint64 started_at;
  int worker;             /* -1: none */
} PendingResult;

/* Ends the bookkeeping of a transaction that committed or rolled back. */
void
store_txn_ended (TallyStore *self,
                 gboolean    rolled_back)
{
  self->txn_began = 0;
  self->next_result_id = 0;
  if (self->pending != NULL)
    g_array_set_size (self->pending, 0);
  /* Tests it inserted are gone. */
  if (rolled_back)
    {
      store_test_cache_drop (self);
      self->rollbacks++;
    }
}

/**
 * tally_store_get_rollbacks:
 * @store: a #TallyStore
 *
 * How many transactions of this store were rolled back (a full disk, an
 * I/O error): the ids of tests ensured before may be gone with them.
 *
 * Returns: the count
 */
guint
tally_store_get_rollbacks (TallyStore *store)
{
  g_return_val_if_fail (store != NULL, 0);

  return store->rollbacks;
}

static const char insert_result_sql[] =
  "INSERT INTO results (id, run_id, test_id, attempt, outcome, started_at,"
  "                     duration_us, worker, message, file, line,"
  "                     signal, exit_status, cpu_us, max_rss_kb)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/* Writes one row of results with every column: the pending `running`
 * row of @pending when @result is NULL, else the finished @result (@id
 * of 0: a new id from SQLite). By position: on the hot path, binding
 * by name scans the statement's parameters. */
static gboolean
insert_result (TallyStore           *store,
               gint64                id,
               gint64                run_id,
               gint64                test_id,
               const PendingResult  *pending,
               const TallyResult    *result,
               GError              **error)
{
  Stmt *st = store_stmt (store, insert_result_sql, error);

  if (st == NULL)
    return FALSE;

  if (id > 0)
    store_bind_int64_at (st, 1, id);
  store_bind_int64_at (st, 2, run_id);
  store_bind_int64_at (st, 3, test_id);
  if (result == NULL)
    {
      store_bind_int64_at (st, 4, pending->attempt);
      store_bind_text_at (st, 5, "running");
      store_bind_int64_at (st, 6, pending->started_at);
      if (pending->worker >= 0)
        store_bind_int64_at (st, 8, pending->worker);
    }
  else
    {
      store_bind_int64_at (st, 4, MAX (result->attempt, 1));
      store_bind_text_at (st, 5, tally_outcome_to_string (result->outcome));
      store_bind_int64_at (st, 6, result->started_at_us > 0 ? result->started_at_us
                                  : pending != NULL ? pending->started_at
                                  : g_get_real_time ());
      store_bind_int64_at (st, 7, MAX (result->duration_us, 0));
      if (result->worker >= 0 || (pending != NULL && pending->worker >= 0))
        store_bind_int64_at (st, 8, result->worker >= 0 ? result->worker : pending->worker);
      store_bind_bytes_at (st, 9, result->message,
                           result->message != NULL ? strlen (result->message) : 0);
      store_bind_text_at (st, 10, result->file);
      if (result->line > 0)
        store_bind_int64_at (st, 11, result->line);
      if (result->signal != 0)
        store_bind_int64_at (st, 12, result->signal);
      if (result->exit_status >= 0)
        store_bind_int64_at (st, 13, result->exit_status);
      if (result->cpu_us >= 0)
        store_bind_int64_at (st, 14, result->cpu_us);
      if (result->max_rss_kb >= 0)
        store_bind_int64_at (st, 15, result->max_rss_kb);
    }
  return store_stmt_exec (store, st, error);
}

/**
 * store_flush_pending:
 * @self: a #TallyStore
 * @error: return location for a #GError
 *
 * Writes the rows of the results started and not finished, `running`.
 *
 * Returns: %TRUE on success
 */
gboolean
store_flush_pending (TallyStore  *self,
                     GError     **error)
{
  gboolean ok = TRUE;

  if (self->pending == NULL || self->pending->len == 0 || self->flushing)
    return TRUE;

  self->flushing = TRUE;
  for (guint i = 0; ok && i < self->pending->len; i++)
    {
      const PendingResult *p = &g_array_index (self->pending, PendingResult, i);

      ok = insert_result (self, p->id, p->run_id, p->test_id, p, NULL, error);
    }
  self->flushing = FALSE;

  /* On failure sqlite rolled the transaction back, or it is doomed:
   * either way these rows are not coming. */
  g_array_set_size (self->pending, 0);
  return ok;
}

/* The id the next row of results gets, reserved. */
static gboolean
reserve_result_id (TallyStore  *store,
                   gint64      *id,
                   GError     **error)
{
  if (store->next_result_id == 0)
    {
      Stmt *st = store_stmt (store, "SELECT COALESCE (max (id), 0) + 1 FROM results", error);

      if (st == NULL || !store_stmt_query_int64 (store, st, &store->next_result_id, NULL, error))
        return FALSE;
    }
  *id = store->next_result_id++;
  return TRUE;
}

/**
 * tally_store_start_result:
 * @store: a #TallyStore
 * @run_id: the run
 * @test_id: the test, from tally_store_ensure_test()
 * @result: the attempt, started_at_us and worker are used
 * @error: return location for a #GError
 *
 * Starts the result row with outcome `running`: readers see it so from
 * the next commit on (see "Results" above).
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
  PendingResult pending = { 0 };
  gboolean ok;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (result != NULL, 0);

  if (!store_write_begin (store, error))
    return 0;

  ok = reserve_result_id (store, &pending.id, error);
  if (ok)
    {
      pending.run_id = run_id;
      pending.test_id = test_id;
      pending.attempt = MAX (result->attempt, 1);
      pending.started_at = result->started_at_us > 0 ? result->started_at_us : g_get_real_time ();
      pending.worker = result->worker >= 0 ? result->worker : -1;
      if (store->pending == NULL)
        store->pending = g_array_new (FALSE, FALSE, sizeof (PendingResult));
      g_array_append_val (store->pending, pending);
    }

  if (!store_write_end (store, ok, error))
    return 0;

  return pending.id;
}

/* Removes @result_id from the pending results into *@pending. */
static gboolean
take_pending (TallyStore     *store,
              gint64          result_id,
              PendingResult  *pending)
{
  for (guint i = 0; store->pending != NULL && i < store->pending->len; i++)
    if (g_array_index (store->pending, PendingResult, i).id == result_id)
      {
        *pending = g_array_index (store->pending, PendingResult, i);
        g_array_remove_index (store->pending, i);
        return TRUE;
      }
  return FALSE;
}

static gboolean
finish_result (TallyStore         *store,
               gint64              result_id,
               const TallyResult  *result,
               GError            **error)
{
  PendingResult pending;
  Stmt *st;
  gboolean ok;

  /* Started in this transaction and nothing needed its row yet: one
   * INSERT of the finished row. */
  if (take_pending (store, result_id, &pending))
    {
      store->flushing = TRUE;
      ok = insert_result (store, result_id, pending.run_id, pending.test_id,
                          &pending, result, error);
      store->flushing = FALSE;
      return ok;
    }

  st = store_stmt (store,
                   "UPDATE results SET outcome = ?1, attempt = ?2,"
                   " started_at = COALESCE (?3, started_at), duration_us = ?4,"
                   " worker = COALESCE (?5, worker), message = ?6, file = ?7, line = ?8,"
                   " signal = ?9, exit_status = ?10, cpu_us = ?12, max_rss_kb = ?13"
                   " WHERE id = ?11",
                   error);
  if (st == NULL)
    return FALSE;

  store_bind_text_at (st, 1, tally_outcome_to_string (result->outcome));
  store_bind_int64_at (st, 2, MAX (result->attempt, 1));
  if (result->started_at_us > 0)
    store_bind_int64_at (st, 3, result->started_at_us);
  store_bind_int64_at (st, 4, MAX (result->duration_us, 0));
  if (result->worker >= 0)
    store_bind_int64_at (st, 5, result->worker);
  store_bind_bytes_at (st, 6, result->message,
                       result->message != NULL ? strlen (result->message) : 0);
  store_bind_text_at (st, 7, result->file);
  if (result->line > 0)
    store_bind_int64_at (st, 8, result->line);
  if (result->signal != 0)
    store_bind_int64_at (st, 9, result->signal);
  if (result->exit_status >= 0)
    store_bind_int64_at (st, 10, result->exit_status);
  store_bind_int64_at (st, 11, result_id);
  if (result->cpu_us >= 0)
    store_bind_int64_at (st, 12, result->cpu_us);
  if (result->max_rss_kb >= 0)
    store_bind_int64_at (st, 13, result->max_rss_kb);
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
  gint64 result_id = 0;
  gboolean ok;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (result != NULL, 0);

  if (!store_write_begin (store, error))
    return 0;

  /* A reserved id must not be taken by SQLite's own choice. */
  ok = reserve_result_id (store, &result_id, error);
  if (ok)
    {
      store->flushing = TRUE;
      ok = insert_result (store, result_id, run_id, test_id, NULL, result, error);
      store->flushing = FALSE;
    }

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

/**
 * tally_store_add_late_log:
 * @store: a #TallyStore
 * @run_id: the run
 * @test_id: the test whose helper wrote or logged after it ended
 * @record: the record to append to the test's latest result in @run_id
 * @error: return location for a #GError
 *
 * Appends @record after the records of the test's latest result in the
 * run (late output or a late log of a helper the test left running, see
 * docs/reliability.md). Nothing when the test has no result in the run.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_add_late_log (TallyStore            *store,
                          gint64                 run_id,
                          gint64                 test_id,
                          const TallyLogRecord  *record,
                          GError               **error)
{
  Stmt *st;
  gint64 result_id = 0, seq = 0;
  gboolean found = FALSE, ok;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (!store_write_begin (store, error))
    return FALSE;
  ok = store_flush_pending (store, error);
  st = ok ? store_stmt (store,
                        "SELECT id FROM results WHERE run_id = ?1 AND test_id = ?2"
                        " ORDER BY id DESC LIMIT 1", error) : NULL;
  ok = st != NULL;
  if (ok)
    {
      store_bind_int64_at (st, 1, run_id);
      store_bind_int64_at (st, 2, test_id);
      ok = store_stmt_query_int64 (store, st, &result_id, &found, error);
    }
  if (ok && found)
    {
      st = store_stmt (store, "SELECT COALESCE (MAX (seq) + 1, 0) FROM logs WHERE result_id = ?1",
                       error);
      ok = st != NULL;
      if (ok)
        {
          store_bind_int64_at (st, 1, result_id);
          ok = store_stmt_query_int64 (store, st, &seq, NULL, error);
        }
    }
  if (!store_write_end (store, ok, error))
    return FALSE;
  if (!found)
    return TRUE;
  return tally_store_add_log (store, result_id, (guint) seq, record, error);
}

/**
 * tally_store_set_run_parent:
 * @store: a #TallyStore
 * @run_id: a run
 * @parent_id: the run whose tests @run_id reruns
 * @error: return location for a #GError
 *
 * Records that @run_id is a rerun of @parent_id (the viewer, once its
 * rerun's runner says which run it writes) and commits.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_set_run_parent (TallyStore  *store,
                            gint64       run_id,
                            gint64       parent_id,
                            GError     **error)
{
  Stmt *st;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (run_id > 0 && parent_id > 0 && run_id != parent_id, FALSE);

  if (!store_write_begin (store, error))
    return FALSE;
  st = store_stmt (store, "UPDATE runs SET parent_id = :parent WHERE id = :run", error);
  ok = st != NULL;
  if (ok)
    {
      store_bind_int64 (st, ":parent", parent_id);
      store_bind_int64 (st, ":run", run_id);
      ok = store_stmt_exec (store, st, error);
    }
  if (!store_write_end (store, ok, error))
    return FALSE;
  return tally_store_commit (store, error);
}
