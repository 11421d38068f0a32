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
#include <sys/mman.h>
#include <unistd.h>

#include "tally-expr-private.h"
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

/* Bytes of a message the text filter searches. */
#define CACHE_MESSAGE_MAX 4096

/* SQLite's page cache while the run is read (PRAGMA cache_size). */
#define CACHE_LOAD_PAGES 32

/* The most results the load allocates for before reading them. */
#define CACHE_PRESIZE_MAX (1 << 20)

/* Maps the pages of an array ahead of its writes, a chunk at a time in
 * one call each: a cold process otherwise takes a page fault per 4 KiB
 * of the load's arrays (~4,000 for 100,000 results), which on a virtual
 * machine cost as much as the load's own work. A chunk at a time, so a
 * range of ids wider than the run (sized for, never filled) costs
 * nothing. Linux 5.14 (MADV_POPULATE_WRITE); elsewhere, or if it fails,
 * the pages fault in as they are written. */
#define PREFAULT_CHUNK (256 * 1024)

typedef struct
{
  gsize done;             /* bytes from the start already mapped */
} Prefault;

static inline void
prefault_ahead (Prefault *pf,
                gpointer  data,
                gsize     used,
                gsize     capacity)
{
  gsize end;

  if (used + PREFAULT_CHUNK / 2 < pf->done || pf->done >= capacity)
    return;
  end = MIN (capacity, used + PREFAULT_CHUNK);
#ifdef MADV_POPULATE_WRITE
  {
    gsize page = (gsize) sysconf (_SC_PAGESIZE);
    guintptr from = ((guintptr) data + MAX (pf->done, used) + page - 1) & ~(guintptr) (page - 1);
    guintptr to = ((guintptr) data + end) & ~(guintptr) (page - 1);

    if (to > from)
      madvise ((void *) from, to - from, MADV_POPULATE_WRITE);
  }
#endif
  pf->done = end;
}

/* All of @len bytes at @data, about to be written. */
static void
prefault_all (gpointer data,
              gsize    len)
{
  Prefault pf = { 0 };

  while (pf.done < len)
    prefault_ahead (&pf, data, pf.done, len);
}

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
  guint32 program;        /* offsets into ReadCache.strings (exact case)
                           * and ReadCache.lower (the same, lower case) */
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
  GArray *results;        /* CachedResult, in rowid order (cache_load_results()) */
  GArray *tests;          /* CachedTest */
  GString *strings;       /* program and path texts, NUL-separated */
  char *lower;            /* strings in ASCII lower case, on first use */
  /* Per test, its set of markers as an index into marker_keys; read on
   * the first store_cache_select_tests(). */
  guint32 *marker_set;
  GPtrArray *marker_keys; /* "name\x1fvalue\x1e…", \x1d for no value */
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
  g_free (cache->lower);
  g_free (cache->marker_set);
  g_clear_pointer (&cache->marker_keys, g_ptr_array_unref);
  if (cache->messages != NULL)
    g_string_free (cache->messages, TRUE);
  g_free (cache);
}

/* Appends @len bytes of @text in ASCII lower case (NUL bytes as \1, so
 * a haystack does not end early); returns its offset + 1. */
static void
cache_add_lower_into (char       *out,
                      const char *text,
                      gsize       len)
{
  /* Inline: g_ascii_tolower() is a call per byte (5% of a load). */
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      out[i] = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    }
  out[len] = '\0';
}

static guint32
cache_add_lower (GString    *arena,
                 const char *text,
                 gsize       len)
{
  gsize start = arena->len;

  g_string_set_size (arena, start + len + 1);
  cache_add_lower_into (arena->str + start, text, len);
  /* NUL bytes as \1, so a haystack does not end early. */
  for (gsize i = 0; i < len; i++)
    if (arena->str[start + i] == '\0')
      arena->str[start + i] = '\1';
  return (guint32) start + 1;
}

/* Exact-case program and path of each test, for ranking. */
typedef struct
{
  const char *arena;
  const guint32 *paths;   /* per test: offset into @arena */
  const guint32 *programs;
} RankData;

/* Ties of the path sort: by program. */
static int
compare_by_program (const void *a,
                    const void *b,
                    void       *user_data)
{
  const RankData *d = user_data;
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return strcmp (d->arena + d->programs[x], d->arena + d->programs[y]);
}

#define PATH_CHAR(d, test, depth) ((guchar) (d)->arena[(d)->paths[test] + (depth)])

/* Sorts @n tests by (path, program) with strcmp's order: a multikey
 * quicksort (Bentley and Sedgewick), which compares each byte of the
 * long common prefixes of test paths once per level instead of once per
 * comparison, as qsort with strcmp did (the largest part of ranking
 * 100,000 tests). */
static void
sort_by_path (guint32        *a,
              gsize           n,
              gsize           depth,
              const RankData *d)
{
  while (n > 1)
    {
      guchar x = PATH_CHAR (d, a[0], depth), y = PATH_CHAR (d, a[n / 2], depth);
      guchar z = PATH_CHAR (d, a[n - 1], depth);
      guchar v = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
      gsize lt = 0, i = 0, gt = n;

      /* Three ways on the byte at @depth: < v, = v, > v. */
      while (i < gt)
        {
          guchar c = PATH_CHAR (d, a[i], depth);
          guint32 tmp;

          if (c < v)
            {
              tmp = a[lt], a[lt] = a[i], a[i] = tmp;
              lt++, i++;
            }
          else if (c > v)
            {
              gt--;
              tmp = a[gt], a[gt] = a[i], a[i] = tmp;
            }
          else
            i++;
        }

      sort_by_path (a, lt, depth, d);
      sort_by_path (a + gt, n - gt, depth, d);
      /* The middle shares one more byte; at the NUL, the same path. */
      if (v == 0)
        {
          if (gt - lt > 1)
            qsort_r (a + lt, gt - lt, sizeof (guint32), compare_by_program, (gpointer) d);
          return;
        }
      a += lt;
      n = gt - lt;
      depth++;
    }
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
  g_autoptr(GHashTable) names = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) distinct = g_array_new (FALSE, FALSE, sizeof (guint32));
  RankData data = { arena, (guint32 *) paths->data, (guint32 *) programs->data };

  for (guint i = 0; i < n; i++)
    order[i] = i;
  sort_by_path (order, n, 0, &data);
  for (guint i = 0; i < n; i++)
    g_array_index (tests, CachedTest, order[i]).path_rank = i;

  /* Equal program names have equal offsets (cache_set_test_names()). */
  for (guint i = 0; i < n; i++)
    if (!g_hash_table_contains (names, GUINT_TO_POINTER (data.programs[i] + 1)))
      {
        g_hash_table_add (names, GUINT_TO_POINTER (data.programs[i] + 1));
        g_array_append_val (distinct, data.programs[i]);
      }
  if (distinct->len > 1)
    qsort_r (distinct->data, distinct->len, sizeof (guint32), compare_arena_strings, (gpointer) arena);
  for (guint i = 0; i < distinct->len; i++)
    g_hash_table_insert (names, GUINT_TO_POINTER (g_array_index (distinct, guint32, i) + 1),
                         GUINT_TO_POINTER (i));
  for (guint i = 0; i < n; i++)
    program_order[i] = GPOINTER_TO_UINT (g_hash_table_lookup (names,
                                                              GUINT_TO_POINTER (data.programs[i] + 1)));

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

