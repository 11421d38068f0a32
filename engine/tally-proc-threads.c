/* tally-proc-threads.c — what another process's threads are blocked in
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A legacy test that outlives its timeout is killed, and its output
 * rarely says where it was stuck. Before the runner stops it, each
 * thread's /proc/PID/task/TID/{comm,stat,syscall,wchan} say which system
 * call it sleeps in, with which arguments, and in which kernel function:
 * enough to tell a deadlock (threads in futex) from a wait on a socket
 * or a pipe (poll, read on a descriptor, with what it is open on) from
 * a busy loop (running). No ptrace: a process may read these files of
 * another process of its user (not `syscall` under Yama's ptrace_scope
 * 2 or more: then the state and wchan are all there is).
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "tally-proc-threads-private.h"

typedef enum
{
  ARGS_HEX,     /* the first three arguments, in hexadecimal */
  ARGS_NONE,
  ARGS_FD,      /* the first is a descriptor */
  ARGS_FUTEX,
  ARGS_POLL,    /* poll (fds, nfds, timeout in ms) */
  ARGS_PID,     /* wait4, waitid: the first is a pid */
} ArgsKind;

typedef struct
{
  long nr;
  const char *name;
  ArgsKind args;
} Syscall;

/* The calls a stuck process is usually found in. */
static const Syscall syscalls[] = {
#ifdef SYS_read
  { SYS_read, "read", ARGS_FD },
#endif
#ifdef SYS_write
  { SYS_write, "write", ARGS_FD },
#endif
#ifdef SYS_readv
  { SYS_readv, "readv", ARGS_FD },
#endif
#ifdef SYS_writev
  { SYS_writev, "writev", ARGS_FD },
#endif
#ifdef SYS_pread64
  { SYS_pread64, "pread64", ARGS_FD },
#endif
#ifdef SYS_recvfrom
  { SYS_recvfrom, "recvfrom", ARGS_FD },
#endif
#ifdef SYS_recvmsg
  { SYS_recvmsg, "recvmsg", ARGS_FD },
#endif
#ifdef SYS_sendto
  { SYS_sendto, "sendto", ARGS_FD },
#endif
#ifdef SYS_sendmsg
  { SYS_sendmsg, "sendmsg", ARGS_FD },
#endif
#ifdef SYS_accept
  { SYS_accept, "accept", ARGS_FD },
#endif
#ifdef SYS_accept4
  { SYS_accept4, "accept4", ARGS_FD },
#endif
#ifdef SYS_connect
  { SYS_connect, "connect", ARGS_FD },
#endif
#ifdef SYS_flock
  { SYS_flock, "flock", ARGS_FD },
#endif
#ifdef SYS_fcntl
  { SYS_fcntl, "fcntl", ARGS_FD },
#endif
#ifdef SYS_ioctl
  { SYS_ioctl, "ioctl", ARGS_FD },
#endif
#ifdef SYS_fsync
  { SYS_fsync, "fsync", ARGS_FD },
#endif
#ifdef SYS_epoll_wait
  { SYS_epoll_wait, "epoll_wait", ARGS_FD },
#endif
#ifdef SYS_epoll_pwait
  { SYS_epoll_pwait, "epoll_pwait", ARGS_FD },
#endif
#ifdef SYS_poll
  { SYS_poll, "poll", ARGS_POLL },
#endif
#ifdef SYS_ppoll
  { SYS_ppoll, "ppoll", ARGS_HEX },
#endif
#ifdef SYS_select
  { SYS_select, "select", ARGS_HEX },
#endif
#ifdef SYS_pselect6
  { SYS_pselect6, "pselect6", ARGS_HEX },
#endif
#ifdef SYS_futex
  { SYS_futex, "futex", ARGS_FUTEX },
#endif
#ifdef SYS_wait4
  { SYS_wait4, "wait4", ARGS_PID },
#endif
#ifdef SYS_waitid
  { SYS_waitid, "waitid", ARGS_HEX },
#endif
#ifdef SYS_nanosleep
  { SYS_nanosleep, "nanosleep", ARGS_NONE },
#endif
#ifdef SYS_clock_nanosleep
  { SYS_clock_nanosleep, "clock_nanosleep", ARGS_NONE },
#endif
#ifdef SYS_pause
  { SYS_pause, "pause", ARGS_NONE },
#endif
#ifdef SYS_rt_sigsuspend
  { SYS_rt_sigsuspend, "rt_sigsuspend", ARGS_NONE },
#endif
#ifdef SYS_rt_sigtimedwait
  { SYS_rt_sigtimedwait, "rt_sigtimedwait", ARGS_NONE },
#endif
#ifdef SYS_open
  { SYS_open, "open", ARGS_HEX },
#endif
#ifdef SYS_openat
  { SYS_openat, "openat", ARGS_HEX },
#endif
#ifdef SYS_msgrcv
  { SYS_msgrcv, "msgrcv", ARGS_HEX },
#endif
#ifdef SYS_semop
  { SYS_semop, "semop", ARGS_HEX },
#endif
};

