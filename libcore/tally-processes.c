/* tally-processes.c — processes a test leaves behind
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "tally-processes-private.h"

/* The main thread's children, kept open: one pread() per test when no
 * process was left, which is nearly always. Children of other threads
 * (a GTask thread's GSubprocess) are only found at the worker's end. */
static int children_fd = -1;
/* Children already running when the test began (left by a test marked
 * leaks=ignore): not this test's. */
static GArray *before_test;

void
tally_processes_track (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/children", (int) getpid ());

  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return;
  children_fd = open (path, O_RDONLY | O_CLOEXEC);
}

/* The pids in a /proc/…/children file, zombies (dead, not yet reaped:
 * GLib's child watch may want them) left out. */
static void
read_live_children (int     fd,
                    GArray *pids)
{
  char buf[4096];
  g_autoptr(GString) text = g_string_new (NULL);
  ssize_t n;
  goffset offset = 0;

  while ((n = pread (fd, buf, sizeof buf, offset)) > 0)
    {
      g_string_append_len (text, buf, n);
      offset += n;
    }
  for (char *p = text->str; *p != '\0';)
    {
      char *end;
      long pid = strtol (p, &end, 10);
      g_autofree char *stat_path = NULL;
      g_autofree char *stat = NULL;
      const char *state;

      if (end == p)
        break;
      p = end;
      stat_path = g_strdup_printf ("/proc/%ld/stat", pid);
      if (!g_file_get_contents (stat_path, &stat, NULL, NULL)
          || (state = strrchr (stat, ')')) == NULL || state[1] == '\0' || state[2] == 'Z')
        continue;
      g_array_append_val (pids, pid);
    }
}

/* The session bus that GDBus autolaunched (no DBUS_SESSION_BUS_ADDRESS,
 * an X display: `dbus-launch --autolaunch`, its `dbus-daemon --fork
 * --session` and what the bus activates, such as AT-SPI's bus launcher)
 * is a process-wide singleton, like GDK's event source: the first GTK
 * test of a worker starts it, every later one uses it. It is the
 * worker's, not that test's, and is stopped with the worker. */
static GArray *worker_owned;
static GArray *bus_sessions;   /* session ids of autolaunched buses */

static gboolean
pid_in (GArray *pids,
        long    pid)
{
  for (guint i = 0; pids != NULL && i < pids->len; i++)
    if (g_array_index (pids, long, i) == pid)
      return TRUE;
  return FALSE;
}

static gboolean
was_there_before (long pid)
{
  return pid_in (before_test, pid) || pid_in (worker_owned, pid);
}

static gboolean
has_arg (const char *cmdline,
         gsize       len,
         const char *prefix)
{
  for (const char *arg = cmdline; arg < cmdline + len; arg += strlen (arg) + 1)
    if (g_str_has_prefix (arg, prefix))
      return TRUE;
  return FALSE;
}

static long
session_of (long pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%ld/stat", pid);
  g_autofree char *stat = NULL;
  const char *after_comm;
  long ppid, pgrp, sid;
  char state;

  if (!g_file_get_contents (path, &stat, NULL, NULL)
      || (after_comm = strrchr (stat, ')')) == NULL
      || sscanf (after_comm + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &sid) != 4)
    return -1;
  return sid;
}

static gboolean
is_autolaunched_bus (long pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%ld/cmdline", pid);
  g_autofree char *cmdline = NULL;
  g_autofree char *name = NULL;
  gsize len = 0;
  long sid;

  if (!g_file_get_contents (path, &cmdline, &len, NULL) || len == 0)
    return FALSE;
  name = g_path_get_basename (cmdline);
  if (g_str_equal (name, "dbus-launch"))
    return has_arg (cmdline, len, "--autolaunch");
  sid = session_of (pid);
  if (g_str_equal (name, "dbus-daemon")
      && has_arg (cmdline, len, "--fork") && has_arg (cmdline, len, "--session"))
    {
      if (!pid_in (bus_sessions, sid))
        g_array_append_val (bus_sessions, sid);
      return TRUE;
    }
  return pid_in (bus_sessions, sid);
}

/* Moves an autolaunched bus's processes from @pids to the worker's. */
static void
keep_bus_for_worker (GArray *pids)
{
  guint kept = 0;

  if (bus_sessions == NULL)
    {
      bus_sessions = g_array_new (FALSE, FALSE, sizeof (long));
      worker_owned = g_array_new (FALSE, FALSE, sizeof (long));
    }
  /* Daemons first: what they activated is known by their session. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < pids->len; i++)
      {
        long pid = g_array_index (pids, long, i);

        if (pid > 0 && is_autolaunched_bus (pid))
          {
            g_array_append_val (worker_owned, pid);
            g_array_index (pids, long, i) = 0;
          }
      }
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, long, i) > 0)
      g_array_index (pids, long, kept++) = g_array_index (pids, long, i);
  g_array_set_size (pids, kept);
}

/* The main thread's running children that the test started. */
static GArray *
new_children (void)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (long));
  guint kept = 0;

  if (children_fd >= 0)
    read_live_children (children_fd, pids);
  for (guint i = 0; i < pids->len; i++)
    if (!was_there_before (g_array_index (pids, long, i)))
      g_array_index (pids, long, kept++) = g_array_index (pids, long, i);
  g_array_set_size (pids, kept);
  if (pids->len > 0)
    keep_bus_for_worker (pids);
  return pids;
}

