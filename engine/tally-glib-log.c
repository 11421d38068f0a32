/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tally-glib-log-private.h"

typedef struct
{
  const char *word;
  GLogLevelFlags level;
} LevelWord;

/* The words GLib's default handler and GTest's TAP output use. */
static const LevelWord level_words[] = {
  { "ERROR", G_LOG_LEVEL_ERROR },
  { "CRITICAL", G_LOG_LEVEL_CRITICAL },
  { "WARNING", G_LOG_LEVEL_WARNING },
  { "Message", G_LOG_LEVEL_MESSAGE },
  { "MESSAGE", G_LOG_LEVEL_MESSAGE },
  { "INFO", G_LOG_LEVEL_INFO },
  { "DEBUG", G_LOG_LEVEL_DEBUG },
};

static gboolean
level_from_word (const char     *word,
                 gsize           len,
                 GLogLevelFlags *level)
{
  for (guint i = 0; i < G_N_ELEMENTS (level_words); i++)
    if (strlen (level_words[i].word) == len && memcmp (level_words[i].word, word, len) == 0)
      {
        *level = level_words[i].level;
        return TRUE;
      }
  return FALSE;
}

/* "Domain-LEVEL" or "LEVEL" (domain NULL); no blanks allowed. */
static gboolean
split_head (const char      *head,
            gsize            len,
            char           **domain,
            GLogLevelFlags  *level)
{
  const char *dash = NULL;

  if (len == 0 || memchr (head, ' ', len) || memchr (head, '\t', len))
    return FALSE;
  for (const char *p = head; p < head + len; p++)
    if (*p == '-')
      dash = p;

  if (dash == NULL)
    {
      *domain = NULL;
      return level_from_word (head, len, level);
    }
  if (dash == head || !level_from_word (dash + 1, head + len - dash - 1, level))
    return FALSE;
  *domain = g_strndup (head, dash - head);
  return TRUE;
}

/* "12:34:56.789: " */
static gsize
timestamp_length (const char *p,
                  gsize       len)
{
  static const char shape[] = "dd:dd:dd.ddd: ";

  if (len < sizeof shape - 1)
    return 0;
  for (gsize i = 0; i < sizeof shape - 1; i++)
    if (shape[i] == 'd' ? !g_ascii_isdigit (p[i]) : p[i] != shape[i])
      return 0;
  return sizeof shape - 1;
}

static TallyLogRecord *
record_new (GLogLevelFlags  level,
            char           *domain,
            const char     *message,
            gsize           len)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->level = level;
  record->domain = domain;
  record->message = g_strndup (message, len);
  record->message_len = strlen (record->message);
  record->time_us = g_get_real_time ();
  return record;
}

TallyLogRecord *
tally_glib_log_parse_stderr_line (const char *line,
                                  gsize       len)
{
  const char *p = line, *end = line + len, *colon, *head_end;
  char *domain = NULL;
  GLogLevelFlags level;
  gsize stamp;

  while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
    end--;
  if (end - p >= 3 && memcmp (p, "** ", 3) == 0)
    p += 3;
  if (p < end && *p == '(')
    {
      const char *close = memchr (p, ')', end - p);

      if (close == NULL || end - close < 3 || memcmp (close, "): ", 3) != 0)
        return NULL;
      p = close + 3;
    }

  colon = memchr (p, ':', end - p);
  if (colon == NULL || colon + 1 >= end || colon[1] != ' ')
    return NULL;
  head_end = colon;
  if (head_end - p >= 3 && memcmp (head_end - 3, " **", 3) == 0)
    head_end -= 3;
  if (!split_head (p, head_end - p, &domain, &level))
    return NULL;

  p = colon + 2;
  stamp = timestamp_length (p, end - p);
  p += stamp;
  return record_new (level, domain, p, end - p);
}

static gboolean
is_gtest_chatter (const char *text)
{
  return g_str_has_prefix (text, "Start of ") || g_str_has_prefix (text, "End of ")
         || g_str_has_prefix (text, "random seed:") || g_str_has_prefix (text, "Subtest:")
         || *text == '\0';
}

TallyLogRecord *
tally_glib_log_parse_tap_comment (const char *text)
{
  const char *colon = strchr (text, ':');
  char *domain = NULL;
  GLogLevelFlags level;

  if (colon != NULL && colon[1] == ' ' && split_head (text, colon - text, &domain, &level))
    return record_new (level, domain, colon + 2, strlen (colon + 2));
  if (is_gtest_chatter (text))
    return NULL;
  return record_new (G_LOG_LEVEL_MESSAGE, g_strdup ("GTest"), text, strlen (text));
}

/* "[Domain:]ERROR:file:line:func: message" */
static gboolean
parse_assertion (const char  *text,
                 char       **message,
                 char       **file,
                 int         *line)
{
  const char *error = strstr (text, "ERROR:");
  g_auto(GStrv) parts = NULL;
  char *end = NULL;
  long number;

  if (error == NULL || (error != text && error[-1] != ':'))
    return FALSE;
  parts = g_strsplit (error + strlen ("ERROR:"), ":", 4);
  if (g_strv_length (parts) < 4 || *parts[0] == '\0')
    return FALSE;
  number = strtol (parts[1], &end, 10);
  if (end == parts[1] || *end != '\0' || number < 0 || number > G_MAXINT)
    return FALSE;

  *file = g_strdup (parts[0]);
  *line = (int) number;
  *message = g_strdup (g_strstrip (parts[3]));
  return TRUE;
}

gboolean
tally_glib_log_parse_failure (const char  *text,
                              char       **message,
                              char       **file,
                              int         *line)
{
  *message = NULL;
  *file = NULL;
  *line = 0;

  if (text == NULL || *text == '\0')
    return FALSE;
  if (parse_assertion (text, message, file, line))
    return TRUE;
  *message = g_strdup (text);
  return strstr (text, "FATAL-") != NULL;
}
