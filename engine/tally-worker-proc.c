/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib-unix.h>

#include "tally-child-private.h"
#include "tally-capture-private.h"
#include "tally-error.h"
#include "tally-protocol-private.h"
#include "tally-gtest-proc-private.h"
#include "tally-proc-threads-private.h"
#include "tally-worker-impl-private.h"

#define READ_CHUNK (256 * 1024)

/* A Tally program's worker: `PROGRAM --tally-worker`. */
typedef struct
{
  TallyWorkerProc base;
  GSubprocess *subprocess;
  int command_fd;             /* we write commands here */
  int event_fd;               /* we read events here */
  GSource *event_source;
  TallyFrameReader *reader;
  char *problem;
  gboolean said_bye;
  GCancellable *cancellable;
  gboolean running;           /* a test started and has no result yet */
  guint running_index;
  gint64 running_since;       /* its start, real time */
  char *stopped_threads;      /* what the threads were in at the SIGTERM */
  gint64 stopped_at;
  pid_t stopped_pid;
} NativeProc;

static void native_kill (TallyWorkerProc *base);

/* Returns FALSE for a frame whose payload does not parse. */
static gboolean
dispatch_frame (NativeProc       *native,
                const TallyFrame *frame)
{
  TallyWorkerProc *worker = &native->base;
  guint index;

  switch (frame->type)
    {
    case TALLY_MSG_HELLO:
      worker->ready = TRUE;
      return TRUE;

    case TALLY_MSG_STARTED:
      {
        gint64 started_at;

        if (!tally_protocol_started_parse (frame, &index, &started_at))
          return FALSE;
        native->running = TRUE;
        native->running_index = index;
        native->running_since = started_at;
        worker->callbacks->started (worker, index, started_at, worker->data);
      }
      return TRUE;

    case TALLY_MSG_LOG:
      {
        TallyLogRecord view;

        if (!tally_protocol_log_parse (frame, &index, &view))
          return FALSE;
        worker->callbacks->log (worker, index, tally_log_record_copy (&view), worker->data);
      }
      return TRUE;

    case TALLY_MSG_FINISHED:
      {
        TallyResult result;
        gboolean tainted = FALSE, ok;
        guint64 out_end = 0, err_end = 0;

        tally_result_init (&result);
        ok = tally_protocol_finished_parse (frame, &index, &result, &tainted, &out_end, &err_end);
        if (ok && index == native->running_index)
          native->running = FALSE;
        if (ok)
          worker->callbacks->finished (worker, index, &result, tainted, out_end, err_end,
                                       worker->data);
        tally_result_clear (&result);
        return ok;
      }

    case TALLY_MSG_BYE:
      native->said_bye = TRUE;
      return TRUE;

    case TALLY_MSG_FIXTURE:
      {
        g_autoptr(GVariant) body = tally_frame_get_variant (frame, NULL);
        const char *name, *message;
        guint32 event;

        if (body == NULL)
          return FALSE;
        g_variant_get (body, "(&su&s)", &name, &event, &message);
        if (worker->callbacks->fixture != NULL)
          worker->callbacks->fixture (worker, name, event, message, worker->data);
      }
      return TRUE;

    case TALLY_MSG_LATE:
      {
        g_autoptr(GVariant) body = tally_frame_get_variant (frame, NULL);
        g_autoptr(GVariant) text = NULL;
        guint32 stream, level;
        guint64 n_bytes;
        gconstpointer data;
        gsize len;

        if (body == NULL)
          return FALSE;
        g_variant_get (body, "(uuut@ay)", &index, &stream, &level, &n_bytes, &text);
        data = g_variant_get_fixed_array (text, &len, 1);
        if (worker->callbacks->late != NULL)
          worker->callbacks->late (worker, index, stream, level, n_bytes, data, len, worker->data);
      }
      return TRUE;

    case TALLY_MSG_CRASH:
      {
        TallyCrashInfo crash;

        if (!tally_protocol_crash_parse (frame, &crash))
          return FALSE;
        if (worker->crash != NULL)
          {
            tally_crash_info_clear (&crash);   /* only the first one counts */
            return TRUE;
          }
        worker->crash = g_memdup2 (&crash, sizeof crash);
      }
      return TRUE;

    case TALLY_MSG_RUN:
    case TALLY_MSG_QUIT:
    default:
      if (native->problem == NULL)
        native->problem = g_strdup_printf ("the worker sent a runner-only message (type %u)",
                                           frame->type);
      return TRUE;
    }
}

