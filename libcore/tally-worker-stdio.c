/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "tally-worker-stdio-private.h"

/* A worker's fds 1 and 2 are pipes, not the runner's files. A thread
 * ("tally-stdio") moves what arrives on them into the runner's files
 * (in-memory files the runner reads per test, at the offsets FINISHED
 * gives), and the worker drains them at each test's end before it
 * reports. So:
 *
 *  - a test (or a shell it runs) that opens /dev/stdout, /dev/stderr or
 *    /proc/self/fd/1-2, with O_TRUNC or not, opens the same pipe: it can
 *    neither truncate the runner's file nor write at offset 0 over other
 *    tests' output;
 *  - what a test prints is kept up to HEAD_KEEP bytes, then only the last
 *    TAIL_KEEP bytes are held (in memory, a ring) and written out at the
 *    test's end after a note of how much was cut: a test that prints
 *    gigabytes costs the worker and the runner about 1 MiB per stream;
 *  - bytes that arrive when no test of this process runs (a helper
 *    thread or child of an ended test, writing between two tests, or
 *    while the worker runs the next tests in processes of their own: see
 *    tally-worker.c) are late output: counted, their first
 *    TALLY_LATE_HEAD_KEEP bytes kept, and handed to the worker
 *    (tally_worker_stdio_take_late()), which attributes them to the test
 *    that started the helper, never to another test;
 *  - a pipe cannot tell writers apart, so no test runs in this process
 *    while a helper of an ended test may write: a test waits up to
 *    100 ms for the threads it started (tally-threads.c); while one of
 *    them still runs after that, or a child it left with leaks=ignore
 *    runs, the next tests run in processes of their own
 *    (fresh execs that write to the runner's files, not to these pipes),
 *    and everything these pipes get meanwhile is late output.
 *
 * In the common case (a test prints nothing) this costs one poll() of
 * both pipes as a test ends, plus the fstat() per stream that checks fds
 * 1 and 2 are still the pipes (a test may close or replace them; they are
 * put back). A poll() as a test begins, for what an ended test's helper
 * wrote since, is paid only while an ended test's helper may still run
 * (the worker knows). The files' sizes are tracked here, so no fstat()
 * of the runner's files is needed. */

/* Together under the runner's 1 MiB cap (engine/tally-session.c), so the
 * runner never cuts again. */
#define HEAD_KEEP (512 * 1024)
#define TAIL_KEEP (512 * 1024 - 256)
#define PIPE_SIZE (1024 * 1024)

typedef struct
{
  int fd;              /* 1 or 2 */
  int file;            /* the runner's file, on a descriptor of ours */
  int pipe_r;          /* non-blocking */
  int pipe_w;          /* a copy of fd 1 or 2, to put back */
  dev_t pipe_dev;
  ino_t pipe_ino;
  guint64 size;        /* the runner's file's size, as written here */
  guint64 test_bytes;  /* what the running test printed so far */
  guint64 ring_total;  /* bytes past the head, the last TAIL_KEEP in ring */
  guint8 *ring;
} Stream;

static Stream streams[3];
static gboolean active;
static GMutex stdio_lock;
static volatile sig_atomic_t in_test;
/* Late output, per stream: written while no test ran here. */
static guint64 late_bytes[3];
static GString *late_heads[3];
static guint8 drain_buffer[65536];

static void
take_late (Stream       *s,
           const guint8 *data,
           gsize         len)
{
  GString *head = late_heads[s->fd];

  late_bytes[s->fd] += len;
  /* No allocation in a signal handler: the head is made in advance. */
  if (head != NULL && head->len < TALLY_LATE_HEAD_KEEP)
    g_string_append_len (head, (const char *) data, MIN (len, TALLY_LATE_HEAD_KEEP - head->len));
}

static void
append_file (Stream       *s,
             const guint8 *data,
             gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (s->file, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      s->size += n;
      data += n;
      len -= n;
    }
}

