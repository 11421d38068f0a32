/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-result-list.h"
#include "tally-viewer-util.h"

#define PAGE_SIZE 64

/* Above this many cached rows, a new filter or order starts the cache
 * afresh, so memory follows what is looked at. */
#define MAX_CACHED_ROWS 4096

/* A row of the table: a position, not a result. GTK 4.8's list views
 * throw away the widgets of removed items and build new ones (15 widgets
 * a row in a column view), so a filter keystroke that replaced every
 * visible result cost more than 100 ms. The item at a position stays the
 * same object whatever it shows; a change of contents is told as the
 * positions the views show being changed, and they rebind the widgets
 * they already have. */
struct _TallyViewerResult
{
  GObject parent_instance;

  TallyViewerResultList *list;  /* borrowed; NULL once the list is gone */
  guint position;
  guint shown;                  /* cells bound to it (tally_viewer_result_set_shown) */
};

G_DEFINE_FINAL_TYPE (TallyViewerResult, tally_viewer_result, G_TYPE_OBJECT)

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
  GHashTable *slots;            /* position → TallyViewerResult (weak: alive while held) */
  GHashTable *shown;            /* TallyViewerResult set: bound in a view */
  GHashTable *rows;             /* id → TallyResultRow (owned), read a page at a time */
};

static void load_page (TallyViewerResultList *self, guint position);

static void
tally_viewer_result_finalize (GObject *object)
{
  TallyViewerResult *self = (TallyViewerResult *) object;

  if (self->list != NULL)
    {
      g_hash_table_remove (self->list->slots, GUINT_TO_POINTER (self->position));
      g_hash_table_remove (self->list->shown, self);
    }

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

  if (self->list == NULL || self->position >= self->list->ids->len)
    return 0;
  return g_array_index (self->list->ids, gint64, self->position);
}

/* Reads the row (with the rest of its page) on first use: handing out
 * objects costs nothing, so GTK may walk the whole model (a selection
 * looking for its item does) without reading 100,000 rows.
 *
 * Returns: (nullable): the row, valid until the list next changes; NULL
 * when it could not be read */
const TallyResultRow *
tally_viewer_result_get_row (TallyViewerResult *self)
{
  gint64 id;
  const TallyResultRow *row;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT (self), NULL);

  id = tally_viewer_result_get_id (self);
  if (id == 0)
    return NULL;
  row = g_hash_table_lookup (self->list->rows, &id);
  if (row == NULL)
    {
      load_page (self->list, self->position);
      row = g_hash_table_lookup (self->list->rows, &id);
    }
  return row;
}

void
tally_viewer_result_set_shown (TallyViewerResult *self,
                               gboolean           shown)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULT (self));

  tally_viewer_count_bound (self->list != NULL ? self->list->shown : NULL, self, &self->shown, shown);
}

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

/* Reads the rows of the page around @position that are not cached, in
 * one batch. */
static void
load_page (TallyViewerResultList *self,
           guint                  position)
{
  g_autoptr(GArray) wanted = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  guint start = position - position % PAGE_SIZE;
  guint end = MIN (start + PAGE_SIZE, self->ids->len);

  if (position >= self->ids->len || self->store == NULL)
    return;

  for (guint i = start; i < end; i++)
    {
      gint64 *id = &g_array_index (self->ids, gint64, i);

      if (!g_hash_table_contains (self->rows, id))
        g_array_append_val (wanted, *id);
    }
  if (wanted->len == 0)
    return;

  rows = tally_store_get_result_rows (self->store, (gint64 *) wanted->data, wanted->len, &error);
  if (rows == NULL)
    {
      g_warning ("Cannot read results: %s", error->message);
      return;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      TallyResultRow *row = g_steal_pointer (&rows->pdata[i]);

      g_hash_table_replace (self->rows, &row->id, row);
    }
}

static gpointer
tally_viewer_result_list_get_item (GListModel *model,
                                   guint       position)
{
  TallyViewerResultList *self = (TallyViewerResultList *) model;
  TallyViewerResult *result;

  if (position >= self->ids->len)
    return NULL;

  result = g_hash_table_lookup (self->slots, GUINT_TO_POINTER (position));
  if (result != NULL)
    return g_object_ref (result);

  result = g_object_new (TALLY_VIEWER_TYPE_RESULT, NULL);
  result->list = self;
  result->position = position;
  g_hash_table_insert (self->slots, GUINT_TO_POINTER (position), result);
  return result;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tally_viewer_result_list_get_item_type;
  iface->get_n_items = tally_viewer_result_list_get_n_items;
  iface->get_item = tally_viewer_result_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyViewerResultList, tally_viewer_result_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
tally_viewer_result_list_finalize (GObject *object)
{
  TallyViewerResultList *self = (TallyViewerResultList *) object;
  GHashTableIter iter;
  gpointer value;

  /* Items still held elsewhere outlive the list: they show nothing. */
  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((TallyViewerResult *) value)->list = NULL;

  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->test_ids, g_array_unref);
  g_clear_pointer (&self->sort_key, g_free);
  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->slots, g_hash_table_unref);
  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_pointer (&self->rows, g_hash_table_unref);

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
  self->slots = g_hash_table_new (NULL, NULL);
  self->shown = g_hash_table_new (NULL, NULL);
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                      (GDestroyNotify) tally_result_row_free);
  self->sort_key = g_strdup ("path");
}

TallyViewerResultList *
tally_viewer_result_list_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_RESULT_LIST, NULL);
}

/* Tells the views that the shown positions below @len whose result
 * changed (all of them when @rows_changed) have new contents. */
static void
rebind_shown (TallyViewerResultList *self,
              GArray                *old_ids,
              guint                  len,
              gboolean               rows_changed)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint position = ((TallyViewerResult *) key)->position;

      if (position < len
          && (rows_changed
              || position >= old_ids->len
              || g_array_index (old_ids, gint64, position) != g_array_index (self->ids, gint64, position)))
        g_array_append_val (positions, position);
    }
  tally_viewer_items_changed_at (G_LIST_MODEL (self), positions);
}

static void
replace_ids (TallyViewerResultList *self,
             GArray                *ids,
             gboolean               rows_changed)
{
  g_autoptr(GArray) old_ids = self->ids;
  guint old_len = old_ids->len;
  guint common = MIN (old_len, ids->len);
  gboolean same = ids->len == old_len
                  && (old_len == 0
                      || memcmp (ids->data, old_ids->data, old_len * sizeof (gint64)) == 0);

  self->ids = g_array_ref (ids);
  if (same && !rows_changed)
    return;

  if (rows_changed || g_hash_table_size (self->rows) > MAX_CACHED_ROWS)
    g_hash_table_remove_all (self->rows);

  /* Positions added or removed at the end, then the contents of the
   * rows on screen: the views rebind those, and read the others from
   * the new ids when they scroll to them. */
  if (ids->len != old_len)
    g_list_model_items_changed (G_LIST_MODEL (self), common, old_len - common, ids->len - common);
  rebind_shown (self, old_ids, common, rows_changed);
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

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), FALSE);

  if (self->store == NULL)
    return TRUE;

  ids = query_ids (self, error);
  if (ids == NULL)
    return FALSE;

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
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), G_MAXUINT);

  /* A scan: 0.1 ms for 100,000 ids, cheaper than indexing every
   * position after each keystroke. */
  for (guint i = 0; i < self->ids->len; i++)
    if (g_array_index (self->ids, gint64, i) == result_id)
      return i;
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
