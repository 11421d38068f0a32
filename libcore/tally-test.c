/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <glib/gstdio.h>

#include "tally-assert.h"
#include "tally-global-context-private.h"
#include "tally-markers-private.h"
#include "tally-test-private.h"

/* The test that is running in this process; tests run one at a time. */
static TallyTest *current_test;
static GThread *test_thread;
/* What unwinding from inside a dispatch leaves behind: GLib still points at
 * the source that was dispatching, so it must stay allocated. */
static GPtrArray *kept_alive;
/* A thread the test started may fail it while the test's thread runs. */
static GMutex failure_lock;

static void
close_deadline (TallyTest *test)
{
  if (test->deadline_source != NULL)
    {
      g_source_destroy (test->deadline_source);
      g_clear_pointer (&test->deadline_source, g_source_unref);
    }
}

/* Cancels the test's cancellable, or the one it will get: most tests
 * never ask for theirs, and a GCancellable costs a GObject per test. Any
 * thread. */
void
tally_test_cancel (TallyTest *test)
{
  GCancellable *cancellable;

  g_atomic_int_set (&test->cancel_requested, 1);
  cancellable = g_atomic_pointer_get (&test->cancellable);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
}

static gboolean
on_deadline_cb (gpointer user_data)
{
  TallyTest *test = user_data;

  test->deadline_passed = TRUE;
  tally_test_cancel (test);
  g_clear_pointer (&test->deadline_source, g_source_unref);
  tally_global_context_check_loop (test);

  return G_SOURCE_REMOVE;
}

/* The wakeup eventfd of the newest test context. */
static int test_wakeup_fd = -1;

/* Each iteration of a context polls, even when a source is ready and the
 * timeout is zero; for a test that awaits an idle that is a system call
 * per iteration spent learning whether the context's own wakeup fd fired.
 * That answer can wait: a wakeup only serves to end a blocking poll, and
 * an unread one stays pending for the next poll. So a zero-timeout poll of
 * nothing but the wakeup fd is answered "nothing ready" without the call. */
static gint
poll_test_context (GPollFD *fds,
                   guint    nfds,
                   gint     timeout)
{
  if (timeout == 0 && nfds == 1 && fds[0].fd == g_atomic_int_get (&test_wakeup_fd))
    return 0;
  return g_poll (fds, nfds, timeout);
}

static GMainContext *
test_context_new (void)
{
  GMainContext *context = g_main_context_new ();
  GPollFD wakeup;
  gint timeout;

  /* A fresh context watches exactly one fd: its wakeup. */
  g_main_context_acquire (context);
  if (g_main_context_query (context, G_MAXINT, &timeout, &wakeup, 1) == 1)
    {
      g_atomic_int_set (&test_wakeup_fd, wakeup.fd);
      g_main_context_set_poll_func (context, poll_test_context);
    }
  g_main_context_release (context);

  return context;
}

TallyTest *
tally_test_new (const TallyTestCase *tc,
                double               default_timeout_s,
                TallyLeakPolicy      default_leaks)
{
  TallyTest *test = g_new0 (TallyTest, 1);
  const char *timeout = tally_markers_lookup (tc->markers, "timeout");
  const char *leaks = tally_markers_lookup (tc->markers, "leaks");

  test->tc = tc;
  test->on_global = tally_global_context_wanted (tc);
  test->context = test->on_global ? g_main_context_ref (g_main_context_default ())
                                  : test_context_new ();
  test->timeout_s = timeout ? g_ascii_strtod (timeout, NULL) : default_timeout_s;
  test->outcome = TALLY_OUTCOME_PASSED;
  test->leak_policy = default_leaks;
  if (g_strcmp0 (leaks, "warn") == 0)
    test->leak_policy = TALLY_LEAKS_WARN;
  else if (g_strcmp0 (leaks, "ignore") == 0)
    test->leak_policy = TALLY_LEAKS_IGNORE;
  test->records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  test->capture_levels = G_LOG_LEVEL_MASK;
  test->started_at_us = g_get_real_time ();
  test->started_mono_us = g_get_monotonic_time ();

  if (test->timeout_s > 0)
    {
      test->deadline = test->started_mono_us + (gint64) (test->timeout_s * G_USEC_PER_SEC);
      test->deadline_source = g_timeout_source_new ((guint) (test->timeout_s * 1000));
      g_source_set_static_name (test->deadline_source, "[tally] test deadline");
      g_source_set_callback (test->deadline_source, on_deadline_cb, test, NULL);
      g_source_attach (test->deadline_source, test->context);
    }

  return test;
}

