/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>
#include <tally.h>

#include "tally-store-private.h"
#include "tally-viewer-runner.h"

#define STOP_GRACE_MS 3000

struct _TallyViewerRunner
{
  GObject parent_instance;

  GSubprocess *process;
  GDataInputStream *events;
  GCancellable *cancellable;
  GString *stderr_text;
  GSource *kill_source;
  GSource *drain_source;
  GHashTable *done;             /* "program\npath\nrepetition" of tests finished */
  gint64 run_id;
  guint n_tests;
  guint n_failed;
  char *status;
  char *problem;
  gboolean stopping;
  gboolean exited;
  gboolean events_closed;
  gboolean stderr_closed;
  int exit_status;
};

enum {
  STARTED,
  PROGRESS,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TallyViewerRunner, tally_viewer_runner, G_TYPE_OBJECT)

static void
clear_kill_source (TallyViewerRunner *self)
{
  if (self->kill_source != NULL)
    g_source_destroy (self->kill_source);
  g_clear_pointer (&self->kill_source, g_source_unref);
}

static void
clear_drain_source (TallyViewerRunner *self)
{
  if (self->drain_source != NULL)
    g_source_destroy (self->drain_source);
  g_clear_pointer (&self->drain_source, g_source_unref);
}

static void
tally_viewer_runner_dispose (GObject *object)
{
  TallyViewerRunner *self = (TallyViewerRunner *) object;

  if (self->process != NULL)
    g_subprocess_force_exit (self->process);
  g_cancellable_cancel (self->cancellable);
  clear_kill_source (self);
  clear_drain_source (self);
  g_clear_object (&self->process);
  g_clear_object (&self->events);

  G_OBJECT_CLASS (tally_viewer_runner_parent_class)->dispose (object);
}

static void
tally_viewer_runner_finalize (GObject *object)
{
  TallyViewerRunner *self = (TallyViewerRunner *) object;

  g_clear_object (&self->cancellable);
  g_string_free (self->stderr_text, TRUE);
  g_hash_table_unref (self->done);
  g_free (self->status);
  g_free (self->problem);

  G_OBJECT_CLASS (tally_viewer_runner_parent_class)->finalize (object);
}

static void
tally_viewer_runner_class_init (TallyViewerRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_viewer_runner_dispose;
  object_class->finalize = tally_viewer_runner_finalize;

  signals[STARTED] = g_signal_new ("started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                   G_TYPE_INT64, G_TYPE_UINT);
  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                    G_TYPE_UINT, G_TYPE_UINT);
  /* status ("passed", "failed", "interrupted", "error"), exit status,
   * a sentence for the user */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                    G_TYPE_STRING, G_TYPE_INT, G_TYPE_STRING);
}

static void
tally_viewer_runner_init (TallyViewerRunner *self)
{
  self->stderr_text = g_string_new (NULL);
  self->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TallyViewerRunner *
tally_viewer_runner_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_RUNNER, NULL);
}

gboolean
tally_viewer_runner_is_running (TallyViewerRunner *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RUNNER (self), FALSE);
  return self->process != NULL;
}

gint64
tally_viewer_runner_get_run_id (TallyViewerRunner *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RUNNER (self), 0);
  return self->run_id;
}

static void
handle_event (TallyViewerRunner *self,
              JsonObject        *event)
{
  const char *name = json_object_get_string_member_with_default (event, "event", "");

  if (strcmp (name, "run-started") == 0)
    {
      self->run_id = json_object_get_int_member_with_default (event, "run_id", 0);
      self->n_tests = json_object_get_int_member_with_default (event, "tests", 0);
      g_signal_emit (self, signals[STARTED], 0, self->run_id, self->n_tests);
    }
  else if (strcmp (name, "test-finished") == 0)
    {
      /* One event per attempt: a retried test is one test. */
      char *key = g_strdup_printf ("%s\n%s\n%" G_GINT64_FORMAT,
                                   json_object_get_string_member_with_default (event, "program", ""),
                                   json_object_get_string_member_with_default (event, "path", ""),
                                   json_object_get_int_member_with_default (event, "repetition", 0));

      g_hash_table_add (self->done, key);
      g_signal_emit (self, signals[PROGRESS], 0, g_hash_table_size (self->done), self->n_tests);
    }
  else if (strcmp (name, "run-finished") == 0)
    {
      g_free (self->status);
      self->status = g_strdup (json_object_get_string_member_with_default (event, "status", NULL));
      g_free (self->problem);
      self->problem = g_strdup (json_object_get_string_member_with_default (event, "problem", NULL));
      self->n_failed = 0;
      if (json_object_has_member (event, "counts")
          && JSON_NODE_HOLDS_OBJECT (json_object_get_member (event, "counts")))
        {
          JsonObject *counts = json_object_get_object_member (event, "counts");

          for (guint i = 0; i < TALLY_N_OUTCOMES; i++)
            if (tally_outcome_is_failure ((TallyOutcome) i))
              self->n_failed += json_object_get_int_member_with_default (counts, tally_outcome_to_string ((TallyOutcome) i), 0);
        }
    }
}

