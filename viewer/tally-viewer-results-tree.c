/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <tally.h>

#include "tally-viewer-results-tree.h"
#include "tally-viewer-util.h"

typedef struct _Node Node;

struct _Node
{
  const char *name;             /* in the tree's strings */
  const char *program;          /* the program's node: its stored name */
  Node *parent;
  GPtrArray *children;          /* Node *, sorted by name; NULL for a test */
  GHashTable *index;            /* name → Node *, while building */
  TallyViewerTreeItem *item;    /* weak: the item while one is held */
  gint64 result_id;             /* 0 for a group */
  gint64 duration;              /* the test's (-1 unknown), or the sum */
  guint counts[TALLY_VIEWER_N_GROUPS];
  guint n_tests;
  guint8 outcome;               /* the test's, or the worst of the node's */
  gboolean has_outcome;
};

struct _TallyViewerTree
{
  gatomicrefcount ref_count;
  Node root;
  GStringChunk *strings;
};

struct _TallyViewerTreeItem
{
  GObject parent_instance;
  TallyViewerTree *tree;
  Node *node;
};

G_DEFINE_FINAL_TYPE (TallyViewerTreeItem, tally_viewer_tree_item, G_TYPE_OBJECT)

/* --- outcomes ---------------------------------------------------------- */

TallyViewerGroup
tally_viewer_outcome_group (TallyOutcome outcome)
{
  switch (outcome)
    {
    case TALLY_OUTCOME_FAILED:
    case TALLY_OUTCOME_CRASHED:
    case TALLY_OUTCOME_TIMEOUT:
    case TALLY_OUTCOME_ERROR:
      return TALLY_VIEWER_GROUP_FAILED;
    case TALLY_OUTCOME_PASSED:
      return TALLY_VIEWER_GROUP_PASSED;
    case TALLY_OUTCOME_FLAKY:
      return TALLY_VIEWER_GROUP_FLAKY;
    case TALLY_OUTCOME_SKIPPED:
      return TALLY_VIEWER_GROUP_SKIPPED;
    case TALLY_OUTCOME_RUNNING:
    case TALLY_OUTCOME_XFAILED:
    case TALLY_OUTCOME_XPASSED:
    case TALLY_OUTCOME_INTERRUPTED:
    default:
      return TALLY_VIEWER_GROUP_OTHER;
    }
}

/* A group passed with some tests skipped still passed; one flaky test
 * makes it flaky; any failure makes it failed, a crash worst of all. */
int
tally_viewer_outcome_severity (TallyOutcome outcome)
{
  switch (outcome)
    {
    case TALLY_OUTCOME_SKIPPED: return 0;
    case TALLY_OUTCOME_XFAILED: return 1;
    case TALLY_OUTCOME_PASSED: return 2;
    case TALLY_OUTCOME_RUNNING: return 3;
    case TALLY_OUTCOME_INTERRUPTED: return 4;
    case TALLY_OUTCOME_FLAKY: return 5;
    case TALLY_OUTCOME_XPASSED: return 6;
    case TALLY_OUTCOME_ERROR: return 7;
    case TALLY_OUTCOME_FAILED: return 8;
    case TALLY_OUTCOME_TIMEOUT: return 9;
    case TALLY_OUTCOME_CRASHED: return 10;
    default: return 0;
    }
}

/* --- nodes ------------------------------------------------------------- */

static void
node_free_children (Node *node)
{
  if (node->children == NULL)
    return;
  for (guint i = 0; i < node->children->len; i++)
    {
      Node *child = node->children->pdata[i];

      node_free_children (child);
      g_free (child);
    }
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_clear_pointer (&node->index, g_hash_table_unref);
}

