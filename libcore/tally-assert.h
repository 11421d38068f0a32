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
void tally_assertion_check_cmpmem  (const char    *file,
                                    int            line,
                                    const char    *func,
                                    const char    *expr,
                                    gconstpointer  m1,
                                    gsize          l1,
                                    gconstpointer  m2,
                                    gsize          l2);
void tally_assertion_check_cmpstrv (const char         *file,
                                    int                 line,
                                    const char         *func,
                                    const char         *expr,
                                    const char * const *a,
                                    const char * const *b);
void tally_assertion_check_cmpvariant (const char *file,
                                       int         line,
                                       const char *func,
                                       const char *expr,
                                       GVariant   *a,
                                       GVariant   *b);

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

/**
 * tally_assert_not_reached:
 *
 * Fails the running test: the code should not have been reached.
 */
#define tally_assert_not_reached()                                          \
  tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                     \
                          "code should not be reached")

/**
 * tally_assert_cmpfloat_with_epsilon:
 * @a: a floating-point number
 * @b: a floating-point number
 * @epsilon: the largest difference allowed
 *
 * Fails the running test unless @a and @b differ by at most @epsilon.
 */
#define tally_assert_cmpfloat_with_epsilon(a, b, epsilon) G_STMT_START {    \
  double tally__a = (a), tally__b = (b), tally__e = (epsilon);               \
  if G_LIKELY (tally__a - tally__b <= tally__e                               \
               && tally__b - tally__a <= tally__e) ; else                    \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "assertion failed (%s == %s (+/- %s)): "         \
                            "(%.9g == %.9g (+/- %.3g))",                     \
                            #a, #b, #epsilon, tally__a, tally__b, tally__e); \
} G_STMT_END

/**
 * tally_assert_cmpmem:
 * @m1: (nullable): a buffer
 * @l1: its length in bytes
 * @m2: (nullable): another buffer
 * @l2: its length in bytes
 *
 * Fails the running test unless both buffers have the same length and
 * bytes; the message says where they first differ.
 */
#define tally_assert_cmpmem(m1, l1, m2, l2)                                 \
  tally_assertion_check_cmpmem (__FILE__, __LINE__, G_STRFUNC,               \
                                #m1 " == " #m2, (m1), (l1), (m2), (l2))

/**
 * tally_assert_cmpstrv:
 * @a: (nullable): a %NULL-terminated array of strings
 * @b: (nullable): another
 *
 * Fails the running test unless both arrays hold the same strings in the
 * same order; the message shows the first difference.
 */
#define tally_assert_cmpstrv(a, b)                                          \
  tally_assertion_check_cmpstrv (__FILE__, __LINE__, G_STRFUNC,              \
                                 #a " == " #b,                               \
                                 (const char * const *) (a),                 \
                                 (const char * const *) (b))

/**
 * tally_assert_cmpvariant:
 * @v1: a #GVariant
 * @v2: a #GVariant
 *
 * Fails the running test unless g_variant_equal() holds; the message
 * prints both values.
 */
#define tally_assert_cmpvariant(v1, v2)                                     \
  tally_assertion_check_cmpvariant (__FILE__, __LINE__, G_STRFUNC,           \
                                    #v1 " == " #v2, (v1), (v2))

G_END_DECLS
