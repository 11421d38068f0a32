/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-viewer-detail.h"

G_BEGIN_DECLS

/* For tests/test-viewer.c and bench/bench-viewer.c: what is shown. */
GListModel *tally_viewer_detail_get_log_model  (TallyViewerDetail    *self);
char       *tally_viewer_detail_dup_output     (TallyViewerDetail    *self,
                                                int                   stream);
const char *tally_viewer_detail_get_message    (TallyViewerDetail    *self);
guint       tally_viewer_detail_get_n_history  (TallyViewerDetail    *self);

G_END_DECLS