static void
remove_tmpdir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tmpdir (child);
      else
        g_unlink (child);
    }

  g_rmdir (path);
}

void
tally_test_free (TallyTest *test)
{
  if (test == NULL)
    return;

  if (current_test == test)
    current_test = NULL;

  close_deadline (test);
  if (test->tmpdir != NULL)
    remove_tmpdir (test->tmpdir);
  g_free (test->tmpdir);
  g_clear_object (&test->pending_result);
  g_clear_object (&test->last_result);
  g_clear_object (&test->cancellable);
  g_clear_pointer (&test->context, g_main_context_unref);
  g_clear_pointer (&test->records, g_ptr_array_unref);
  g_clear_pointer (&test->expectations, g_ptr_array_unref);
  if (test->unexpected)
    g_string_free (test->unexpected, TRUE);
  g_clear_pointer (&test->cleanups, g_ptr_array_unref);
  g_free (test->message);
  g_free (test->file);
  g_free (test->xfail_reason);
  g_free (test);
}

void
tally_test_set_current (TallyTest *test)
{
  current_test = test;
  test_thread = g_thread_self ();
}

/**
 * tally_test_get_current:
 *
 * Gets the test running on this thread, for helpers that are not handed
 * the #TallyTest.
 *
 * Returns: (transfer none) (nullable): the running test, or %NULL between
 *   tests
 */
TallyTest *
tally_test_get_current (void)
{
  return current_test;
}

/**
 * tally_test_get_path:
 * @test: a #TallyTest
 *
 * Gets the path the test was registered under; for a parametrized test it
 * ends with the param's `[NAME]`.
 *
 * Returns: (transfer none): the test's path, e.g. `/net/http/get`
 */
const char *
tally_test_get_path (TallyTest *test)
{
  g_return_val_if_fail (test != NULL, NULL);
  return test->tc->path;
}

/**
 * tally_test_get_context:
 * @test: a #TallyTest
 *
 * The test's own main context. It is the thread-default context from
 * setup to teardown, so GIO async calls made by the test complete on it.
 *
 * Returns: (transfer none): the test's #GMainContext
 */
GMainContext *
tally_test_get_context (TallyTest *test)
{
  g_return_val_if_fail (test != NULL, NULL);
  return test->context;
}

/**
 * tally_test_get_cancellable:
 * @test: a #TallyTest
 *
 * Gets the test's cancellable, owned by the test.
 *
 * Returns: (transfer none): a #GCancellable that is cancelled when the
 *   test's deadline passes; pass it to the async calls the test makes
 */
GCancellable *
tally_test_get_cancellable (TallyTest *test)
{
  GCancellable *cancellable;

  g_return_val_if_fail (test != NULL, NULL);
  cancellable = g_atomic_pointer_get (&test->cancellable);
  if (cancellable != NULL)
    return cancellable;
  cancellable = g_cancellable_new ();
  if (!g_atomic_pointer_compare_and_exchange (&test->cancellable, NULL, cancellable))
    {
      g_object_unref (cancellable);
      return g_atomic_pointer_get (&test->cancellable);
    }
  /* Published first, then the request read: tally_test_cancel() does
   * the reverse, so one of the two cancels it. */
  if (g_atomic_int_get (&test->cancel_requested))
    g_cancellable_cancel (cancellable);
  return cancellable;
}

/**
 * tally_test_has_marker:
 * @test: a #TallyTest
 * @name: a marker name
 *
 * Checks whether the test carries a marker, with or without a value.
 *
 * Returns: %TRUE if the test was registered with marker @name
 */
gboolean
tally_test_has_marker (TallyTest  *test,
                       const char *name)
{
  g_return_val_if_fail (test != NULL, FALSE);
  return tally_markers_has (test->tc->markers, name);
}

/**
 * tally_test_get_marker:
 * @test: a #TallyTest
 * @name: a marker name
 *
 * Gets the value of a `NAME=VALUE` marker the test was registered with.
 *
 * Returns: (transfer none) (nullable): the marker's value, e.g. `"db"` for
 *   `group=db`, or %NULL
 */
const char *
tally_test_get_marker (TallyTest  *test,
                       const char *name)
{
  g_return_val_if_fail (test != NULL, NULL);
  return tally_markers_lookup (test->tc->markers, name);
}

