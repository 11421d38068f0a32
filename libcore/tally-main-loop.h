/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include "tally-test.h"

G_BEGIN_DECLS

guint    tally_test_idle_add            (TallyTest   *test,
                                         GSourceFunc  func,
                                         gpointer     user_data);
guint    tally_test_timeout_add         (TallyTest   *test,
                                         guint        interval_ms,
                                         GSourceFunc  func,
                                         gpointer     user_data);
gboolean tally_test_remove_source       (TallyTest   *test,
                                         guint        id);
void     tally_test_run_loop            (TallyTest   *test);
void     tally_test_quit_loop           (TallyTest   *test);
gboolean tally_test_uses_global_context (TallyTest   *test);

G_END_DECLS
