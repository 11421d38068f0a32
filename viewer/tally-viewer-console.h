/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* Text of the detail pane's pages, without widgets: log lines, the
 * crash report's parts, the console (log records and output). */

/* Width of the time field of a log line, and where its level starts
 * (bytes: both fields are ASCII). */
#define TALLY_VIEWER_LOG_TIME_WIDTH 10
#define TALLY_VIEWER_LOG_LEVEL_START (TALLY_VIEWER_LOG_TIME_WIDTH + 2)
#define TALLY_VIEWER_LOG_LEVEL_WIDTH 8

/* "12.3 ms", "1.431 s", "-0.2 ms": ASCII only. */
void   tally_viewer_append_offset      (GString              *out,
                                        gint64                offset_us);
/* One line: time since the test started, level, domain, message (its
 * first line, cut at @max_chars; -1: the whole message). */
void   tally_viewer_append_log_line    (GString              *out,
                                        const TallyLogRecord *record,
                                        gint64                started_at_us,
                                        gssize                max_chars);
/* "SIGSEGV", or "signal N". */
char  *tally_viewer_signal_name        (int                   signum);
/* A crash message is "HEAD\nbacktrace:\n#0 …": its two parts. @frames
 * is NULL when there is no backtrace. */
void   tally_viewer_split_backtrace    (const char           *message,
                                        gsize                 len,
                                        char                **head,
                                        char                **frames);
/* Lines in @bytes (a last line without a newline counts). */
guint  tally_viewer_count_lines        (GBytes               *bytes);
/* The last @n_lines lines of @bytes, valid UTF-8. */
char  *tally_viewer_tail_lines         (GBytes               *bytes,
                                        guint                 n_lines);

G_END_DECLS
