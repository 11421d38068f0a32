/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* The results of one run as a tree: a node per program, then per path
 * segment (/net/http/get under /net/http under /net), the tests as
 * leaves. Each node rolls up its tests: the worst outcome and counts by
 * outcome group, of the tests a filter shows (a node without one is not
 * among its parent's children). Built in one pass over the run in
 * memory (tally_store_viewer_foreach_result()), with a query (its nodes
 * are those of the matching tests) or without one (the whole run, then
 * filtered in place by tally_viewer_tree_filter(), as the viewer does). */
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
/* Changes when a filter changes the roll-ups. */
guint         tally_viewer_tree_item_get_generation (TallyViewerTreeItem *self);
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
/* Returns: (transfer full) (nullable): the test of @result_id, if the
 * filter shows it */
TallyViewerTreeItem *tally_viewer_tree_find   (TallyViewerTree         *tree,
                                               gint64                   result_id);

/* Filters a tree built without a filter (the whole run) to the results
 * @ids, in place: the roll-ups are counted again (one pass), and the
 * children's models alive (the expanded nodes' and the top's) change by
 * a few items-changed, so GtkTreeListModel keeps its rows, what is
 * expanded and the list view's widgets. Groups that were expanded when
 * a filter hid them, shown again, are appended to @reopen (nullable)
 * for tally_viewer_tree_reopen(). FALSE if an id is not in the tree
 * (the run changed: build it again). */
gboolean         tally_viewer_tree_filter     (TallyViewerTree         *tree,
                                               const gint64            *ids,
                                               guint                    n_ids,
                                               GPtrArray               *reopen);
/* Expands @items (TallyViewerTreeItem, from tally_viewer_tree_filter())
 * in @model, and their groups that were expanded too. */
void             tally_viewer_tree_reopen     (GPtrArray               *items,
                                               GtkTreeListModel        *model);
/* The failed test after (@step 1) or before (-1) @from (nullable: from
 * the top) in the tree's order as shown (depth first, by name, as
 * filtered), round past the end; NULL if none is shown.
 * Returns: (transfer full) (nullable) */
TallyViewerTreeItem *tally_viewer_tree_next_failure (TallyViewerTree     *tree,
                                                     TallyViewerTreeItem *from,
                                                     int                  step);
/* @self's row in @model (built on this tree's dup_root()); with @reveal
 * its groups are expanded, else NULL if one is collapsed.
 * Returns: (transfer full) (nullable) */
GtkTreeListRow  *tally_viewer_tree_item_get_row (TallyViewerTreeItem   *self,
                                                 GtkTreeListModel      *model,
                                                 gboolean               reveal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyViewerTree, tally_viewer_tree_unref)


/* The group of @outcome; its severity (higher is worse) for roll-ups. */
TallyViewerGroup tally_viewer_outcome_group    (TallyOutcome outcome);
int              tally_viewer_outcome_severity (TallyOutcome outcome);

G_END_DECLS
