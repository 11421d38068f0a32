/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* The selected result: its failure (message, file:line), its log as a
 * table with a level filter, its stdout and stderr, and the test's
 * history across runs. */
#define TALLY_VIEWER_TYPE_DETAIL (tally_viewer_detail_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerDetail, tally_viewer_detail, TALLY_VIEWER, DETAIL, GtkWidget)

/* @store is borrowed; @row is copied from (nullable: nothing selected). */
void        tally_viewer_detail_set_result     (TallyViewerDetail    *self,
                                                TallyStore           *store,
                                                gint64                run_id,
                                                const TallyResultRow *row);
/* The same result through another connection (borrowed) from now on. */
void        tally_viewer_detail_set_store      (TallyViewerDetail    *self,
                                                TallyStore           *store);
gint64      tally_viewer_detail_get_result_id  (TallyViewerDetail    *self);
/* 0 for all levels, else a GLogLevelFlags bit and the more severe ones. */
void        tally_viewer_detail_set_max_level  (TallyViewerDetail    *self,
                                                GLogLevelFlags        max_level);
void        tally_viewer_detail_release_views  (TallyViewerDetail    *self);

G_END_DECLS
