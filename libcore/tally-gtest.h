/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* GTest calls inside Tally tests (docs/migrating.md, "The GTest API").
 *
 * Code that includes <tally.h> and calls GTest gets Tally's meaning for
 * it: g_test_fail() fails the running Tally test, g_test_skip() skips it,
 * g_test_message() is a log record, g_test_rand_int() is seeded per test,
 * g_test_trap_subprocess() re-runs the test in a child, g_test_add_func()
 * registers a Tally test, and g_test_init()/g_test_run() are tally_init()
 * and tally_run(): a GTest program becomes a Tally program by including
 * <tally.h>. The redirections are macros, so they apply to the files that
 * include <tally.h>; define TALLY_NO_GTEST_COMPAT before including it to
 * keep GLib's own functions. GLib's g_assert_*() macros abort the process,
 * as under GTest (the runner records the failure's message and starts a
 * new worker), unless g_test_set_nonfatal_assertions() was called: then,
 * in those files, they end only the running test, like tally_assert*(). */

void        tally_gtest_init            (int            *argc,
                                         char         ***argv,
                                         ...);
void        tally_gtest_add_func        (const char     *path,
                                         GTestFunc       func);
void        tally_gtest_add_data_func   (const char     *path,
                                         gconstpointer   data,
                                         GTestDataFunc   func);
void        tally_gtest_add_data_func_full (const char  *path,
                                            gpointer     data,
                                            GTestDataFunc func,
                                            GDestroyNotify data_free);
void        tally_gtest_add_vtable      (const char      *path,
                                         gsize            data_size,
                                         gconstpointer    test_data,
                                         GTestFixtureFunc data_setup,
                                         GTestFixtureFunc data_test,
                                         GTestFixtureFunc data_teardown);

void        tally_gtest_fail            (const char     *file,
                                         int             line);
void        tally_gtest_fail_printf     (const char     *file,
                                         int             line,
                                         const char     *format,
                                         ...) G_GNUC_PRINTF (3, 4);
void        tally_gtest_skip            (const char     *msg);
void        tally_gtest_skip_printf     (const char     *format,
                                         ...) G_GNUC_PRINTF (1, 2);
void        tally_gtest_incomplete      (const char     *msg);
void        tally_gtest_incomplete_printf (const char   *format,
                                           ...) G_GNUC_PRINTF (1, 2);
gboolean    tally_gtest_failed          (void);
void        tally_gtest_message         (const char     *format,
                                         ...) G_GNUC_PRINTF (1, 2);
void        tally_gtest_bug_base        (const char     *uri_pattern);
void        tally_gtest_bug             (const char     *bug_uri_snippet);
void        tally_gtest_summary         (const char     *summary);
const char *tally_gtest_get_path        (void);
const char *tally_gtest_get_filename    (GTestFileType   file_type,
                                         const char     *first_path,
                                         ...) G_GNUC_NULL_TERMINATED;

void        tally_gtest_queue_destroy   (GDestroyNotify  destroy_func,
                                         gpointer        destroy_data);

gint32      tally_gtest_rand_int        (void);
gint32      tally_gtest_rand_int_range  (gint32          begin,
                                         gint32          end);
double      tally_gtest_rand_double     (void);
double      tally_gtest_rand_double_range (double        range_start,
                                           double        range_end);

void        tally_gtest_expect_message  (const char     *log_domain,
                                         GLogLevelFlags  log_level,
                                         const char     *pattern);
void        tally_gtest_assert_expected_messages (const char *domain,
                                                  const char *file,
                                                  int         line,
                                                  const char *func);

void        tally_gtest_trap_subprocess (const char          *test_path,
                                         guint64              usec_timeout,
                                         GTestSubprocessFlags test_flags);
gboolean    tally_gtest_trap_has_passed (void);
gboolean    tally_gtest_trap_reached_timeout (void);
void        tally_gtest_trap_assertions (const char     *domain,
                                         const char     *file,
                                         int             line,
                                         const char     *func,
                                         guint64         assertion_flags,
                                         const char     *pattern);
gboolean    tally_gtest_subprocess      (void);
void        tally_gtest_set_nonfatal_assertions (void);
void        tally_gtest_unsupported     (const char     *file,
                                         int             line,
                                         const char     *what,
                                         const char     *instead);

G_NORETURN
void        tally_gtest_assertion_message (const char   *domain,
                                           const char   *file,
                                           int           line,
                                           const char   *func,
                                           const char   *message);
G_NORETURN
void        tally_gtest_assertion_message_expr (const char *domain,
                                                const char *file,
                                                int         line,
                                                const char *func,
                                                const char *expr);
G_NORETURN
void        tally_gtest_assertion_message_cmpstr (const char *domain,
                                                  const char *file,
                                                  int         line,
                                                  const char *func,
                                                  const char *expr,
                                                  const char *arg1,
                                                  const char *cmp,
                                                  const char *arg2);
G_NORETURN
void        tally_gtest_assertion_message_cmpnum (const char *domain,
                                                  const char *file,
                                                  int         line,
                                                  const char *func,
                                                  const char *expr,
                                                  long double arg1,
                                                  const char *cmp,
                                                  long double arg2,
                                                  char        numtype);
G_NORETURN
void        tally_gtest_assertion_message_cmpstrv (const char         *domain,
                                                   const char         *file,
                                                   int                 line,
                                                   const char         *func,
                                                   const char         *expr,
                                                   const char * const *arg1,
                                                   const char * const *arg2,
                                                   gsize               first_wrong_idx);
G_NORETURN
void        tally_gtest_assertion_message_error (const char   *domain,
                                                 const char   *file,
                                                 int           line,
                                                 const char   *func,
                                                 const char   *expr,
                                                 const GError *error,
                                                 GQuark        error_domain,
                                                 int           error_code);


G_END_DECLS

/* The macros that redirect GTest calls; outside G_BEGIN_DECLS and the
 * API reference, which they are not part of. */
#include "tally-gtest-redirect.h"
