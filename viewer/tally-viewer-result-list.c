/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-result-list.h"

#define PAGE_SIZE 64

/* Above this many cached rows, a new filter or order starts the cache
 * afresh, so memory follows what is looked at. */
#define MAX_CACHED_ROWS 4096

/* A row of the table: a position, not a result (tally-viewer-row.h). */
struct _TallyViewerResult
{
  TallyViewerRow parent_instance;
};

G_DEFINE_FINAL_TYPE (TallyViewerResult, tally_viewer_result, TALLY_VIEWER_TYPE_ROW)

struct _TallyViewerResultList
{
  GObject parent_instance;

  TallyStore *store;            /* borrowed */
  gint64 run_id;
  TallyViewerResultFilter filter;
  guint generation;             /* bumped by each filter or order change */

  GArray *ids;                  /* what the model shows */
  TallyViewerRows *items;       /* the positions handed out */
  GHashTable *rows;             /* id → TallyResultRow (owned), read a page at a time */
};

enum {
  CHANGING,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void load_page (TallyViewerResultList *self, guint position);

static void
tally_viewer_result_class_init (TallyViewerResultClass *klass)
{
}

static void
tally_viewer_result_init (TallyViewerResult *self)
{
}

gint64
tally_viewer_result_get_id (TallyViewerResult *self)
{
  TallyViewerResultList *list;
  guint position;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT (self), 0);

  list = tally_viewer_row_get_model (TALLY_VIEWER_ROW (self));
  position = tally_viewer_row_get_position (TALLY_VIEWER_ROW (self));
  if (list == NULL || position >= list->ids->len)
    return 0;
  return g_array_index (list->ids, gint64, position);
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
  TallyViewerResultList *list;
  gint64 id;
  const TallyResultRow *row;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT (self), NULL);

  id = tally_viewer_result_get_id (self);
  if (id == 0)
    return NULL;
  list = tally_viewer_row_get_model (TALLY_VIEWER_ROW (self));
  row = g_hash_table_lookup (list->rows, &id);
  if (row == NULL)
    {
      load_page (list, tally_viewer_row_get_position (TALLY_VIEWER_ROW (self)));
      row = g_hash_table_lookup (list->rows, &id);
    }
  return row;
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

  if (position >= self->ids->len)
    return NULL;
  return tally_viewer_rows_get (self->items, position);
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

  tally_viewer_result_filter_clear (&self->filter);
  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->items, tally_viewer_rows_free);
  g_clear_pointer (&self->rows, g_hash_table_unref);

  G_OBJECT_CLASS (tally_viewer_result_list_parent_class)->finalize (object);
}

static void
tally_viewer_result_list_class_init (TallyViewerResultListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_result_list_finalize;

  /* Around every change of the ids: the owner of a selection keeps it
   * by id (positions keep their objects, see the header). */
  signals[CHANGING] = g_signal_new ("changing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tally_viewer_result_list_init (TallyViewerResultList *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->items = tally_viewer_rows_new (G_LIST_MODEL (self), TALLY_VIEWER_TYPE_RESULT);
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                      (GDestroyNotify) tally_result_row_free);
  self->filter.sort_key = g_strdup ("path");
}

TallyViewerResultList *
tally_viewer_result_list_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_RESULT_LIST, NULL);
}

typedef struct
{
  GArray *old_ids;
  GArray *ids;
} IdChange;

static gboolean
id_changed (guint    position,
            gpointer data)
{
  IdChange *change = data;

  return position >= change->old_ids->len
         || g_array_index (change->old_ids, gint64, position) != g_array_index (change->ids, gint64, position);
}

/* @rows_changed: the rows may have changed (not only the ids), so the
 * views rebind every position; @clear_rows: forget the rows read. */
static void
replace_ids (TallyViewerResultList *self,
             GArray                *ids,
             gboolean               rows_changed,
             gboolean               clear_rows)
{
  g_autoptr(GArray) old_ids = self->ids;
  guint old_len = old_ids->len;
  guint common = MIN (old_len, ids->len);
  gboolean same = ids->len == old_len
                  && (old_len == 0
                      || memcmp (ids->data, old_ids->data, old_len * sizeof (gint64)) == 0);

  if (same && !rows_changed)
    {
      self->ids = g_array_ref (ids);
      return;
    }

  g_signal_emit (self, signals[CHANGING], 0);
  self->ids = g_array_ref (ids);

  if (clear_rows || g_hash_table_size (self->rows) > MAX_CACHED_ROWS)
    g_hash_table_remove_all (self->rows);

  /* Positions added or removed at the end, then the contents of the
   * rows on screen: the views rebind those, and read the others from
   * the new ids when they scroll to them. */
  if (ids->len != old_len)
    g_list_model_items_changed (G_LIST_MODEL (self), common, old_len - common, ids->len - common);
  {
    IdChange change = { old_ids, ids };

    tally_viewer_rows_rebind (self->items, common, rows_changed ? NULL : id_changed, &change);
  }
  g_signal_emit (self, signals[CHANGED], 0);
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
  replace_ids (self, none, TRUE, TRUE);
}