/* Reads what is available without blocking. Returns FALSE at EOF or on
 * a protocol error (then the worker is killed: nothing it says can be
 * trusted any more). */
static gboolean
read_events (NativeProc *native)
{
  g_autofree guint8 *chunk = g_malloc (READ_CHUNK);
  gboolean open = TRUE;

  for (;;)
    {
      ssize_t n = read (native->event_fd, chunk, READ_CHUNK);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0)
        {
          open = FALSE;
          break;
        }
      tally_frame_reader_push (native->reader, chunk, n);
      if (n < READ_CHUNK)
        break;
    }

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      TallyFrame frame;

      if (!tally_frame_reader_next (native->reader, &frame, &error))
        {
          if (error != NULL && native->problem == NULL)
            {
              native->problem = g_strdup (error->message);
              native_kill (&native->base);
              return FALSE;
            }
          break;
        }
      if (!dispatch_frame (native, &frame))
        {
          if (native->problem == NULL)
            native->problem = g_strdup_printf ("malformed body in a frame of type %u", frame.type);
          native_kill (&native->base);
          return FALSE;
        }
    }

  return open;
}

static gboolean
on_events_cb (int          fd,
              GIOCondition condition,
              gpointer     user_data)
{
  NativeProc *native = user_data;

  if (read_events (native))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&native->event_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
on_wait_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  NativeProc *native = user_data;
  TallyWorkerProc *worker = &native->base;
  GSubprocess *subprocess = G_SUBPROCESS (object);
  int signum = 0, exit_status = -1;

  if (!g_subprocess_wait_finish (subprocess, result, NULL))
    return;   /* cancelled: the worker is being freed */

  /* What the worker wrote before it died is still in the pipe. */
  if (native->event_source != NULL)
    {
      read_events (native);
      g_source_destroy (native->event_source);
      g_clear_pointer (&native->event_source, g_source_unref);
    }

  if (g_subprocess_get_if_signaled (subprocess))
    signum = g_subprocess_get_term_sig (subprocess);
  else
    exit_status = g_subprocess_get_exit_status (subprocess);

  /* After the log the worker flushed as it died (its STARTED frame too:
   * events are sent at the end of a test). */
  if (native->stopped_threads != NULL && native->running)
    worker->callbacks->log (worker, native->running_index,
                            tally_proc_threads_record (native->stopped_threads, native->stopped_pid,
                                                       native->running_since, native->stopped_at),
                            worker->data);
  g_clear_pointer (&native->stopped_threads, g_free);

  worker->exited = TRUE;
  worker->callbacks->exited (worker, native->said_bye && native->problem == NULL,
                             signum, exit_status, native->problem, worker->data);
}

static gboolean
make_pipe (int      fds[2],
           GError **error)
{
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;
  return TRUE;
}

static GStrv
worker_argv (TallyProgram              *program,
             const TallyWorkerSettings *settings)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *absolute = g_canonicalize_filename (program->path, NULL);
  char timeout[G_ASCII_DTOSTR_BUF_SIZE];

  g_strv_builder_add (builder, absolute);
  if (program->args != NULL)
    g_strv_builder_addv (builder, (const char **) program->args);
  g_strv_builder_add (builder, "--tally-worker");
  g_ascii_dtostr (timeout, sizeof timeout, settings->default_timeout_s);
  g_strv_builder_add_many (builder, "--timeout", timeout, NULL);
  if (settings->leaks != NULL)
    g_strv_builder_add_many (builder, "--leaks", settings->leaks, NULL);

  return g_strv_builder_end (builder);
}