/* The load reads what SQLite reads fastest (issue #4: a fresh
 * connection's first page in under 50 ms for 100,000 results): the
 * run's rows in rowid order (a run's results are one range of ids, or a
 * few after a merge) in one pass, then its tests in one pass (in name
 * order from an index, or by id) — rather than a walk of an index with
 * a lookup of the row and of its test per result. Rows are matched to
 * the cache by id through a dense map, or a hash table when the ids are
 * sparse. */
/* The run's id range without reading its rows (min (id) over the run
 * walks 100,000 index entries, 10–17 ms): the index on (run_id,
 * outcome) ends with the rowid, so each outcome's first and last id is a
 * seek, and the outcomes present are found by seeking past the last one
 * (a skip scan by hand: a run has a few). */
static const char cache_first_outcome_sql[] =
  "SELECT outcome FROM results WHERE run_id = :run AND outcome >= ''"
  " ORDER BY outcome LIMIT 1";

static const char cache_next_outcome_sql[] =
  "SELECT outcome FROM results WHERE run_id = :run AND outcome > :after"
  " ORDER BY outcome LIMIT 1";

static const char cache_outcome_range_sql[] =
  "SELECT (SELECT min (id) FROM results WHERE run_id = :run AND outcome = :outcome),"
  "       (SELECT max (id) FROM results WHERE run_id = :run AND outcome = :outcome)";

/* NULL duration and worker as the cache's G_MININT64 and G_MININT32:
 * one call per column instead of two. */
static const char cache_results_sql[] =
  "SELECT id, test_id, attempt, outcome, ifnull (duration_us, -9223372036854775808),"
  "       ifnull (worker, -2147483648),"
  "       substr (message, 1, " G_STRINGIFY (CACHE_MESSAGE_MAX) ")"
  " FROM results WHERE id BETWEEN :lo AND :hi AND +run_id = :run";

static const char cache_tests_sql[] =
  "SELECT id, program, path FROM tests WHERE id BETWEEN :lo AND :hi";

/* Maps ids to indices: a dense array over [lo, hi] when that range is at
 * most a few times the number of ids, else a hash table. */
typedef struct
{
  gint64 lo, hi;
  guint32 *dense;
  GHashTable *sparse;     /* gint64 * → index + 1 */
  gint64 *keys;           /* the sparse keys */
} IdMap;

static void
id_map_init (IdMap  *map,
             gint64  lo,
             gint64  hi,
             guint   n)
{
  memset (map, 0, sizeof *map);
  map->lo = lo;
  map->hi = hi;
  if (n == 0)
    return;
  if ((guint64) (hi - lo) < (guint64) n * 4 + 1024)
    {
      map->dense = g_new (guint32, hi - lo + 1);
      memset (map->dense, 0xff, (hi - lo + 1) * sizeof (guint32));
    }
  else
    {
      map->sparse = g_hash_table_new (g_int64_hash, g_int64_equal);
      map->keys = g_new (gint64, n);
    }
}

static void
id_map_add (IdMap   *map,
            gint64   id,
            guint32  index)
{
  if (map->dense != NULL)
    map->dense[id - map->lo] = index;
  else
    {
      map->keys[index] = id;
      g_hash_table_insert (map->sparse, &map->keys[index], GUINT_TO_POINTER (index + 1));
    }
}

/* The index of @id, or G_MAXUINT32. */
static guint32
id_map_get (IdMap  *map,
            gint64  id)
{
  if (id < map->lo || id > map->hi)
    return G_MAXUINT32;
  if (map->dense != NULL)
    return map->dense[id - map->lo];
  return GPOINTER_TO_UINT (g_hash_table_lookup (map->sparse, &id)) - 1;
}

static void
id_map_clear (IdMap *map)
{
  g_clear_pointer (&map->dense, g_free);
  g_clear_pointer (&map->sparse, g_hash_table_unref);
  g_clear_pointer (&map->keys, g_free);
}

/* An outcome column, parsed once per distinct text: a run has a few. */
static TallyOutcome
cache_outcome (sqlite3_stmt *s,
               int           col,
               char          last[32],
               TallyOutcome *last_outcome)
{
  const char *text = (const char *) sqlite3_column_text (s, col);

  if (text == NULL || strlen (text) >= 32)
    return store_column_outcome (s, col);
  if (strcmp (text, last) != 0)
    {
      strcpy (last, text);
      *last_outcome = store_column_outcome (s, col);
    }
  return *last_outcome;
}

/* Pass 1: the run's results in rowid order. @test_ids gets each one's
 * test. */
static gboolean
cache_read_results (TallyStore      *store,
                    TallyReadCache  *cache,
                    GArray          *rows,
                    GArray          *test_ids,
                    gint64           lo,
                    gint64           hi,
                    guint            n,
                    GError         **error)
{
  Stmt *st = store_stmt (store, cache_results_sql, error);
  Prefault pf_rows = { 0 }, pf_ids = { 0 };
  char last_text[32] = "";
  TallyOutcome last_outcome = TALLY_OUTCOME_ERROR;
  int rc;

  if (st == NULL)
    return FALSE;
  store_bind_int64 (st, ":lo", lo);
  store_bind_int64 (st, ":hi", hi);
  store_bind_int64 (st, ":run", cache->run_id);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      sqlite3_stmt *s = st->stmt;
      CachedResult r = { 0 };
      gint64 test_id = sqlite3_column_int64 (s, 1);

      r.id = sqlite3_column_int64 (s, 0);
      r.attempt = (guint32) sqlite3_column_int (s, 2);
      r.outcome = cache_outcome (s, 3, last_text, &last_outcome);
      r.duration = sqlite3_column_int64 (s, 4);
      r.worker = sqlite3_column_int (s, 5);
      if (sqlite3_column_type (s, 6) != SQLITE_NULL)
        r.message = cache_add_lower (cache->messages, sqlite3_column_blob (s, 6),
                                     sqlite3_column_bytes (s, 6));
      prefault_ahead (&pf_rows, rows->data, rows->len * sizeof (CachedResult),
                      n * sizeof (CachedResult));
      prefault_ahead (&pf_ids, test_ids->data, test_ids->len * sizeof (gint64), n * sizeof (gint64));
      g_array_append_val (rows, r);
      g_array_append_val (test_ids, test_id);
    }
  store_stmt_reset (st);
  return rc == SQLITE_DONE;
}

