/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib-unix.h>

#include "tally-crash-report-private.h"
#include "tally-main-private.h"
#include "tally-processes-private.h"
#include "tally-markers-private.h"
#include "tally-protocol-private.h"
#include "tally-registry-private.h"
#include "tally-signals-private.h"
#include "tally-test-private.h"
#include "tally-usage-private.h"
#include "tally-version.h"
#include "tally-worker-stdio-private.h"

/* Worker mode: `PROGRAM --tally-worker`, started by `tally run`. Commands
 * arrive on fd 3, events leave on fd 4; stdout and stderr are pipes that
 * a thread empties into files the runner reads per test
 * (tally-worker-stdio.c). Events are gathered in a static buffer and
 * written at the end of each test (or when the buffer fills), so a test
 * that logs a lot costs few system calls; a fatal signal handler writes
 * out what is buffered before the process dies, so a crashing test's log
 * is never lost. */

#define OUT_BUFFER_SIZE (1024 * 1024)
/* What one log record may carry to the runner: 10 MB messages round-trip
 * byte for byte (DESIGN.md); larger ones are cut (on_record()). */
#define MAX_LOG_MESSAGE (16u * 1024 * 1024)
#define FLUSH_THRESHOLD (64 * 1024)

/* guint64 storage: frames are stored 8-aligned (see tally-protocol.c). */
static guint64 out_storage[OUT_BUFFER_SIZE / sizeof (guint64)];
#define out_buffer ((guint8 *) out_storage)
static volatile sig_atomic_t out_committed;   /* bytes of complete frames */
/* Where the protocol is read and written: fds 3 and 4 at first, then
 * copies of them that tests do not know of (hide_protocol_fds()). */
static int commands_fd = TALLY_PROTOCOL_IN_FD;
static int events_fd = TALLY_PROTOCOL_OUT_FD;
static GMutex out_lock;
static char alt_stack[64 * 1024];
/* The worker's pid: a child that a test forks inherits the buffer, the
 * protocol descriptors and these handlers, and must never write on the
 * protocol: not the parent's frames a second time when it exits or
 * crashes, nor its own log records (a child's logging is its output, or
 * nothing). */
static pid_t worker_pid;
/* Set in a child a test fork()s (pthread_atfork()): the check costs no
 * system call per write. (A child made with vfork() or posix_spawn()
 * runs no atfork handler, but it execs at once.) */
static volatile sig_atomic_t in_forked_child;

static void
on_fork_child (void)
{
  in_forked_child = 1;
}

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  if (in_forked_child)
    return;
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

static void
flush_locked (void)
{
  if (out_committed > 0)
    write_all (events_fd, out_buffer, out_committed);
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
      write_all (events_fd, big, size);
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
    {
      fflush (stdout);
      fflush (stderr);
      tally_worker_stdio_emergency ();
      flush_locked ();
    }
}

static void
on_record (TallyTest            *test,
           const TallyLogRecord *record,
           gpointer              user_data)
{
  TallyLogRecord cut;
  g_autofree char *cut_message = NULL;
  gsize size;
  guint8 *big;

  /* A record past the cap is cut (head kept, with a note): one frame
   * must stay under the runner's frame limit, and the runner's memory
   * bounded, whatever a test logs. */
  if (record->message_len > MAX_LOG_MESSAGE
      || (record->fields != NULL && strlen (record->fields) > MAX_LOG_MESSAGE))
    {
      g_autofree char *note = g_strdup_printf ("\n[tally: message cut at %u MiB of %" G_GSIZE_FORMAT " bytes]",
                                               MAX_LOG_MESSAGE / (1024 * 1024), record->message_len);
      gsize keep = MIN (record->message_len, MAX_LOG_MESSAGE);

      cut = *record;
      cut_message = g_malloc (keep + strlen (note) + 1);
      memcpy (cut_message, record->message, keep);
      memcpy (cut_message + keep, note, strlen (note) + 1);
      cut.message = cut_message;
      cut.message_len = keep + strlen (note);
      if (cut.fields != NULL && strlen (cut.fields) > MAX_LOG_MESSAGE)
        cut.fields = NULL;   /* extra fields past the cap are dropped whole */
      record = &cut;
    }
  size = tally_protocol_log_size (record);

  g_mutex_lock (&out_lock);
  tally_protocol_log_write (frame_begin_locked (size, &big), test->tc->index, record);
  frame_end_locked (size, big);
  if (out_committed >= FLUSH_THRESHOLD)
    flush_locked ();
  g_mutex_unlock (&out_lock);
}