static void maybe_finish (TallyViewerRunner *self);

static void read_next_event (TallyViewerRunner *self);

static void
on_event_line_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TallyViewerRunner) self = user_data;
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *line = NULL;
  gsize len;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, &len, NULL);
  if (G_DATA_INPUT_STREAM (source) != self->events)
    return;
  if (line == NULL)
    {
      self->events_closed = TRUE;
      maybe_finish (self);
      return;
    }

  parser = json_parser_new ();
  if (json_parser_load_from_data (parser, line, len, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    handle_event (self, json_node_get_object (json_parser_get_root (parser)));

  read_next_event (self);
}

static void
read_next_event (TallyViewerRunner *self)
{
  if (self->events == NULL)
    return;
  g_data_input_stream_read_line_async (self->events, G_PRIORITY_DEFAULT, self->cancellable,
                                       on_event_line_cb, g_object_ref (self));
}

static void
on_stderr_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyViewerRunner) self = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  if (self->process == NULL || G_INPUT_STREAM (source) != g_subprocess_get_stderr_pipe (self->process))
    return;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      self->stderr_closed = TRUE;
      maybe_finish (self);
      return;
    }

  /* Keep the end: the runner's "what went wrong" line comes last; the
   * front is dropped at whole lines. */
  g_string_append_len (self->stderr_text, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (self->stderr_text->len > 64 * 1024)
    {
      const char *keep = strchr (self->stderr_text->str + self->stderr_text->len - 32 * 1024, '\n');

      g_string_erase (self->stderr_text, 0, keep ? keep - self->stderr_text->str + 1 : (gssize) self->stderr_text->len);
    }
  g_input_stream_read_bytes_async (G_INPUT_STREAM (source), 8192, G_PRIORITY_DEFAULT,
                                   self->cancellable, on_stderr_cb, g_object_ref (self));
}

/* The last non-empty line of what the runner printed on stderr, made
 * valid UTF-8: its "tally run: what went wrong" line. */
static char *
stderr_summary (TallyViewerRunner *self)
{
  g_auto(GStrv) lines = g_strsplit (self->stderr_text->str, "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_strstrip (lines[i]);
      if (*lines[i] != '\0')
        return g_utf8_make_valid (lines[i], -1);
    }
  return NULL;
}

/* Tells the end once the runner has exited and both of its pipes are
 * read to their end, so its last event and its last stderr line are in;
 * a grandchild keeping a pipe open is waited for at most 2 s. */
static void
finish (TallyViewerRunner *self)
{
  g_autoptr(GSubprocess) process = g_steal_pointer (&self->process);
  g_autofree char *message = NULL;
  g_autofree char *summary = NULL;
  const char *status;
  guint n_done = g_hash_table_size (self->done);

  clear_kill_source (self);
  clear_drain_source (self);
  g_cancellable_cancel (self->cancellable);

  status = self->status;
  if (status == NULL)
    status = self->stopping ? "interrupted" : "error";
  summary = stderr_summary (self);

  if (self->stopping || g_strcmp0 (status, "interrupted") == 0 || g_strcmp0 (status, "stopped") == 0)
    message = g_strdup_printf ("Run stopped after %u of %u tests", n_done, self->n_tests);
  else if (g_strcmp0 (status, "passed") == 0 && n_done == 1)
    message = g_strdup ("The test passed");
  else if (g_strcmp0 (status, "passed") == 0)
    message = g_strdup_printf ("All %u tests passed", n_done);
  else if (g_strcmp0 (status, "failed") == 0)
    message = g_strdup_printf ("Run finished: %u of %u tests failed", self->n_failed, n_done);
  else if (self->problem != NULL)
    message = g_utf8_make_valid (self->problem, -1);
  else if (summary != NULL)
    message = g_steal_pointer (&summary);
  else
    message = g_strdup_printf ("The runner failed (exit status %d)", self->exit_status);

  g_signal_emit (self, signals[FINISHED], 0, status, self->exit_status, message);
}

