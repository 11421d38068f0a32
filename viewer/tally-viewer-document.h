/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tally-store-private.h"
#include "tally-viewer-result-list.h"

G_BEGIN_DECLS

/* Outcome groups of the filter toggles. */
#define TALLY_VIEWER_FAILED_MASK ((1u << TALLY_OUTCOME_FAILED) | (1u << TALLY_OUTCOME_CRASHED) \
                                  | (1u << TALLY_OUTCOME_TIMEOUT) | (1u << TALLY_OUTCOME_ERROR))
#define TALLY_VIEWER_PASSED_MASK (1u << TALLY_OUTCOME_PASSED)
#define TALLY_VIEWER_FLAKY_MASK (1u << TALLY_OUTCOME_FLAKY)
#define TALLY_VIEWER_SKIPPED_MASK (1u << TALLY_OUTCOME_SKIPPED)
#define TALLY_VIEWER_ALL_MASK ((1u << TALLY_N_OUTCOMES) - 1)
#define TALLY_VIEWER_OTHER_MASK (TALLY_VIEWER_ALL_MASK & ~(TALLY_VIEWER_FAILED_MASK | TALLY_VIEWER_PASSED_MASK \
                                                         | TALLY_VIEWER_FLAKY_MASK | TALLY_VIEWER_SKIPPED_MASK))

/* A run in the sidebar: the same object for as long as the run is listed. */
#define TALLY_VIEWER_TYPE_RUN_ITEM (tally_viewer_run_item_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerRunItem, tally_viewer_run_item, TALLY_VIEWER, RUN_ITEM, GObject)

const TallyRunRow *tally_viewer_run_item_get_row (TallyViewerRunItem *self);

/* An open results database, without widgets: its runs, the run shown
 * (whose results it loads on a thread, with a connection of its own),
 * its counts and the filtered results, and the live following of the
 * file (PRAGMA data_version, polled). Widgets bind to its properties
 * ("path", "run-id", "loading") and signals:
 *   "runs-changed": the runs were read again (the list keeps its items);
 *   "counts-changed": the shown run's counts by outcome;
 *   "run-loaded": the shown run's results are in the list;
 *   "store-changed": the shown run was read again after a change, on
 *     another connection, which tally_viewer_document_get_store() now
 *     returns (the one before is closed after the signal);
 *   "problem" (message): a query failed, for a toast. */
#define TALLY_VIEWER_TYPE_DOCUMENT (tally_viewer_document_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerDocument, tally_viewer_document, TALLY_VIEWER, DOCUMENT, GObject)

TallyViewerDocument   *tally_viewer_document_new         (void);
/* Opens @path read-only and lists its runs; shows none yet. */
gboolean               tally_viewer_document_open        (TallyViewerDocument  *self,
                                                          const char           *path,
                                                          GError              **error);
void                   tally_viewer_document_close       (TallyViewerDocument  *self);
gboolean               tally_viewer_document_is_open     (TallyViewerDocument  *self);
const char            *tally_viewer_document_get_path    (TallyViewerDocument  *self);
/* The connection the run's results are read with (the list's and the
 * detail's): (nullable) (transfer none), valid until the next
 * "run-loaded" or close. */
TallyStore            *tally_viewer_document_get_store   (TallyViewerDocument  *self);
/* The GListStore of TallyViewerRunItem, newest first. */
GListModel            *tally_viewer_document_get_runs    (TallyViewerDocument  *self);
TallyViewerResultList *tally_viewer_document_get_results (TallyViewerDocument  *self);
gint64                 tally_viewer_document_get_run_id  (TallyViewerDocument  *self);
/* Returns: (nullable): the shown run's row, as last listed */
const TallyRunRow     *tally_viewer_document_get_run     (TallyViewerDocument  *self);
gboolean               tally_viewer_document_get_loading (TallyViewerDocument  *self);
/* Loading a run, or reading the shown one again after a change. */
gboolean               tally_viewer_document_is_busy     (TallyViewerDocument  *self);
/* Results of the shown run whose outcome is in @mask. */
guint                  tally_viewer_document_count       (TallyViewerDocument  *self,
                                                          guint                 mask);
/* Shows @run_id (0: none): the list empties, "loading" turns TRUE, and
 * a thread reads the run; a later call cancels a load in progress. */
void                   tally_viewer_document_load_run    (TallyViewerDocument  *self,
                                                          gint64                run_id);
/* Shows @run_id as soon as it is listed (a run being started). */
void                   tally_viewer_document_follow_run  (TallyViewerDocument  *self,
                                                          gint64                run_id);
/* Records that @run_id (a run the viewer started) reruns tests of
 * @parent_id: from then on the store reads it merged over its parent
 * (tally_store_set_merge_reruns()). Problems go to "problem". */
void                   tally_viewer_document_record_rerun (TallyViewerDocument *self,
                                                           gint64               run_id,
                                                           gint64               parent_id);
/* Reads the runs and the counts again now, and the shown run's ids on
 * a thread. */
void                   tally_viewer_document_reload      (TallyViewerDocument  *self);
/* Filters the shown run (all filters, or the text alone, which the
 * store narrows from its last match). */
void                   tally_viewer_document_set_filter  (TallyViewerDocument  *self,
                                                          guint                 outcomes,
                                                          const char           *text,
                                                          GArray               *test_ids);
void                   tally_viewer_document_set_text    (TallyViewerDocument  *self,
                                                          const char           *text);
void                   tally_viewer_document_set_sort    (TallyViewerDocument  *self,
                                                          const char           *sort_key,
                                                          gboolean              descending);

G_END_DECLS
