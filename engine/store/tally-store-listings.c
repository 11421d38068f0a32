/* tally-store-listings.c — the listings table (the listing cache)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What `PROGRAM --tally-list` or `-l` printed, with what identified the
 * file then; engine/tally-listing-cache.c decides when a row still
 * holds. Rows are read all at once before discovery (a few hundred
 * small rows) and written after it.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-store-internal-private.h"

void
tally_stored_listing_free (TallyStoredListing *listing)
{
  if (listing == NULL)
    return;
  g_free (listing->key);
  g_free (listing->path);
  g_free (listing->build_id);
  g_clear_pointer (&listing->data, g_bytes_unref);
  g_free (listing);
}

/**
 * tally_store_load_listings:
 * @store: a store of schema 6 or later
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TallyStoredListing): every
 *   cached listing, or %NULL on a database error
 */
GPtrArray *
tally_store_load_listings (TallyStore  *store,
                           GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_stored_listing_free);
  Stmt *st;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  st = store_stmt (store, "SELECT key, path, size, mtime_ns, build_id, data FROM listings", error);
  if (st == NULL)
    return NULL;
  while ((rc = store_stmt_step (store, st, error)) == SQLITE_ROW)
    {
      TallyStoredListing *row = g_new0 (TallyStoredListing, 1);
      gsize len = 0;
      char *data;

      row->key = store_column_dup_text (st->stmt, 0);
      row->path = store_column_dup_text (st->stmt, 1);
      row->size = sqlite3_column_int64 (st->stmt, 2);
      row->mtime_ns = sqlite3_column_int64 (st->stmt, 3);
      row->build_id = store_column_dup_text (st->stmt, 4);
      data = store_column_dup_bytes (st->stmt, 5, &len);
      row->data = g_bytes_new_take (data, data != NULL ? len : 0);
      if (row->key != NULL)
        g_ptr_array_add (rows, row);
      else
        tally_stored_listing_free (row);
    }
  store_stmt_reset (st);
  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&rows);
}

/**
 * tally_store_put_listing:
 * @store: a store open for writing
 * @listing: the listing to keep, replacing one under the same key
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
tally_store_put_listing (TallyStore                *store,
                         const TallyStoredListing  *listing,
                         GError                   **error)
{
  gsize len;
  const char *data = g_bytes_get_data (listing->data, &len);
  Stmt *st;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);
  if (!store_write_begin (store, error))
    return FALSE;
  st = store_stmt (store,
                   "INSERT OR REPLACE INTO listings (key, path, size, mtime_ns, build_id,"
                   " listed_at, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   error);
  if (st == NULL)
    return store_write_end (store, FALSE, error);
  store_bind_text_at (st, 1, listing->key);
  store_bind_text_at (st, 2, listing->path);
  store_bind_int64_at (st, 3, listing->size);
  store_bind_int64_at (st, 4, listing->mtime_ns);
  store_bind_text_at (st, 5, listing->build_id);
  store_bind_int64_at (st, 6, g_get_real_time ());
  store_bind_bytes_at (st, 7, data != NULL ? data : "", len);
  ok = store_stmt_exec (store, st, error);
  return store_write_end (store, ok, error);
}

/**
 * tally_store_delete_listing:
 * @store: a store open for writing
 * @key: the key of a cached listing
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success (also when there was none)
 */
gboolean
tally_store_delete_listing (TallyStore  *store,
                            const char  *key,
                            GError     **error)
{
  Stmt *st;
  gboolean ok;

  g_return_val_if_fail (store != NULL, FALSE);
  if (!store_write_begin (store, error))
    return FALSE;
  st = store_stmt (store, "DELETE FROM listings WHERE key = ?1", error);
  if (st == NULL)
    return store_write_end (store, FALSE, error);
  store_bind_text_at (st, 1, key);
  ok = store_stmt_exec (store, st, error);
  return store_write_end (store, ok, error);
}
