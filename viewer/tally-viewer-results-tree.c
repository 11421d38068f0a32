/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>
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
  guint n_tests;                /* shown (filtered); a test: 1 or 0 */
  guint8 outcome;               /* the test's, or the worst of the node's */
  gboolean has_outcome;
  guint8 own_outcome;           /* a test's own, and whether the filter */
  gboolean matched;             /* shows it; own_duration: its own */
  gint64 own_duration;
  guint n_models;               /* its children's models alive (expanded) */
  gboolean reopen;              /* expanded when a filter hid it */
};

struct _TallyViewerTree
{
  gatomicrefcount ref_count;
  Node root;
  GStringChunk *strings;
  guint generation;             /* changes with each filter */
  GPtrArray *models;            /* the children's models alive (weak) */
  GPtrArray *leaves;            /* Node *: the tests, for filters */
  Node **by_id;                 /* result id - min_id → leaf, made at the */
  gint64 min_id, n_by_id;       /* first filter (a run's ids are dense) */
  GHashTable *by_sparse_id;     /* or result id → leaf, if they are not */
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
  node->own_outcome = outcome;
  node->own_duration = duration;
  node->matched = TRUE;
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
  tree->models = g_ptr_array_new ();
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
  g_ptr_array_unref (tree->models);
  g_clear_pointer (&tree->leaves, g_ptr_array_unref);
  g_clear_pointer (&tree->by_id, g_free);
  g_clear_pointer (&tree->by_sparse_id, g_hash_table_unref);
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

guint
tally_viewer_tree_item_get_generation (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), 0);
  return self->tree->generation;
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
  if (node->n_tests == 0)
    return;
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

/* The children a filter shows (n_tests > 0), in order; a filter changes
 * them in place (tally_viewer_tree_filter()), so GtkTreeListModel keeps
 * its rows, their expansion and the list view's widgets. */
struct _TallyViewerTreeChildren
{
  GObject parent_instance;
  TallyViewerTree *tree;
  Node *node;
  GPtrArray *visible;           /* Node * */
};

static GType
children_get_item_type (GListModel *model)
{
  return TALLY_VIEWER_TYPE_TREE_ITEM;
}

static guint
children_get_n_items (GListModel *model)
{
  return ((TallyViewerTreeChildren *) model)->visible->len;
}

/* Items are made as GTK asks for them: a node of 10,000 tests expands
 * without 10,000 objects. */
static gpointer
children_get_item (GListModel *model,
                   guint       position)
{
  TallyViewerTreeChildren *self = (TallyViewerTreeChildren *) model;

  if (position >= self->visible->len)
    return NULL;
  return item_for (self->tree, self->visible->pdata[position]);
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
  TallyViewerTreeChildren *self = (TallyViewerTreeChildren *) object;

  self->node->n_models--;
  g_ptr_array_remove_fast (self->tree->models, self);
  g_ptr_array_unref (self->visible);
  tally_viewer_tree_unref (self->tree);
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
  self->visible = g_ptr_array_sized_new (node->children->len);
  for (guint i = 0; i < node->children->len; i++)
    if (((Node *) node->children->pdata[i])->n_tests > 0)
      g_ptr_array_add (self->visible, node->children->pdata[i]);
  node->n_models++;
  g_ptr_array_add (tree->models, self);
  return G_LIST_MODEL (self);
}

GListModel *
tally_viewer_tree_item_dup_children (TallyViewerTreeItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), NULL);

  if (self->node->children == NULL || self->node->n_tests == 0)
    return NULL;
  return children_new (self->tree, self->node);
}

GListModel *
tally_viewer_tree_dup_root (TallyViewerTree *tree)
{
  if (tree->root.children == NULL)
    tree->root.children = g_ptr_array_new ();
  return children_new (tree, &tree->root);
}

/* --- filtering ------------------------------------------------------------- */

static void
collect_leaves (TallyViewerTree *tree,
                Node            *node)
{
  if (node->result_id != 0)
    g_ptr_array_add (tree->leaves, node);
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    collect_leaves (tree, node->children->pdata[i]);
}