static int
compare_int64 (const void *a,
               const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The distinct ids of @test_ids as cache->tests, ascending, and @map
 * from id to index: a presence map over the id range when it is dense,
 * else a sort. */
static void
cache_collect_tests (TallyReadCache *cache,
                     GArray         *test_ids,
                     IdMap          *map)
{
  guint n = test_ids->len;
  const gint64 *ids = (const gint64 *) test_ids->data;
  gint64 lo = G_MAXINT64, hi = G_MININT64;
  /* cache->tests was sized as the results were (read_cache_fill()). */
  gsize capacity = MIN (n, CACHE_PRESIZE_MAX) * sizeof (CachedTest);
  Prefault pf = { 0 };

  for (guint i = 0; i < n; i++)
    {
      lo = MIN (lo, ids[i]);
      hi = MAX (hi, ids[i]);
    }
  id_map_init (map, lo, hi, n);
  if (map->dense != NULL)
    {
      for (guint i = 0; i < n; i++)
        map->dense[ids[i] - lo] = 0;
      for (gint64 id = lo; id <= hi; id++)
        if (map->dense[id - lo] != G_MAXUINT32)
          {
            CachedTest t = { .id = id };

            map->dense[id - lo] = cache->tests->len;
            prefault_ahead (&pf, cache->tests->data, cache->tests->len * sizeof (CachedTest),
                            capacity);
            g_array_append_val (cache->tests, t);
          }
    }
  else
    {
      g_autofree gint64 *sorted = g_memdup2 (ids, n * sizeof (gint64));

      qsort (sorted, n, sizeof (gint64), compare_int64);
      for (guint i = 0; i < n; i++)
        if (i == 0 || sorted[i] != sorted[i - 1])
          {
            CachedTest t = { .id = sorted[i] };

            id_map_add (map, sorted[i], cache->tests->len);
            prefault_ahead (&pf, cache->tests->data, cache->tests->len * sizeof (CachedTest),
                            capacity);
            g_array_append_val (cache->tests, t);
          }
    }
}

static int
compare_attempt_id (const void *a,
                    const void *b)
{
  const CachedResult *x = a, *y = b;

  if (x->attempt != y->attempt)
    return x->attempt < y->attempt ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Pass 1 and the keys: the results in rowid order, each pointing at its
 * test; the tests in id order. The results stay in rowid order (no
 * second copy grouped by test: on a cold process each MB of new memory
 * is 256 page faults): the stable sorts by rank then give a test's
 * results in (attempt, id) order, as the SQL, as long as a test's
 * attempts come in id order — always, unless rows were moved; then the
 * results are sorted by (attempt, id). */
static gboolean
cache_load_results (TallyStore      *store,
                    TallyReadCache  *cache,
                    gint64           lo,
                    gint64           hi,
                    guint            n,
                    GError         **error)
{
  g_autoptr(GArray) test_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  g_autofree guint32 *max_attempt = NULL;
  CachedResult *results;
  gboolean in_order = TRUE;
  IdMap map;

  if (n == 0)
    return TRUE;
  if (!cache_read_results (store, cache, cache->results, test_ids, lo, hi, n, error))
    return FALSE;
  if (cache->results->len == 0)
    return TRUE;

  cache_collect_tests (cache, test_ids, &map);
  max_attempt = g_new0 (guint32, cache->tests->len);
  results = (CachedResult *) cache->results->data;
  for (guint i = 0; i < cache->results->len; i++)
    {
      CachedResult *r = &results[i];

      r->test = id_map_get (&map, g_array_index (test_ids, gint64, i));
      in_order = in_order && r->attempt >= max_attempt[r->test];
      max_attempt[r->test] = MAX (max_attempt[r->test], r->attempt);
    }
  id_map_clear (&map);
  for (guint i = 0; i < cache->results->len; i++)
    results[i].final = results[i].attempt == max_attempt[results[i].test];
  if (!in_order)
    qsort (results, cache->results->len, sizeof (CachedResult), compare_attempt_id);
  return TRUE;
}

/* Program names repeat: each distinct one is stored once, so equal
 * names have equal offsets (see cache_rank_tests()). */
static void
cache_set_test_names (TallyReadCache *cache,
                      GHashTable     *programs,
                      CachedTest     *t,
                      sqlite3_stmt   *s,
                      int             col)
{
  const char *program = (const char *) sqlite3_column_text (s, col);
  const char *path = (const char *) sqlite3_column_text (s, col + 1);
  gpointer offset;

  if (program == NULL)
    program = "";
  if (g_hash_table_lookup_extended (programs, program, NULL, &offset))
    t->program = GPOINTER_TO_UINT (offset);
  else
    {
      t->program = cache->strings->len;
      g_string_append_len (cache->strings, program, sqlite3_column_bytes (s, col));
      g_string_append_c (cache->strings, '\0');
      g_hash_table_insert (programs, g_strdup (program), GUINT_TO_POINTER (t->program));
    }
  t->path = cache->strings->len;
  g_string_append_len (cache->strings, path ? path : "", sqlite3_column_bytes (s, col + 1));
  g_string_append_c (cache->strings, '\0');
}

/* Pass 3, when the run has most of the database's tests: every test in
 * (program, path) order from the UNIQUE index, which holds both names
 * (an index-only scan), so program_rank is the order of reading and
 * path_rank a merge of the few programs' path-sorted lists — rather than
 * reading the tests by id and sorting 100,000 paths (10 ms). With many
 * programs, the paths are sorted as for the other pass. */
#define CACHE_MERGE_MAX_PROGRAMS 16

static const char cache_tests_by_name_sql[] =
  "SELECT id, program, path FROM tests ORDER BY program, path";

static const char cache_tests_max_sql[] = "SELECT max (id) FROM tests";

/* Ranks by (path, program) of @n names listed in (program, path) order
 * as @n_groups lists from @group_start, each sorted by path: @paths[i]
 * is the i-th's path in @arena, @ranks[i] gets its rank. Equal paths
 * rank by program: the earlier list first. */
static void
merge_path_ranks (const char     *arena,
                  const guint32  *paths,
                  const guint32  *group_start,
                  guint           n_groups,
                  guint           n,
                  guint32        *ranks)
{
  guint32 at[CACHE_MERGE_MAX_PROGRAMS];

  memcpy (at, group_start, n_groups * sizeof (guint32));
  for (guint rank = 0; rank < n; rank++)
    {
      guint best = G_MAXUINT;
      const char *best_path = NULL;

      for (guint g = 0; g < n_groups; g++)
        {
          const char *path;

          if (at[g] == group_start[g + 1])
            continue;
          path = arena + paths[at[g]];
          if (best_path == NULL || strcmp (path, best_path) < 0)
            {
              best = g;
              best_path = path;
            }
        }
      ranks[at[best]++] = rank;
    }
}

static void
cache_merge_path_ranks (TallyReadCache *cache,
                        const guint32  *order,
                        const guint32  *group_start,
                        guint           n_groups)
{
  guint n = cache->tests->len;
  g_autofree guint32 *paths = g_new (guint32, MAX (n, 1));
  g_autofree guint32 *ranks = g_new (guint32, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    paths[i] = g_array_index (cache->tests, CachedTest, order[i]).path;
  merge_path_ranks (cache->strings->str, paths, group_start, n_groups, n, ranks);
  for (guint i = 0; i < n; i++)
    g_array_index (cache->tests, CachedTest, order[i]).path_rank = ranks[i];
}

/* Reads the run's tests in name order, names and ranks. *@done unset
 * (and nothing kept) when the database has more programs than a merge
 * takes, or a test of the run has no row. */
static gboolean
cache_load_tests_by_name (TallyStore      *store,
                          TallyReadCache  *cache,
                          IdMap           *map,
                          gboolean        *done,
                          GError         **error)
{
  guint n = cache->tests->len;
  g_autofree guint32 *order = g_new (guint32, n);
  guint32 group_start[CACHE_MERGE_MAX_PROGRAMS + 1];
  g_autofree char *program = NULL;
  guint32 program_offset = 0, kept = 0;
  guint n_groups = 0;
  gsize strings_len = cache->strings->len;
  Prefault pf_strings = { 0 };
  Stmt *st = store_stmt (store, cache_tests_by_name_sql, error);
  int rc;

  *done = FALSE;
  if (st == NULL)
    return FALSE;
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      sqlite3_stmt *s = st->stmt;
      guint32 index = id_map_get (map, sqlite3_column_int64 (s, 0));
      const char *name, *path;
      CachedTest *t;

      if (index == G_MAXUINT32)
        continue;
      name = (const char *) sqlite3_column_text (s, 1);
      if (program == NULL || strcmp (name, program) != 0)
        {
          if (n_groups == CACHE_MERGE_MAX_PROGRAMS)
            {
              store_stmt_reset (st);
              g_string_truncate (cache->strings, strings_len);
              return TRUE;
            }
          g_free (program);
          program = g_strdup (name);
          program_offset = cache->strings->len;
          g_string_append_len (cache->strings, name, sqlite3_column_bytes (s, 1));
          g_string_append_c (cache->strings, '\0');
          group_start[n_groups++] = kept;
        }
      path = (const char *) sqlite3_column_text (s, 2);
      t = &g_array_index (cache->tests, CachedTest, index);
      t->program = program_offset;
      t->path = cache->strings->len;
      prefault_ahead (&pf_strings, cache->strings->str, cache->strings->len,
                      cache->strings->allocated_len);
      g_string_append_len (cache->strings, path, sqlite3_column_bytes (s, 2));
      g_string_append_c (cache->strings, '\0');
      t->program_rank = kept;
      order[kept++] = index;
    }
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    return FALSE;
  group_start[n_groups] = kept;

  /* A test of the run whose row is gone: the other pass gives it "". */
  if (kept < n)
    {
      g_string_truncate (cache->strings, strings_len);
      return TRUE;
    }

  cache_merge_path_ranks (cache, order, group_start, n_groups);
  /* Program descending, path ascending: the lists in reverse. */
  for (guint g = 0, before = 0; g < n_groups; g++)
    {
      guint32 size = group_start[g + 1] - group_start[g];
      guint32 after = n - before - size;

      for (guint32 i = group_start[g]; i < group_start[g + 1]; i++)
        g_array_index (cache->tests, CachedTest, order[i]).program_desc_rank
          = after + (i - group_start[g]);
      before += size;
    }
  *done = TRUE;
  return TRUE;
}

/* Pass 3: the tests' program and path: one range of ids, or one by one
 * when the run's tests are a few among many. */
static gboolean
cache_load_tests (TallyStore      *store,
                  TallyReadCache  *cache,
                  gboolean        *ranked,
                  GError         **error)
{
  guint n = cache->tests->len;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 lo, hi, max_test = 0;
  int rc = SQLITE_DONE;
  IdMap map;
  Stmt *st;

  *ranked = FALSE;
  if (n == 0)
    return TRUE;
  /* In id order: pass 1 read them so. */
  lo = g_array_index (cache->tests, CachedTest, 0).id;
  hi = g_array_index (cache->tests, CachedTest, n - 1).id;

  /* Most of the database's tests (max (id) is about their number). */
  if (!store_pragma_int (store, cache_tests_max_sql, &max_test, error))
    return FALSE;
  if ((guint64) n * 2 >= (guint64) max_test)
    {
      gboolean ok;

      id_map_init (&map, lo, hi, n);
      for (guint i = 0; i < n; i++)
        id_map_add (&map, g_array_index (cache->tests, CachedTest, i).id, i);
      ok = cache_load_tests_by_name (store, cache, &map, ranked, error);
      id_map_clear (&map);
      if (!ok || *ranked)
        return ok;
    }

  if ((guint64) (hi - lo) >= (guint64) n * 4 + 1024)
    {
      st = store_stmt (store, "SELECT program, path FROM tests WHERE id = :id", error);
      if (st == NULL)
        return FALSE;
      for (guint i = 0; i < n && rc == SQLITE_DONE; i++)
        {
          CachedTest *t = &g_array_index (cache->tests, CachedTest, i);

          store_bind_int64 (st, ":id", t->id);
          rc = store_stmt_step (store, st, error);
          if (rc == SQLITE_ROW)
            {
              cache_set_test_names (cache, names, t, st->stmt, 0);
              rc = SQLITE_DONE;
            }
          store_stmt_reset (st);
        }
      return rc == SQLITE_DONE;
    }

  st = store_stmt (store, cache_tests_sql, error);
  if (st == NULL)
    return FALSE;
  id_map_init (&map, lo, hi, n);
  for (guint i = 0; i < n; i++)
    id_map_add (&map, g_array_index (cache->tests, CachedTest, i).id, i);
  store_bind_int64 (st, ":lo", lo);
  store_bind_int64 (st, ":hi", hi);
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      guint32 index = id_map_get (&map, sqlite3_column_int64 (st->stmt, 0));

      if (index != G_MAXUINT32)
        cache_set_test_names (cache, names, &g_array_index (cache->tests, CachedTest, index),
                              st->stmt, 1);
    }
  store_stmt_reset (st);
  id_map_clear (&map);
  return rc == SQLITE_DONE;
}

/* More distinct outcome values than this (a database written by
 * something else): the range is read by a scan of the run instead. */
#define CACHE_RANGE_MAX_OUTCOMES 64

static const char cache_range_scan_sql[] =
  "SELECT min (id), max (id) FROM results WHERE run_id = :run";

/* Folds the first and last id of the results @st selects into @lo, @hi. */
static gboolean
cache_range_add (TallyStore  *store,
                 Stmt        *st,
                 gint64      *lo,
                 gint64      *hi,
                 GError     **error)
{
  int rc = store_stmt_step (store, st, error);

  if (rc != SQLITE_ROW)
    return FALSE;
  if (sqlite3_column_type (st->stmt, 0) != SQLITE_NULL)
    {
      *lo = MIN (*lo, sqlite3_column_int64 (st->stmt, 0));
      *hi = MAX (*hi, sqlite3_column_int64 (st->stmt, 1));
    }
  store_stmt_reset (st);
  return TRUE;
}

/* The next outcome value of @run_id after @after (NULL: the first), as
 * stored — compared as the index orders it, whatever its type — or NULL
 * with *@ok TRUE when there is none. */
static sqlite3_value *
cache_next_outcome (TallyStore     *store,
                    gint64          run_id,
                    sqlite3_value  *after,
                    gboolean       *ok,
                    GError        **error)
{
  Stmt *st = store_stmt (store, after == NULL ? cache_first_outcome_sql
                                              : cache_next_outcome_sql, error);
  sqlite3_value *next = NULL;
  int rc;

  *ok = st != NULL;
  if (st == NULL)
    return NULL;
  store_bind_int64 (st, ":run", run_id);
  if (after != NULL)
    store_stmt_check_bind (st, sqlite3_bind_value (st->stmt, store_stmt_param (st, ":after"), after));
  rc = store_stmt_step (store, st, error);
  if (rc == SQLITE_ROW)
    {
      next = sqlite3_value_dup (sqlite3_column_value (st->stmt, 0));
      *ok = next != NULL;
      if (next == NULL)
        store_set_sqlite_error (store, SQLITE_NOMEM, error);
    }
  else
    *ok = rc == SQLITE_DONE;
  store_stmt_reset (st);
  return next;
}

/* The lowest and highest result id of @run_id (0 and -1 when it has
 * none), by outcome: see cache_next_outcome_sql. */
static gboolean
cache_run_range (TallyStore  *store,
                 gint64       run_id,
                 gint64      *lo,
                 gint64      *hi,
                 GError     **error)
{
  sqlite3_value *outcome = NULL;
  gboolean ok = TRUE;
  Stmt *st;

  *lo = G_MAXINT64;
  *hi = G_MININT64;
  for (guint i = 0; ok && i < CACHE_RANGE_MAX_OUTCOMES; i++)
    {
      sqlite3_value *next = cache_next_outcome (store, run_id, outcome, &ok, error);

      sqlite3_value_free (outcome);
      outcome = next;
      if (outcome == NULL)
        break;
      st = store_stmt (store, cache_outcome_range_sql, error);
      ok = st != NULL;
      if (ok)
        {
          store_bind_int64 (st, ":run", run_id);
          store_stmt_check_bind (st, sqlite3_bind_value (st->stmt, store_stmt_param (st, ":outcome"),
                                                         outcome));
          ok = cache_range_add (store, st, lo, hi, error);
        }
    }
  if (ok && outcome != NULL)
    {
      st = store_stmt (store, cache_range_scan_sql, error);
      ok = st != NULL;
      if (ok)
        {
          store_bind_int64 (st, ":run", run_id);
          ok = cache_range_add (store, st, lo, hi, error);
        }
    }
  sqlite3_value_free (outcome);
  if (ok && *lo > *hi)
    {
      *lo = 0;
      *hi = -1;
    }
  return ok;
}

/* ------------------------------------------------------------------ */
/* The tests on a second connection, in parallel with the results      */

/* A large run (at least this many results in its id range) reads its
 * tests on a second connection in a thread while this one reads the
 * results: ~15 ms of the ~45 ms load overlap the results' ~25 ms. */
#define CACHE_PARALLEL_MIN 5000

static guint parallel_min = CACHE_PARALLEL_MIN;
static void (*parallel_hook) (gpointer data);
static gpointer parallel_hook_data;

/**
 * tally_store_debug_set_parallel_load:
 * @min_results: the smallest run range read in parallel (0: the default)
 * @before_tests: (nullable): called between the start of the results'
 *   read and the start of the tests' read
 * @data: for @before_tests
 *
 * Tests only: lets a small run take the parallel load, and another
 * connection write between its two reads.
 */
void
tally_store_debug_set_parallel_load (guint    min_results,
                                     void   (*before_tests) (gpointer data),
                                     gpointer data)
{
  parallel_min = min_results == 0 ? CACHE_PARALLEL_MIN : min_results;
  parallel_hook = before_tests;
  parallel_hook_data = data;
}

typedef struct
{
  gint64 id;
  guint32 program;        /* offsets into TestsRead.strings */
  guint32 path;
} NamedTest;

/* Every test of the database in (program, path) order, as the thread
 * read them. */
typedef struct
{
  char *filename;
  GString *strings;       /* "" at offset 0, then the names */
  GArray *rows;           /* NamedTest */
  guint32 group_start[CACHE_MERGE_MAX_PROGRAMS + 1];
  guint n_groups;         /* more than the merge takes: no path_ranks */
  guint32 *path_ranks;    /* per row, by (path, program) */
  guint32 *paths;         /* per row, the merge's input */
  gsize capacity;         /* of both, in rows */
  char *error;            /* NULL when every row was read */
} TestsRead;

static void
tests_read_free (TestsRead *tr)
{
  g_free (tr->filename);
  if (tr->strings != NULL)
    g_string_free (tr->strings, TRUE);
  g_clear_pointer (&tr->rows, g_array_unref);
  g_free (tr->path_ranks);
  g_free (tr->paths);
  g_free (tr->error);
  g_free (tr);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestsRead, tests_read_free)

static void
tests_read_row (TestsRead    *tr,
                sqlite3_stmt *s,
                guint32      *program,
                Prefault     *pf,
                Prefault     *pf_rows)
{
  const char *name = (const char *) sqlite3_column_text (s, 1);
  const char *path = (const char *) sqlite3_column_text (s, 2);
  NamedTest row = { .id = sqlite3_column_int64 (s, 0) };

  if (name == NULL)
    name = "";
  if (tr->n_groups == 0 || strcmp (name, tr->strings->str + *program) != 0)
    {
      if (tr->n_groups < CACHE_MERGE_MAX_PROGRAMS)
        tr->group_start[tr->n_groups] = tr->rows->len;
      tr->n_groups++;
      *program = tr->strings->len;
      g_string_append_len (tr->strings, name, sqlite3_column_bytes (s, 1));
      g_string_append_c (tr->strings, '\0');
    }
  row.program = *program;
  row.path = tr->strings->len;
  prefault_ahead (pf, tr->strings->str, tr->strings->len, tr->strings->allocated_len);
  g_string_append_len (tr->strings, path ? path : "", sqlite3_column_bytes (s, 2));
  g_string_append_c (tr->strings, '\0');
  prefault_ahead (pf_rows, tr->rows->data, tr->rows->len * sizeof (NamedTest),
                  tr->capacity * sizeof (NamedTest));
  g_array_append_val (tr->rows, row);
}

/* The thread: its own read-only connection, as the store's readers
 * open theirs, in its own read transaction. It starts after the
 * results' transaction has read, so its snapshot is the same or later:
 * tests are only ever added (never deleted or renamed), so every test a
 * result refers to is there; the others are skipped by the caller. */
static gpointer
tests_read_thread (gpointer data)
{
  TestsRead *tr = data;
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  guint32 program = 0;
  Prefault pf = { 0 }, pf_rows = { 0 };
  guint n;
  int rc;

  rc = sqlite3_open_v2 (tr->filename, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);   /* as the store's (BUSY_TIMEOUT_MS) */
      rc = sqlite3_exec (db, "PRAGMA cache_size = " G_STRINGIFY (CACHE_LOAD_PAGES) "; BEGIN",
                         NULL, NULL, NULL);
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, cache_tests_by_name_sql, -1, &s, NULL);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (s)) == SQLITE_ROW)
      tests_read_row (tr, s, &program, &pf, &pf_rows);
  if (rc != SQLITE_DONE)
    tr->error = g_strdup (db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  sqlite3_finalize (s);
  if (db != NULL)
    sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  if (tr->error != NULL || tr->n_groups > CACHE_MERGE_MAX_PROGRAMS)
    {
      g_clear_pointer (&tr->path_ranks, g_free);
      return NULL;
    }

  /* The path order by a merge of the programs' lists, here too. */
  n = tr->rows->len;
  if (n > tr->capacity)
    {
      tr->paths = g_renew (guint32, tr->paths, n);
      tr->path_ranks = g_renew (guint32, tr->path_ranks, n);
    }
  tr->group_start[tr->n_groups] = n;
  for (guint i = 0; i < n; i++)
    tr->paths[i] = g_array_index (tr->rows, NamedTest, i).path;
  merge_path_ranks (tr->strings->str, tr->paths, tr->group_start, tr->n_groups, n, tr->path_ranks);
  return NULL;
}

