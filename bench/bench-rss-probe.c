/* bench-rss-probe.c — LD_PRELOAD probe: each process's own peak RSS
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * wait4() and /usr/bin/time -v report the largest peak RSS of a process
 * *tree*, which for `tally run` is usually a worker. The budget is about the
 * runner itself, so bench/run preloads this into `tally run`: at exit,
 * every process that has it appends "NAME PID PEAK_KB" to the file
 * $BENCH_RSS_FILE. The peak is VmHWM from /proc/self/status, the high-water
 * mark of this process's own memory since its exec: getrusage()'s ru_maxrss
 * is not, as exec() carries over the RSS of the process that forked (for a
 * worker, the runner's).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bench_rss_probe_report (void) __attribute__ ((destructor));

void
bench_rss_probe_report (void)
{
  const char *path = getenv ("BENCH_RSS_FILE");
  char name[64] = "?", line[256];
  long peak_kb = -1;
  int fd, len;
  FILE *f;

  if (path == NULL)
    return;

  f = fopen ("/proc/self/status", "r");
  if (f == NULL)
    return;
  while (fgets (line, sizeof line, f) != NULL)
    if (sscanf (line, "VmHWM: %ld kB", &peak_kb) == 1)
      break;
  fclose (f);

  f = fopen ("/proc/self/comm", "r");
  if (f != NULL)
    {
      if (fgets (name, sizeof name, f) != NULL)
        name[strcspn (name, "\n")] = '\0';
      fclose (f);
    }

  len = snprintf (line, sizeof line, "%s %ld %ld\n", name, (long) getpid (), peak_kb);
  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  if (write (fd, line, len) != len)
    {
      /* nothing to do: the runner's number is then missing from the table */
    }
  close (fd);
}