static void
take_chunk (Stream       *s,
            const guint8 *data,
            gsize         len)
{
  gsize pos;

  if (!in_test)
    {
      take_late (s, data, len);
      return;
    }

  if (s->test_bytes < HEAD_KEEP)
    {
      gsize n = MIN (len, HEAD_KEEP - s->test_bytes);

      append_file (s, data, n);
      s->test_bytes += n;
      data += n;
      len -= n;
    }
  if (len == 0)
    return;

  s->test_bytes += len;
  if (len > TAIL_KEEP)
    {
      s->ring_total += len - TAIL_KEEP;
      data += len - TAIL_KEEP;
      len = TAIL_KEEP;
    }
  pos = s->ring_total % TAIL_KEEP;
  s->ring_total += len;
  while (len > 0)
    {
      gsize n = MIN (len, TAIL_KEEP - pos);

      memcpy (s->ring + pos, data, n);
      data += n;
      len -= n;
      pos = 0;
    }
}

/* The running test's first bytes go from the pipe to the runner's file
 * with splice(), in the kernel: a worker killed (SIGKILL) between a
 * read() and its write() lost what it had read, while spliced bytes are
 * in the pipe or in the file, never only in our memory. */
static gboolean splice_fails;

/* Until the pipe is empty (a short read says so). Async-signal-safe. */
static void
drain (Stream *s,
       guint8 *buffer,
       gsize   buffer_size)
{
  for (;;)
    {
      gsize want = buffer_size;
      ssize_t n;

      if (in_test && s->test_bytes < HEAD_KEEP && !splice_fails)
        {
          want = HEAD_KEEP - s->test_bytes;
          n = splice (s->pipe_r, NULL, s->file, NULL, want, SPLICE_F_NONBLOCK);
          if (n > 0)
            {
              s->size += n;
              s->test_bytes += n;
            }
          else if (n < 0 && errno != EINTR && errno != EAGAIN)
            {
              splice_fails = TRUE;   /* EINVAL: a file it cannot write to */
              continue;
            }
        }
      else
        {
          n = read (s->pipe_r, buffer, buffer_size);
          if (n > 0)
            take_chunk (s, buffer, n);
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || (gsize) n < want)
        return;
    }
}

/* No printf: called from a fatal signal handler too. */
static gsize
format_note (char    *out,
             guint64  cut)
{
  static const char head[] = "\n[tally: ", tail[] = " bytes left out]\n";
  char digits[24];
  gsize n = 0, len = 0;

  do
    digits[n++] = '0' + cut % 10;
  while ((cut /= 10) > 0);
  memcpy (out, head, sizeof head - 1);
  len = sizeof head - 1;
  while (n > 0)
    out[len++] = digits[--n];
  memcpy (out + len, tail, sizeof tail - 1);
  return len + sizeof tail - 1;
}

/* The test's end: the note and the tail go after the head. */
static void
finish_stream (Stream *s)
{
  if (s->ring_total > TAIL_KEEP)
    {
      char note[64];
      gsize pos = s->ring_total % TAIL_KEEP;

      append_file (s, (const guint8 *) note, format_note (note, s->ring_total - TAIL_KEEP));
      append_file (s, s->ring + pos, TAIL_KEEP - pos);
      append_file (s, s->ring, pos);
    }
  else if (s->ring_total > 0)
    append_file (s, s->ring, s->ring_total);
  s->test_bytes = 0;
  s->ring_total = 0;
}

static gpointer
drain_thread (gpointer data)
{
  struct pollfd fds[2];
  guint n_fds = 0;

  prctl (PR_SET_NAME, "tally-stdio");
  for (int fd = 1; fd <= 2; fd++)
    if (streams[fd].pipe_r >= 0)
      {
        fds[n_fds].fd = streams[fd].pipe_r;
        fds[n_fds].events = POLLIN;
        n_fds++;
      }

  for (;;)
    {
      if (poll (fds, n_fds, -1) < 0 && errno != EINTR)
        return NULL;
      g_mutex_lock (&stdio_lock);
      for (int fd = 1; fd <= 2; fd++)
        if (streams[fd].pipe_r >= 0)
          drain (&streams[fd], drain_buffer, sizeof drain_buffer);
      g_mutex_unlock (&stdio_lock);
    }

  return NULL;
}

