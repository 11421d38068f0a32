/* tally.h — the one header a Tally test program includes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define TALLY_INSIDE
# include "tally-version.h"
# include "tally-error.h"
# include "tally-outcome.h"
# include "tally-log-record.h"
# include "tally-test.h"
# include "tally-main-loop.h"
# include "tally-singletons.h"
# include "tally-assert.h"
# include "tally-async.h"
# include "tally-caplog.h"
# include "tally-registry.h"
# include "tally-main.h"
# include "tally-gtest.h"
#undef TALLY_INSIDE
