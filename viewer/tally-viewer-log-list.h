/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tally-store-private.h"
#include "tally-viewer-row.h"

G_BEGIN_DECLS

#define TALLY_VIEWER_TYPE_LOG_ITEM (tally_viewer_log_item_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerLogItem, tally_viewer_log_item, TALLY_VIEWER, LOG_ITEM, TallyViewerRow)

/* One row of the log table: the record at a position.
 * Returns: (nullable): the record, valid until the list reads another
 * page or changes; NULL when it could not be read */
const TallyLogRecord *tally_viewer_log_item_get_record (TallyViewerLogItem *self);

/* The log records of one result at a level filter, read from the store a
 * page at a time as the view scrolls: a 100,000-record log costs one
 * count to open. */
#define TALLY_VIEWER_TYPE_LOG_LIST (tally_viewer_log_list_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerLogList, tally_viewer_log_list, TALLY_VIEWER, LOG_LIST, GObject)

TallyViewerLogList *tally_viewer_log_list_new   (void);
/* @store is borrowed; @result_id 0 empties the list. @n_records: how
 * many records the filter keeps if known (the result row's count when
 * @max_level is 0), else -1 to count them. */
gboolean tally_viewer_log_list_set_result (TallyViewerLogList  *self,
                                           TallyStore          *store,
                                           gint64               result_id,
                                           GLogLevelFlags       max_level,
                                           gint64               n_records,
                                           GError             **error);

/* Another connection to the same database: pages are read from @store
 * from now on (borrowed), the list stays as it is. */
void     tally_viewer_log_list_set_store  (TallyViewerLogList  *self,
                                           TallyStore          *store);
/* The rows on screen show their records again (a new palette). */
void     tally_viewer_log_list_rebind     (TallyViewerLogList  *self);

/* The next record from @from (excluded; G_MAXUINT: from the start or
 * the end) whose message contains @needle (ASCII case-insensitive),
 * going on from the other end; -1 when none does. Reads the records in
 * large pages of its own, not the view's. */
gint64   tally_viewer_log_list_find       (TallyViewerLogList  *self,
                                           const char          *needle,
                                           guint                from,
                                           gboolean             forward);
/* Calls @func on every record the list shows, in order. */
gboolean tally_viewer_log_list_foreach    (TallyViewerLogList  *self,
                                           GFunc                func,
                                           gpointer             data,
                                           GError             **error);

G_END_DECLS