static Node *
node_child (TallyViewerTree *tree,
            Node            *parent,
            const char      *name,
            gsize            len)
{
  char buffer[256];
  g_autofree char *long_key = len < sizeof buffer ? NULL : g_strndup (name, len);
  const char *key = long_key;
  Node *child;

  /* Looked up for every segment of every test: no allocation. */
  if (long_key == NULL)
    {
      memcpy (buffer, name, len);
      buffer[len] = '\0';
      key = buffer;
    }
  if (parent->children == NULL)
    {
      parent->children = g_ptr_array_new ();
      parent->index = g_hash_table_new (g_str_hash, g_str_equal);
    }
  child = g_hash_table_lookup (parent->index, key);
  if (child != NULL)
    return child;
  child = g_new0 (Node, 1);
  child->name = g_string_chunk_insert_len (tree->strings, name, len);
  child->parent = parent;
  child->duration = -1;
  g_ptr_array_add (parent->children, child);
  g_hash_table_insert (parent->index, (gpointer) child->name, child);
  return child;
}

static void
node_add_outcome (Node         *node,
                  TallyOutcome  outcome,
                  gint64        duration)
{
  node->counts[tally_viewer_outcome_group (outcome)]++;
  node->n_tests++;
  if (duration > 0)
    node->duration = MAX (node->duration, 0) + duration;
  if (!node->has_outcome
      || tally_viewer_outcome_severity (outcome) > tally_viewer_outcome_severity (node->outcome))
    node->outcome = outcome;
  node->has_outcome = TRUE;
}

typedef struct
{
  TallyViewerTree *tree;
  Node *program;                /* the last program's node */
} Build;

static void
add_result_cb (gint64        id,
               const char   *program,
               const char   *path,
               TallyOutcome  outcome,
               gint64        duration,
               gpointer      data)
{
  Build *build = data;
  TallyViewerTree *tree = build->tree;
  Node *node;
  const char *p = path, *end;

  /* A run's tests come program by program (by test id): one look-up. */
  if (build->program == NULL || strcmp (build->program->program, program) != 0)
    {
      const char *slash = strrchr (program, '/');
      const char *base = slash != NULL && slash[1] != '\0' ? slash + 1 : program;

      node = NULL;
      for (guint i = 0; tree->root.children != NULL && i < tree->root.children->len; i++)
        if (strcmp (((Node *) tree->root.children->pdata[i])->program, program) == 0)
          node = tree->root.children->pdata[i];
      if (node == NULL)
        {
          node = g_new0 (Node, 1);
          node->name = g_string_chunk_insert (tree->strings, base);
          node->program = g_string_chunk_insert_const (tree->strings, program);
          node->parent = &tree->root;
          node->duration = -1;
          if (tree->root.children == NULL)
            tree->root.children = g_ptr_array_new ();
          g_ptr_array_add (tree->root.children, node);
        }
      build->program = node;
    }
  node = build->program;

  /* The segments of the path; the last one is the test. */
  while (*p == '/')
    p++;
  if (*p == '\0')
    p = path;
  while (*p != '\0')
    {
      end = strchr (p, '/');
      if (end == NULL || end[strspn (end, "/")] == '\0')
        end = p + strlen (p);
      node = node_child (tree, node, p, end - p);
      p = end + strspn (end, "/");
    }
  if (*path == '\0')
    node = node_child (tree, node, "", 0);

  /* Two results of one test (every attempt asked for): a leaf each. */
  if (node->result_id != 0)
    {
      Node *twin = g_new0 (Node, 1);

      twin->name = node->name;
      twin->parent = node->parent;
      twin->duration = -1;
      g_ptr_array_add (node->parent->children, twin);
      node = twin;
    }
  node->result_id = id;
  for (Node *up = node; up != NULL; up = up->parent)
    node_add_outcome (up, outcome, duration);
}

static int
compare_nodes (gconstpointer a,
               gconstpointer b)
{
  const Node *x = *(const Node * const *) a, *y = *(const Node * const *) b;
  int c = strcmp (x->name, y->name);

  /* A test and the group of the same name: the group first. */
  if (c == 0)
    c = (y->children != NULL) - (x->children != NULL);
  return c;
}

