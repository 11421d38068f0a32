/* tally-store-read-cache.c — one run's results in memory
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TallyReadCache: the results of one run read once into flat arrays,
 * then filtered and sorted in memory for each page, count or id list
 * that `tally show` and the viewer ask for (tally_store_query_results(),
 * tally_store_count_results(), tally_store_query_result_ids()), and
 * dropped as soon as the database changes.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tally-store-internal-private.h"

/* ------------------------------------------------------------------ */
/* Read cache: one run's results in memory                             */

/* Sorting 100,000 results by a joined column (path) costs SQLite
 * 80–200 ms a query, and a deep OFFSET as much again; the viewer and
 * `tally show` filter and sort one run over and over. So the first
 * query on a run reads its results once (one scan, ~30 ms for 100,000)
 * into flat arrays, and each query after that filters and sorts them in
 * memory and reads only the page's rows by id. The copy is dropped as
 * soon as the database changes: PRAGMA data_version (other
 * connections) and sqlite3_total_changes() (this one) tell. */

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* Bytes of a message the text filter searches. */
#define CACHE_MESSAGE_MAX 4096

typedef struct
{
  gint64 id;
  gint64 duration;        /* G_MININT64 for NULL: first, as in SQL */
  guint32 test;           /* index into ReadCache.tests */
  guint32 attempt;
  gint32 worker;          /* G_MININT32 for NULL */
  guint32 message;        /* offset + 1 into ReadCache.messages; 0: none */
  guint8 outcome;
  guint8 final;           /* no later attempt of its test in the run */
} CachedResult;

typedef struct
{
  gint64 id;
  guint32 program;        /* offsets into ReadCache.strings: lower case */
  guint32 path;
  guint32 path_rank;      /* by (path, program), exact case */
  guint32 program_rank;   /* by (program, path) */
  guint32 program_desc_rank; /* by (program descending, path) */
} CachedTest;

struct _TallyReadCache
{
  gint64 run_id;
  gint64 data_version;
  gint64 total_changes;
  GArray *results;        /* CachedResult, in the order of an index */
  GArray *tests;          /* CachedTest */
  GString *strings;       /* lower-case program and path texts, NUL-separated */
  GString *messages;      /* lower-case messages, NUL-separated */
  guint8 outcome_rank[TALLY_N_OUTCOMES];
  /* The last answer, and the last one without text: typing narrows it. */
  char *last_key;
  char *last_text;
  GArray *last;           /* guint32 indices into results */
  char *base_key;
  int base_sort;          /* CacheKey */
  gboolean base_descending;
  GArray *base;
};

static void
read_cache_clear_answers (TallyReadCache *cache)
{
  g_clear_pointer (&cache->last_key, g_free);
  g_clear_pointer (&cache->last_text, g_free);
  g_clear_pointer (&cache->last, g_array_unref);
  g_clear_pointer (&cache->base_key, g_free);
  g_clear_pointer (&cache->base, g_array_unref);
}

void
store_read_cache_free (TallyReadCache *cache)
{
  if (cache == NULL)
    return;
  read_cache_clear_answers (cache);
  g_clear_pointer (&cache->results, g_array_unref);
  g_clear_pointer (&cache->tests, g_array_unref);
  if (cache->strings != NULL)
    g_string_free (cache->strings, TRUE);
  if (cache->messages != NULL)
    g_string_free (cache->messages, TRUE);
  g_free (cache);
}

/* Appends @len bytes of @text in ASCII lower case (NUL bytes as \1, so
 * a haystack does not end early); returns its offset + 1. */
static guint32
cache_add_lower (GString    *arena,
                 const char *text,
                 gsize       len)
{
  gsize start = arena->len;

  g_string_set_size (arena, start + len + 1);
  /* Inline: g_ascii_tolower() is a call per byte (5% of a load). */
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      arena->str[start + i] = c == '\0' ? '\1' : c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    }
  arena->str[start + len] = '\0';
  return (guint32) start + 1;
}

/* Exact-case program and path of each test, for ranking. */
typedef struct
{
  const char *arena;
  const guint32 *paths;   /* per test: offset into @arena */
  const guint32 *programs;
} RankData;