static gboolean
drain_timeout_cb (gpointer data)
{
  TallyViewerRunner *self = data;

  g_clear_pointer (&self->drain_source, g_source_unref);
  finish (self);
  return G_SOURCE_REMOVE;
}

static void
maybe_finish (TallyViewerRunner *self)
{
  if (self->process == NULL || !self->exited)
    return;
  if (self->events_closed && self->stderr_closed)
    {
      finish (self);
      return;
    }
  if (self->drain_source == NULL)
    {
      self->drain_source = g_timeout_source_new (2000);
      g_source_set_callback (self->drain_source, drain_timeout_cb, self, NULL);
      g_source_attach (self->drain_source, g_main_context_default ());
    }
}

static void
on_wait_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TallyViewerRunner) self = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (self->process != G_SUBPROCESS (source))
    return;

  self->exited = TRUE;
  self->exit_status = g_subprocess_get_if_exited (self->process) ? g_subprocess_get_exit_status (self->process) : -1;
  maybe_finish (self);
}

char *
tally_viewer_find_runner (void)
{
  const char *env = g_getenv ("TALLY_RUNNER");
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  if (self_path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_path);
      /* Installed side by side, or the build tree's runner/ beside viewer/. */
      const char *candidates[] = { "tally", "../runner/tally", "../../runner/tally" };

      for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
        {
          g_autofree char *path = g_build_filename (dir, candidates[i], NULL);

          if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (path, G_FILE_TEST_IS_DIR))
            return g_canonicalize_filename (path, NULL);
        }
    }

  return g_find_program_in_path ("tally");
}

gboolean
tally_viewer_runner_start (TallyViewerRunner   *self,
                           const char * const  *argv,
                           const char          *cwd,
                           GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;

  g_return_val_if_fail (TALLY_VIEWER_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);

  if (self->process != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "A run is already in progress");
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  g_subprocess_launcher_unsetenv (launcher, "TALLY_DB");

  /* The async work belongs to the GUI's context, whatever context the
   * caller has pushed. */
  g_main_context_push_thread_default (g_main_context_default ());
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      g_clear_object (&self->events);
      self->events = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
      g_string_truncate (self->stderr_text, 0);
      g_clear_pointer (&self->status, g_free);
      g_clear_pointer (&self->problem, g_free);
      self->run_id = 0;
      self->n_tests = 0;
      self->n_failed = 0;
      g_hash_table_remove_all (self->done);
      self->stopping = FALSE;
      self->exited = FALSE;
      self->events_closed = FALSE;
      self->stderr_closed = FALSE;
      self->exit_status = -1;
      self->process = g_object_ref (process);

      read_next_event (self);
      g_input_stream_read_bytes_async (g_subprocess_get_stderr_pipe (process), 8192,
                                       G_PRIORITY_DEFAULT, self->cancellable,
                                       on_stderr_cb, g_object_ref (self));
      g_subprocess_wait_async (process, NULL, on_wait_cb, g_object_ref (self));
    }
  g_main_context_pop_thread_default (g_main_context_default ());

  return process != NULL;
}

static gboolean
on_kill_timeout_cb (gpointer user_data)
{
  TallyViewerRunner *self = user_data;

  if (self->process != NULL)
    g_subprocess_force_exit (self->process);
  return G_SOURCE_REMOVE;
}

/* SIGINT first, as Ctrl+C in a terminal: the runner stops its workers and
 * marks the run interrupted. If it has not exited after a grace period,
 * SIGKILL. */
void
tally_viewer_runner_stop (TallyViewerRunner *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_RUNNER (self));

  if (self->process == NULL || self->stopping)
    return;

  self->stopping = TRUE;
  g_subprocess_send_signal (self->process, SIGINT);
  clear_kill_source (self);
  self->kill_source = g_timeout_source_new (STOP_GRACE_MS);
  g_source_set_callback (self->kill_source, on_kill_timeout_cb, self, NULL);
  g_source_attach (self->kill_source, g_main_context_default ());
}

/* --- argv ------------------------------------------------------------ */

typedef struct
{
  const char *long_name;
  char short_name;
  gboolean has_arg;
  gboolean drop;
} RunOption;

