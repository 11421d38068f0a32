/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-main-loop.h"
#include "tally-test-private.h"

/* The test's-context versions of g_idle_add(), g_timeout_add(),
 * g_source_remove() and a GMainLoop's run/quit, so that porting a GLib
 * test is a matter of renaming: the originals target the global default
 * context, which the test does not iterate. */

static guint
attach (TallyTest   *test,
        GSource     *source,
        GSourceFunc  func,
        gpointer     user_data)
{
  guint id;

  g_source_set_callback (source, func, user_data, NULL);
  id = g_source_attach (source, test->context);
  g_source_unref (source);

  return id;
}

/**
 * tally_test_idle_add:
 * @test: a #TallyTest
 * @func: (scope notified) (closure user_data): called when the test's
 *   context is idle; return %G_SOURCE_REMOVE to stop
 * @user_data: passed to @func
 *
 * g_idle_add() on the test's context: @func runs while the test awaits,
 * waits or runs tally_test_run_loop().
 *
 * Returns: the source's id on the test's context, for
 *   tally_test_remove_source()
 */
guint
tally_test_idle_add (TallyTest   *test,
                     GSourceFunc  func,
                     gpointer     user_data)
{
  g_return_val_if_fail (test != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  return attach (test, g_idle_source_new (), func, user_data);
}

/**
 * tally_test_timeout_add:
 * @test: a #TallyTest
 * @interval_ms: the interval, in milliseconds
 * @func: (scope notified) (closure user_data): called every @interval_ms;
 *   return %G_SOURCE_REMOVE to stop
 * @user_data: passed to @func
 *
 * g_timeout_add() on the test's context.
 *
 * Returns: the source's id on the test's context, for
 *   tally_test_remove_source()
 */
guint
tally_test_timeout_add (TallyTest   *test,
                        guint        interval_ms,
                        GSourceFunc  func,
                        gpointer     user_data)
{
  g_return_val_if_fail (test != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  return attach (test, g_timeout_source_new (interval_ms), func, user_data);
}

/**
 * tally_test_remove_source:
 * @test: a #TallyTest
 * @id: an id from tally_test_idle_add() or tally_test_timeout_add(), or
 *   of any source attached to the test's context
 *
 * g_source_remove() on the test's context (g_source_remove() looks on the
 * global default context only).
 *
 * Returns: %TRUE if the source was found and removed
 */
gboolean
tally_test_remove_source (TallyTest *test,
                          guint      id)
{
  GSource *source;

  g_return_val_if_fail (test != NULL, FALSE);
  g_return_val_if_fail (id > 0, FALSE);

  source = g_main_context_find_source_by_id (test->context, id);
  if (source == NULL)
    return FALSE;

  g_source_destroy (source);
  return TRUE;
}

/**
 * tally_test_run_loop:
 * @test: a #TallyTest
 *
 * g_main_loop_run() on the test's context: iterates it until
 * tally_test_quit_loop() is called (from a callback, or another thread).
 * Fails the test with `timeout`, saying what was pending, if the deadline
 * passes first. Unlike a #GMainLoop, a quit that comes before the run is
 * not lost: the run returns at once. Runs nest; a quit ends the innermost.
 */
void
tally_test_run_loop (TallyTest *test)
{
  g_return_if_fail (test != NULL);

  while (g_atomic_int_get (&test->loop_quits) == 0)
    tally_test_iterate (test, "in tally_test_run_loop () with no tally_test_quit_loop ()");
  g_atomic_int_dec_and_test (&test->loop_quits);
}

/**
 * tally_test_quit_loop:
 * @test: a #TallyTest
 *
 * Ends the innermost tally_test_run_loop(), like g_main_loop_quit().
 * Thread-safe.
 */
void
tally_test_quit_loop (TallyTest *test)
{
  g_return_if_fail (test != NULL);

  g_atomic_int_inc (&test->loop_quits);
  g_main_context_wakeup (test->context);
}
