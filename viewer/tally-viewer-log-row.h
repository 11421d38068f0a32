/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* One line of the log tab: a text and its attributes, drawn with one
 * PangoLayout made when the row is first drawn. Rows have one height
 * for all (a line of the row's font, measured once): a list of 200 of
 * them costs no text layout until they show (GTK 4.8's list view keeps
 * 200 rows, and a GtkLabel or GtkInscription lays its text out to be
 * measured or allocated). */
#define TALLY_VIEWER_TYPE_LOG_ROW (tally_viewer_log_row_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerLogRow, tally_viewer_log_row, TALLY_VIEWER, LOG_ROW, GtkWidget)

GtkWidget  *tally_viewer_log_row_new            (void);
/* @text is copied; @attrs (nullable) is referenced, and may be shared. */
void        tally_viewer_log_row_set_text       (TallyViewerLogRow *self,
                                                 const char        *text,
                                                 PangoAttrList     *attrs);
const char *tally_viewer_log_row_get_text       (TallyViewerLogRow *self);
PangoAttrList *tally_viewer_log_row_get_attributes (TallyViewerLogRow *self);

G_END_DECLS
