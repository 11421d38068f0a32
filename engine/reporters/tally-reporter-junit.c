/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tally-reporter-private.h"

/* One <testsuite> per program, the shape GitLab and Jenkins both read.
 * Each finished test is rendered into its suite's XML at once, so the
 * reporter never keeps items: a passing test costs one short line. */
typedef struct
{
  char *name;
  GString *cases;           /* the <testcase> elements */
  guint tests;
  guint failures;
  guint errors;
  guint skipped;
  gint64 time_us;
} JunitSuite;

typedef struct
{
  TallyReporter parent;
  char *path;               /* as given, for messages */
  char *target;             /* what is written: @path with symbolic links
                               resolved */
  char *tmp_path;           /* TARGET.tmp, or NULL for a target that is
                               not a regular file (a FIFO, a device):
                               written in place */
  FILE *tmp;                /* TARGET.tmp, open from the start so a bad
                               path fails before the run, not after */
  gboolean written;
  GPtrArray *suites;        /* of JunitSuite, in order of first result */
  GHashTable *by_name;      /* program name → JunitSuite, borrowed */
} TallyJunitReporter;

static void
junit_suite_free (JunitSuite *suite)
{
  g_free (suite->name);
  g_string_free (suite->cases, TRUE);
  g_free (suite);
}

/* Whether XML 1.0 allows @c. C1 controls are allowed but go too: they
 * are terminal escapes for whoever cats the file. */
static gboolean
xml_char_allowed (gunichar c)
{
  if (c == '\t' || c == '\n' || c == '\r')
    return TRUE;
  if (c < 0x20 || (c >= 0x7f && c < 0xa0))
    return FALSE;
  if (c >= 0xd800 && c < 0xe000)
    return FALSE;
  if (c == 0xfffe || c == 0xffff)
    return FALSE;

  return c <= 0x10ffff;
}

/* Appends @len bytes of @data (-1: NUL-terminated) escaped for XML text
 * or, with @attribute, for a double-quoted attribute value. Bytes that
 * are not UTF-8 become U+FFFD; characters XML forbids (NUL included), a
 * visible "\xNN". */
static void
append_escaped (GString    *out,
                const char *data,
                gssize      len,
                gboolean    attribute)
{
  const char *p, *end;

  if (data == NULL)
    return;
  if (len < 0)
    len = strlen (data);

  for (p = data, end = data + len; p < end;)
    {
      /* The validator calls a NUL byte incomplete: it is a character. */
      gunichar c = *p == '\0' ? 0 : g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append (out, "\xef\xbf\xbd");
          p++;
          continue;
        }

      if (!xml_char_allowed (c))
        g_string_append_printf (out, "\\x%02x", c);
      else if (c == '<')
        g_string_append (out, "&lt;");
      else if (c == '>')
        g_string_append (out, "&gt;");
      else if (c == '&')
        g_string_append (out, "&amp;");
      else if (c == '"')
        g_string_append (out, "&quot;");
      else if (c == '\'')
        g_string_append (out, "&apos;");
      else if (c == '\r' || (attribute && (c == '\n' || c == '\t')))
        g_string_append_printf (out, "&#%u;", c);   /* would be normalised away */
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);

      p = g_utf8_next_char (p);
    }
}

/* ' name="value"', value escaped. */
static void
append_attribute (GString    *out,
                  const char *name,
                  const char *value)
{
  g_string_append_printf (out, " %s=\"", name);
  append_escaped (out, value, -1, TRUE);
  g_string_append_c (out, '"');
}

/* Seconds with a '.' whatever the locale: "0.012". */
static void
append_seconds_attribute (GString    *out,
                          const char *name,
                          gint64      us)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.3f", MAX (us, 0) / (double) G_USEC_PER_SEC);
  g_string_append_printf (out, " %s=\"%s\"", name, buf);
}

static JunitSuite *
lookup_suite (TallyJunitReporter *self,
              const char         *name)
{
  JunitSuite *suite = g_hash_table_lookup (self->by_name, name);

  if (suite == NULL)
    {
      suite = g_new0 (JunitSuite, 1);
      suite->name = g_strdup (name);
      suite->cases = g_string_new (NULL);
      g_ptr_array_add (self->suites, suite);
      g_hash_table_insert (self->by_name, suite->name, suite);
    }

  return suite;
}

/* The first line of the message, or how a crash ended: the message
 * attribute. */
static char *
short_reason (const TallyResult *result)
{
  const char *nl;

  if (result->message == NULL || *result->message == '\0')
    {
      if (result->signal > 0)
        return g_strdup_printf ("killed by signal %d", result->signal);
      if (result->outcome == TALLY_OUTCOME_CRASHED && result->exit_status >= 0)
        return g_strdup_printf ("worker exited with status %d", result->exit_status);
      return g_strdup (tally_outcome_to_string (result->outcome));
    }

  nl = strchr (result->message, '\n');
  return nl ? g_strndup (result->message, nl - result->message) : g_strdup (result->message);
}

