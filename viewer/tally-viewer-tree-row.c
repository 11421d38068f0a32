/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-cell.h"
#include "tally-viewer-results-tree.h"
#include "tally-viewer-tree-row.h"
#include "tally-viewer-util.h"

#define CELL_CHARS_MAX 1000
#define MARGIN_Y 3
#define MARGIN_END 12
#define SPACING 8
#define NAME_MIN_CHARS 4
#define NAME_NAT_CHARS 20
#define COUNTS_NAT_CHARS 30
#define COUNTS_ALPHA 0.55
#define PILL_PADDING_X 8
#define PILL_CHARS 9

struct _TallyViewerTreeRow
{
  GtkWidget parent_instance;

  int outcome;                  /* the pill's, -1: none */
  char *name;
  char *counts;
  PangoLayout *name_layout;     /* made at the first snapshot */
  PangoLayout *counts_layout;
  /* What the texts were made from, to skip a rebind to the same node
   * (held: another item cannot take its address meanwhile). */
  GObject *item;
  guint generation;
};

G_DEFINE_FINAL_TYPE (TallyViewerTreeRow, tally_viewer_tree_row, GTK_TYPE_WIDGET)

/* A line's height and a digit's width in the rows' font, shared by every
 * row; 0: to measure. Reset when the system's fonts change, with the
 * pills' texts (tally-viewer-cell.c: one layout per outcome, for every
 * row and cell). */
static int line_height;
static int char_width;

static PangoAttrList *
counts_attributes (void)
{
  static PangoAttrList *attrs;

  /* Smaller, with tabular digits, as the table's numeric cells. */
  if (attrs == NULL)
    {
      attrs = pango_attr_list_new ();
      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
    }
  return attrs;
}

static void
ensure_font_sizes (GtkWidget *widget)
{
  if (line_height == 0)
    tally_viewer_measure_digits (widget, &line_height, &char_width);
}

static void
tally_viewer_tree_row_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  int pill;

  ensure_font_sizes (widget);
  pill = PILL_CHARS * char_width + 2 * PILL_PADDING_X;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = pill + SPACING + NAME_MIN_CHARS * char_width + MARGIN_END;
      *natural = pill + SPACING + (NAME_NAT_CHARS + COUNTS_NAT_CHARS) * char_width + SPACING + MARGIN_END;
      return;
    }
  *minimum = *natural = line_height + 2 * MARGIN_Y;
}

static PangoLayout *
make_layout (GtkWidget     *widget,
             const char    *text,
             PangoAttrList *attrs)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);

  pango_layout_set_attributes (layout, attrs);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  return layout;
}

static void
draw_layout (GtkSnapshot   *snapshot,
             PangoLayout   *layout,
             int            x,
             int            height,
             const GdkRGBA *color)
{
  int text_height = 0;

  pango_layout_get_pixel_size (layout, NULL, &text_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, (height - text_height) / 2));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
tally_viewer_tree_row_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  TallyViewerTreeRow *self = TALLY_VIEWER_TREE_ROW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int name_x = 0, end = width - MARGIN_END, counts_width = 0;
  GdkRGBA color, dim;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (self->outcome >= 0)
    name_x = tally_viewer_pill_draw (widget, snapshot, self->outcome, height, &color) + SPACING;
  dim = color;
  dim.alpha *= COUNTS_ALPHA;

  if (self->counts != NULL && *self->counts != '\0')
    {
      if (self->counts_layout == NULL)
        self->counts_layout = make_layout (widget, self->counts, counts_attributes ());
      /* The counts keep their room, up to a share of the row. */
      pango_layout_set_width (self->counts_layout, MAX (MIN (COUNTS_NAT_CHARS * char_width, end - name_x), 0) * PANGO_SCALE);
      pango_layout_get_pixel_size (self->counts_layout, &counts_width, NULL);
      draw_layout (snapshot, self->counts_layout, end - counts_width, height, &dim);
      end -= counts_width + SPACING;
    }
  if (self->name != NULL && *self->name != '\0' && end > name_x)
    {
      if (self->name_layout == NULL)
        self->name_layout = make_layout (widget, self->name, NULL);
      pango_layout_set_width (self->name_layout, (end - name_x) * PANGO_SCALE);
      draw_layout (snapshot, self->name_layout, name_x, height, &color);
    }
}

