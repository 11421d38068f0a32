/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* The results of one run as a tree: a node per program, then per path
 * segment (/net/http/get under /net/http under /net), the tests as
 * leaves. Each node rolls up its tests: the worst outcome and counts by
 * outcome group. Built in one pass over the run in memory
 * (tally_store_viewer_foreach_result()), with the filter of the table,
 * so a node without a matching test does not exist. */
#define TALLY_VIEWER_TYPE_TREE_ITEM (tally_viewer_tree_item_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerTreeItem, tally_viewer_tree_item, TALLY_VIEWER, TREE_ITEM, GObject)

/* The outcome groups a node counts, as the filter bar's toggles. */
typedef enum
{
  TALLY_VIEWER_GROUP_FAILED,
  TALLY_VIEWER_GROUP_PASSED,
  TALLY_VIEWER_GROUP_FLAKY,
  TALLY_VIEWER_GROUP_SKIPPED,
  TALLY_VIEWER_GROUP_OTHER,
  TALLY_VIEWER_N_GROUPS
} TallyViewerGroup;

const char   *tally_viewer_tree_item_get_name      (TallyViewerTreeItem *self);
/* "PROGRAM" or "PROGRAM::/a/b": the same node in another build. */
char         *tally_viewer_tree_item_dup_key       (TallyViewerTreeItem *self);
/* The test's result (0 for a group that is no test itself). */
gint64        tally_viewer_tree_item_get_result_id (TallyViewerTreeItem *self);
gboolean      tally_viewer_tree_item_is_group      (TallyViewerTreeItem *self);
/* The worst outcome of the node's tests (crashed worst, skipped least). */
TallyOutcome  tally_viewer_tree_item_get_outcome   (TallyViewerTreeItem *self);
guint         tally_viewer_tree_item_get_n_tests   (TallyViewerTreeItem *self);
guint         tally_viewer_tree_item_get_count     (TallyViewerTreeItem *self,
                                                    TallyViewerGroup     group);
/* The test's duration (-1: unknown), or the sum of the node's. */
gint64        tally_viewer_tree_item_get_duration  (TallyViewerTreeItem *self);
/* Appends the result ids of the node's tests to @ids. */
void          tally_viewer_tree_item_collect_ids   (TallyViewerTreeItem *self,
                                                    GArray              *ids);
/* The children (a GListModel of TallyViewerTreeItem), NULL for a test:
 * GtkTreeListModel's create function. */
GListModel   *tally_viewer_tree_item_dup_children  (TallyViewerTreeItem *self);
/* The item's parent, NULL at the top. */
TallyViewerTreeItem *tally_viewer_tree_item_dup_parent (TallyViewerTreeItem *self);

/* A built tree: the top level (programs) as a GListModel. */
typedef struct _TallyViewerTree TallyViewerTree;

TallyViewerTree *tally_viewer_tree_build      (TallyStore              *store,
                                               gint64                   run_id,
                                               const TallyResultQuery  *query,
                                               GError                 **error);
TallyViewerTree *tally_viewer_tree_ref        (TallyViewerTree         *tree);
void             tally_viewer_tree_unref      (TallyViewerTree         *tree);
/* Returns: (transfer full): the programs */
GListModel      *tally_viewer_tree_dup_root   (TallyViewerTree         *tree);
guint            tally_viewer_tree_get_n_tests (TallyViewerTree        *tree);
/* Returns: (transfer full) (nullable): the test of @result_id */
TallyViewerTreeItem *tally_viewer_tree_find   (TallyViewerTree         *tree,
                                               gint64                   result_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyViewerTree, tally_viewer_tree_unref)


/* The group of @outcome; its severity (higher is worse) for roll-ups. */
TallyViewerGroup tally_viewer_outcome_group    (TallyOutcome outcome);
int              tally_viewer_outcome_severity (TallyOutcome outcome);

G_END_DECLS
