/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <tally.h>

#include "tally-viewer-cell.h"
#include "tally-viewer-results-tree.h"
#include "tally-viewer-util.h"

#define MIN_CHARS 3
#define DIM_ALPHA 0.55
#define PILL_PADDING_X 8
#define PILL_PADDING_Y 1
#define PILL_CHARS 9

struct _TallyViewerCell
{
  GtkWidget parent_instance;

  TallyViewerCellStyle style;
  int outcome;                  /* a pill's, -1: none */
  char *text;
  PangoLayout *layout;          /* made at the first snapshot */
};

G_DEFINE_FINAL_TYPE (TallyViewerCell, tally_viewer_cell, GTK_TYPE_WIDGET)

/* A line's height and a digit's width in the cells' font, shared by
 * every cell; 0: to measure. Reset when the system's fonts change, with
 * the pills' texts (one layout per outcome, for every cell and tree row). */
static int line_height;
static int char_width;
static PangoLayout *pill_layouts[TALLY_N_OUTCOMES];

/* --- the outcome pill ------------------------------------------------------ */

/* Its text smaller and bold, in the outcome's colour, on a tint of it. */
static PangoLayout *
pill_layout (GtkWidget    *widget,
             TallyOutcome  outcome)
{
  if (pill_layouts[outcome] == NULL)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pill_layouts[outcome] = gtk_widget_create_pango_layout (widget, tally_outcome_to_string (outcome));
      pango_layout_set_attributes (pill_layouts[outcome], attrs);
      pango_attr_list_unref (attrs);
    }
  return pill_layouts[outcome];
}

static void
pill_colors (GtkWidget     *widget,
             TallyOutcome   outcome,
             const GdkRGBA *fg,
             GdkRGBA       *text,
             GdkRGBA       *background)
{
  const char *name = NULL;
  double tint = 0.14;

  switch (tally_viewer_outcome_group (outcome))
    {
    case TALLY_VIEWER_GROUP_FAILED: name = "error_color"; break;
    case TALLY_VIEWER_GROUP_PASSED: name = "success_color"; break;
    case TALLY_VIEWER_GROUP_FLAKY: name = "warning_color"; tint = 0.16; break;
    case TALLY_VIEWER_GROUP_SKIPPED:
    case TALLY_VIEWER_GROUP_OTHER:
    case TALLY_VIEWER_N_GROUPS:
    default: break;
    }
  if (outcome == TALLY_OUTCOME_XPASSED)
    name = "warning_color", tint = 0.16;
  else if (outcome == TALLY_OUTCOME_RUNNING)
    name = "accent_color";
  *text = *fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (name == NULL || !gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, text))
    {
      *text = *fg;
      *background = *fg;
      text->alpha *= name == NULL ? 0.65 : 1;
      background->alpha *= 0.10;
      return;
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
  *background = *text;
  background->alpha *= tint;
}

int
tally_viewer_pill_draw (GtkWidget     *widget,
                        GtkSnapshot   *snapshot,
                        TallyOutcome   outcome,
                        int            height,
                        const GdkRGBA *fg)
{
  PangoLayout *layout;
  int width = 0, text_height = 0, pill_height;
  GdkRGBA text, background;
  GskRoundedRect rect;
  graphene_rect_t bounds;

  g_return_val_if_fail ((guint) outcome < TALLY_N_OUTCOMES, 0);

  layout = pill_layout (widget, outcome);
  pango_layout_get_pixel_size (layout, &width, &text_height);
  pill_height = text_height + 2 * PILL_PADDING_Y;
  width += 2 * PILL_PADDING_X;
  pill_colors (widget, outcome, fg, &text, &background);
  bounds = GRAPHENE_RECT_INIT (0, (height - pill_height) / 2, width, pill_height);
  gsk_rounded_rect_init_from_rect (&rect, &bounds, pill_height / 2.0);
  gtk_snapshot_push_rounded_clip (snapshot, &rect);
  gtk_snapshot_append_color (snapshot, &background, &bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PILL_PADDING_X, (height - text_height) / 2));
  gtk_snapshot_append_layout (snapshot, layout, &text);
  gtk_snapshot_restore (snapshot);
  return width;
}

void
tally_viewer_pill_reset (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (pill_layouts); i++)
    g_clear_object (&pill_layouts[i]);
}

/* --- the cell ------------------------------------------------------------- */