/* An array by id when the ids are dense (a run's results are written
 * together), else a hash table. */
static void
index_leaves (TallyViewerTree *tree)
{
  gint64 min_id = G_MAXINT64, max_id = G_MININT64;

  tree->leaves = g_ptr_array_new ();
  collect_leaves (tree, &tree->root);
  for (guint i = 0; i < tree->leaves->len; i++)
    {
      gint64 id = ((Node *) tree->leaves->pdata[i])->result_id;

      min_id = MIN (min_id, id);
      max_id = MAX (max_id, id);
    }
  if (tree->leaves->len > 0 && max_id - min_id < 4 * (gint64) tree->leaves->len + 1024)
    {
      tree->min_id = min_id;
      tree->n_by_id = max_id - min_id + 1;
      tree->by_id = g_new0 (Node *, tree->n_by_id);
      for (guint i = 0; i < tree->leaves->len; i++)
        {
          Node *leaf = tree->leaves->pdata[i];

          tree->by_id[leaf->result_id - min_id] = leaf;
        }
      return;
    }
  tree->by_sparse_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = 0; i < tree->leaves->len; i++)
    {
      Node *leaf = tree->leaves->pdata[i];

      g_hash_table_insert (tree->by_sparse_id, &leaf->result_id, leaf);
    }
}

static Node *
leaf_by_id (TallyViewerTree *tree,
            gint64           id)
{
  if (tree->by_id != NULL)
    return id >= tree->min_id && id - tree->min_id < tree->n_by_id ? tree->by_id[id - tree->min_id] : NULL;
  return g_hash_table_lookup (tree->by_sparse_id, &id);
}

/* A node's roll-up from its own test (if the filter shows it) and its
 * children's, bottom up: as tally_viewer_tree_build() counted. */
static void
node_roll_up (Node *node)
{
  memset (node->counts, 0, sizeof node->counts);
  node->n_tests = 0;
  node->duration = -1;
  node->has_outcome = FALSE;
  if (node->result_id != 0 && node->matched)
    node_add_outcome (node, node->own_outcome, node->own_duration);
  for (guint i = 0; node->children != NULL && i < node->children->len; i++)
    {
      Node *child = node->children->pdata[i];

      node_roll_up (child);
      if (child->n_tests == 0)
        continue;
      for (guint g = 0; g < TALLY_VIEWER_N_GROUPS; g++)
        node->counts[g] += child->counts[g];
      node->n_tests += child->n_tests;
      if (child->duration > 0)
        node->duration = MAX (node->duration, 0) + child->duration;
      if (!node->has_outcome
          || tally_viewer_outcome_severity (child->outcome) > tally_viewer_outcome_severity (node->outcome))
        node->outcome = child->outcome;
      node->has_outcome = TRUE;
    }
  if (node->children == NULL)
    node->outcome = node->own_outcome;
}

static int
node_depth (const Node *node)
{
  int depth = 0;

  for (; node->parent != NULL; node = node->parent)
    depth++;
  return depth;
}

static int
compare_model_depth (gconstpointer a,
                     gconstpointer b)
{
  const TallyViewerTreeChildren *x = *(TallyViewerTreeChildren * const *) a;
  const TallyViewerTreeChildren *y = *(TallyViewerTreeChildren * const *) b;

  return node_depth (x->node) - node_depth (y->node);
}

typedef struct
{
  guint old_start, removed, new_start, added;
} Change;

/* Brings @self's children in line with the roll-ups: one items-changed
 * per stretch between two children that stay and are expanded (those
 * keep their rows, open); the children that stay inside a stretch are
 * removed and added again (a test, or a closed group: nothing lost). */
