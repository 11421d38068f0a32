/* tally show [RUN] — a stored run: summary, failures and their logs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Read-only: the database is opened with tally_store_open_readonly(),
 * never created or upgraded. Everything a test produced (messages, log
 * records, output) goes through tally_text_inert() before it reaches
 * the terminal; --json builds the document with json-glib.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>

#include <json-glib/json-glib.h>

#include "tally-cmd-common.h"
#include "tally-rerun-private.h"
#include "tally-commands.h"
#include "tally-error.h"
#include "tally-store-private.h"
#include "tally-text-private.h"

#define CMD "tally show"
#define PAGE 500

#define FAILURE_MASK ((1u << TALLY_OUTCOME_FAILED) | (1u << TALLY_OUTCOME_CRASHED) \
                      | (1u << TALLY_OUTCOME_TIMEOUT) | (1u << TALLY_OUTCOME_ERROR))

typedef struct
{
  TallyStore *store;
  TallyRunRow *run;
  gboolean verbose;
  JsonBuilder *json;        /* NULL for text */
} Show;

static char *
format_time (gint64 us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static char *
inert (const char *text,
       gssize      len)
{
  return tally_text_inert (text != NULL ? text : "", text != NULL ? len : 0, TRUE);
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

static void
print_header (TallyRunRow *run)
{
  g_autofree char *started = format_time (run->started_at_us);
  g_autofree char *joined = g_strjoinv (" ", run->argv);
  g_autofree char *argv = inert (joined, -1);

  printf ("Run %" G_GINT64_FORMAT " — %s", run->id, started);
  if (run->finished_at_us > 0)
    printf (", %.1f s", (run->finished_at_us - run->started_at_us) / 1e6);
  printf (", %s\n", tally_run_status_to_string (run->status));
  printf ("  %s\n", argv);
  printf ("  %u worker%s, seed %" G_GUINT64_FORMAT, run->workers,
          run->workers == 1 ? "" : "s", run->seed);
  if (run->shard != NULL)
    printf (", shard %s", run->shard);
  if (run->host != NULL)
    printf (", on %s", run->host);
  printf ("\n");
}

static void
print_counts (TallyRunRow *run)
{
  gboolean first = TRUE;

  printf ("%u result%s", run->n_results, run->n_results == 1 ? "" : "s");
  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    {
      if (run->counts[o] == 0)
        continue;
      printf ("%s %u %s", first ? ":" : ",", run->counts[o], tally_outcome_to_string (o));
      first = FALSE;
    }
  printf ("\n");
}

/* The run's wall time against its floor on this machine's cores: all
 * the CPU its tests used spread over them, or its longest test. */
static gboolean
print_floor (Show    *show,
             GError **error)
{
  TallyRunUsage usage;
  guint n_cpus = g_get_num_processors ();
  gint64 wall, floor_us;

  if (!tally_store_get_run_usage (show->store, show->run->id, &usage, error))
    return FALSE;
  if (usage.n_measured == 0 || show->run->finished_at_us <= 0)
    return TRUE;
  wall = show->run->finished_at_us - show->run->started_at_us;
  floor_us = tally_run_usage_floor_us (&usage, n_cpus);
  printf ("  wall %.2f s, CPU %.2f s (%u of %u results measured), longest test %.2f s\n",
          wall / 1e6, usage.cpu_us / 1e6, usage.n_measured, usage.n_results,
          usage.longest_us / 1e6);
  printf ("  floor on %u core%s %.2f s: efficiency %.0f%%\n", n_cpus, n_cpus == 1 ? "" : "s",
          floor_us / 1e6, wall > 0 ? 100.0 * floor_us / wall : 0.0);
  return TRUE;
}

static gboolean
print_logs (Show            *show,
            TallyResultRow  *row,
            GError         **error)
{
  for (guint offset = 0; offset < row->n_logs; offset += PAGE)
    {
      g_autoptr(GPtrArray) logs = tally_store_get_logs_page (show->store, row->id, offset,
                                                             PAGE, 0, error);

      if (logs == NULL)
        return FALSE;
      for (guint i = 0; i < logs->len; i++)
        {
          TallyLogRecord *r = g_ptr_array_index (logs, i);
          g_autofree char *domain = inert (r->domain, -1);
          g_autofree char *message = inert (r->message, r->message_len);
          g_autoptr(GString) line = g_string_new (NULL);

          g_string_append_printf (line, "+%.3f ms %s %s: ",
                                  (r->time_us - row->started_at_us) / 1000.0,
                                  tally_log_level_to_string (r->level),
                                  *domain != '\0' ? domain : "(default)");
          tally_text_append_prefixed (line, "", message);
          printf ("    %s%s", line->str, g_str_has_suffix (line->str, "\n") ? "" : "\n");
        }
    }

  return TRUE;
}

static gboolean
print_output (Show            *show,
              TallyResultRow  *row,
              TallyStream      stream,
              GError         **error)
{
  g_autoptr(GBytes) bytes = tally_store_get_output (show->store, row->id, stream, error);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *text = NULL;
  gsize len;
  const char *data;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    return TRUE;

  text = inert (data, len);
  tally_text_append_prefixed (out, "    ", text);
  printf ("  %s:\n%s%s", stream == TALLY_STREAM_STDOUT ? "stdout" : "stderr", out->str,
          g_str_has_suffix (out->str, "\n") ? "" : "\n");
  return TRUE;
}

static void
print_result_line (TallyResultRow *row)
{
  g_autofree char *program = inert (row->program, -1);
  g_autofree char *path = inert (row->path, -1);

  printf ("%-8s %s (%s) %.1f ms", tally_outcome_to_string (row->outcome), path, program,
          row->duration_us / 1000.0);
  if (row->cpu_us >= 0)
    printf (", CPU %.1f ms", row->cpu_us / 1000.0);
  if (row->max_rss_kb >= 0)
    printf (", max RSS %.1f MB", row->max_rss_kb / 1024.0);
  if (row->attempt > 1)
    printf (", attempt %u", row->attempt);
  printf ("\n");
}

/* One line to copy: the command that reruns this test alone, when the
 * stored program name is a program (absolute, or relative to where the
 * run ran). A test meson registered is stored under its meson name: no
 * line for it (its environment and arguments are meson's). */
static void
print_rerun (Show           *show,
             TallyResultRow *row)
{
  g_autofree char *line = tally_rerun_command (row->program, show->run->cwd, row->path);
  g_autofree char *shown = NULL;

  if (line == NULL)
    return;
  shown = inert (line, -1);
  printf ("  rerun alone: %s\n", shown);
}

static gboolean
print_failure (Show            *show,
               TallyResultRow  *row,
               GError         **error)
{
  printf ("\n");
  print_result_line (row);
  print_rerun (show, row);
  if (row->message != NULL)
    {
      g_autofree char *message = inert (row->message, row->message_len);
      g_autoptr(GString) out = g_string_new (NULL);

      tally_text_append_prefixed (out, "  ", message);
      printf ("%s%s", out->str, g_str_has_suffix (out->str, "\n") ? "" : "\n");
    }
  if (row->file != NULL)
    {
      g_autofree char *file = inert (row->file, -1);

      printf ("  at %s:%d\n", file, row->line);
    }
  if (row->signal != 0)
    printf ("  killed by signal %d (%s)\n", row->signal, g_strsignal (row->signal));
  if (row->exit_status >= 0)
    printf ("  worker exited with status %d\n", row->exit_status);
  if (row->n_logs > 0)
    printf ("  log (%u record%s):\n", row->n_logs, row->n_logs == 1 ? "" : "s");

  return print_logs (show, row, error)
         && print_output (show, row, TALLY_STREAM_STDOUT, error)
         && print_output (show, row, TALLY_STREAM_STDERR, error);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static void
json_add_string (JsonBuilder *b,
                 const char  *name,
                 const char  *value,
                 gssize       len)
{
  json_builder_set_member_name (b, name);
  if (value == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }

  /* JSON strings are UTF-8: invalid bytes become U+FFFD. */
  {
    g_autofree char *valid = g_utf8_make_valid (value, len);

    json_builder_add_string_value (b, valid);
  }
}

static void
json_add_int (JsonBuilder *b,
              const char  *name,
              gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
json_add_run (JsonBuilder *b,
              TallyRunRow *run)
{
  json_builder_set_member_name (b, "run");
  json_builder_begin_object (b);
  json_add_int (b, "id", run->id);
  json_add_int (b, "started_at_us", run->started_at_us);
  json_builder_set_member_name (b, "finished_at_us");
  if (run->finished_at_us > 0)
    json_builder_add_int_value (b, run->finished_at_us);
  else
    json_builder_add_null_value (b);
  json_add_string (b, "status", tally_run_status_to_string (run->status), -1);
  json_builder_set_member_name (b, "argv");
  json_builder_begin_array (b);
  for (guint i = 0; run->argv[i] != NULL; i++)
    json_builder_add_string_value (b, run->argv[i]);
  json_builder_end_array (b);
  json_add_int (b, "workers", run->workers);
  json_add_int (b, "seed", (gint64) run->seed);
  json_add_string (b, "shard", run->shard, -1);
  json_add_string (b, "host", run->host, -1);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "counts");
  json_builder_begin_object (b);
  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    if (run->counts[o] > 0)
      json_add_int (b, tally_outcome_to_string (o), run->counts[o]);
  json_builder_end_object (b);
}

static gboolean
json_add_logs (Show            *show,
               TallyResultRow  *row,
               GError         **error)
{
  JsonBuilder *b = show->json;

  json_builder_set_member_name (b, "logs");
  json_builder_begin_array (b);
  for (guint offset = 0; offset < row->n_logs; offset += PAGE)
    {
      g_autoptr(GPtrArray) logs = tally_store_get_logs_page (show->store, row->id, offset,
                                                             PAGE, 0, error);

      if (logs == NULL)
        return FALSE;
      for (guint i = 0; i < logs->len; i++)
        {
          TallyLogRecord *r = g_ptr_array_index (logs, i);

          json_builder_begin_object (b);
          json_add_int (b, "time_us", r->time_us);
          json_add_string (b, "level", tally_log_level_to_string (r->level), -1);
          json_add_string (b, "domain", r->domain, -1);
          json_add_string (b, "message", r->message, r->message_len);
          json_add_string (b, "file", r->file, -1);
          json_add_int (b, "line", r->line);
          json_add_string (b, "func", r->func, -1);
          json_builder_end_object (b);
        }
    }
  json_builder_end_array (b);
  return TRUE;
}

static gboolean
json_add_output (Show            *show,
                 TallyResultRow  *row,
                 TallyStream      stream,
                 GError         **error)
{
  g_autoptr(GBytes) bytes = tally_store_get_output (show->store, row->id, stream, error);
  gsize len;
  const char *data;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  json_add_string (show->json, stream == TALLY_STREAM_STDOUT ? "stdout" : "stderr",
                   len > 0 ? data : "", len);
  return TRUE;
}

static gboolean
json_add_result (Show            *show,
                 TallyResultRow  *row,
                 GError         **error)
{
  JsonBuilder *b = show->json;
  gboolean ok = TRUE;

  json_builder_begin_object (b);
  json_add_int (b, "id", row->id);
  json_add_int (b, "test_id", row->test_id);
  json_add_string (b, "program", row->program, -1);
  json_add_string (b, "path", row->path, -1);
  json_add_int (b, "attempt", row->attempt);
  json_add_string (b, "outcome", tally_outcome_to_string (row->outcome), -1);
  json_add_int (b, "started_at_us", row->started_at_us);
  json_add_int (b, "duration_us", row->duration_us);
  json_add_string (b, "message", row->message, row->message_len);
  json_add_string (b, "file", row->file, -1);
  json_add_int (b, "line", row->line);
  json_add_int (b, "signal", row->signal);
  json_add_int (b, "exit_status", row->exit_status);
  json_add_string (b, "markers", row->markers, -1);
  json_add_int (b, "n_logs", row->n_logs);
  json_builder_set_member_name (b, "cpu_us");
  if (row->cpu_us >= 0)
    json_builder_add_int_value (b, row->cpu_us);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "max_rss_kb");
  if (row->max_rss_kb >= 0)
    json_builder_add_int_value (b, row->max_rss_kb);
  else
    json_builder_add_null_value (b);
  if (tally_outcome_is_failure (row->outcome))
    ok = json_add_logs (show, row, error)
         && json_add_output (show, row, TALLY_STREAM_STDOUT, error)
         && json_add_output (show, row, TALLY_STREAM_STDERR, error);
  json_builder_end_object (b);

  return ok;
}

/* ------------------------------------------------------------------ */

static gboolean
show_row (Show            *show,
          TallyResultRow  *row,
          GError         **error)
{
  if (show->json != NULL)
    return json_add_result (show, row, error);
  if (tally_outcome_is_failure (row->outcome))
    return print_failure (show, row, error);

  print_result_line (row);
  return TRUE;
}

/* Failures (or, with -v, every final attempt), by path, page by page. */
static gboolean
show_results (Show    *show,
              GError **error)
{
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;

  query.outcomes = show->verbose ? 0 : FAILURE_MASK;
  if (show->verbose && show->json == NULL)
    printf ("\n");

  for (guint offset = 0; ; offset += PAGE)
    {
      g_autoptr(GPtrArray) rows = tally_store_query_results (show->store, show->run->id,
                                                             &query, offset, PAGE, error);

      if (rows == NULL)
        return FALSE;
      for (guint i = 0; i < rows->len; i++)
        if (!show_row (show, g_ptr_array_index (rows, i), error))
          return FALSE;
      if (rows->len < PAGE)
        return TRUE;
    }
}

static gboolean
parse_run_id (const char  *text,
              gint64      *run_id,
              GError     **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_INVALID,
                   "“%s” is not a run id (a positive integer)", text);
      return FALSE;
    }

  *run_id = (gint64) value;
  return TRUE;
}