/* Late output and records of an ended test's helpers, waiting for a
 * moment when the worker alone writes on the event pipe (never while a
 * test runs in a process of its own: that one writes there too). */
static GPtrArray *late_queue;

static guint32
index_of (const char *path)
{
  guint index;

  return path != NULL && tally_registry_lookup (path, &index) ? index : G_MAXUINT32;
}

static void
queue_late_locked (const char   *owner,
                   guint32       stream,
                   guint32       level,
                   guint64       n_bytes,
                   const char   *text,
                   gsize         len)
{
  if (late_queue == NULL)
    late_queue = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_ptr_array_add (late_queue,
                   g_variant_ref_sink (g_variant_new ("(uuut@ay)", index_of (owner), stream, level,
                                                      n_bytes,
                                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                                 text, len, 1))));
}

/* A thread an ended test started logged (tally-caplog.c): the record is
 * that test's. Any thread. */
static void
on_late_record (const char           *owner,
                const TallyLogRecord *record)
{
  g_autofree char *text = g_strdup_printf ("late %s after the test ended, from a thread it started: %.*s",
                                           tally_log_level_to_string (record->level),
                                           (int) MIN (record->message_len, MAX_LOG_MESSAGE),
                                           record->message);

  g_mutex_lock (&out_lock);
  queue_late_locked (owner, 0, record->level & G_LOG_LEVEL_MASK, record->message_len,
                     text, strlen (text));
  g_mutex_unlock (&out_lock);
}

/* Late output gathered since the last call (tally-worker-stdio.c), as
 * @owner's. */
static void
queue_late_output (const char *owner,
                   gboolean    drain_first)
{
  guint64 n_bytes[3] = { 0 };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) err = g_string_new (NULL);
  GString *heads[3] = { NULL, out, err };

  if (!tally_worker_stdio_take_late (drain_first, n_bytes, heads))
    return;
  g_mutex_lock (&out_lock);
  for (int fd = 1; fd <= 2; fd++)
    if (n_bytes[fd] > 0)
      queue_late_locked (owner, fd, G_LOG_LEVEL_INFO, n_bytes[fd], heads[fd]->str, heads[fd]->len);
  g_mutex_unlock (&out_lock);
}

/* Called with out_lock held, by the main thread only. */
static void
send_late_locked (void)
{
  for (guint i = 0; late_queue != NULL && i < late_queue->len; i++)
    send_locked (TALLY_MSG_LATE, g_variant_ref (g_ptr_array_index (late_queue, i)));
  if (late_queue != NULL)
    g_ptr_array_set_size (late_queue, 0);
}

