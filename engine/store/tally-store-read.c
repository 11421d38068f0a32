/* tally-store-read.c — one run's results in memory, for the viewer and `tally show`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The first result list asked of a run reads the run's results with one
 * plain SELECT into a flat array; each list after that filters the array
 * linearly and, for a new order, sorts it with qsort_r(). The copy is
 * read again as soon as the database changes: PRAGMA data_version (other
 * connections) and sqlite3_total_changes() (this one) tell. Everything
 * lives in the TallyStore: no global state (tally-store-private.h says
 * which threads may call what).
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tally-error.h"
#include "tally-store-internal-private.h"

/* Bytes of a message the text filter searches. */
#define MESSAGE_PREFIX_MAX 4096

/* The orders of tally_store_viewer_query_result_ids(). */
typedef enum
{
  KEY_PATH,
  KEY_PROGRAM,
  KEY_OUTCOME,
  KEY_DURATION,
  KEY_ATTEMPT,
  KEY_WORKER,
  KEY_MARKERS,
  KEY_FAILURES,
} ReadKey;

static const char * const key_names[] = {
  "path", "program", "outcome", "duration", "attempt", "worker", "markers", "failures",
};

/* The "failures" order: what needs a look first (failed, crashed, timed
 * out, errored), then flaky tests, then the rest; by path within each. */
static int
failure_rank (guint8 outcome)
{
  if (tally_outcome_is_failure (outcome))
    return 0;
  return outcome == TALLY_OUTCOME_FLAKY ? 1 : 2;
}

/* A test of the run. */
typedef struct
{
  gint64 id;
  const char *program;    /* in ReadCache.strings */
  const char *path;
  const char *program_lower;
  const char *path_lower;
  const char *markers;    /* "name=value name", as the Markers column; NULL for none */
  const char *marker_key; /* "name\x1fvalue\x1e…", \x1d for no value; NULL for none */
  guint32 max_attempt;    /* of its results in the run */
  guint32 rank;           /* its place by (path, program) */
} ReadTest;

typedef struct
{
  gint64 id;
  gint64 duration;        /* G_MININT64 for NULL: first, as in SQL */
  const char *message;    /* lower-case prefix, NUL as \1; NULL for none */
  guint32 attempt;
  gint32 worker;          /* G_MININT32 for NULL */
  guint32 test;           /* index into ReadCache.tests */
  guint8 outcome;         /* TallyOutcome */
} ReadRow;

struct _TallyReadCache
{
  gint64 run_id;
  gint64 parent_id;       /* merged under run_id's results, 0: none */
  gint64 data_version;
  gint64 total_changes;
  GArray *rows;           /* ReadRow, by test, in the order read */
  GArray *tests;          /* ReadTest, by id */
  GStringChunk *strings;
  gboolean has_markers;   /* ReadTest.markers and .marker_key read */
  gboolean has_ranks;     /* ReadTest.rank set */
  /* Rows by (path, program, attempt, id), every order's ties, and each
   * row's place there; made with the ranks. */
  guint32 *path_order;
  guint32 *path_place;
  /* The last order asked for: indices into rows, sorted by it. */
  guint32 *sorted;
  int sorted_key;         /* ReadKey, or -1 */
  gboolean sorted_descending;
};

/* By test, as the index results_run_test_attempt gives them (no sort):
 * a test's rows are neighbours, and the tests come in id order. "Final
 * attempt" is computed in memory (ReadTest.max_attempt). NULL duration
 * and worker as G_MININT64 and G_MININT32. */
const char store_run_results_sql[] =
  "SELECT r.id, r.test_id, t.program, t.path, r.outcome, r.attempt,"
  "       ifnull (r.duration_us, -9223372036854775808), ifnull (r.worker, -2147483648),"
  "       substr (r.message, 1, " G_STRINGIFY (MESSAGE_PREFIX_MAX) ")"
  " FROM results r JOIN tests t ON t.id = r.test_id WHERE r.run_id = :run"
  " ORDER BY r.test_id";

static const char run_size_sql[] = "SELECT count(*) FROM results WHERE run_id = :run";

/* With tally_store_set_merge_reruns(): a rerun (runs.parent_id, schema
 * 6) reads as its parent's results (merged over its own parent's, and
 * so on) with its own in place of those of the tests it ran again. */
static const char run_parent_sql[] = "SELECT ifnull (parent_id, 0) FROM runs WHERE id = :run";

