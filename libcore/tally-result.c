/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-result-private.h"

void
tally_result_init (TallyResult *result)
{
  *result = (TallyResult) {
    .outcome = TALLY_OUTCOME_RUNNING,
    .exit_status = -1,
    .worker = -1,
    .attempt = 1,
    .cpu_us = -1,
    .max_rss_kb = -1,
  };
}

void
tally_result_clear (TallyResult *result)
{
  g_clear_pointer (&result->message, g_free);
  g_clear_pointer (&result->file, g_free);
}
