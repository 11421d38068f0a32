/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-detail.h"
#include "tally-viewer-runner.h"

G_BEGIN_DECLS

#define TALLY_VIEWER_TYPE_WINDOW (tally_viewer_window_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerWindow, tally_viewer_window, TALLY_VIEWER, WINDOW, AdwApplicationWindow)

TallyViewerWindow *tally_viewer_window_new          (GtkApplication    *application);
/* Opens @path read-only; on failure the window shows an error page and
 * this returns FALSE with @error set (nullable). */
gboolean    tally_viewer_window_open_path          (TallyViewerWindow *self,
                                                    const char        *path,
                                                    GError           **error);
const char *tally_viewer_window_get_path           (TallyViewerWindow *self);
/* "welcome", "error" or "results" */
const char *tally_viewer_window_get_page           (TallyViewerWindow *self);
const char *tally_viewer_window_get_error_text     (TallyViewerWindow *self);
gboolean    tally_viewer_window_select_run         (TallyViewerWindow *self,
                                                    gint64             run_id);
gint64      tally_viewer_window_get_run_id         (TallyViewerWindow *self);
/* Selects the first failure in the table, if any. */
gboolean    tally_viewer_window_select_first_failure (TallyViewerWindow *self);
gboolean    tally_viewer_window_select_position    (TallyViewerWindow *self,
                                                    guint              position);
/* Reads the database again now (the window also polls it). */
void        tally_viewer_window_reload             (TallyViewerWindow *self);

/* Before destroying the window without closing it (tests). */
void        tally_viewer_window_release_views      (TallyViewerWindow *self);

/* For tests and the benchmark. */
GListModel        *tally_viewer_window_get_results   (TallyViewerWindow *self);
/* The table's selection (a GtkMultiSelection over the results). */
GtkSelectionModel *tally_viewer_window_get_selection (TallyViewerWindow *self);
TallyViewerDetail *tally_viewer_window_get_detail    (TallyViewerWindow *self);
TallyViewerRunner *tally_viewer_window_get_runner    (TallyViewerWindow *self);
GtkEditable       *tally_viewer_window_get_search    (TallyViewerWindow *self);
GtkEditable       *tally_viewer_window_get_marker_entry (TallyViewerWindow *self);
/* The rows shown as "program::path" strings, in order (reads them all). */
GPtrArray         *tally_viewer_window_dup_shown     (TallyViewerWindow *self);
/* The sentence of the last toast, for tests. */
const char        *tally_viewer_window_get_last_toast (TallyViewerWindow *self);

G_END_DECLS
