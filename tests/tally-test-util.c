#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>

#include "tally-test-util.h"

/* A path inside the build tree, from $TALLY_BUILDDIR (set by meson). */
char *
tally_util_build_path (const char *relative)
{
  const char *builddir = g_getenv ("TALLY_BUILDDIR");

  if (builddir == NULL)
    tally_fail ("TALLY_BUILDDIR is not set; run through meson test or set it to the build directory");

  return g_build_filename (builddir, relative, NULL);
}

char *
tally_util_tally_bin (void)
{
  return tally_util_build_path ("runner/tally");
}

char *
tally_util_sample (const char *name)
{
  g_autofree char *relative = g_build_filename ("tests", "samples", name, NULL);

  return tally_util_build_path (relative);
}

char *
tally_util_db_path (TallyTest *test)
{
  return g_build_filename (tally_test_get_tmpdir (test), "results.sqlite", NULL);
}

/* Fills run->events and run->finished from the --json lines in run->out. */
void
tally_util_parse_events (TallyRun *run)
{
  g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      if (lines[i][0] != '{' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;

      object = json_node_get_object (json_parser_get_root (parser));
      g_ptr_array_add (run->events, json_object_ref (object));
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "event", ""), "test-finished") == 0)
        g_hash_table_insert (run->finished,
                             g_strdup (json_object_get_string_member (object, "path")),
                             json_object_ref (object));
    }
}

char *
tally_util_env_no_leak_check (void)
{
  const char *options = g_getenv ("ASAN_OPTIONS");

  return g_strdup_printf ("ASAN_OPTIONS=%s%sdetect_leaks=0", options ? options : "",
                          options && *options ? ":" : "");
}

TallyRun *
tally_util_run_argv (TallyTest          *test,
                     const char * const *envp,
                     const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  TallyRun *run = g_new0 (TallyRun, 1);
  int wait_status = 0;

  for (guint i = 0; envp && envp[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (envp[i], "=", 2);
      env = g_environ_setenv (env, kv[0], kv[1], TRUE);
    }
  env = g_environ_unsetenv (env, "TALLY_DB");

  run->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  run->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) json_object_unref);

  if (!g_spawn_sync (tally_test_get_tmpdir (test), (char **) argv, env, G_SPAWN_DEFAULT,
                     NULL, NULL, &run->out, &run->err, &wait_status, &error))
    tally_fail ("cannot run %s: %s", argv[0], error->message);

  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  tally_util_parse_events (run);

  return run;
}

/* Runs a command (the first argument) with the test's temporary
 * directory as working directory, capturing everything. */
TallyRun *
tally_util_run (TallyTest          *test,
                const char * const *envp,
                const char         *first_arg,
                ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return tally_util_run_argv (test, envp, (const char * const *) argv->pdata);
}

void
tally_util_run_free (TallyRun *run)
{
  if (run == NULL)
    return;
  g_free (run->out);
  g_free (run->err);
  g_ptr_array_unref (run->events);
  g_hash_table_unref (run->finished);
  g_free (run);
}

static JsonObject *
finished_event (TallyRun   *run,
                const char *path)
{
  JsonObject *event = g_hash_table_lookup (run->finished, path);

  if (event == NULL)
    tally_fail ("no test-finished event for %s; stderr was:\n%s", path, run->err);
  return event;
}

const char *
tally_util_outcome (TallyRun   *run,
                    const char *path)
{
  return json_object_get_string_member (finished_event (run, path), "outcome");
}

gint64
tally_util_member_int (TallyRun   *run,
                       const char *path,
                       const char *member)
{
  return json_object_get_int_member_with_default (finished_event (run, path), member, -1);
}

const char *
tally_util_member_str (TallyRun   *run,
                       const char *path,
                       const char *member)
{
  return json_object_get_string_member_with_default (finished_event (run, path), member, NULL);
}

/* Reads @stream line by line until one contains @needle (a `--json`
 * event, say), so a test acts on a run that has really started rather
 * than after a guessed delay. Returns FALSE at the end of the stream. */
gboolean
tally_util_wait_for_line (GDataInputStream *stream,
                          const char       *needle)
{
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (stream, NULL, NULL, NULL);

      if (line == NULL)
        return FALSE;
      if (strstr (line, needle) != NULL)
        return TRUE;
    }
}

/* The log records stored for @path's result in @run (a --json run). */
GPtrArray *
tally_util_stored_logs (TallyStore *store,
                        TallyRun   *run,
                        const char *path)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *logs = tally_store_get_logs (store, tally_util_member_int (run, path, "result_id"), &error);

  tally_assert_no_error (error);
  return logs;
}
