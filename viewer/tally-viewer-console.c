/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "tally-viewer-console.h"
#include "tally-viewer-util.h"

#define BACKTRACE_MARK "\nbacktrace:\n"

void
tally_viewer_append_offset (GString *out,
                            gint64   offset_us)
{
  const char *sign = offset_us < 0 ? "-" : "";
  gint64 us = ABS (offset_us);

  if (us < G_USEC_PER_SEC)
    g_string_append_printf (out, "%s%.1f ms", sign, us / 1000.0);
  else
    g_string_append_printf (out, "%s%.3f s", sign, us / (double) G_USEC_PER_SEC);
}

void
tally_viewer_append_log_line (GString              *out,
                              const TallyLogRecord *record,
                              gint64                started_at_us,
                              gssize                max_chars)
{
  gsize start = out->len;
  gsize time_len;
  const char *level = tally_viewer_level_label (record->level);

  tally_viewer_append_offset (out, record->time_us - started_at_us);
  time_len = out->len - start;
  if (time_len < TALLY_VIEWER_LOG_TIME_WIDTH)
    {
      /* Right-aligned. */
      g_string_insert_len (out, start, "          ", TALLY_VIEWER_LOG_TIME_WIDTH - time_len);
    }
  g_string_append (out, "  ");
  g_string_append_printf (out, "%-*s", TALLY_VIEWER_LOG_LEVEL_WIDTH, level);
  g_string_append (out, "  ");
  if (record->domain != NULL && *record->domain != '\0')
    {
      g_autofree char *domain = tally_viewer_text_for_display (record->domain, -1, 60);

      g_string_append (out, domain);
      g_string_append (out, ": ");
    }
  if (max_chars >= 0)
    {
      g_autofree char *message = tally_viewer_first_line (record->message, record->message_len, max_chars);

      g_string_append (out, message);
    }
  else
    {
      g_autofree char *message = tally_viewer_text_for_display (record->message, record->message_len, -1);

      g_string_append (out, message);
    }
}

char *
tally_viewer_signal_name (int signum)
{
  static const struct { int signum; const char *name; } names[] = {
    { SIGABRT, "SIGABRT" }, { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGHUP, "SIGHUP" },
    { SIGILL, "SIGILL" }, { SIGINT, "SIGINT" }, { SIGKILL, "SIGKILL" }, { SIGPIPE, "SIGPIPE" },
    { SIGQUIT, "SIGQUIT" }, { SIGSEGV, "SIGSEGV" }, { SIGSYS, "SIGSYS" }, { SIGTERM, "SIGTERM" },
    { SIGTRAP, "SIGTRAP" }, { SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" }, { SIGALRM, "SIGALRM" },
    { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].signum == signum)
      return g_strdup (names[i].name);
  return g_strdup_printf ("signal %d", signum);
}

void
tally_viewer_split_backtrace (const char  *message,
                              gsize        len,
                              char       **head,
                              char       **frames)
{
  const char *mark = NULL;

  *head = NULL;
  *frames = NULL;
  if (message == NULL)
    return;
  /* The runner appends the backtrace last (engine/tally-session.c). */
  for (const char *p = message; p + strlen (BACKTRACE_MARK) <= message + len;)
    {
      const char *found = memchr (p, '\n', message + len - p);

      if (found == NULL)
        break;
      if ((gsize) (message + len - found) >= strlen (BACKTRACE_MARK)
          && memcmp (found, BACKTRACE_MARK, strlen (BACKTRACE_MARK)) == 0)
        mark = found;
      p = found + 1;
    }
  if (mark == NULL)
    {
      *head = tally_viewer_text_for_display (message, len, 20000);
      return;
    }
  *head = tally_viewer_text_for_display (message, mark - message, 20000);
  g_strchomp (*head);
  *frames = tally_viewer_text_for_display (mark + strlen (BACKTRACE_MARK),
                                           message + len - mark - strlen (BACKTRACE_MARK), 100000);
}

guint
tally_viewer_count_lines (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;
  guint n = 0;

  for (const char *p = data; p != NULL && p < data + size;)
    {
      const char *nl = memchr (p, '\n', data + size - p);

      n++;
      p = nl ? nl + 1 : data + size;
    }
  return n;
}

char *
tally_viewer_tail_lines (GBytes *bytes,
                         guint   n_lines)
{
  gsize size = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;
  gsize start = size;
  guint seen = 0;

  if (data == NULL || size == 0)
    return g_strdup ("");
  /* A trailing newline ends the last line, it does not start one. */
  if (data[start - 1] == '\n')
    start--;
  while (start > 0)
    {
      if (data[start - 1] == '\n' && ++seen == n_lines)
        break;
      start--;
    }
  /* At most 64 KiB of tail. */
  if (size - start > 64 * 1024)
    start = size - 64 * 1024;
  return tally_viewer_text_for_display (data + start, size - start, -1);
}