static const Syscall *
find_syscall (gint64 nr)
{
  for (gsize i = 0; i < G_N_ELEMENTS (syscalls); i++)
    if (syscalls[i].nr == nr)
      return &syscalls[i];
  return NULL;
}

/* The text of a small /proc file without its final newline, or NULL. */
static char *
read_small (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_strchomp (contents);
  return contents;
}

static const char *
futex_op_name (guint64 op)
{
  static const char * const names[] = {
    "WAIT", "WAKE", "FD", "REQUEUE", "CMP_REQUEUE", "WAKE_OP", "LOCK_PI", "UNLOCK_PI",
    "TRYLOCK_PI", "WAIT_BITSET", "WAKE_BITSET", "WAIT_REQUEUE_PI", "CMP_REQUEUE_PI", "LOCK_PI2",
  };
  guint64 cmd = op & 0x7f;   /* FUTEX_CMD_MASK: without PRIVATE and CLOCK_REALTIME */

  return cmd < G_N_ELEMENTS (names) ? names[cmd] : NULL;
}

static void
append_args (GString       *out,
             pid_t          pid,
             const Syscall *call,
             guint64        args[3])
{
  switch (call->args)
    {
    case ARGS_NONE:
      break;
    case ARGS_FD:
      {
        g_autofree char *link = g_strdup_printf ("/proc/%d/fd/%d", (int) pid, (int) args[0]);
        g_autofree char *target = g_file_read_link (link, NULL);

        g_string_append_printf (out, "%d", (int) args[0]);
        if (target != NULL)
          g_string_append_printf (out, " → %s", target);
      }
      break;
    case ARGS_FUTEX:
      {
        const char *op = futex_op_name (args[1]);

        g_string_append_printf (out, "0x%" G_GINT64_MODIFIER "x, ", args[0]);
        if (op != NULL)
          g_string_append_printf (out, "FUTEX_%s%s", op, (args[1] & 128) ? "_PRIVATE" : "");
        else
          g_string_append_printf (out, "0x%" G_GINT64_MODIFIER "x", args[1]);
        g_string_append_printf (out, ", %d", (int) args[2]);
      }
      break;
    case ARGS_POLL:
      g_string_append_printf (out, "0x%" G_GINT64_MODIFIER "x, %d, ", args[0], (int) args[1]);
      if ((int) args[2] < 0)
        g_string_append (out, "no timeout");
      else
        g_string_append_printf (out, "%d ms", (int) args[2]);
      break;
    case ARGS_PID:
      g_string_append_printf (out, "%d", (int) args[0]);
      break;
    case ARGS_HEX:
    default:
      g_string_append_printf (out, "0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER "x, 0x%"
                              G_GINT64_MODIFIER "x", args[0], args[1], args[2]);
      break;
    }
}

/* The state letter of /proc/…/stat, after the name in parentheses (which
 * may hold spaces and ')'). */
static char
read_state (const char *dir)
{
  g_autofree char *stat = read_small (dir, "stat");
  const char *after = stat ? strrchr (stat, ')') : NULL;

  return after != NULL && after[1] == ' ' && after[2] != '\0' ? after[2] : '?';
}