/* The run's tests' names from @tr: its arena as is when the run has
 * every test read, else the run's names copied. */
static guint32 *
cache_take_names (TallyReadCache *cache,
                  TestsRead      *tr,
                  guint          *kept)
{
  guint n = cache->tests->len, n_rows = tr->rows->len;
  const NamedTest *rows = (const NamedTest *) tr->rows->data;
  guint32 *slot = g_new (guint32, MAX (n_rows, 1));
  IdMap map;

  id_map_init (&map, g_array_index (cache->tests, CachedTest, 0).id,
               g_array_index (cache->tests, CachedTest, n - 1).id, n);
  for (guint i = 0; i < n; i++)
    id_map_add (&map, g_array_index (cache->tests, CachedTest, i).id, i);
  *kept = 0;
  for (guint i = 0; i < n_rows; i++)
    {
      slot[i] = id_map_get (&map, rows[i].id);
      *kept += slot[i] != G_MAXUINT32;
    }
  id_map_clear (&map);

  if (*kept == n_rows)
    {
      g_string_free (cache->strings, TRUE);
      cache->strings = g_steal_pointer (&tr->strings);
      for (guint i = 0; i < n_rows; i++)
        {
          CachedTest *t = &g_array_index (cache->tests, CachedTest, slot[i]);

          t->program = rows[i].program;
          t->path = rows[i].path;
        }
      return slot;
    }

  /* Tests added since, or of other runs: copy the run's (each program
   * name once: rows come by program). */
  {
    guint32 from = G_MAXUINT32, to = 0;

    for (guint i = 0; i < n_rows; i++)
      {
        CachedTest *t;
        const char *path;

        if (slot[i] == G_MAXUINT32)
          continue;
        t = &g_array_index (cache->tests, CachedTest, slot[i]);
        if (rows[i].program != from)
          {
            from = rows[i].program;
            to = cache->strings->len;
            g_string_append (cache->strings, tr->strings->str + from);
            g_string_append_c (cache->strings, '\0');
          }
        t->program = to;
        t->path = cache->strings->len;
        path = tr->strings->str + rows[i].path;
        g_string_append (cache->strings, path);
        g_string_append_c (cache->strings, '\0');
      }
  }
  return slot;
}

