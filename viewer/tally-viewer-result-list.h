/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tally-store-private.h"
#include "tally-viewer-row.h"

G_BEGIN_DECLS

/* One row of the table: the result at a position (positions keep their
 * object; what they show changes with the filter and order). */
#define TALLY_VIEWER_TYPE_RESULT (tally_viewer_result_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerResult, tally_viewer_result, TALLY_VIEWER, RESULT, TallyViewerRow)

gint64                tally_viewer_result_get_id  (TallyViewerResult *self);
const TallyResultRow *tally_viewer_result_get_row (TallyViewerResult *self);

/* A GListModel over one run's filtered, sorted results: it keeps the
 * list of ids (8 bytes a row) and reads rows from the store a page at a
 * time as the view asks for them, so 100,000 results cost one id query.
 * Positions are stable items: a selection model keeps its positions
 * across a change, so the owner of the selection puts it right by id:
 * "changing" is emitted before the ids change, "changed" after. */
#define TALLY_VIEWER_TYPE_RESULT_LIST (tally_viewer_result_list_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerResultList, tally_viewer_result_list, TALLY_VIEWER, RESULT_LIST, GObject)

/* A copy of a list's filter and order, to query another connection on
 * another thread (a run loaded off the main thread). */
typedef struct
{
  guint outcomes;
  char *text;
  GArray *test_ids;
  char *sort_key;
  gboolean descending;
} TallyViewerResultFilter;

void     tally_viewer_result_filter_clear (TallyViewerResultFilter        *filter);
void     tally_viewer_result_filter_free  (TallyViewerResultFilter        *filter);
GArray  *tally_viewer_result_filter_query (const TallyViewerResultFilter  *filter,
                                           TallyStore                     *store,
                                           gint64                          run_id,
                                           GError                        **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyViewerResultFilter, tally_viewer_result_filter_free)

TallyViewerResultList *tally_viewer_result_list_new        (void);
/* Borrowed: the caller keeps @store open while the list uses it. */
void     tally_viewer_result_list_set_store   (TallyViewerResultList  *self,
                                               TallyStore             *store,
                                               gint64                  run_id);
/* Forgets the connection and the rows read, keeping the positions (and
 * the widgets views have for them) until tally_viewer_result_list_set_ids():
 * rows read meanwhile are empty, filters wait. */
void     tally_viewer_result_list_detach      (TallyViewerResultList  *self);
gint64   tally_viewer_result_list_get_run_id  (TallyViewerResultList  *self);
TallyStore *tally_viewer_result_list_get_store (TallyViewerResultList *self);
/* Shows @ids of @run_id (read elsewhere, e.g. on another connection
 * that @store now is), with @rows (nullable; stolen) already read. */
void     tally_viewer_result_list_set_ids     (TallyViewerResultList  *self,
                                               TallyStore             *store,
                                               gint64                  run_id,
                                               GArray                 *ids,
                                               GPtrArray              *rows);
TallyViewerResultFilter *tally_viewer_result_list_dup_filter (TallyViewerResultList *self);
/* Sets the text filter for the next refresh, without a query. */
void     tally_viewer_result_list_take_text   (TallyViewerResultList  *self,
                                               const char             *text);
/* Changes with each filter or order change: a load that started with
 * an older filter must query again. */
guint    tally_viewer_result_list_get_generation (TallyViewerResultList *self);
/* Takes effect at the next refresh. @outcomes: bits 1 << TallyOutcome,
 * 0 for all; @test_ids: (nullable) tests to keep. */
void     tally_viewer_result_list_set_filter  (TallyViewerResultList  *self,
                                               guint                   outcomes,
                                               const char             *text,
                                               GArray                 *test_ids);
void     tally_viewer_result_list_set_sort    (TallyViewerResultList  *self,
                                               const char             *sort_key,
                                               gboolean                descending);
/* Re-reads the ids; rows already read are read again when next shown. */
gboolean tally_viewer_result_list_refresh     (TallyViewerResultList  *self,
                                               GError                **error);
/* Filters by @text now (the store narrows its last match in memory). */
gboolean tally_viewer_result_list_set_text    (TallyViewerResultList  *self,
                                               const char             *text,
                                               GError                **error);
guint    tally_viewer_result_list_find        (TallyViewerResultList  *self,
                                               gint64                  result_id);
gint64   tally_viewer_result_list_get_id_at   (TallyViewerResultList  *self,
                                               guint                   position);

G_END_DECLS