static const char merged_run_results_sql[] =
  "WITH RECURSIVE chain (id, depth) AS ("
  "  VALUES (:run, 0)"
  "  UNION ALL"
  "  SELECT u.parent_id, c.depth + 1 FROM runs u JOIN chain c ON u.id = c.id"
  "  WHERE u.parent_id > 0 AND c.depth < 16)"
  "SELECT r.id, r.test_id, t.program, t.path, r.outcome, r.attempt,"
  "       ifnull (r.duration_us, -9223372036854775808), ifnull (r.worker, -2147483648),"
  "       substr (r.message, 1, " G_STRINGIFY (MESSAGE_PREFIX_MAX) ")"
  " FROM chain c JOIN results r ON r.run_id = c.id JOIN tests t ON t.id = r.test_id"
  " WHERE NOT EXISTS (SELECT 1 FROM chain c2 JOIN results r2 ON r2.run_id = c2.id"
  "                   WHERE r2.test_id = r.test_id AND c2.depth < c.depth)"
  " ORDER BY r.test_id";

/* Each test's markers by name (the primary key's order), for the
 * Markers column as SQL's group_concat (name || coalesce ('=' || value,
 * ''), ' ') gives it, and for tally_store_select_tests(): one pass over
 * the key range of the run's tests when they are most of it (the others
 * are skipped), else a seek per test. */
static const char run_markers_sql[] =
  "SELECT m.test_id, m.name, m.value FROM markers m"
  " WHERE m.test_id IN (SELECT test_id FROM results WHERE run_id = :run)"
  " ORDER BY m.test_id, m.name";

static const char range_markers_sql[] =
  "SELECT test_id, name, value FROM markers WHERE test_id BETWEEN :lo AND :hi"
  " ORDER BY test_id, name";

void
store_read_cache_free (TallyReadCache *cache)
{
  if (cache == NULL)
    return;
  g_clear_pointer (&cache->rows, g_array_unref);
  g_clear_pointer (&cache->tests, g_array_unref);
  g_clear_pointer (&cache->strings, g_string_chunk_free);
  g_free (cache->sorted);
  g_free (cache->path_order);
  g_free (cache->path_place);
  g_free (cache);
}

/* @len bytes of @text in ASCII lower case, NUL bytes as \1 (so that a
 * haystack does not end early), in @chunk. */
static const char *
insert_lower (GStringChunk *chunk,
              const char   *text,
              gsize         len)
{
  char *out = g_string_chunk_insert_len (chunk, text, len);

  for (gsize i = 0; i < len; i++)
    out[i] = out[i] == '\0' ? '\1' : out[i] >= 'A' && out[i] <= 'Z' ? out[i] - 'A' + 'a' : out[i];
  return out;
}

/* The test of the row @s, added when it is not the last one. */
static guint32
cache_add_test (TallyReadCache *cache,
                sqlite3_stmt   *s)
{
  gint64 id = sqlite3_column_int64 (s, 1);
  const char *program = (const char *) sqlite3_column_text (s, 2);
  const char *path = (const char *) sqlite3_column_text (s, 3);
  const ReadTest *last = cache->tests->len > 0
                        ? &g_array_index (cache->tests, ReadTest, cache->tests->len - 1) : NULL;
  ReadTest test = { id };

  if (last != NULL && last->id == id)
    return cache->tests->len - 1;
  test.program = g_string_chunk_insert_const (cache->strings, program ? program : "");
  test.path = g_string_chunk_insert (cache->strings, path ? path : "");
  /* A program's tests are mostly neighbours: one lower-case copy each. */
  test.program_lower = last != NULL && last->program == test.program
                       ? last->program_lower
                       : insert_lower (cache->strings, test.program, strlen (test.program));
  test.path_lower = insert_lower (cache->strings, test.path, strlen (test.path));
  g_array_append_val (cache->tests, test);
  return cache->tests->len - 1;
}

