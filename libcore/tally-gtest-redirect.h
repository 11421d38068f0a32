/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

/* GTest calls in a file that includes <tally.h> go to Tally
 * (tally-gtest.h says what each becomes). Not for Tally itself, and not
 * when TALLY_NO_GTEST_COMPAT is defined. */
#if !defined (TALLY_COMPILATION) && !defined (TALLY_NO_GTEST_COMPAT)

# undef g_test_init
# define g_test_init tally_gtest_init
# define g_test_run() tally_run ()
# define g_test_add_func tally_gtest_add_func
# define g_test_add_data_func tally_gtest_add_data_func
# define g_test_add_data_func_full tally_gtest_add_data_func_full
# define g_test_add_vtable tally_gtest_add_vtable

# define g_test_fail() tally_gtest_fail (__FILE__, __LINE__)
# define g_test_fail_printf(...) tally_gtest_fail_printf (__FILE__, __LINE__, __VA_ARGS__)
# define g_test_skip tally_gtest_skip
# define g_test_skip_printf tally_gtest_skip_printf
# define g_test_incomplete tally_gtest_incomplete
# define g_test_incomplete_printf tally_gtest_incomplete_printf
# define g_test_failed tally_gtest_failed
# define g_test_message tally_gtest_message
# define g_test_bug_base tally_gtest_bug_base
# define g_test_bug tally_gtest_bug
# define g_test_summary tally_gtest_summary
# define g_test_get_path tally_gtest_get_path
# define g_test_get_filename tally_gtest_get_filename
# define g_test_queue_free(p) tally_gtest_queue_destroy (g_free, (p))
# define g_test_queue_destroy tally_gtest_queue_destroy

# undef g_test_rand_bit
# define g_test_rand_bit() (0 != (tally_gtest_rand_int () & (1 << 15)))
# define g_test_rand_int tally_gtest_rand_int
# define g_test_rand_int_range tally_gtest_rand_int_range
# define g_test_rand_double tally_gtest_rand_double
# define g_test_rand_double_range tally_gtest_rand_double_range

# define g_test_expect_message tally_gtest_expect_message
# undef g_test_assert_expected_messages
# define g_test_assert_expected_messages() \
  tally_gtest_assert_expected_messages (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC)

# define g_test_trap_subprocess tally_gtest_trap_subprocess
# define g_test_trap_has_passed tally_gtest_trap_has_passed
# define g_test_trap_reached_timeout tally_gtest_trap_reached_timeout
# define g_test_trap_assertions tally_gtest_trap_assertions
# define g_test_subprocess tally_gtest_subprocess
# define g_test_trap_fork(usec, flags) \
  (tally_gtest_unsupported (__FILE__, __LINE__, "g_test_trap_fork()", \
                            "g_test_trap_subprocess()"), FALSE)
# define TALLY__GTEST_SUITES "g_test_add_func(), g_test_add() or tally_add*()"
# define g_test_create_suite(name) \
  (tally_gtest_unsupported (__FILE__, __LINE__, "g_test_create_suite()", TALLY__GTEST_SUITES), \
   (GTestSuite *) NULL)
# define g_test_create_case(...) \
  (tally_gtest_unsupported (__FILE__, __LINE__, "g_test_create_case()", TALLY__GTEST_SUITES), \
   (GTestCase *) NULL)
# define g_test_get_root() \
  (tally_gtest_unsupported (__FILE__, __LINE__, "g_test_get_root()", TALLY__GTEST_SUITES), \
   (GTestSuite *) NULL)
# define g_test_suite_add(suite, test_case) \
  tally_gtest_unsupported (__FILE__, __LINE__, "g_test_suite_add()", TALLY__GTEST_SUITES)
# define g_test_suite_add_suite(suite, nestedsuite) \
  tally_gtest_unsupported (__FILE__, __LINE__, "g_test_suite_add_suite()", TALLY__GTEST_SUITES)
# define g_test_run_suite(suite) \
  (tally_gtest_unsupported (__FILE__, __LINE__, "g_test_run_suite()", "g_test_run() or tally_run()"), 1)
# define g_test_set_nonfatal_assertions tally_gtest_set_nonfatal_assertions

# define g_assertion_message tally_gtest_assertion_message
# define g_assertion_message_expr tally_gtest_assertion_message_expr
# define g_assertion_message_cmpstr tally_gtest_assertion_message_cmpstr
# define g_assertion_message_cmpnum tally_gtest_assertion_message_cmpnum
# define g_assertion_message_cmpstrv tally_gtest_assertion_message_cmpstrv
# define g_assertion_message_error tally_gtest_assertion_message_error

#endif