static void
children_update (TallyViewerTreeChildren *self,
                 GPtrArray               *reopen)
{
  GPtrArray *children = self->node->children;
  GPtrArray *old = self->visible;
  g_autoptr(GPtrArray) now = g_ptr_array_sized_new (old->len);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  guint i = 0, j = 0;
  gboolean open = FALSE;
  Change change = { 0, };

  for (guint k = 0; k < children->len; k++)
    {
      Node *child = children->pdata[k];
      gboolean was = i < old->len && old->pdata[i] == child;
      gboolean is = child->n_tests > 0;

      if (is)
        g_ptr_array_add (now, child);
      if (was && is && child->n_models > 0 && open)
        {
          g_array_append_val (changes, change);
          open = FALSE;
        }
      if (was != is && !open)
        {
          change = (Change) { i, 0, j, 0 };
          open = TRUE;
        }
      i += was;
      j += is;
      if (was != is)
        {
          change.removed = i - change.old_start;
          change.added = j - change.new_start;
        }
    }
  if (open)
    g_array_append_val (changes, change);

  /* From the end: the positions before a change are still the old ones. */
  for (guint c = changes->len; c > 0; c--)
    {
      const Change *ch = &g_array_index (changes, Change, c - 1);

      for (guint r = 0; r < ch->removed; r++)
        {
          Node *gone = self->visible->pdata[ch->old_start + r];

          gone->reopen = gone->n_models > 0;
        }
      g_ptr_array_remove_range (self->visible, ch->old_start, ch->removed);
      g_ptr_array_set_size (self->visible, self->visible->len + ch->added);
      memmove (self->visible->pdata + ch->old_start + ch->added, self->visible->pdata + ch->old_start,
               (self->visible->len - ch->old_start - ch->added) * sizeof (gpointer));
      for (guint a = 0; a < ch->added; a++)
        {
          Node *back = now->pdata[ch->new_start + a];

          self->visible->pdata[ch->old_start + a] = back;
          if (back->reopen && reopen != NULL)
            g_ptr_array_add (reopen, item_for (self->tree, back));
        }
      g_list_model_items_changed (G_LIST_MODEL (self), ch->old_start, ch->removed, ch->added);
    }
}

gboolean
tally_viewer_tree_filter (TallyViewerTree *tree,
                          const gint64    *ids,
                          guint            n_ids,
                          GPtrArray       *reopen)
{
  g_autoptr(GPtrArray) models = NULL;

  if (tree->leaves == NULL)
    index_leaves (tree);
  for (guint i = 0; i < tree->leaves->len; i++)
    ((Node *) tree->leaves->pdata[i])->matched = FALSE;
  for (guint i = 0; i < n_ids; i++)
    {
      Node *leaf = leaf_by_id (tree, ids[i]);

      /* A result the tree has not: the run changed, build it again. */
      if (leaf == NULL)
        return FALSE;
      leaf->matched = TRUE;
    }
  node_roll_up (&tree->root);
  tree->generation++;

  /* The models of expanded nodes, from the top: a group a filter hides
   * takes its children's rows with it. */
  models = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tree->models->len; i++)
    g_ptr_array_add (models, g_object_ref (tree->models->pdata[i]));
  g_ptr_array_sort (models, compare_model_depth);
  for (guint i = 0; i < models->len; i++)
    children_update (models->pdata[i], reopen);
  return TRUE;
}

/* --- finding ------------------------------------------------------------- */

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

/* A walk (1 ms for 100,000 tests) until a filter has indexed the tests. */
TallyViewerTreeItem *
tally_viewer_tree_find (TallyViewerTree *tree,
                        gint64           result_id)
{
  Node *node = NULL;

  if (result_id != 0)
    node = tree->leaves != NULL ? leaf_by_id (tree, result_id) : node_find (&tree->root, result_id);
  return node != NULL && node->n_tests > 0 ? item_for (tree, node) : NULL;
}

static gboolean
has_failure (const Node *node)
{
  return node->counts[TALLY_VIEWER_GROUP_FAILED] > 0;
}