static int
compare_by_path (const void *a,
                 const void *b,
                 void       *user_data)
{
  const RankData *d = user_data;
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  int c = strcmp (d->arena + d->paths[x], d->arena + d->paths[y]);

  return c != 0 ? c : strcmp (d->arena + d->programs[x], d->arena + d->programs[y]);
}

static int
compare_arena_strings (const void *a,
                       const void *b,
                       void       *user_data)
{
  const char *arena = user_data;

  return strcmp (arena + *(const guint32 *) a, arena + *(const guint32 *) b);
}

/* path_rank: order by (path, program) with strcmp, as SQLite's BINARY
 * collation; program_rank: by (program, path), from the few distinct
 * program names and the path order. */
static void
cache_rank_tests (GArray      *tests,
                  const char  *arena,
                  GArray      *paths,
                  GArray      *programs)
{
  guint n = tests->len;
  g_autofree guint32 *order = g_new (guint32, MAX (n, 1));
  g_autofree guint32 *program_order = g_new (guint32, MAX (n, 1));
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) distinct = g_array_new (FALSE, FALSE, sizeof (guint32));
  RankData data = { arena, (guint32 *) paths->data, (guint32 *) programs->data };

  for (guint i = 0; i < n; i++)
    order[i] = i;
  qsort_r (order, n, sizeof (guint32), compare_by_path, &data);
  for (guint i = 0; i < n; i++)
    g_array_index (tests, CachedTest, order[i]).path_rank = i;

  for (guint i = 0; i < n; i++)
    if (!g_hash_table_contains (names, arena + data.programs[i]))
      {
        g_hash_table_insert (names, (gpointer) (arena + data.programs[i]), NULL);
        g_array_append_val (distinct, data.programs[i]);
      }
  if (distinct->len > 1)
    qsort_r (distinct->data, distinct->len, sizeof (guint32), compare_arena_strings, (gpointer) arena);
  for (guint i = 0; i < distinct->len; i++)
    g_hash_table_insert (names, (gpointer) (arena + g_array_index (distinct, guint32, i)),
                         GUINT_TO_POINTER (i));
  for (guint i = 0; i < n; i++)
    program_order[i] = GPOINTER_TO_UINT (g_hash_table_lookup (names, arena + data.programs[i]));

  /* By program, then path: the tests in path order, bucketed by the
   * rank of their program (a counting sort: no comparisons); and by
   * program descending, then path ascending, as the SQL orders. */
  for (guint pass = 0; pass < 2; pass++)
    {
      guint n_programs = distinct->len;
      g_autofree guint32 *start = g_new0 (guint32, n_programs + 1);

      for (guint i = 0; i < n; i++)
        start[(pass == 0 ? program_order[i] : n_programs - 1 - program_order[i]) + 1]++;
      for (guint p = 0; p < n_programs; p++)
        start[p + 1] += start[p];
      for (guint i = 0; i < n; i++)
        {
          guint32 test = order[i];   /* still in path order */
          guint32 bucket = pass == 0 ? program_order[test] : n_programs - 1 - program_order[test];
          CachedTest *t = &g_array_index (tests, CachedTest, test);

          if (pass == 0)
            t->program_rank = start[bucket]++;
          else
            t->program_desc_rank = start[bucket]++;
        }
    }
}

static int
compare_outcome_names (gconstpointer a,
                       gconstpointer b)
{
  return strcmp (tally_outcome_to_string (*(const int *) a),
                 tally_outcome_to_string (*(const int *) b));
}

/* In (test, attempt) order, which the (run_id, test_id, attempt) index
 * gives without sorting: a test's results come together. */
static const char read_cache_sql[] =
  "SELECT r.id, r.test_id, r.attempt, r.outcome, r.duration_us, r.worker,"
  "       substr (r.message, 1, " G_STRINGIFY (CACHE_MESSAGE_MAX) "), t.program, t.path"
  " FROM results r JOIN tests t ON t.id = r.test_id WHERE r.run_id = :run"
  " ORDER BY r.test_id, r.attempt";