void
tally_viewer_result_list_detach (TallyViewerResultList *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self));

  self->store = NULL;
  g_hash_table_remove_all (self->rows);
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

  self->filter.outcomes = outcomes;
  g_free (self->filter.text);
  self->filter.text = text && *text ? g_ascii_strdown (text, -1) : NULL;
  g_clear_pointer (&self->filter.test_ids, g_array_unref);
  if (test_ids != NULL)
    self->filter.test_ids = g_array_ref (test_ids);
  self->generation++;
}

void
tally_viewer_result_list_set_sort (TallyViewerResultList *self,
                                   const char            *sort_key,
                                   gboolean               descending)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self));

  g_free (self->filter.sort_key);
  self->filter.sort_key = g_strdup (sort_key ? sort_key : "path");
  self->filter.descending = descending;
  self->generation++;
}

void
tally_viewer_result_list_take_text (TallyViewerResultList *self,
                                    const char            *text)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self));

  g_free (self->filter.text);
  self->filter.text = text && *text ? g_ascii_strdown (text, -1) : NULL;
  self->generation++;
}

guint
tally_viewer_result_list_get_generation (TallyViewerResultList *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), 0);
  return self->generation;
}

TallyViewerResultFilter *
tally_viewer_result_list_dup_filter (TallyViewerResultList *self)
{
  TallyViewerResultFilter *copy;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), NULL);

  copy = g_new0 (TallyViewerResultFilter, 1);
  copy->outcomes = self->filter.outcomes;
  copy->text = g_strdup (self->filter.text);
  copy->test_ids = self->filter.test_ids ? g_array_ref (self->filter.test_ids) : NULL;
  copy->sort_key = g_strdup (self->filter.sort_key);
  copy->descending = self->filter.descending;
  return copy;
}

void
tally_viewer_result_filter_clear (TallyViewerResultFilter *filter)
{
  g_clear_pointer (&filter->text, g_free);
  g_clear_pointer (&filter->test_ids, g_array_unref);
  g_clear_pointer (&filter->sort_key, g_free);
}

void
tally_viewer_result_filter_free (TallyViewerResultFilter *filter)
{
  if (filter == NULL)
    return;
  tally_viewer_result_filter_clear (filter);
  g_free (filter);
}

/* The store filters and sorts one run in memory (and narrows the last
 * text match as one types): a keystroke costs a pass over the previous
 * matches, not a query. Any thread: only @store is used. */
GArray *
tally_viewer_result_filter_query (const TallyViewerResultFilter  *filter,
                                  TallyStore                     *store,
                                  gint64                          run_id,
                                  GError                        **error)
{
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;

  query.outcomes = filter->outcomes;
  query.test_ids = filter->test_ids;
  query.text = filter->text;
  return tally_store_viewer_query_result_ids (store, run_id, &query,
                                              filter->sort_key, filter->descending, error);
}

static GArray *
query_ids (TallyViewerResultList  *self,
           GError                **error)
{
  return tally_viewer_result_filter_query (&self->filter, self->store, self->run_id, error);
}

void
tally_viewer_result_list_set_ids (TallyViewerResultList *self,
                                  TallyStore            *store,
                                  gint64                 run_id,
                                  GArray                *ids,
                                  GPtrArray             *rows)
{
  g_return_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self));
  g_return_if_fail (ids != NULL);

  self->store = store;
  self->run_id = run_id;
  g_hash_table_remove_all (self->rows);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      TallyResultRow *row = g_steal_pointer (&rows->pdata[i]);

      g_hash_table_replace (self->rows, &row->id, row);
    }
  replace_ids (self, ids, TRUE, FALSE);
}

TallyStore *
tally_viewer_result_list_get_store (TallyViewerResultList *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), NULL);
  return self->store;
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

  replace_ids (self, ids, TRUE, TRUE);
  return TRUE;
}

gboolean
tally_viewer_result_list_set_text (TallyViewerResultList  *self,
                                   const char             *text,
                                   GError                **error)
{
  g_autoptr(GArray) ids = NULL;

  g_return_val_if_fail (TALLY_VIEWER_IS_RESULT_LIST (self), FALSE);

  g_free (self->filter.text);
  self->filter.text = text && *text ? g_ascii_strdown (text, -1) : NULL;
  self->generation++;
  if (self->store == NULL)
    return TRUE;

  ids = query_ids (self, error);
  if (ids == NULL)
    return FALSE;
  replace_ids (self, ids, FALSE, FALSE);
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
