/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-log-record.h"

G_BEGIN_DECLS

/* Reading GLib's own text output back into log records: what the
 * default log handler writes to stderr, what GTest writes to its TAP
 * stream, and the assertion line g_assert() leaves before aborting.
 * Pure functions over one line; NULL/FALSE when a line is not one. */

/* "(prog:PID): Domain-WARNING **: 12:00:00.000: text", "** Message: …",
 * "Domain-INFO: …", "** (process:PID): DEBUG: …" */
TallyLogRecord *tally_glib_log_parse_stderr_line (const char  *line,
                                                  gsize        len);
/* The text of a TAP comment from a GTest program in --tap mode:
 * "Domain-MESSAGE: text", "WARNING: text"; any other comment that is
 * not GTest's own chatter ("Start of … tests", "random seed: …") is
 * g_test_message() text and becomes a MESSAGE in the "GTest" domain. */
TallyLogRecord *tally_glib_log_parse_tap_comment (const char  *text);
/* "[Domain:]ERROR:file:line:func: message" (g_assert*) and
 * "Domain-FATAL-LEVEL: message" (a fatal log): a failure's message and,
 * for an assertion, its location. */
gboolean        tally_glib_log_parse_failure     (const char  *text,
                                                  char       **message,
                                                  char       **file,
                                                  int         *line);

G_END_DECLS
