/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * TallyOutcome:
 * @TALLY_OUTCOME_RUNNING: started, not finished (what a killed run leaves)
 * @TALLY_OUTCOME_PASSED: the test passed
 * @TALLY_OUTCOME_FAILED: an assertion failed or the test called tally_fail()
 * @TALLY_OUTCOME_SKIPPED: skipped, by marker or by tally_skip()
 * @TALLY_OUTCOME_XFAILED: marked `xfail` and failed, as expected
 * @TALLY_OUTCOME_XPASSED: marked `xfail` but passed
 * @TALLY_OUTCOME_CRASHED: the worker died (signal, exit, protocol garbage)
 * @TALLY_OUTCOME_TIMEOUT: the test outlived its deadline
 * @TALLY_OUTCOME_ERROR: setup or teardown failed
 * @TALLY_OUTCOME_FLAKY: failed, then passed on a retry
 * @TALLY_OUTCOME_INTERRUPTED: the run was stopped while the test ran
 *
 * What became of one attempt of one test.
 */
typedef enum
{
  TALLY_OUTCOME_RUNNING,
  TALLY_OUTCOME_PASSED,
  TALLY_OUTCOME_FAILED,
  TALLY_OUTCOME_SKIPPED,
  TALLY_OUTCOME_XFAILED,
  TALLY_OUTCOME_XPASSED,
  TALLY_OUTCOME_CRASHED,
  TALLY_OUTCOME_TIMEOUT,
  TALLY_OUTCOME_ERROR,
  TALLY_OUTCOME_FLAKY,
  TALLY_OUTCOME_INTERRUPTED,
} TallyOutcome;

/**
 * TALLY_N_OUTCOMES:
 *
 * The number of #TallyOutcome values, for arrays indexed by outcome.
 */
#define TALLY_N_OUTCOMES (TALLY_OUTCOME_INTERRUPTED + 1)

const char *tally_outcome_to_string   (TallyOutcome  outcome);
gboolean    tally_outcome_from_string (const char   *text,
                                       TallyOutcome *outcome);
gboolean    tally_outcome_is_failure  (TallyOutcome  outcome);

G_END_DECLS
