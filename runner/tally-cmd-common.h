/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "tally-program-private.h"

G_BEGIN_DECLS

/* Prints "CMD: message" on stderr; always returns @status. */
int tally_cmd_fail (const char *cmd,
                    int         status,
                    const char *format,
                    ...) G_GNUC_PRINTF (3, 4);

/* Discovers each program; on failure prints one line and sets *status
 * (4 for a missing or non-executable program, 3 for one that misbehaves). */
GPtrArray *tally_cmd_discover (const char  *cmd,
                               char       **paths,
                               int         *status);

/* The tests of @programs that -m and -k leave, in order; NULL with a
 * printed error (exit 4) for a malformed expression. */
GPtrArray *tally_cmd_select   (const char  *cmd,
                               GPtrArray   *programs,
                               const char  *marker_expr,
                               const char  *keyword_expr);

/* --strict-markers: every marker used must be built in or declared by
 * its program. Prints the first offence. */
gboolean   tally_cmd_check_strict_markers (const char *cmd,
                                           GPtrArray  *tests);

gboolean   tally_cmd_use_colour (FILE *stream);

G_END_DECLS
