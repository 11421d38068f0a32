/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Real GLib test code under Tally (issue 15 items 1, 3, 7, 9, 11): a
 * failure with callbacks pending, the GTest API inside Tally tests,
 * failures in threads, several async operations, and the assertions GTest
 * users reach for. tests/test-gtestapi.c runs it under `tally run` and
 * standalone and checks each outcome and message; several tests here fail
 * on purpose. */
#include <tally.h>

/* Item 1 ----------------------------------------------------------------- */

typedef struct
{
  char *buffer;                  /* points into the frame itself */
  char storage[64];
  gboolean done;
} StackState;

static int callbacks_run;

static void
on_task_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  StackState *state = user_data;

  /* After an unwind this frame is dead: never let it get here. */
  callbacks_run++;
  g_strlcpy (state->buffer, "written by the callback", sizeof state->storage);
  state->done = TRUE;
}

static void
test_pending_assert_before_await (TallyTest *t, gconstpointer data)
{
  StackState state = { 0 };
  g_autoptr(GTask) task = NULL;

  state.buffer = state.storage;
  task = g_task_new (NULL, NULL, on_task_done_cb, &state);
  g_task_return_boolean (task, TRUE);
  /* The callback is now an idle on the test's context. */
  tally_assert_cmpint (1 + 1, ==, 3);
  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_pending_next_passes (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpint (callbacks_run, ==, 0);
}

/* Item 3 ----------------------------------------------------------------- */

static void
test_gtest_fail (void)
{
  g_test_fail ();
}

static void
test_gtest_fail_printf (void)
{
  g_test_fail_printf ("custom failure %d", 42);
}

static void
test_gtest_skip (void)
{
  g_test_skip ("not on this machine");
}

static void
test_gtest_skip_printf (void)
{
  g_test_skip_printf ("needs %s", "a printer");
}

static void
test_gtest_incomplete (void)
{
  g_test_incomplete ("half done");
}

static void
test_gtest_failed (void)
{
  tally_assert_false (g_test_failed ());
  g_test_skip ("now skipped");
  tally_assert_true (g_test_failed ());
}

static void
test_gtest_metadata (void)
{
  TallyTest *t = tally_test_get_current ();

  g_test_bug_base ("https://bugs.example.org/");
  g_test_bug ("123");
  g_test_summary ("checks the metadata calls");
  g_test_message ("a message of %d words", 6);
  g_test_queue_free (g_strdup ("freed when the test ends"));
  g_test_queue_unref (g_object_new (G_TYPE_OBJECT, NULL));
  tally_assert_logged (t, G_LOG_LEVEL_INFO, "GTest", "Bug Reference: https://bugs.example.org/123");
  tally_assert_logged (t, G_LOG_LEVEL_INFO, "GTest", "Summary: checks the metadata calls");
  tally_assert_logged (t, G_LOG_LEVEL_INFO, "GTest", "a message of 6 words");
  tally_assert_cmpstr (g_test_get_path (), ==, "/gtest/metadata");
}

static void
test_gtest_build_filename (void)
{
  g_autofree char *dist = g_test_build_filename (G_TEST_DIST, "data", "x.txt", NULL);
  g_autofree char *want = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "data", "x.txt", NULL);
  const char *built = g_test_get_filename (G_TEST_BUILT, "y", NULL);

  tally_assert_nonnull (g_getenv ("G_TEST_SRCDIR"));
  tally_assert_cmpstr (dist, ==, want);
  tally_assert_cmpstr (g_test_get_dir (G_TEST_BUILT), ==, g_getenv ("G_TEST_BUILDDIR"));
  tally_assert_true (g_str_has_suffix (built, "/y"));
}

static void
test_gtest_rand (void)
{
  gint32 a = g_test_rand_int ();
  gint32 b = g_test_rand_int_range (0, 1000);
  double c = g_test_rand_double_range (1.0, 2.0);

  tally_assert_cmpint (b, >=, 0);
  tally_assert_cmpint (b, <, 1000);
  tally_assert_cmpfloat (c, >=, 1.0);
  g_message ("rand: %d %d %.17g %d", a, b, c, g_test_rand_bit ());
}

static void
test_gtest_expect_message (void)
{
  g_test_expect_message ("Sample", G_LOG_LEVEL_WARNING, "boom *");
  g_test_expect_message ("Sample", G_LOG_LEVEL_WARNING, "boom *");
  g_log ("Sample", G_LOG_LEVEL_WARNING, "boom %d", 1);
  g_log ("Sample", G_LOG_LEVEL_WARNING, "boom %d", 2);
  g_test_assert_expected_messages ();
}

