/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>

#include "tally-cpu-load-private.h"

struct _TallyCpuLoad
{
  char *path;
  guint64 total;             /* the previous reading, in clock ticks */
  guint64 idle;              /* idle + iowait */
  gboolean primed;
};

TallyCpuLoad *
tally_cpu_load_new (void)
{
  TallyCpuLoad *load = g_new0 (TallyCpuLoad, 1);
  const char *path = g_getenv ("TALLY_PROC_STAT");

  load->path = g_strdup (path != NULL && *path != '\0' ? path : "/proc/stat");
  return load;
}

/* The first line: "cpu  user nice system idle iowait irq softirq steal …"
 * (guest time is already counted in user and nice). */
static gboolean
read_counters (const char *path,
               guint64    *total,
               guint64    *idle)
{
  guint64 v[8] = { 0 };
  char line[256];
  FILE *file = fopen (path, "re");
  int n;

  if (file == NULL)
    return FALSE;
  n = fgets (line, sizeof line, file) != NULL
      ? sscanf (line, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
      : 0;
  fclose (file);
  if (n < 4)
    return FALSE;

  *total = 0;
  for (int i = 0; i < 8; i++)
    *total += v[i];
  *idle = v[3] + v[4];
  return TRUE;
}

gboolean
tally_cpu_load_sample (TallyCpuLoad *load,
                       double       *busy)
{
  guint64 total, idle, d_total, d_idle;
  gboolean had = load->primed;

  if (!read_counters (load->path, &total, &idle))
    return FALSE;
  /* Counters that went backwards (a rewritten fake file): start over. */
  if (!had || total < load->total || idle < load->idle)
    {
      load->total = total, load->idle = idle, load->primed = TRUE;
      return FALSE;
    }

  d_total = total - load->total;
  d_idle = idle - load->idle;
  if (d_total == 0)
    return FALSE;
  load->total = total, load->idle = idle;
  if (busy != NULL)
    *busy = 1.0 - (double) MIN (d_idle, d_total) / (double) d_total;
  return TRUE;
}

void
tally_cpu_load_free (TallyCpuLoad *load)
{
  if (load == NULL)
    return;
  g_free (load->path);
  g_free (load);
}
