/* tally history PATH — a test's outcomes and durations across runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "tally-cmd-common.h"
#include "tally-commands.h"
#include "tally-error.h"
#include "tally-store-private.h"
#include "tally-text-private.h"

#define CMD "tally history"

/* One character per outcome for the strip. */
static const char *
outcome_symbol (TallyOutcome outcome)
{
  switch (outcome)
    {
    case TALLY_OUTCOME_PASSED:
    case TALLY_OUTCOME_XFAILED:
      return "✓";
    case TALLY_OUTCOME_FAILED:
    case TALLY_OUTCOME_CRASHED:
    case TALLY_OUTCOME_TIMEOUT:
    case TALLY_OUTCOME_ERROR:
    case TALLY_OUTCOME_XPASSED:
      return "✗";
    case TALLY_OUTCOME_FLAKY:
      return "~";
    case TALLY_OUTCOME_SKIPPED:
      return "s";
    case TALLY_OUTCOME_RUNNING:
    case TALLY_OUTCOME_INTERRUPTED:
    default:
      return "?";
    }
}

/* Whether @outcome says pass (TRUE) or fail (FALSE); others say
 * nothing and are left out of flips. */
static gboolean
outcome_verdict (TallyOutcome  outcome,
                 gboolean     *passed)
{
  *passed = !tally_outcome_is_failure (outcome);
  return outcome == TALLY_OUTCOME_PASSED || outcome == TALLY_OUTCOME_FLAKY
         || tally_outcome_is_failure (outcome);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  guint runs;               /* distinct runs */
  guint results;            /* results in them: --repeat makes several a run */
  guint failures;
  guint flips;
  double median_ms;
} Summary;

/* @rows are newest first; flips count pass↔fail changes between
 * consecutive verdicts, plus each flaky result (it flipped within its run). */
static void
summarize (GPtrArray *rows,
           Summary   *s)
{
  g_autoptr(GArray) durations = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) runs = g_hash_table_new (g_int64_hash, g_int64_equal);
  gboolean have_prev = FALSE, prev = FALSE;

  memset (s, 0, sizeof *s);
  for (guint i = rows->len; i-- > 0;)
    {
      TallyHistoryRow *row = g_ptr_array_index (rows, i);
      gboolean passed;

      g_hash_table_add (runs, &row->run_id);
      s->results++;
      if (tally_outcome_is_failure (row->outcome))
        s->failures++;
      if (row->outcome == TALLY_OUTCOME_FLAKY)
        s->flips++;
      if (outcome_verdict (row->outcome, &passed))
        {
          if (have_prev && passed != prev)
            s->flips++;
          have_prev = TRUE;
          prev = passed;
        }
      g_array_append_val (durations, row->duration_us);
    }

  s->runs = g_hash_table_size (runs);
  if (durations->len > 0)
    {
      g_array_sort (durations, compare_int64);
      s->median_ms = g_array_index (durations, gint64, durations->len / 2) / 1000.0;
    }
}

static void
print_history (TallyTestRow *test,
               GPtrArray    *rows)
{
  g_autofree char *program = tally_text_inert (test->program, -1, FALSE);
  g_autofree char *path = tally_text_inert (test->path, -1, FALSE);
  g_autoptr(GString) strip = g_string_new (NULL);
  Summary s;

  printf ("%s (%s)\n", path, program);
  for (guint i = 0; i < rows->len; i++)
    {
      TallyHistoryRow *row = g_ptr_array_index (rows, i);
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (row->run_started_at_us / G_USEC_PER_SEC);
      g_autofree char *when = dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S")
                                         : g_strdup ("?");

      printf ("  run %-6" G_GINT64_FORMAT " %s  %s %-11s %10.1f ms", row->run_id, when,
              outcome_symbol (row->outcome), tally_outcome_to_string (row->outcome),
              row->duration_us / 1000.0);
      if (row->attempt > 1)
        printf ("  (attempt %u)", row->attempt);
      printf ("\n");
    }

  /* The strip reads oldest to newest, left to right. */
  for (guint i = rows->len; i-- > 0;)
    g_string_append (strip, outcome_symbol (((TallyHistoryRow *) g_ptr_array_index (rows, i))->outcome));
  summarize (rows, &s);
  printf ("  %s %u run%s", strip->str, s.runs, s.runs == 1 ? "" : "s");
  if (s.results != s.runs)
    printf (" (%u results: --repeat)", s.results);
  printf (", %u failure%s, flaky flips: %u, median %.1f ms\n",
          s.failures, s.failures == 1 ? "" : "s", s.flips, s.median_ms);
}

static void
json_add_history (JsonBuilder  *b,
                  TallyTestRow *test,
                  GPtrArray    *rows)
{
  g_autofree char *program = g_utf8_make_valid (test->program, -1);
  g_autofree char *path = g_utf8_make_valid (test->path, -1);
  Summary s;

  summarize (rows, &s);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "program");
  json_builder_add_string_value (b, program);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "flaky_flips");
  json_builder_add_int_value (b, s.flips);
  json_builder_set_member_name (b, "median_duration_us");
  json_builder_add_int_value (b, (gint64) (s.median_ms * 1000));
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    {
      TallyHistoryRow *row = g_ptr_array_index (rows, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "run_id");
      json_builder_add_int_value (b, row->run_id);
      json_builder_set_member_name (b, "run_started_at_us");
      json_builder_add_int_value (b, row->run_started_at_us);
      json_builder_set_member_name (b, "result_id");
      json_builder_add_int_value (b, row->result_id);
      json_builder_set_member_name (b, "outcome");
      json_builder_add_string_value (b, tally_outcome_to_string (row->outcome));
      json_builder_set_member_name (b, "duration_us");
      json_builder_add_int_value (b, row->duration_us);
      json_builder_set_member_name (b, "attempt");
      json_builder_add_int_value (b, row->attempt);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

int
tally_cmd_history (int    argc,
                   char **argv)
{
  g_autofree char *db_option = NULL;
  g_autofree char *program = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  int limit = 20;
  GOptionEntry entries[] = {
    { "program", 0, 0, G_OPTION_ARG_STRING, &program, "Only this test program", "NAME" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_option, "The results database", "PATH" },
    { "runs", 'n', 0, G_OPTION_ARG_INT, &limit, "Show the last N runs (default 20)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON document", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, "PATH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PATH - a test's history");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *db = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
  if (args == NULL || args[0] == NULL || args[1] != NULL)
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "expected one test PATH");
  if (limit <= 0)
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "-n must be a positive number of runs");

  db = tally_cmd_default_db_path (db_option);
  if (!(store = tally_store_open_readonly (db, &error))
      || !(tests = tally_store_find_tests (store, program, args[0], &error)))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
  if (tests->len == 0)
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s: no test %s%s%s", db, args[0],
                           program != NULL ? " in program " : "", program != NULL ? program : "");

  json_builder_begin_array (builder);
  for (guint i = 0; i < tests->len; i++)
    {
      TallyTestRow *test = g_ptr_array_index (tests, i);
      g_autoptr(GPtrArray) rows = tally_store_query_history (store, test->id, limit, &error);

      if (rows == NULL)
        return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
      if (json)
        json_add_history (builder, test, rows);
      else
        {
          printf ("%s", i > 0 ? "\n" : "");
          print_history (test, rows);
        }
    }
  json_builder_end_array (builder);
  if (json)
    print_json (builder);

  return TALLY_EXIT_OK;
}
