/* tally-child.c — starting test processes in their own process group
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tally-child-private.h"

static char *exec_helper;

void
tally_child_set_exec_helper (const char *path)
{
  g_free (exec_helper);
  exec_helper = g_strdup (path);
}

void
tally_child_find_exec_helper (const char *runner)
{
  g_autofree char *dir = g_path_get_dirname (runner);
  g_autofree char *beside = g_build_filename (dir, TALLY_EXEC_CHILD_NAME, NULL);
  g_autofree char *installed = g_build_filename (TALLY_LIBEXECDIR, TALLY_EXEC_CHILD_NAME, NULL);

  if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
    tally_child_set_exec_helper (beside);
  else if (g_str_equal (dir, TALLY_BINDIR) && g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    tally_child_set_exec_helper (installed);
  else
    tally_child_set_exec_helper (runner);
}

GStrv
tally_child_wrap_argv (const char * const *argv)
{
  g_autoptr(GStrvBuilder) wrapped = g_strv_builder_new ();

  if (exec_helper != NULL)
    {
      g_autofree char *parent = g_strdup_printf ("%d", (int) getpid ());

      g_strv_builder_add_many (wrapped, exec_helper, TALLY_EXEC_CHILD_ARG, parent, NULL);
    }
  g_strv_builder_addv (wrapped, (const char **) argv);
  return g_strv_builder_end (wrapped);
}

const char *
tally_child_env_name (const char *name)
{
  g_autofree char *prefixed = NULL;

  if (exec_helper == NULL)
    return name;
  prefixed = g_strconcat (TALLY_CHILD_ENV_PREFIX, name, NULL);
  return g_intern_string (prefixed);
}

gboolean
tally_child_has_exec_helper (void)
{
  return exec_helper != NULL;
}

void
tally_child_set_cwd (GSubprocessLauncher *launcher,
                     const char          *dir)
{
  /* One in the runner's own environment is not meant for the helper. */
  if (dir == NULL)
    g_subprocess_launcher_unsetenv (launcher, TALLY_CWD_ENV);
  else if (exec_helper != NULL)
    g_subprocess_launcher_setenv (launcher, TALLY_CWD_ENV, dir, TRUE);
  else
    g_subprocess_launcher_set_cwd (launcher, dir);
}

/* What the helper wrote in @fd: the program's pid (0 until then), and
 * once it ended its CPU and peak RSS (-1 until then). */
void
tally_child_read_usage (int     fd,
                        pid_t  *pid,
                        gint64 *cpu_us,
                        gint64 *max_rss_kb)
{
  char buf[129] = { 0 };
  ssize_t n = pread (fd, buf, 128, 0);
  gint64 cpu, rss;

  *pid = 0;
  *cpu_us = *max_rss_kb = -1;
  if (n <= 0)
    return;
  if (g_str_has_prefix (buf, "PID "))
    *pid = (pid_t) atoi (buf + 4);
  if (n > TALLY_USAGE_LINE_OFFSET
      && sscanf (buf + TALLY_USAGE_LINE_OFFSET, "USAGE %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &cpu, &rss) == 2)
    {
      *cpu_us = cpu;
      *max_rss_kb = rss;
    }
}

void
tally_child_signal (GSubprocess *process,
                    int          signum)
{
  const char *identifier = g_subprocess_get_identifier (process);
  pid_t pid;

  if (identifier == NULL)
    return;
  pid = (pid_t) atoi (identifier);
  if (getpgid (pid) == pid)
    kill (-pid, signum);
  else
    kill (pid, signum);
}