static TallyReadCache *
read_cache_load (TallyStore  *store,
                 gint64       run_id,
                 GError     **error)
{
  TallyReadCache *cache;
  gint64 n = 0, parent_id = 0;
  Stmt *st;
  int rc;

  if (store->merge_reruns)
    {
      st = store_stmt (store, run_parent_sql, error);
      if (st == NULL)
        return NULL;
      store_bind_int64 (st, ":run", run_id);
      if (!store_stmt_query_int64 (store, st, &parent_id, NULL, error))
        return NULL;
    }

  /* The arrays sized once (an index-only count, a few ms): grown as they
   * filled, they were copied again and again (a fifth of the load). */
  st = store_stmt (store, run_size_sql, error);
  if (st == NULL)
    return NULL;
  store_bind_int64 (st, ":run", run_id);
  if (!store_stmt_query_int64 (store, st, &n, NULL, error))
    return NULL;

  cache = g_new0 (TallyReadCache, 1);
  cache->run_id = run_id;
  cache->parent_id = parent_id;
  cache->rows = g_array_sized_new (FALSE, FALSE, sizeof (ReadRow), n);
  cache->tests = g_array_sized_new (FALSE, FALSE, sizeof (ReadTest), n);
  cache->strings = g_string_chunk_new (64 * 1024);
  cache->sorted_key = -1;

  st = store_stmt (store, parent_id > 0 ? merged_run_results_sql : store_run_results_sql, error);
  if (st == NULL)
    {
      store_read_cache_free (cache);
      return NULL;
    }
  store_bind_int64 (st, ":run", run_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      sqlite3_stmt *s = st->stmt;
      ReadRow row = { sqlite3_column_int64 (s, 0) };
      ReadTest *test;

      row.outcome = store_column_outcome (s, 4);
      row.attempt = (guint32) sqlite3_column_int (s, 5);
      row.duration = sqlite3_column_int64 (s, 6);
      row.worker = sqlite3_column_int (s, 7);
      if (sqlite3_column_type (s, 8) != SQLITE_NULL)
        row.message = insert_lower (cache->strings, sqlite3_column_blob (s, 8),
                                    sqlite3_column_bytes (s, 8));
      row.test = cache_add_test (cache, s);
      test = &g_array_index (cache->tests, ReadTest, row.test);
      test->max_attempt = MAX (test->max_attempt, row.attempt);
      g_array_append_val (cache->rows, row);
    }
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    {
      store_read_cache_free (cache);
      return NULL;
    }
  return cache;
}

/* The cache of @run_id, read again if the database changed. */
static TallyReadCache *
read_cache_get (TallyStore  *store,
                gint64       run_id,
                GError     **error)
{
  TallyReadCache *cache = store->read_cache;
  gint64 version = 0, changes;

  /* The writer's own started results count as changes: write them first. */
  if (!store_flush_pending (store, error))
    return NULL;
  changes = sqlite3_total_changes (store->db);
  if (!store_pragma_int (store, "PRAGMA data_version", &version, error))
    return NULL;
  if (cache != NULL
      && (cache->run_id != run_id || cache->data_version != version || cache->total_changes != changes))
    g_clear_pointer (&store->read_cache, store_read_cache_free);

  if (store->read_cache == NULL)
    {
      store->read_cache = read_cache_load (store, run_id, error);
      if (store->read_cache == NULL)
        return NULL;
      store->read_cache->data_version = version;
      store->read_cache->total_changes = changes;
    }
  return store->read_cache;
}

static void
read_test_set_markers (TallyReadCache *cache,
                       ReadTest       *test,
                       GString        *text,
                       GString        *key)
{
  if (test != NULL && key->len > 0)
    {
      test->markers = g_string_chunk_insert_const (cache->strings, text->str);
      test->marker_key = g_string_chunk_insert_const (cache->strings, key->str);
    }
  g_string_truncate (text, 0);
  g_string_truncate (key, 0);
}

/* For the markers order and marker selection only: most lists never
 * need them. */
static gboolean
read_cache_load_markers (TallyStore      *store,
                         TallyReadCache  *cache,
                         GError         **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) key = g_string_new (NULL);
  ReadTest *tests = (ReadTest *) cache->tests->data, *test = NULL;
  guint n = cache->tests->len, next = 0;
  gint64 current = 0, lo, hi;
  gboolean range;
  Stmt *st;
  int rc;

  if (cache->has_markers)
    return TRUE;
  lo = n > 0 ? tests[0].id : 0;
  hi = n > 0 ? tests[n - 1].id : 0;
  /* A merged rerun has tests of other runs: read their range. */
  range = cache->parent_id > 0 || hi - lo < 2 * (gint64) n;
  st = store_stmt (store, range ? range_markers_sql : run_markers_sql, error);
  if (st == NULL)
    return FALSE;
  if (range)
    {
      store_bind_int64 (st, ":lo", lo);
      store_bind_int64 (st, ":hi", hi);
    }
  else
    store_bind_int64 (st, ":run", cache->run_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      sqlite3_stmt *s = st->stmt;
      gint64 id = sqlite3_column_int64 (s, 0);
      const char *name = (const char *) sqlite3_column_text (s, 1);
      const char *value = (const char *) sqlite3_column_text (s, 2);

      if (id != current)
        {
          read_test_set_markers (cache, test, text, key);
          /* Both in id order: the run's tests not in the range are skipped. */
          current = id;
          while (next < n && tests[next].id < id)
            next++;
          test = next < n && tests[next].id == id ? &tests[next] : NULL;
        }
      g_string_append_printf (text, "%s%s%s%s", text->len > 0 ? " " : "", name ? name : "",
                              value ? "=" : "", value ? value : "");
      g_string_append_printf (key, "%s\x1f%s\x1e", name ? name : "", value ? value : "\x1d");
    }
  store_stmt_reset (st);
  read_test_set_markers (cache, test, text, key);
  cache->has_markers = rc == SQLITE_DONE;
  return cache->has_markers;
}