static void
cache_add_test (TallyReadCache *cache,
                sqlite3_stmt   *s,
                gint64          test_id,
                GString        *exact,
                GArray         *paths,
                GArray         *programs)
{
  CachedTest t = { 0 };
  const char *program = (const char *) sqlite3_column_text (s, 7);
  const char *path = (const char *) sqlite3_column_text (s, 8);
  guint32 offset;

  t.id = test_id;
  t.program = cache_add_lower (cache->strings, program ? program : "", sqlite3_column_bytes (s, 7)) - 1;
  t.path = cache_add_lower (cache->strings, path ? path : "", sqlite3_column_bytes (s, 8)) - 1;
  offset = exact->len;
  g_string_append_len (exact, program ? program : "", sqlite3_column_bytes (s, 7));
  g_string_append_c (exact, '\0');
  g_array_append_val (programs, offset);
  offset = exact->len;
  g_string_append_len (exact, path ? path : "", sqlite3_column_bytes (s, 8));
  g_string_append_c (exact, '\0');
  g_array_append_val (paths, offset);
  g_array_append_val (cache->tests, t);
}

/* Puts one test's results in (attempt, id) order — the index orders
 * equal attempts (--repeat) by outcome — and marks its final ones. */
static void
cache_mark_final (TallyReadCache *cache,
                  guint           first,
                  guint           end,
                  guint32         max_attempt)
{
  CachedResult *group;

  if (end <= first)
    return;
  group = &g_array_index (cache->results, CachedResult, first);
  for (guint i = 1; i < end - first; i++)
    for (guint j = i; j > 0 && (group[j - 1].attempt > group[j].attempt
                                || (group[j - 1].attempt == group[j].attempt
                                    && group[j - 1].id > group[j].id)); j--)
      {
        CachedResult tmp = group[j];

        group[j] = group[j - 1];
        group[j - 1] = tmp;
      }

  for (guint i = first; i < end; i++)
    {
      CachedResult *r = &g_array_index (cache->results, CachedResult, i);

      r->final = r->attempt == max_attempt;
    }
}

static TallyReadCache *
read_cache_load (TallyStore  *store,
                 gint64       run_id,
                 GError     **error)
{
  TallyReadCache *cache = g_new0 (TallyReadCache, 1);
  g_autoptr(GString) exact = g_string_new (NULL);
  g_autoptr(GArray) paths = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) programs = g_array_new (FALSE, FALSE, sizeof (guint32));
  gint64 last_test = 0, n = 0;
  guint group = 0;
  guint32 max_attempt = 0;
  int order[TALLY_N_OUTCOMES];
  Stmt *st;
  int rc;

  /* Sized up front: growing 100,000-row arrays copied them over and
   * over (a third of the load). */
  st = store_stmt (store, "SELECT count(*) FROM results WHERE run_id = :run", error);
  if (st == NULL)
    {
      g_free (cache);
      return NULL;
    }
  store_bind_int64 (st, ":run", run_id);
  if (!store_stmt_query_int64 (store, st, &n, NULL, error))
    {
      g_free (cache);
      return NULL;
    }

  cache->run_id = run_id;
  cache->results = g_array_sized_new (FALSE, FALSE, sizeof (CachedResult), n);
  cache->tests = g_array_sized_new (FALSE, FALSE, sizeof (CachedTest), n);
  cache->strings = g_string_sized_new (n * 48);
  cache->messages = g_string_new (NULL);
  g_string_set_size (exact, n * 48);
  g_string_truncate (exact, 0);
  g_array_set_size (paths, n);
  g_array_set_size (programs, n);
  g_array_set_size (paths, 0);
  g_array_set_size (programs, 0);
  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    order[o] = o;
  qsort (order, TALLY_N_OUTCOMES, sizeof (int), compare_outcome_names);
  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    cache->outcome_rank[order[o]] = o;

  st = store_stmt (store, read_cache_sql, error);
  if (st == NULL)
    {
      store_read_cache_free (cache);
      return NULL;
    }
  store_bind_int64 (st, ":run", run_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      sqlite3_stmt *s = st->stmt;
      CachedResult r = { 0 };
      gint64 test_id = sqlite3_column_int64 (s, 1);

      if (cache->tests->len == 0 || test_id != last_test)
        {
          cache_mark_final (cache, group, cache->results->len, max_attempt);
          group = cache->results->len;
          max_attempt = 0;
          last_test = test_id;
          cache_add_test (cache, s, test_id, exact, paths, programs);
        }

      r.test = cache->tests->len - 1;
      r.id = sqlite3_column_int64 (s, 0);
      r.attempt = (guint32) sqlite3_column_int (s, 2);
      r.outcome = store_column_outcome (s, 3);
      r.duration = sqlite3_column_type (s, 4) == SQLITE_NULL ? G_MININT64
                                                              : sqlite3_column_int64 (s, 4);
      r.worker = sqlite3_column_type (s, 5) == SQLITE_NULL ? G_MININT32
                                                            : sqlite3_column_int (s, 5);
      if (sqlite3_column_type (s, 6) != SQLITE_NULL)
        r.message = cache_add_lower (cache->messages, sqlite3_column_blob (s, 6),
                                     sqlite3_column_bytes (s, 6));
      max_attempt = MAX (max_attempt, r.attempt);
      g_array_append_val (cache->results, r);
    }
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    {
      store_read_cache_free (cache);
      return NULL;
    }

  cache_mark_final (cache, group, cache->results->len, max_attempt);
  cache_rank_tests (cache->tests, exact->str, paths, programs);
  return cache;
}

