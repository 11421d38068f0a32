/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include "tally-log-record.h"
#include "tally-test.h"

G_BEGIN_DECLS

/* caplog: every message logged while a test runs (g_log, g_message & co,
 * g_log_structured, from any thread, debug included whatever
 * G_MESSAGES_DEBUG says) becomes a TallyLogRecord on that test. A WARNING
 * or CRITICAL that no expectation matched fails the test at its end. */

/**
 * TALLY_LOG_LEVEL_ANY:
 *
 * A level mask that matches every level, for tally_test_count_logs().
 */
#define TALLY_LOG_LEVEL_ANY ((GLogLevelFlags) G_LOG_LEVEL_MASK)

GPtrArray *tally_test_get_logs      (TallyTest      *test);
guint      tally_test_count_logs    (TallyTest      *test,
                                     GLogLevelFlags  levels,
                                     const char     *domain,
                                     const char     *glob);
void       tally_test_clear_logs    (TallyTest      *test);
void       tally_test_set_log_level (TallyTest      *test,
                                     GLogLevelFlags  level);
void       tally_test_expect_log    (TallyTest      *test,
                                     const char     *domain,
                                     GLogLevelFlags  levels,
                                     const char     *glob);
void       tally_test_expect_log_n  (TallyTest      *test,
                                     const char     *domain,
                                     GLogLevelFlags  levels,
                                     const char     *glob,
                                     guint           count);

/**
 * tally_assert_logged:
 * @test: the running #TallyTest
 * @levels: a mask of #GLogLevelFlags, or %TALLY_LOG_LEVEL_ANY
 * @domain: (nullable): the log domain, or %NULL for any
 * @glob: (nullable): a g_pattern_match_simple() glob on the message
 *
 * Fails the test unless at least one captured record matches.
 */
#define tally_assert_logged(test, levels, domain, glob) G_STMT_START {      \
  if G_LIKELY (tally_test_count_logs ((test), (levels), (domain), (glob)) > 0) ; \
  else                                                                       \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "no %s message%s%s matching \"%s\" was logged",  \
                            tally_log_level_to_string (levels),              \
                            (domain) ? " in domain " : "",                   \
                            (domain) ? (const char *) (domain) : "",         \
                            (glob) ? (const char *) (glob) : "*");           \
} G_STMT_END

/**
 * tally_assert_not_logged:
 * @test: the running #TallyTest
 * @levels: a mask of #GLogLevelFlags, or %TALLY_LOG_LEVEL_ANY
 * @domain: (nullable): the log domain, or %NULL for any
 * @glob: (nullable): a g_pattern_match_simple() glob on the message
 *
 * Fails the test if any captured record matches.
 */
#define tally_assert_not_logged(test, levels, domain, glob) G_STMT_START {  \
  if G_LIKELY (tally_test_count_logs ((test), (levels), (domain), (glob)) == 0) ; \
  else                                                                       \
    tally_assertion_failed (__FILE__, __LINE__, G_STRFUNC,                   \
                            "a %s message matching \"%s\" was logged",       \
                            tally_log_level_to_string (levels),              \
                            (glob) ? (const char *) (glob) : "*");           \
} G_STMT_END

G_END_DECLS