/* `tally run`'s options: which take an argument, and which a rerun drops
 * because the viewer sets them (selection, reports, database). */
static const RunOption run_options[] = {
  { "workers", 'n', TRUE, FALSE },
  { "markers", 'm', TRUE, TRUE },
  { "keyword", 'k', TRUE, TRUE },
  { "tests-from", 0, TRUE, TRUE },
  { "exitfirst", 'x', FALSE, FALSE },
  { "maxfail", 0, TRUE, FALSE },
  { "timeout", 0, TRUE, FALSE },
  { "strict-markers", 0, FALSE, FALSE },
  { "max-worker-restarts", 0, TRUE, FALSE },
  { "verbose", 'v', FALSE, TRUE },
  { "quiet", 'q', FALSE, TRUE },
  { "tap", 0, FALSE, TRUE },
  { "junit-xml", 0, TRUE, TRUE },
  { "json", 0, FALSE, TRUE },
  { "random-order", 0, FALSE, FALSE },
  { "seed", 0, TRUE, FALSE },
  { "db", 0, TRUE, TRUE },
  { "no-db", 0, FALSE, TRUE },
  { "lf", 0, FALSE, TRUE },
  { "last-failed", 0, FALSE, TRUE },
  { "ff", 0, FALSE, TRUE },
  { "failed-first", 0, FALSE, TRUE },
  { "sw", 0, FALSE, TRUE },
  { "stepwise", 0, FALSE, TRUE },
  { "durations", 0, TRUE, TRUE },
  { "retries", 0, TRUE, FALSE },
  { "repeat", 0, TRUE, FALSE },
  { "shard", 0, TRUE, TRUE },
  { "leaks", 0, TRUE, FALSE },
};

static const RunOption *
find_long (const char *name,
           gsize       len)
{
  for (guint i = 0; i < G_N_ELEMENTS (run_options); i++)
    if (strlen (run_options[i].long_name) == len && strncmp (run_options[i].long_name, name, len) == 0)
      return &run_options[i];
  return NULL;
}

static const RunOption *
find_short (char c)
{
  for (guint i = 0; i < G_N_ELEMENTS (run_options); i++)
    if (run_options[i].short_name == c)
      return &run_options[i];
  return NULL;
}

/* Splits @run_argv (after "run") into the options a rerun keeps and the
 * programs. */
static void
split_run_argv (const char * const *run_argv,
                GPtrArray          *options,
                GPtrArray          *programs)
{
  gboolean only_programs = FALSE;
  guint i = 0;

  if (run_argv != NULL && run_argv[0] != NULL && strcmp (run_argv[0], "run") == 0)
    i = 1;

  for (; run_argv != NULL && run_argv[i] != NULL; i++)
    {
      const char *arg = run_argv[i];
      const RunOption *opt = NULL;
      gboolean inline_arg = FALSE;

      if (only_programs || arg[0] != '-' || arg[1] == '\0')
        {
          g_ptr_array_add (programs, g_strdup (arg));
          continue;
        }
      if (strcmp (arg, "--") == 0)
        {
          only_programs = TRUE;
          continue;
        }

      if (arg[1] == '-')
        {
          const char *eq = strchr (arg, '=');

          opt = find_long (arg + 2, eq ? (gsize) (eq - arg - 2) : strlen (arg + 2));
          inline_arg = eq != NULL;
        }
      else
        {
          opt = find_short (arg[1]);
          inline_arg = opt != NULL && opt->has_arg && arg[2] != '\0';
        }

      if (opt == NULL)
        {
          /* Unknown (a newer runner's option): keep it as it was. */
          g_ptr_array_add (options, g_strdup (arg));
          continue;
        }

      if (!opt->drop)
        g_ptr_array_add (options, g_strdup (arg));
      if (opt->has_arg && !inline_arg && run_argv[i + 1] != NULL)
        {
          i++;
          if (!opt->drop)
            g_ptr_array_add (options, g_strdup (run_argv[i]));
        }
    }
}