/* The body of <failure>/<error>: all we know, as plain text. */
static void
append_details (GString            *out,
                const TallyRunItem *item)
{
  const TallyResult *result = &item->result;
  g_autoptr(GString) text = g_string_new (NULL);

  if (result->message)
    g_string_append_printf (text, "%s\n", result->message);
  if (result->file && result->line > 0)
    g_string_append_printf (text, "at %s:%d\n", result->file, result->line);
  else if (result->file)
    g_string_append_printf (text, "at %s\n", result->file);
  if (result->signal > 0)
    g_string_append_printf (text, "killed by signal %d (%s)\n", result->signal,
                            g_strsignal (result->signal));
  if (result->exit_status >= 0 && result->outcome == TALLY_OUTCOME_CRASHED)
    g_string_append_printf (text, "worker exited with status %d\n", result->exit_status);
  if (item->attempt > 1)
    g_string_append_printf (text, "attempt %u\n", item->attempt);

  append_escaped (out, text->str, text->len, FALSE);

  /* Log messages may hold NUL bytes: escape each with its length. */
  for (guint i = 0; item->records && i < item->records->len; i++)
    {
      const TallyLogRecord *record = g_ptr_array_index (item->records, i);
      g_autofree char *lead = g_strdup_printf ("%s %s: ",
                                               tally_log_level_to_string (record->level),
                                               record->domain ? record->domain : "default");

      append_escaped (out, lead, -1, FALSE);
      append_escaped (out, record->message, record->message_len, FALSE);
      g_string_append_c (out, '\n');
    }
}

static void
append_captured (GString    *out,
                 const char *element,
                 GBytes     *bytes)
{
  gsize len = 0;
  const char *data;

  if (bytes == NULL)
    return;

  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    return;

  g_string_append_printf (out, "      <%s>", element);
  append_escaped (out, data, len, FALSE);
  g_string_append_printf (out, "</%s>\n", element);
}

/* <failure>/<error> with details and output. */
static void
append_problem (GString            *out,
                const char         *element,
                const TallyRunItem *item)
{
  g_autofree char *message = short_reason (&item->result);

  g_string_append_printf (out, "      <%s", element);
  append_attribute (out, "message", message);
  append_attribute (out, "type", tally_outcome_to_string (item->result.outcome));
  g_string_append_c (out, '>');
  append_details (out, item);
  g_string_append_printf (out, "</%s>\n", element);

  append_captured (out, "system-out", item->out);
  append_captured (out, "system-err", item->err);
}

static void
append_skipped (GString            *out,
                const TallyRunItem *item,
                const char         *prefix)
{
  const char *reason = item->result.message ? item->result.message : "";
  const char *nl = strchr (reason, '\n');
  g_autofree char *message = g_strdup_printf ("%s%.*s", prefix,
                                              nl ? (int) (nl - reason) : (int) strlen (reason),
                                              reason);

  g_string_append (out, "      <skipped");
  append_attribute (out, "message", message);
  g_string_append (out, "/>\n");
}

/* Renders what goes inside <testcase>, and counts it in @suite. */
static void
append_case_body (GString            *out,
                  JunitSuite         *suite,
                  const TallyRunItem *item)
{
  switch (item->result.outcome)
    {
    case TALLY_OUTCOME_PASSED:
    case TALLY_OUTCOME_XPASSED:   /* tolerated, as by pytest */
    case TALLY_OUTCOME_FLAKY:     /* passed in the end */
      break;

    case TALLY_OUTCOME_SKIPPED:
      append_skipped (out, item, "");
      suite->skipped++;
      break;

    case TALLY_OUTCOME_XFAILED:
      append_skipped (out, item, "xfail: ");
      suite->skipped++;
      break;

    case TALLY_OUTCOME_ERROR:
    case TALLY_OUTCOME_INTERRUPTED:
      append_problem (out, "error", item);
      suite->errors++;
      break;

    case TALLY_OUTCOME_RUNNING:
    case TALLY_OUTCOME_FAILED:
    case TALLY_OUTCOME_CRASHED:
    case TALLY_OUTCOME_TIMEOUT:
    default:
      append_problem (out, "failure", item);
      suite->failures++;
      break;
    }
}

/* What g_test_bug() or g_test_summary() said in @record (a GTest-domain
 * record with TALLY_GTEST=@kind), without its "Bug Reference: " or
 * "Summary: " lead; NULL for any other record. */