/**
 * tally_worker_proc_apply_program:
 * @launcher: a launcher
 * @program: the program it starts
 *
 * Applies @program's environment (from a meson build directory or an
 * installed-tests file) to @launcher; its working directory is the
 * caller's to apply.
 */
void
tally_worker_proc_apply_program (GSubprocessLauncher *launcher,
                                 TallyProgram        *program)
{
  for (guint i = 0; program->envp && program->envp[i]; i++)
    {
      g_autofree char *name = g_strdup (program->envp[i]);
      char *eq = strchr (name, '=');

      if (eq == NULL)
        continue;
      *eq = '\0';
      g_subprocess_launcher_setenv (launcher, name, eq + 1, TRUE);
    }
}

void
tally_worker_proc_init (TallyWorkerProc            *worker,
                        const TallyWorkerProcClass *klass,
                        TallyProgram               *program,
                        int                         slot,
                        const TallyWorkerCallbacks *callbacks,
                        gpointer                    data)
{
  worker->klass = klass;
  worker->program = tally_program_ref (program);
  worker->slot = slot;
  worker->callbacks = callbacks;
  worker->data = data;
  worker->output_fds[0] = -1;
  worker->pipe_fds[0] = worker->pipe_fds[1] = worker->pipe_fds[2] = -1;
  worker->output_fds[TALLY_STREAM_STDOUT] = tally_memfd_new ("tally-worker-stdout", NULL);
  worker->output_fds[TALLY_STREAM_STDERR] = tally_memfd_new ("tally-worker-stderr", NULL);
}

static void native_send_run  (TallyWorkerProc *base, const guint32 *indices, guint n_indices);
static void native_send_quit (TallyWorkerProc *base);
static void native_terminate (TallyWorkerProc *base);
static void native_finalize  (TallyWorkerProc *base);

static const TallyWorkerProcClass native_class = {
  native_send_run,
  native_send_quit,
  native_terminate,
  native_kill,
  native_finalize,
};

/**
 * tally_close_inherited_fds_on_exec:
 *
 * Marks every descriptor from 3 up close-on-exec (see
 * tally-worker-proc-private.h): the kernel's close_range(), or a walk of
 * /proc/self/fd where it is missing.
 */