/* ------------------------------------------------------------------ */
/* Sorting                                                             */

typedef struct
{
  ReadKey key;
  gboolean descending;
  const ReadTest *tests;
  guint outcome_rank[TALLY_N_OUTCOMES];  /* by name, as SQL sorts the text */
  const ReadRow *rows;
  const guint32 *text_rank;   /* KEY_PROGRAM, KEY_MARKERS: rank_texts() */
} SortSpec;

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* strcmp() is SQLite's BINARY collation; NULL sorts first. */
static int
compare_text (const char *a,
              const char *b)
{
  if (a == b)
    return 0;
  if (a == NULL || b == NULL)
    return a == NULL ? -1 : 1;
  return strcmp (a, b);
}

static int
compare_text_ptrs (gconstpointer a,
                   gconstpointer b)
{
  return compare_text (*(const char * const *) a, *(const char * const *) b);
}

/* Each test's place among the distinct texts of its program (or markers)
 * column, NULL first: the sort then compares integers. */
static guint32 *
rank_texts (const ReadTest *tests,
            guint           n,
            ReadKey         key)
{
  g_autoptr(GHashTable) ranks = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) distinct = g_ptr_array_new ();
  guint32 *rank = g_new (guint32, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      const char *text = key == KEY_MARKERS ? tests[i].markers : tests[i].program;

      if (text != NULL && g_hash_table_add (ranks, (gpointer) text))
        g_ptr_array_add (distinct, (gpointer) text);
    }
  g_ptr_array_sort (distinct, compare_text_ptrs);
  for (guint j = 0; j < distinct->len; j++)
    g_hash_table_insert (ranks, g_ptr_array_index (distinct, j), GUINT_TO_POINTER (j + 1));
  for (guint i = 0; i < n; i++)
    {
      const char *text = key == KEY_MARKERS ? tests[i].markers : tests[i].program;

      rank[i] = text ? GPOINTER_TO_UINT (g_hash_table_lookup (ranks, text)) : 0;
    }
  return rank;
}

/* The key of a row as an integer, in the key's order. */
static gint64
row_key (const ReadRow  *row,
         const SortSpec *spec)
{
  switch (spec->key)
    {
    case KEY_PATH:
      return spec->tests[row->test].rank;
    case KEY_PROGRAM:
    case KEY_MARKERS:
      return spec->text_rank[row->test];
    case KEY_OUTCOME:
      return spec->outcome_rank[row->outcome];
    case KEY_DURATION:
      return row->duration;
    case KEY_ATTEMPT:
      return row->attempt;
    case KEY_WORKER:
      return (gint64) row->worker - G_MININT32;
    case KEY_FAILURES:
    default:
      return failure_rank (row->outcome);
    }
}

/* Ties by path, program, attempt and id ascending, as the SQL of
 * tests/test-store-queries.c orders. */
static int
compare_ties (const ReadRow  *a,
              const ReadRow  *b,
              const SortSpec *spec)
{
  int c = CMP (spec->tests[a->test].rank, spec->tests[b->test].rank);

  if (c == 0)
    c = CMP (a->attempt, b->attempt);
  return c != 0 ? c : CMP (a->id, b->id);
}

/* The key, ascending or descending, then the ties. */
static int
compare_rows (const void *pa,
              const void *pb,
              void       *data)
{
  const SortSpec *spec = data;
  const ReadRow *a = &spec->rows[*(const guint32 *) pa], *b = &spec->rows[*(const guint32 *) pb];
  int c = CMP (row_key (a, spec), row_key (b, spec));

  if (c != 0)
    return spec->descending ? -c : c;
  return compare_ties (a, b, spec);
}

static int
compare_tests (const void *pa,
               const void *pb,
               void       *data)
{
  const ReadTest *tests = data;
  const ReadTest *a = &tests[*(const guint32 *) pa], *b = &tests[*(const guint32 *) pb];
  int c = strcmp (a->path, b->path);

  return c != 0 ? c : strcmp (a->program, b->program);
}

/* Ranks the tests by (path, program), unique as (program, path) is,
 * once per read of the run: every order breaks its ties by rank, and
 * compares integers rather than strings. */
