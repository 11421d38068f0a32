/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-test-private.h"

G_BEGIN_DECLS

typedef struct
{
  double default_timeout_s;     /* for tests without a timeout marker */
  TallyLeakPolicy leaks;        /* for tests without a leaks marker */
} TallyExecOptions;

/* Runs one test in this process and thread: fresh context, setup, body,
 * holds, teardown, cleanups, dispatch of what is ready, leftover and
 * caplog checks. Returns the finished test (outcome, message, location,
 * records); test->tainted says the process should run no further test. */
TallyTest *tally_executor_run (const TallyTestCase    *tc,
                               const TallyExecOptions *options);

G_END_DECLS