/* @given_pipe: the read end of the pipe that is @fd already (the runner
 * made it and keeps a read end too), or -1: then a pipe is made here. */
static gboolean
start_stream (Stream *s,
              int     fd,
              int     file,
              int     given_pipe)
{
  struct stat st;
  int p[2];

  s->fd = fd;
  s->file = file;
  s->pipe_r = s->pipe_w = -1;
  if (file < 0 || fstat (file, &st) < 0 || !S_ISREG (st.st_mode))
    return FALSE;
  if (given_pipe >= 0)
    {
      s->pipe_r = given_pipe;
      s->pipe_w = fcntl (fd, F_DUPFD_CLOEXEC, 10);
    }
  else
    {
      if (pipe2 (p, O_CLOEXEC) < 0)
        return FALSE;
      /* Out of the way of the descriptors tests use by habit. */
      s->pipe_r = fcntl (p[0], F_DUPFD_CLOEXEC, 10);
      s->pipe_w = fcntl (p[1], F_DUPFD_CLOEXEC, 10);
      close (p[0]);
      close (p[1]);
    }
  if (s->pipe_r < 0 || s->pipe_w < 0 || fstat (s->pipe_w, &st) < 0 || !S_ISFIFO (st.st_mode)
      || (given_pipe < 0 && dup2 (s->pipe_w, fd) < 0))
    {
      if (s->pipe_r >= 0)
        close (s->pipe_r);
      if (s->pipe_w >= 0)
        close (s->pipe_w);
      s->pipe_r = s->pipe_w = -1;
      if (given_pipe >= 0)
        dup2 (file, fd);   /* no pipe after all: the file itself */
      return FALSE;
    }
  fcntl (s->pipe_r, F_SETFL, O_NONBLOCK);
  /* Fewer wake-ups of the thread when a test prints a lot. */
  fcntl (s->pipe_r, F_SETPIPE_SZ, PIPE_SIZE);
  s->pipe_dev = st.st_dev;
  s->pipe_ino = st.st_ino;
  s->ring = g_malloc (TAIL_KEEP);
  late_heads[fd] = g_string_sized_new (TALLY_LATE_HEAD_KEEP + 1);
  tally_worker_stdio_resync ();
  return TRUE;
}

/**
 * tally_worker_stdio_start:
 * @files: the runner's files, indexed by fd (1 and 2), on descriptors of ours
 * @pipes: read ends of the pipes that fds 1 and 2 are, made by the runner, or -1
 *
 * Makes fds 1 and 2 pipes (unless the runner did) and starts the thread
 * that drains them.
 */
void
tally_worker_stdio_start (const int *files,
                          const int *pipes)
{
  gboolean any = FALSE;
  sigset_t all, old;
  pthread_t thread;

  for (int fd = 1; fd <= 2; fd++)
    any |= start_stream (&streams[fd], fd, files[fd], pipes[fd]);
  if (!any)
    return;

  /* Signals meant for tests (alarms, a kill of the worker) go to the
   * main thread, never to this one. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &old);
  active = pthread_create (&thread, NULL, (gpointer (*) (gpointer)) drain_thread, NULL) == 0;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (active)
    pthread_detach (thread);
  else
    for (int fd = 1; fd <= 2; fd++)
      if (streams[fd].pipe_r >= 0)
        {
          /* No thread: write to the file directly, as before. */
          dup2 (streams[fd].file, fd);
          close (streams[fd].pipe_r);
          close (streams[fd].pipe_w);
          streams[fd].pipe_r = streams[fd].pipe_w = -1;
        }
}

