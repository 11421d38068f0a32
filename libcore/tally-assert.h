/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* Assertions end the current test with a failure that carries the message
 * and file:line. Unlike g_assert(), they never abort the process: the test
 * is unwound, its teardown runs and the next test starts in the same
 * worker. They need no test argument; they apply to the running test. */

G_NORETURN
void tally_assertion_failed (const char *file,
                             int         line,
                             const char *func,
                             const char *format,
                             ...) G_GNUC_PRINTF (4, 5);
G_NORETURN
void tally_assertion_failed_cmpstr (const char *file,
                                    int         line,
                                    const char *func,
                                    const char *expr,
                                    const char *a,
                                    const char *op,
                                    const char *b);
G_NORETURN
void tally_assertion_failed_error  (const char   *file,
                                    int           line,
                                    const char   *func,
                                    const char   *expr,
                                    const GError *error,
                                    GQuark        domain,
                                    int           code);

/**
 * tally_fail:
 * @...: a printf() format and its arguments
 *
 * Ends the running test as failed with the formatted message and the
 * file and line of the call.
 */
#define tally_fail(...) \
  tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC, __VA_ARGS__)

/**
 * tally_assert:
 * @expr: a condition
 *
 * Fails the running test unless @expr is true. Unlike g_assert(), it is
 * never compiled out.
 */
#define tally_assert(expr) G_STMT_START {                                   \
  if G_LIKELY (expr) ; else                                                  \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "assertion failed: (%s)", #expr);                \
} G_STMT_END

/**
 * tally_assert_true:
 * @expr: a condition
 *
 * Fails the running test unless @expr is true.
 */
#define tally_assert_true(expr) tally_assert (expr)
/**
 * tally_assert_false:
 * @expr: a condition
 *
 * Fails the running test unless @expr is false.
 */
#define tally_assert_false(expr) G_STMT_START {                             \
  if G_LIKELY (!(expr)) ; else                                               \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "assertion failed: (%s) is not FALSE", #expr);   \
} G_STMT_END
/**
 * tally_assert_null:
 * @expr: a pointer
 *
 * Fails the running test unless @expr is %NULL; the message shows the
 * pointer it was.
 */
#define tally_assert_null(expr) G_STMT_START {                              \
  const void *tally__p = (expr);                                             \
  if G_LIKELY (tally__p == NULL) ; else                                      \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "assertion failed: (%s) is not NULL but %p",     \
                            #expr, tally__p);                                \
} G_STMT_END
/**
 * tally_assert_nonnull:
 * @expr: a pointer
 *
 * Fails the running test if @expr is %NULL.
 */
#define tally_assert_nonnull(expr) G_STMT_START {                           \
  if G_LIKELY ((expr) != NULL) ; else                                        \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "assertion failed: (%s) is NULL", #expr);        \
} G_STMT_END

/**
 * tally__assert_cmp:
 * @type: the type both sides are converted to
 * @fmt: the printf() format of @type
 * @a: the left side
 * @op: a comparison operator
 * @b: the right side
 *
 * The body of the tally_assert_cmp*() macros; private, not for direct use.
 */
#define tally__assert_cmp(type, fmt, a, op, b) G_STMT_START {               \
  type tally__a = (a), tally__b = (b);                                       \
  if G_LIKELY (tally__a op tally__b) ; else                                  \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "assertion failed: (%s %s %s): (" fmt " %s " fmt ")", \
                            #a, #op, #b, tally__a, #op, tally__b);           \
} G_STMT_END

/**
 * tally_assert_cmpint:
 * @a: a signed integer
 * @op: a comparison operator: `==`, `!=`, `<`, `<=`, `>` or `>=`
 * @b: a signed integer
 *
 * Fails the running test unless `@a @op @b` holds, compared as #gint64;
 * the message shows both values.
 */
#define tally_assert_cmpint(a, op, b) \
  tally__assert_cmp (gint64, "%" G_GINT64_FORMAT, a, op, b)
/**
 * tally_assert_cmpuint:
 * @a: an unsigned integer
 * @op: a comparison operator
 * @b: an unsigned integer
 *
 * Fails the running test unless `@a @op @b` holds, compared as #guint64.
 */
#define tally_assert_cmpuint(a, op, b) \
  tally__assert_cmp (guint64, "%" G_GUINT64_FORMAT, a, op, b)
/**
 * tally_assert_cmphex:
 * @a: an unsigned integer
 * @op: a comparison operator
 * @b: an unsigned integer
 *
 * Like tally_assert_cmpuint(), with both values shown in hexadecimal.
 */
#define tally_assert_cmphex(a, op, b) \
  tally__assert_cmp (guint64, "0x%08" G_GINT64_MODIFIER "x", a, op, b)
/**
 * tally_assert_cmpfloat:
 * @a: a floating-point number
 * @op: a comparison operator
 * @b: a floating-point number
 *
 * Fails the running test unless `@a @op @b` holds, compared as #double.
 */
#define tally_assert_cmpfloat(a, op, b) \
  tally__assert_cmp (double, "%.9g", a, op, b)

/**
 * tally_assert_cmpstr:
 * @a: (nullable): a string
 * @op: a comparison operator
 * @b: (nullable): a string
 *
 * Fails the running test unless `g_strcmp0 (@a, @b) @op 0` holds; %NULL
 * sorts before every string. The message quotes both strings.
 */
#define tally_assert_cmpstr(a, op, b) G_STMT_START {                        \
  const char *tally__a = (a), *tally__b = (b);                               \
  if G_LIKELY (g_strcmp0 (tally__a, tally__b) op 0) ; else                   \
    tally_assertion_failed_cmpstr (__FILE__, __LINE__, G_STRFUNC,            \
                                   #a " " #op " " #b, tally__a, #op, tally__b); \
} G_STMT_END

/**
 * tally_assert_no_error:
 * @err: (nullable): a #GError pointer
 *
 * Fails the running test if @err is set, with the error's message.
 */
#define tally_assert_no_error(err) G_STMT_START {                           \
  const GError *tally__e = (err);                                            \
  if G_LIKELY (tally__e == NULL) ; else                                      \
    tally_assertion_failed_error (__FILE__, __LINE__, G_STRFUNC, #err,       \
                                  tally__e, 0, 0);                           \
} G_STMT_END

/**
 * tally_assert_error:
 * @err: (nullable): a #GError pointer
 * @dom: the expected error domain
 * @c: the expected error code
 *
 * Fails the running test unless @err is set with domain @dom and code @c.
 */
#define tally_assert_error(err, dom, c) G_STMT_START {                      \
  const GError *tally__e = (err);                                            \
  if G_LIKELY (tally__e != NULL && tally__e->domain == (dom)                 \
               && tally__e->code == (c)) ; else                              \
    tally_assertion_failed_error (__FILE__, __LINE__, G_STRFUNC, #err,       \
                                  tally__e, (dom), (c));                     \
} G_STMT_END

G_END_DECLS
