/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-error.h"
#include "tally-scan-private.h"

/* The 1-based column of @at in @text, in characters. */
int
tally_scan_column (const char *text,
                   const char *at)
{
  return (int) g_utf8_strlen (text, at - text) + 1;
}

/* Sets a TALLY_ERROR_PARSE "column N: message" and returns FALSE. */
gboolean
tally_scan_fail (const char  *text,
                 const char  *at,
                 GError     **error,
                 const char  *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, TALLY_ERROR, TALLY_ERROR_PARSE,
               "column %d: %s", tally_scan_column (text, at), message);
  return FALSE;
}

/* The character at @at, as text for an error message. */
char *
tally_scan_describe_char (const char *at)
{
  if (*at == '\0')
    return g_strdup ("end of text");
  if (*at == '\n')
    return g_strdup ("a newline");
  if (*at == '\t')
    return g_strdup ("a tab");
  if ((guchar) *at < ' ' || *at == 0x7f)
    return g_strdup_printf ("character 0x%02x", (guchar) *at);

  return g_strdup_printf ("'%.*s'", (int) (g_utf8_next_char (at) - at), at);
}

gboolean
tally_scan_quoted (const char  *text,
                   const char **p,
                   const char  *noun,
                   char       **out,
                   GError     **error)
{
  const char *open = *p;
  const char *at = *p + 1;
  g_autoptr(GString) value = g_string_new (NULL);

  for (; *at != '"'; at++)
    {
      if (*at == '\0')
        return tally_scan_fail (text, open, error, "unterminated quoted %s", noun);

      if (*at == '\\')
        {
          at++;
          if (*at != '"' && *at != '\\')
            {
              g_autofree char *what = tally_scan_describe_char (at);
              return tally_scan_fail (text, at - 1, error,
                                      "unknown escape in quoted %s: only \\\" and \\\\ "
                                      "are allowed, got %s after '\\'",
                                      noun, what);
            }
        }

      g_string_append_c (value, *at);
    }

  *p = at + 1;
  *out = g_string_free (g_steal_pointer (&value), FALSE);
  return TRUE;
}