static void
on_fatal_signal (int        signum,
                 siginfo_t *info,
                 void      *context)
{
  /* Only async-signal-safe calls from here on. */
  if (getpid () == worker_pid)
    {
      /* What the test printed before it died, still in the pipes. */
      tally_worker_stdio_emergency ();
      if (out_committed > 0)
        tally_crash_report_write_all (events_fd, out_buffer, out_committed);
      out_committed = 0;
      if (signum != SIGTERM)
        tally_crash_report_send (events_fd, signum, info, context);
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

  tally_signals_catch_sigpipe ();
}

/* `tally run` asks its first worker for the program's listing (the
 * descriptor in TALLY_LIST_FD, which it reads to its end) rather than
 * starting a process to list it: the listing is written before the
 * worker reads its first command. A runner that closed its end (it had
 * the listing already) makes the write fail, and nothing more. */
#define LISTING_BUFFER (256 * 1024)

static void
write_listing_if_asked (void)
{
  const char *given = g_getenv ("TALLY_LIST_FD");
  int fd = given != NULL ? atoi (given) : -1;
  FILE *out;

  g_unsetenv ("TALLY_LIST_FD");
  if (fd <= STDERR_FILENO || fd == TALLY_PROTOCOL_IN_FD || fd == TALLY_PROTOCOL_OUT_FD
      || (out = fdopen (fd, "w")) == NULL)
    return;
  /* Few writes: the runner waits for the whole listing. */
  setvbuf (out, NULL, _IOFBF, LISTING_BUFFER);
  tally_signals_catch_sigpipe ();
  tally_list_write (out);
  fclose (out);
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

      n = read (commands_fd, chunk, sizeof chunk);
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

/* Read ends of the stdout and stderr pipes the runner made, or -1: then
 * fds 1 and 2 are the files, and the worker makes pipes of its own. */
static int stdio_pipes[3] = { -1, -1, -1 };

static void
keep_stdio_files (void)
{
  const char *given = g_getenv ("TALLY_WORKER_STDIO");
  int fds[4];

  /* "FILE1,FILE2,PIPE1,PIPE2" from the runner (not seen by a forked
   * test's process, which gets the files as fds 1 and 2). */
  if (given != NULL && sscanf (given, "%d,%d,%d,%d", &fds[0], &fds[1], &fds[2], &fds[3]) == 4)
    {
      for (int i = 0; i < 2; i++)
        {
          stdio_files[i + 1] = fcntl (fds[i], F_DUPFD_CLOEXEC, 10);
          stdio_pipes[i + 1] = fcntl (fds[i + 2], F_DUPFD_CLOEXEC, 10);
        }
      for (int i = 0; i < 4; i++)
        close (fds[i]);
      g_unsetenv ("TALLY_WORKER_STDIO");
      return;
    }
  g_unsetenv ("TALLY_WORKER_STDIO");
  for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
    stdio_files[fd] = fcntl (fd, F_DUPFD_CLOEXEC, 10);
}

/* The protocol moves off fds 3 and 4 before any test runs, to
 * descriptors of the worker's own, and fds 3 and 4 then point at
 * /dev/null: a test (or a child it forks) that writes to fd 4, closes it
 * or dup2()s over it by habit or by accident reaches nothing of the
 * runner's, and cannot corrupt the protocol or make the tests queued
 * behind it run unheard. */
static void
hide_protocol_fds (void)
{
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  int moved[2];

  for (int i = 0; i < 2; i++)
    moved[i] = fcntl (TALLY_PROTOCOL_IN_FD + i, F_DUPFD_CLOEXEC, 10);
  if (moved[0] < 0 || moved[1] < 0 || null < 0)
    return;   /* no descriptors to spare: keep 3 and 4 as they are */
  commands_fd = moved[0];
  events_fd = moved[1];
  dup3 (null, TALLY_PROTOCOL_IN_FD, O_CLOEXEC);
  dup3 (null, TALLY_PROTOCOL_OUT_FD, O_CLOEXEC);
  close (null);
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
  guint64 out_end, err_end;
  gint64 max_rss_kb;
  guint8 *big;

  tally_usage_take (duration_us, &result.cpu_us, &max_rss_kb);
  result.max_rss_kb = (gint32) MIN (max_rss_kb, G_MAXINT32);
  tally_worker_stdio_test_end (&out_end, &err_end);

  g_mutex_lock (&out_lock);
  tally_protocol_finished_write (frame_begin_locked (size, &big), test->tc->index, &result,
                                 test->tainted, out_end, err_end);
  frame_end_locked (size, big);
  /* After the result: records the test's threads logged as it ended are
   * its late records (the runner stores them with its result). */
  send_late_locked ();
  flush_locked ();
  g_mutex_unlock (&out_lock);
}

/* A forked test's process (`forked` marker, `tally run --forked`): a
 * fresh exec of this program in worker mode, sharing our event pipe and
 * output files, that runs the one test and says on fd 5 that it reported
 * it. Set in the child; -1 in a worker. */
#define FORKED_DONE_FD 5
static int forked_done_fd = -1;

static gboolean
wants_fork (TallyTestCase *tc)
{
  static int all = -1;

  if (forked_done_fd >= 0)
    return FALSE;
  if (all < 0)
    all = g_strcmp0 (g_getenv ("TALLY_FORKED"), "1") == 0;
  return all || tally_markers_has (tc->markers, "forked");
}

/* The child never reported: its test crashed there. */
static void
report_forked_death (TallyTestCase *tc,
                     int            wait_status,
                     gint64         started_at_us,
                     gint64         duration_us)
{
  g_autofree char *message = NULL;
  TallyResult result = { 0 };
  guint64 out_end, err_end;
  gsize size;
  guint8 *big;

  /* The child wrote to the runner's files itself. */
  tally_worker_stdio_resync ();
  tally_worker_stdio_test_begin (FALSE);
  tally_worker_stdio_test_end (&out_end, &err_end);

  if (WIFSIGNALED (wait_status))
    message = g_strdup_printf ("the test's own process (forked) died of signal %d (%s)",
                               WTERMSIG (wait_status), g_strsignal (WTERMSIG (wait_status)));
  else
    message = g_strdup_printf ("the test's own process (forked) exited with status %d in the middle of the test",
                               WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1);

  result.outcome = TALLY_OUTCOME_CRASHED;
  result.cpu_us = result.max_rss_kb = -1;
  result.message = message;
  result.started_at_us = started_at_us;
  result.duration_us = duration_us;
  size = tally_protocol_finished_size (message, NULL);

  g_mutex_lock (&out_lock);
  tally_protocol_finished_write (frame_begin_locked (size, &big), tc->index, &result, FALSE,
                                 out_end, err_end);
  frame_end_locked (size, big);
  flush_locked ();
  g_mutex_unlock (&out_lock);
}

static void
write_command (int               fd,
               TallyMessageType  type,
               GVariant         *body)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);
  gsize size = tally_frame_size (owned);
  g_autofree guint8 *frame = g_malloc0 (size);

  tally_frame_store (frame, type, owned);
  write_all (fd, frame, size);
}