static void
tally_viewer_tree_row_system_setting_changed (GtkWidget        *widget,
                                              GtkSystemSetting  setting)
{
  TallyViewerTreeRow *self = TALLY_VIEWER_TREE_ROW (widget);

  line_height = 0;
  tally_viewer_pill_reset ();
  g_clear_object (&self->name_layout);
  g_clear_object (&self->counts_layout);
  gtk_widget_queue_resize (widget);
  GTK_WIDGET_CLASS (tally_viewer_tree_row_parent_class)->system_setting_changed (widget, setting);
}

static void
tally_viewer_tree_row_dispose (GObject *object)
{
  TallyViewerTreeRow *self = TALLY_VIEWER_TREE_ROW (object);

  g_clear_object (&self->item);
  G_OBJECT_CLASS (tally_viewer_tree_row_parent_class)->dispose (object);
}

static void
tally_viewer_tree_row_finalize (GObject *object)
{
  TallyViewerTreeRow *self = TALLY_VIEWER_TREE_ROW (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->counts, g_free);
  g_clear_object (&self->name_layout);
  g_clear_object (&self->counts_layout);
  G_OBJECT_CLASS (tally_viewer_tree_row_parent_class)->finalize (object);
}

static void
tally_viewer_tree_row_class_init (TallyViewerTreeRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_viewer_tree_row_dispose;
  object_class->finalize = tally_viewer_tree_row_finalize;
  widget_class->measure = tally_viewer_tree_row_measure;
  widget_class->snapshot = tally_viewer_tree_row_snapshot;
  widget_class->system_setting_changed = tally_viewer_tree_row_system_setting_changed;
  gtk_widget_class_set_css_name (widget_class, "treerow");
}

static void
tally_viewer_tree_row_init (TallyViewerTreeRow *self)
{
  self->outcome = -1;
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
tally_viewer_tree_row_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_TREE_ROW, NULL);
}

static gboolean
set_text (char        **field,
          PangoLayout  *layout,
          const char   *text)
{
  if (g_strcmp0 (*field, text) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (text);
  if (layout != NULL)
    pango_layout_set_text (layout, text ? text : "", -1);
  return TRUE;
}

void
tally_viewer_tree_row_set (TallyViewerTreeRow *self,
                           TallyOutcome        outcome,
                           const char         *name,
                           const char         *counts)
{
  gboolean changed = FALSE;

  g_return_if_fail (TALLY_VIEWER_IS_TREE_ROW (self));

  if (self->outcome != (int) outcome)
    {
      self->outcome = outcome;
      changed = TRUE;
    }
  changed |= set_text (&self->name, self->name_layout, name);
  changed |= set_text (&self->counts, self->counts_layout, counts);
  if (changed)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
tally_viewer_tree_row_get_name (TallyViewerTreeRow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ROW (self), NULL);
  return self->name;
}

const char *
tally_viewer_tree_row_get_counts (TallyViewerTreeRow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_TREE_ROW (self), NULL);
  return self->counts;
}

/* --- the factory ----------------------------------------------------------- */

