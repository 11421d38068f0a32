/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-assert.h"
#include "tally-async.h"
#include "tally-test-private.h"

/* Several async operations in flight: one slot per operation, each
 * awaited on its own, with an optional timeout per await. */

struct _TallyAsyncSlot
{
  TallyTest *test;
  char *name;
  GAsyncResult *result;
};

static void
slot_free (gpointer data)
{
  TallyAsyncSlot *slot = data;

  g_clear_object (&slot->result);
  g_free (slot->name);
  g_free (slot);
}

/* Called when the test ends, before its leftovers are judged: a result
 * can hold its operation, and the operation its sources, alive. */
void
tally_async_clear (TallyTest *test)
{
  g_clear_pointer (&test->slots, g_ptr_array_unref);
}

/**
 * tally_test_new_slot:
 * @test: a #TallyTest
 * @name: (nullable): a name for messages, e.g. `"read"`
 *
 * Makes a slot for the result of one async operation. Pass
 * tally_async_slot_ready() as the callback and the slot as its user data:
 *
 * |[<!-- language="C" -->
 * TallyAsyncSlot *a = tally_test_new_slot (t, "a");
 * TallyAsyncSlot *b = tally_test_new_slot (t, "b");
 *
 * g_file_load_contents_async (fa, NULL, tally_async_slot_ready, a);
 * g_file_load_contents_async (fb, NULL, tally_async_slot_ready, b);
 * ok = g_file_load_contents_finish (fb, tally_async_slot_await (b), …);
 * ok = g_file_load_contents_finish (fa, tally_async_slot_await (a), …);
 * ]|
 *
 * Returns: (transfer none): the slot, owned by the test until it ends
 */
TallyAsyncSlot *
tally_test_new_slot (TallyTest  *test,
                     const char *name)
{
  TallyAsyncSlot *slot;

  g_return_val_if_fail (test != NULL, NULL);

  if (test->slots == NULL)
    test->slots = g_ptr_array_new_with_free_func (slot_free);

  slot = g_new0 (TallyAsyncSlot, 1);
  slot->test = test;
  slot->name = name ? g_strdup (name) : g_strdup_printf ("slot %u", test->slots->len + 1);
  g_ptr_array_add (test->slots, slot);

  return slot;
}

/**
 * tally_async_slot_ready:
 * @source_object: (nullable): the source object of the operation
 * @result: the result
 * @slot: the #TallyAsyncSlot, as user data
 *
 * A #GAsyncReadyCallback that stores @result in @slot. A second result
 * for the same slot fails the test.
 */
void
tally_async_slot_ready (GObject      *source_object,
                        GAsyncResult *result,
                        gpointer      slot)
{
  TallyAsyncSlot *self = slot;

  g_return_if_fail (self != NULL);
  g_return_if_fail (G_IS_ASYNC_RESULT (result));

  if (self->result != NULL)
    tally_fail ("a second result arrived for the async slot “%s”", self->name);

  self->result = g_object_ref (result);
}

/**
 * tally_async_slot_is_ready:
 * @slot: a #TallyAsyncSlot
 *
 * Checks, without iterating, whether the slot's result has arrived.
 *
 * Returns: %TRUE once tally_async_slot_ready() stored a result
 */
gboolean
tally_async_slot_is_ready (TallyAsyncSlot *slot)
{
  g_return_val_if_fail (slot != NULL, FALSE);
  return slot->result != NULL;
}

static gboolean
on_expired_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  /* Stays attached until the waiter destroys it, so the waiter's
   * pointer to it stays valid without a reference of its own. */
  *expired = TRUE;
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*ReadyFunc) (gpointer data);

/* Iterates the test's context until @ready holds; fails the test when
 * @seconds (if > 0) pass first, or with `timeout` at its deadline. The
 * flag lives with the timer source: if the test unwinds from the wait,
 * the source (a "[tally]" one, left to go with the context) writes into
 * its own memory, never into this frame. */
