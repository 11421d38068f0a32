/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * TallyTest:
 *
 * The running test. Every test function, fixture setup and teardown gets
 * one. It owns the test's own #GMainContext (pushed as the thread-default
 * context for the whole test), a #GCancellable that is cancelled when the
 * test's deadline passes, the captured log records, and the async helpers
 * that iterate the context for you.
 */
typedef struct _TallyTest TallyTest;

/**
 * TallyPredicate:
 * @user_data: the data given to tally_test_wait_until()
 *
 * A condition tally_test_wait_until() waits for.
 *
 * Returns: %TRUE once the awaited condition holds
 */
typedef gboolean (*TallyPredicate) (gpointer user_data);

/**
 * TallyLeakPolicy:
 * @TALLY_LEAKS_FAIL: leftover sources fail the test (the default)
 * @TALLY_LEAKS_WARN: leftover sources are reported as a warning only
 * @TALLY_LEAKS_IGNORE: leftover sources are not checked
 *
 * What to do with sources a test leaves behind.
 */
typedef enum
{
  TALLY_LEAKS_FAIL,
  TALLY_LEAKS_WARN,
  TALLY_LEAKS_IGNORE,
} TallyLeakPolicy;

const char    *tally_test_get_path         (TallyTest       *test);
GMainContext  *tally_test_get_context      (TallyTest       *test);
GCancellable  *tally_test_get_cancellable  (TallyTest       *test);
gboolean       tally_test_has_marker       (TallyTest       *test,
                                            const char      *name);
const char    *tally_test_get_marker       (TallyTest       *test,
                                            const char      *name);
double         tally_test_get_timeout      (TallyTest       *test);
gint64         tally_test_get_deadline     (TallyTest       *test);
void           tally_test_set_leak_policy  (TallyTest       *test,
                                            TallyLeakPolicy  policy);
const char    *tally_test_get_tmpdir       (TallyTest       *test);

void           tally_test_async_ready      (GObject         *source_object,
                                            GAsyncResult    *result,
                                            gpointer         test);
GAsyncResult  *tally_test_await            (TallyTest       *test);
void           tally_test_wait_until       (TallyTest       *test,
                                            TallyPredicate   predicate,
                                            gpointer         user_data);
void           tally_test_hold             (TallyTest       *test);
void           tally_test_release          (TallyTest       *test);
void           tally_test_add_cleanup      (TallyTest       *test,
                                            GDestroyNotify   func,
                                            gpointer         data);

void           tally_test_skip             (TallyTest       *test,
                                            const char      *format,
                                            ...) G_GNUC_PRINTF (2, 3) G_GNUC_NORETURN;
void           tally_test_fail             (TallyTest       *test,
                                            const char      *format,
                                            ...) G_GNUC_PRINTF (2, 3) G_GNUC_NORETURN;
void           tally_test_xfail            (TallyTest       *test,
                                            const char      *reason);

TallyTest     *tally_test_get_current      (void);

G_END_DECLS
