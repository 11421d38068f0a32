/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-viewer-detail.h"

G_BEGIN_DECLS

/* For tests/test-viewer.c and bench/bench-viewer.c: what is shown. */
GListModel *tally_viewer_detail_get_log_model     (TallyViewerDetail    *self);
char       *tally_viewer_detail_dup_output        (TallyViewerDetail    *self,
                                                   int                   stream);
const char *tally_viewer_detail_get_message       (TallyViewerDetail    *self);
guint       tally_viewer_detail_get_n_history     (TallyViewerDetail    *self);
/* Attempts of the result (1 when it was not retried), and the attempt
 * number of the one shown (action "detail.show-attempt" (u) picks one by
 * index). */
guint       tally_viewer_detail_get_n_attempts    (TallyViewerDetail    *self);
guint       tally_viewer_detail_get_shown_attempt (TallyViewerDetail    *self);
/* A tab's title ("Log (20)"), and whether the tab is offered. */
const char *tally_viewer_detail_get_page_title    (TallyViewerDetail    *self,
                                                   const char           *name);
gboolean    tally_viewer_detail_has_page          (TallyViewerDetail    *self,
                                                   const char           *name);
/* The crash tab's signal, backtrace and stderr tail, as text. */
char       *tally_viewer_detail_dup_crash_text    (TallyViewerDetail    *self);
/* The header's signal line, NULL when hidden. */
const char *tally_viewer_detail_get_signal_text   (TallyViewerDetail    *self);
/* What "Copy All" and "Save" take: the whole tab shown, as text. */
char       *tally_viewer_detail_dup_page_text     (TallyViewerDetail    *self);
GtkEditable *tally_viewer_detail_get_search_entry (TallyViewerDetail    *self);
/* The log record a search (or the menu) selected. */
guint       tally_viewer_detail_get_log_selected  (TallyViewerDetail    *self);
/* The text a search selected in the text tab shown, or NULL. */
char       *tally_viewer_detail_dup_selected_text (TallyViewerDetail    *self);
/* The text view of the tab shown (stdout, stderr, console), or NULL. */
GtkTextView *tally_viewer_detail_get_text_view    (TallyViewerDetail    *self);
GtkWidget  *tally_viewer_detail_get_log_menu      (TallyViewerDetail    *self);
void        tally_viewer_detail_popup_log_menu    (TallyViewerDetail    *self,
                                                   guint                 position);

G_END_DECLS
