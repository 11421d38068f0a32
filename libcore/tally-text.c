/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-text-private.h"

char *
tally_text_inert (const char *data,
                  gssize      len,
                  gboolean    keep_newlines)
{
  GString *out;
  const char *p, *end;

  if (data == NULL)
    return g_strdup ("");
  if (len < 0)
    len = strlen (data);

  out = g_string_sized_new (len + 16);
  p = data;
  end = data + len;

  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guint8) *p);
          p++;
          continue;
        }

      if ((c == '\n' || c == '\t') && keep_newlines)
        g_string_append_c (out, (char) c);
      else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);

      p = g_utf8_next_char (p);
    }

  return g_string_free (out, FALSE);
}

const char *
tally_text_intern_after (const char **last,
                         const char  *text)
{
  if (text == NULL || *last == NULL || strcmp (text, *last) != 0)
    *last = g_intern_string (text);
  return *last;
}

void
tally_text_append_json_string (GString    *out,
                               const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    text = "";
  else if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

void
tally_text_append_prefixed (GString    *out,
                            const char *prefix,
                            const char *data)
{
  const char *line = data;

  while (line && *line)
    {
      const char *nl = strchr (line, '\n');
      gsize n = nl ? (gsize) (nl - line) : strlen (line);

      g_string_append (out, prefix);
      g_string_append_len (out, line, n);
      g_string_append_c (out, '\n');
      line = nl ? nl + 1 : NULL;
    }
}
