/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tally-reporter-private.h"
#include "tally-text-private.h"

#define ANSI_RESET  "\033[0m"
#define ANSI_BOLD   "\033[1m"
#define ANSI_RED    "\033[31m"
#define ANSI_GREEN  "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define CLEAR_LINE  "\r\033[K"

#define DEFAULT_WIDTH 80

typedef struct
{
  TallyReporter parent;
  FILE *stream;             /* borrowed */
  TallyVerbosity verbosity;
  gboolean is_tty;
  gboolean colour;
  gboolean status_shown;    /* the live status line is on screen */
} TallyConsoleReporter;

static const char *
outcome_colour (TallyOutcome outcome)
{
  switch (outcome)
    {
    case TALLY_OUTCOME_PASSED:
      return ANSI_GREEN;

    case TALLY_OUTCOME_FAILED:
    case TALLY_OUTCOME_CRASHED:
    case TALLY_OUTCOME_TIMEOUT:
    case TALLY_OUTCOME_ERROR:
      return ANSI_RED;

    case TALLY_OUTCOME_SKIPPED:
    case TALLY_OUTCOME_XFAILED:
    case TALLY_OUTCOME_XPASSED:
    case TALLY_OUTCOME_FLAKY:
    case TALLY_OUTCOME_INTERRUPTED:
      return ANSI_YELLOW;

    case TALLY_OUTCOME_RUNNING:
    default:
      return NULL;
    }
}

/* Appends @text, wrapped in @code when colour is on. */
static void
append_coloured (TallyConsoleReporter *self,
                 GString              *out,
                 const char           *code,
                 const char           *text)
{
  if (self->colour && code != NULL)
    g_string_append_printf (out, "%s%s" ANSI_RESET, code, text);
  else
    g_string_append (out, text);
}

/* The outcome in capitals, padded to @width (the padding stays outside
 * the colour codes so columns line up either way). */
static void
append_outcome_word (TallyConsoleReporter *self,
                     GString              *out,
                     TallyOutcome          outcome,
                     guint                 width)
{
  g_autofree char *word = g_ascii_strup (tally_outcome_to_string (outcome), -1);
  gsize len = strlen (word);

  append_coloured (self, out, outcome_colour (outcome), word);
  for (gsize i = len; i < width; i++)
    g_string_append_c (out, ' ');
}

/* The word of a finished attempt: RETRY for a failure that runs again. */
static void
append_attempt_word (TallyConsoleReporter *self,
                     GString              *out,
                     const TallyRunItem   *item,
                     guint                 width)
{
  const char *word = "RETRY";
  gsize len = strlen (word);

  if (!item->will_retry)
    {
      append_outcome_word (self, out, item->result.outcome, width);
      return;
    }
  append_coloured (self, out, outcome_colour (TALLY_OUTCOME_FLAKY), word);
  for (gsize i = len; i < width; i++)
    g_string_append_c (out, ' ');
}

/* Locale-independent: "0.4 ms", "12.3 ms", "2.50 s". */
static void
append_duration (GString *out,
                 gint64   us)
{
  if (us < 0)
    us = 0;

  if (us < G_USEC_PER_SEC)
    g_string_append_printf (out, "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT " ms",
                            (us + 50) / 1000, ((us + 50) / 100) % 10);
  else
    g_string_append_printf (out, "%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " s",
                            (us + 5000) / G_USEC_PER_SEC,
                            ((us + 5000) / 10000) % 100);
}

/* "program::path", made safe for a terminal. */
static void
append_item_name (GString            *out,
                  const TallyRunItem *item)
{
  g_autofree char *program = tally_text_inert (item->test->program->name, -1, FALSE);
  g_autofree char *path = tally_text_inert (item->test->path, -1, FALSE);

  g_string_append_printf (out, "%s::%s", program, path);
}

/* The first line of the message, or how a crash ended; inert. NULL when
 * there is nothing to say. */
static char *
short_reason (const TallyResult *result)
{
  const char *message = result->message;
  const char *nl;

  if (message == NULL || *message == '\0')
    {
      if (result->signal > 0)
        return g_strdup_printf ("killed by signal %d", result->signal);
      if (result->outcome == TALLY_OUTCOME_CRASHED && result->exit_status >= 0)
        return g_strdup_printf ("worker exited with status %d", result->exit_status);
      return NULL;
    }

  nl = strchr (message, '\n');
  return tally_text_inert (message, nl ? nl - message : -1, FALSE);
}