/* The cache of @run_id, read again if the database changed. */
TallyReadCache *
store_read_cache_get (TallyStore  *store,
                      gint64       run_id,
                      GError     **error)
{
  gint64 version = 0, changes = sqlite3_total_changes (store->db);

  if (!store_pragma_int (store, "PRAGMA data_version", &version, error))
    return NULL;
  if (store->read_cache != NULL
      && (store->read_cache->run_id != run_id || store->read_cache->data_version != version
          || store->read_cache->total_changes != changes))
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

typedef struct
{
  TallyReadCache *cache;
  CacheKey key;
  gboolean descending;
} SortData;

static int
compare_cached (const void *a,
                const void *b,
                void       *user_data)
{
  const SortData *d = user_data;
  const CachedResult *x = &g_array_index (d->cache->results, CachedResult, *(const guint32 *) a);
  const CachedResult *y = &g_array_index (d->cache->results, CachedResult, *(const guint32 *) b);
  const CachedTest *tx = &g_array_index (d->cache->tests, CachedTest, x->test);
  const CachedTest *ty = &g_array_index (d->cache->tests, CachedTest, y->test);
  int c = 0;

  switch (d->key)
    {
    case KEY_PATH:
      c = CMP (tx->path_rank, ty->path_rank);
      break;
    case KEY_PROGRAM:
      c = CMP (tx->program_rank, ty->program_rank);
      break;
    case KEY_OUTCOME:
      c = CMP (d->cache->outcome_rank[x->outcome], d->cache->outcome_rank[y->outcome]);
      break;
    case KEY_DURATION:
      c = CMP (x->duration, y->duration);
      break;
    case KEY_ATTEMPT:
      c = CMP (x->attempt, y->attempt);
      break;
    case KEY_WORKER:
      c = CMP (x->worker, y->worker);
      break;
    case KEY_NONE:
    default:
      break;
    }
  if (d->descending)
    c = -c;
  /* Ties: path, program (ascending, but with the key for a path sort),
   * attempt, id — as the SQL orders. */
  if (c == 0 && d->key != KEY_PATH)
    c = CMP (tx->path_rank, ty->path_rank);
  if (c == 0)
    c = CMP (x->attempt, y->attempt);
  if (c == 0)
    c = CMP (x->id, y->id);
  return c;
}

static gboolean
cached_matches_text (TallyReadCache     *cache,
                     const CachedResult *r,
                     const char         *needle)
{
  const CachedTest *t = &g_array_index (cache->tests, CachedTest, r->test);

  return strstr (cache->strings->str + t->path, needle) != NULL
         || strstr (cache->strings->str + t->program, needle) != NULL
         || (r->message != 0 && strstr (cache->messages->str + r->message - 1, needle) != NULL);
}

/* Sorts @indices by a test's rank (path or program) with a counting
 * sort: ranks are 0 .. n_tests - 1. It is stable, and the results of
 * one test come in (attempt, id) order from the load: the ties of
 * compare_cached(). */
static void
cache_sort_by_rank (TallyReadCache *cache,
                    GArray         *indices,
                    CacheKey        key,
                    gboolean        descending)
{
  guint n_tests = cache->tests->len;
  g_autofree guint32 *start = g_new0 (guint32, n_tests + 1);
  g_autofree guint32 *sorted = NULL;

  if (indices->len < 2)
    return;
  sorted = g_new (guint32, indices->len);

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < indices->len; i++)
      {
        guint32 index = g_array_index (indices, guint32, i);
        const CachedTest *t = &g_array_index (cache->tests, CachedTest,
                                              g_array_index (cache->results, CachedResult, index).test);
        guint32 rank;

        /* Path descending is (path, program) reversed; program
         * descending keeps its paths ascending. */
        if (key == KEY_PATH)
          rank = descending ? n_tests - 1 - t->path_rank : t->path_rank;
        else
          rank = descending ? t->program_desc_rank : t->program_rank;
        if (pass == 0)
          start[rank + 1]++;
        else
          sorted[start[rank]++] = index;
        if (pass == 0 && i == indices->len - 1)
          for (guint r = 0; r < n_tests; r++)
            start[r + 1] += start[r];
      }
  memcpy (indices->data, sorted, indices->len * sizeof (guint32));
}

