/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "tally-crash-report-private.h"
#include "tally-main-private.h"
#include "tally-protocol-private.h"
#include "tally-version.h"

/* Worker mode: `PROGRAM --tally-worker`, started by `tally run`. Commands
 * arrive on fd 3, events leave on fd 4; stdout and stderr are files the
 * runner reads per test. Events are gathered in a static buffer and
 * written at the end of each test (or when the buffer fills), so a test
 * that logs a lot costs few system calls; a fatal signal handler writes
 * out what is buffered before the process dies, so a crashing test's log
 * is never lost. */

#define OUT_BUFFER_SIZE (1024 * 1024)
#define FLUSH_THRESHOLD (64 * 1024)

/* guint64 storage: frames are stored 8-aligned (see tally-protocol.c). */
static guint64 out_storage[OUT_BUFFER_SIZE / sizeof (guint64)];
#define out_buffer ((guint8 *) out_storage)
static volatile sig_atomic_t out_committed;   /* bytes of complete frames */
static GMutex out_lock;
static char alt_stack[64 * 1024];
/* The worker's pid: a child that a test forks inherits the buffer, the
 * protocol descriptor and these handlers, and must not send the parent's
 * frames a second time when it exits or crashes. */
static pid_t worker_pid;

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (3);   /* the runner is gone: nobody to report to */
      data += n;
      len -= n;
    }
}

/* From the signal handler: one try, no exit on failure. */
static void
write_all_or_give_up (const guint8 *data,
                      gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (TALLY_PROTOCOL_OUT_FD, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      data += n;
      len -= n;
    }
}

static void
flush_locked (void)
{
  if (out_committed > 0)
    write_all (TALLY_PROTOCOL_OUT_FD, out_buffer, out_committed);
  out_committed = 0;
}

/* Where a frame of @size bytes goes: the buffer (flushed first if it has
 * no room), or a block of its own for a frame larger than the buffer. */
static guint8 *
frame_begin_locked (gsize    size,
                    guint8 **big)
{
  *big = NULL;
  if (out_committed + size > OUT_BUFFER_SIZE)
    flush_locked ();
  if (size > OUT_BUFFER_SIZE)
    return *big = g_malloc (size);
  return out_buffer + out_committed;
}

/* Commits a frame written at frame_begin_locked(): counted only once it
 * is complete, so the signal handler never writes half a frame. */
static void
frame_end_locked (gsize   size,
                  guint8 *big)
{
  if (big != NULL)
    {
      write_all (TALLY_PROTOCOL_OUT_FD, big, size);
      g_free (big);
      return;
    }
  out_committed += size;
}

static void
send_locked (TallyMessageType  type,
             GVariant         *body)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);
  gsize size = tally_frame_size (owned);
  guint8 *big;

  tally_frame_store (frame_begin_locked (size, &big), type, owned);
  frame_end_locked (size, big);
}

static void
send_now (TallyMessageType  type,
          GVariant         *body)
{
  g_mutex_lock (&out_lock);
  send_locked (type, body);
  flush_locked ();
  g_mutex_unlock (&out_lock);
}
static void
flush_at_exit (void)
{
  /* No lock: exit() may run while another thread holds it. Only complete
   * frames are ever counted in out_committed. */
  if (getpid () == worker_pid)
    flush_locked ();
}

static void
on_record (TallyTest            *test,
           const TallyLogRecord *record,
           gpointer              user_data)
{
  gsize size = tally_protocol_log_size (record);
  guint8 *big;

  g_mutex_lock (&out_lock);
  tally_protocol_log_write (frame_begin_locked (size, &big), test->tc->index, record);
  frame_end_locked (size, big);
  if (out_committed >= FLUSH_THRESHOLD)
    flush_locked ();
  g_mutex_unlock (&out_lock);
}