static gboolean
resolve_run (TallyStore  *store,
             char       **args,
             gint64      *run_id,
             GError     **error)
{
  if (args != NULL && args[0] != NULL && args[1] != NULL)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_INVALID, "expected at most one RUN");
      return FALSE;
    }
  if (args != NULL && args[0] != NULL)
    return parse_run_id (args[0], run_id, error);

  if (!tally_store_get_last_run_id (store, run_id, error))
    return FALSE;
  if (*run_id == 0)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND, "%s: no runs yet",
                   tally_store_get_path (store));
      return FALSE;
    }

  return TRUE;
}

static gboolean
show_json (Show    *show,
           GError **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  show->json = builder;
  json_builder_begin_object (builder);
  json_add_run (builder, show->run);
  json_builder_set_member_name (builder, show->verbose ? "results" : "failures");
  json_builder_begin_array (builder);
  if (!show_results (show, error))
    return FALSE;
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  return TRUE;
}

int
tally_cmd_show (int    argc,
                char **argv)
{
  g_autofree char *db_option = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE, verbose = FALSE;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_option, "The results database", "PATH" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON document", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List every result", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, "[RUN]" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[RUN] - show a stored run");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(TallyRunRow) run = NULL;
  g_autofree char *db = NULL;
  gint64 run_id = 0;
  Show show = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);

  db = tally_cmd_default_db_path (db_option);
  if (!(store = tally_store_open_readonly (db, &error))
      || !resolve_run (store, args, &run_id, &error)
      || !(run = tally_store_get_run (store, run_id, &error)))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);

  show.store = store;
  show.run = run;
  show.verbose = verbose;
  if (json)
    {
      if (!show_json (&show, &error))
        return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
      return TALLY_EXIT_OK;
    }

  print_header (run);
  if (!print_floor (&show, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
  print_counts (run);
  if (!show_results (&show, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);

  return TALLY_EXIT_OK;
}
