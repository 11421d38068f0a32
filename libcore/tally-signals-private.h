/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes a write to a closed pipe fail with EPIPE instead of killing the
 * process. With a handler that does nothing rather than SIG_IGN: exec
 * resets handlers to the default but keeps an ignored signal ignored,
 * and what Tally starts (workers, GTest programs, the tests' children)
 * must begin with default dispositions, as under a shell. */
void tally_signals_catch_sigpipe (void);

/* Unblocks every signal of the calling thread, so that nothing Tally
 * starts inherits a blocked signal from whoever started Tally. */
void tally_signals_unblock_all   (void);

/* Sets back to their default the standard signals that whoever started
 * us left ignored (nohup, a background job of a script, Python all do,
 * and exec keeps SIG_IGN), except those in @keep (0-terminated, or
 * NULL): the tests and their children begin with default dispositions
 * however Tally was started. */
void tally_signals_default_ignored (const int *keep);

G_END_DECLS
