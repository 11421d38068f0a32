/* example-task.c — testing your own GTask-based async API with Tally.
 *
 * The first half is the code under test: example_compute_async(), a small
 * GIO-style async function that sums 1..n in a worker thread
 * (g_task_run_in_thread()) and logs under its own domain, "Example".
 * The second half tests it: success, cancellation from a timeout source on
 * the test's context, a timeout marker, tally_test_wait_until(),
 * tally_test_hold()/tally_test_release() with callbacks, and caplog —
 * asserting log records, expecting a warning, and checking the structured
 * fields (CODE_FILE, CODE_LINE, CODE_FUNC) of a record.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Example"
/* g_debug() & co then log with CODE_FILE, CODE_LINE and CODE_FUNC. */
#define G_LOG_USE_STRUCTURED 1

#include <string.h>

#include <tally.h>

/* ------------------------------------------------------------------------
 * The API under test
 * --------------------------------------------------------------------- */

/* The thread pauses this long every CHUNK items, so the work takes a
 * predictable time whatever the CPU: about 1 ms per 10,000 items. */
#define CHUNK 1000
#define PAUSE_US 100

static void
compute_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  guint n = GPOINTER_TO_UINT (task_data);
  guint64 *sum = g_new0 (guint64, 1);

  for (guint i = 1; i <= n; i++)
    {
      *sum += i;

      if (i % CHUNK == 0)
        {
          if (g_cancellable_is_cancelled (cancellable))
            {
              g_debug ("cancelled after %u of %u items", i, n);
              g_free (sum);
              g_task_return_error_if_cancelled (task);
              return;
            }
          g_usleep (PAUSE_US);
        }
    }

  g_message ("sum of 1..%u is %" G_GUINT64_FORMAT, n, *sum);
  g_task_return_pointer (task, sum, g_free);
}

/**
 * example_compute_async:
 * @n: sum the integers 1..@n; must be positive
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the caller's thread-default main context
 * @user_data: data for @callback
 *
 * Sums 1..@n in a worker thread.
 */
static void
example_compute_async (guint                n,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, example_compute_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (n), NULL);

  if (n == 0)
    {
      g_warning ("example_compute_async: n must be positive");
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "n must be positive");
      return;
    }

  g_debug ("summing 1..%u in a worker thread", n);
  g_task_run_in_thread (task, compute_thread);
}

static guint64
example_compute_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_autofree guint64 *sum = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);
  g_return_val_if_fail (g_async_result_is_tagged (result, example_compute_async), 0);

  sum = g_task_propagate_pointer (G_TASK (result), error);

  return sum ? *sum : 0;
}

/* ------------------------------------------------------------------------
 * The tests
 * --------------------------------------------------------------------- */

static guint64
expected_sum (guint n)
{
  return (guint64) n * (n + 1) / 2;
}