static void
node_finish (Node *node)
{
  if (node->children == NULL)
    return;
  g_clear_pointer (&node->index, g_hash_table_unref);
  g_ptr_array_sort (node->children, compare_nodes);
  for (guint i = 0; i < node->children->len; i++)
    node_finish (node->children->pdata[i]);
}

TallyViewerTree *
tally_viewer_tree_build (TallyStore              *store,
                         gint64                   run_id,
                         const TallyResultQuery  *query,
                         GError                 **error)
{
  g_autoptr(TallyViewerTree) tree = g_new0 (TallyViewerTree, 1);
  Build build = { tree, NULL };

  g_atomic_ref_count_init (&tree->ref_count);
  tree->strings = g_string_chunk_new (64 * 1024);
  tree->root.name = "";
  tree->root.duration = -1;
  if (store != NULL && run_id != 0
      && !tally_store_viewer_foreach_result (store, run_id, query, add_result_cb, &build, error))
    return NULL;
  node_finish (&tree->root);
  return g_steal_pointer (&tree);
}

TallyViewerTree *
tally_viewer_tree_ref (TallyViewerTree *tree)
{
  g_atomic_ref_count_inc (&tree->ref_count);
  return tree;
}

void
tally_viewer_tree_unref (TallyViewerTree *tree)
{
  if (tree == NULL || !g_atomic_ref_count_dec (&tree->ref_count))
    return;
  node_free_children (&tree->root);
  g_string_chunk_free (tree->strings);
  g_free (tree);
}

guint
tally_viewer_tree_get_n_tests (TallyViewerTree *tree)
{
  return tree->root.n_tests;
}

/* --- items ------------------------------------------------------------- */

static void
tally_viewer_tree_item_finalize (GObject *object)
{
  TallyViewerTreeItem *self = (TallyViewerTreeItem *) object;

  self->node->item = NULL;
  tally_viewer_tree_unref (self->tree);

  G_OBJECT_CLASS (tally_viewer_tree_item_parent_class)->finalize (object);
}

static void
tally_viewer_tree_item_class_init (TallyViewerTreeItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_tree_item_finalize;
}

static void
tally_viewer_tree_item_init (TallyViewerTreeItem *self)
{
}

static TallyViewerTreeItem *
item_for (TallyViewerTree *tree,
          Node            *node)
{
  TallyViewerTreeItem *item;

  if (node->item != NULL)
    return g_object_ref (node->item);
  item = g_object_new (TALLY_VIEWER_TYPE_TREE_ITEM, NULL);
  item->tree = tally_viewer_tree_ref (tree);
  item->node = node;
  node->item = item;
  return item;
}

const char *
tally_viewer_tree_item_get_name (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), NULL);
  return self->node->name;
}

char *
tally_viewer_tree_item_dup_key (TallyViewerTreeItem *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GString *key;
  Node *node;

  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), NULL);

  for (node = self->node; node->program == NULL && node->parent != NULL; node = node->parent)
    g_ptr_array_add (names, (gpointer) node->name);
  key = g_string_new (node->program);
  if (names->len > 0)
    g_string_append (key, "::");
  for (guint i = names->len; i > 0; i--)
    g_string_append_printf (key, "/%s", (const char *) names->pdata[i - 1]);
  return g_string_free (key, FALSE);
}

gint64
tally_viewer_tree_item_get_result_id (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), 0);
  return self->node->result_id;
}

gboolean
tally_viewer_tree_item_is_group (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), FALSE);
  return self->node->children != NULL;
}

TallyOutcome
tally_viewer_tree_item_get_outcome (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), TALLY_OUTCOME_PASSED);
  return self->node->outcome;
}

guint
tally_viewer_tree_item_get_n_tests (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), 0);
  return self->node->n_tests;
}

guint
tally_viewer_tree_item_get_count (TallyViewerTreeItem *self,
                                  TallyViewerGroup     group)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), 0);
  g_return_val_if_fail (group < TALLY_VIEWER_N_GROUPS, 0);
  return self->node->counts[group];
}

