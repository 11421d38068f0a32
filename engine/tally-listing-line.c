/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-listing-line-private.h"

/* A listing's test lines are flat JSON objects of strings and integers
 * (tally-list.c). json-glib builds a tree of GObjects for each: at a
 * million tests that was most of the runner's listing time. This reads
 * exactly that shape; anything else (nesting, floats, a string with
 * \u0000 or invalid UTF-8, a syntax error) makes tally_listing_line_parse()
 * return FALSE, and the caller hands the line to json-glib, which
 * accepts or refuses it as before. */

typedef struct
{
  const char *p;
  const char *end;
} Cursor;

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
    c->p++;
}

static gboolean
expect (Cursor *c,
        char    ch)
{
  skip_space (c);
  if (c->p >= c->end || *c->p != ch)
    return FALSE;
  c->p++;
  return TRUE;
}

static int
hex_digit (char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Cursor   *c,
           gunichar *out)
{
  gunichar value = 0;

  if (c->end - c->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int digit = hex_digit (c->p[i]);

      if (digit < 0)
        return FALSE;
      value = value * 16 + digit;
    }
  c->p += 4;
  *out = value;
  return TRUE;
}

/* A \u escape after the "\u": one code point, or a surrogate pair. */
static gboolean
read_unicode_escape (Cursor  *c,
                     GString *out)
{
  gunichar ch, low;

  if (!read_hex4 (c, &ch))
    return FALSE;
  if (ch >= 0xd800 && ch < 0xdc00)
    {
      if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u')
        return FALSE;
      c->p += 2;
      if (!read_hex4 (c, &low) || low < 0xdc00 || low >= 0xe000)
        return FALSE;
      ch = 0x10000 + ((ch - 0xd800) << 10) + (low - 0xdc00);
    }
  else if (ch >= 0xdc00 && ch < 0xe000)
    return FALSE;
  if (ch == 0)
    return FALSE;
  g_string_append_unichar (out, ch);
  return TRUE;
}

static gboolean
read_escape (Cursor  *c,
             GString *out)
{
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  const char *found;

  if (c->p >= c->end)
    return FALSE;
  if (*c->p == 'u')
    {
      c->p++;
      return read_unicode_escape (c, out);
    }
  if ((found = strchr (from, *c->p)) == NULL || *c->p == '\0')
    return FALSE;
  g_string_append_c (out, to[found - from]);
  c->p++;
  return TRUE;
}

/* A string after its opening quote, into @out (which may be NULL). */
static gboolean
read_string (Cursor  *c,
             GString *out)
{
  g_autoptr(GString) scratch = NULL;

  if (out == NULL)
    out = scratch = g_string_new (NULL);
  g_string_truncate (out, 0);
  while (c->p < c->end)
    {
      const char *run = c->p;

      while (c->p < c->end && *c->p != '"' && *c->p != '\\' && (guchar) *c->p >= 0x20)
        c->p++;
      g_string_append_len (out, run, c->p - run);
      if (c->p >= c->end || (guchar) *c->p < 0x20)
        return FALSE;
      if (*c->p++ == '"')
        return g_utf8_validate (out->str, out->len, NULL);
      if (!read_escape (c, out))
        return FALSE;
    }
  return FALSE;
}

/* An integer: what "line" holds. */
static gboolean
read_integer (Cursor *c,
              gint64 *out)
{
  gboolean negative = FALSE;
  const char *digits;
  guint64 value = 0;

  if (c->p < c->end && *c->p == '-')
    negative = TRUE, c->p++;
  digits = c->p;
  while (c->p < c->end && g_ascii_isdigit (*c->p) && c->p - digits < 18)
    value = value * 10 + (*c->p++ - '0');
  if (c->p == digits || (c->p < c->end && strchr (".eE0123456789", *c->p) != NULL)
      || (digits[0] == '0' && c->p - digits > 1))
    return FALSE;
  *out = negative ? -(gint64) value : (gint64) value;
  return TRUE;
}

static gboolean
read_literal (Cursor     *c,
              const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return FALSE;
  c->p += len;
  return TRUE;
}

/* A member's value: strings and integers are kept for the members the
 * listing has, others skipped if they are scalars. */
static gboolean
read_value (Cursor           *c,
            TallyListingLine *line,
            const char       *key)
{
  GString *target = NULL;
  gboolean *seen = NULL;

  skip_space (c);
  if (c->p >= c->end)
    return FALSE;

  if (strcmp (key, "path") == 0)
    target = line->path, seen = &line->has_path;
  else if (strcmp (key, "file") == 0)
    target = line->file, seen = &line->has_file;
  else if (strcmp (key, "markers") == 0)
    target = line->markers, seen = &line->has_markers;

  if (*c->p == '"')
    {
      c->p++;
      if (!read_string (c, target))
        return FALSE;
      if (seen != NULL)
        *seen = TRUE;
      if (strcmp (key, "line") == 0)
        return FALSE;        /* json-glib's answer for a string line */
      return TRUE;
    }
  if (seen != NULL)
    *seen = FALSE;           /* a non-string value: as if absent */
  if (*c->p == '-' || g_ascii_isdigit (*c->p))
    {
      gint64 value;

      if (!read_integer (c, &value))
        return FALSE;
      if (strcmp (key, "line") == 0)
        line->line = value, line->has_line = TRUE;
      return TRUE;
    }
  if (strcmp (key, "line") == 0)
    return FALSE;
  return read_literal (c, "true") || read_literal (c, "false") || read_literal (c, "null");
}

void
tally_listing_line_init (TallyListingLine *line)
{
  line->path = g_string_sized_new (128);
  line->file = g_string_sized_new (128);
  line->markers = g_string_sized_new (64);
  line->key = g_string_sized_new (16);
}

void
tally_listing_line_clear (TallyListingLine *line)
{
  g_string_free (line->path, TRUE);
  g_string_free (line->file, TRUE);
  g_string_free (line->markers, TRUE);
  g_string_free (line->key, TRUE);
}

/**
 * tally_listing_line_parse:
 * @line: where the members go
 * @text: one line of a listing, without its newline
 * @len: its length
 *
 * Returns: %TRUE if @text is a flat JSON object this parser reads;
 *   %FALSE if it is anything else, to be parsed by json-glib instead
 */
gboolean
tally_listing_line_parse (TallyListingLine *line,
                          const char       *text,
                          gsize             len)
{
  Cursor c = { text, text + len };
  GString *key = line->key;

  line->has_path = line->has_file = line->has_line = line->has_markers = FALSE;
  line->line = 0;

  if (!expect (&c, '{'))
    return FALSE;
  skip_space (&c);
  if (c.p < c.end && *c.p == '}')
    c.p++;
  else
    for (;;)
      {
        if (!expect (&c, '"') || !read_string (&c, key) || !expect (&c, ':')
            || !read_value (&c, line, key->str))
          return FALSE;
        skip_space (&c);
        if (c.p < c.end && *c.p == ',')
          {
            c.p++;
            continue;
          }
        if (!expect (&c, '}'))
          return FALSE;
        break;
      }
  skip_space (&c);
  return c.p == c.end;
}
