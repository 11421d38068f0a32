/* tally-history.c — what `tally run` learns from earlier runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SQL lives in the tally-store*.c files (the only ones that talk to
 * sqlite);
 * this file turns its rows into the sets and tables the scheduler wants,
 * and splits a selection into CI shards.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tally-history-private.h"

/**
 * tally_history_last_failed:
 * @store: a #TallyStore
 * @error: return location for a #GError
 *
 * The tests whose latest verdict (see
 * tally_store_foreach_latest_outcome()) is a failure: failed, crashed,
 * timeout or error. A test that failed and was not run since stays in
 * the set, like pytest's --lf.
 *
 * Returns: (transfer full) (element-type utf8 utf8) (nullable): a set of
 *   test keys, or %NULL with @error set
 */
static void
add_if_failed (const char *program,
               const char *path,
               const char *outcome_name,
               gpointer    data)
{
  TallyOutcome outcome;

  if (tally_outcome_from_string (outcome_name, &outcome) && tally_outcome_is_failure (outcome))
    g_hash_table_add (data, tally_store_test_key (program, path));
}

GHashTable *
tally_history_last_failed (TallyStore  *store,
                           GError     **error)
{
  g_autoptr(GHashTable) failed = NULL;

  g_return_val_if_fail (store != NULL, NULL);

  /* Only the failures are kept, not every test's outcome. */
  failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!tally_store_foreach_latest_outcome (store, add_if_failed, failed, error))
    return NULL;

  return g_steal_pointer (&failed);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The median of @values (sorted in place); the mean of the middle two
 * for an even count. */
static gint64
median_int64 (gint64 *values,
              guint   n)
{
  g_assert (n > 0);

  qsort (values, n, sizeof (gint64), compare_int64);
  if (n % 2 == 1)
    return values[n / 2];

  return values[n / 2 - 1] + (values[n / 2] - values[n / 2 - 1]) / 2;
}

/* A test's expected duration under a 64-bit hash of its key: 16 bytes
 * a test, where a table of key strings took about 120. Two keys with
 * one hash (odds of about 1 in 10^9 at 100,000 tests) only share a
 * duration, which orders or balances, never selects. */
typedef struct
{
  guint64 hash;
  gint64 us;
} Duration;

struct _TallyDurations
{
  GArray *entries;          /* of Duration; sorted by hash when `sorted` */
  gboolean sorted;
};

static guint64
fnv1a64_update (guint64     hash,
                const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      hash ^= *p;
      hash *= G_GUINT64_CONSTANT (1099511628211);
    }

  return hash;
}

/* The hash of tally_store_test_key (program, path). */
static guint64
key_hash (const char *program,
          const char *path)
{
  guint64 hash = G_GUINT64_CONSTANT (14695981039346656037);

  hash = fnv1a64_update (hash, program);
  hash = fnv1a64_update (hash, "\x1f");
  return fnv1a64_update (hash, path);
}

