/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <json-glib/json-glib.h>

#include "tally-reporter-private.h"

typedef struct
{
  TallyReporter parent;
  FILE *stream;             /* borrowed */
} TallyJsonReporter;

/* JSON wants UTF-8: test-produced strings may not be. NULL stays null. */
static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);

  if (value == NULL)
    {
      json_builder_add_null_value (builder);
    }
  else if (g_utf8_validate (value, -1, NULL))
    {
      json_builder_add_string_value (builder, value);
    }
  else
    {
      g_autofree char *valid = g_utf8_make_valid (value, -1);

      json_builder_add_string_value (builder, valid);
    }
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* A figure that may not have been measured (-1): null then. */
static void
add_measure (JsonBuilder *builder,
             const char  *name,
             gint64       value)
{
  json_builder_set_member_name (builder, name);
  if (value >= 0)
    json_builder_add_int_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* Starts an event object: {"event": @event, … */
static JsonBuilder *
begin_event (const char *event)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "event", event);

  return builder;
}

/* Closes the object, prints it compactly on one line and flushes, so a
 * follower (the viewer, a pipe) sees each event as it happens. */
static void
end_event (TallyJsonReporter *self,
           JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);

  fputs (text, self->stream);
  fputc ('\n', self->stream);
  fflush (self->stream);
  tally_reporter_check_stream (&self->parent, self->stream, "the JSON events");
}

static void
add_item_identity (JsonBuilder        *builder,
                   const TallyRunItem *item)
{
  add_string (builder, "program", item->test->program->name);
  add_string (builder, "path", item->test->path);
  add_int (builder, "attempt", item->attempt);
  add_int (builder, "repetition", item->repetition);
  add_int (builder, "worker", item->result.worker);
}

static void
json_run_started (TallyReporter      *reporter,
                  const TallyRunInfo *info)
{
  TallyJsonReporter *self = (TallyJsonReporter *) reporter;
  g_autoptr(JsonBuilder) builder = begin_event ("run-started");

  add_int (builder, "run_id", info->run_id);
  add_int (builder, "tests", info->n_tests);
  add_int (builder, "programs", info->n_programs);
  add_int (builder, "workers", info->n_workers);
  add_int (builder, "max_workers", MAX (info->max_workers, info->n_workers));

  /* A seed above G_MAXINT64 would come out negative as a JSON integer. */
  if (info->seed <= G_MAXINT64)
    {
      add_int (builder, "seed", (gint64) info->seed);
    }
  else
    {
      g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, info->seed);

      add_string (builder, "seed", seed);
    }

  json_builder_set_member_name (builder, "random_order");
  json_builder_add_boolean_value (builder, info->random_order);
  add_string (builder, "shard", info->shard);
  add_string (builder, "db", info->db_path);

  end_event (self, builder);
}

static void
json_test_started (TallyReporter      *reporter,
                   const TallyRunItem *item)
{
  TallyJsonReporter *self = (TallyJsonReporter *) reporter;
  g_autoptr(JsonBuilder) builder = begin_event ("test-started");

  add_item_identity (builder, item);

  end_event (self, builder);
}

static void
json_test_finished (TallyReporter      *reporter,
                    const TallyRunItem *item)
{
  TallyJsonReporter *self = (TallyJsonReporter *) reporter;
  const TallyResult *result = &item->result;
  g_autoptr(JsonBuilder) builder = begin_event ("test-finished");

  add_item_identity (builder, item);
  add_string (builder, "outcome", tally_outcome_to_string (result->outcome));
  add_int (builder, "started_at_us", result->started_at_us);
  add_int (builder, "duration_us", result->duration_us);
  add_measure (builder, "cpu_us", result->cpu_us);
  add_measure (builder, "max_rss_kb", result->max_rss_kb);
  add_string (builder, "message", result->message);
  add_string (builder, "file", result->file);
  add_int (builder, "line", result->line);
  add_int (builder, "signal", result->signal);
  add_int (builder, "exit_status", result->exit_status);
  add_int (builder, "n_logs", item->n_records);
  add_int (builder, "result_id", item->result_id);

  end_event (self, builder);
}

static const char *
run_status (const TallyRunSummary *summary)
{
  switch (summary->end)
    {
    case TALLY_RUN_END_STOPPED:
      return "stopped";

    case TALLY_RUN_END_INTERRUPTED:
      return "interrupted";

    case TALLY_RUN_END_ERROR:
      return "error";

    case TALLY_RUN_END_COMPLETE:
    default:
      for (guint i = 0; i < TALLY_N_OUTCOMES; i++)
        if (summary->counts[i] > 0 && tally_outcome_is_failure ((TallyOutcome) i))
          return "failed";
      return "passed";
    }
}

static void
json_run_finished (TallyReporter         *reporter,
                   const TallyRunSummary *summary)
{
  TallyJsonReporter *self = (TallyJsonReporter *) reporter;
  g_autoptr(JsonBuilder) builder = begin_event ("run-finished");

  add_string (builder, "status", run_status (summary));

  /* Every outcome but "running", zero or not: a stable set of keys. */
  json_builder_set_member_name (builder, "counts");
  json_builder_begin_object (builder);
  for (guint i = TALLY_OUTCOME_RUNNING + 1; i < TALLY_N_OUTCOMES; i++)
    add_int (builder, tally_outcome_to_string ((TallyOutcome) i), summary->counts[i]);
  json_builder_end_object (builder);

  add_int (builder, "wall_us", summary->wall_us);
  add_int (builder, "workers_peak", summary->workers_peak);
  add_int (builder, "not_run", summary->not_run);
  add_int (builder, "run_id", summary->run_id);
  add_string (builder, "db", summary->db_path);
  add_string (builder, "problem", summary->problem);

  end_event (self, builder);
}

static const TallyReporterClass json_class = {
  .run_started = json_run_started,
  .test_started = json_test_started,
  .test_finished = json_test_finished,
  .run_finished = json_run_finished,
};

/**
 * tally_reporter_json_new:
 * @stream: where to print; borrowed, it must outlive the reporter
 *
 * Creates a reporter that prints one compact JSON object per line for
 * each of run-started, test-started, test-finished and run-finished, and
 * flushes after each. Strings that are not UTF-8 are made valid first.
 *
 * Returns: (transfer full): a new #TallyReporter
 */
TallyReporter *
tally_reporter_json_new (FILE *stream)
{
  TallyJsonReporter *self;

  g_return_val_if_fail (stream != NULL, NULL);

  self = g_new0 (TallyJsonReporter, 1);
  self->parent.klass = &json_class;
  self->stream = stream;

  return &self->parent;
}