/* The run's tests' names and, when the run has a row for each of its
 * tests and the merge took the programs, their ranks: the thread's
 * orders without the tests the run does not have. */
static void
cache_apply_tests_read (TallyReadCache *cache,
                        TestsRead      *tr,
                        gboolean       *ranked)
{
  guint n = cache->tests->len, n_rows = tr->rows->len, kept, rank = 0;
  g_autofree guint32 *slot = cache_take_names (cache, tr, &kept);
  guint32 *by_path;

  *ranked = FALSE;
  if (kept < n || tr->path_ranks == NULL)
    return;

  /* The merge's input, no longer needed. */
  by_path = tr->paths;
  for (guint i = 0; i < n_rows; i++)
    by_path[tr->path_ranks[i]] = i;
  for (guint k = 0; k < n_rows; k++)
    if (slot[by_path[k]] != G_MAXUINT32)
      g_array_index (cache->tests, CachedTest, slot[by_path[k]]).path_rank = rank++;

  /* By program: the order of reading; descending programs, ascending
   * paths: the lists in reverse. */
  rank = 0;
  for (guint g = 0, before = 0; g < tr->n_groups; g++)
    {
      guint size = 0, at = 0;

      for (guint i = tr->group_start[g]; i < tr->group_start[g + 1]; i++)
        size += slot[i] != G_MAXUINT32;
      for (guint i = tr->group_start[g]; i < tr->group_start[g + 1]; i++)
        if (slot[i] != G_MAXUINT32)
          {
            CachedTest *t = &g_array_index (cache->tests, CachedTest, slot[i]);

            t->program_rank = rank++;
            t->program_desc_rank = n - before - size + at++;
          }
      before += size;
    }
  *ranked = TRUE;
}