static PangoAttrList *
numeric_attributes (void)
{
  static PangoAttrList *attrs;

  if (attrs == NULL)
    {
      attrs = pango_attr_list_new ();
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
tally_viewer_cell_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  TallyViewerCell *self = TALLY_VIEWER_CELL (widget);

  ensure_font_sizes (widget);
  if (orientation == GTK_ORIENTATION_VERTICAL)
    *minimum = *natural = line_height;
  else if (self->style & TALLY_VIEWER_CELL_PILL)
    *minimum = *natural = PILL_CHARS * char_width + 2 * PILL_PADDING_X;
  else
    *minimum = *natural = MIN_CHARS * char_width;
}

static void
tally_viewer_cell_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  TallyViewerCell *self = TALLY_VIEWER_CELL (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int text_width = 0, text_height = 0, x = 0;
  GdkRGBA color;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (self->style & TALLY_VIEWER_CELL_PILL)
    {
      if (self->outcome >= 0)
        tally_viewer_pill_draw (widget, snapshot, self->outcome, height, &color);
      return;
    }
  if (self->text == NULL || *self->text == '\0' || width <= 0)
    return;
  if (self->layout == NULL)
    {
      self->layout = gtk_widget_create_pango_layout (widget, self->text);
      pango_layout_set_single_paragraph_mode (self->layout, TRUE);
      if (self->style & TALLY_VIEWER_CELL_NUMERIC)
        pango_layout_set_attributes (self->layout, numeric_attributes ());
      if (self->style & TALLY_VIEWER_CELL_ELLIPSIZE)
        pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
    }
  if (self->style & TALLY_VIEWER_CELL_ELLIPSIZE)
    pango_layout_set_width (self->layout, width * PANGO_SCALE);
  pango_layout_get_pixel_size (self->layout, &text_width, &text_height);
  if ((self->style & TALLY_VIEWER_CELL_END) && text_width < width)
    x = width - text_width;
  if (self->style & TALLY_VIEWER_CELL_DIM)
    color.alpha *= DIM_ALPHA;
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, (height - text_height) / 2));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_pop (snapshot);
}

static void
tally_viewer_cell_system_setting_changed (GtkWidget        *widget,
                                          GtkSystemSetting  setting)
{
  TallyViewerCell *self = TALLY_VIEWER_CELL (widget);

  line_height = 0;
  tally_viewer_pill_reset ();
  g_clear_object (&self->layout);
  gtk_widget_queue_resize (widget);
  GTK_WIDGET_CLASS (tally_viewer_cell_parent_class)->system_setting_changed (widget, setting);
}

static void
tally_viewer_cell_finalize (GObject *object)
{
  TallyViewerCell *self = TALLY_VIEWER_CELL (object);

  g_clear_pointer (&self->text, g_free);
  g_clear_object (&self->layout);
  G_OBJECT_CLASS (tally_viewer_cell_parent_class)->finalize (object);
}

static void
tally_viewer_cell_class_init (TallyViewerCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tally_viewer_cell_finalize;
  widget_class->measure = tally_viewer_cell_measure;
  widget_class->snapshot = tally_viewer_cell_snapshot;
  widget_class->system_setting_changed = tally_viewer_cell_system_setting_changed;
  gtk_widget_class_set_css_name (widget_class, "resultcell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
tally_viewer_cell_init (TallyViewerCell *self)
{
  self->outcome = -1;
}

GtkWidget *
tally_viewer_cell_new (TallyViewerCellStyle style)
{
  TallyViewerCell *self = g_object_new (TALLY_VIEWER_TYPE_CELL, NULL);

  self->style = style;
  return GTK_WIDGET (self);
}

void
tally_viewer_cell_set_text (TallyViewerCell *self,
                            const char      *text)
{
  g_return_if_fail (TALLY_VIEWER_IS_CELL (self));

  if (text == NULL)
    text = "";
  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  if (self->layout != NULL)
    pango_layout_set_text (self->layout, text, -1);
  /* What a screen reader reads: the cell's text. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tally_viewer_cell_set_outcome (TallyViewerCell *self,
                               int              outcome)
{
  g_return_if_fail (TALLY_VIEWER_IS_CELL (self));
  g_return_if_fail (outcome < (int) TALLY_N_OUTCOMES);

  if (outcome < 0)
    outcome = -1;
  if (self->outcome == outcome && self->text != NULL)
    return;
  self->outcome = outcome;
  tally_viewer_cell_set_text (self, outcome >= 0 ? tally_outcome_to_string (outcome) : "");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
tally_viewer_cell_get_text (TallyViewerCell *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_CELL (self), NULL);
  return self->text ? self->text : "";
}

int
tally_viewer_cell_get_outcome (TallyViewerCell *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_CELL (self), -1);
  return self->outcome;
}
