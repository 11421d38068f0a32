/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Text from tests is data: valid UTF-8, and cut to @max_chars characters
 * (with an ellipsis) so a 1 MB line cannot stall a cell. -1: no cut. */
char       *tally_viewer_text_for_display (const char *text,
                                           gssize      len,
                                           gssize      max_chars);
/* The first line only, for one-line cells. */
char       *tally_viewer_first_line       (const char *text,
                                           gssize      len,
                                           gssize      max_chars);
/* The height of a line in @widget's font and the width of a digit, in
 * pixels: the drawn rows and cells measure them once, not per row. */
void        tally_viewer_measure_digits   (GtkWidget  *widget,
                                           int        *line_height,
                                           int        *digit_width);
char       *tally_viewer_format_duration  (gint64      duration_us);
char       *tally_viewer_format_offset    (gint64      offset_us);
char       *tally_viewer_format_time      (gint64      time_us);
/* @n with the locale's thousands separators ("20,000" in C). */
char       *tally_viewer_format_count     (guint64     n);
/* The calling thread's CPU time in µs (for the loading threads' debug
 * messages, which bench-viewer prints). */
gint64      tally_viewer_thread_cpu_time  (void);
/* What a run was, from its argv and parent: "Rerun of #6", "--lf",
 * "-m serial", "-k net", "--tests-from" …; NULL for a plain run. */
char       *tally_viewer_describe_run     (const char * const *argv,
                                           gint64      parent_id);
/* The top bar of a page shown instead of the results (compare, flaky,
 * history): a Back button (win.show-results) and a title; returns the
 * bar, whose end is free for the page's controls. */
GtkWidget  *tally_viewer_page_bar_new     (const char *title,
                                           GtkLabel  **title_label);
/* An accessible name for a widget that shows only an icon or a value. */
void        tally_viewer_set_label        (GtkWidget  *widget,
                                           const char *label);
/* A CSS class name for a level: "error", "critical", "warning", … */
const char *tally_viewer_level_class      (int         level);
const char *tally_viewer_level_label      (int         level);

/* Like gtk_widget_set_tooltip_text(), without its cost: GTK 4.8 asks the
 * display server where the pointer is on every call (a round trip per
 * bound cell); this keeps @text for the query-tooltip signal instead. */
void        tally_viewer_set_tooltip      (GtkWidget  *widget,
                                           const char *text);

/* A page's status line: @label after a spinner, hidden until a read
 * on a thread shows it (gtk_widget_set_visible + gtk_spinner_start). */
GtkWidget  *tally_viewer_page_status_new  (GtkLabel    *label,
                                           GtkSpinner **spinner);

G_END_DECLS