/* Empties the pipes that hold something: one poll() for both. */
static void
drain_ready (void)
{
  struct pollfd fds[2];
  Stream *of[2];
  guint n_fds = 0;

  for (int fd = 1; fd <= 2; fd++)
    if (streams[fd].pipe_r >= 0)
      {
        fds[n_fds].fd = streams[fd].pipe_r;
        fds[n_fds].events = POLLIN;
        fds[n_fds].revents = 0;
        of[n_fds++] = &streams[fd];
      }
  if (n_fds == 0)
    return;
  while (poll (fds, n_fds, 0) < 0)
    if (errno != EINTR)
      return;
  for (guint i = 0; i < n_fds; i++)
    if (fds[i].revents != 0)
      drain (of[i], drain_buffer, sizeof drain_buffer);
}

/* From now on, what arrives is the test's. With @drain_first, what is
 * still in the pipes (written after the last test ended, not yet moved
 * by the thread) is late output first: the worker asks for it while an
 * ended test's helper may run; otherwise nothing but the worker itself
 * writes between tests, and the poll() is saved. */
void
tally_worker_stdio_test_begin (gboolean drain_first)
{
  g_mutex_lock (&stdio_lock);
  if (drain_first)
    drain_ready ();
  in_test = TRUE;
  g_mutex_unlock (&stdio_lock);
}

/**
 * tally_worker_stdio_take_late:
 * @drain_first: empty the pipes first (one poll())
 * @n_bytes: (out): late bytes per stream (1 and 2), since the last call
 * @heads: (out): their first bytes, per stream (1 and 2), appended
 *
 * Returns: whether there were any
 */
gboolean
tally_worker_stdio_take_late (gboolean  drain_first,
                              guint64   n_bytes[3],
                              GString  *heads[3])
{
  gboolean any = FALSE;

  g_mutex_lock (&stdio_lock);
  if (drain_first && !in_test)
    drain_ready ();
  for (int fd = 1; fd <= 2; fd++)
    {
      n_bytes[fd] = late_bytes[fd];
      any |= late_bytes[fd] > 0;
      late_bytes[fd] = 0;
      if (late_heads[fd] != NULL)
        {
          g_string_append_len (heads[fd], late_heads[fd]->str, late_heads[fd]->len);
          g_string_truncate (late_heads[fd], 0);
        }
    }
  g_mutex_unlock (&stdio_lock);
  return any;
}

/* Puts the pipe back if the test closed or replaced @fd. */
static void
check_fd (Stream *s)
{
  struct stat st;

  if (fstat (s->fd, &st) == 0 && st.st_dev == s->pipe_dev && st.st_ino == s->pipe_ino)
    return;
  dup2 (s->pipe_w, s->fd);
}

/**
 * tally_worker_stdio_test_end:
 *
 * Drains what the test printed and returns where its output ends in the
 * runner's files; bytes that arrive from now on are nobody's.
 */
void
tally_worker_stdio_test_end (guint64 *out_end,
                             guint64 *err_end)
{
  g_mutex_lock (&stdio_lock);
  for (int fd = 1; fd <= 2; fd++)
    {
      Stream *s = &streams[fd];

      if (s->pipe_r < 0)
        {
          /* No pipe: the test wrote to the file itself. */
          tally_worker_stdio_resync ();
          continue;
        }
      check_fd (s);
    }
  drain_ready ();
  for (int fd = 1; fd <= 2; fd++)
    if (streams[fd].pipe_r >= 0)
      finish_stream (&streams[fd]);
  in_test = FALSE;
  *out_end = streams[1].size;
  *err_end = streams[2].size;
  g_mutex_unlock (&stdio_lock);
}

/* After someone else wrote to the files (a forked test's process). */
void
tally_worker_stdio_resync (void)
{
  struct stat st;

  for (int fd = 1; fd <= 2; fd++)
    if (streams[fd].file >= 0 && fstat (streams[fd].file, &st) == 0)
      streams[fd].size = st.st_size;
}

/* In a fatal signal handler or at exit: what the test printed before it
 * died goes out, lock or no lock. Async-signal-safe. */
void
tally_worker_stdio_emergency (void)
{
  static guint8 buffer[4096];

  if (!active)
    return;
  for (int fd = 1; fd <= 2; fd++)
    if (streams[fd].pipe_r >= 0)
      {
        drain (&streams[fd], buffer, sizeof buffer);
        finish_stream (&streams[fd]);
      }
}