static const char *
gtest_metadata (const TallyLogRecord *record,
                const char           *kind)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  const char *colon;

  if (g_strcmp0 (record->domain, "GTest") != 0 || record->fields == NULL
      || strstr (record->fields, "TALLY_GTEST") == NULL)
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, record->fields, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                "TALLY_GTEST", ""), kind) != 0)
    return NULL;
  colon = strstr (record->message, ": ");
  return colon != NULL ? colon + 2 : record->message;
}

/* <properties> of a case: its CPU time and peak RSS, and the bug
 * references and summary GTest code gave it (pytest's place for a
 * case's extra data). */
static void
append_properties (GString            *body,
                   const TallyRunItem *item)
{
  const TallyResult *result = &item->result;
  g_autoptr(GString) props = g_string_new (NULL);

  if (result->cpu_us >= 0)
    g_string_append_printf (props, "        <property name=\"cpu_us\" value=\"%" G_GINT64_FORMAT "\"/>\n",
                            result->cpu_us);
  if (result->max_rss_kb >= 0)
    g_string_append_printf (props, "        <property name=\"max_rss_kb\" value=\"%" G_GINT64_FORMAT "\"/>\n",
                            (gint64) result->max_rss_kb);
  for (guint i = 0; item->records != NULL && i < item->records->len; i++)
    {
      const TallyLogRecord *record = g_ptr_array_index (item->records, i);
      const char *kinds[] = { "bug", "summary" };

      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          const char *value = gtest_metadata (record, kinds[k]);

          if (value == NULL)
            continue;
          g_string_append_printf (props, "        <property name=\"%s\"", kinds[k]);
          append_attribute (props, "value", value);
          g_string_append (props, "/>\n");
        }
    }
  if (props->len == 0)
    return;
  g_string_append (body, "      <properties>\n");
  g_string_append_len (body, props->str, props->len);
  g_string_append (body, "      </properties>\n");
}

static void
junit_test_finished (TallyReporter      *reporter,
                     const TallyRunItem *item)
{
  TallyJunitReporter *self = (TallyJunitReporter *) reporter;
  const TallyResult *result = &item->result;
  JunitSuite *suite = lookup_suite (self, item->test->program->name);
  const char *file = result->file ? result->file : item->test->file;
  int line = result->file ? result->line : item->test->line;
  g_autoptr(GString) body = g_string_new (NULL);

  suite->tests++;
  suite->time_us += MAX (result->duration_us, 0);
  append_properties (body, item);
  append_case_body (body, suite, item);

  g_string_append (suite->cases, "    <testcase");
  append_attribute (suite->cases, "classname", suite->name);
  append_attribute (suite->cases, "name", item->test->path);
  append_seconds_attribute (suite->cases, "time", result->duration_us);
  if (file)
    {
      append_attribute (suite->cases, "file", file);
      if (line > 0)
        g_string_append_printf (suite->cases, " line=\"%d\"", line);
    }

  if (body->len == 0)
    {
      g_string_append (suite->cases, "/>\n");
      return;
    }

  g_string_append (suite->cases, ">\n");
  g_string_append_len (suite->cases, body->str, body->len);
  g_string_append (suite->cases, "    </testcase>\n");
}

static void
append_counts (GString *out,
               guint    tests,
               guint    failures,
               guint    errors,
               guint    skipped,
               gint64   time_us)
{
  g_string_append_printf (out, " tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\"",
                          tests, failures, errors, skipped);
  append_seconds_attribute (out, "time", time_us);
}

static GString *
render_document (TallyJunitReporter    *self,
                 const TallyRunSummary *summary)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  guint tests = 0, failures = 0, errors = 0, skipped = 0;

  for (guint i = 0; i < self->suites->len; i++)
    {
      JunitSuite *suite = g_ptr_array_index (self->suites, i);

      tests += suite->tests;
      failures += suite->failures;
      errors += suite->errors;
      skipped += suite->skipped;
    }

  g_string_append (out, "<testsuites");
  append_attribute (out, "name", "tally");
  append_counts (out, tests, failures, errors, skipped, summary->wall_us);
  g_string_append (out, ">\n");

  for (guint i = 0; i < self->suites->len; i++)
    {
      JunitSuite *suite = g_ptr_array_index (self->suites, i);

      g_string_append (out, "  <testsuite");
      append_attribute (out, "name", suite->name);
      append_counts (out, suite->tests, suite->failures, suite->errors, suite->skipped,
                     suite->time_us);
      g_string_append (out, ">\n");
      g_string_append_len (out, suite->cases->str, suite->cases->len);
      g_string_append (out, "  </testsuite>\n");
    }

  g_string_append (out, "</testsuites>\n");

  return out;
}

static gboolean
set_errno_error (GError     **error,
                 const char  *path,
                 int          saved_errno)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "could not write the JUnit report %s: %s", path, g_strerror (saved_errno));
  return FALSE;
}