static void
test_compute_success (TallyTest     *t,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 sum;

  example_compute_async (100000, tally_test_get_cancellable (t),
                         tally_test_async_ready, t);
  sum = example_compute_finish (tally_test_await (t), &error);

  tally_assert_no_error (error);
  tally_assert_cmpuint (sum, ==, expected_sum (100000));
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

static void
test_compute_cancelled (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timer = g_timeout_source_new (20);
  g_autoptr(GError) error = NULL;

  /* Attach to the test's context, not with g_timeout_add(): that would
   * target the global default context, which nothing iterates here (and
   * Tally would report the source as a leftover). */
  g_source_set_name (timer, "cancel the computation");
  g_source_set_callback (timer, cancel_cb, g_object_ref (cancellable), g_object_unref);
  g_source_attach (timer, tally_test_get_context (t));

  /* Summing 1..G_MAXUINT would take minutes: only the cancel ends it. */
  example_compute_async (G_MAXUINT, cancellable, tally_test_async_ready, t);
  example_compute_finish (tally_test_await (t), &error);

  tally_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  tally_assert_logged (t, G_LOG_LEVEL_DEBUG, "Example", "cancelled after *");
}

static void
test_compute_has_deadline (TallyTest     *t,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 remaining;

  /* `timeout=5`: the test fails as `timeout` after 5 s, and its
   * cancellable is cancelled then, so work given that cancellable stops
   * instead of running on in the background. */
  tally_assert_cmpfloat (tally_test_get_timeout (t), ==, 5.0);
  remaining = tally_test_get_deadline (t) - g_get_monotonic_time ();
  tally_assert_cmpint (remaining, >, 0);
  tally_assert_cmpint (remaining, <=, 5 * G_USEC_PER_SEC);

  example_compute_async (10000, tally_test_get_cancellable (t),
                         tally_test_async_ready, t);
  tally_assert_cmpuint (example_compute_finish (tally_test_await (t), &error),
                        ==, expected_sum (10000));
  tally_assert_no_error (error);
}

static void
test_compute_large_input (TallyTest     *t,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 sum;

  /* About half a second: marked `slow`, so `-m "not slow"` skips it. */
  example_compute_async (5000000, tally_test_get_cancellable (t),
                         tally_test_async_ready, t);
  sum = example_compute_finish (tally_test_await (t), &error);

  tally_assert_no_error (error);
  tally_assert_cmpuint (sum, ==, expected_sum (5000000));
}

/* tally_test_wait_until(): for results that arrive through your own
 * callback rather than tally_test_async_ready(). */

typedef struct
{
  guint    pending;
  guint64  total;
  GError  *error;
} Batch;

static void
on_batch_item_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Batch *batch = user_data;

  batch->total += example_compute_finish (result, batch->error ? NULL : &batch->error);
  batch->pending--;
}

static gboolean
batch_is_done (gpointer user_data)
{
  Batch *batch = user_data;

  return batch->pending == 0;
}

static void
test_wait_until_all_done (TallyTest     *t,
                          gconstpointer  data)
{
  Batch batch = { 0 };

  /* Three computations in parallel; each callback counts itself done. */
  for (guint n = 1000; n <= 3000; n += 1000)
    {
      batch.pending++;
      example_compute_async (n, tally_test_get_cancellable (t),
                             on_batch_item_done_cb, &batch);
    }

  tally_test_wait_until (t, batch_is_done, &batch);

  tally_assert_no_error (batch.error);
  tally_assert_cmpuint (batch.total, ==,
                        expected_sum (1000) + expected_sum (2000) + expected_sum (3000));
}

/* tally_test_hold()/release(): the test function returns with work in
 * flight; the callbacks check the results and release the test, which
 * ends when no hold remains. Like g_application_hold(). */

static void
on_second_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TallyTest *t = user_data;
  g_autoptr(GError) error = NULL;

  tally_assert_cmpuint (example_compute_finish (result, &error), ==, expected_sum (20));
  tally_assert_no_error (error);
  tally_test_release (t);
}

static void
on_first_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TallyTest *t = user_data;
  g_autoptr(GError) error = NULL;

  tally_assert_cmpuint (example_compute_finish (result, &error), ==, expected_sum (10));
  tally_assert_no_error (error);

  /* Chain a second computation before releasing the first hold. */
  tally_test_hold (t);
  example_compute_async (20, tally_test_get_cancellable (t), on_second_done_cb, t);
  tally_test_release (t);
}

static void
test_hold_until_callbacks_ran (TallyTest     *t,
                               gconstpointer  data)
{
  tally_test_hold (t);
  example_compute_async (10, tally_test_get_cancellable (t), on_first_done_cb, t);
  /* Returns now; the test goes on until on_second_done_cb() releases. */
}

/* caplog: every record logged while the test runs is captured on it,
 * from any thread and at every level, debug included. */

