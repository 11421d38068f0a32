/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-result-list.h"

#define PAGE_SIZE 64

struct _TallyViewerResult
{
  GObject parent_instance;

  gint64 id;
  TallyResultRow *row;          /* NULL until read */
  gboolean stale;               /* read again before the next use */
  TallyViewerResultList *list;  /* borrowed; NULL once the list is gone */
  guint position;               /* where the list last handed it out */
};

static void load_page (TallyViewerResultList *self, guint position);
static TallyViewerResult *ensure_object (TallyViewerResultList *self, guint position);

G_DEFINE_FINAL_TYPE (TallyViewerResult, tally_viewer_result, G_TYPE_OBJECT)

static void
tally_viewer_result_finalize (GObject *object)
{
  TallyViewerResult *self = (TallyViewerResult *) object;

  g_clear_pointer (&self->row, tally_result_row_free);

  G_OBJECT_CLASS (tally_viewer_result_parent_class)->finalize (object);
}

static void
tally_viewer_result_class_init (TallyViewerResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_result_finalize;
}

static void
tally_viewer_result_init (TallyViewerResult *self)
{
}

gint64
tally_viewer_result_get_id (TallyViewerResult *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT (self), 0);
  return self->id;
}

/* Reads the row (with the rest of its page) on first use: handing out
 * objects costs nothing, so GTK may walk the whole model (a selection
 * looking for its item does) without reading 100,000 rows.
 *
 * Returns: (nullable): the row, NULL when it could not be read */
const TallyResultRow *
tally_viewer_result_get_row (TallyViewerResult *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT (self), NULL);

  if ((self->row == NULL || self->stale) && self->list != NULL)
    {
      TallyViewerResultList *list = self->list;

      if (tally_viewer_result_list_get_id_at (list, self->position) != self->id)
        self->position = tally_viewer_result_list_find (list, self->id);
      if (self->position != G_MAXUINT)
        load_page (list, self->position);
    }
  return self->row;
}

struct _TallyViewerResultList
{
  GObject parent_instance;

  TallyStore *store;            /* borrowed */
  gint64 run_id;
  guint outcomes;
  char *text;
  GArray *test_ids;
  char *sort_key;
  gboolean descending;

  GArray *ids;                  /* what the model shows */
  GHashTable *objects;          /* id → TallyViewerResult (owned) */
};

static GType
tally_viewer_result_list_get_item_type (GListModel *model)
{
  return TALLY_VIEWER_TYPE_RESULT;
}

static guint
tally_viewer_result_list_get_n_items (GListModel *model)
{
  TallyViewerResultList *self = (TallyViewerResultList *) model;

  return self->ids->len;
}

/* Reads the rows of the page around @position that are missing or
 * stale, in one batch. */
static void
load_page (TallyViewerResultList *self,
           guint                  position)
{
  g_autoptr(GArray) wanted = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  guint start = position - position % PAGE_SIZE;
  guint end = MIN (start + PAGE_SIZE, self->ids->len);

  if (position >= self->ids->len)
    return;

  for (guint i = start; i < end; i++)
    {
      TallyViewerResult *result = ensure_object (self, i);

      if (result->row == NULL || result->stale)
        g_array_append_val (wanted, result->id);
    }

  if (wanted->len == 0 || self->store == NULL)
    return;

  rows = tally_store_get_result_rows (self->store, (gint64 *) wanted->data, wanted->len, &error);
  if (rows == NULL)
    {
      g_warning ("Cannot read results: %s", error->message);
      return;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      TallyResultRow *row = g_ptr_array_index (rows, i);
      TallyViewerResult *result = g_hash_table_lookup (self->objects, &row->id);

      if (result == NULL)
        continue;
      g_clear_pointer (&result->row, tally_result_row_free);
      result->row = g_steal_pointer (&rows->pdata[i]);
      result->stale = FALSE;
    }
}

static TallyViewerResult *
ensure_object (TallyViewerResultList *self,
               guint                  position)
{
  gint64 id = g_array_index (self->ids, gint64, position);
  TallyViewerResult *result = g_hash_table_lookup (self->objects, &id);

  if (result == NULL)
    {
      result = g_object_new (TALLY_VIEWER_TYPE_RESULT, NULL);
      result->id = id;
      result->list = self;
      g_hash_table_insert (self->objects, &result->id, result);
    }
  result->position = position;
  return result;
}

