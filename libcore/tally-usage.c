/* tally-usage.c — CPU time and peak RSS per test, in a worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One getrusage (RUSAGE_SELF) as each test ends, diffed against the
 * previous one: the CPU of the whole worker (all its threads) between
 * two test ends, which is the test's own plus the little the worker
 * spends reading its next command. And one getrusage (RUSAGE_CHILDREN):
 * the processes a test spawned and waited for (a helper, a GSubprocess)
 * worked for it.
 *
 * ru_maxrss is not the worker's own peak: a process started with
 * posix_spawn() (vfork) or fork() inherits, at exec, the peak of the
 * memory it replaced, so every worker starts with the runner's peak
 * (200 MB of runner, 200 MB of "maxrss" in a 1.5 MB child). The kernel's
 * VmHWM (/proc/self/status) is the worker's own, but reading it costs
 * tens of µs. So: ru_maxrss above what it was at the start is exact (the
 * process's own peak passed the inherited one); below it, VmHWM is read
 * again only after 64 page faults since the last read, the only way the
 * resident set grows (a trivial test faults no pages).
 *
 * A getrusage() costs a syscall, as much as a trivial test's own work on
 * a virtual machine: a test that took less than CHEAP_US of wall time is
 * charged that wall time (all it can have used on one thread) and the
 * peak as it stood, without a call; the next test measured gets what the
 * worker used since the last call minus what was charged, so the CPU of
 * a worker's tests still adds up to the worker's.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "tally-usage-private.h"

#define FAULTS_BEFORE_READ 64
#define CHEAP_US 100

static struct rusage last;
static struct rusage last_children;
static long inherited_maxrss;   /* ru_maxrss at the start */
static gint64 peak_kb = -1;
static long faults_unread;
static gint64 charged_us;       /* to cheap tests since the last call */

static gint64
read_vm_hwm_kb (void)
{
  FILE *file = fopen ("/proc/self/status", "re");
  char line[256];
  gint64 kb = -1;

  if (file == NULL)
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

static gint64
cpu_of (const struct rusage *usage)
{
  return (gint64) (usage->ru_utime.tv_sec + usage->ru_stime.tv_sec) * G_USEC_PER_SEC
         + usage->ru_utime.tv_usec + usage->ru_stime.tv_usec;
}

void
tally_usage_start (void)
{
  getrusage (RUSAGE_SELF, &last);
  getrusage (RUSAGE_CHILDREN, &last_children);
  inherited_maxrss = last.ru_maxrss;
  peak_kb = read_vm_hwm_kb ();
  faults_unread = 0;
  charged_us = 0;
}

void
tally_usage_take (gint64  duration_us,
                  gint64 *cpu_us,
                  gint64 *max_rss_kb)
{
  struct rusage now, children;

  /* No process is spawned and waited for in so little time. */
  if (duration_us >= 0 && duration_us < CHEAP_US && peak_kb >= 0)
    {
      *cpu_us = duration_us;
      *max_rss_kb = peak_kb;
      charged_us += duration_us;
      return;
    }
  if (getrusage (RUSAGE_SELF, &now) < 0)
    {
      *cpu_us = *max_rss_kb = -1;
      return;
    }
  *cpu_us = MAX (cpu_of (&now) - cpu_of (&last) - charged_us, 0);
  charged_us = 0;
  if (getrusage (RUSAGE_CHILDREN, &children) == 0)
    {
      *cpu_us += MAX (cpu_of (&children) - cpu_of (&last_children), 0);
      last_children = children;
    }
  faults_unread += (now.ru_minflt - last.ru_minflt) + (now.ru_majflt - last.ru_majflt);
  last = now;

  if (now.ru_maxrss > inherited_maxrss)
    peak_kb = MAX (peak_kb, now.ru_maxrss);
  else if (faults_unread >= FAULTS_BEFORE_READ || peak_kb < 0)
    {
      peak_kb = MAX (peak_kb, read_vm_hwm_kb ());
      faults_unread = 0;
    }
  *max_rss_kb = peak_kb;
}

void
tally_usage_forget_children (void)
{
  getrusage (RUSAGE_CHILDREN, &last_children);
}
