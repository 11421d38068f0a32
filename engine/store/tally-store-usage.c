/* tally-store-usage.c — how much programs waited, last time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For -n auto: the wall and CPU time of each test's latest result that
 * measured CPU, so a run of tests known to wait can start with more
 * workers than CPUs.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-store-internal-private.h"

/**
 * tally_store_get_test_usage:
 * @store: a store
 * @error: return location for a #GError
 *
 * Reads each test's latest result that has a CPU figure: its wall time
 * and CPU time.
 *
 * Returns: (transfer full): tally_store_test_key() → #TallyTestUsage,
 *   empty when nothing measured CPU; %NULL with @error set on a
 *   database error
 */
GHashTable *
tally_store_get_test_usage (TallyStore  *store,
                            GError     **error)
{
  g_autoptr(GHashTable) usage = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store,
                   "SELECT t.program, t.path, r.duration_us, r.cpu_us"
                   " FROM results r JOIN tests t ON t.id = r.test_id"
                   " WHERE r.id IN (SELECT max (id) FROM results"
                   "                WHERE cpu_us IS NOT NULL AND duration_us IS NOT NULL"
                   "                GROUP BY test_id)",
                   error);
  if (st == NULL)
    return NULL;
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      TallyTestUsage *one = g_new0 (TallyTestUsage, 1);

      one->wall_us = sqlite3_column_int64 (st->stmt, 2);
      one->cpu_us = sqlite3_column_int64 (st->stmt, 3);
      g_hash_table_insert (usage,
                           tally_store_test_key ((const char *) sqlite3_column_text (st->stmt, 0),
                                                 (const char *) sqlite3_column_text (st->stmt, 1)),
                           one);
    }
  store_stmt_reset (st);
  return rc == SQLITE_DONE ? g_steal_pointer (&usage) : NULL;
}
