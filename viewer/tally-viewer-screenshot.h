/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-viewer-window.h"

G_BEGIN_DECLS

/* `tally-viewer --screenshot FILE [DB]` and the options that choose the
 * state rendered (docs/viewer.md, "Screenshot mode"). */
typedef struct
{
  char *path;                   /* the PNG */
  gint64 run_id;                /* --run N, 0: the newest */
  char *select;                 /* --select PROGRAM::PATH */
  char *filter;                 /* --filter TEXT, the search field */
  char *view;                   /* --view table|tree */
  char *tab;                    /* --tab NAME, the detail's page */
  char *color_scheme;           /* --color-scheme light|dark */
  char *page;                   /* --page compare|history|flaky */
  int width;                    /* --width, --height */
  int height;
} TallyViewerScreenshot;

void     tally_viewer_screenshot_free    (TallyViewerScreenshot *shot);
/* Reads the options of @options into a new TallyViewerScreenshot, or
 * returns NULL when --screenshot is not given, or with @error set. */
TallyViewerScreenshot *tally_viewer_screenshot_from_options (GVariantDict  *options,
                                                             GError       **error);
/* The GOptionEntry array the application adds. */
const GOptionEntry *tally_viewer_screenshot_option_entries (void);
/* Sets up @window for @shot, waits until it is drawn in that state,
 * writes the PNG, then calls @done with the error or NULL. */
void     tally_viewer_screenshot_take    (TallyViewerScreenshot *shot,
                                          TallyViewerWindow     *window,
                                          void                 (*done) (GError *error, gpointer data),
                                          gpointer               data);
/* Renders @window as it is now into a PNG at @path. */
gboolean tally_viewer_render_png         (GtkWidget             *window,
                                          const char            *path,
                                          GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyViewerScreenshot, tally_viewer_screenshot_free)

G_END_DECLS
