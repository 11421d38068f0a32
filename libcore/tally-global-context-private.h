/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-test-private.h"

G_BEGIN_DECLS

/* Which context a test runs on, and what a test stuck on the wrong one is
 * told (tally-global-context.c). */
gboolean tally_global_context_wanted     (const TallyTestCase *tc);
gboolean tally_global_context_gtk_linked (void);
void     tally_global_context_begin      (TallyTest           *test);
void     tally_global_context_end        (TallyTest           *test);
void     tally_global_context_explain    (TallyTest           *test,
                                          GString             *message);
void     tally_global_context_check_loop (TallyTest           *test);
gboolean tally_global_context_gtk_running (void);
void     tally_global_context_iterate_both (TallyTest         *test);

/* Names and describes the sources attached to @context with ids from
 * @first on (tally-leaks.c). Returns how many there are. */
guint    tally_leaks_describe_pending    (GMainContext        *context,
                                          guint                first,
                                          GString             *out);

G_END_DECLS