static void
read_cache_rank_tests (TallyReadCache *cache)
{
  ReadTest *tests = (ReadTest *) cache->tests->data;
  guint n = cache->tests->len;
  g_autofree guint32 *order = g_new (guint32, MAX (n, 1));

  if (cache->has_ranks)
    return;
  for (guint i = 0; i < n; i++)
    order[i] = i;
  qsort_r (order, n, sizeof (guint32), compare_tests, tests);
  for (guint i = 0; i < n; i++)
    tests[order[i]].rank = i;
  cache->has_ranks = TRUE;
}

static int
compare_ties_of (const void *pa,
                 const void *pb,
                 void       *data)
{
  const SortSpec *spec = data;

  return compare_ties (&spec->rows[*(const guint32 *) pa], &spec->rows[*(const guint32 *) pb], spec);
}

/* The rows in path order, and each row's place in it: a sort packs that
 * place under its key, so that equal keys come out in path order. */
static void
read_cache_path_order (TallyReadCache *cache)
{
  SortSpec spec = { KEY_PATH, FALSE, (const ReadTest *) cache->tests->data, { 0 } };
  guint n = cache->rows->len;

  if (cache->path_order != NULL)
    return;
  read_cache_rank_tests (cache);
  spec.rows = (const ReadRow *) cache->rows->data;
  cache->path_order = g_new (guint32, MAX (n, 1));
  cache->path_place = g_new (guint32, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    cache->path_order[i] = i;
  qsort_r (cache->path_order, n, sizeof (guint32), compare_ties_of, &spec);
  for (guint i = 0; i < n; i++)
    cache->path_place[cache->path_order[i]] = i;
}

static int
compare_packed (const void *pa,
                const void *pb)
{
  guint64 a = *(const guint64 *) pa, b = *(const guint64 *) pb;

  return CMP (a, b);
}

/* The usual case: each row's key (made non-negative, reversed for a
 * descending order) above its place in path order, in one integer:
 * the sort compares 8 bytes in a row, the ties included. FALSE when a
 * key does not fit (a duration of centuries, a negative one). */
static gboolean
sort_packed (TallyReadCache *cache,
             const SortSpec *spec)
{
  guint n = cache->rows->len;
  guint bits = g_bit_storage (MAX (n, 2) - 1);
  guint64 max_key = G_MAXUINT64 >> bits;
  g_autofree guint64 *packed = g_new (guint64, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      const ReadRow *row = &spec->rows[i];
      gint64 key = row_key (row, spec);
      guint64 k;

      /* NULL durations first, as SQL has them. */
      if (spec->key == KEY_DURATION)
        key = row->duration == G_MININT64 ? 0 : row->duration < 0 ? -1 : row->duration + 1;
      if (key < 0 || (guint64) key > max_key)
        return FALSE;
      k = spec->descending ? max_key - (guint64) key : (guint64) key;
      packed[i] = k << bits | cache->path_place[i];
    }
  qsort (packed, n, sizeof (guint64), compare_packed);
  for (guint i = 0; i < n; i++)
    cache->sorted[i] = cache->path_order[packed[i] & ((G_GUINT64_CONSTANT (1) << bits) - 1)];
  return TRUE;
}

static gboolean
read_cache_sort (TallyStore      *store,
                 TallyReadCache  *cache,
                 ReadKey          key,
                 gboolean         descending,
                 GError         **error)
{
  SortSpec spec = { key, descending, (const ReadTest *) cache->tests->data, { 0 } };
  guint n = cache->rows->len;

  if (cache->sorted_key == (int) key && cache->sorted_descending == descending)
    return TRUE;
  if (key == KEY_MARKERS && !read_cache_load_markers (store, cache, error))
    return FALSE;

  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    for (int p = 0; p < TALLY_N_OUTCOMES; p++)
      if (strcmp (tally_outcome_to_string (p), tally_outcome_to_string (o)) < 0)
        spec.outcome_rank[o]++;

  read_cache_path_order (cache);

  g_free (cache->sorted);
  cache->sorted = g_new (guint32, MAX (n, 1));
  spec.rows = (const ReadRow *) cache->rows->data;
  {
    g_autofree guint32 *text_rank = key == KEY_PROGRAM || key == KEY_MARKERS
                                    ? rank_texts (spec.tests, cache->tests->len, key) : NULL;

    spec.text_rank = text_rank;
    if (key == KEY_PATH && !descending)
      memcpy (cache->sorted, cache->path_order, n * sizeof (guint32));
    else if (!sort_packed (cache, &spec))
      {
        /* A key too wide to pack: the rows compared one by one. */
        for (guint i = 0; i < n; i++)
          cache->sorted[i] = i;
        qsort_r (cache->sorted, n, sizeof (guint32), compare_rows, &spec);
      }
  }
  cache->sorted_key = key;
  cache->sorted_descending = descending;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Filtering                                                           */

typedef struct
{
  const TallyResultQuery *query;
  const ReadTest *tests;
  char *needle;           /* lower-case text, or NULL */
  GHashTable *keep;       /* test ids, or NULL */
} Filter;

static void
filter_init (Filter                 *filter,
             TallyReadCache         *cache,
             const TallyResultQuery *query)
{
  static const TallyResultQuery all = TALLY_RESULT_QUERY_INIT;

  filter->query = query != NULL ? query : &all;
  filter->tests = (const ReadTest *) cache->tests->data;
  query = filter->query;
  filter->needle = query->text && *query->text ? g_ascii_strdown (query->text, -1) : NULL;
  filter->keep = NULL;
  if (query->test_ids != NULL)
    {
      filter->keep = g_hash_table_new (g_int64_hash, g_int64_equal);
      for (guint i = 0; i < query->test_ids->len; i++)
        g_hash_table_add (filter->keep, &g_array_index (query->test_ids, gint64, i));
    }
}

static void
filter_clear (Filter *filter)
{
  g_clear_pointer (&filter->needle, g_free);
  g_clear_pointer (&filter->keep, g_hash_table_unref);
}

static gboolean
filter_matches (const Filter  *filter,
                const ReadRow *row)
{
  const TallyResultQuery *q = filter->query;
  const ReadTest *test = &filter->tests[row->test];

  if (!q->all_attempts && row->attempt != test->max_attempt)
    return FALSE;
  if (q->outcomes != 0 && !(q->outcomes & (1u << row->outcome)))
    return FALSE;
  if (filter->keep != NULL && !g_hash_table_contains (filter->keep, &test->id))
    return FALSE;
  return filter->needle == NULL
         || strstr (test->path_lower, filter->needle) != NULL
         || strstr (test->program_lower, filter->needle) != NULL
         || (row->message != NULL && strstr (row->message, filter->needle) != NULL);
}

/* The ids of the rows @query selects, in the order of @key, from
 * @offset on, at most @limit. The filter reads the rows in memory order
 * (a keystroke is one such pass); only the matches are looked up in the
 * sorted order. */
static GArray *
read_ids (TallyStore              *store,
          gint64                   run_id,
          const TallyResultQuery  *query,
          ReadKey                  key,
          gboolean                 descending,
          guint                    offset,
          guint                    limit,
          GError                 **error)
{
  TallyReadCache *cache = read_cache_get (store, run_id, error);
  g_autofree guint8 *keep = NULL;
  const ReadRow *rows;
  GArray *ids;
  Filter filter;
  guint n, seen = 0;

  if (cache == NULL || !read_cache_sort (store, cache, key, descending, error))
    return NULL;
  rows = (const ReadRow *) cache->rows->data;
  n = cache->rows->len;

  keep = g_new (guint8, MAX (n, 1));
  filter_init (&filter, cache, query);
  for (guint i = 0; i < n; i++)
    keep[i] = filter_matches (&filter, rows + i);
  filter_clear (&filter);

  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < n && ids->len < limit; i++)
    if (keep[cache->sorted[i]] && seen++ >= offset)
      g_array_append_val (ids, rows[cache->sorted[i]].id);
  return ids;
}

static ReadKey
key_for_sort (const TallyResultQuery *query)
{
  if (query == NULL)
    return KEY_PATH;
  switch (query->sort)
    {
    case TALLY_RESULT_SORT_OUTCOME:
      return KEY_OUTCOME;
    case TALLY_RESULT_SORT_DURATION:
      return KEY_DURATION;
    case TALLY_RESULT_SORT_PATH:
    default:
      return KEY_PATH;
    }
}

/**
 * tally_store_query_results:
 * @store: a #TallyStore
 * @run_id: the run
 * @query: (nullable): the filter and order; %NULL for every final
 *   attempt by path
 * @offset: rows to skip
 * @limit: the most rows to return
 * @error: return location for a #GError
 *
 * One page of a run's results. tally_store_count_results() with the same
 * @query gives the number of rows of all pages.
 *
 * Returns: (transfer full) (element-type TallyResultRow) (nullable): the
 *   rows, or %NULL with @error set
 */
GPtrArray *
tally_store_query_results (TallyStore              *store,
                           gint64                   run_id,
                           const TallyResultQuery  *query,
                           guint                    offset,
                           guint                    limit,
                           GError                 **error)
{
  g_autoptr(GArray) ids = NULL;

  g_return_val_if_fail (store != NULL, NULL);

  ids = read_ids (store, run_id, query, key_for_sort (query), query && query->descending,
                  offset, limit, error);
  if (ids == NULL)
    return NULL;
  return tally_store_get_result_rows (store, (const gint64 *) ids->data, ids->len, error);
}

/**
 * tally_store_count_results:
 * @store: a #TallyStore
 * @run_id: the run
 * @query: (nullable): the filter, as for tally_store_query_results()
 *   (its order is ignored)
 * @error: return location for a #GError
 *
 * Returns: the number of results that @query selects, or -1 with @error set
 */
gint64
tally_store_count_results (TallyStore              *store,
                           gint64                   run_id,
                           const TallyResultQuery  *query,
                           GError                 **error)
{
  TallyReadCache *cache;
  Filter filter;
  gint64 n = 0;

  g_return_val_if_fail (store != NULL, -1);

  cache = read_cache_get (store, run_id, error);
  if (cache == NULL)
    return -1;
  filter_init (&filter, cache, query);
  for (guint i = 0; i < cache->rows->len; i++)
    n += filter_matches (&filter, &g_array_index (cache->rows, ReadRow, i));
  filter_clear (&filter);
  return n;
}

/**
 * tally_store_query_result_ids:
 * @store: a #TallyStore
 * @run_id: the run
 * @query: (nullable): the filter and order, as for
 *   tally_store_query_results()
 * @error: return location for a #GError
 *
 * Every result @query selects, in order, as ids. A viewer keeps this
 * list (8 bytes a row) as its model and reads rows with
 * tally_store_get_result_rows() as they scroll into view.
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the ids, or
 *   %NULL with @error set
 */
GArray *
tally_store_query_result_ids (TallyStore              *store,
                              gint64                   run_id,
                              const TallyResultQuery  *query,
                              GError                 **error)
{
  g_return_val_if_fail (store != NULL, NULL);

  return read_ids (store, run_id, query, key_for_sort (query), query && query->descending,
                   0, G_MAXUINT, error);
}

/**
 * tally_store_viewer_query_result_ids:
 * @store: a #TallyStore
 * @run_id: the run
 * @query: (nullable): the filter, as for tally_store_query_results()
 *   (its sort fields are ignored)
 * @sort_key: (nullable): "path" (the default), "program", "outcome",
 *   "duration", "attempt", "worker", "markers" or "failures" (failures,
 *   then flaky tests, then the rest)
 * @descending: whether to reverse the order of @sort_key (ties stay by
 *   path, then id)
 * @error: return location for a #GError
 *
 * As tally_store_query_result_ids(), with every column of the viewer's
 * table as a sort key. An unknown @sort_key is TALLY_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the ids, or
 *   %NULL with @error set
 */
GArray *
tally_store_viewer_query_result_ids (TallyStore              *store,
                                     gint64                   run_id,
                                     const TallyResultQuery  *query,
                                     const char              *sort_key,
                                     gboolean                 descending,
                                     GError                 **error)
{
  g_return_val_if_fail (store != NULL, NULL);

  for (guint k = 0; k < G_N_ELEMENTS (key_names); k++)
    if (strcmp (sort_key ? sort_key : "path", key_names[k]) == 0)
      return read_ids (store, run_id, query, k, descending, 0, G_MAXUINT, error);

  g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND, "no sort key named %s", sort_key);
  return NULL;
}

