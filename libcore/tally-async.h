/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include "tally-test.h"

G_BEGIN_DECLS

/**
 * TallyAsyncSlot:
 *
 * Where one async operation's result lands, for a test with several
 * operations in flight. Make one per operation with tally_test_new_slot(),
 * pass tally_async_slot_ready() and the slot to the `_async()` call, and
 * await each slot on its own: every operation gets its own result,
 * whichever finishes first. Slots belong to the test and go with it.
 */
typedef struct _TallyAsyncSlot TallyAsyncSlot;

TallyAsyncSlot *tally_test_new_slot            (TallyTest      *test,
                                                const char     *name);
void            tally_async_slot_ready         (GObject        *source_object,
                                                GAsyncResult   *result,
                                                gpointer        slot);
gboolean        tally_async_slot_is_ready      (TallyAsyncSlot *slot);
GAsyncResult   *tally_async_slot_await         (TallyAsyncSlot *slot);
GAsyncResult   *tally_async_slot_await_timeout (TallyAsyncSlot *slot,
                                                double          seconds);
void            tally_test_await_all           (TallyTest      *test,
                                                double          seconds);
GAsyncResult   *tally_test_await_timeout       (TallyTest      *test,
                                                double          seconds);

G_END_DECLS
