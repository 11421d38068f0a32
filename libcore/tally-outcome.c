/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-outcome.h"

/* These strings are stored in databases and printed in reports: never
 * rename one, only add. */
static const char * const outcome_names[TALLY_N_OUTCOMES] = {
  [TALLY_OUTCOME_RUNNING] = "running",
  [TALLY_OUTCOME_PASSED] = "passed",
  [TALLY_OUTCOME_FAILED] = "failed",
  [TALLY_OUTCOME_SKIPPED] = "skipped",
  [TALLY_OUTCOME_XFAILED] = "xfailed",
  [TALLY_OUTCOME_XPASSED] = "xpassed",
  [TALLY_OUTCOME_CRASHED] = "crashed",
  [TALLY_OUTCOME_TIMEOUT] = "timeout",
  [TALLY_OUTCOME_ERROR] = "error",
  [TALLY_OUTCOME_FLAKY] = "flaky",
  [TALLY_OUTCOME_INTERRUPTED] = "interrupted",
};

/**
 * tally_outcome_to_string:
 * @outcome: a #TallyOutcome
 *
 * Names an outcome as reporters, `--json` and the database spell it.
 *
 * Returns: (transfer none): the stable lower-case name of @outcome
 */
const char *
tally_outcome_to_string (TallyOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < TALLY_N_OUTCOMES, "invalid");

  return outcome_names[outcome];
}

/**
 * tally_outcome_from_string:
 * @text: a name as returned by tally_outcome_to_string()
 * @outcome: (out): where to store the outcome
 *
 * Parses an outcome name, the inverse of tally_outcome_to_string().
 *
 * Returns: %TRUE if @text names an outcome
 */
gboolean
tally_outcome_from_string (const char   *text,
                           TallyOutcome *outcome)
{
  g_return_val_if_fail (outcome != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < TALLY_N_OUTCOMES; i++)
    {
      if (strcmp (text, outcome_names[i]) == 0)
        {
          *outcome = (TallyOutcome) i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * tally_outcome_is_failure:
 * @outcome: a #TallyOutcome
 *
 * Whether @outcome makes a run fail (exit status 1). `xpassed` does not:
 * like pytest's non-strict xfail, it is reported but tolerated.
 *
 * Returns: %TRUE for failed, crashed, timeout and error
 */
gboolean
tally_outcome_is_failure (TallyOutcome outcome)
{
  switch (outcome)
    {
    case TALLY_OUTCOME_FAILED:
    case TALLY_OUTCOME_CRASHED:
    case TALLY_OUTCOME_TIMEOUT:
    case TALLY_OUTCOME_ERROR:
      return TRUE;

    case TALLY_OUTCOME_RUNNING:
    case TALLY_OUTCOME_PASSED:
    case TALLY_OUTCOME_SKIPPED:
    case TALLY_OUTCOME_XFAILED:
    case TALLY_OUTCOME_XPASSED:
    case TALLY_OUTCOME_FLAKY:
    case TALLY_OUTCOME_INTERRUPTED:
    default:
      return FALSE;
    }
}