/* Writes all of @data to @stream and closes it. */
static gboolean
write_all (FILE          *stream,
           const GString *data)
{
  gboolean written = fwrite (data->str, 1, data->len, stream) == data->len && fflush (stream) == 0;

  return fclose (stream) == 0 && written;
}

/* A regular file: @data goes to the open TARGET.tmp, which is renamed
 * over the target, so a reader never sees half a file (and a symbolic
 * link named on the command line stays a link). Anything else (a FIFO,
 * /dev/stdout, a device) is opened and written in place at the end. */
static gboolean
write_report (TallyJunitReporter  *self,
              const GString       *data,
              GError             **error)
{
  if (self->tmp_path == NULL)
    {
      FILE *stream = g_fopen (self->target, "we");

      if (stream == NULL || !write_all (stream, data))
        return set_errno_error (error, self->path, errno);
      return TRUE;
    }

  if (!write_all (g_steal_pointer (&self->tmp), data) || g_rename (self->tmp_path, self->target) != 0)
    {
      int saved_errno = errno;

      g_unlink (self->tmp_path);
      return set_errno_error (error, self->path, saved_errno);
    }

  return TRUE;
}

static void
junit_run_finished (TallyReporter         *reporter,
                    const TallyRunSummary *summary)
{
  TallyJunitReporter *self = (TallyJunitReporter *) reporter;
  g_autoptr(GString) document = NULL;
  g_autoptr(GError) error = NULL;

  if (self->written)
    return;
  self->written = TRUE;

  document = render_document (self, summary);
  if (!write_report (self, document, &error) && reporter->error == NULL)
    reporter->error = g_steal_pointer (&error);
}

static void
junit_finalize (TallyReporter *reporter)
{
  TallyJunitReporter *self = (TallyJunitReporter *) reporter;

  /* Never finished: leave no PATH.tmp behind. */
  if (self->tmp)
    {
      fclose (g_steal_pointer (&self->tmp));
      g_unlink (self->tmp_path);
    }

  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->suites, g_ptr_array_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->target, g_free);
  g_clear_pointer (&self->tmp_path, g_free);
}

static const TallyReporterClass junit_class = {
  .test_finished = junit_test_finished,
  .run_finished = junit_run_finished,
  .finalize = junit_finalize,
};

/* Where a report named @path is written: symbolic links followed, a
 * dangling one to where it points (one level), a new file as named. */
static char *
resolve_target (const char *path)
{
  char *resolved = realpath (path, NULL);
  g_autofree char *link = NULL;
  g_autofree char *dir = NULL;

  if (resolved != NULL)
    return resolved;
  if ((link = g_file_read_link (path, NULL)) == NULL)
    return g_strdup (path);
  if (g_path_is_absolute (link))
    return g_steal_pointer (&link);
  dir = g_path_get_dirname (path);
  return g_build_filename (dir, link, NULL);
}

/**
 * tally_reporter_junit_new:
 * @path: the file to write
 * @error: return location for a #GError
 *
 * Creates a reporter that writes a JUnit XML report to @path when the
 * run finishes: one `<testsuite>` per program, one `<testcase>` per
 * finished test with `<failure>`, `<error>` or `<skipped>`, and the
 * captured output of failures in `<system-out>`/`<system-err>`. A regular
 * file (or one to be created) is written to `TARGET.tmp` and renamed, so
 * it is whole or absent; symbolic links are followed (the link stays); a
 * FIFO or a device is written in place. A write that fails is kept for
 * tally_reporter_get_error().
 *
 * Returns: (transfer full) (nullable): a new #TallyReporter, or %NULL if
 *   the report cannot be written there
 */
TallyReporter *
tally_reporter_junit_new (const char  *path,
                          GError     **error)
{
  TallyJunitReporter *self;
  g_autofree char *target = NULL;
  g_autofree char *tmp_path = NULL;
  FILE *tmp = NULL;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  target = resolve_target (path);

  if (g_stat (target, &st) == 0 && S_ISDIR (st.st_mode))
    return set_errno_error (error, path, EISDIR), NULL;
  if (g_stat (target, &st) == 0 && !S_ISREG (st.st_mode))
    {
      if (g_access (target, W_OK) != 0)
        return set_errno_error (error, path, errno), NULL;
    }
  else
    {
      tmp_path = g_strconcat (target, ".tmp", NULL);
      if ((tmp = g_fopen (tmp_path, "we")) == NULL)
        return set_errno_error (error, tmp_path, errno), NULL;
    }

  self = g_new0 (TallyJunitReporter, 1);
  self->parent.klass = &junit_class;
  self->path = g_strdup (path);
  self->target = g_steal_pointer (&target);
  self->tmp_path = g_steal_pointer (&tmp_path);
  self->tmp = tmp;
  self->suites = g_ptr_array_new_with_free_func ((GDestroyNotify) junit_suite_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  return &self->parent;
}