static void
iterate_until (TallyTest  *test,
               ReadyFunc   ready,
               gpointer    data,
               double      seconds,
               const char *what)
{
  GSource *timer = NULL;
  gboolean *expired = NULL;
  gboolean timed_out;

  if (ready (data))
    return;

  if (seconds > 0)
    {
      expired = g_new0 (gboolean, 1);
      timer = g_timeout_source_new ((guint) (seconds * 1000));
      g_source_set_static_name (timer, "[tally] await timeout");
      g_source_set_callback (timer, on_expired_cb, expired, g_free);
      g_source_attach (timer, test->context);
      g_source_unref (timer);
    }

  while (!ready (data) && !(expired && *expired))
    tally_test_iterate (test, what);

  if (timer != NULL)
    {
      timed_out = *expired && !ready (data);

      g_source_destroy (timer);
      if (timed_out)
        tally_test_fail (test, "%s: no result within %.3g s", what, seconds);
    }
}

static gboolean
slot_ready (gpointer data)
{
  return ((TallyAsyncSlot *) data)->result != NULL;
}

/**
 * tally_async_slot_await_timeout:
 * @slot: a #TallyAsyncSlot
 * @seconds: how long to wait; 0 waits until the test's deadline
 *
 * Iterates the test's context until the slot has its result. Fails the
 * test if @seconds pass first (or with `timeout` at the test's deadline).
 *
 * Returns: (transfer none): the result, valid until the test ends
 */
GAsyncResult *
tally_async_slot_await_timeout (TallyAsyncSlot *slot,
                                double          seconds)
{
  g_return_val_if_fail (slot != NULL, NULL);

  if (slot->result == NULL)
    {
      /* Freed by hand: an unwind never comes back here. */
      char *desc = g_strdup_printf ("awaiting the async slot “%s”", slot->name);
      char reason[256];

      g_strlcpy (reason, desc, sizeof reason);
      g_free (desc);
      iterate_until (slot->test, slot_ready, slot, seconds, reason);
    }

  return slot->result;
}

/**
 * tally_async_slot_await:
 * @slot: a #TallyAsyncSlot
 *
 * Iterates the test's context until the slot has its result, like
 * tally_test_await() for one operation among several.
 *
 * Returns: (transfer none): the result, valid until the test ends
 */
GAsyncResult *
tally_async_slot_await (TallyAsyncSlot *slot)
{
  return tally_async_slot_await_timeout (slot, 0);
}

static gboolean
all_ready (gpointer data)
{
  TallyTest *test = data;

  for (guint i = 0; test->slots != NULL && i < test->slots->len; i++)
    if (!slot_ready (g_ptr_array_index (test->slots, i)))
      return FALSE;
  return TRUE;
}

/**
 * tally_test_await_all:
 * @test: a #TallyTest
 * @seconds: how long to wait; 0 waits until the test's deadline
 *
 * Iterates the test's context until every slot made with
 * tally_test_new_slot() has its result. Fails the test if @seconds pass
 * first, naming no slot in particular (await them one by one for that).
 */
void
tally_test_await_all (TallyTest *test,
                      double     seconds)
{
  g_return_if_fail (test != NULL);
  iterate_until (test, all_ready, test, seconds, "awaiting every async slot");
}

static gboolean
pending_ready (gpointer data)
{
  return ((TallyTest *) data)->pending_result != NULL;
}

/**
 * tally_test_await_timeout:
 * @test: a #TallyTest
 * @seconds: how long to wait; 0 waits until the test's deadline
 *
 * Like tally_test_await(), but fails the test if no result arrives within
 * @seconds.
 *
 * Returns: (transfer none): the result; it stays valid until the next
 *   await or the end of the test
 */
GAsyncResult *
tally_test_await_timeout (TallyTest *test,
                          double     seconds)
{
  g_return_val_if_fail (test != NULL, NULL);

  iterate_until (test, pending_ready, test, seconds, "awaiting an async result");
  return tally_test_await (test);
}