static int
compare_duration_hash (gconstpointer a,
                       gconstpointer b)
{
  const Duration *x = a, *y = b;

  return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/**
 * tally_durations_new:
 *
 * Returns: (transfer full): an empty table of expected durations
 */
TallyDurations *
tally_durations_new (void)
{
  TallyDurations *durations = g_new0 (TallyDurations, 1);

  durations->entries = g_array_new (FALSE, FALSE, sizeof (Duration));
  durations->sorted = TRUE;
  return durations;
}

void
tally_durations_free (TallyDurations *durations)
{
  if (durations == NULL)
    return;
  g_array_unref (durations->entries);
  g_free (durations);
}

/**
 * tally_durations_set:
 * @durations: a #TallyDurations
 * @program: a test program
 * @path: a test path
 * @us: its expected duration
 *
 * Adds a test that is not in the table yet.
 */
void
tally_durations_set (TallyDurations *durations,
                     const char     *program,
                     const char     *path,
                     gint64          us)
{
  Duration entry = { key_hash (program, path), us };

  g_array_append_val (durations->entries, entry);
  durations->sorted = FALSE;
}

static void
durations_sort (TallyDurations *durations)
{
  if (durations->sorted)
    return;
  g_array_sort (durations->entries, compare_duration_hash);
  durations->sorted = TRUE;
}

/**
 * tally_durations_size:
 * @durations: (nullable): a #TallyDurations
 *
 * Returns: how many tests have a duration
 */
guint
tally_durations_size (TallyDurations *durations)
{
  return durations != NULL ? durations->entries->len : 0;
}

static void
add_median (const char   *program,
            const char   *path,
            const gint64 *us,
            guint         n,
            gpointer      data)
{
  gint64 samples[TALLY_HISTORY_DURATION_SAMPLES];

  n = MIN (n, G_N_ELEMENTS (samples));
  memcpy (samples, us, n * sizeof (gint64));
  tally_durations_set (data, program, path, median_int64 (samples, n));
}

/**
 * tally_history_durations:
 * @store: a #TallyStore
 * @error: return location for a #GError
 *
 * Each test's expected duration: the median of its latest
 * %TALLY_HISTORY_DURATION_SAMPLES passing results. Tests that never
 * passed are absent.
 *
 * Returns: (transfer full) (nullable): the durations (read with
 *   tally_history_lookup_duration()), or %NULL with @error set
 */
TallyDurations *
tally_history_durations (TallyStore  *store,
                         GError     **error)
{
  g_autoptr(TallyDurations) durations = tally_durations_new ();

  g_return_val_if_fail (store != NULL, NULL);

  if (!tally_store_foreach_recent_durations (store, TALLY_HISTORY_DURATION_SAMPLES,
                                             add_median, durations, error))
    return NULL;

  durations_sort (durations);
  return g_steal_pointer (&durations);
}

/**
 * tally_history_lookup_duration:
 * @durations: (nullable): a table from tally_history_durations()
 * @program: a test program
 * @path: a test path
 *
 * Returns: the expected duration in µs, or -1 when unknown
 */
gint64
tally_history_lookup_duration (TallyDurations *durations,
                               const char     *program,
                               const char     *path)
{
  guint64 hash;
  guint lo = 0, hi;

  if (durations == NULL)
    return -1;

  durations_sort (durations);
  hash = key_hash (program, path);
  hi = durations->entries->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const Duration *entry = &g_array_index (durations->entries, Duration, mid);

      if (entry->hash == hash)
        return entry->us;
      if (entry->hash < hash)
        lo = mid + 1;
      else
        hi = mid;
    }
  return -1;
}

/**
 * tally_history_get_stepwise:
 * @store: a #TallyStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the key of the test where the last
 *   --sw run stopped, or %NULL (@error unset) when it ran to the end
 */
char *
tally_history_get_stepwise (TallyStore  *store,
                            GError     **error)
{
  return tally_store_get_state (store, TALLY_HISTORY_STEPWISE_KEY, error);
}

/**
 * tally_history_set_stepwise:
 * @store: a #TallyStore
 * @program: (nullable): the program of the test that stopped the run,
 *   or %NULL when the run went through
 * @path: (nullable): its path
 * @error: return location for a #GError
 *
 * Remembers (and commits) where a --sw run stopped.
 *
 * Returns: %TRUE on success
 */
gboolean
tally_history_set_stepwise (TallyStore  *store,
                            const char  *program,
                            const char  *path,
                            GError     **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (program == NULL || path != NULL, FALSE);

  if (program != NULL)
    key = tally_store_test_key (program, path);

  return tally_store_set_state (store, TALLY_HISTORY_STEPWISE_KEY, key, error);
}

static guint32
fnv1a_update (guint32     hash,
              const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      hash ^= *p;
      hash *= 16777619u;
    }

  return hash;
}

/**
 * tally_history_test_hash:
 * @program: a test program
 * @path: a test path
 *
 * A hash of "PROGRAM::PATH" that never changes between versions,
 * platforms or runs (32-bit FNV-1a), unlike g_str_hash().
 *
 * Returns: the hash
 */
guint32
tally_history_test_hash (const char *program,
                         const char *path)
{
  guint32 hash = 2166136261u;

  hash = fnv1a_update (hash, program);
  hash = fnv1a_update (hash, "::");
  return fnv1a_update (hash, path);
}