static void
on_fatal_signal (int        signum,
                 siginfo_t *info,
                 void      *context)
{
  /* Only async-signal-safe calls from here on. */
  if (getpid () == worker_pid)
    {
      if (out_committed > 0)
        write_all_or_give_up (out_buffer, out_committed);
      out_committed = 0;
      if (signum != SIGTERM)
        tally_crash_report_send (TALLY_PROTOCOL_OUT_FD, signum, info, context);
    }

  signal (signum, SIG_DFL);
  raise (signum);
}

static void
install_signal_handlers (void)
{
  static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGTERM };
  stack_t stack = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack };
  struct sigaction action = { 0 };
  void *warm[1];

  /* backtrace() loads libgcc on first use; do it now, not in a handler. */
  backtrace (warm, 1);
  sigaltstack (&stack, NULL);

  action.sa_sigaction = on_fatal_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (fatal); i++)
    sigaction (fatal[i], &action, NULL);

  signal (SIGPIPE, SIG_IGN);
}

static gboolean
check_protocol_fds (TallyProgramOptions *opts)
{
  struct stat st;

  if (fstat (TALLY_PROTOCOL_IN_FD, &st) < 0 || fstat (TALLY_PROTOCOL_OUT_FD, &st) < 0)
    {
      fprintf (stderr, "%s: --tally-worker is for `tally run`; file descriptors 3 and 4 are not open\n",
               opts->program);
      return FALSE;
    }

  /* Children the tests spawn must not hold the protocol open. */
  fcntl (TALLY_PROTOCOL_IN_FD, F_SETFD, FD_CLOEXEC);
  fcntl (TALLY_PROTOCOL_OUT_FD, F_SETFD, FD_CLOEXEC);

  return TRUE;
}

/* Blocks until at least one command arrives. Returns FALSE at EOF, on a
 * protocol error, or on QUIT with nothing left to do. */
static gboolean
read_commands (TallyFrameReader *reader,
               GQueue           *queue,
               guint             n_tests,
               gboolean         *quit)
{
  guint8 chunk[4096];

  while (g_queue_is_empty (queue) && !*quit)
    {
      g_autoptr(GError) error = NULL;
      TallyFrame frame;
      ssize_t n;

      while (tally_frame_reader_next (reader, &frame, &error))
        {
          if (frame.type == TALLY_MSG_QUIT)
            *quit = TRUE;
          else if (frame.type == TALLY_MSG_RUN)
            {
              g_autoptr(GVariant) body = tally_frame_get_variant (&frame, &error);
              g_autoptr(GVariant) indices = NULL;
              gsize n_indices;
              const guint32 *values;

              if (body == NULL)
                return FALSE;
              indices = g_variant_get_child_value (body, 0);
              values = g_variant_get_fixed_array (indices, &n_indices, sizeof (guint32));

              for (gsize i = 0; i < n_indices; i++)
                {
                  if (values[i] >= n_tests)
                    return FALSE;
                  g_queue_push_tail (queue, GUINT_TO_POINTER (values[i]));
                }
            }
          else
            return FALSE;   /* a worker-only message from the runner */
        }

      if (error != NULL)
        return FALSE;
      if (!g_queue_is_empty (queue) || *quit)
        break;

      n = read (TALLY_PROTOCOL_IN_FD, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      tally_frame_reader_push (reader, chunk, n);
    }

  return !g_queue_is_empty (queue);
}

/* The runner's output files, kept on descriptors of our own: a test may
 * close or replace fds 1 and 2, and the offsets must still be read from
 * the runner's files (and later tests' output go to them). */
static int stdio_files[3] = { -1, -1, -1 };

static void
keep_stdio_files (void)
{
  for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
    stdio_files[fd] = fcntl (fd, F_DUPFD_CLOEXEC, 10);
}

/* The runner's files, as they were when the worker started. */
static struct stat stdio_stat[3];

static void
keep_stdio_stat (void)
{
  for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
    if (stdio_files[fd] < 0 || fstat (stdio_files[fd], &stdio_stat[fd]) < 0)
      memset (&stdio_stat[fd], 0, sizeof stdio_stat[fd]);
}

/* After a test: where its output on @fd ends. Stdout and stderr are files
 * shared with the runner, which splits them between tests at these
 * offsets. A test may have closed or replaced fd 1 or 2: then the runner's
 * file goes back in place, and its size is read from our own copy. One
 * fstat() per stream in the usual case: a test runs in a few µs, and
 * every system call shows. */
static guint64
end_of_output (int fd)
{
  struct stat st;

  if (stdio_files[fd] < 0)
    return 0;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode)
      && st.st_dev == stdio_stat[fd].st_dev && st.st_ino == stdio_stat[fd].st_ino)
    return st.st_size;

  dup2 (stdio_files[fd], fd);
  return (fstat (stdio_files[fd], &st) == 0 && S_ISREG (st.st_mode)) ? (guint64) st.st_size : 0;
}