static void
test_logs_progress (TallyTest     *t,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  example_compute_async (2000, tally_test_get_cancellable (t),
                         tally_test_async_ready, t);
  example_compute_finish (tally_test_await (t), &error);
  tally_assert_no_error (error);

  /* Level mask, domain, glob on the message. */
  tally_assert_logged (t, G_LOG_LEVEL_DEBUG, "Example", "summing 1..2000 *");
  /* The worker thread's message, captured on this test too. */
  tally_assert_logged (t, G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, "Example",
                       "sum of 1..2000 is 2001000");
  tally_assert_not_logged (t, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL, NULL, NULL);
  tally_assert_cmpuint (tally_test_count_logs (t, TALLY_LOG_LEVEL_ANY, "Example", NULL), ==, 2);

  /* Like pytest's caplog.clear(). */
  tally_test_clear_logs (t);
  tally_assert_cmpuint (tally_test_count_logs (t, TALLY_LOG_LEVEL_ANY, NULL, NULL), ==, 0);
}

static void
test_invalid_input_warns (TallyTest     *t,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Without this, the warning would fail the test. Declared but never
   * logged, it fails the test too. */
  tally_test_expect_log (t, "Example", G_LOG_LEVEL_WARNING, "*n must be positive");

  example_compute_async (0, tally_test_get_cancellable (t),
                         tally_test_async_ready, t);
  example_compute_finish (tally_test_await (t), &error);

  tally_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_record_fields (TallyTest     *t,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *records;
  const TallyLogRecord *found = NULL;

  example_compute_async (10, tally_test_get_cancellable (t),
                         tally_test_async_ready, t);
  example_compute_finish (tally_test_await (t), &error);
  tally_assert_no_error (error);

  records = tally_test_get_logs (t);
  for (guint i = 0; i < records->len && found == NULL; i++)
    {
      const TallyLogRecord *record = g_ptr_array_index (records, i);

      if (g_str_has_prefix (record->message, "summing "))
        found = record;
    }

  tally_assert_nonnull (found);
  tally_assert_cmpint (found->level, ==, G_LOG_LEVEL_DEBUG);
  tally_assert_cmpstr (found->domain, ==, "Example");
  tally_assert_cmpstr (found->message, ==, "summing 1..10 in a worker thread");
  /* G_LOG_USE_STRUCTURED adds where the message came from. */
  tally_assert_true (g_str_has_suffix (found->file, "example-task.c"));
  tally_assert_cmpint (found->line, >, 0);
  tally_assert_cmpstr (found->func, ==, "example_compute_async");
  tally_assert_cmpint (found->time_us, >, 0);
}

static void
test_capture_level (TallyTest     *t,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Keep only MESSAGE and more severe: the debug record is dropped. */
  tally_test_set_log_level (t, G_LOG_LEVEL_MESSAGE);

  example_compute_async (10, tally_test_get_cancellable (t),
                         tally_test_async_ready, t);
  example_compute_finish (tally_test_await (t), &error);
  tally_assert_no_error (error);

  tally_assert_not_logged (t, G_LOG_LEVEL_DEBUG, "Example", NULL);
  tally_assert_logged (t, G_LOG_LEVEL_MESSAGE, "Example", "sum of 1..10 is 55");
}

static void
register_tests (void)
{
  tally_add ("/examples/task/compute/success", test_compute_success, NULL);
  tally_add ("/examples/task/compute/cancelled", test_compute_cancelled, NULL);
  tally_add ("/examples/task/compute/has-deadline", test_compute_has_deadline, "timeout=5");
  tally_add ("/examples/task/compute/large-input", test_compute_large_input, "slow timeout=30");
  tally_add ("/examples/task/wait-until-all-done", test_wait_until_all_done, NULL);
  tally_add ("/examples/task/hold-until-callbacks-ran", test_hold_until_callbacks_ran, NULL);
  tally_add ("/examples/task/caplog/logs-progress", test_logs_progress, NULL);
  tally_add ("/examples/task/caplog/invalid-input-warns", test_invalid_input_warns, NULL);
  tally_add ("/examples/task/caplog/record-fields", test_record_fields, NULL);
  tally_add ("/examples/task/caplog/capture-level", test_capture_level, NULL);
}

TALLY_MAIN (register_tests)