static gpointer
tally_viewer_result_list_get_item (GListModel *model,
                                   guint       position)
{
  TallyViewerResultList *self = (TallyViewerResultList *) model;

  if (position >= self->ids->len)
    return NULL;

  return g_object_ref (ensure_object (self, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tally_viewer_result_list_get_item_type;
  iface->get_n_items = tally_viewer_result_list_get_n_items;
  iface->get_item = tally_viewer_result_list_get_item;
}

static void
result_release (gpointer data)
{
  TallyViewerResult *result = data;

  result->list = NULL;
  g_object_unref (result);
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyViewerResultList, tally_viewer_result_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
tally_viewer_result_list_finalize (GObject *object)
{
  TallyViewerResultList *self = (TallyViewerResultList *) object;

  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->test_ids, g_array_unref);
  g_clear_pointer (&self->sort_key, g_free);
  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->objects, g_hash_table_unref);

  G_OBJECT_CLASS (tally_viewer_result_list_parent_class)->finalize (object);
}

static void
tally_viewer_result_list_class_init (TallyViewerResultListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_result_list_finalize;
}

static void
tally_viewer_result_list_init (TallyViewerResultList *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->objects = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, result_release);
  self->sort_key = g_strdup ("path");
}

TallyViewerResultList *
tally_viewer_result_list_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_RESULT_LIST, NULL);
}

/* Above this many added rows, a change is told as a removal then an
 * insertion: GTK 4.8's list views walk every added item of a change that
 * also removes rows (to reuse their widgets), which costs 100,000
 * get_item() calls when a filter is cleared. The selection is kept only
 * if its row stays. */
#define SPLIT_CHANGE_ABOVE 2000

static void
replace_ids (TallyViewerResultList *self,
             GArray                *ids,
             gboolean               rows_changed)
{
  guint old_len = self->ids->len;
  gboolean same = ids->len == old_len
                  && (old_len == 0
                      || memcmp (ids->data, self->ids->data, old_len * sizeof (gint64)) == 0);
  guint prefix = 0, suffix = 0;
  guint shortest = MIN (old_len, ids->len);

  while (prefix < shortest
         && g_array_index (ids, gint64, prefix) == g_array_index (self->ids, gint64, prefix))
    prefix++;
  while (suffix < shortest - prefix
         && g_array_index (ids, gint64, ids->len - 1 - suffix)
            == g_array_index (self->ids, gint64, old_len - 1 - suffix))
    suffix++;

  g_array_unref (self->ids);
  self->ids = g_array_ref (ids);

  /* Keep the objects of ids still listed (a selection holds on to them);
   * drop the rest so memory follows what is shown. */
  if (!same && g_hash_table_size (self->objects) > 4096)
    {
      GHashTableIter iter;
      gpointer key;
      g_autoptr(GHashTable) keep = g_hash_table_new (g_int64_hash, g_int64_equal);

      for (guint i = 0; i < ids->len; i++)
        g_hash_table_add (keep, &g_array_index (ids, gint64, i));
      g_hash_table_iter_init (&iter, self->objects);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (keep, key))
          g_hash_table_iter_remove (&iter);
    }

  /* Only the middle that changed: a selection looks for its item among
   * the added rows, and views rebind only what moved. */
  if (same && !rows_changed)
    return;
  if (same && old_len <= SPLIT_CHANGE_ABOVE)
    {
      if (old_len > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, old_len);
    }
  else if (same)
    {
      /* Same rows: only those read so far can be on screen; have the
       * views rebind their pages so they show what changed. */
      g_autoptr(GHashTable) pages = g_hash_table_new (NULL, NULL);
      g_autofree gpointer *keys = NULL;
      GHashTableIter iter;
      gpointer value;
      guint n_pages;

      g_hash_table_iter_init (&iter, self->objects);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          TallyViewerResult *result = value;

          if (result->row != NULL && result->position < old_len
              && g_array_index (ids, gint64, result->position) == result->id)
            g_hash_table_add (pages, GUINT_TO_POINTER (result->position / PAGE_SIZE + 1));
        }
      keys = g_hash_table_get_keys_as_array (pages, &n_pages);
      for (guint i = 0; i < n_pages; i++)
        {
          guint start = (GPOINTER_TO_UINT (keys[i]) - 1) * PAGE_SIZE;
          guint len = MIN (PAGE_SIZE, old_len - start);

          g_list_model_items_changed (G_LIST_MODEL (self), start, len, len);
        }
    }
  else if (ids->len - prefix - suffix > SPLIT_CHANGE_ABOVE && old_len - prefix - suffix > 0)
    {
      guint added = ids->len - prefix - suffix;
      guint removed = old_len - prefix - suffix;

      /* Tell the removal against the old list, then the insertion. */
      g_array_unref (self->ids);
      self->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), old_len - removed);
      g_array_append_vals (self->ids, ids->data, prefix);
      g_array_append_vals (self->ids, &g_array_index (ids, gint64, prefix + added), suffix);
          g_list_model_items_changed (G_LIST_MODEL (self), prefix, removed, 0);
      g_array_unref (self->ids);
      self->ids = g_array_ref (ids);
          g_list_model_items_changed (G_LIST_MODEL (self), prefix, 0, added);
    }
  else if (MAX (old_len, ids->len) <= SPLIT_CHANGE_ABOVE)
    /* Small: all of it, the simplest change for a view to apply. */
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, ids->len);
  else
    g_list_model_items_changed (G_LIST_MODEL (self), prefix,
                                old_len - prefix - suffix, ids->len - prefix - suffix);
}