/**
 * tally_store_viewer_foreach_result:
 * @store: a #TallyStore
 * @run_id: the run
 * @query: (nullable): the filter, as for tally_store_query_results()
 *   (its order is ignored)
 * @func: called for each result @query selects, in the order the run
 *   was read (by test)
 * @data: for @func
 * @error: return location for a #GError
 *
 * The program, path and outcome of each result @query selects, from
 * the run in memory: the viewer's tree groups them without a query per
 * node.
 *
 * Returns: %FALSE with @error set if the run could not be read
 */
gboolean
tally_store_viewer_foreach_result (TallyStore              *store,
                                   gint64                   run_id,
                                   const TallyResultQuery  *query,
                                   TallyStoreResultFunc     func,
                                   gpointer                 data,
                                   GError                 **error)
{
  TallyReadCache *cache;
  const ReadRow *rows;
  Filter filter;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  cache = read_cache_get (store, run_id, error);
  if (cache == NULL)
    return FALSE;
  rows = (const ReadRow *) cache->rows->data;
  filter_init (&filter, cache, query);
  for (guint i = 0; i < cache->rows->len; i++)
    if (filter_matches (&filter, rows + i))
      {
        const ReadTest *test = &filter.tests[rows[i].test];

        func (rows[i].id, test->program, test->path, rows[i].outcome,
              rows[i].duration == G_MININT64 ? -1 : rows[i].duration, data);
      }
  filter_clear (&filter);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Marker selection                                                    */

/* "name\x1fvalue\x1e…", \x1d for no value. */
static gboolean
marker_key_matches (const char *key,
                    TallyExpr  *expr)
{
  g_autoptr(TallyMarkers) markers = tally_markers_new ();
  g_auto(GStrv) pairs = g_strsplit (key, "\x1e", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *sep = strchr (pairs[i], '\x1f');

      if (sep == NULL)
        continue;
      *sep = '\0';
      tally_markers_set (markers, pairs[i], strcmp (sep + 1, "\x1d") == 0 ? NULL : sep + 1);
    }
  return tally_expr_match_markers (expr, markers);
}

/**
 * tally_store_select_tests:
 * @store: a #TallyStore
 * @run_id: a run
 * @marker_expr: a marker expression, as for `tally run -m`
 * @error: return location for a #GError
 *
 * Evaluates @marker_expr on the markers of each test of @run_id (once
 * per distinct set of markers). A malformed expression is the parser's
 * error.
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the ids of
 *   the tests it selects, ascending, for #TallyResultQuery.test_ids; or
 *   %NULL with @error set
 */
GArray *
tally_store_select_tests (TallyStore  *store,
                          gint64       run_id,
                          const char  *marker_expr,
                          GError     **error)
{
  static const char none[] = "";
  g_autoptr(TallyExpr) expr = NULL;
  g_autoptr(GHashTable) verdicts = g_hash_table_new (NULL, NULL);
  TallyReadCache *cache;
  GArray *ids;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (marker_expr != NULL, NULL);

  expr = tally_expr_parse_markers (marker_expr, error);
  if (expr == NULL)
    return NULL;
  cache = read_cache_get (store, run_id, error);
  if (cache == NULL || !read_cache_load_markers (store, cache, error))
    return NULL;

  /* Equal keys are one string (g_string_chunk_insert_const()); the
   * tests are in id order. */
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < cache->tests->len; i++)
    {
      const ReadTest *test = &g_array_index (cache->tests, ReadTest, i);
      const char *key = test->marker_key ? test->marker_key : none;
      gpointer verdict = g_hash_table_lookup (verdicts, key);

      if (verdict == NULL)
        {
          verdict = GINT_TO_POINTER (marker_key_matches (key, expr) ? 1 : 2);
          g_hash_table_insert (verdicts, (gpointer) key, verdict);
        }
      if (GPOINTER_TO_INT (verdict) == 1)
        g_array_append_val (ids, test->id);
    }
  return ids;
}

