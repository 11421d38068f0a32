/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <tally.h>

#include "tally-viewer-log-list.h"

#define PAGE_SIZE 128

struct _TallyViewerLogItem
{
  GObject parent_instance;

  TallyLogRecord *record;
};

G_DEFINE_FINAL_TYPE (TallyViewerLogItem, tally_viewer_log_item, G_TYPE_OBJECT)

static void
tally_viewer_log_item_finalize (GObject *object)
{
  TallyViewerLogItem *self = (TallyViewerLogItem *) object;

  g_clear_pointer (&self->record, tally_log_record_free);

  G_OBJECT_CLASS (tally_viewer_log_item_parent_class)->finalize (object);
}

static void
tally_viewer_log_item_class_init (TallyViewerLogItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_log_item_finalize;
}

static void
tally_viewer_log_item_init (TallyViewerLogItem *self)
{
}

const TallyLogRecord *
tally_viewer_log_item_get_record (TallyViewerLogItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_ITEM (self), NULL);
  return self->record;
}

struct _TallyViewerLogList
{
  GObject parent_instance;

  TallyStore *store;            /* borrowed */
  gint64 result_id;
  GLogLevelFlags max_level;
  guint n_items;
  GHashTable *pages;            /* page index → GPtrArray of TallyViewerLogItem */
};

static GType
tally_viewer_log_list_get_item_type (GListModel *model)
{
  return TALLY_VIEWER_TYPE_LOG_ITEM;
}

static guint
tally_viewer_log_list_get_n_items (GListModel *model)
{
  return ((TallyViewerLogList *) model)->n_items;
}

static GPtrArray *
load_page (TallyViewerLogList *self,
           guint               page)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);

  records = tally_store_get_logs_page (self->store, self->result_id, page * PAGE_SIZE,
                                       PAGE_SIZE, self->max_level, &error);
  if (records == NULL)
    g_warning ("Cannot read log records: %s", error->message);

  for (guint i = 0; i < PAGE_SIZE && page * PAGE_SIZE + i < self->n_items; i++)
    {
      TallyViewerLogItem *item = g_object_new (TALLY_VIEWER_TYPE_LOG_ITEM, NULL);

      if (records != NULL && i < records->len)
        item->record = g_steal_pointer (&records->pdata[i]);
      g_ptr_array_add (items, item);
    }

  /* Keep memory bounded whatever the log's size: a scroll through a
   * million records holds a few pages, not all of them. */
  if (g_hash_table_size (self->pages) > 64)
    g_hash_table_remove_all (self->pages);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
  return items;
}

static gpointer
tally_viewer_log_list_get_item (GListModel *model,
                                guint       position)
{
  TallyViewerLogList *self = (TallyViewerLogList *) model;
  guint page = position / PAGE_SIZE;
  GPtrArray *items;

  if (position >= self->n_items)
    return NULL;

  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items == NULL)
    items = load_page (self, page);

  return g_object_ref (g_ptr_array_index (items, position % PAGE_SIZE));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tally_viewer_log_list_get_item_type;
  iface->get_n_items = tally_viewer_log_list_get_n_items;
  iface->get_item = tally_viewer_log_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyViewerLogList, tally_viewer_log_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
tally_viewer_log_list_finalize (GObject *object)
{
  TallyViewerLogList *self = (TallyViewerLogList *) object;

  g_clear_pointer (&self->pages, g_hash_table_unref);

  G_OBJECT_CLASS (tally_viewer_log_list_parent_class)->finalize (object);
}

static void
tally_viewer_log_list_class_init (TallyViewerLogListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_log_list_finalize;
}

static void
tally_viewer_log_list_init (TallyViewerLogList *self)
{
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
}

TallyViewerLogList *
tally_viewer_log_list_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_LOG_LIST, NULL);
}

gboolean
tally_viewer_log_list_set_result (TallyViewerLogList  *self,
                                  TallyStore          *store,
                                  gint64               result_id,
                                  GLogLevelFlags       max_level,
                                  GError             **error)
{
  guint old_n = self->n_items;
  gint64 count = 0;

  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_LIST (self), FALSE);

  if (store != NULL && result_id != 0)
    {
      count = tally_store_count_logs (store, result_id, max_level, error);
      if (count < 0)
        count = 0;
    }

  self->store = store;
  self->result_id = result_id;
  self->max_level = max_level;
  self->n_items = (guint) count;
  g_hash_table_remove_all (self->pages);

  if (old_n > 0 || self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n_items);

  return count >= 0 && (error == NULL || *error == NULL);
}