static const char *
state_name (char state)
{
  switch (state)
    {
    case 'R': return "running";
    case 'S': return "sleeping";
    case 'D': return "in uninterruptible sleep";
    case 'T': return "stopped";
    case 't': return "stopped by a debugger";
    case 'Z': return "a zombie";
    default:  return "in an unknown state";
    }
}

/* "syscall" holds "running", "-1 SP PC" (in user code), or
 * "NR ARG1 … ARG6 SP PC" (numbers in hexadecimal but NR). */
static void
append_thread (GString    *out,
               pid_t       pid,
               const char *task_dir,
               const char *tid)
{
  g_autofree char *comm = read_small (task_dir, "comm");
  g_autofree char *syscall = read_small (task_dir, "syscall");
  g_autofree char *wchan = read_small (task_dir, "wchan");
  g_auto(GStrv) fields = syscall ? g_strsplit (syscall, " ", 0) : NULL;
  char state = read_state (task_dir);
  gint64 nr = -2;   /* not in a system call, or unknown */

  if (fields != NULL && fields[0] != NULL)
    g_ascii_string_to_signed (fields[0], 10, -1, G_MAXINT, &nr, NULL);

  g_string_append_printf (out, "  %s %s: ", tid, comm ? comm : "?");
  if (fields != NULL && g_strv_length (fields) >= 9 && nr >= 0)
    {
      const Syscall *call = find_syscall (nr);
      guint64 args[3];

      for (guint i = 0; i < 3; i++)
        args[i] = g_ascii_strtoull (fields[i + 1], NULL, 16);
      if (call != NULL)
        {
          g_string_append_printf (out, "%s(", call->name);
          append_args (out, pid, call, args);
        }
      else
        g_string_append_printf (out, "system call %d(0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER
                                "x, 0x%" G_GINT64_MODIFIER "x", (int) nr, args[0], args[1], args[2]);
      g_string_append_c (out, ')');
      if (state != 'S')
        g_string_append_printf (out, ", %s", state_name (state));
    }
  else if (nr == -1 && fields != NULL && g_strv_length (fields) == 3)
    g_string_append_printf (out, "in its own code, %s", state_name (state));
  else
    g_string_append (out, state_name (state));
  if (wchan != NULL && *wchan != '\0' && strcmp (wchan, "0") != 0)
    g_string_append_printf (out, " in %s", wchan);
  g_string_append_c (out, '\n');
}

static int
compare_tids (gconstpointer a,
              gconstpointer b)
{
  long x = strtol (*(const char * const *) a, NULL, 10);
  long y = strtol (*(const char * const *) b, NULL, 10);

  return (x > y) - (x < y);
}

char *
tally_proc_threads_describe (pid_t pid,
                             guint max_threads)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr(GPtrArray) tids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (pid <= 0 || (dir = g_dir_open (dir_path, 0, NULL)) == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (tids, g_strdup (name));
  if (tids->len == 0)
    return NULL;
  g_ptr_array_sort (tids, compare_tids);   /* the main thread first */

  out = g_string_new (NULL);
  for (guint i = 0; i < tids->len && i < max_threads; i++)
    {
      const char *tid = g_ptr_array_index (tids, i);
      g_autofree char *task_dir = g_build_filename (dir_path, tid, NULL);

      append_thread (out, pid, task_dir, tid);
    }
  if (tids->len > max_threads)
    g_string_append_printf (out, "  … and %u more thread%s\n", tids->len - max_threads,
                            tids->len - max_threads == 1 ? "" : "s");
  g_string_truncate (out, out->len - 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

TallyLogRecord *
tally_proc_threads_record (const char *threads,
                           pid_t       pid,
                           gint64      started_at_us,
                           gint64      stopped_at_us)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->level = G_LOG_LEVEL_WARNING;
  record->domain = g_strdup ("Tally");
  record->message = g_strdup_printf ("stopped after %.1f s; what its threads were blocked in (pid %d):\n%s",
                                     (stopped_at_us - started_at_us) / (double) G_USEC_PER_SEC,
                                     (int) pid, threads);
  record->message_len = strlen (record->message);
  record->time_us = stopped_at_us;
  return record;
}
