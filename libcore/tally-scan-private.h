/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the marker-string parser and the expression parser share: the
 * character classes of their grammars, error messages that point at a
 * 1-based column (counted in characters), and double-quoted strings with
 * \" and \\ escapes. */

static inline gboolean
tally_scan_is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline gboolean
tally_scan_is_name_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static inline gboolean
tally_scan_is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '-';
}

int       tally_scan_column        (const char  *text,
                                    const char  *at);
gboolean  tally_scan_fail          (const char  *text,
                                    const char  *at,
                                    GError     **error,
                                    const char  *format,
                                    ...) G_GNUC_PRINTF (4, 5);
char     *tally_scan_describe_char (const char  *at);
/* Scans the quoted string that starts at *p (on the '"') and leaves *p
 * after the closing quote; @noun names it in errors ("value", "string"). */
gboolean  tally_scan_quoted        (const char  *text,
                                    const char **p,
                                    const char  *noun,
                                    char       **out,
                                    GError     **error);

G_END_DECLS