/* What ran when the last collect looked; nothing runs between tests, so
 * the next test needs no read of its own. */
static gboolean before_test_known;

void
tally_processes_begin (void)
{
  if (children_fd < 0 || before_test_known)
    return;
  if (before_test == NULL)
    before_test = g_array_new (FALSE, FALSE, sizeof (long));
  g_array_set_size (before_test, 0);
  read_live_children (children_fd, before_test);
  before_test_known = TRUE;
}

static void
describe (GString *out,
          long     pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%ld/cmdline", pid);
  g_autofree char *cmdline = NULL;
  gsize len = 0;

  g_string_append_printf (out, "%s%ld", out->len > 0 ? ", " : "", pid);
  if (!g_file_get_contents (path, &cmdline, &len, NULL) || len == 0)
    return;
  for (gsize i = 0; i + 1 < len; i++)
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  g_string_append_printf (out, " (%.*s)", (int) MIN (len, 200), g_strchomp (cmdline));
}

static void
kill_process (long pid)
{
  /* A helper that called setsid() leads a group: its children go too. */
  if (getpgid ((pid_t) pid) == (pid_t) pid)
    kill (-(pid_t) pid, SIGKILL);
  kill ((pid_t) pid, SIGKILL);
}

/* A test whose leftovers are not checked (leaks=ignore) that left
 * children running: they may write or log after it ended. */
static const char *helper_owner;

void
tally_processes_collect (GString    *leaks,
                         const char *path)
{
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GString) names = NULL;
  gint64 deadline;

  if (children_fd < 0)
    return;
  if (leaks != NULL && before_test_known && (before_test == NULL || before_test->len == 0))
    {
      char byte;

      /* Nearly always: no child at all, one read of one byte. */
      if (pread (children_fd, &byte, 1, 0) == 0)
        return;
    }
  if (leaks == NULL)
    {
      /* Not checked (leaks=ignore): what the test left is the next
       * test's "before", and its helper while it runs. */
      before_test_known = FALSE;
      pids = new_children ();
      if (pids->len > 0)
        helper_owner = g_intern_string (path);
      return;
    }
  pids = new_children ();
  /* Children on their way out (a teardown sent SIGTERM and did not wait)
   * are not leftovers: a short grace, paid only when there are any. */
  deadline = g_get_monotonic_time () + 100 * 1000;
  while (pids->len > 0 && g_get_monotonic_time () < deadline)
    {
      g_usleep (5 * 1000);
      g_array_unref (pids);
      pids = new_children ();
    }
  if (pids->len == 0)
    return;
  /* Killed, they die soon but not at once: the next test looks again. */
  before_test_known = FALSE;

  names = g_string_new (NULL);
  for (guint i = 0; i < pids->len; i++)
    describe (names, g_array_index (pids, long, i));
  for (guint i = 0; i < pids->len; i++)
    kill_process (g_array_index (pids, long, i));
  g_string_append_printf (leaks, "%sleft %u process%s running: %s; Tally killed %s",
                          leaks->len > 0 ? "\n" : "", pids->len, pids->len == 1 ? "" : "es",
                          names->str, pids->len == 1 ? "it" : "them");
}

/* Something may have started processes between the last look and the
 * next test (a test's threads, while it waited for them to end): they
 * are not the next test's. */
void
tally_processes_forget (void)
{
  before_test_known = FALSE;
}

/**
 * tally_processes_helper_owner:
 *
 * Between two tests: whether children that a test with leaks=ignore
 * left are still running. One pread() while there are any, none after.
 *
 * Returns: (nullable): the path of that test, or %NULL
 */
const char *
tally_processes_helper_owner (void)
{
  g_autoptr(GArray) pids = NULL;

  if (helper_owner == NULL || children_fd < 0)
    return NULL;
  pids = new_children ();
  if (pids->len == 0)
    helper_owner = NULL;
  return helper_owner;
}

void
tally_processes_kill_all (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *task;

  if (children_fd < 0)
    return;
  dir = g_dir_open ("/proc/self/task", 0, NULL);
  while (dir != NULL && (task = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/children", task);
      g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (long));
      int fd = open (path, O_RDONLY | O_CLOEXEC);

      if (fd < 0)
        continue;
      read_live_children (fd, pids);
      close (fd);
      for (guint i = 0; i < pids->len; i++)
        kill_process (g_array_index (pids, long, i));
    }
}
