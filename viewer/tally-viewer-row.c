/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-viewer-row.h"

struct _TallyViewerRows
{
  GListModel *model;            /* borrowed: it owns this table */
  GType row_type;
  GHashTable *alive;            /* position → TallyViewerRow (weak: alive while held) */
  GHashTable *shown;            /* TallyViewerRow set: bound in a view */
};

typedef struct
{
  TallyViewerRows *rows;        /* NULL once the model is gone */
  guint position;
  guint shown;                  /* cells bound to it */
} TallyViewerRowPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TallyViewerRow, tally_viewer_row, G_TYPE_OBJECT)

static void
tally_viewer_row_finalize (GObject *object)
{
  TallyViewerRowPrivate *priv = tally_viewer_row_get_instance_private (TALLY_VIEWER_ROW (object));

  if (priv->rows != NULL)
    {
      g_hash_table_remove (priv->rows->alive, GUINT_TO_POINTER (priv->position));
      g_hash_table_remove (priv->rows->shown, object);
    }

  G_OBJECT_CLASS (tally_viewer_row_parent_class)->finalize (object);
}

static void
tally_viewer_row_class_init (TallyViewerRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_row_finalize;
}

static void
tally_viewer_row_init (TallyViewerRow *self)
{
}

gpointer
tally_viewer_row_get_model (TallyViewerRow *self)
{
  TallyViewerRowPrivate *priv = tally_viewer_row_get_instance_private (self);

  return priv->rows != NULL ? priv->rows->model : NULL;
}

guint
tally_viewer_row_get_position (TallyViewerRow *self)
{
  TallyViewerRowPrivate *priv = tally_viewer_row_get_instance_private (self);

  return priv->position;
}

void
tally_viewer_row_set_shown (TallyViewerRow *self,
                            gboolean        shown)
{
  TallyViewerRowPrivate *priv;

  g_return_if_fail (TALLY_VIEWER_IS_ROW (self));
  priv = tally_viewer_row_get_instance_private (self);
  g_return_if_fail (shown || priv->shown > 0);

  priv->shown += shown ? 1 : -1;
  if (priv->rows == NULL)
    return;
  if (priv->shown > 0)
    g_hash_table_add (priv->rows->shown, self);
  else
    g_hash_table_remove (priv->rows->shown, self);
}

TallyViewerRows *
tally_viewer_rows_new (GListModel *model,
                       GType       row_type)
{
  TallyViewerRows *rows = g_new0 (TallyViewerRows, 1);

  g_return_val_if_fail (g_type_is_a (row_type, TALLY_VIEWER_TYPE_ROW), NULL);

  rows->model = model;
  rows->row_type = row_type;
  rows->alive = g_hash_table_new (NULL, NULL);
  rows->shown = g_hash_table_new (NULL, NULL);
  return rows;
}

void
tally_viewer_rows_free (TallyViewerRows *rows)
{
  GHashTableIter iter;
  gpointer value;

  if (rows == NULL)
    return;

  g_hash_table_iter_init (&iter, rows->alive);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TallyViewerRowPrivate *priv = tally_viewer_row_get_instance_private (value);

      priv->rows = NULL;
    }
  g_hash_table_unref (rows->alive);
  g_hash_table_unref (rows->shown);
  g_free (rows);
}

gpointer
tally_viewer_rows_get (TallyViewerRows *rows,
                       guint            position)
{
  TallyViewerRow *row = g_hash_table_lookup (rows->alive, GUINT_TO_POINTER (position));
  TallyViewerRowPrivate *priv;

  if (row != NULL)
    return g_object_ref (row);

  row = g_object_new (rows->row_type, NULL);
  priv = tally_viewer_row_get_instance_private (row);
  priv->rows = rows;
  priv->position = position;
  g_hash_table_insert (rows->alive, GUINT_TO_POINTER (position), row);
  return row;
}

static int
compare_position (gconstpointer a,
                  gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* Positions this close are told as one change: fewer signals, a few
 * more rows looked at. */
#define NEAR_POSITIONS 8

void
tally_viewer_rows_rebind (TallyViewerRows      *rows,
                          guint                 len,
                          TallyViewerRowChanged changed,
                          gpointer              data)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter iter;
  gpointer key;
  guint i = 0;

  g_hash_table_iter_init (&iter, rows->shown);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint position = tally_viewer_row_get_position (key);

      if (position < len && (changed == NULL || changed (position, data)))
        g_array_append_val (positions, position);
    }

  g_array_sort (positions, compare_position);
  while (i < positions->len)
    {
      guint first = g_array_index (positions, guint, i);
      guint last = first;

      for (i++; i < positions->len && g_array_index (positions, guint, i) <= last + NEAR_POSITIONS; i++)
        last = g_array_index (positions, guint, i);
      g_list_model_items_changed (rows->model, first, last - first + 1, last - first + 1);
    }
}