/* Everything of @query but its text and order, as a string. */
static char *
cache_filter_key (const TallyResultQuery *query)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%u %d|", query->outcomes, query->all_attempts);
  if (query->test_ids != NULL)
    for (guint i = 0; i < query->test_ids->len; i++)
      g_string_append_printf (text, "%" G_GINT64_FORMAT ",", g_array_index (query->test_ids, gint64, i));
  else
    g_string_append (text, "all");
  return g_string_free (text, FALSE);
}

/* The indices of the results @query selects, sorted by @key (KEY_NONE:
 * in id order); owned by the cache. Narrowing the text of the last
 * query (typing one more character) scans only its previous answer. */
GArray *
store_cache_select (TallyReadCache          *cache,
                    const TallyResultQuery  *query,
                    CacheKey                 key,
                    gboolean                 descending)
{
  g_autofree char *filter = cache_filter_key (query);
  g_autofree char *needle = query->text && *query->text ? g_ascii_strdown (query->text, -1) : NULL;
  GArray *from, *answer;

  if (cache->base == NULL || g_strcmp0 (cache->base_key, filter) != 0
      || cache->base_sort != (int) key || cache->base_descending != descending)
    {
      g_autoptr(GHashTable) keep = NULL;
      SortData data = { cache, key, descending };

      read_cache_clear_answers (cache);
      if (query->test_ids != NULL)
        {
          keep = g_hash_table_new (g_int64_hash, g_int64_equal);
          for (guint i = 0; i < query->test_ids->len; i++)
            g_hash_table_add (keep, &g_array_index (query->test_ids, gint64, i));
        }
      cache->base = g_array_sized_new (FALSE, FALSE, sizeof (guint32), cache->results->len);
      for (guint i = 0; i < cache->results->len; i++)
        {
          const CachedResult *r = &g_array_index (cache->results, CachedResult, i);

          if ((query->outcomes != 0 && !(query->outcomes & (1u << r->outcome)))
              || (!query->all_attempts && !r->final)
              || (keep != NULL
                  && !g_hash_table_contains (keep, &g_array_index (cache->tests, CachedTest, r->test).id)))
            continue;
          g_array_append_val (cache->base, i);
        }
      if (key == KEY_PATH || key == KEY_PROGRAM)
        cache_sort_by_rank (cache, cache->base, key, descending);
      else if (key != KEY_NONE && cache->base->len > 1)
        qsort_r (cache->base->data, cache->base->len, sizeof (guint32), compare_cached, &data);
      cache->base_key = g_steal_pointer (&filter);
      cache->base_sort = key;
      cache->base_descending = descending;
    }

  if (needle == NULL)
    return cache->base;
  if (cache->last != NULL && g_strcmp0 (cache->last_text, needle) == 0)
    return cache->last;

  /* Every match of "abc" contains "ab": narrow the last answer. */
  from = cache->last != NULL && strstr (needle, cache->last_text) != NULL ? cache->last : cache->base;
  answer = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < from->len; i++)
    {
      guint32 index = g_array_index (from, guint32, i);

      if (cached_matches_text (cache, &g_array_index (cache->results, CachedResult, index), needle))
        g_array_append_val (answer, index);
    }
  g_clear_pointer (&cache->last, g_array_unref);
  g_free (cache->last_text);
  cache->last = answer;
  cache->last_text = g_steal_pointer (&needle);
  return answer;
}

