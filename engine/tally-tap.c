/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-tap-private.h"

/* A line longer than this without a newline is handed out as output,
 * so a program that never prints a newline cannot grow the buffer. */
#define MAX_LINE (1024 * 1024)

struct _TallyTapParser
{
  GByteArray *buffer;
  gsize start;                  /* where the next line begins */
  gsize scanned;                /* buffer up to here holds no newline after start */
  gboolean in_yaml;
  gboolean after_result;        /* the previous line was a result */
  gboolean finished;
};

void
tally_tap_event_clear (TallyTapEvent *event)
{
  g_clear_pointer (&event->description, g_free);
  g_clear_pointer (&event->text, g_free);
  g_clear_pointer (&event->raw, g_bytes_unref);
  memset (event, 0, sizeof *event);
}

static gboolean
has_prefix (const char *line,
            gsize       len,
            const char *prefix)
{
  gsize plen = strlen (prefix);

  return len >= plen && memcmp (line, prefix, plen) == 0;
}

static char *
dup_stripped (const char *start,
              gsize       len)
{
  char *text = g_utf8_make_valid (start, len);

  g_strstrip (text);
  if (*text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

/* Reads digits at *p into @value; FALSE on none or overflow. */
static gboolean
scan_number (const char **p,
             const char  *end,
             guint64     *value)
{
  const char *start = *p;

  *value = 0;
  while (*p < end && g_ascii_isdigit (**p))
    {
      guint digit = **p - '0';

      if (*value > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      *value = *value * 10 + digit;
      (*p)++;
    }
  return *p > start;
}

static void
skip_blanks (const char **p,
             const char  *end)
{
  while (*p < end && (**p == ' ' || **p == '\t'))
    (*p)++;
}

static void
set_malformed (TallyTapEvent *event,
               const char    *why)
{
  event->kind = TALLY_TAP_MALFORMED;
  g_free (event->text);
  event->text = g_strdup (why);
}

/* Finds " # SKIP" or " # TODO" (any case) in [p, end); returns the '#'. */
static const char *
find_directive (const char        *p,
                const char        *end,
                TallyTapDirective *directive)
{
  for (const char *hash = p; hash < end; hash++)
    {
      const char *word;

      if (*hash != '#' || (hash > p && hash[-1] == '\\'))
        continue;
      if (hash > p && hash[-1] != ' ' && hash[-1] != '\t')
        continue;
      word = hash + 1;
      skip_blanks (&word, end);
      if (end - word >= 4 && g_ascii_strncasecmp (word, "skip", 4) == 0)
        *directive = TALLY_TAP_DIRECTIVE_SKIP;
      else if (end - word >= 4 && g_ascii_strncasecmp (word, "todo", 4) == 0)
        *directive = TALLY_TAP_DIRECTIVE_TODO;
      else
        continue;
      return hash;
    }
  return NULL;
}

static void
parse_directive (const char    *hash,
                 const char    *end,
                 TallyTapEvent *event)
{
  const char *p = hash + 1;

  skip_blanks (&p, end);
  /* "SKIP", "skipped", "TODO": the word, then the reason */
  while (p < end && *p != ' ' && *p != '\t' && *p != ':')
    p++;
  if (p < end && *p == ':')
    p++;
  event->text = dup_stripped (p, end - p);
}

static void
parse_result (const char    *line,
              const char    *end,
              TallyTapEvent *event)
{
  const char *p = line;
  const char *hash;
  TallyTapDirective directive = TALLY_TAP_DIRECTIVE_NONE;

  event->kind = TALLY_TAP_RESULT;
  event->ok = *p == 'o';
  p += event->ok ? 2 : 6;
  skip_blanks (&p, end);
  if (p < end && g_ascii_isdigit (*p) && !scan_number (&p, end, &event->number))
    {
      set_malformed (event, "the test number is too large");
      return;
    }
  skip_blanks (&p, end);
  if (p < end && *p == '-' && (p + 1 == end || p[1] == ' ' || p[1] == '\t'))
    p++;

  hash = find_directive (p, end, &directive);
  event->description = dup_stripped (p, (hash ? hash : end) - p);
  if (hash != NULL)
    {
      event->directive = directive;
      parse_directive (hash, end, event);
    }
}

static void
parse_plan (const char    *line,
            const char    *end,
            TallyTapEvent *event)
{
  const char *p = line + 3;
  TallyTapDirective directive = TALLY_TAP_DIRECTIVE_NONE;
  const char *hash;

  event->kind = TALLY_TAP_PLAN;
  if (!scan_number (&p, end, &event->plan_count))
    {
      set_malformed (event, "the plan has no valid count");
      return;
    }
  skip_blanks (&p, end);
  if (p == end)
    return;
  if ((hash = find_directive (p, end, &directive)) == p)
    {
      event->directive = directive;
      parse_directive (hash, end, event);
    }
  else if (*p != '#')
    set_malformed (event, "unexpected text after the plan");
}

/* "ok" and "not ok" must be whole words. */
static gboolean
is_result (const char *line,
           gsize       len)
{
  gsize word;

  if (has_prefix (line, len, "ok"))
    word = 2;
  else if (has_prefix (line, len, "not ok"))
    word = 6;
  else
    return FALSE;
  return len == word || line[word] == ' ' || line[word] == '\t';
}

/**
 * tally_tap_parse_line:
 * @line: one line, without its newline; need not be UTF-8 or NUL-terminated
 * @len: its length
 * @in_yaml: whether a YAML block is open
 * @event: (out caller-allocates): the line's meaning
 *
 * Parses one TAP line.
 */
void
tally_tap_parse_line (const char    *line,
                      gsize          len,
                      gboolean       in_yaml,
                      TallyTapEvent *event)
{
  const char *end = line + len;

  memset (event, 0, sizeof *event);
  if (len > 0 && line[len - 1] == '\r')
    end--, len--;

  if (in_yaml)
    {
      event->kind = TALLY_TAP_YAML;
      event->text = g_utf8_make_valid (line, len);
    }
  else if (is_result (line, len))
    parse_result (line, end, event);
  else if (has_prefix (line, len, "1.."))
    parse_plan (line, end, event);
  else if (has_prefix (line, len, "Bail out!"))
    {
      event->kind = TALLY_TAP_BAIL_OUT;
      event->text = dup_stripped (line + 9, len - 9);
    }
  else if (has_prefix (line, len, "TAP version "))
    {
      const char *p = line + 12;
      guint64 version;

      event->kind = TALLY_TAP_VERSION;
      if (!scan_number (&p, end, &version) || p != end)
        set_malformed (event, "the TAP version is not a number");
    }
  else if (has_prefix (line, len, "#"))
    {
      event->kind = TALLY_TAP_COMMENT;
      event->text = g_utf8_make_valid (line + 1 + (len > 1 && line[1] == ' '),
                                       len - 1 - (len > 1 && line[1] == ' '));
    }
  else
    event->kind = TALLY_TAP_OTHER;
}

TallyTapParser *
tally_tap_parser_new (void)
{
  TallyTapParser *parser = g_new0 (TallyTapParser, 1);

  parser->buffer = g_byte_array_new ();
  return parser;
}

void
tally_tap_parser_free (TallyTapParser *parser)
{
  if (parser == NULL)
    return;
  g_byte_array_unref (parser->buffer);
  g_free (parser);
}

void
tally_tap_parser_push (TallyTapParser *parser,
                       const void     *data,
                       gsize           len)
{
  g_byte_array_append (parser->buffer, data, len);
}

gsize
tally_tap_parser_pending (TallyTapParser *parser)
{
  return parser->buffer->len - parser->start;
}

void
tally_tap_parser_finish (TallyTapParser *parser)
{
  parser->finished = TRUE;
}

/* Whether an indented line opens or closes a YAML block. */
static gboolean
is_yaml_marker (const char *line,
                gsize       len,
                const char *marker)
{
  const char *p = line, *end = line + len;

  if (p == end || (*p != ' ' && *p != '\t'))
    return FALSE;
  skip_blanks (&p, end);
  while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  return (gsize) (end - p) == strlen (marker) && memcmp (p, marker, end - p) == 0;
}

static void
classify (TallyTapParser *parser,
          const char     *line,
          gsize           len,
          TallyTapEvent  *event)
{
  if (!parser->in_yaml && parser->after_result && is_yaml_marker (line, len, "---"))
    {
      parser->in_yaml = TRUE;
      memset (event, 0, sizeof *event);
      event->kind = TALLY_TAP_YAML;
      event->text = g_strdup ("---");
    }
  else if (parser->in_yaml && is_yaml_marker (line, len, "..."))
    {
      parser->in_yaml = FALSE;
      memset (event, 0, sizeof *event);
      event->kind = TALLY_TAP_YAML;
      event->text = g_strdup ("...");
    }
  else
    tally_tap_parse_line (line, len, parser->in_yaml, event);

  parser->after_result = event->kind == TALLY_TAP_RESULT
                         || (parser->after_result && event->kind == TALLY_TAP_YAML);
}

/* Drops consumed bytes once they are most of the buffer, so reading
 * many lines stays linear. */
static void
compact (TallyTapParser *parser)
{
  if (parser->start > 0 && parser->start * 2 >= parser->buffer->len)
    {
      g_byte_array_remove_range (parser->buffer, 0, parser->start);
      parser->scanned -= parser->start;
      parser->start = 0;
    }
}

gboolean
tally_tap_parser_next (TallyTapParser *parser,
                       TallyTapEvent  *event)
{
  GByteArray *buffer = parser->buffer;
  const guint8 *line;
  gsize available = buffer->len - parser->start;
  const guint8 *nl = NULL;
  gsize line_len, take;

  /* An empty buffer may have no data at all: no pointer arithmetic. */
  if (available == 0)
    {
      compact (parser);
      return FALSE;
    }
  line = buffer->data + parser->start;

  if (parser->scanned < parser->start)
    parser->scanned = parser->start;
  if (buffer->len > parser->scanned)
    nl = memchr (buffer->data + parser->scanned, '\n', buffer->len - parser->scanned);

  if (nl != NULL)
    line_len = nl - line, take = line_len + 1;
  else if (available >= MAX_LINE || (parser->finished && available > 0))
    line_len = take = available;
  else
    {
      parser->scanned = buffer->len;
      compact (parser);
      return FALSE;
    }

  if (nl == NULL && available >= MAX_LINE)
    {
      memset (event, 0, sizeof *event);
      event->kind = TALLY_TAP_OTHER;
    }
  else
    classify (parser, (const char *) line, line_len, event);

  event->raw = g_bytes_new (line, take);
  parser->start += take;
  parser->scanned = parser->start;
  compact (parser);
  return TRUE;
}