/* FINISHED goes out at once: the runner reports the test, and sends more
 * work, when it arrives. */
static void
send_finished (TallyTest *test,
               gint64     duration_us)
{
  TallyResult result = {
    .outcome = test->outcome,
    .message = test->message,
    .file = test->file,
    .line = test->line,
    .started_at_us = test->started_at_us,
    .duration_us = duration_us,
  };
  gsize size = tally_protocol_finished_size (test->message, test->file);
  guint64 out_end = end_of_output (STDOUT_FILENO), err_end = end_of_output (STDERR_FILENO);
  guint8 *big;

  g_mutex_lock (&out_lock);
  tally_protocol_finished_write (frame_begin_locked (size, &big), test->tc->index, &result,
                                 test->tainted, out_end, err_end);
  frame_end_locked (size, big);
  flush_locked ();
  g_mutex_unlock (&out_lock);
}

static gboolean
run_one (TallyTestCase       *tc,
         TallyProgramOptions *opts)
{
  TallyTest *test;
  gint64 started;
  gboolean tainted;
  guint8 *big;

  /* Buffered, not flushed: the runner counts a test as started when the
   * one before it finishes, so this costs no system call. */
  g_mutex_lock (&out_lock);
  tally_protocol_started_write (frame_begin_locked (tally_protocol_started_size (), &big),
                                tc->index, g_get_real_time ());
  frame_end_locked (tally_protocol_started_size (), big);
  g_mutex_unlock (&out_lock);

  started = g_get_monotonic_time ();
  test = tally_executor_run (tc, &opts->exec);
  fflush (stdout);
  fflush (stderr);

  tainted = test->tainted;
  send_finished (test, g_get_monotonic_time () - started);
  tally_test_free (test);

  return !tainted;
}

int
tally_worker_main (TallyProgramOptions *opts)
{
  g_autoptr(TallyFrameReader) reader = tally_frame_reader_new ();
  GPtrArray *tests = tally_registry_get_tests ();
  GQueue queue = G_QUEUE_INIT;
  gboolean quit = FALSE;
  const char *bye = "done";

  if (!check_protocol_fds (opts))
    return 4;

  /* A test that calls exit() still gets its STARTED and log out. */
  worker_pid = getpid ();
  atexit (flush_at_exit);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  keep_stdio_files ();
  keep_stdio_stat ();
  setvbuf (stdout, NULL, _IOLBF, 0);
  install_signal_handlers ();
  tally_caplog_set_sink (on_record, NULL);

  send_now (TALLY_MSG_HELLO, g_variant_new ("(uut)", TALLY_PROTOCOL_VERSION,
                                            tests->len, (guint64) getpid ()));

  while (read_commands (reader, &queue, tests->len, &quit))
    {
      guint index = GPOINTER_TO_UINT (g_queue_pop_head (&queue));

      if (!run_one (g_ptr_array_index (tests, index), opts))
        {
          bye = "tainted";
          break;
        }
    }

  tally_caplog_set_sink (NULL, NULL);
  send_now (TALLY_MSG_BYE, g_variant_new ("(s)", bye));
  g_queue_clear (&queue);

  return 0;
}