/**
 * tally_test_get_timeout:
 * @test: a #TallyTest
 *
 * Gets the test's timeout: its `timeout=SECONDS` marker, else the run's
 * default (60 s unless `--timeout` says otherwise).
 *
 * Returns: the test's timeout in seconds (0 for none)
 */
double
tally_test_get_timeout (TallyTest *test)
{
  g_return_val_if_fail (test != NULL, 0);
  return test->timeout_s;
}

/**
 * tally_test_get_deadline:
 * @test: a #TallyTest
 *
 * Gets when the test times out, for code that computes its own waits.
 *
 * Returns: the monotonic time (g_get_monotonic_time()) at which the test
 *   times out, or 0 if it has no timeout
 */
gint64
tally_test_get_deadline (TallyTest *test)
{
  g_return_val_if_fail (test != NULL, 0);
  return test->deadline;
}

/**
 * tally_test_set_leak_policy:
 * @test: a #TallyTest
 * @policy: what to do with leftover sources
 *
 * Relaxes (or tightens) the leftover check for this test.
 */
void
tally_test_set_leak_policy (TallyTest       *test,
                            TallyLeakPolicy  policy)
{
  g_return_if_fail (test != NULL);
  test->leak_policy = policy;
}

/**
 * tally_test_get_tmpdir:
 * @test: a #TallyTest
 *
 * A fresh, empty directory that is removed with everything in it when
 * the test ends, like pytest's `tmp_path`.
 *
 * Returns: (transfer none) (type filename): its path
 */
const char *
tally_test_get_tmpdir (TallyTest *test)
{
  GError *error = NULL;

  g_return_val_if_fail (test != NULL, NULL);

  if (test->tmpdir == NULL)
    {
      test->tmpdir = g_dir_make_tmp ("tally-test-XXXXXX", &error);
      if (test->tmpdir == NULL)
        {
          char reason[256];

          /* No g_autoptr: tally_test_fail() does not return. */
          g_strlcpy (reason, error->message, sizeof reason);
          g_error_free (error);
          tally_test_fail (test, "cannot make a temporary directory: %s", reason);
        }
    }

  return test->tmpdir;
}

typedef struct
{
  GDestroyNotify func;
  gpointer data;
} Cleanup;

/**
 * tally_test_add_cleanup:
 * @test: a #TallyTest
 * @func: called with @data when the test ends
 * @data: the data
 *
 * Registers a function that runs after teardown, whatever the outcome, in
 * the reverse order of registration; like pytest's `request.addfinalizer`.
 */
void
tally_test_add_cleanup (TallyTest      *test,
                        GDestroyNotify  func,
                        gpointer        data)
{
  Cleanup *cleanup;

  g_return_if_fail (test != NULL);
  g_return_if_fail (func != NULL);

  if (test->cleanups == NULL)
    test->cleanups = g_ptr_array_new_with_free_func (g_free);

  cleanup = g_new (Cleanup, 1);
  cleanup->func = func;
  cleanup->data = data;
  g_ptr_array_add (test->cleanups, cleanup);
}

void
tally_test_run_cleanups (TallyTest *test)
{
  if (test->cleanups == NULL)
    return;

  while (test->cleanups->len > 0)
    {
      Cleanup *cleanup = g_ptr_array_index (test->cleanups, test->cleanups->len - 1);
      GDestroyNotify func = cleanup->func;
      gpointer data = cleanup->data;

      g_ptr_array_remove_index (test->cleanups, test->cleanups->len - 1);
      func (data);
    }
}

/* Records a failure. The first failure wins: later ones (say, teardown
 * tripping over what the failed body left) are appended to the message. */
void
tally_test_set_failure (TallyTest    *test,
                        TallyOutcome  outcome,
                        const char   *file,
                        int           line,
                        const char   *message)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&failure_lock);

  if (test->outcome == TALLY_OUTCOME_PASSED)
    {
      test->outcome = outcome;
      g_free (test->message);
      test->message = g_strdup (message);
      g_free (test->file);
      test->file = g_strdup (file);
      test->line = line;
    }
  else if (message != NULL)
    {
      g_autofree char *old = test->message;

      test->message = g_strdup_printf ("%s\nthen: %s", old ? old : "", message);
    }
}