/* Starts the tests' read when the run is large and its tests are most
 * of the database's (the thread reads them all), on a file another
 * connection can open, and outside a write transaction of this
 * connection (whose uncommitted rows only it sees); else *@thread NULL. */
static gboolean
cache_start_tests_read (TallyStore  *store,
                        gint64       lo,
                        gint64       hi,
                        gboolean     in_txn,
                        GThread    **thread,
                        TestsRead  **out,
                        GError     **error)
{
  const char *filename = sqlite3_db_filename (store->db, "main");
  g_autoptr(TestsRead) tr = NULL;
  gint64 max_test = 0;

  *thread = NULL;
  *out = NULL;
  if (in_txn || hi - lo + 1 < (gint64) parallel_min || filename == NULL || *filename == '\0'
      || (parallel_min == CACHE_PARALLEL_MIN && g_get_num_processors () < 2))
    return TRUE;
  if (!store_pragma_int (store, cache_tests_max_sql, &max_test, error))
    return FALSE;
  if (max_test > 2 * (hi - lo + 1))
    return TRUE;

  if (parallel_hook != NULL)
    parallel_hook (parallel_hook_data);
  tr = g_new0 (TestsRead, 1);
  tr->filename = g_strdup (filename);
  /* Capped as read_cache_fill() caps its arrays: ids can be sparse. */
  tr->strings = g_string_sized_new (MIN (max_test, CACHE_PRESIZE_MAX) * 40);
  g_string_append_c (tr->strings, '\0');
  tr->rows = g_array_sized_new (FALSE, FALSE, sizeof (NamedTest), MIN (max_test, CACHE_PRESIZE_MAX));
  /* Allocated here, not in the thread: a new thread's malloc arena gives
   * fresh pages each load (ten times the page faults). */
  tr->capacity = MAX (MIN (max_test, CACHE_PRESIZE_MAX), 1);
  tr->paths = g_new (guint32, tr->capacity);
  tr->path_ranks = g_new (guint32, tr->capacity);
  /* No thread: the tests are read here after the results. */
  *thread = g_thread_try_new ("tally-tests", tests_read_thread, tr, NULL);
  if (*thread != NULL)
    *out = g_steal_pointer (&tr);
  return TRUE;
}

/* The passes of the load, in one read transaction. */
static gboolean
read_cache_fill (TallyStore      *store,
                 TallyReadCache  *cache,
                 gboolean         in_txn,
                 gboolean        *ranked,
                 GError         **error)
{
  g_autoptr(TestsRead) tr = NULL;
  GThread *thread;
  gint64 n, lo = 0, hi = 0;
  gboolean ok;

  /* This read starts the transaction's snapshot: the tests' read on the
   * other connection starts after it. */
  if (!cache_run_range (store, cache->run_id, &lo, &hi, error))
    return FALSE;
  if (!cache_start_tests_read (store, lo, hi, in_txn, &thread, &tr, error))
    return FALSE;
  /* Sized for the range: growing 100,000-row arrays copied them over
   * and over (a third of the load). A run is one range of ids, or a few
   * after a merge, so the size is an upper bound: capped, in case the
   * range is wide and sparse. */
  n = MIN (hi - lo + 1, CACHE_PRESIZE_MAX);
  cache->results = g_array_sized_new (FALSE, FALSE, sizeof (CachedResult), n);
  cache->tests = g_array_sized_new (FALSE, FALSE, sizeof (CachedTest), n);
  /* With the thread, its names are usually taken as they are. */
  cache->strings = g_string_sized_new (tr != NULL ? 64 : n * 40);
  /* Offset 0 is "": the names of a test whose row is gone. */
  g_string_append_c (cache->strings, '\0');
  ok = cache_load_results (store, cache, lo, hi, n, error);
  if (thread != NULL)
    g_thread_join (thread);
  if (!ok)
    return FALSE;
  if (tr != NULL && tr->error == NULL && cache->tests->len > 0)
    {
      cache_apply_tests_read (cache, tr, ranked);
      return TRUE;
    }
  if (tr != NULL && tr->error != NULL)
    g_debug ("reading the tests on a second connection: %s", tr->error);
  return cache_load_tests (store, cache, ranked, error);
}

