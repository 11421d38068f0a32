/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-reporter-private.h"
#include "tally-text-private.h"

typedef struct
{
  TallyReporter parent;
  FILE *stream;             /* borrowed */
  guint n_finished;         /* the TAP test number */
} TallyTapReporter;

/* Inert, with each '#' escaped as "\#": a bare one would start a
 * directive. */
static void
append_tap_text (GString    *out,
                 const char *text)
{
  g_autofree char *inert = tally_text_inert (text, -1, FALSE);

  for (const char *p = inert; *p; p++)
    {
      if (*p == '#')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

/* A YAML double-quoted scalar: inert text has no control characters
 * left, so escaping quotes, backslashes and newlines is enough. */
static void
append_yaml_string (GString    *out,
                    const char *text)
{
  g_autofree char *inert = tally_text_inert (text, -1, TRUE);

  g_string_append_c (out, '"');
  for (const char *p = inert; *p; p++)
    {
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
print (TallyTapReporter *self,
       GString          *out)
{
  fwrite (out->str, 1, out->len, self->stream);
  fflush (self->stream);
  tally_reporter_check_stream (&self->parent, self->stream, "the TAP report");
}

static void
tap_run_started (TallyReporter      *reporter,
                 const TallyRunInfo *info)
{
  TallyTapReporter *self = (TallyTapReporter *) reporter;
  g_autoptr(GString) out = g_string_new ("TAP version 13\n");

  g_string_append_printf (out, "1..%u\n", info->n_tests);
  if (info->random_order)
    g_string_append_printf (out, "# random order, seed %" G_GUINT64_FORMAT "\n", info->seed);

  print (self, out);
}

/* "ok"/"not ok", and the directive (with its leading " # ") if any. */
static gboolean
outcome_is_ok (TallyOutcome  outcome,
               const char  **directive)
{
  *directive = NULL;

  switch (outcome)
    {
    case TALLY_OUTCOME_PASSED:
    case TALLY_OUTCOME_FLAKY:
      return TRUE;

    case TALLY_OUTCOME_SKIPPED:
      *directive = "SKIP";
      return TRUE;

    case TALLY_OUTCOME_XFAILED:
      *directive = "TODO";
      return FALSE;

    case TALLY_OUTCOME_XPASSED:
      /* An unexpectedly passing TODO: ok, and TAP consumers flag it. */
      *directive = "TODO";
      return TRUE;

    case TALLY_OUTCOME_RUNNING:
    case TALLY_OUTCOME_FAILED:
    case TALLY_OUTCOME_CRASHED:
    case TALLY_OUTCOME_TIMEOUT:
    case TALLY_OUTCOME_ERROR:
    case TALLY_OUTCOME_INTERRUPTED:
    default:
      return FALSE;
    }
}

static void
append_diagnostics (GString            *out,
                    const TallyRunItem *item)
{
  const TallyResult *result = &item->result;

  g_string_append (out, "  ---\n");
  g_string_append_printf (out, "  outcome: %s\n", tally_outcome_to_string (result->outcome));
  g_string_append (out, "  message: ");
  append_yaml_string (out, result->message ? result->message : "");
  g_string_append_c (out, '\n');
  if (result->file)
    {
      g_string_append (out, "  file: ");
      append_yaml_string (out, result->file);
      g_string_append_printf (out, "\n  line: %d\n", result->line);
    }
  if (result->signal > 0)
    g_string_append_printf (out, "  signal: %d\n", result->signal);
  if (result->exit_status >= 0)
    g_string_append_printf (out, "  exit_status: %d\n", result->exit_status);
  g_string_append_printf (out, "  duration_ms: %" G_GINT64_FORMAT "\n", result->duration_us / 1000);
  if (item->attempt > 1)
    g_string_append_printf (out, "  attempt: %u\n", item->attempt);
  g_string_append (out, "  ...\n");
}

static void
tap_test_finished (TallyReporter      *reporter,
                   const TallyRunItem *item)
{
  TallyTapReporter *self = (TallyTapReporter *) reporter;
  TallyOutcome outcome = item->result.outcome;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *directive;
  gboolean ok = outcome_is_ok (outcome, &directive);

  self->n_finished++;
  g_string_append_printf (out, "%s %u - ", ok ? "ok" : "not ok", self->n_finished);
  append_tap_text (out, item->test->program->name);
  g_string_append (out, "::");
  append_tap_text (out, item->test->path);

  if (directive)
    {
      const char *message = item->result.message;
      const char *nl = message ? strchr (message, '\n') : NULL;
      g_autofree char *reason = nl ? g_strndup (message, nl - message) : g_strdup (message);

      g_string_append_printf (out, " # %s", directive);
      if (reason && *reason)
        {
          g_string_append_c (out, ' ');
          append_tap_text (out, reason);
        }
    }
  else if (outcome == TALLY_OUTCOME_FLAKY)
    {
      g_string_append (out, " (flaky)");
    }
  g_string_append_c (out, '\n');

  if (tally_outcome_is_failure (outcome))
    append_diagnostics (out, item);

  print (self, out);
}

static void
tap_run_finished (TallyReporter         *reporter,
                  const TallyRunSummary *summary)
{
  TallyTapReporter *self = (TallyTapReporter *) reporter;
  g_autoptr(GString) out = g_string_new (NULL);

  /* The plan promised more tests than ran: say why, so a consumer
   * reports the reason and not just a short count. */
  switch (summary->end)
    {
    case TALLY_RUN_END_STOPPED:
      g_string_append_printf (out, "Bail out! stopped after failures, %u not run\n", summary->not_run);
      break;

    case TALLY_RUN_END_INTERRUPTED:
      g_string_append (out, "Bail out! interrupted\n");
      break;

    case TALLY_RUN_END_ERROR:
      g_string_append (out, "Bail out! ");
      append_tap_text (out, summary->problem ? summary->problem : "internal error");
      g_string_append_c (out, '\n');
      break;

    case TALLY_RUN_END_COMPLETE:
    default:
      break;
    }

  print (self, out);
}

static const TallyReporterClass tap_class = {
  .run_started = tap_run_started,
  .test_finished = tap_test_finished,
  .run_finished = tap_run_finished,
};

/**
 * tally_reporter_tap_new:
 * @stream: where to print; borrowed, it must outlive the reporter
 *
 * Creates a reporter that prints TAP version 13: the plan when the run
 * starts, then an `ok`/`not ok` line per finished test named
 * `program::path`, skips as `# SKIP`, expected failures as `# TODO`, and
 * YAML diagnostics under each failure.
 *
 * Returns: (transfer full): a new #TallyReporter
 */
TallyReporter *
tally_reporter_tap_new (FILE *stream)
{
  TallyTapReporter *self;

  g_return_val_if_fail (stream != NULL, NULL);

  self = g_new0 (TallyTapReporter, 1);
  self->parent.klass = &tap_class;
  self->stream = stream;

  return &self->parent;
}
