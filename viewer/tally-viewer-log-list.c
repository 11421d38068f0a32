/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <tally.h>

#include <string.h>

#include "tally-viewer-log-list.h"

#define PAGE_SIZE 128

/* A row of the log table: a position, not a record (tally-viewer-row.h). */
struct _TallyViewerLogItem
{
  TallyViewerRow parent_instance;
};

G_DEFINE_FINAL_TYPE (TallyViewerLogItem, tally_viewer_log_item, TALLY_VIEWER_TYPE_ROW)

struct _TallyViewerLogList
{
  GObject parent_instance;

  TallyStore *store;            /* borrowed */
  gint64 result_id;
  GLogLevelFlags max_level;
  guint n_items;
  GHashTable *pages;            /* page index → GPtrArray of TallyLogRecord */
  TallyViewerRows *items;       /* the positions handed out */
};

static GPtrArray *load_page (TallyViewerLogList *self, guint page);

static void
tally_viewer_log_item_class_init (TallyViewerLogItemClass *klass)
{
}

static void
tally_viewer_log_item_init (TallyViewerLogItem *self)
{
}

const TallyLogRecord *
tally_viewer_log_item_get_record (TallyViewerLogItem *self)
{
  TallyViewerLogList *list;
  GPtrArray *records;
  guint position, page, index;

  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_ITEM (self), NULL);

  list = tally_viewer_row_get_model (TALLY_VIEWER_ROW (self));
  position = tally_viewer_row_get_position (TALLY_VIEWER_ROW (self));
  if (list == NULL || position >= list->n_items)
    return NULL;

  page = position / PAGE_SIZE;
  index = position % PAGE_SIZE;
  records = g_hash_table_lookup (list->pages, GUINT_TO_POINTER (page));
  if (records == NULL)
    records = load_page (list, page);
  return index < records->len ? g_ptr_array_index (records, index) : NULL;
}

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
  g_autoptr(GError) error = NULL;
  GPtrArray *records = NULL;

  if (self->store != NULL)
    records = tally_store_get_logs_page (self->store, self->result_id, page * PAGE_SIZE,
                                         PAGE_SIZE, self->max_level, &error);
  if (records == NULL)
    {
      if (error != NULL)
        g_warning ("Cannot read log records: %s", error->message);
      records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
    }

  /* Keep memory bounded whatever the log's size: a scroll through a
   * million records holds a few pages, not all of them. Records handed
   * out stay valid until the next page is read. */
  if (g_hash_table_size (self->pages) > 64)
    g_hash_table_remove_all (self->pages);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), records);
  return records;
}

static gpointer
tally_viewer_log_list_get_item (GListModel *model,
                                guint       position)
{
  TallyViewerLogList *self = (TallyViewerLogList *) model;

  if (position >= self->n_items)
    return NULL;
  return tally_viewer_rows_get (self->items, position);
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
  g_clear_pointer (&self->items, tally_viewer_rows_free);

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
  self->items = tally_viewer_rows_new (G_LIST_MODEL (self), TALLY_VIEWER_TYPE_LOG_ITEM);
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
                                  gint64               n_records,
                                  GError             **error)
{
  guint old_n = self->n_items;
  guint keep;
  gint64 count = 0;

  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_LIST (self), FALSE);

  if (store != NULL && result_id != 0 && n_records >= 0)
    count = n_records;
  else if (store != NULL && result_id != 0)
    {
      count = tally_store_count_logs (store, result_id, max_level, error);
      if (count < 0)
        count = 0;
    }

  self->store = store;
  self->result_id = result_id;
  self->max_level = max_level;
  g_hash_table_remove_all (self->pages);

  /* The rows on screen that stay show the new records, then records are
   * added or removed at the end: rows GTK builds for added records are
   * bound once, not bound and then rebound. */
  keep = MIN (old_n, (guint) count);
  self->n_items = keep;
  tally_viewer_rows_rebind (self->items, keep, NULL, NULL);
  self->n_items = (guint) count;
  if (old_n != self->n_items)
    g_list_model_items_changed (G_LIST_MODEL (self), keep, old_n - keep, self->n_items - keep);

  return count >= 0 && (error == NULL || *error == NULL);
}

void
tally_viewer_log_list_set_store (TallyViewerLogList *self,
                                 TallyStore         *store)
{
  g_return_if_fail (TALLY_VIEWER_IS_LOG_LIST (self));
  self->store = store;
}

void
tally_viewer_log_list_rebind (TallyViewerLogList *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_LOG_LIST (self));
  tally_viewer_rows_rebind (self->items, self->n_items, NULL, NULL);
}

#define SCAN_PAGE 4096

static gboolean
message_has (const TallyLogRecord *record,
             const char           *needle,
             gsize                 needle_len)
{
  const char *m = record->message;

  if (m == NULL || record->message_len < needle_len)
    return FALSE;
  for (gsize i = 0; i + needle_len <= record->message_len; i++)
    if (g_ascii_strncasecmp (m + i, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

/* Scans [start, end) in pages, forward or backward; -1 if not found. */
static gint64
scan (TallyViewerLogList *self,
      const char         *needle,
      guint               start,
      guint               end,
      gboolean            forward)
{
  gsize needle_len = strlen (needle);

  while (start < end)
    {
      guint offset = forward ? start : (end - start > SCAN_PAGE ? end - SCAN_PAGE : start);
      guint limit = forward ? MIN (SCAN_PAGE, end - start) : end - offset;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) records = tally_store_get_logs_page (self->store, self->result_id, offset, limit,
                                                                self->max_level, &error);

      if (records == NULL)
        {
          g_warning ("Cannot search log records: %s", error->message);
          return -1;
        }
      for (guint k = 0; k < records->len; k++)
        {
          guint i = forward ? k : records->len - 1 - k;

          if (message_has (g_ptr_array_index (records, i), needle, needle_len))
            return (gint64) offset + i;
        }
      if (records->len < limit)
        return -1;
      if (forward)
        start += limit;
      else
        end = offset;
    }
  return -1;
}

gint64
tally_viewer_log_list_find (TallyViewerLogList *self,
                            const char         *needle,
                            guint               from,
                            gboolean            forward)
{
  gint64 found;

  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_LIST (self), -1);
  g_return_val_if_fail (needle != NULL, -1);

  if (self->store == NULL || self->n_items == 0 || *needle == '\0')
    return -1;
  if (from >= self->n_items)
    return forward ? scan (self, needle, 0, self->n_items, TRUE)
                   : scan (self, needle, 0, self->n_items, FALSE);
  if (forward)
    {
      found = scan (self, needle, from + 1, self->n_items, TRUE);
      return found >= 0 ? found : scan (self, needle, 0, from + 1, TRUE);
    }
  found = scan (self, needle, 0, from, FALSE);
  return found >= 0 ? found : scan (self, needle, from, self->n_items, FALSE);
}

gboolean
tally_viewer_log_list_foreach (TallyViewerLogList  *self,
                               GFunc                func,
                               gpointer             data,
                               GError             **error)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_LIST (self), FALSE);

  for (guint offset = 0; self->store != NULL && offset < self->n_items; offset += SCAN_PAGE)
    {
      g_autoptr(GPtrArray) records = tally_store_get_logs_page (self->store, self->result_id, offset, SCAN_PAGE,
                                                                self->max_level, error);

      if (records == NULL)
        return FALSE;
      g_ptr_array_foreach (records, func, data);
      if (records->len < SCAN_PAGE)
        break;
    }
  return TRUE;
}