typedef struct
{
  guint index;
  gint64 cost;
  guint32 hash;
} ShardItem;

/* Longest first; equal costs by hash, then input position: a total
 * order, so every CI job computes the same assignment. */
static int
compare_items (gconstpointer a,
               gconstpointer b)
{
  const ShardItem *x = a, *y = b;

  if (x->cost != y->cost)
    return x->cost > y->cost ? -1 : 1;
  if (x->hash != y->hash)
    return x->hash < y->hash ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Fills in each item's cost; returns FALSE when no test has history. */
static gboolean
shard_costs (ShardItem          *items,
             const TallyTestRef *tests,
             guint               n_tests,
             TallyDurations     *durations)
{
  g_autoptr(GArray) known = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 fallback;

  for (guint i = 0; i < n_tests; i++)
    {
      items[i].cost = tally_history_lookup_duration (durations, tests[i].program,
                                                     tests[i].path);
      if (items[i].cost >= 0)
        g_array_append_val (known, items[i].cost);
    }

  if (known->len == 0)
    return FALSE;

  /* Tests without history cost what a typical known one does. */
  fallback = MAX (median_int64 ((gint64 *) (gpointer) known->data, known->len), 1);
  for (guint i = 0; i < n_tests; i++)
    items[i].cost = items[i].cost < 0 ? fallback : MAX (items[i].cost, 1);

  return TRUE;
}

/* Greedy longest-processing-time: each test, longest first, goes to the
 * least loaded shard (the lowest-numbered on a tie). */
static void
shard_lpt (ShardItem *items,
           guint      n_tests,
           guint      n_shards,
           guint     *assignment)
{
  g_autofree gint64 *loads = g_new0 (gint64, n_shards);

  qsort (items, n_tests, sizeof (ShardItem), compare_items);
  for (guint i = 0; i < n_tests; i++)
    {
      guint best = 0;

      for (guint s = 1; s < n_shards; s++)
        if (loads[s] < loads[best])
          best = s;

      loads[best] += items[i].cost;
      assignment[items[i].index] = best;
    }
}

/**
 * tally_history_shard:
 * @tests: (array length=n_tests): the selected tests, in order
 * @n_tests: the number of tests
 * @shard: which shard to return, 1-based (`--shard K/N` gives K)
 * @n_shards: the number of shards, N
 * @durations: (nullable): a table from tally_history_durations()
 *
 * Splits the selection into @n_shards shards and returns shard @shard.
 * With history, shards are balanced on expected durations (greedy
 * longest-first; tests without history count as the median known one).
 * With none, a test goes to shard `hash % N` (tally_history_test_hash()),
 * which keeps it in the same shard as the selection changes. Either way
 * the result depends only on the arguments: shards 1…N are disjoint and
 * together hold every test.
 *
 * Returns: (transfer full) (element-type guint): indices into @tests of
 *   the tests of the shard, ascending
 */
GArray *
tally_history_shard (const TallyTestRef *tests,
                     guint               n_tests,
                     guint               shard,
                     guint               n_shards,
                     TallyDurations     *durations)
{
  g_autofree ShardItem *items = NULL;
  g_autofree guint *assignment = NULL;
  GArray *selected;

  g_return_val_if_fail (tests != NULL || n_tests == 0, NULL);
  g_return_val_if_fail (n_shards >= 1, NULL);
  g_return_val_if_fail (shard >= 1 && shard <= n_shards, NULL);

  selected = g_array_new (FALSE, FALSE, sizeof (guint));
  items = g_new0 (ShardItem, MAX (n_tests, 1));
  assignment = g_new0 (guint, MAX (n_tests, 1));

  for (guint i = 0; i < n_tests; i++)
    {
      items[i].index = i;
      items[i].hash = tally_history_test_hash (tests[i].program, tests[i].path);
      assignment[i] = items[i].hash % n_shards;
    }

  if (shard_costs (items, tests, n_tests, durations))
    shard_lpt (items, n_tests, n_shards, assignment);

  for (guint i = 0; i < n_tests; i++)
    if (assignment[i] == shard - 1)
      g_array_append_val (selected, i);

  return selected;
}
