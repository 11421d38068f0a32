/* tally-child.c — starting test processes in their own process group
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tally-child-private.h"

#define TALLY_CHILD_ENV_PREFIX "TALLY_CHILD_"

static char *exec_helper;

void
tally_child_set_exec_helper (const char *path)
{
  g_free (exec_helper);
  exec_helper = g_strdup (path);
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

/* Gives the program the variables meant for it under their own names. */
static void
rename_child_env (void)
{
  g_auto(GStrv) names = g_listenv ();

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], TALLY_CHILD_ENV_PREFIX))
      {
        setenv (names[i] + strlen (TALLY_CHILD_ENV_PREFIX), g_getenv (names[i]), 1);
        unsetenv (names[i]);
      }
}

/* With $TALLY_USAGE_FD set, the helper stays as the program's parent:
 * GSubprocess reaps with waitpid(), which drops the rusage, so the
 * helper forks, writes "PID N" at offset 0 of that file (the runner
 * reads the program's /proc while it runs), waits with wait4(), writes
 * "USAGE CPU_US MAXRSS_KB" at offset 64 and ends as the program did.
 * The helper blocks the signals sent to the group (the program gets
 * them); a signal that ends the program ends the helper the same way,
 * without a core file. */
#define USAGE_FD_ENV "TALLY_USAGE_FD"

static void G_GNUC_NORETURN
end_like (int status)
{
  struct rlimit no_core = { 0, 0 };
  sigset_t one;

  if (!WIFSIGNALED (status))
    _exit (WIFEXITED (status) ? WEXITSTATUS (status) : 127);
  setrlimit (RLIMIT_CORE, &no_core);
  signal (WTERMSIG (status), SIG_DFL);
  sigemptyset (&one);
  sigaddset (&one, WTERMSIG (status));
  sigprocmask (SIG_UNBLOCK, &one, NULL);
  raise (WTERMSIG (status));
  _exit (128 + WTERMSIG (status));
}

static void
exec_program (char **argv)
{
  execvp (argv[3], argv + 3);
  fprintf (stderr, "tally: cannot execute %s: %s\n", argv[3], g_strerror (errno));
  _exit (127);
}

static void G_GNUC_NORETURN
wait_for_program (char **argv,
                  int    usage_fd)
{
  sigset_t blocked, old;
  struct rusage usage;
  siginfo_t info;
  char line[64];
  int status = 0, len;
  pid_t child;

  /* Every signal sent to the group (the runner's SIGTERM, a test's
   * kill (0, SIGUSR1)) is the program's: the helper blocks them all and
   * never unblocks them (wait4() needs no SIGCHLD). */
  sigfillset (&blocked);
  sigprocmask (SIG_BLOCK, &blocked, &old);

  child = fork ();
  if (child == 0)
    {
      close (usage_fd);
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      sigprocmask (SIG_SETMASK, &old, NULL);
      exec_program (argv);
    }
  if (child < 0)
    exec_program (argv);   /* no fork: run it as before, unmeasured */

  /* Only the usage file stays open here: the program's end closes its
   * pipes. Then the signals sent to the group are the program's. */
  for (int fd = 0; fd < 3; fd++)
    {
      int null = open ("/dev/null", O_RDWR);

      if (null >= 0 && null != fd)
        {
          dup2 (null, fd);
          close (null);
        }
    }
  close_range (3, usage_fd - 1, 0);
  close_range (usage_fd + 1, ~0u, 0);

  len = g_snprintf (line, sizeof line, "PID %d\n", (int) child);
  pwrite (usage_fd, line, len, 0);
  /* The usage is written before the program is reaped: while the runner
   * can still read /proc/PID (a zombie's CPU there is final), the file
   * may lack it; once /proc/PID is gone, the file has it. waitid() with
   * WNOWAIT gives the rusage (the raw call takes one; glibc's does not)
   * and leaves the zombie; wait4() reaps it. */
  while (syscall (SYS_waitid, P_PID, (id_t) child, &info, WEXITED | WNOWAIT, &usage) < 0)
    if (errno != EINTR)
      end_like (127 << 8);
  len = g_snprintf (line, sizeof line, "USAGE %" G_GINT64_FORMAT " %ld\n",
                    (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC
                    + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec,
                    usage.ru_maxrss);
  pwrite (usage_fd, line, len, 64);
  while (wait4 (child, &status, 0, NULL) < 0)
    if (errno != EINTR)
      end_like (127 << 8);
  end_like (status);
}

int
tally_child_exec (int    argc,
                  char **argv)
{
  const char *usage_text;
  int usage_fd = -1;
  long parent;

  if (argc < 4 || (parent = strtol (argv[2], NULL, 10)) <= 0)
    {
      fprintf (stderr, "tally: %s is for tally run: %s PARENT_PID PROGRAM [ARG…]\n",
               TALLY_EXEC_CHILD_ARG, TALLY_EXEC_CHILD_ARG);
      _exit (127);
    }

  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The runner may have died before the line above: then nobody waits. */
  if (getppid () != (pid_t) parent)
    _exit (127);

  if ((usage_text = g_getenv (USAGE_FD_ENV)) != NULL)
    usage_fd = atoi (usage_text);
  unsetenv (USAGE_FD_ENV);
  rename_child_env ();
  if (usage_fd > 2 && fcntl (usage_fd, F_GETFD) >= 0)
    wait_for_program (argv, usage_fd);
  exec_program (argv);
  _exit (127);
}

gboolean
tally_child_has_exec_helper (void)
{
  return exec_helper != NULL;
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
  if (n > 64 && sscanf (buf + 64, "USAGE %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &cpu, &rss) == 2)
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