/* @node's first (@step > 0) or last failed test, as the tree shows them. */
static Node *
descend_to_failure (Node *node,
                    int   step)
{
  while (node->children != NULL)
    {
      guint n = node->children->len;
      Node *next = NULL;

      for (guint k = 0; k < n && next == NULL; k++)
        {
          Node *child = node->children->pdata[step > 0 ? k : n - 1 - k];

          if (has_failure (child))
            next = child;
        }
      if (next == NULL)
        return NULL;
      node = next;
    }
  return node;
}

TallyViewerTreeItem *
tally_viewer_tree_next_failure (TallyViewerTree     *tree,
                                TallyViewerTreeItem *from,
                                int                  step)
{
  Node *node = from != NULL ? from->node : NULL;
  Node *found = NULL;

  g_return_val_if_fail (step != 0, NULL);

  if (!has_failure (&tree->root))
    return NULL;
  /* A group comes before its tests: the next failure is its first one. */
  if (node != NULL && step > 0 && node->children != NULL && has_failure (node))
    found = descend_to_failure (node, step);
  for (; found == NULL && node != NULL && node->parent != NULL; node = node->parent)
    {
      GPtrArray *siblings = node->parent->children;
      guint at = 0;

      while (at < siblings->len && siblings->pdata[at] != node)
        at++;
      for (int k = (int) at + step; found == NULL && k >= 0 && k < (int) siblings->len; k += step)
        if (has_failure (siblings->pdata[k]))
          found = descend_to_failure (siblings->pdata[k], step);
    }
  /* Past the last one: round to the first. */
  if (found == NULL)
    found = descend_to_failure (&tree->root, step);
  return found != NULL ? item_for (tree, found) : NULL;
}

/* @node's position among the children its parent shows. */
static guint
shown_index (const Node *node)
{
  GPtrArray *siblings = node->parent->children;
  guint index = 0;

  for (guint k = 0; k < siblings->len && siblings->pdata[k] != node; k++)
    index += ((Node *) siblings->pdata[k])->n_tests > 0;
  return index;
}

GtkTreeListRow *
tally_viewer_tree_item_get_row (TallyViewerTreeItem *self,
                                GtkTreeListModel    *model,
                                gboolean             reveal)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  GtkTreeListRow *row = NULL;

  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ITEM (self), NULL);

  if (self->node->n_tests == 0)
    return NULL;
  for (Node *node = self->node; node->parent != NULL; node = node->parent)
    g_ptr_array_add (chain, node);
  for (guint level = chain->len; level > 0; level--)
    {
      Node *node = chain->pdata[level - 1];
      GtkTreeListRow *child;

      if (row == NULL)
        child = gtk_tree_list_model_get_child_row (model, shown_index (node));
      else
        {
          if (!gtk_tree_list_row_get_expanded (row))
            {
              if (!reveal)
                g_clear_object (&row);
              else
                gtk_tree_list_row_set_expanded (row, TRUE);
            }
          child = row != NULL ? gtk_tree_list_row_get_child_row (row, shown_index (node)) : NULL;
        }
      g_clear_object (&row);
      row = child;
      if (row == NULL)
        return NULL;
    }
  return row;
}

void
tally_viewer_tree_reopen (GPtrArray        *items,
                          GtkTreeListModel *model)
{
  for (guint i = 0; i < items->len; i++)
    {
      TallyViewerTreeItem *item = items->pdata[i];
      g_autoptr(GtkTreeListRow) row = NULL;

      if (!item->node->reopen || item->node->n_tests == 0)
        continue;
      row = tally_viewer_tree_item_get_row (item, model, FALSE);
      if (row == NULL)
        continue;
      item->node->reopen = FALSE;
      gtk_tree_list_row_set_expanded (row, TRUE);
      /* Its groups that were open when they went: open again too. */
      for (guint k = 0; item->node->children != NULL && k < item->node->children->len; k++)
        {
          Node *child = item->node->children->pdata[k];

          if (child->reopen && child->n_tests > 0)
            g_ptr_array_add (items, item_for (item->tree, child));
        }
    }
}
