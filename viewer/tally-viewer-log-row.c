/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-viewer-log-row.h"

#define ROW_PADDING_Y 1
#define ROW_PADDING_X 12

struct _TallyViewerLogRow
{
  GtkWidget parent_instance;

  char *text;
  PangoAttrList *attrs;
  PangoLayout *layout;          /* made at the first snapshot */
};

G_DEFINE_FINAL_TYPE (TallyViewerLogRow, tally_viewer_log_row, GTK_TYPE_WIDGET)

/* A line's height in the rows' font, shared by every row; 0: to measure.
 * Reset when the system's fonts change. */
static int line_height;

static void
tally_viewer_log_row_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 2 * ROW_PADDING_X;
      *natural = 2 * ROW_PADDING_X;
      return;
    }
  if (line_height == 0)
    {
      g_autoptr(PangoLayout) probe = gtk_widget_create_pango_layout (widget, "Xg");
      int height = 0;

      pango_layout_get_pixel_size (probe, NULL, &height);
      line_height = MAX (height, 1);
    }
  *minimum = *natural = line_height + 2 * ROW_PADDING_Y;
}

static void
tally_viewer_log_row_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  TallyViewerLogRow *self = TALLY_VIEWER_LOG_ROW (widget);

  if (self->layout != NULL)
    pango_layout_set_width (self->layout, MAX (width - 2 * ROW_PADDING_X, 0) * PANGO_SCALE);
}

static void
tally_viewer_log_row_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  TallyViewerLogRow *self = TALLY_VIEWER_LOG_ROW (widget);
  GdkRGBA color;

  if (self->text == NULL || *self->text == '\0')
    return;
  if (self->layout == NULL)
    {
      self->layout = gtk_widget_create_pango_layout (widget, self->text);
      pango_layout_set_attributes (self->layout, self->attrs);
      pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_single_paragraph_mode (self->layout, TRUE);
      pango_layout_set_width (self->layout,
                              MAX (gtk_widget_get_width (widget) - 2 * ROW_PADDING_X, 0) * PANGO_SCALE);
    }

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (ROW_PADDING_X, ROW_PADDING_Y));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
tally_viewer_log_row_system_setting_changed (GtkWidget        *widget,
                                             GtkSystemSetting  setting)
{
  TallyViewerLogRow *self = TALLY_VIEWER_LOG_ROW (widget);

  line_height = 0;
  g_clear_object (&self->layout);
  gtk_widget_queue_resize (widget);
  GTK_WIDGET_CLASS (tally_viewer_log_row_parent_class)->system_setting_changed (widget, setting);
}

static void
tally_viewer_log_row_finalize (GObject *object)
{
  TallyViewerLogRow *self = TALLY_VIEWER_LOG_ROW (object);

  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->attrs, pango_attr_list_unref);
  g_clear_object (&self->layout);

  G_OBJECT_CLASS (tally_viewer_log_row_parent_class)->finalize (object);
}

static void
tally_viewer_log_row_class_init (TallyViewerLogRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tally_viewer_log_row_finalize;
  widget_class->measure = tally_viewer_log_row_measure;
  widget_class->size_allocate = tally_viewer_log_row_size_allocate;
  widget_class->snapshot = tally_viewer_log_row_snapshot;
  widget_class->system_setting_changed = tally_viewer_log_row_system_setting_changed;
  gtk_widget_class_set_css_name (widget_class, "logrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
tally_viewer_log_row_init (TallyViewerLogRow *self)
{
}

GtkWidget *
tally_viewer_log_row_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_LOG_ROW, NULL);
}

void
tally_viewer_log_row_set_text (TallyViewerLogRow *self,
                               const char        *text,
                               PangoAttrList     *attrs)
{
  g_return_if_fail (TALLY_VIEWER_IS_LOG_ROW (self));

  g_free (self->text);
  self->text = g_strdup (text);
  if (attrs != self->attrs)
    {
      g_clear_pointer (&self->attrs, pango_attr_list_unref);
      self->attrs = attrs ? pango_attr_list_ref (attrs) : NULL;
    }
  /* Laid out again when it is next drawn. */
  if (self->layout != NULL)
    {
      pango_layout_set_text (self->layout, self->text ? self->text : "", -1);
      pango_layout_set_attributes (self->layout, self->attrs);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->text ? self->text : "", -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
tally_viewer_log_row_get_text (TallyViewerLogRow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_ROW (self), NULL);
  return self->text;
}

PangoAttrList *
tally_viewer_log_row_get_attributes (TallyViewerLogRow *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_LOG_ROW (self), NULL);
  return self->attrs;
}