static TallyReadCache *
read_cache_load (TallyStore  *store,
                 gint64       run_id,
                 GError     **error)
{
  TallyReadCache *cache = g_new0 (TallyReadCache, 1);
  g_autoptr(GArray) paths = NULL;
  g_autoptr(GArray) programs = NULL;
  int order[TALLY_N_OUTCOMES];
  gboolean ok, in_txn, ranked = FALSE;
  gint64 cache_size = 0;

  cache->run_id = run_id;
  cache->messages = g_string_new (NULL);
  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    order[o] = o;
  qsort (order, TALLY_N_OUTCOMES, sizeof (int), compare_outcome_names);
  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    cache->outcome_rank[order[o]] = o;

  /* One read transaction: the passes see the same database. */
  in_txn = !sqlite3_get_autocommit (store->db);
  /* The passes read each page once: a few page buffers, reused, instead
   * of filling SQLite's page cache (2,000 new buffers, each a page fault
   * or more on a cold process). Not inside a writer's transaction, whose
   * changed pages would spill to the WAL. */
  ok = in_txn
       || (store_pragma_int (store, "PRAGMA cache_size", &cache_size, error)
           && store_exec (store, "PRAGMA cache_size = " G_STRINGIFY (CACHE_LOAD_PAGES), error)
           && store_exec (store, "BEGIN", error));
  if (ok)
    {
      ok = read_cache_fill (store, cache, in_txn, &ranked, error);
      if (!in_txn)
        store_exec (store, ok ? "COMMIT" : "ROLLBACK", NULL);
    }
  if (cache_size != 0)
    {
      g_autofree char *restore = g_strdup_printf ("PRAGMA cache_size = %" G_GINT64_FORMAT, cache_size);

      store_exec (store, restore, NULL);
    }
  if (!ok)
    {
      store_read_cache_free (cache);
      return NULL;
    }

  if (ranked)
    return cache;
  paths = g_array_sized_new (FALSE, FALSE, sizeof (guint32), cache->tests->len);
  programs = g_array_sized_new (FALSE, FALSE, sizeof (guint32), cache->tests->len);
  for (guint i = 0; i < cache->tests->len; i++)
    {
      const CachedTest *t = &g_array_index (cache->tests, CachedTest, i);

      g_array_append_val (paths, t->path);
      g_array_append_val (programs, t->program);
    }
  cache_rank_tests (cache->tests, cache->strings->str, paths, programs);
  return cache;
}

/* The lower-case copy of the test names, for the text filter. */
static const char *
cache_lower (TallyReadCache *cache)
{
  if (cache->lower == NULL)
    {
      cache->lower = g_malloc (cache->strings->len + 1);
      cache_add_lower_into (cache->lower, cache->strings->str, cache->strings->len);
    }
  return cache->lower;
}

/* ------------------------------------------------------------------ */
/* Marker selection                                                    */

/* A marker expression is evaluated once per distinct set of markers (a
 * run of 100,000 tests has a handful), and each test points at its set:
 * reading the sets is one sequential pass over the markers table — a
 * test's markers are written together, so its rows are neighbours —
 * rather than a join, a sort and a string per test. With few tests, or
 * when a test's rows are not neighbours (merged databases), the rows are
 * read by test through the primary key instead. */
#define MARKERS_SCAN_MIN_TESTS 2000

static const char markers_scan_sql[] =
  "SELECT test_id, name, value FROM markers WHERE +test_id BETWEEN :lo AND :hi";

static const char markers_by_test_sql[] =
  "SELECT test_id, name, value FROM markers WHERE test_id BETWEEN :lo AND :hi"
  " ORDER BY test_id, position";

#define NO_SET G_MAXUINT32

static guint32
marker_set_intern (GHashTable *sets,
                   GPtrArray  *keys,
                   const char *key)
{
  gpointer found;

  if (g_hash_table_lookup_extended (sets, key, NULL, &found))
    return GPOINTER_TO_UINT (found);
  g_ptr_array_add (keys, g_strdup (key));
  g_hash_table_insert (sets, keys->pdata[keys->len - 1], GUINT_TO_POINTER (keys->len - 1));
  return keys->len - 1;
}

/* Reads each test's set with @sql; FALSE with *@scattered set when a
 * test's rows were not together. */
static gboolean
cache_read_marker_sets (TallyStore      *store,
                        TallyReadCache  *cache,
                        const char      *sql,
                        gboolean        *scattered,
                        GError         **error)
{
  guint n = cache->tests->len;
  g_autoptr(GHashTable) sets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) key = g_string_new (NULL);
  guint32 current = NO_SET, empty;
  IdMap map;
  Stmt *st;
  int rc;

  *scattered = FALSE;
  g_ptr_array_set_size (cache->marker_keys, 0);
  empty = marker_set_intern (sets, cache->marker_keys, "");
  for (guint i = 0; i < n; i++)
    cache->marker_set[i] = NO_SET;

  st = store_stmt (store, sql, error);
  if (st == NULL)
    return FALSE;
  id_map_init (&map, g_array_index (cache->tests, CachedTest, 0).id,
               g_array_index (cache->tests, CachedTest, n - 1).id, n);
  for (guint i = 0; i < n; i++)
    id_map_add (&map, g_array_index (cache->tests, CachedTest, i).id, i);

  store_bind_int64 (st, ":lo", map.lo);
  store_bind_int64 (st, ":hi", map.hi);
  while (!*scattered && (rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      sqlite3_stmt *s = st->stmt;
      guint32 test = id_map_get (&map, sqlite3_column_int64 (s, 0));

      if (test == G_MAXUINT32)
        continue;
      if (test != current)
        {
          if (current != NO_SET)
            cache->marker_set[current] = marker_set_intern (sets, cache->marker_keys, key->str);
          /* Seen before: its rows are not together. */
          *scattered = cache->marker_set[test] != NO_SET;
          current = test;
          g_string_truncate (key, 0);
        }
      g_string_append (key, (const char *) sqlite3_column_text (s, 1));
      g_string_append_c (key, '\x1f');
      g_string_append (key, sqlite3_column_type (s, 2) == SQLITE_NULL
                            ? "\x1d" : (const char *) sqlite3_column_text (s, 2));
      g_string_append_c (key, '\x1e');
    }
  store_stmt_reset (st);
  id_map_clear (&map);
  if (*scattered)
    return FALSE;
  if (rc != SQLITE_DONE)
    return FALSE;

  if (current != NO_SET)
    cache->marker_set[current] = marker_set_intern (sets, cache->marker_keys, key->str);
  for (guint i = 0; i < n; i++)
    if (cache->marker_set[i] == NO_SET)
      cache->marker_set[i] = empty;
  return TRUE;
}

