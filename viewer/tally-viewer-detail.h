/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* The selected result: its attempts, its failure (signal, message,
 * file:line as links), the test's history across runs, and tabs: the
 * crash (signal, backtrace, last log records, stderr tail), the log
 * (level filter), stdout, stderr and the console (log and output).
 * Signal "problem" (const char *message): an action failed (a location
 * could not be opened, a tab saved), for the window's toast. */
#define TALLY_VIEWER_TYPE_DETAIL (tally_viewer_detail_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerDetail, tally_viewer_detail, TALLY_VIEWER, DETAIL, GtkWidget)

/* @store is borrowed; @row is copied from (nullable: nothing selected). */
void        tally_viewer_detail_set_result     (TallyViewerDetail    *self,
                                                TallyStore           *store,
                                                gint64                run_id,
                                                const TallyResultRow *row);
/* The same result through another connection (borrowed) from now on. */
/* Where @run_id of the database @db_path ran (nullable), as the
 * caller knows it: the detail then need not read the run's row (which
 * comes with its counts, a scan of the run) to show its first result. */
void        tally_viewer_detail_set_run_dir    (TallyViewerDetail    *self,
                                                const char           *db_path,
                                                gint64                run_id,
                                                const char           *cwd);
void        tally_viewer_detail_set_store      (TallyViewerDetail    *self,
                                                TallyStore           *store);
gint64      tally_viewer_detail_get_result_id  (TallyViewerDetail    *self);
/* 0 for all levels, else a GLogLevelFlags bit and the more severe ones. */
void        tally_viewer_detail_set_max_level  (TallyViewerDetail    *self,
                                                GLogLevelFlags        max_level);
void        tally_viewer_detail_release_views  (TallyViewerDetail    *self);

/* The tab shown, also the property "visible-page" (for `--screenshot
 * --tab NAME`): "crash" (offered for a crash or a result with a
 * signal or a backtrace), "log", "stdout", "stderr", "console". Set
 * to a tab not offered for this result, it is remembered and shown
 * for the next result that has it; a crash still opens on "crash". */
const char *tally_viewer_detail_get_visible_page (TallyViewerDetail *self);
void        tally_viewer_detail_set_visible_page (TallyViewerDetail *self,
                                                  const char        *name);

G_END_DECLS