gint64
tally_viewer_tree_item_get_duration (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), -1);
  return self->node->duration;
}

static void
node_collect_ids (const Node *node,
                  GArray     *ids)
{
  if (node->result_id != 0)
    g_array_append_val (ids, node->result_id);
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    node_collect_ids (node->children->pdata[i], ids);
}

void
tally_viewer_tree_item_collect_ids (TallyViewerTreeItem *self,
                                    GArray              *ids)
{
  g_return_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self));
  node_collect_ids (self->node, ids);
}

TallyViewerTreeItem *
tally_viewer_tree_item_dup_parent (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), NULL);

  if (self->node->parent == NULL || self->node->parent == &self->tree->root)
    return NULL;
  return item_for (self->tree, self->node->parent);
}

/* --- a node's children as a list model ------------------------------------ */

#define TALLY_VIEWER_TYPE_TREE_CHILDREN (tally_viewer_tree_children_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerTreeChildren, tally_viewer_tree_children, TALLY_VIEWER, TREE_CHILDREN, GObject)

struct _TallyViewerTreeChildren
{
  GObject parent_instance;
  TallyViewerTree *tree;
  Node *node;
};

static GType
children_get_item_type (GListModel *model)
{
  return TALLY_VIEWER_TYPE_TREE_ITEM;
}

static guint
children_get_n_items (GListModel *model)
{
  TallyViewerTreeChildren *self = (TallyViewerTreeChildren *) model;

  return self->node->children != NULL ? self->node->children->len : 0;
}

/* Items are made as GTK asks for them: a node of 10,000 tests expands
 * without 10,000 objects. */
static gpointer
children_get_item (GListModel *model,
                   guint       position)
{
  TallyViewerTreeChildren *self = (TallyViewerTreeChildren *) model;

  if (self->node->children == NULL || position >= self->node->children->len)
    return NULL;
  return item_for (self->tree, self->node->children->pdata[position]);
}

static void
children_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = children_get_item_type;
  iface->get_n_items = children_get_n_items;
  iface->get_item = children_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyViewerTreeChildren, tally_viewer_tree_children, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, children_iface_init))

static void
tally_viewer_tree_children_finalize (GObject *object)
{
  tally_viewer_tree_unref (((TallyViewerTreeChildren *) object)->tree);
  G_OBJECT_CLASS (tally_viewer_tree_children_parent_class)->finalize (object);
}

static void
tally_viewer_tree_children_class_init (TallyViewerTreeChildrenClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_tree_children_finalize;
}

static void
tally_viewer_tree_children_init (TallyViewerTreeChildren *self)
{
}

static GListModel *
children_new (TallyViewerTree *tree,
              Node            *node)
{
  TallyViewerTreeChildren *self = g_object_new (TALLY_VIEWER_TYPE_TREE_CHILDREN, NULL);

  self->tree = tally_viewer_tree_ref (tree);
  self->node = node;
  return G_LIST_MODEL (self);
}

GListModel *
tally_viewer_tree_item_dup_children (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), NULL);

  if (self->node->children == NULL)
    return NULL;
  return children_new (self->tree, self->node);
}

GListModel *
tally_viewer_tree_dup_root (TallyViewerTree *tree)
{
  return children_new (tree, &tree->root);
}

static Node *
node_find (Node   *node,
           gint64  result_id)
{
  if (node->result_id == result_id)
    return node;
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    {
      Node *found = node_find (node->children->pdata[i], result_id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A walk (1 ms for 100,000 tests): cheaper than an index built for
 * each tree, which is built again at each filter change. */
TallyViewerTreeItem *
tally_viewer_tree_find (TallyViewerTree *tree,
                        gint64           result_id)
{
  Node *node = result_id != 0 ? node_find (&tree->root, result_id) : NULL;

  return node != NULL ? item_for (tree, node) : NULL;
}