static void send_late (gboolean drain_first);

/* Waits for a forked test's process to report (a byte on @done_fd) and
 * to close @done_fd. With @relay_fd >= 0, the process's events come
 * through it instead of going to the runner directly: they are kept, and
 * sent after the late output of an ended test's helper gathered
 * meanwhile, so the runner has it before the run can end. */
static gboolean
wait_forked (int         done_fd,
             int         relay_fd,
             GByteArray *relayed)
{
  guint8 chunk[65536];
  gboolean reported = FALSE;

  for (;;)
    {
      struct pollfd fds[2] = { { .fd = done_fd, .events = POLLIN }, { .fd = relay_fd, .events = POLLIN } };
      ssize_t n;

      if (poll (fds, relay_fd >= 0 ? 2 : 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (relay_fd >= 0 && fds[1].revents != 0)
        {
          n = read (relay_fd, chunk, sizeof chunk);
          if (n > 0)
            g_byte_array_append (relayed, chunk, n);
          else if (n == 0 || errno != EINTR)
            relay_fd = -1;   /* its end: the process is gone */
          continue;
        }
      if (fds[0].revents != 0)
        {
          char byte;

          n = read (done_fd, &byte, 1);
          if (n == 1)
            reported = TRUE;
          else if (n == 0 || errno != EINTR)
            break;
        }
    }

  /* What is left: a helper of the test's own may still hold the relay. */
  if (relay_fd >= 0)
    {
      ssize_t n;

      fcntl (relay_fd, F_SETFL, O_NONBLOCK);
      while ((n = read (relay_fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
          g_byte_array_append (relayed, chunk, n);
    }
  return reported;
}

static void
run_forked (TallyTestCase       *tc,
            TallyProgramOptions *opts,
            gboolean             relay)
{
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "TALLY_WORKER_CHILD",
                                         G_STRINGIFY (FORKED_DONE_FD), TRUE);
  gint64 started_at = g_get_real_time (), started = g_get_monotonic_time ();
  guint32 index = tc->index;
  int commands[2], done[2], relay_pipe[2] = { -1, -1 }, wait_status = 0;
  g_autoptr(GByteArray) relayed = g_byte_array_new ();
  gboolean reported = FALSE;
  pid_t child;

  /* What is buffered goes out now, or the child would send it again. */
  g_mutex_lock (&out_lock);
  flush_locked ();
  g_mutex_unlock (&out_lock);
  fflush (stdout);
  fflush (stderr);

  if (!g_unix_open_pipe (commands, FD_CLOEXEC, NULL) || !g_unix_open_pipe (done, FD_CLOEXEC, NULL))
    {
      report_forked_death (tc, 127 << 8, started_at, 0);
      return;
    }
  if (relay && !g_unix_open_pipe (relay_pipe, FD_CLOEXEC, NULL))
    relay_pipe[0] = relay_pipe[1] = -1;

  child = fork ();
  if (child == 0)
    {
      /* Async-signal-safe calls only until exec. */
      /* Our event pipe (moved off fd 4: hide_protocol_fds()) is the
       * child's fd 4; dup2() leaves it open across exec. */
      dup2 (commands[0], TALLY_PROTOCOL_IN_FD);
      dup2 (done[1], FORKED_DONE_FD);
      dup2 (relay_pipe[1] >= 0 ? relay_pipe[1] : events_fd, TALLY_PROTOCOL_OUT_FD);
      /* The runner's files, not our pipes: the child reports offsets in
       * them (and drains pipes of its own). */
      if (stdio_files[STDOUT_FILENO] >= 0)
        dup2 (stdio_files[STDOUT_FILENO], STDOUT_FILENO);
      if (stdio_files[STDERR_FILENO] >= 0)
        dup2 (stdio_files[STDERR_FILENO], STDERR_FILENO);
      execve ("/proc/self/exe", opts->argv, envp);
      _exit (127);
    }

  close (commands[0]);
  close (done[1]);
  if (relay_pipe[1] >= 0)
    close (relay_pipe[1]);
  if (child > 0)
    {
      write_command (commands[1], TALLY_MSG_RUN,
                     g_variant_new ("(@au)", g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, &index, 1,
                                                                        sizeof (guint32))));
      write_command (commands[1], TALLY_MSG_QUIT, g_variant_new ("()"));
    }
  close (commands[1]);

  if (child > 0)
    reported = wait_forked (done[0], relay_pipe[0], relayed);
  close (done[0]);
  if (relay_pipe[0] >= 0)
    close (relay_pipe[0]);
  while (child > 0 && waitpid (child, &wait_status, 0) < 0 && errno == EINTR)
    ;
  tally_usage_forget_children ();

  if (relay_pipe[0] >= 0)
    {
      /* The helper's late output first: the runner may end the run as
       * soon as it has this test's result. */
      send_late (TRUE);
      write_all (events_fd, relayed->data, relayed->len);
    }
  tally_worker_stdio_resync ();
  if (!reported)
    report_forked_death (tc, child > 0 ? wait_status : 127 << 8, started_at,
                         g_get_monotonic_time () - started);
}

/* The test whose helper (a thread it started, or a child it left with
 * leaks=ignore) may have written since the last test ended. */
static const char *late_owner;

/* Between tests: whether children that an ended test left running
 * (with leaks=ignore: others are killed), or a thread it started that
 * outlived the wait at its end (tally-threads.c), still run.
 * Then the next test runs in a process of its own (as `forked`): nothing
 * they write to fds 1 and 2 can be taken for that test's (a pipe cannot
 * tell writers apart, but only they write to the worker's pipes now),
 * and what they write is late output, their test's. Their late records
 * are told apart by thread (caplog). Costs no system call while no test
 * left children with leaks=ignore or threads past the wait. */
static const char *
helper_owner (void)
{
  const char *owner;

  if (forked_done_fd >= 0)
    return NULL;   /* a forked test's process: one test, then gone */
  owner = tally_processes_helper_owner ();
  return owner != NULL ? owner : tally_threads_running_owner ();
}

/* Sends what helpers wrote and logged since the last test: only the
 * main thread, never while a forked test's process runs. */
static void
send_late (gboolean drain_first)
{
  const char *owner = late_owner != NULL ? late_owner : tally_threads_any_owner ();

  queue_late_output (owner, drain_first);
  g_mutex_lock (&out_lock);
  if (late_queue != NULL && late_queue->len > 0)
    {
      send_late_locked ();
      flush_locked ();
    }
  g_mutex_unlock (&out_lock);
}

static gboolean
run_one (TallyTestCase       *tc,
         TallyProgramOptions *opts)
{
  const char *helper = helper_owner ();
  TallyTest *test;
  gint64 started;
  gboolean tainted;
  guint8 *big;

  if (helper != NULL || wants_fork (tc))
    {
      if (helper != NULL)
        late_owner = helper;
      run_forked (tc, opts, helper != NULL);
      return TRUE;
    }
  /* A helper that ended may have written before it did. */
  if (late_owner != NULL || tally_threads_any_owner () != NULL)
    {
      send_late (TRUE);
      late_owner = NULL;
    }

  /* Buffered, not flushed: the runner counts a test as started when the
   * one before it finishes, so this costs no system call. */
  g_mutex_lock (&out_lock);
  tally_protocol_started_write (frame_begin_locked (tally_protocol_started_size (), &big),
                                tc->index, g_get_real_time ());
  frame_end_locked (tally_protocol_started_size (), big);
  g_mutex_unlock (&out_lock);

  tally_worker_stdio_test_begin (FALSE);
  started = g_get_monotonic_time ();
  test = tally_executor_run (tc, &opts->exec);
  fflush (stdout);
  fflush (stderr);

  /* A worker whose state the test may have broken (unwound from a
   * callback, leftovers destroyed) retires after reporting it. */
  tainted = test->tainted || test->retire;
  send_finished (test, g_get_monotonic_time () - started);
  if (forked_done_fd >= 0)
    write_all (forked_done_fd, (const guint8 *) "F", 1);
  tally_test_free (test);

  return !tainted;
}

static void
on_fixture_event (const char *name,
                  guint       event,
                  const char *message)
{
  send_now (TALLY_MSG_FIXTURE, g_variant_new ("(sus)", name, event, message ? message : ""));
}

int
tally_worker_main (TallyProgramOptions *opts)
{
  g_autoptr(TallyFrameReader) reader = tally_frame_reader_new ();
  guint n_tests = tally_registry_get_n_tests ();
  GQueue queue = G_QUEUE_INIT;
  gboolean quit = FALSE;
  const char *bye = "done";

  if (!check_protocol_fds (opts))
    return 4;
  /* Its tests and their children: in a process group of their own, so
   * no terminal signal is meant for them. */
  tally_signals_default_ignored (NULL);
  write_listing_if_asked ();

  /* A forked test's process: no HELLO or BYE of its own. */
  if (g_getenv ("TALLY_WORKER_CHILD") != NULL)
    {
      forked_done_fd = atoi (g_getenv ("TALLY_WORKER_CHILD"));
      fcntl (forked_done_fd, F_SETFD, FD_CLOEXEC);
      g_unsetenv ("TALLY_WORKER_CHILD");
    }

  /* A test that calls exit() still gets its STARTED and log out. */
  worker_pid = getpid ();
  atexit (flush_at_exit);
  pthread_atfork (NULL, NULL, on_fork_child);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* A process group of its own: a test's kill (0, sig) reaches the
   * worker and its children, never the runner; the runner signals the
   * whole group when it stops the worker. */
  setpgid (0, 0);
  keep_stdio_files ();
  tally_worker_stdio_start (stdio_files, stdio_pipes);
  hide_protocol_fds ();
  tally_processes_track ();
  setvbuf (stdout, NULL, _IOLBF, 0);
  install_signal_handlers ();
  tally_caplog_set_sink (on_record, NULL);
  tally_caplog_set_late_sink (on_late_record);
  tally_worker_fixtures_set_notify (on_fixture_event);

  if (forked_done_fd < 0)
    send_now (TALLY_MSG_HELLO, g_variant_new ("(uut)", TALLY_PROTOCOL_VERSION,
                                              n_tests, (guint64) getpid ()));

  tally_usage_start ();
  while (read_commands (reader, &queue, n_tests, &quit))
    {
      guint index = GPOINTER_TO_UINT (g_queue_pop_head (&queue));
      TallyTestCase tc;

      /* One test's record at a time: a million tests cost no
       * TallyTestCase each in the worker. */
      if (!run_one (tally_registry_get_test (index, &tc), opts))
        {
          bye = "tainted";
          break;
        }
    }

  tally_caplog_set_sink (NULL, NULL);
  tally_caplog_set_late_sink (NULL);
  if (forked_done_fd < 0)
    send_late (TRUE);
  /* Before BYE: the runner reports what their teardown says (a tainted
   * worker's fixtures are torn down at exit, unreported). */
  if (g_str_equal (bye, "done"))
    tally_worker_fixtures_shutdown ();
  tally_worker_fixtures_set_notify (NULL);
  if (forked_done_fd < 0)
    send_now (TALLY_MSG_BYE, g_variant_new ("(s)", bye));
  g_queue_clear (&queue);

  return 0;
}