void
tally_viewer_result_list_set_store (TallyViewerResultList *self,
                                    TallyStore            *store,
                                    gint64                 run_id)
{
  g_autoptr(GArray) none = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self));

  self->store = store;
  self->run_id = run_id;
  g_hash_table_remove_all (self->objects);
  replace_ids (self, none, TRUE);
}

gint64
tally_viewer_result_list_get_run_id (TallyViewerResultList *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), 0);
  return self->run_id;
}

void
tally_viewer_result_list_set_filter (TallyViewerResultList *self,
                                     guint                  outcomes,
                                     const char            *text,
                                     GArray                *test_ids)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self));

  self->outcomes = outcomes;
  g_free (self->text);
  self->text = text && *text ? g_ascii_strdown (text, -1) : NULL;
  g_clear_pointer (&self->test_ids, g_array_unref);
  if (test_ids != NULL)
    self->test_ids = g_array_ref (test_ids);
}

void
tally_viewer_result_list_set_sort (TallyViewerResultList *self,
                                   const char            *sort_key,
                                   gboolean               descending)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self));

  g_free (self->sort_key);
  self->sort_key = g_strdup (sort_key ? sort_key : "path");
  self->descending = descending;
}

/* The store filters and sorts one run in memory (and narrows the last
 * text match as one types): a keystroke costs a pass over the previous
 * matches, not a query. */
static GArray *
query_ids (TallyViewerResultList  *self,
           GError                **error)
{
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;

  query.outcomes = self->outcomes;
  query.test_ids = self->test_ids;
  query.text = self->text;
  return tally_store_viewer_query_result_ids (self->store, self->run_id, &query,
                                              self->sort_key, self->descending, error);
}

gboolean
tally_viewer_result_list_refresh (TallyViewerResultList  *self,
                                  GError                **error)
{
  g_autoptr(GArray) ids = NULL;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), FALSE);

  if (self->store == NULL)
    return TRUE;

  ids = query_ids (self, error);
  if (ids == NULL)
    return FALSE;

  g_hash_table_iter_init (&iter, self->objects);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((TallyViewerResult *) value)->stale = TRUE;

  replace_ids (self, ids, TRUE);
  return TRUE;
}

gboolean
tally_viewer_result_list_set_text (TallyViewerResultList  *self,
                                   const char             *text,
                                   GError                **error)
{
  g_autoptr(GArray) ids = NULL;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), FALSE);

  g_free (self->text);
  self->text = text && *text ? g_ascii_strdown (text, -1) : NULL;
  if (self->store == NULL)
    return TRUE;

  ids = query_ids (self, error);
  if (ids == NULL)
    return FALSE;
  replace_ids (self, ids, FALSE);
  return TRUE;
}

guint
tally_viewer_result_list_find (TallyViewerResultList *self,
                               gint64                 result_id)
{
  TallyViewerResult *result;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), G_MAXUINT);

  /* Where its object was last handed out, if it is still there; else a
   * scan (0.1 ms for 100,000 ids), cheaper than indexing every position
   * after each keystroke. */
  result = g_hash_table_lookup (self->objects, &result_id);
  if (result != NULL && result->position < self->ids->len
      && g_array_index (self->ids, gint64, result->position) == result_id)
    return result->position;

  for (guint i = 0; i < self->ids->len; i++)
    if (g_array_index (self->ids, gint64, i) == result_id)
      {
        if (result != NULL)
          result->position = i;
        return i;
      }
  return G_MAXUINT;
}

gint64
tally_viewer_result_list_get_id_at (TallyViewerResultList *self,
                                    guint                  position)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), 0);

  if (position >= self->ids->len)
    return 0;
  return g_array_index (self->ids, gint64, position);
}
