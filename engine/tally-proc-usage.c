/* tally-proc-usage.c — what a GTest or plain program has used so far
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GSubprocess reaps its children in GLib's worker thread with
 * waitpid(), which drops their rusage; so a GTest process is read while
 * it runs, from /proc, as each case's result arrives: its CPU so far
 * (the difference from the previous case is the case's) and its own
 * peak resident set (VmHWM, not ru_maxrss: that one starts at the
 * runner's peak in a process the runner spawned). The CPU includes
 * the children it has waited for, as wait4()'s figure does.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tally-proc-usage-private.h"

static gboolean
read_cpu (pid_t   pid,
          gint64 *cpu_us)
{
  char path[64], buf[1024];
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;
  FILE *file;
  size_t n;
  long ticks = sysconf (_SC_CLK_TCK);

  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if ((file = fopen (path, "re")) == NULL)
    return FALSE;
  n = fread (buf, 1, sizeof buf - 1, file);
  fclose (file);
  buf[n] = '\0';
  /* The name in parentheses may hold spaces and ')': the fields start
   * after the last ')'. Then state (3) … utime (14), stime (15), and
   * cutime (16), cstime (17): the children it waited for, which are the
   * test's too (g_test_trap_subprocess(), a helper it spawned); wait4()
   * counts them in the final figure as well. */
  after = strrchr (buf, ')');
  if (after == NULL || ticks <= 0)
    return FALSE;
  fields = g_strsplit (after + 2, " ", 16);
  if (g_strv_length (fields) < 16)
    return FALSE;
  *cpu_us = (g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10)
             + g_ascii_strtoll (fields[13], NULL, 10) + g_ascii_strtoll (fields[14], NULL, 10))
            * G_USEC_PER_SEC / ticks;
  return TRUE;
}

static gint64
read_hwm (pid_t pid)
{
  char path[64], line[256];
  gint64 kb = -1;
  FILE *file;

  g_snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  if ((file = fopen (path, "re")) == NULL)
    return -1;
  while (fgets (line, sizeof line, file) != NULL)
    if (strncmp (line, "VmHWM:", 6) == 0)
      {
        kb = g_ascii_strtoll (line + 6, NULL, 10);
        break;
      }
  fclose (file);
  return kb;
}

gboolean
tally_proc_read_usage (pid_t   pid,
                       gint64 *cpu_us,
                       gint64 *max_rss_kb)
{
  if (pid <= 0 || !read_cpu (pid, cpu_us))
    return FALSE;
  *max_rss_kb = read_hwm (pid);
  return TRUE;
}