/* "3 failed · 1,204 tests", "1,204 tests"; a test: its duration. */
static char *
counts_text (TallyViewerTreeItem *item)
{
  g_autoptr(GString) text = g_string_new (NULL);
  static const struct { TallyViewerGroup group; const char *word; } shown[] = {
    { TALLY_VIEWER_GROUP_FAILED, "failed" },
    { TALLY_VIEWER_GROUP_FLAKY, "flaky" },
    { TALLY_VIEWER_GROUP_SKIPPED, "skipped" },
  };
  g_autofree char *n = NULL;

  if (!tally_viewer_tree_item_is_group (item))
    return tally_viewer_tree_item_get_duration (item) >= 0
           ? tally_viewer_format_duration (tally_viewer_tree_item_get_duration (item)) : g_strdup ("");
  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    {
      guint count = tally_viewer_tree_item_get_count (item, shown[i].group);
      g_autofree char *c = NULL;

      if (count == 0)
        continue;
      c = tally_viewer_format_count (count);
      g_string_append_printf (text, "%s %s · ", c, shown[i].word);
    }
  n = tally_viewer_format_count (tally_viewer_tree_item_get_n_tests (item));
  g_string_append_printf (text, g_dngettext (NULL, "%s test", "%s tests", tally_viewer_tree_item_get_n_tests (item)), n);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Shows @row's node in @expander's row, unless it shows it already. */
static void
update_row (GtkWidget      *expander,
            GtkTreeListRow *row)
{
  TallyViewerTreeRow *self = TALLY_VIEWER_TREE_ROW (gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander)));
  g_autoptr(TallyViewerTreeItem) node = gtk_tree_list_row_get_item (row);
  g_autofree char *shown = NULL;
  g_autofree char *counts = NULL;
  g_autofree char *label = NULL;
  TallyOutcome outcome;

  if (node == NULL)
    return;
  if (self->item == (GObject *) node && self->generation == tally_viewer_tree_item_get_generation (node))
    return;
  g_set_object (&self->item, (GObject *) node);
  self->generation = tally_viewer_tree_item_get_generation (node);
  outcome = tally_viewer_tree_item_get_outcome (node);
  shown = tally_viewer_text_for_display (tally_viewer_tree_item_get_name (node), -1, CELL_CHARS_MAX);
  counts = counts_text (node);
  label = g_strdup_printf ("%s, %s, %s", shown, tally_outcome_to_string (outcome), counts);
  tally_viewer_tree_row_set (self, outcome, shown, counts);
  gtk_accessible_update_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static GPtrArray *
factory_rows (GtkListItemFactory *factory)
{
  return g_object_get_data (G_OBJECT (factory), "tally-tree-rows");
}

static void
forget_row (gpointer  data,
            GObject  *expander)
{
  g_ptr_array_remove_fast (data, expander);
}

/* The factory's rows, as long as each lives (the array outlives them:
 * each row holds a reference). */
static void
on_setup_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GPtrArray *rows = factory_rows (GTK_LIST_ITEM_FACTORY (factory));

  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), tally_viewer_tree_row_new ());
  gtk_list_item_set_child (item, expander);
  g_ptr_array_add (rows, expander);
  g_object_weak_ref (G_OBJECT (expander), forget_row, rows);
  g_object_set_data_full (G_OBJECT (expander), "tally-tree-rows", g_ptr_array_ref (rows),
                          (GDestroyNotify) g_ptr_array_unref);
}

/* GTK 4.8 unbinds and binds a row whenever its position changes: the
 * expander keeps its row (setting none, then the same, would remake its
 * indentation widgets), and the texts stay when the node is the same. */
static void
on_bind_cb (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GtkWidget *expander = gtk_list_item_get_child (item);

  if (gtk_tree_expander_get_list_row (GTK_TREE_EXPANDER (expander)) != row)
    gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  g_object_set_data (G_OBJECT (expander), "tally-tree-row", row);
  update_row (expander, row);
}

GtkListItemFactory *
tally_viewer_tree_rows_factory_new (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_object_set_data_full (G_OBJECT (factory), "tally-tree-rows", g_ptr_array_new (),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind_cb), NULL);
  return factory;
}

void
tally_viewer_tree_rows_refresh (GtkListItemFactory *factory)
{
  GPtrArray *rows = factory_rows (factory);

  g_return_if_fail (rows != NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      GtkTreeListRow *row = gtk_tree_expander_get_list_row (rows->pdata[i]);

      if (row != NULL)
        update_row (rows->pdata[i], row);
    }
}
