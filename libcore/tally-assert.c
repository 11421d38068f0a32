/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "tally-assert.h"
#include "tally-test-private.h"

/* Takes @message: nothing after it returns to free it (the test is
 * unwound with siglongjmp). */
G_NORETURN static void
fail_current (const char *file,
              int         line,
              char       *message)
{
  TallyTest *test = tally_test_get_current ();
  const char *late_owner = tally_threads_late_owner (test, (guint64) syscall (SYS_gettid));

  if (late_owner != NULL)
    {
      /* A thread of an ended test: it cannot fail the running one (nor
       * a worker between tests). */
      g_printerr ("%s:%d: in a thread started by %s, after it ended: %s\n", file, line,
                  late_owner, message);
      g_free (message);
      tally_threads_note_exiting ();
      g_thread_exit (NULL);
    }

  if (test == NULL)
    {
      /* An assertion outside any test (say, in main()) has nothing to
       * unwind to: behave like g_assert(). */
      fprintf (stderr, "%s:%d: %s\n", file, line, message);
      g_free (message);
      abort ();
    }

  tally_test_set_failure (test, TALLY_OUTCOME_FAILED, file, line, message);
  g_free (message);
  tally_test_unwind (test);
}

/**
 * tally_assertion_failed:
 * @file: the source file
 * @line: the line
 * @func: the function
 * @format: printf-style message
 * @...: arguments
 *
 * Fails the running test with a message and location and unwinds it. The
 * assertion macros call this; tally_fail() is its short form.
 */
void
tally_assertion_failed (const char *file,
                        int         line,
                        const char *func,
                        const char *format,
                        ...)
{
  char *message;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fail_current (file, line, message);
}

static char *
quote_or_null (const char *s)
{
  g_autofree char *escaped = NULL;

  if (s == NULL)
    return g_strdup ("NULL");

  escaped = g_strescape (s, NULL);
  return g_strdup_printf ("\"%s\"", escaped);
}

/**
 * tally_assertion_failed_cmpstr:
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the expression as written
 * @a: (nullable): the left string
 * @op: the operator
 * @b: (nullable): the right string
 *
 * Fails the running test for tally_assert_cmpstr().
 */
void
tally_assertion_failed_cmpstr (const char *file,
                               int         line,
                               const char *func,
                               const char *expr,
                               const char *a,
                               const char *op,
                               const char *b)
{
  char *qa = quote_or_null (a);
  char *qb = quote_or_null (b);
  char *message = g_strdup_printf ("assertion failed (%s): (%s %s %s)", expr, qa, op, qb);

  g_free (qa);
  g_free (qb);
  fail_current (file, line, message);
}

/**
 * tally_assertion_failed_error:
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the expression as written
 * @error: (nullable): the error that was (or was not) set
 * @domain: the expected domain, or 0 for "no error expected"
 * @code: the expected code
 *
 * Fails the running test for tally_assert_no_error() and
 * tally_assert_error().
 */
void
tally_assertion_failed_error (const char   *file,
                              int           line,
                              const char   *func,
                              const char   *expr,
                              const GError *error,
                              GQuark        domain,
                              int           code)
{
  char *message;

  if (domain == 0)
    message = g_strdup_printf ("assertion failed (%s == NULL): %s (%s, %d)", expr,
                               error->message, g_quark_to_string (error->domain),
                               error->code);
  else if (error == NULL)
    message = g_strdup_printf ("assertion failed (%s matches %s, %d): %s is NULL", expr,
                               g_quark_to_string (domain), code, expr);
  else
    message = g_strdup_printf ("assertion failed (%s matches %s, %d): %s (%s, %d)", expr,
                               g_quark_to_string (domain), code, error->message,
                               g_quark_to_string (error->domain), error->code);

  fail_current (file, line, message);
}

/**
 * tally_assertion_check_cmpmem:
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the expression as written
 * @m1: (nullable): a buffer
 * @l1: its length
 * @m2: (nullable): another buffer
 * @l2: its length
 *
 * Checks tally_assert_cmpmem() and fails the running test if it does not
 * hold.
 */
void
tally_assertion_check_cmpmem (const char    *file,
                              int            line,
                              const char    *func,
                              const char    *expr,
                              gconstpointer  m1,
                              gsize          l1,
                              gconstpointer  m2,
                              gsize          l2)
{
  const guint8 *a = m1, *b = m2;

  if (l1 != l2)
    fail_current (file, line,
                  g_strdup_printf ("assertion failed (%s): lengths differ: "
                                   "%" G_GSIZE_FORMAT " != %" G_GSIZE_FORMAT,
                                   expr, l1, l2));
  if (l1 == 0)
    return;
  if (a == NULL || b == NULL)
    fail_current (file, line, g_strdup_printf ("assertion failed (%s): a buffer is NULL", expr));

  for (gsize i = 0; i < l1; i++)
    if (a[i] != b[i])
      fail_current (file, line,
                    g_strdup_printf ("assertion failed (%s): first difference at byte "
                                     "%" G_GSIZE_FORMAT ": 0x%02x != 0x%02x",
                                     expr, i, a[i], b[i]));
}

/**
 * tally_assertion_check_cmpstrv:
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the expression as written
 * @a: (nullable) (array zero-terminated=1): strings
 * @b: (nullable) (array zero-terminated=1): strings
 *
 * Checks tally_assert_cmpstrv() and fails the running test if it does not
 * hold.
 */
void
tally_assertion_check_cmpstrv (const char         *file,
                               int                 line,
                               const char         *func,
                               const char         *expr,
                               const char * const *a,
                               const char * const *b)
{
  gsize i;

  if (a == NULL || b == NULL)
    {
      if (a != b)
        fail_current (file, line,
                      g_strdup_printf ("assertion failed (%s): %s is NULL", expr,
                                       a == NULL ? "the first array" : "the second array"));
      return;
    }

  for (i = 0; a[i] != NULL && b[i] != NULL; i++)
    if (strcmp (a[i], b[i]) != 0)
      {
        char *qa = quote_or_null (a[i]);
        char *qb = quote_or_null (b[i]);
        char *message = g_strdup_printf ("assertion failed (%s): first difference at "
                                         "index %" G_GSIZE_FORMAT ": %s != %s",
                                         expr, i, qa, qb);

        g_free (qa);
        g_free (qb);
        fail_current (file, line, message);
      }

  if (a[i] != NULL || b[i] != NULL)
    fail_current (file, line,
                  g_strdup_printf ("assertion failed (%s): lengths differ: "
                                   "%u != %u", expr,
                                   g_strv_length ((char **) a), g_strv_length ((char **) b)));
}

/**
 * tally_assertion_check_cmpvariant:
 * @file: the source file
 * @line: the line
 * @func: the function
 * @expr: the expression as written
 * @a: a #GVariant
 * @b: a #GVariant
 *
 * Checks tally_assert_cmpvariant() and fails the running test if it does
 * not hold.
 */
void
tally_assertion_check_cmpvariant (const char *file,
                                  int         line,
                                  const char *func,
                                  const char *expr,
                                  GVariant   *a,
                                  GVariant   *b)
{
  char *pa, *pb, *message;

  if (a != NULL && b != NULL && g_variant_equal (a, b))
    return;

  pa = a ? g_variant_print (a, TRUE) : g_strdup ("NULL");
  pb = b ? g_variant_print (b, TRUE) : g_strdup ("NULL");
  message = g_strdup_printf ("assertion failed (%s): %s does not equal %s", expr, pa, pb);
  g_free (pa);
  g_free (pb);
  fail_current (file, line, message);
}
