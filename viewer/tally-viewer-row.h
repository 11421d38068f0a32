/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The item a positional list model hands out for a position: the same
 * object whatever the model shows there. GTK 4.8's list views throw away
 * the widgets of removed items and build new ones (15 widgets a row in a
 * column view), so a model whose contents change tells the views that
 * the positions they have bound changed, and they rebind the widgets
 * they already have. The result and log tables' items derive from it. */
#define TALLY_VIEWER_TYPE_ROW (tally_viewer_row_get_type ())
G_DECLARE_DERIVABLE_TYPE (TallyViewerRow, tally_viewer_row, TALLY_VIEWER, ROW, GObject)

struct _TallyViewerRowClass
{
  GObjectClass parent_class;
};

/* Returns: (nullable) (transfer none): the model, NULL once it is gone */
gpointer tally_viewer_row_get_model    (TallyViewerRow *self);
guint    tally_viewer_row_get_position (TallyViewerRow *self);
/* Views say which rows they have bound: TRUE at each bind of a cell,
 * FALSE at each unbind. */
void     tally_viewer_row_set_shown    (TallyViewerRow *self,
                                        gboolean        shown);

/* A model's rows: each position's row while someone holds it. */
typedef struct _TallyViewerRows TallyViewerRows;

typedef gboolean (*TallyViewerRowChanged) (guint position, gpointer data);

TallyViewerRows *tally_viewer_rows_new    (GListModel      *model,
                                           GType            row_type);
/* Rows still held elsewhere outlive the model: they show nothing. */
void             tally_viewer_rows_free   (TallyViewerRows *rows);
/* Returns: (transfer full): the row at @position */
gpointer         tally_viewer_rows_get    (TallyViewerRows *rows,
                                           guint            position);
/* Tells the model's views that the bound positions below @len have new
 * contents (those for which @changed says so; all when it is NULL), in
 * runs of neighbouring positions. */
void             tally_viewer_rows_rebind (TallyViewerRows      *rows,
                                           guint                 len,
                                           TallyViewerRowChanged changed,
                                           gpointer              data);

G_END_DECLS
