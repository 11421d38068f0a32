/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The main window: a results database (TallyViewerDocument) shown as
 * the runs sidebar, the filter bar, the results table and the detail,
 * with the actions that open databases and run tests. */
#define TALLY_VIEWER_TYPE_WINDOW (tally_viewer_window_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerWindow, tally_viewer_window, TALLY_VIEWER, WINDOW, AdwApplicationWindow)

TallyViewerWindow *tally_viewer_window_new          (GtkApplication    *application);
/* Opens @path read-only and shows its newest run (its results load on a
 * thread); on failure the window shows an error page and this returns
 * FALSE with @error set (nullable). */
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
/* Whether the shown run's results are being read (a run being loaded,
 * or read again after the database changed), or the flaky tests. */
gboolean    tally_viewer_window_is_loading         (TallyViewerWindow *self);
/* Selects the first failure in the table, if any. */
gboolean    tally_viewer_window_select_first_failure (TallyViewerWindow *self);
gboolean    tally_viewer_window_select_position    (TallyViewerWindow *self,
                                                    guint              position);
/* Shows a page instead of the results: "compare" (the shown run
 * against the one before), "flaky", "history" (of the test in the
 * detail), or "results"; FALSE when there is nothing to show it for. */
gboolean    tally_viewer_window_show_page          (TallyViewerWindow *self,
                                                    const char        *page);
/* Reads the database again now (the window also polls it). */
void        tally_viewer_window_reload             (TallyViewerWindow *self);

G_END_DECLS