/* A thread the test started (a GTask thread function, a GThread) failed
 * an assertion. It cannot unwind the test's stack, and it must not return
 * into code that assumed the assertion held. The failure is recorded (by
 * the caller), the test's cancellable is cancelled and its context woken:
 * the test's thread sees thread_failed in its next iteration (await,
 * wait_until, hold) and unwinds there. The failing thread itself ends
 * (g_thread_join() on it returns %NULL); as a thread pool may have lost a
 * thread, the test is tainted and its worker retires after it. */
G_NORETURN static void
tally_test_unwind_thread (TallyTest *test)
{
  GMainContext *context = g_main_context_ref (test->context);
  GCancellable *cancellable = g_atomic_pointer_get (&test->cancellable);

  if (cancellable != NULL)
    g_object_ref (cancellable);
  test->tainted = TRUE;
  g_atomic_int_set (&test->cancel_requested, 1);
  /* Once the test's thread sees this, the test may end and be freed
   * (any wakeup will do, not only the one below): nothing of it is
   * touched after. */
  g_atomic_int_set (&test->thread_failed, 1);
  if (cancellable != NULL)
    {
      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
    }
  g_main_context_wakeup (context);
  g_main_context_unref (context);
  tally_threads_note_exiting ();
  g_thread_exit (NULL);
  g_assert_not_reached ();
}

/* Leaves the current phase of the test through the sigsetjmp() that the
 * executor armed. Unwinding from inside a GMainContext dispatch leaves
 * GLib's dispatch bookkeeping pointing at a source of this test, so we
 * keep that source and context alive and mark the test tainted: the worker
 * then finishes reporting and retires instead of running more tests. */
void
tally_test_unwind (TallyTest *test)
{
  if (g_thread_self () != test_thread)
    tally_test_unwind_thread (test);

  if (!test->escape_armed)
    {
      /* Nothing to unwind to (a failure outside the phases): park. */
      test->tainted = TRUE;
      for (;;)
        g_usleep (G_USEC_PER_SEC);
    }

  if (g_main_depth () > test->base_depth)
    {
      GSource *source = g_main_current_source ();

      test->tainted = TRUE;
      if (kept_alive == NULL)
        kept_alive = g_ptr_array_new ();
      if (source != NULL)
        g_ptr_array_add (kept_alive, g_source_ref (source));
      g_ptr_array_add (kept_alive, g_main_context_ref (test->context));
    }

  test->escape_armed = FALSE;
  siglongjmp (test->escape, 1);
}

static void
end_with (TallyTest    *test,
          TallyOutcome  outcome,
          const char   *format,
          va_list       args) G_GNUC_PRINTF (3, 0);

static void
end_with (TallyTest    *test,
          TallyOutcome  outcome,
          const char   *format,
          va_list       args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  tally_test_set_failure (test, outcome, NULL, 0, message);
}

/**
 * tally_test_skip:
 * @test: a #TallyTest
 * @format: printf-style reason
 * @...: arguments
 *
 * Ends the test as skipped. Teardown still runs.
 */
void
tally_test_skip (TallyTest  *test,
                 const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  end_with (test, TALLY_OUTCOME_SKIPPED, format, args);
  va_end (args);

  tally_test_unwind (test);
}

/**
 * tally_test_fail:
 * @test: a #TallyTest
 * @format: printf-style message
 * @...: arguments
 *
 * Ends the test as failed. Prefer tally_fail(), which records file:line.
 */
void
tally_test_fail (TallyTest  *test,
                 const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  end_with (test, TALLY_OUTCOME_FAILED, format, args);
  va_end (args);

  tally_test_unwind (test);
}

/**
 * tally_test_xfail:
 * @test: a #TallyTest
 * @reason: (nullable): why the test is expected to fail
 *
 * Declares, from inside the test, that it is expected to fail, like the
 * `xfail` marker: a failure becomes `xfailed`, a pass `xpassed`.
 */
void
tally_test_xfail (TallyTest  *test,
                  const char *reason)
{
  g_return_if_fail (test != NULL);

  g_free (test->xfail_reason);
  test->xfail_reason = g_strdup (reason ? reason : "");
}

/* One blocking iteration of the test's context; fails the test with
 * `timeout` when the deadline has passed. */
