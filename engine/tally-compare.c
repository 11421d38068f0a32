/* tally-compare.c — two runs compared; the flaky tests of the latest runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-compare-private.h"

void
tally_compare_entry_free (TallyCompareEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->program);
  g_free (entry->path);
  g_free (entry);
}

const char *
tally_change_to_string (TallyChange change)
{
  static const char *names[] = {
    "new-failure", "fixed", "still-failing", "new-test", "removed", "slower",
  };

  g_return_val_if_fail (change < TALLY_N_CHANGES, NULL);
  return names[change];
}

/* A final attempt, as the read cache gives it. */
typedef struct
{
  gint64 id;
  TallyOutcome outcome;
  gint64 duration_us;
  char *program;
  char *path;
} Final;

static void
final_free (Final *f)
{
  g_free (f->program);
  g_free (f->path);
  g_free (f);
}

static void
index_one (gint64        result_id,
           const char   *program,
           const char   *path,
           TallyOutcome  outcome,
           gint64        duration_us,
           gpointer      data)
{
  Final *f = g_new0 (Final, 1);

  f->id = result_id;
  f->outcome = outcome;
  f->duration_us = duration_us;
  f->program = g_strdup (program);
  f->path = g_strdup (path);
  g_hash_table_replace (data, tally_store_test_key (program, path), f);
}

/* The final attempts of @run by test key. */
static GHashTable *
index_run (TallyStore  *store,
           gint64       run,
           GError     **error)
{
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) final_free);

  if (!tally_store_foreach_final_result (store, run, index_one, index, error))
    return NULL;
  return g_steal_pointer (&index);
}

static void
add_entry (GPtrArray   *entries,
           TallyChange  change,
           const Final *base,
           const Final *row)
{
  TallyCompareEntry *entry = g_new0 (TallyCompareEntry, 1);
  const Final *any = row != NULL ? row : base;

  entry->change = change;
  entry->program = g_strdup (any->program);
  entry->path = g_strdup (any->path);
  if (base != NULL)
    {
      entry->base_result_id = base->id;
      entry->base_outcome = base->outcome;
      entry->base_duration_us = base->duration_us;
    }
  if (row != NULL)
    {
      entry->result_id = row->id;
      entry->outcome = row->outcome;
      entry->duration_us = row->duration_us;
    }
  g_ptr_array_add (entries, entry);
}

static gboolean
passed (TallyOutcome outcome)
{
  return outcome == TALLY_OUTCOME_PASSED || outcome == TALLY_OUTCOME_FLAKY;
}

static void
compare_one (GPtrArray   *entries,
             const Final *base,
             const Final *row)
{
  gboolean fails = tally_outcome_is_failure (row->outcome);

  if (base == NULL)
    {
      if (fails)
        add_entry (entries, TALLY_CHANGE_NEW_FAILURE, NULL, row);
      add_entry (entries, TALLY_CHANGE_NEW_TEST, NULL, row);
    }
  else if (fails && tally_outcome_is_failure (base->outcome))
    add_entry (entries, TALLY_CHANGE_STILL_FAILING, base, row);
  else if (fails)
    add_entry (entries, TALLY_CHANGE_NEW_FAILURE, base, row);
  else if (tally_outcome_is_failure (base->outcome) && passed (row->outcome))
    add_entry (entries, TALLY_CHANGE_FIXED, base, row);
  else if (passed (base->outcome) && passed (row->outcome) && base->duration_us > 0
           && row->duration_us >= TALLY_COMPARE_SLOWER_MIN_US
           && row->duration_us >= 2 * base->duration_us)
    add_entry (entries, TALLY_CHANGE_SLOWER, base, row);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const TallyCompareEntry *x = *(TallyCompareEntry * const *) a;
  const TallyCompareEntry *y = *(TallyCompareEntry * const *) b;
  int c;

  if (x->change != y->change)
    return x->change < y->change ? -1 : 1;
  c = strcmp (x->program, y->program);
  return c != 0 ? c : strcmp (x->path, y->path);
}

/**
 * tally_compare_runs:
 * @store: a #TallyStore
 * @base_run: the run compared against
 * @run: the run compared
 * @error: return location for a #GError
 *
 * What changed from @base_run to @run, test by test (final attempts).
 *
 * Returns: (transfer full) (element-type TallyCompareEntry) (nullable):
 *   the changes, or %NULL with @error set
 */
