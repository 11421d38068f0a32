/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of the window (tally-viewer-window.c and
 * tally-viewer-window-runs.c); never included elsewhere. */

#include "tally-viewer-compare-page.h"
#include "tally-viewer-flaky-page.h"
#include "tally-viewer-history-page.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-runs-sidebar.h"
#include "tally-viewer-window-private.h"

G_BEGIN_DECLS

struct _TallyViewerWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  TallyViewerDetail *detail;
  AdwStatusPage *empty_page;
  AdwStatusPage *error_page;
  TallyViewerFilterBar *filter_bar;
  AdwFlap *flap;
  GtkStack *main_stack;
  GtkProgressBar *progress_bar;
  GMenu *recent_menu;
  AdwSplitButton *rerun_button;
  AdwSplitButton *rerun_icon_button;
  TallyViewerResultsView *results_view;
  TallyViewerRunsSidebar *runs_sidebar;
  GtkToggleButton *sidebar_button;
  GtkButton *stop_button;
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;

  /* Pages built in code, in main_stack */
  TallyViewerComparePage *compare_page;
  TallyViewerFlakyPage *flaky_page;
  TallyViewerHistoryPage *history_page;

  /* Owned */
  TallyViewerDocument *document;
  TallyViewerRunner *runner;
  char *path;
  char *tests_file;             /* the --tests-from list of the run in progress */
  char *last_tests;
  char *error_text;
  char *last_toast;
  char *focused_program;        /* the result in the detail, for its history */
  char *focused_path;
  char *keep_program;           /* the test to select again in the next run */
  char *keep_path;
  gint64 rerun_parent;          /* the run the run in progress reruns tests of */
  guint recent_source;          /* the recent files, updated once idle */
};

void tally_viewer_window_toast              (TallyViewerWindow *self,
                                             const char        *text);
/* Runs start from a shown run, one at a time. */
void tally_viewer_window_update_run_actions (TallyViewerWindow *self);
void tally_viewer_window_remove_tests_file  (TallyViewerWindow *self);
void tally_viewer_window_init_runner        (TallyViewerWindow *self);
void tally_viewer_window_class_add_run_actions (GtkWidgetClass *widget_class);

G_END_DECLS