static void
test_gtest_expect_message_unmet (void)
{
  g_test_expect_message ("Sample", G_LOG_LEVEL_CRITICAL, "never logged");
  g_test_assert_expected_messages ();
}

static void
test_gtest_trap_failing_child (void)
{
  if (g_test_subprocess ())
    {
      g_printerr ("child says hi\n");
      g_assert_cmpint (1, ==, 2);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*child says hi*");
  g_test_trap_assert_stderr ("*assertion failed (1 == 2)*");
}

static void
test_gtest_trap_passing_child (void)
{
  g_test_trap_subprocess ("/gtest/trap/passing-child/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("hello from the child*");
  g_test_trap_assert_stdout_unmatched ("*goodbye*");
}

static void
test_gtest_trap_passing_child_body (void)
{
  tally_assert_true (g_test_subprocess ());
  g_print ("hello from the child\n");
}

static void
test_gtest_trap_timeout (void)
{
  if (g_test_subprocess ())
    {
      g_usleep (30 * G_USEC_PER_SEC);
      return;
    }
  g_test_trap_subprocess (NULL, 200 * 1000, G_TEST_SUBPROCESS_DEFAULT);
  tally_assert_true (g_test_trap_reached_timeout ());
  g_test_trap_assert_failed ();
}

static void
test_gtest_g_assert (void)
{
  /* main() made GLib's assertions non-fatal: this one ends the test. */
  g_assert_cmpint (2 + 2, ==, 5);
}

static void
test_gtest_unsupported (void)
{
  if (g_test_trap_fork (0, 0))
    return;
  g_test_message ("the parent goes on");
}

typedef struct
{
  int set_up;
} GFixture;

static void
gfixture_setup (GFixture *f, gconstpointer data)
{
  f->set_up = GPOINTER_TO_INT (data);
}

static void
gfixture_body (GFixture *f, gconstpointer data)
{
  g_assert_cmpint (f->set_up, ==, 7);
}

static void
gfixture_teardown (GFixture *f, gconstpointer data)
{
  f->set_up = 0;
}

/* Item 7 ----------------------------------------------------------------- */

static gpointer
failing_thread (gpointer data)
{
  g_usleep (50 * 1000);
  tally_assert_cmpstr ("thread", ==, "main");
  return GINT_TO_POINTER (1);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
test_thread_assert_gthread (TallyTest *t, gconstpointer data)
{
  GThread *thread = g_thread_new ("failing", failing_thread, NULL);

  /* Would wait out the deadline if the thread's failure did not wake it. */
  tally_test_wait_until (t, never, NULL);
  g_thread_unref (thread);
}

static void
failing_task_thread (GTask        *task,
                     gpointer      source,
                     gpointer      data,
                     GCancellable *cancellable)
{
  tally_assert_cmpint (GPOINTER_TO_INT (data), ==, 0);
  g_task_return_boolean (task, TRUE);
}

static void
test_thread_assert_gtask (TallyTest *t, gconstpointer data)
{
  g_autoptr(GTask) task = g_task_new (NULL, tally_test_get_cancellable (t),
                                      tally_test_async_ready, t);

  g_task_set_task_data (task, GINT_TO_POINTER (5), NULL);
  g_task_run_in_thread (task, failing_task_thread);
  g_task_propagate_boolean (G_TASK (tally_test_await (t)), NULL);
}

static gpointer
late_thread (gpointer data)
{
  g_usleep (300 * 1000);
  g_warning ("late warning from /late/a's thread");
  g_usleep (100 * 1000);
  tally_assert_cmpint (1, ==, 0);
  return NULL;
}

static void
test_late_a (TallyTest *t, gconstpointer data)
{
  /* Ends at once; its thread warns, then fails, while /late/b runs. */
  g_thread_unref (g_thread_new ("late", late_thread, NULL));
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

/* Passes: /late/a's thread's warning and failed assertion are not its
 * own. (Under `tally run` the warning is stored as /late/a's record,
 * tests/test-capture.c; standalone it is kept here, marked late.) */
static void
test_late_b (TallyTest *t, gconstpointer data)
{
  gint64 until = g_get_monotonic_time () + 800 * 1000;

  tally_test_wait_until (t, time_passed, &until);
}

/* Item 9 ----------------------------------------------------------------- */

typedef struct
{
  GTask *task;
  int value;
} DelayedOp;

static gboolean
on_op_due_cb (gpointer data)
{
  DelayedOp *op = data;

  g_task_return_int (op->task, op->value);
  return G_SOURCE_REMOVE;
}

/* The source owns the operation: a source destroyed without running (the
 * test failed first) frees it too. */
static void
delayed_op_free (gpointer data)
{
  DelayedOp *op = data;

  g_object_unref (op->task);
  g_free (op);
}

/* An async operation that returns @value after @delay_ms. */
static void
start_op (int                  value,
          guint                delay_ms,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  DelayedOp *op = g_new0 (DelayedOp, 1);
  GSource *source = g_timeout_source_new (delay_ms);

  op->task = g_task_new (NULL, NULL, callback, user_data);
  op->value = value;
  g_source_set_callback (source, on_op_due_cb, op, delayed_op_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
test_async_slots (TallyTest *t, gconstpointer data)
{
  TallyAsyncSlot *slow = tally_test_new_slot (t, "slow");
  TallyAsyncSlot *fast = tally_test_new_slot (t, "fast");
  TallyAsyncSlot *third = tally_test_new_slot (t, "third");

  start_op (1, 60, tally_async_slot_ready, slow);
  start_op (2, 5, tally_async_slot_ready, fast);
  start_op (3, 30, tally_async_slot_ready, third);

  /* The slow one is awaited first, though the fast one finishes first. */
  tally_assert_cmpint (g_task_propagate_int (G_TASK (tally_async_slot_await (slow)), NULL), ==, 1);
  tally_assert_true (tally_async_slot_is_ready (fast));
  tally_assert_cmpint (g_task_propagate_int (G_TASK (tally_async_slot_await (fast)), NULL), ==, 2);
  tally_test_await_all (t, 5);
  tally_assert_cmpint (g_task_propagate_int (G_TASK (tally_async_slot_await (third)), NULL), ==, 3);
}

static void
test_async_await_timeout (TallyTest *t, gconstpointer data)
{
  TallyAsyncSlot *late = tally_test_new_slot (t, "late");

  start_op (1, 20 * 1000, tally_async_slot_ready, late);
  tally_async_slot_await_timeout (late, 0.2);
}

static void
test_async_single_await_timeout (TallyTest *t, gconstpointer data)
{
  start_op (4, 10, tally_test_async_ready, t);
  tally_assert_cmpint (g_task_propagate_int (G_TASK (tally_test_await_timeout (t, 5)), NULL), ==, 4);
}

/* Item 11 ---------------------------------------------------------------- */

static void
test_assert_more_pass (TallyTest *t, gconstpointer data)
{
  const char *a[] = { "x", "y", NULL };
  const char *b[] = { "x", "y", NULL };
  g_autoptr(GVariant) v1 = g_variant_ref_sink (g_variant_new ("(si)", "a", 1));
  g_autoptr(GVariant) v2 = g_variant_ref_sink (g_variant_new ("(si)", "a", 1));

  tally_assert_cmpmem ("abc", 3, "abc", 3);
  tally_assert_cmpmem (NULL, 0, NULL, 0);
  tally_assert_cmpstrv (a, b);
  tally_assert_cmpstrv (NULL, NULL);
  tally_assert_cmpvariant (v1, v2);
  tally_assert_cmpfloat_with_epsilon (1.0, 1.05, 0.1);
}

typedef enum { CMPMEM, CMPMEM_LEN, CMPSTRV, CMPVARIANT, EPSILON, NOT_REACHED } FailKind;

static const FailKind fail_kinds[] = { CMPMEM, CMPMEM_LEN, CMPSTRV, CMPVARIANT, EPSILON, NOT_REACHED };

static void
test_assert_more_fail (TallyTest *t, gconstpointer data)
{
  const char *a[] = { "x", "y", NULL };
  const char *b[] = { "x", "z", NULL };
  g_autoptr(GVariant) v1 = g_variant_ref_sink (g_variant_new_int32 (1));
  g_autoptr(GVariant) v2 = g_variant_ref_sink (g_variant_new_int32 (2));

  switch (*(const FailKind *) data)
    {
    case CMPMEM: tally_assert_cmpmem ("abc", 3, "abd", 3); break;
    case CMPMEM_LEN: tally_assert_cmpmem ("abc", 3, "ab", 2); break;
    case CMPSTRV: tally_assert_cmpstrv (a, b); break;
    case CMPVARIANT: tally_assert_cmpvariant (v1, v2); break;
    case EPSILON: tally_assert_cmpfloat_with_epsilon (1.0, 1.5, 0.1); break;
    case NOT_REACHED: tally_assert_not_reached (); break;
    default: break;
    }
}

static const TallyParam fail_params[] = {
  { "cmpmem", &fail_kinds[0], NULL },
  { "cmpmem-length", &fail_kinds[1], NULL },
  { "cmpstrv", &fail_kinds[2], NULL },
  { "cmpvariant", &fail_kinds[3], NULL },
  { "epsilon", &fail_kinds[4], NULL },
  { "not-reached", &fail_kinds[5], "xfail=\"shows tally_assert_not_reached\"" },
};

typedef struct
{
  int from_setup;
} PFixture;

static void
pfixture_setup (TallyTest *t, PFixture *f, gconstpointer data)
{
  f->from_setup = *(const int *) data * 10;
}

static void
pfixture_body (TallyTest *t, PFixture *f, gconstpointer data)
{
  tally_assert_cmpint (f->from_setup, ==, *(const int *) data * 10);
  tally_assert_cmpint (tally_test_has_marker (t, "slow"), ==, *(const int *) data == 2);
}

static const int param_values[] = { 1, 2 };
static const TallyParam fixture_params[] = {
  { "one", &param_values[0], NULL },
  { "two", &param_values[1], "slow" },
};

static void
register_tests (void)
{
  tally_add ("/pending/assert-before-await", test_pending_assert_before_await, "group=pending");
  tally_add ("/pending/next-passes", test_pending_next_passes, "group=pending");

  g_test_add_func ("/gtest/fail", test_gtest_fail);
  g_test_add_func ("/gtest/fail-printf", test_gtest_fail_printf);
  g_test_add_func ("/gtest/skip", test_gtest_skip);
  g_test_add_func ("/gtest/skip-printf", test_gtest_skip_printf);
  g_test_add_func ("/gtest/incomplete", test_gtest_incomplete);
  g_test_add_func ("/gtest/failed", test_gtest_failed);
  g_test_add_func ("/gtest/metadata", test_gtest_metadata);
  g_test_add_func ("/gtest/build-filename", test_gtest_build_filename);
  g_test_add_func ("/gtest/rand", test_gtest_rand);
  g_test_add_func ("/gtest/expect-message", test_gtest_expect_message);
  g_test_add_func ("/gtest/expect-message-unmet", test_gtest_expect_message_unmet);
  g_test_add_func ("/gtest/trap/failing-child", test_gtest_trap_failing_child);
  g_test_add_func ("/gtest/trap/passing-child", test_gtest_trap_passing_child);
  g_test_add_func ("/gtest/trap/passing-child/subprocess", test_gtest_trap_passing_child_body);
  g_test_add_func ("/gtest/trap/timeout", test_gtest_trap_timeout);
  g_test_add_func ("/gtest/g-assert", test_gtest_g_assert);
  g_test_add_func ("/gtest/unsupported", test_gtest_unsupported);
  g_test_add ("/gtest/fixture", GFixture, GINT_TO_POINTER (7),
              gfixture_setup, gfixture_body, gfixture_teardown);

  tally_add ("/thread/assert-in-gthread", test_thread_assert_gthread, "timeout=30");
  tally_add ("/thread/assert-in-gtask-thread", test_thread_assert_gtask, "timeout=30");

  tally_add ("/late/a", test_late_a, "group=late");
  tally_add ("/late/b", test_late_b, "group=late");

  tally_add ("/async/slots", test_async_slots, NULL);
  tally_add ("/async/await-timeout", test_async_await_timeout, NULL);
  tally_add ("/async/single-await-timeout", test_async_single_await_timeout, NULL);

  tally_add ("/assert/more-pass", test_assert_more_pass, NULL);
  tally_add_params ("/assert/more-fail", test_assert_more_fail, fail_params, NULL);
  tally_add_params_fixture ("/params/fixture", PFixture, pfixture_setup, pfixture_body,
                            NULL, fixture_params, NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  if (g_getenv ("SAMPLE_GTEST_SUITE") != NULL)
    g_test_suite_add (g_test_get_root (), g_test_create_case ("x", 0, NULL, NULL, NULL, NULL));
  register_tests ();
  return g_test_run ();
}