GPtrArray *
tally_compare_runs (TallyStore  *store,
                    gint64       base_run,
                    gint64       run,
                    GError     **error)
{
  g_autoptr(GHashTable) base_index = NULL;
  g_autoptr(GHashTable) index = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (store != NULL, NULL);

  base_index = index_run (store, base_run, error);
  if (base_index == NULL)
    return NULL;
  index = index_run (store, run, error);
  if (index == NULL)
    return NULL;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_compare_entry_free);
  g_hash_table_iter_init (&iter, index);
  while (g_hash_table_iter_next (&iter, &key, &value))
    compare_one (entries, g_hash_table_lookup (base_index, key), value);
  g_hash_table_iter_init (&iter, base_index);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (index, key))
      add_entry (entries, TALLY_CHANGE_REMOVED, value, NULL);

  g_ptr_array_sort (entries, compare_entries);
  return g_steal_pointer (&entries);
}

void
tally_flaky_entry_free (TallyFlakyEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->program);
  g_free (entry->path);
  g_free (entry);
}

double
tally_flaky_entry_rate (const TallyFlakyEntry *entry)
{
  g_return_val_if_fail (entry != NULL, 0);
  return entry->n_runs > 0 ? (double) entry->flips / entry->n_runs : 0;
}

typedef struct
{
  TallyFlakyEntry entry;
  gboolean have_prev;
  gboolean prev_passed;
} Tracker;

/* One more run of the test, oldest first. */
static void
track (Tracker      *t,
       gint64        run_id,
       TallyOutcome  outcome)
{
  gboolean fails = tally_outcome_is_failure (outcome);

  if (!fails && !passed (outcome))
    return;
  t->entry.n_runs++;
  if (fails)
    t->entry.n_failed++;
  if (outcome == TALLY_OUTCOME_FLAKY)
    {
      t->entry.n_flaky++;
      t->entry.flips++;
    }
  if (fails || outcome == TALLY_OUTCOME_FLAKY)
    t->entry.last_run_id = run_id;
  if (t->have_prev && t->prev_passed == fails)
    t->entry.flips++;
  t->have_prev = TRUE;
  t->prev_passed = !fails;
}

typedef struct
{
  GHashTable *trackers;         /* test key → Tracker */
  gint64 run_id;
} Walk;

static void
track_one (gint64        result_id,
           const char   *program,
           const char   *path,
           TallyOutcome  outcome,
           gint64        duration_us,
           gpointer      data)
{
  Walk *walk = data;
  char *key = tally_store_test_key (program, path);
  Tracker *t = g_hash_table_lookup (walk->trackers, key);

  if (t == NULL)
    {
      t = g_new0 (Tracker, 1);
      g_hash_table_insert (walk->trackers, key, t);
    }
  else
    g_free (key);
  track (t, walk->run_id, outcome);
}

static int
compare_flaky (gconstpointer a,
               gconstpointer b)
{
  const TallyFlakyEntry *x = *(TallyFlakyEntry * const *) a;
  const TallyFlakyEntry *y = *(TallyFlakyEntry * const *) b;
  int c;

  if (x->flips != y->flips)
    return x->flips > y->flips ? -1 : 1;
  if (x->n_failed != y->n_failed)
    return x->n_failed > y->n_failed ? -1 : 1;
  c = strcmp (x->program, y->program);
  return c != 0 ? c : strcmp (x->path, y->path);
}

/**
 * tally_flaky_tests:
 * @store: a #TallyStore
 * @max_runs: how many of the latest runs to read
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TallyFlakyEntry) (nullable): the
 *   flaky tests, or %NULL with @error set
 */
GPtrArray *
tally_flaky_tests (TallyStore  *store,
                   guint        max_runs,
                   GError     **error)
{
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GHashTable) trackers = NULL;
  g_autoptr(GPtrArray) flaky = NULL;
  Walk walk = { NULL, 0 };
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (store != NULL, NULL);

  runs = tally_store_list_runs (store, 0, max_runs, FALSE, error);
  if (runs == NULL)
    return NULL;

  trackers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  walk.trackers = trackers;
  for (guint i = runs->len; i-- > 0;)
    {
      const TallyRunRow *run = g_ptr_array_index (runs, i);

      if (run->status == TALLY_RUN_RUNNING)
        continue;
      walk.run_id = run->id;
      if (!tally_store_foreach_final_result (store, run->id, track_one, &walk, error))
        return NULL;
    }

  flaky = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_flaky_entry_free);
  g_hash_table_iter_init (&iter, trackers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Tracker *t = value;
      TallyFlakyEntry *entry;
      const char *sep = strchr (key, '\x1f');

      if (t->entry.n_flaky == 0 && t->entry.flips < 2)
        continue;
      g_assert (sep != NULL);
      entry = g_memdup2 (&t->entry, sizeof *entry);
      entry->program = g_strndup (key, sep - (const char *) key);
      entry->path = g_strdup (sep + 1);
      g_ptr_array_add (flaky, entry);
    }
  g_ptr_array_sort (flaky, compare_flaky);
  return g_steal_pointer (&flaky);
}