void
tally_close_inherited_fds_on_exec (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (close_range (STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;

  dir = g_dir_open ("/proc/self/fd", 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      int fd = atoi (name);
      int flags;

      if (fd <= STDERR_FILENO || (flags = fcntl (fd, F_GETFD)) < 0)
        continue;
      fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

/* A native worker's fds 1 and 2 are pipes that it empties into our files
 * (libcore/tally-worker-stdio.c). We make them, and keep read ends of our
 * own: what is still in them when the worker dies (a test that printed
 * and was SIGKILLed at once) is emptied into the files after its death.
 * The worker gets the write ends as fds 1 and 2, and the files and its
 * read ends on fds 6 to 9, named in TALLY_WORKER_STDIO. */
static gboolean
give_pipes (TallyWorkerProc       *worker,
            GSubprocessLauncher   *launcher)
{
  int out[2], err[2];

  if (!g_unix_open_pipe (out, FD_CLOEXEC, NULL))
    return FALSE;
  if (!g_unix_open_pipe (err, FD_CLOEXEC, NULL))
    {
      close (out[0]);
      close (out[1]);
      return FALSE;
    }
  g_unix_set_fd_nonblocking (out[0], TRUE, NULL);
  g_unix_set_fd_nonblocking (err[0], TRUE, NULL);
  worker->pipe_fds[TALLY_STREAM_STDOUT] = out[0];
  worker->pipe_fds[TALLY_STREAM_STDERR] = err[0];
  g_subprocess_launcher_take_stdout_fd (launcher, out[1]);
  g_subprocess_launcher_take_stderr_fd (launcher, err[1]);
  g_subprocess_launcher_take_fd (launcher, dup (worker->output_fds[TALLY_STREAM_STDOUT]), 6);
  g_subprocess_launcher_take_fd (launcher, dup (worker->output_fds[TALLY_STREAM_STDERR]), 7);
  g_subprocess_launcher_take_fd (launcher, dup (out[0]), 8);
  g_subprocess_launcher_take_fd (launcher, dup (err[0]), 9);
  g_subprocess_launcher_setenv (launcher, "TALLY_WORKER_STDIO", "6,7,8,9", TRUE);
  return TRUE;
}

#define EVENTS_PIPE_SIZE (1024 * 1024)

/* Where a worker asked for the listing writes it (TALLY_LIST_FD). */
#define LISTING_FD 5

static TallyWorkerProc *
native_spawn (TallyProgram               *program,
              int                         slot,
              const TallyWorkerSettings  *settings,
              const TallyWorkerCallbacks *callbacks,
              gpointer                    data,
              int                        *listing_fd,
              GError                    **error)
{
  /* INHERIT_FDS lets GLib start the worker with posix_spawn() instead of
   * fork() and exec(): 0.6 ms rather than 2–5 ms of the runner's time
   * (it copies no page tables). Nothing leaks: every descriptor of the
   * runner is close-on-exec (tally_close_inherited_fds_on_exec()). */
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_INHERIT_FDS);
  g_auto(GStrv) argv = worker_argv (program, settings);
  g_autofree char *slot_text = g_strdup_printf ("%d", slot);
  int command[2], events[2];
  TallyWorkerProc *worker;
  NativeProc *native;

  if (!make_pipe (command, error))
    return NULL;
  if (!make_pipe (events, error))
    {
      close (command[0]);
      close (command[1]);
      return NULL;
    }
  /* The runner reads events a millisecond at a time while the workers
   * are busy (can_nap() in tally-session.c): a test that logs a lot
   * fills the default 64 KiB in less, and its worker would wait. Best
   * effort: the kernel caps it at /proc/sys/fs/pipe-max-size. */
  fcntl (events[1], F_SETPIPE_SZ, EVENTS_PIPE_SIZE);

  native = g_new0 (NativeProc, 1);
  worker = &native->base;
  tally_worker_proc_init (worker, &native_class, program, slot, callbacks, data);
  native->reader = tally_frame_reader_new ();
  native->cancellable = g_cancellable_new ();
  native->command_fd = command[1];
  native->event_fd = events[0];
  g_unix_set_fd_nonblocking (native->event_fd, TRUE, NULL);

  tally_worker_proc_apply_program (launcher, program);
  if (program->workdir != NULL)
    g_subprocess_launcher_set_cwd (launcher, program->workdir);
  g_subprocess_launcher_take_fd (launcher, command[0], TALLY_PROTOCOL_IN_FD);
  g_subprocess_launcher_take_fd (launcher, events[1], TALLY_PROTOCOL_OUT_FD);
  if (worker->output_fds[TALLY_STREAM_STDOUT] >= 0 && worker->output_fds[TALLY_STREAM_STDERR] >= 0
      && give_pipes (worker, launcher))
    ;
  else
    {
      if (worker->output_fds[TALLY_STREAM_STDOUT] >= 0)
        g_subprocess_launcher_take_stdout_fd (launcher, dup (worker->output_fds[TALLY_STREAM_STDOUT]));
      if (worker->output_fds[TALLY_STREAM_STDERR] >= 0)
        g_subprocess_launcher_take_stderr_fd (launcher, dup (worker->output_fds[TALLY_STREAM_STDERR]));
    }
  g_subprocess_launcher_setenv (launcher, "TALLY_WORKER_SLOT", slot_text, TRUE);
  if (listing_fd != NULL)
    {
      int listing[2];

      *listing_fd = -1;
      if (g_unix_open_pipe (listing, FD_CLOEXEC, NULL))
        {
          *listing_fd = listing[0];
          /* The whole listing fits (1 MB for 10,000 tests): the worker
           * writes it at once, and the runner parses it as it can. */
          fcntl (listing[1], F_SETPIPE_SZ, EVENTS_PIPE_SIZE);
          g_subprocess_launcher_take_fd (launcher, listing[1], LISTING_FD);
          g_subprocess_launcher_setenv (launcher, "TALLY_LIST_FD", G_STRINGIFY (LISTING_FD), TRUE);
        }
    }

  native->subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
  /* Close our copies of the child's ends now, so EOF means the child (and
   * whatever it forked) is gone. */
  g_clear_object (&launcher);
  if (native->subprocess == NULL)
    {
      if (listing_fd != NULL && *listing_fd >= 0)
        {
          close (*listing_fd);
          *listing_fd = -1;
        }
      g_prefix_error (error, "%s: cannot start a worker: ", program->path);
      tally_worker_proc_free (worker);
      return NULL;
    }

  native->event_source = g_unix_fd_source_new (native->event_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_static_name (native->event_source, "[tally] worker events");
  g_source_set_callback (native->event_source, G_SOURCE_FUNC (on_events_cb), native, NULL);
  /* GLib blocks a non-recursive source while it dispatches: it takes the
   * fd out of the poll set and puts it back, and each change wakes the
   * context up with an eventfd write (then a read and one more poll).
   * Nothing here iterates the context from inside the callback, so
   * letting it recurse saves those three system calls per dispatch. */
  g_source_set_can_recurse (native->event_source, TRUE);
  g_source_attach (native->event_source, g_main_context_get_thread_default ());

  g_subprocess_wait_async (native->subprocess, native->cancellable, on_wait_cb, native);

  return worker;
}

/**
 * tally_worker_proc_spawn:
 *
 * Starts a worker for @program in slot @slot: `PROGRAM --tally-worker`
 * for a Tally program; for a GTest binary or a plain program, a worker
 * that runs it once per batch (see tally-gtest-proc.c).
 *
 * Returns: (transfer full) (nullable): the worker
 */
TallyWorkerProc *
tally_worker_proc_spawn (TallyProgram               *program,
                         int                         slot,
                         const TallyWorkerSettings  *settings,
                         const TallyWorkerCallbacks *callbacks,
                         gpointer                    data,
                         GError                    **error)
{
  if (program->kind != TALLY_PROGRAM_NATIVE)
    return tally_gtest_proc_spawn (program, slot, settings, callbacks, data, error);
  return native_spawn (program, slot, settings, callbacks, data, NULL, error);
}

/* A worker started before its program was listed has nobody to tell
 * yet: it gets no RUN until it is adopted, and nothing iterates the
 * context before that. Whatever comes anyway is dropped; an exit is
 * seen as has_exited() at adoption. */
static void
parked_started (TallyWorkerProc *worker, guint index, gint64 started_at_us, gpointer data)
{
}

static void
parked_log (TallyWorkerProc *worker, guint index, TallyLogRecord *record, gpointer data)
{
  tally_log_record_free (record);
}

static void
parked_finished (TallyWorkerProc *worker, guint index, TallyResult *result, gboolean tainted,
                 guint64 out_end, guint64 err_end, gpointer data)
{
}

static void
parked_exited (TallyWorkerProc *worker, gboolean said_bye, int signum, int exit_status,
               const char *problem, gpointer data)
{
}

static const TallyWorkerCallbacks parked_callbacks = {
  parked_started,
  parked_log,
  parked_finished,
  parked_exited,
};

/**
 * tally_worker_proc_spawn_early:
 * @program: a program that looks like a Tally program, not listed yet
 *   (tally_program_new_unlisted())
 * @listing_fd: (out) (optional): where to read the program's listing,
 *   which the worker writes before it waits for tests (-1 if no pipe
 *   could be made); the caller closes it, read or not
 *
 * Starts a worker for @program in slot @slot before anyone needs it, so
 * that its start-up overlaps the listing (or, with @listing_fd, is the
 * listing's); it waits for its first RUN. Hand it over with
 * tally_worker_proc_adopt(), or free it.
 *
 * Returns: (transfer full) (nullable): the worker
 */
TallyWorkerProc *
tally_worker_proc_spawn_early (TallyProgram              *program,
                               int                        slot,
                               const TallyWorkerSettings *settings,
                               int                       *listing_fd,
                               GError                   **error)
{
  g_return_val_if_fail (program->kind == TALLY_PROGRAM_NATIVE, NULL);
  return native_spawn (program, slot, settings, &parked_callbacks, NULL, listing_fd, error);
}

/**
 * tally_worker_proc_adopt:
 * @worker: a worker from tally_worker_proc_spawn_early()
 * @program: the listed program (the same path)
 *
 * Gives @worker its listed program and the callbacks that get its
 * events from now on.
 */
void
tally_worker_proc_adopt (TallyWorkerProc            *worker,
                         TallyProgram               *program,
                         const TallyWorkerCallbacks *callbacks,
                         gpointer                    data)
{
  g_return_if_fail (worker->callbacks == &parked_callbacks);
  g_return_if_fail (g_strcmp0 (worker->program->path, program->path) == 0);

  tally_program_ref (program);
  tally_program_unref (worker->program);
  worker->program = program;
  worker->callbacks = callbacks;
  worker->data = data;
}

static void
send_frame (NativeProc       *native,
            TallyMessageType  type,
            GVariant         *body)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  const guint8 *data;
  gsize len;

  tally_frame_append (frame, type, body);
  data = frame->data;
  len = frame->len;

  while (len > 0)
    {
      ssize_t n = write (native->command_fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;   /* the worker is gone; its exit is reported by on_wait_cb */
      data += n;
      len -= n;
    }
}

static void
native_send_run (TallyWorkerProc *base,
                 const guint32   *indices,
                 guint            n_indices)
{
  GVariant *array = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, indices, n_indices,
                                               sizeof (guint32));

  send_frame ((NativeProc *) base, TALLY_MSG_RUN, g_variant_new_tuple (&array, 1));
}

static void
native_send_quit (TallyWorkerProc *base)
{
  send_frame ((NativeProc *) base, TALLY_MSG_QUIT, g_variant_new_tuple (NULL, 0));
}

/* As for GTest programs (tally-gtest-proc.c): the test in flight's log
 * ends with what the worker's threads were blocked in before SIGTERM. */
static void
native_terminate (TallyWorkerProc *base)
{
  NativeProc *native = (NativeProc *) base;
  const char *identifier;

  if (base->exited)
    return;
  if (native->stopped_threads == NULL
      && (identifier = g_subprocess_get_identifier (native->subprocess)) != NULL)
    {
      native->stopped_pid = (pid_t) atoi (identifier);
      native->stopped_at = g_get_real_time ();
      native->stopped_threads = tally_proc_threads_describe (native->stopped_pid, 32);
    }
  tally_child_signal (native->subprocess, SIGTERM);
}

static void
native_kill (TallyWorkerProc *base)
{
  if (!base->exited)
    tally_child_signal (((NativeProc *) base)->subprocess, SIGKILL);
}

static void
native_finalize (TallyWorkerProc *base)
{
  NativeProc *native = (NativeProc *) base;

  if (native->subprocess != NULL && !base->exited)
    {
      g_subprocess_force_exit (native->subprocess);
      g_subprocess_wait (native->subprocess, NULL, NULL);
    }
  g_cancellable_cancel (native->cancellable);
  if (native->event_source != NULL)
    {
      g_source_destroy (native->event_source);
      g_source_unref (native->event_source);
    }
  g_clear_object (&native->subprocess);
  g_clear_object (&native->cancellable);
  close (native->command_fd);
  close (native->event_fd);
  tally_frame_reader_free (native->reader);
  g_free (native->problem);
  g_free (native->stopped_threads);
}

void
tally_worker_proc_send_run (TallyWorkerProc *worker,
                            const guint32   *indices,
                            guint            n_indices)
{
  worker->klass->send_run (worker, indices, n_indices);
}

void
tally_worker_proc_send_quit (TallyWorkerProc *worker)
{
  worker->klass->send_quit (worker);
}

void
tally_worker_proc_terminate (TallyWorkerProc *worker)
{
  worker->klass->terminate (worker);
}

void
tally_worker_proc_kill (TallyWorkerProc *worker)
{
  worker->klass->kill (worker);
}

/* What the worker wrote to @stream since the last call, up to @end. Past @cap bytes,
 * the head and the tail are kept (half each) around a note of what was
 * left out; what was read is released from memory. */
GBytes *
tally_worker_proc_take_output (TallyWorkerProc *worker,
                               TallyStream      stream,
                               guint64          end,
                               gsize            cap)
{
  int fd = worker->output_fds[stream];
  goffset start = worker->output_offsets[stream];
  struct stat st;
  gsize available;
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GBytes) tail = NULL;
  g_autoptr(GByteArray) joined = NULL;
  g_autofree char *note = NULL;

  /* The worker is gone (or the test in flight is given up): what it
   * left in its pipe is the test's too. */
  if (end == G_MAXUINT64 && fd >= 0 && worker->pipe_fds[stream] >= 0)
    {
      guint8 chunk[65536];
      ssize_t n;

      while ((n = read (worker->pipe_fds[stream], chunk, sizeof chunk)) > 0)
        if (write (fd, chunk, n) != n)
          break;
    }

  /* Nothing written since the last test: spare the system calls. */
  if (end != G_MAXUINT64 && (goffset) end <= start)
    return NULL;
  if (fd < 0 || fstat (fd, &st) < 0)
    return NULL;
  if ((guint64) st.st_size < end)
    end = st.st_size;
  if ((goffset) end <= start)
    return NULL;

  available = end - start;
  worker->output_offsets[stream] = end;

  if (available <= cap)
    head = tally_fd_read_from (fd, start, available);
  else
    {
      joined = g_byte_array_new ();
      head = tally_fd_read_from (fd, start, cap / 2);
      tail = tally_fd_read_from (fd, end - cap / 2, cap / 2);
      note = g_strdup_printf ("\n[tally: %" G_GSIZE_FORMAT " bytes left out]\n", available - cap);
      g_byte_array_append (joined, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
      g_byte_array_append (joined, (const guint8 *) note, strlen (note));
      g_byte_array_append (joined, g_bytes_get_data (tail, NULL), g_bytes_get_size (tail));
    }

  /* Release what has been read; the file keeps its size and offsets. */
  fallocate (fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, end);

  if (joined != NULL)
    return g_byte_array_free_to_bytes (g_steal_pointer (&joined));
  return g_steal_pointer (&head);
}

TallyProgram *
tally_worker_proc_get_program (TallyWorkerProc *worker)
{
  return worker->program;
}

int
tally_worker_proc_get_slot (TallyWorkerProc *worker)
{
  return worker->slot;
}

/* What the worker's fatal-signal handler sent, if it died of one. */
const TallyCrashInfo *
tally_worker_proc_get_crash (TallyWorkerProc *worker)
{
  return worker->crash;
}

gboolean
tally_worker_proc_has_exited (TallyWorkerProc *worker)
{
  return worker->exited;
}

/* A native worker that said HELLO takes the tests it is sent in order:
 * if it dies before saying BYE, the first one not finished was in
 * flight, whether or not its STARTED (buffered) got out. */
gboolean
tally_worker_proc_is_ready (TallyWorkerProc *worker)
{
  return worker->ready;
}

void
tally_worker_proc_free (TallyWorkerProc *worker)
{
  if (worker == NULL)
    return;

  worker->klass->finalize (worker);
  if (worker->crash != NULL)
    {
      tally_crash_info_clear (worker->crash);
      g_free (worker->crash);
    }
  for (guint i = 1; i < G_N_ELEMENTS (worker->output_fds); i++)
    {
      if (worker->output_fds[i] >= 0)
        close (worker->output_fds[i]);
      if (worker->pipe_fds[i] >= 0)
        close (worker->pipe_fds[i]);
    }
  tally_program_unref (worker->program);
  g_free (worker);
}
