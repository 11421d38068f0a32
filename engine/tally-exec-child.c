/* tally-exec-child.c — the helper that starts a GTest or plain program
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `tally-exec-child --exec-child PARENT_PID PROGRAM [ARG…]` (and the same
 * arguments after `tally`): moves into a process group of its own (a
 * test's kill (0, sig) reaches its own processes only), asks for SIGKILL
 * when the runner dies, gives the program the variables meant for it
 * under their own names, changes to the directory in $TALLY_CWD, if any,
 * and execs it.
 *
 * With $TALLY_USAGE_FD set, the helper stays as the program's parent:
 * GSubprocess reaps with waitpid(), which drops the rusage, so the helper
 * forks, writes "PID N" at offset 0 of that file (the runner reads the
 * program's /proc while it runs), waits, writes "USAGE CPU_US MAXRSS_KB"
 * at TALLY_USAGE_LINE_OFFSET and ends as the program did. It blocks the
 * signals sent to the group (the program gets them); a signal that ends
 * the program ends the helper the same way, without a core file.
 *
 * Only libc here: it runs once per GTest process, and a program that
 * loads GLib, GIO, SQLite and json-glib to fork and wait costs ~10 ms of
 * CPU per start on a virtual machine; this costs about what /bin/true
 * does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tally-exec-child-private.h"

static void __attribute__ ((noreturn))
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

static void __attribute__ ((noreturn))
exec_program (char **argv)
{
  execvp (argv[3], argv + 3);
  fprintf (stderr, "tally: cannot execute %s: %s\n", argv[3], strerror (errno));
  _exit (127);
}

/* Gives the program the variables meant for it under their own names
 * (LD_PRELOAD must not load into the helper itself). */
static void
rename_child_env (void)
{
  size_t prefix_len = strlen (TALLY_CHILD_ENV_PREFIX);
  int again = 1;

  /* setenv() and unsetenv() move environ's entries: start over after
   * each renamed one. */
  while (again)
    {
      again = 0;
      for (char **e = environ; e != NULL && *e != NULL; e++)
        {
          char *eq = strchr (*e, '=');
          char *name;

          if (strncmp (*e, TALLY_CHILD_ENV_PREFIX, prefix_len) != 0 || eq == NULL)
            continue;
          name = strndup (*e, eq - *e);
          if (name == NULL)
            return;
          setenv (name + prefix_len, eq + 1, 1);
          unsetenv (name);
          free (name);
          again = 1;
          break;
        }
    }
}

static void
write_line (int         fd,
            off_t       offset,
            const char *line,
            int         len)
{
  if (len > 0)
    pwrite (fd, line, (size_t) len, offset);
}

/* struct rusage as the kernel writes it on every Linux ABI (longs), which
 * glibc's is not where time_t is 64 bits on a 32-bit machine: only the
 * raw waitid() below sees it. */
typedef struct
{
  struct { long tv_sec, tv_usec; } utime, stime;
  long maxrss;
  long rest[13];
} KernelRusage;

static void __attribute__ ((noreturn))
wait_for_program (char **argv,
                  int    usage_fd)
{
  sigset_t blocked, old;
  KernelRusage usage;
  siginfo_t info;
  char line[64];
  int status = 0;
  pid_t child, helper = getpid ();

  /* Every signal sent to the group (the runner's SIGTERM, a test's
   * kill (0, SIGUSR1)) is the program's: the helper blocks them all and
   * never unblocks them (waiting needs no SIGCHLD). */
  sigfillset (&blocked);
  sigprocmask (SIG_BLOCK, &blocked, &old);

  child = fork ();
  if (child == 0)
    {
      close (usage_fd);
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      /* The helper may have died before the line above. */
      if (getppid () != helper)
        _exit (127);
      sigprocmask (SIG_SETMASK, &old, NULL);
      exec_program (argv);
    }
  if (child < 0)
    {
      /* No fork: run it as before, unmeasured, with its signals. */
      close (usage_fd);
      sigprocmask (SIG_SETMASK, &old, NULL);
      exec_program (argv);
    }

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

  write_line (usage_fd, 0, line, snprintf (line, sizeof line, "PID %d\n", (int) child));
  /* The usage is written before the program is reaped: while the runner
   * can still read /proc/PID (a zombie's CPU there is final), the file
   * may lack it; once /proc/PID is gone, the file has it. waitid() with
   * WNOWAIT gives the rusage (the raw call takes one; glibc's does not)
   * and leaves the zombie; wait4() reaps it. */
  while (syscall (SYS_waitid, P_PID, (id_t) child, &info, WEXITED | WNOWAIT, &usage) < 0)
    if (errno != EINTR)
      end_like (127 << 8);
  write_line (usage_fd, TALLY_USAGE_LINE_OFFSET, line,
              snprintf (line, sizeof line, "USAGE %lld %ld\n",
                        ((long long) usage.utime.tv_sec + usage.stime.tv_sec) * 1000000
                        + usage.utime.tv_usec + usage.stime.tv_usec,
                        usage.maxrss));
  while (wait4 (child, &status, 0, NULL) < 0)
    if (errno != EINTR)
      end_like (127 << 8);
  end_like (status);
}

void
tally_exec_child_main (int    argc,
                       char **argv)
{
  const char *usage_text, *cwd;
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

  if ((usage_text = getenv (TALLY_USAGE_FD_ENV)) != NULL)
    usage_fd = atoi (usage_text);
  unsetenv (TALLY_USAGE_FD_ENV);
  if ((cwd = getenv (TALLY_CWD_ENV)) != NULL && chdir (cwd) != 0)
    {
      fprintf (stderr, "tally: cannot change to the directory %s: %s\n", cwd, strerror (errno));
      _exit (127);
    }
  unsetenv (TALLY_CWD_ENV);
  rename_child_env ();
  if (usage_fd > 2 && fcntl (usage_fd, F_GETFD) >= 0)
    wait_for_program (argv, usage_fd);
  exec_program (argv);
}