GArray *
store_cache_ids (TallyReadCache *cache,
                 GArray         *indices,
                 guint           offset,
                 guint           limit)
{
  guint end = offset >= indices->len ? offset : MIN ((guint64) indices->len, (guint64) offset + limit);
  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), end > offset ? end - offset : 0);

  for (guint i = offset; i < end; i++)
    {
      gint64 id = g_array_index (cache->results, CachedResult, g_array_index (indices, guint32, i)).id;

      g_array_append_val (ids, id);
    }
  return ids;
}

/* How many results @query selects: in the order of the last answer
 * when it has the same filter (counting once what a viewer pages), else
 * unsorted. */
static guint
cache_count (TallyReadCache          *cache,
             const TallyResultQuery  *query)
{
  g_autofree char *filter = cache_filter_key (query);

  if (cache->base != NULL && g_strcmp0 (cache->base_key, filter) == 0)
    return store_cache_select (cache, query, cache->base_sort, cache->base_descending)->len;
  return store_cache_select (cache, query, KEY_NONE, FALSE)->len;
}

static CacheKey
cache_key_for_sort (TallyResultSort sort)
{
  switch (sort)
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

/* What the three entry points below share: a NULL @query means every
 * final attempt by path, and the run's cache (read again if the database
 * changed). NULL with @error set when the run cannot be read. */
static TallyReadCache *
cache_for_query (TallyStore               *store,
                 gint64                    run_id,
                 const TallyResultQuery  **query,
                 GError                  **error)
{
  static const TallyResultQuery all = TALLY_RESULT_QUERY_INIT;

  if (*query == NULL)
    *query = &all;
  return store_read_cache_get (store, run_id, error);
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
  TallyReadCache *cache;

  g_return_val_if_fail (store != NULL, NULL);

  cache = cache_for_query (store, run_id, &query, error);
  if (cache == NULL)
    return NULL;

  ids = store_cache_ids (cache, store_cache_select (cache, query, cache_key_for_sort (query->sort), query->descending),
                         offset, limit);
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

  g_return_val_if_fail (store != NULL, -1);

  cache = cache_for_query (store, run_id, &query, error);
  if (cache == NULL)
    return -1;

  /* Counted from the last sorted answer when it has the same filter:
   * a viewer counts the pages it shows. */
  return (gint64) cache_count (cache, query);
}

/**
 * tally_store_query_result_ids:
 * @store: a #TallyStore
 * @run_id: the run
 * @query: (nullable): the filter and order, as for
 *   tally_store_query_results()
 * @error: return location for a #GError
 *
 * Every result @query selects, in order, as ids: one pass over the run.
 * A viewer keeps this list (8 bytes a row) as its model and reads rows
 * with tally_store_get_result_rows() as they scroll into view, which
 * costs the same at any depth, unlike a deep OFFSET.
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
  TallyReadCache *cache;

  g_return_val_if_fail (store != NULL, NULL);

  cache = cache_for_query (store, run_id, &query, error);
  if (cache == NULL)
    return NULL;

  return store_cache_ids (cache, store_cache_select (cache, query, cache_key_for_sort (query->sort), query->descending),
                          0, G_MAXUINT);
}