/**
 * tally_store_set_merge_reruns:
 * @store: a #TallyStore
 * @merge: whether to merge
 *
 * Makes the result queries of @store (tally_store_query_results() and
 * the others of the read cache) read a rerun (a run with a parent,
 * tally_store_set_run_parent()) as its parent's results with the
 * rerun's own in place of those of the tests it ran again: the state of
 * the tests after the rerun. Counts (tally_store_get_run_counts()) and
 * history stay the rerun's own.
 */
void
tally_store_set_merge_reruns (TallyStore *store,
                              gboolean    merge)
{
  g_return_if_fail (store != NULL);

  if (store->merge_reruns == !!merge)
    return;
  store->merge_reruns = !!merge;
  g_clear_pointer (&store->read_cache, store_read_cache_free);
}

/**
 * tally_store_foreach_final_result:
 * @store: a #TallyStore
 * @run_id: the run
 * @func: called for each final attempt, in the order read
 * @data: for @func
 * @error: return location for a #GError
 *
 * The final attempts of @run_id from the read cache (merged when
 * tally_store_set_merge_reruns() is on), without reading whole rows:
 * what comparing runs needs, for 100,000 results in a few ms once the run
 * is in memory. A NULL duration is 0.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_foreach_final_result (TallyStore           *store,
                                  gint64                run_id,
                                  TallyStoreResultFunc  func,
                                  gpointer              data,
                                  GError              **error)
{
  TallyReadCache *cache;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  cache = read_cache_get (store, run_id, error);
  if (cache == NULL)
    return FALSE;
  for (guint i = 0; i < cache->rows->len; i++)
    {
      const ReadRow *row = &g_array_index (cache->rows, ReadRow, i);
      const ReadTest *test = &g_array_index (cache->tests, ReadTest, row->test);

      if (row->attempt != test->max_attempt)
        continue;
      func (row->id, test->program, test->path, row->outcome,
            row->duration == G_MININT64 ? 0 : row->duration, data);
    }
  return TRUE;
}
