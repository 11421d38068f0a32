/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* How a cell of the results table shows its text. */
typedef enum
{
  TALLY_VIEWER_CELL_PLAIN = 0,
  TALLY_VIEWER_CELL_PILL = 1 << 0,      /* an outcome pill (set_outcome) */
  TALLY_VIEWER_CELL_END = 1 << 1,       /* aligned to the end */
  TALLY_VIEWER_CELL_DIM = 1 << 2,       /* dimmed, as .dim-label */
  TALLY_VIEWER_CELL_NUMERIC = 1 << 3,   /* tabular digits, as .numeric */
  TALLY_VIEWER_CELL_ELLIPSIZE = 1 << 4, /* "…" at the end when too long */
} TallyViewerCellStyle;

/* One cell of the results table: a widget that draws its text (or an
 * outcome pill) with a PangoLayout made when it is first drawn, one line
 * of the font high (measured once for every cell). GTK 4.8's column view
 * builds a row of list items for each row a filter brings in (about 200
 * rows kept); a GtkInscription asked Pango for the font's metrics at each
 * measure and a GtkLabel for its layout, which was most of the cost of a
 * keystroke that widened the rows shown. The text is the cell's
 * accessible label. */
#define TALLY_VIEWER_TYPE_CELL (tally_viewer_cell_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerCell, tally_viewer_cell, TALLY_VIEWER, CELL, GtkWidget)

GtkWidget  *tally_viewer_cell_new         (TallyViewerCellStyle style);
/* Changes only what differs (a keystroke rebinds every row). */
void        tally_viewer_cell_set_text    (TallyViewerCell *self,
                                           const char      *text);
/* A pill cell: the outcome shown (its name is the text); -1: none. */
void        tally_viewer_cell_set_outcome (TallyViewerCell *self,
                                           int              outcome);
const char *tally_viewer_cell_get_text    (TallyViewerCell *self);
int         tally_viewer_cell_get_outcome (TallyViewerCell *self);

/* The outcome pill of the table and the tree (the colours of style.css's
 * label.outcome): drawn at x 0, centred in @height; returns its width. */
int         tally_viewer_pill_draw        (GtkWidget     *widget,
                                           GtkSnapshot   *snapshot,
                                           TallyOutcome   outcome,
                                           int            height,
                                           const GdkRGBA *fg);
/* The pills' texts are made again (the system's fonts changed). */
void        tally_viewer_pill_reset       (void);

G_END_DECLS