GStrv
tally_viewer_rerun_argv (const char          *tally_path,
                         const char * const  *run_argv,
                         const char          *db_path,
                         const char * const  *selection)
{
  g_autoptr(GPtrArray) options = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) programs = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *argv = g_ptr_array_new ();

  split_run_argv (run_argv, options, programs);

  g_ptr_array_add (argv, g_strdup (tally_path));
  g_ptr_array_add (argv, g_strdup ("run"));
  for (guint i = 0; i < options->len; i++)
    g_ptr_array_add (argv, g_strdup (g_ptr_array_index (options, i)));
  g_ptr_array_add (argv, g_strdup ("--db"));
  g_ptr_array_add (argv, g_strdup (db_path));
  g_ptr_array_add (argv, g_strdup ("--json"));
  for (guint i = 0; selection != NULL && selection[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (selection[i]));
  g_ptr_array_add (argv, g_strdup ("--"));
  for (guint i = 0; i < programs->len; i++)
    g_ptr_array_add (argv, g_strdup (g_ptr_array_index (programs, i)));
  g_ptr_array_add (argv, NULL);

  return (GStrv) g_ptr_array_free (argv, FALSE);
}

char *
tally_viewer_tests_from_list (GPtrArray *rows)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GString *list = g_string_new (NULL);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const TallyResultRow *row = g_ptr_array_index (rows, i);
      char *line = g_strdup_printf ("%s::%s", row->program, row->path);

      /* A line is a line: a name with a newline cannot be listed (the
       * runner could not have stored it from a listing either). */
      if (strchr (line, '\n') != NULL || strchr (line, '\r') != NULL || g_hash_table_contains (seen, line))
        {
          g_free (line);
          continue;
        }
      g_hash_table_add (seen, line);
      g_string_append (list, line);
      g_string_append_c (list, '\n');
    }
  return g_string_free (list, FALSE);
}

char *
tally_viewer_write_tests_file (const char  *list,
                               GError     **error)
{
  g_autofree char *path = NULL;
  int fd;

  fd = g_file_open_tmp ("tally-viewer-tests-XXXXXX.txt", &path, error);
  if (fd < 0)
    return NULL;
  close (fd);
  if (!g_file_set_contents_full (path, list, -1, G_FILE_SET_CONTENTS_NONE, 0600, error))
    {
      g_unlink (path);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* The name `tally run` gives @path when run in @dir (as
 * tally_program_display_name() does): relative under @dir, else absolute. */
static char *
display_name_in (const char *dir,
                 const char *path)
{
  g_autofree char *absolute = g_canonicalize_filename (path, dir);
  gsize dir_len = strlen (dir);

  if (strncmp (absolute, dir, dir_len) == 0 && absolute[dir_len] == '/')
    return g_strdup (absolute + dir_len + 1);
  return g_steal_pointer (&absolute);
}

/* Whether, run from @dir, the positional arguments exist and the stored
 * program names come out the same (the --tests-from lines name them). */
static gboolean
fits_run_dir (const char *dir,
              GPtrArray  *positional,
              GPtrArray  *programs)
{
  for (guint i = 0; i < positional->len; i++)
    {
      g_autofree char *path = g_canonicalize_filename (g_ptr_array_index (positional, i), dir);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return FALSE;
    }
  for (guint i = 0; i < programs->len; i++)
    {
      const char *program = g_ptr_array_index (programs, i);
      g_autofree char *path = g_canonicalize_filename (program, dir);
      g_autofree char *name = display_name_in (dir, program);

      if (!g_file_test (path, G_FILE_TEST_EXISTS) || strcmp (name, program) != 0)
        return FALSE;
    }
  return TRUE;
}

char *
tally_viewer_guess_run_dir (const char          *db_path,
                            const char * const  *run_argv,
                            GPtrArray           *programs,
                            GError             **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) options = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) positional = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *db_dir = g_path_get_dirname (db_path);
  g_autofree char *db_base = g_path_get_basename (db_dir);

  split_run_argv (run_argv, options, positional);

  /* The default database is .tally/results.sqlite under the directory
   * the runner ran in. */
  if (strcmp (db_base, ".tally") == 0)
    g_ptr_array_add (candidates, g_path_get_dirname (db_dir));
  g_ptr_array_add (candidates, g_get_current_dir ());
  g_ptr_array_add (candidates, g_strdup (db_dir));
  /* Absolute program names come out as they are from the root. */
  g_ptr_array_add (candidates, g_strdup ("/"));

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *dir = g_ptr_array_index (candidates, i);

      if (fits_run_dir (dir, positional, programs))
        return g_strdup (dir);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "The test programs of this run no longer exist where it ran (%s)",
               positional->len > 0 ? (char *) g_ptr_array_index (positional, 0)
               : programs->len > 0 ? (char *) g_ptr_array_index (programs, 0) : "none recorded");
  return NULL;
}