static gboolean
cache_load_marker_sets (TallyStore      *store,
                        TallyReadCache  *cache,
                        GError         **error)
{
  gboolean scattered = FALSE;

  if (cache->marker_set != NULL)
    return TRUE;

  cache->marker_set = g_new (guint32, MAX (cache->tests->len, 1));
  cache->marker_keys = g_ptr_array_new_with_free_func (g_free);
  if (cache->tests->len == 0)
    return TRUE;

  if ((cache->tests->len >= MARKERS_SCAN_MIN_TESTS
       && cache_read_marker_sets (store, cache, markers_scan_sql, &scattered, error))
      || ((cache->tests->len < MARKERS_SCAN_MIN_TESTS || scattered)
          && cache_read_marker_sets (store, cache, markers_by_test_sql, &scattered, error)))
    return TRUE;

  g_clear_pointer (&cache->marker_set, g_free);
  g_clear_pointer (&cache->marker_keys, g_ptr_array_unref);
  return FALSE;
}

static gboolean
marker_set_matches (const char *key,
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

/* The ids of the run's tests whose markers @expr selects, ascending. */
GArray *
store_cache_select_tests (TallyStore      *store,
                          TallyReadCache  *cache,
                          TallyExpr       *expr,
                          GError         **error)
{
  g_autofree gboolean *verdicts = NULL;
  GArray *ids;

  if (!cache_load_marker_sets (store, cache, error))
    return NULL;

  verdicts = g_new (gboolean, MAX (cache->marker_keys->len, 1));
  for (guint i = 0; i < cache->marker_keys->len; i++)
    verdicts[i] = marker_set_matches (cache->marker_keys->pdata[i], expr);

  /* The tests are in id order (cache_load_results()). */
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < cache->tests->len; i++)
    if (verdicts[cache->marker_set[i]])
      g_array_append_val (ids, g_array_index (cache->tests, CachedTest, i).id);
  return ids;
}

/* The cache of @run_id, read again if the database changed. */
TallyReadCache *
store_read_cache_get (TallyStore  *store,
                      gint64       run_id,
                      GError     **error)
{
  gint64 version = 0, changes;

  /* The writer's own started results count as changes: write them first. */
  if (!store_flush_pending (store, error))
    return NULL;
  changes = sqlite3_total_changes (store->db);
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

/* The key of a result for a sort by @key, as an unsigned number whose
 * ascending order is the wanted order (NULL first, as in SQL). */
static guint64
cache_sort_key (TallyReadCache     *cache,
                const CachedResult *r,
                CacheKey            key,
                gboolean            descending)
{
  guint64 k;

  switch (key)
    {
    case KEY_OUTCOME:
      k = cache->outcome_rank[r->outcome];
      break;
    case KEY_DURATION:
      k = (guint64) r->duration ^ G_GUINT64_CONSTANT (0x8000000000000000);
      break;
    case KEY_ATTEMPT:
      k = r->attempt;
      break;
    case KEY_WORKER:
      k = (guint32) r->worker ^ 0x80000000u;
      break;
    case KEY_PATH:
    case KEY_PROGRAM:
    case KEY_NONE:
    default:
      k = 0;
      break;
    }
  return descending ? ~k : k;
}

/* Sorts @indices, which are in path order, by @key with a stable LSD
 * radix sort (16 bits a pass, passes where every key has the same digit
 * skipped): ties stay by path, program, attempt, id — as the SQL orders,
 * and in O(n) where qsort with a comparator chasing pointers took
 * 20–50 ms for 100,000 results. */
static void
cache_radix_sort (TallyReadCache *cache,
                  GArray         *indices,
                  CacheKey        key,
                  gboolean        descending)
{
  guint n = indices->len;
  g_autofree guint64 *keys = NULL, *keys_tmp = NULL;
  g_autofree guint32 *index_tmp = NULL, *count = NULL;
  guint32 *index = (guint32 *) indices->data;

  if (n < 2)
    return;
  keys = g_new (guint64, n);
  keys_tmp = g_new (guint64, n);
  index_tmp = g_new (guint32, n);
  count = g_new (guint32, 65536 + 1);
  for (guint i = 0; i < n; i++)
    keys[i] = cache_sort_key (cache, &g_array_index (cache->results, CachedResult, index[i]),
                              key, descending);

  for (guint shift = 0; shift < 64; shift += 16)
    {
      gboolean one_digit = FALSE;

      memset (count, 0, (65536 + 1) * sizeof (guint32));
      for (guint i = 0; i < n; i++)
        count[((keys[i] >> shift) & 0xffff) + 1]++;
      for (guint d = 1; d <= 65536 && !one_digit; d++)
        one_digit = count[d] == n;
      if (one_digit)
        continue;
      for (guint d = 0; d < 65536; d++)
        count[d + 1] += count[d];
      for (guint i = 0; i < n; i++)
        {
          guint32 at = count[(keys[i] >> shift) & 0xffff]++;

          keys_tmp[at] = keys[i];
          index_tmp[at] = index[i];
        }
      memcpy (keys, keys_tmp, n * sizeof (guint64));
      memcpy (index, index_tmp, n * sizeof (guint32));
    }
}

static gboolean
cached_matches_text (TallyReadCache     *cache,
                     const CachedResult *r,
                     const char         *needle)
{
  const CachedTest *t = &g_array_index (cache->tests, CachedTest, r->test);

  const char *lower = cache_lower (cache);

  return strstr (lower + t->path, needle) != NULL
         || strstr (lower + t->program, needle) != NULL
         || (r->message != 0 && strstr (cache->messages->str + r->message - 1, needle) != NULL);
}

/* Sorts @indices by a test's rank (path or program) with a counting
 * sort: ranks are 0 .. n_tests - 1. It is stable, and the results of
 * one test come in (attempt, id) order from the load (cache_load_results()):
 * the SQL's ties. */
static void
cache_sort_by_rank (TallyReadCache *cache,
                    GArray         *indices,
                    CacheKey        key,
                    gboolean        descending)
{
  guint n_tests = cache->tests->len;
  g_autofree guint32 *start = NULL;
  g_autofree guint32 *sorted = NULL;

  if (indices->len < 2)
    return;
  start = g_new0 (guint32, n_tests + 1);
  sorted = g_new (guint32, indices->len);
  prefault_all (start, (n_tests + 1) * sizeof (guint32));
  prefault_all (sorted, indices->len * sizeof (guint32));

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
 * in the load's order); owned by the cache. Narrowing the text of the last
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
      Prefault pf = { 0 };

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

          prefault_ahead (&pf, cache->base->data, cache->base->len * sizeof (guint32),
                          cache->results->len * sizeof (guint32));
          if ((query->outcomes != 0 && !(query->outcomes & (1u << r->outcome)))
              || (!query->all_attempts && !r->final)
              || (keep != NULL
                  && !g_hash_table_contains (keep, &g_array_index (cache->tests, CachedTest, r->test).id)))
            continue;
          g_array_append_val (cache->base, i);
        }
      if (key == KEY_PATH || key == KEY_PROGRAM)
        cache_sort_by_rank (cache, cache->base, key, descending);
      else if (key != KEY_NONE)
        {
          cache_sort_by_rank (cache, cache->base, KEY_PATH, FALSE);
          cache_radix_sort (cache, cache->base, key, descending);
        }
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