static guint
terminal_width (TallyConsoleReporter *self)
{
  struct winsize ws;

  if (ioctl (fileno (self->stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;

  return DEFAULT_WIDTH;
}

static void
clear_status (TallyConsoleReporter *self)
{
  if (!self->status_shown)
    return;

  fputs (CLEAR_LINE, self->stream);
  self->status_shown = FALSE;
}

/* Prints @out as is, after taking the status line away. */
static void
print (TallyConsoleReporter *self,
       GString              *out)
{
  clear_status (self);
  fwrite (out->str, 1, out->len, self->stream);
  fflush (self->stream);
}

static guint
count_failed (const guint counts[TALLY_N_OUTCOMES])
{
  guint failed = 0;

  for (guint i = 0; i < TALLY_N_OUTCOMES; i++)
    if (tally_outcome_is_failure ((TallyOutcome) i))
      failed += counts[i];

  return failed;
}

/* The outcomes shown after "N passed, N failed", in this order. */
static const TallyOutcome other_outcomes[] = {
  TALLY_OUTCOME_SKIPPED,
  TALLY_OUTCOME_XFAILED,
  TALLY_OUTCOME_XPASSED,
  TALLY_OUTCOME_FLAKY,
  TALLY_OUTCOME_CRASHED,
  TALLY_OUTCOME_TIMEOUT,
  TALLY_OUTCOME_ERROR,
  TALLY_OUTCOME_INTERRUPTED,
};

/* "N passed, N failed, N skipped …" */
static void
append_counts (GString     *out,
               const guint  counts[TALLY_N_OUTCOMES])
{
  /* "failed" is the failed outcome alone; crashed, timeout and error are
   * listed after it, so nothing reads as counted twice. */
  g_string_append_printf (out, "%u passed, %u failed",
                          counts[TALLY_OUTCOME_PASSED], counts[TALLY_OUTCOME_FAILED]);

  for (guint i = 0; i < G_N_ELEMENTS (other_outcomes); i++)
    {
      TallyOutcome outcome = other_outcomes[i];

      if (counts[outcome] > 0)
        g_string_append_printf (out, ", %u %s",
                                counts[outcome], tally_outcome_to_string (outcome));
    }
}

static void
console_run_started (TallyReporter      *reporter,
                     const TallyRunInfo *info)
{
  TallyConsoleReporter *self = (TallyConsoleReporter *) reporter;
  g_autoptr(GString) out = NULL;

  /* A random order is replayed with its seed: said whenever it is random. */
  if (self->verbosity == TALLY_VERBOSITY_NORMAL && info->random_order)
    {
      out = g_string_new (NULL);
      g_string_append_printf (out, "random order (--seed %" G_GUINT64_FORMAT ")\n", info->seed);
      print (self, out);
      return;
    }
  if (self->verbosity < TALLY_VERBOSITY_VERBOSE)
    return;

  out = g_string_new (NULL);
  g_string_append_printf (out, "running %u test%s from %u program%s on %u worker%s",
                          info->n_tests, info->n_tests == 1 ? "" : "s",
                          info->n_programs, info->n_programs == 1 ? "" : "s",
                          info->n_workers, info->n_workers == 1 ? "" : "s");
  if (info->max_workers > info->n_workers)
    g_string_append_printf (out, " (up to %u while the CPUs idle)", info->max_workers);
  if (info->random_order)
    g_string_append_printf (out, ", random order (--seed %" G_GUINT64_FORMAT ")", info->seed);
  if (info->shard)
    g_string_append_printf (out, ", shard %s", info->shard);
  g_string_append_c (out, '\n');

  print (self, out);
}

/* NORMAL: "FAILED program::path (first line of the message)". */
static void
append_failure_line (TallyConsoleReporter *self,
                     GString              *out,
                     const TallyRunItem   *item)
{
  g_autofree char *first = short_reason (&item->result);

  append_attempt_word (self, out, item, 0);
  g_string_append_c (out, ' ');
  append_item_name (out, item);
  if (first)
    g_string_append_printf (out, " (%s)", first);
  if (item->will_retry)
    g_string_append_printf (out, " (attempt %u failed; retrying)", item->attempt);
  g_string_append_c (out, '\n');
}

/* VERBOSE: "PASSED  program::path  12.3 ms  [w1]". */
static void
append_verbose_line (TallyConsoleReporter *self,
                     GString              *out,
                     const TallyRunItem   *item)
{
  TallyOutcome outcome = item->result.outcome;

  append_attempt_word (self, out, item, 7);
  g_string_append_c (out, ' ');
  append_item_name (out, item);
  g_string_append (out, "  ");
  append_duration (out, item->result.duration_us);
  if (item->result.worker >= 0)
    g_string_append_printf (out, "  [w%d]", item->result.worker);
  if (item->attempt > 1)
    g_string_append_printf (out, "  (attempt %u)", item->attempt);

  if (outcome != TALLY_OUTCOME_PASSED)
    {
      g_autofree char *first = short_reason (&item->result);

      if (first)
        g_string_append_printf (out, "  (%s)", first);
    }
  g_string_append_c (out, '\n');
}

static void
console_test_finished (TallyReporter      *reporter,
                       const TallyRunItem *item)
{
  TallyConsoleReporter *self = (TallyConsoleReporter *) reporter;
  g_autoptr(GString) out = g_string_new (NULL);

  switch (self->verbosity)
    {
    case TALLY_VERBOSITY_QUIET:
      return;

    case TALLY_VERBOSITY_NORMAL:
      if (!tally_outcome_is_failure (item->result.outcome))
        return;
      append_failure_line (self, out, item);
      break;

    case TALLY_VERBOSITY_VERBOSE:
    default:
      append_verbose_line (self, out, item);
      break;
    }

  print (self, out);
}

/* Cuts @line to @width characters (UTF-8 aware; all of it is inert, one
 * column per character is close enough). */
static void
truncate_to_width (GString *line,
                   guint    width)
{
  const char *p = line->str;
  guint n = 0;

  while (*p && n < width)
    {
      p = g_utf8_next_char (p);
      n++;
    }

  if (*p)
    g_string_truncate (line, p - line->str);
}

/* "[done/total] N passed, N failed … ETA 3s · running: a, b" */
static void
append_status (GString                *out,
               const TallyRunProgress *progress)
{
  g_string_append_printf (out, "[%u/%u] ", progress->done, progress->total);
  append_counts (out, progress->counts);

  if (progress->eta_us >= 0)
    g_string_append_printf (out, " · ETA %" G_GINT64_FORMAT "s",
                            (progress->eta_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

  if (progress->running && progress->running->len > 0)
    {
      g_string_append (out, " · running: ");
      for (guint i = 0; i < progress->running->len; i++)
        {
          const TallyRunItem *item = g_ptr_array_index (progress->running, i);
          g_autofree char *path = tally_text_inert (item->test->path, -1, FALSE);

          if (i > 0)
            g_string_append (out, ", ");
          g_string_append (out, path);
        }
    }
}

static void
console_progress (TallyReporter          *reporter,
                  const TallyRunProgress *progress)
{
  TallyConsoleReporter *self = (TallyConsoleReporter *) reporter;
  g_autoptr(GString) line = NULL;
  guint width;

  if (!self->is_tty || self->verbosity == TALLY_VERBOSITY_QUIET)
    return;

  line = g_string_new (NULL);
  append_status (line, progress);

  /* One column short: writing the last one makes some terminals wrap. */
  width = terminal_width (self);
  truncate_to_width (line, width > 1 ? width - 1 : width);

  fputs (CLEAR_LINE, self->stream);
  fwrite (line->str, 1, line->len, self->stream);
  fflush (self->stream);
  self->status_shown = TRUE;
}

/* Appends @text with every line prefixed by @indent. */
static void
append_indented (GString    *out,
                 const char *indent,
                 const char *data,
                 gssize      len)
{
  g_autofree char *text = tally_text_inert (data, len, TRUE);

  tally_text_append_prefixed (out, indent, text);
}

/* @lead, then @text whose later lines line up under its first. */
static void
append_hanging (GString    *out,
                const char *lead,
                const char *text)
{
  g_autofree char *indent = g_strnfill (strlen (lead), ' ');
  const char *nl = strchr (text, '\n');

  g_string_append (out, lead);
  g_string_append_len (out, text, nl ? nl - text : (gssize) strlen (text));
  g_string_append_c (out, '\n');
  if (nl && nl[1] != '\0')
    tally_text_append_prefixed (out, indent, nl + 1);
}

/* "  +1.2 ms warning  Domain: message" */
static void
append_record (GString              *out,
               const TallyLogRecord *record,
               gint64                started_at_us)
{
  g_autofree char *domain = tally_text_inert (record->domain ? record->domain : "default", -1, FALSE);
  g_autofree char *message = tally_text_inert (record->message, record->message_len, TRUE);
  g_autoptr(GString) lead = g_string_new ("  ");
  gint64 offset = record->time_us - started_at_us;

  g_string_append_c (lead, offset < 0 ? '-' : '+');
  append_duration (lead, ABS (offset));
  g_string_append_printf (lead, " %-8s %s: ", tally_log_level_to_string (record->level), domain);

  append_hanging (out, lead->str, message);
}

static void
append_captured_log (GString            *out,
                     const TallyRunItem *item)
{
  guint kept = item->records ? item->records->len : 0;

  if (kept == 0)
    return;

  g_string_append (out, "captured log\n");
  if (item->n_records > kept)
    g_string_append_printf (out, "  (%u earlier records not kept)\n", item->n_records - kept);

  for (guint i = 0; i < kept; i++)
    append_record (out, g_ptr_array_index (item->records, i), item->result.started_at_us);
}

static void
append_captured_bytes (GString    *out,
                       const char *title,
                       GBytes     *bytes)
{
  gsize len = 0;
  const char *data;

  if (bytes == NULL)
    return;

  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    return;

  g_string_append_printf (out, "%s\n", title);
  append_indented (out, "  ", data, len);
}

/* How a crashed worker ended, unless the message said it already. */
static void
append_crash (GString           *out,
              const TallyResult *result)
{
  if (result->message != NULL && strstr (result->message, "signal") != NULL)
    return;

  if (result->signal > 0)
    {
      g_autofree char *name = tally_text_inert (g_strsignal (result->signal), -1, FALSE);

      g_string_append_printf (out, "  killed by signal %d (%s)\n", result->signal, name);
    }
  if (result->exit_status >= 0)
    g_string_append_printf (out, "  worker exited with status %d\n", result->exit_status);
}

/* One failure, pytest-style: a header, then all we know. */
static void
append_failure_block (TallyConsoleReporter *self,
                      GString              *out,
                      const TallyRunItem   *item)
{
  const TallyResult *result = &item->result;
  g_autoptr(GString) header = g_string_new ("____ ");

  append_item_name (header, item);
  g_string_append (header, " ____");
  append_coloured (self, out, self->colour ? ANSI_BOLD ANSI_RED : NULL, header->str);
  g_string_append_c (out, '\n');

  append_outcome_word (self, out, result->outcome, 0);
  g_string_append (out, " after ");
  append_duration (out, result->duration_us);
  if (item->attempt > 1)
    g_string_append_printf (out, " (attempt %u)", item->attempt);
  g_string_append_c (out, '\n');

  if (result->message && *result->message)
    append_indented (out, "  ", result->message, -1);

  if (result->file)
    {
      g_autofree char *file = tally_text_inert (result->file, -1, FALSE);

      g_string_append_printf (out, "  at %s", file);
      if (result->line > 0)
        g_string_append_printf (out, ":%d", result->line);
      g_string_append_c (out, '\n');
    }

  if (result->outcome == TALLY_OUTCOME_CRASHED)
    append_crash (out, result);

  append_captured_log (out, item);
  append_captured_bytes (out, "captured stdout", item->out);
  append_captured_bytes (out, "captured stderr", item->err);
  g_string_append_c (out, '\n');
}

static void
append_slowest (GString   *out,
                GPtrArray *slowest)
{
  g_string_append_printf (out, "slowest %u (wall, CPU)\n", slowest->len);

  for (guint i = 0; i < slowest->len; i++)
    {
      const TallyRunItem *item = g_ptr_array_index (slowest, i);
      g_autoptr(GString) duration = g_string_new (NULL);
      g_autoptr(GString) cpu = g_string_new (NULL);

      append_duration (duration, item->result.duration_us);
      if (item->result.cpu_us >= 0)
        append_duration (cpu, item->result.cpu_us);
      else
        g_string_append (cpu, "-");
      g_string_append_printf (out, "  %10s  %10s  %-8s ", duration->str, cpu->str,
                              tally_outcome_to_string (item->result.outcome));
      append_item_name (out, item);
      g_string_append_c (out, '\n');
    }
  g_string_append_c (out, '\n');
}

/* "stopped …" / "interrupted" / the runner's own problem, or nothing. */
static void
append_end (GString               *out,
            const TallyRunSummary *summary)
{
  switch (summary->end)
    {
    case TALLY_RUN_END_STOPPED:
      {
        guint failed = count_failed (summary->counts);

        g_string_append_printf (out, "stopped after %u failure%s (--maxfail)\n",
                                failed, failed == 1 ? "" : "s");
      }
      break;

    case TALLY_RUN_END_INTERRUPTED:
      g_string_append (out, "interrupted\n");
      break;

    case TALLY_RUN_END_ERROR:
      if (summary->problem == NULL)
        g_string_append (out, "the run ended with an internal error\n");
      break;

    case TALLY_RUN_END_COMPLETE:
    default:
      break;
    }
}

/* "N passed, N failed, … in 1.23s, N not run" */
static void
append_final_line (TallyConsoleReporter  *self,
                   GString               *out,
                   const TallyRunSummary *summary)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gint64 wall_us = MAX (summary->wall_us, 0);
  gboolean bad;

  append_counts (line, summary->counts);
  g_string_append_printf (line, " in %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT "s",
                          (wall_us + 5000) / G_USEC_PER_SEC,
                          ((wall_us + 5000) / 10000) % 100);
  if (summary->not_run > 0)
    g_string_append_printf (line, ", %u not run", summary->not_run);

  bad = count_failed (summary->counts) > 0 || summary->end != TALLY_RUN_END_COMPLETE;
  append_coloured (self, out, bad ? ANSI_RED : ANSI_GREEN, line->str);
  g_string_append_c (out, '\n');
}

static void
console_run_finished (TallyReporter         *reporter,
                      const TallyRunSummary *summary)
{
  TallyConsoleReporter *self = (TallyConsoleReporter *) reporter;
  gboolean quiet = self->verbosity == TALLY_VERBOSITY_QUIET;
  g_autoptr(GString) out = g_string_new (NULL);

  if (summary->failures && summary->failures->len > 0)
    {
      if (!quiet)
        g_string_append_c (out, '\n');
      for (guint i = 0; i < summary->failures->len; i++)
        append_failure_block (self, out, g_ptr_array_index (summary->failures, i));
    }

  if (!quiet && summary->slowest && summary->slowest->len > 0)
    append_slowest (out, summary->slowest);

  if (summary->problem)
    {
      g_autofree char *problem = tally_text_inert (summary->problem, -1, FALSE);

      g_string_append_printf (out, "error: %s\n", problem);
    }

  if (!quiet)
    append_end (out, summary);

  append_final_line (self, out, summary);

  if (!quiet && summary->db_path)
    {
      g_autofree char *db = tally_text_inert (summary->db_path, -1, FALSE);

      g_string_append_printf (out, "results: %s (run %" G_GINT64_FORMAT ")\n", db, summary->run_id);
    }

  print (self, out);
}

static void
console_finalize (TallyReporter *reporter)
{
  TallyConsoleReporter *self = (TallyConsoleReporter *) reporter;

  /* Leave the terminal tidy even when the run never finished. */
  clear_status (self);
  fflush (self->stream);
}

static const TallyReporterClass console_class = {
  .run_started = console_run_started,
  .test_finished = console_test_finished,
  .progress = console_progress,
  .run_finished = console_run_finished,
  .finalize = console_finalize,
};

/**
 * tally_reporter_console_new:
 * @stream: where to print; borrowed, it must outlive the reporter
 * @verbosity: how much to print
 * @is_tty: whether @stream is a terminal: a live status line replaces
 *   nothing-until-the-end
 * @colour: whether to use ANSI colours
 *
 * Creates the human-readable reporter. Everything a test produced is made
 * inert before it is printed, so a test cannot drive the terminal.
 *
 * Returns: (transfer full): a new #TallyReporter
 */
TallyReporter *
tally_reporter_console_new (FILE           *stream,
                            TallyVerbosity  verbosity,
                            gboolean        is_tty,
                            gboolean        colour)
{
  TallyConsoleReporter *self;

  g_return_val_if_fail (stream != NULL, NULL);

  self = g_new0 (TallyConsoleReporter, 1);
  self->parent.klass = &console_class;
  self->stream = stream;
  self->verbosity = verbosity;
  self->is_tty = is_tty;
  self->colour = colour;

  return &self->parent;
}