void
tally_test_iterate (TallyTest  *test,
                    const char *what)
{
  if (test->deadline_passed)
    goto timed_out;
  if (g_atomic_int_get (&test->thread_failed))
    tally_test_unwind (test);

  test->in_iterate = TRUE;
  /* While GTK is initialised, its events and frame clock run too. */
  if (!test->on_global && tally_global_context_gtk_running ())
    tally_global_context_iterate_both (test);
  else
    g_main_context_iteration (test->context, TRUE);
  test->in_iterate = FALSE;

  if (g_atomic_int_get (&test->thread_failed))
    tally_test_unwind (test);
  if (!test->deadline_passed)
    return;

timed_out:
  {
    /* Freed by hand: nothing after the unwind returns here. */
    GString *message = g_string_new (NULL);

    g_string_append_printf (message, "timed out after %.3g s %s", test->timeout_s, what);
    tally_global_context_explain (test, message);
    tally_test_set_failure (test, TALLY_OUTCOME_TIMEOUT, NULL, 0, message->str);
    g_string_free (message, TRUE);
    tally_test_unwind (test);
  }
}

/**
 * tally_test_async_ready:
 * @source_object: (nullable): the source object of the operation
 * @result: the result
 * @test: the #TallyTest, as user data
 *
 * A #GAsyncReadyCallback that stores @result on the test for
 * tally_test_await(). Pass it with the test as user data:
 *
 * |[<!-- language="C" -->
 * g_file_load_contents_async (file, tally_test_get_cancellable (t),
 *                             tally_test_async_ready, t);
 * ok = g_file_load_contents_finish (file, tally_test_await (t), &contents,
 *                                   &len, NULL, &error);
 * ]|
 */
void
tally_test_async_ready (GObject      *source_object,
                        GAsyncResult *result,
                        gpointer      test)
{
  TallyTest *self = test;

  g_return_if_fail (self != NULL);
  g_return_if_fail (G_IS_ASYNC_RESULT (result));

  if (self->pending_result != NULL)
    tally_fail ("a second async result arrived before the first was awaited");

  self->pending_result = g_object_ref (result);
}

/**
 * tally_test_await:
 * @test: a #TallyTest
 *
 * Iterates the test's context until tally_test_async_ready() has stored a
 * result, then returns it. Fails the test with `timeout` if the deadline
 * passes first.
 *
 * Returns: (transfer none): the result; it stays valid until the next
 *   await or the end of the test
 */
GAsyncResult *
tally_test_await (TallyTest *test)
{
  g_return_val_if_fail (test != NULL, NULL);

  while (test->pending_result == NULL)
    tally_test_iterate (test, "awaiting an async result");

  g_clear_object (&test->last_result);
  test->last_result = g_steal_pointer (&test->pending_result);

  return test->last_result;
}

static gboolean
on_poll_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * tally_test_wait_until:
 * @test: a #TallyTest
 * @predicate: (scope call) (closure user_data): checked after each
 *   iteration of the context
 * @user_data: passed to @predicate
 *
 * Iterates the test's context until @predicate returns %TRUE. The context
 * is woken every 10 ms, so a condition set by another thread is seen too.
 * Fails the test with `timeout` if the deadline passes first.
 */
void
tally_test_wait_until (TallyTest      *test,
                       TallyPredicate  predicate,
                       gpointer        user_data)
{
  GSource *poll;

  g_return_if_fail (test != NULL);
  g_return_if_fail (predicate != NULL);

  if (predicate (user_data))
    return;

  poll = g_timeout_source_new (10);
  g_source_set_static_name (poll, "[tally] wait-until poll");
  g_source_set_callback (poll, on_poll_cb, NULL, NULL);
  g_source_attach (poll, test->context);
  /* If the wait times out, the poll source stays on the test's context
   * and goes with it; the leftover check skips "[tally]" sources. */
  g_source_unref (poll);

  while (!predicate (user_data))
    tally_test_iterate (test, "waiting for a condition");

  g_source_destroy (poll);
}

/**
 * tally_test_hold:
 * @test: a #TallyTest
 *
 * Keeps the test running after its function returns, until a matching
 * tally_test_release(): for tests whose callbacks finish the work, like
 * g_application_hold(). The test's context is iterated meanwhile.
 */
void
tally_test_hold (TallyTest *test)
{
  g_return_if_fail (test != NULL);
  test->holds++;
}

/**
 * tally_test_release:
 * @test: a #TallyTest
 *
 * Undoes one tally_test_hold(); the test is done when none remain.
 */
void
tally_test_release (TallyTest *test)
{
  g_return_if_fail (test != NULL);
  g_return_if_fail (test->holds > 0);
  test->holds--;
  g_main_context_wakeup (test->context);
}
