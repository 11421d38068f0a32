/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tally-assert.h"
#include "tally-executor-private.h"
#include "tally-gtest.h"
#include "tally-gtest-private.h"
#include "tally-test-private.h"

/* GLib's g_assert*() in files that include <tally.h> (tally-gtest.h):
 * they abort as under GTest, or end only the running test after
 * g_test_set_nonfatal_assertions(). */

static gboolean nonfatal_assertions;

/**
 * tally_gtest_set_nonfatal_assertions:
 *
 * g_test_set_nonfatal_assertions(): from now on, in this process, GLib's
 * `g_assert_*()` macros (not g_assert() and g_assert_not_reached(), as
 * under GTest) in files that include <tally.h> end only the running test,
 * with their message and file:line, like tally_assert*(). Unlike GTest,
 * the test does not go on after the failed assertion.
 */
void
tally_gtest_set_nonfatal_assertions (void)
{
  nonfatal_assertions = TRUE;
}

G_NORETURN static void
fail_or_abort (const char *domain,
               const char *file,
               int         line,
               const char *func,
               char       *message)
{
  char buffer[4096];

  if (tally_test_get_current () == NULL || !nonfatal_assertions)
    {
      /* What GLib does: print the ERROR line and abort. */
      g_assertion_message (domain, file, line, func, message);
      abort ();
    }

  g_strlcpy (buffer, message, sizeof buffer);
  g_free (message);
  tally_assertion_failed (file, line, func, "%s", buffer);
}

/**
 * tally_gtest_assertion_message:
 * @domain: the log domain
 * @file: the file
 * @line: the line
 * @func: the function
 * @message: the message
 *
 * What GLib's g_assert_*() call in a file that includes <tally.h>: aborts
 * like GLib, or, after g_test_set_nonfatal_assertions(), fails the
 * running test.
 */
void
tally_gtest_assertion_message (const char *domain,
                               const char *file,
                               int         line,
                               const char *func,
                               const char *message)
{
  fail_or_abort (domain, file, line, func,
                 g_strdup (message ? message : "code should not be reached"));
}

/**
 * tally_gtest_assertion_message_expr:
 * @domain: the log domain
 * @file: the file
 * @line: the line
 * @func: the function
 * @expr: (nullable): the expression
 *
 * g_assert() and g_assert_not_reached() in a Tally test: abort, as under
 * GTest.
 */
void
tally_gtest_assertion_message_expr (const char *domain,
                                    const char *file,
                                    int         line,
                                    const char *func,
                                    const char *expr)
{
  /* Fatal under GTest even with nonfatal assertions. */
  g_assertion_message_expr (domain, file, line, func, expr);
  abort ();
}

/**
 * tally_gtest_assertion_message_cmpstr:
 * @domain: the log domain
 * @file: the file
 * @line: the line
 * @func: the function
 * @expr: the expression
 * @arg1: (nullable): the left string
 * @cmp: the operator
 * @arg2: (nullable): the right string
 *
 * g_assert_cmpstr() in a Tally test.
 */
void
tally_gtest_assertion_message_cmpstr (const char *domain,
                                      const char *file,
                                      int         line,
                                      const char *func,
                                      const char *expr,
                                      const char *arg1,
                                      const char *cmp,
                                      const char *arg2)
{
  g_autofree char *a = arg1 ? g_strescape (arg1, NULL) : NULL;
  g_autofree char *b = arg2 ? g_strescape (arg2, NULL) : NULL;

  fail_or_abort (domain, file, line, func,
                 g_strdup_printf ("assertion failed (%s): (%s%s%s %s %s%s%s)", expr,
                                  a ? "\"" : "", a ? a : "NULL", a ? "\"" : "", cmp,
                                  b ? "\"" : "", b ? b : "NULL", b ? "\"" : ""));
}

/**
 * tally_gtest_assertion_message_cmpnum:
 * @domain: the log domain
 * @file: the file
 * @line: the line
 * @func: the function
 * @expr: the expression
 * @arg1: the left number
 * @cmp: the operator
 * @arg2: the right number
 * @numtype: `i`, `x` or `f`
 *
 * g_assert_cmpint() and its siblings in a Tally test.
 */
void
tally_gtest_assertion_message_cmpnum (const char  *domain,
                                      const char  *file,
                                      int          line,
                                      const char  *func,
                                      const char  *expr,
                                      long double  arg1,
                                      const char  *cmp,
                                      long double  arg2,
                                      char         numtype)
{
  char *message;

  switch (numtype)
    {
    case 'i':
      message = g_strdup_printf ("assertion failed (%s): (%" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT ")",
                                 expr, (gint64) arg1, cmp, (gint64) arg2);
      break;
    case 'x':
      message = g_strdup_printf ("assertion failed (%s): (0x%08" G_GINT64_MODIFIER "x %s 0x%08"
                                 G_GINT64_MODIFIER "x)", expr, (guint64) arg1, cmp, (guint64) arg2);
      break;
    default:
      message = g_strdup_printf ("assertion failed (%s): (%.9g %s %.9g)",
                                 expr, (double) arg1, cmp, (double) arg2);
      break;
    }
  fail_or_abort (domain, file, line, func, message);
}

/**
 * tally_gtest_assertion_message_cmpstrv:
 * @domain: the log domain
 * @file: the file
 * @line: the line
 * @func: the function
 * @expr: the expression
 * @arg1: (array zero-terminated=1): the left strings
 * @arg2: (array zero-terminated=1): the right strings
 * @first_wrong_idx: where they differ
 *
 * g_assert_cmpstrv() in a Tally test.
 */
void
tally_gtest_assertion_message_cmpstrv (const char         *domain,
                                       const char         *file,
                                       int                 line,
                                       const char         *func,
                                       const char         *expr,
                                       const char * const *arg1,
                                       const char * const *arg2,
                                       gsize               first_wrong_idx)
{
  g_autofree char *a = g_strescape (arg1[first_wrong_idx], NULL);
  g_autofree char *b = g_strescape (arg2[first_wrong_idx], NULL);

  fail_or_abort (domain, file, line, func,
                 g_strdup_printf ("assertion failed (%s): first differing element at index %"
                                  G_GSIZE_FORMAT ": \"%s\" does not equal \"%s\"",
                                  expr, first_wrong_idx, a, b));
}

/**
 * tally_gtest_assertion_message_error:
 * @domain: the log domain
 * @file: the file
 * @line: the line
 * @func: the function
 * @expr: the expression
 * @error: (nullable): the error
 * @error_domain: the expected domain, 0 for none
 * @error_code: the expected code
 *
 * g_assert_no_error() and g_assert_error() in a Tally test.
 */
void
tally_gtest_assertion_message_error (const char   *domain,
                                     const char   *file,
                                     int           line,
                                     const char   *func,
                                     const char   *expr,
                                     const GError *error,
                                     GQuark        error_domain,
                                     int           error_code)
{
  if (tally_test_get_current () == NULL || !nonfatal_assertions)
    {
      g_assertion_message_error (domain, file, line, func, expr, error, error_domain, error_code);
      abort ();
    }
  tally_assertion_failed_error (file, line, func, expr, error, error_domain, error_code);
}
