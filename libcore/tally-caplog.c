/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>


#include "tally-caplog.h"
#include "tally-text-private.h"
#include "tally-singletons-private.h"
#include "tally-test-private.h"

/* caplog: one GLogWriterFunc for the whole process. While a test runs,
 * every record goes to that test (whatever thread logged it); between
 * tests, messages go to GLib's default writer as usual. The lock guards
 * the capturing test and its records against logging threads. */

#define AT_LEAST_ONCE G_MAXUINT

static GMutex caplog_lock;
static TallyTest *capturing;
static TallyRecordSink record_sink;
static gpointer record_sink_data;
static TallyLateSink late_sink;
static gboolean echo;

static void tally_caplog_check_expectations (TallyTest *test,
                                             GString   *problems);

static guint64
current_thread_id (void)
{
  return (guint64) syscall (SYS_gettid);
}

static GLogLevelFlags
most_severe (GLogLevelFlags level)
{
  for (GLogLevelFlags bit = G_LOG_LEVEL_ERROR; bit <= G_LOG_LEVEL_DEBUG; bit <<= 1)
    if (level & bit)
      return bit;
  return G_LOG_LEVEL_MESSAGE;
}

static char *
field_dup (const GLogField *field,
           gsize           *len_out)
{
  gsize len = field->length < 0 ? strlen (field->value) : (gsize) field->length;
  char *copy = g_malloc (len + 1);

  memcpy (copy, field->value, len);
  copy[len] = '\0';
  if (len_out)
    *len_out = len;

  return copy;
}

static gboolean
is_known_field (const char *key)
{
  static const char * const known[] = {
    "MESSAGE", "GLIB_DOMAIN", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
    "PRIORITY", "GLIB_OLD_LOG_API",
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (strcmp (key, known[i]) == 0)
      return TRUE;

  return FALSE;
}

static char *
extra_fields_to_json (const GLogField *fields,
                      gsize            n_fields)
{
  g_autoptr(GString) json = NULL;
  gboolean any = FALSE;

  for (gsize i = 0; i < n_fields && !any; i++)
    any = !is_known_field (fields[i].key);
  if (!any)
    return NULL;

  json = g_string_new ("{");
  for (gsize i = 0; i < n_fields; i++)
    {
      g_autofree char *value = NULL;
      gsize len;

      if (is_known_field (fields[i].key))
        continue;

      value = field_dup (&fields[i], &len);
      if (json->len > 1)
        g_string_append_c (json, ',');
      tally_text_append_json_string (json, fields[i].key);
      g_string_append_c (json, ':');
      if (g_utf8_validate (value, len, NULL) && strlen (value) == len)
        tally_text_append_json_string (json, value);
      else
        {
          g_autofree char *note = g_strdup_printf ("<%" G_GSIZE_FORMAT " bytes of binary data>", len);
          tally_text_append_json_string (json, note);
        }
    }
  g_string_append_c (json, '}');
  return g_string_free (g_steal_pointer (&json), FALSE);
}

static TallyLogRecord *
record_from_fields (GLogLevelFlags   level,
                    const GLogField *fields,
                    gsize            n_fields)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->level = most_severe (level);
  record->time_us = g_get_real_time ();
  record->thread_id = current_thread_id ();

  for (gsize i = 0; i < n_fields; i++)
    {
      const char *key = fields[i].key;

      if (strcmp (key, "MESSAGE") == 0)
        record->message = field_dup (&fields[i], &record->message_len);
      else if (strcmp (key, "GLIB_DOMAIN") == 0)
        record->domain = field_dup (&fields[i], NULL);
      else if (strcmp (key, "CODE_FILE") == 0)
        record->file = field_dup (&fields[i], NULL);
      else if (strcmp (key, "CODE_FUNC") == 0)
        record->func = field_dup (&fields[i], NULL);
      else if (strcmp (key, "CODE_LINE") == 0)
        {
          g_autofree char *line = field_dup (&fields[i], NULL);
          record->line = atoi (line);
        }
    }

  if (record->message == NULL)
    record->message = g_strdup ("");
  record->fields = extra_fields_to_json (fields, n_fields);

  return record;
}

static gboolean
record_matches (const TallyLogRecord *record,
                GLogLevelFlags        levels,
                const char           *domain,
                const char           *glob)
{
  if ((record->level & levels) == 0)
    return FALSE;
  if (domain != NULL && g_strcmp0 (domain, record->domain) != 0)
    return FALSE;
  /* Embedded NULs end the match; the message is still stored whole. */
  if (glob != NULL && !g_pattern_match_simple (glob, record->message))
    return FALSE;
  return TRUE;
}

/* Called with the lock held. */
static gboolean
match_expectation (TallyTest            *test,
                   const TallyLogRecord *record)
{
  if (test->expectations == NULL)
    return FALSE;

  /* An expectation that still wants messages takes the record first, so
   * that two expectations of one message each (GTest's
   * g_test_expect_message() twice) are met by two messages. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < test->expectations->len; i++)
      {
        TallyLogExpectation *exp = g_ptr_array_index (test->expectations, i);

        if (pass == 0 && exp->wanted != AT_LEAST_ONCE && exp->seen >= exp->wanted)
          continue;
        if (record_matches (record, exp->levels, exp->domain, exp->glob))
          {
            exp->seen++;
            return TRUE;
          }
      }

  return FALSE;
}

static void
note_unexpected (TallyTest            *test,
                 const TallyLogRecord *record)
{
  if (test->unexpected == NULL)
    test->unexpected = g_string_new (NULL);
  else
    g_string_append_c (test->unexpected, '\n');

  g_string_append_printf (test->unexpected, "unexpected %s%s%s: ",
                          record->level == G_LOG_LEVEL_CRITICAL ? "CRITICAL" : "WARNING",
                          record->domain ? " from " : "",
                          record->domain ? record->domain : "");
  g_string_append_len (test->unexpected, record->message,
                       MIN (record->message_len, 4096));
  if (record->file != NULL)
    g_string_append_printf (test->unexpected, " (%s:%d)", record->file, record->line);
}

/* A record from a thread that an earlier test started, logged after that
 * test ended: it cannot fail the running test, which did not start the
 * thread. It is kept, as information that names the thread's test. */
static void
mark_late (TallyLogRecord *record,
           const char     *owner)
{
  char *message = g_strdup_printf ("late %s from a thread started by %s (which has ended): %.*s",
                                   tally_log_level_to_string (record->level), owner,
                                   (int) MIN (record->message_len, G_MAXINT), record->message);

  g_free (record->message);
  record->message = message;
  record->message_len = strlen (message);
  record->level = G_LOG_LEVEL_INFO;
}

static GLogWriterOutput
tally_log_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  TallyLogRecord *record;
  TallyTest *test;
  const char *late_owner;

  g_mutex_lock (&caplog_lock);

  if ((test = capturing) == NULL && late_sink == NULL)
    {
      g_mutex_unlock (&caplog_lock);
      return g_log_writer_default (level, fields, n_fields, user_data);
    }

  record = record_from_fields (level, fields, n_fields);
  late_owner = tally_threads_late_owner (test, record->thread_id);
  /* A thread of an ended test: in a worker, its record is that test's,
   * never the running test's, also between tests and while the worker
   * runs a test in a process of its own (tally-worker.c). */
  if (late_owner != NULL && late_sink != NULL && !echo)
    {
      late_sink (late_owner, record);
      tally_log_record_free (record);
      g_mutex_unlock (&caplog_lock);
      return G_LOG_WRITER_HANDLED;
    }
  if (test == NULL)
    {
      tally_log_record_free (record);
      g_mutex_unlock (&caplog_lock);
      return g_log_writer_default (level, fields, n_fields, user_data);
    }

  if (echo)
    g_log_writer_default (level, fields, n_fields, user_data);

  if (late_owner != NULL)
    mark_late (record, late_owner);
  else if (!match_expectation (test, record)
      && (record->level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL))
      && !tally_singletons_warning_allowed (record->domain, record->message))
    note_unexpected (test, record);

  if (record->level & test->capture_levels)
    {
      if (record_sink != NULL)
        record_sink (test, record, record_sink_data);
      g_ptr_array_add (test->records, record);
    }
  else
    tally_log_record_free (record);

  g_mutex_unlock (&caplog_lock);

  return G_LOG_WRITER_HANDLED;
}

/* A GTest subprocess (tally-gtest-compat.c) shows its log on stderr as
 * well, where the parent's g_test_trap_assert_stderr() looks for it. */
void
tally_caplog_set_echo (gboolean on)
{
  g_mutex_lock (&caplog_lock);
  echo = on;
  g_mutex_unlock (&caplog_lock);
}

/* Describes the expectations not met so far (NULL if all are) and drops
 * every expectation: g_test_assert_expected_messages(). */
char *
tally_caplog_take_unmet (TallyTest *test)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(GPtrArray) expectations = NULL;

  tally_caplog_check_expectations (test, problems);
  g_mutex_lock (&caplog_lock);
  expectations = g_steal_pointer (&test->expectations);
  g_mutex_unlock (&caplog_lock);

  return problems->len > 0 ? g_string_free (g_steal_pointer (&problems), FALSE) : NULL;
}

void
tally_caplog_install (void)
{
  static gsize installed;

  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (tally_log_writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
}

void
tally_caplog_set_late_sink (TallyLateSink sink)
{
  g_mutex_lock (&caplog_lock);
  late_sink = sink;
  g_mutex_unlock (&caplog_lock);
}

void
tally_caplog_set_sink (TallyRecordSink sink,
                       gpointer        user_data)
{
  g_mutex_lock (&caplog_lock);
  record_sink = sink;
  record_sink_data = user_data;
  g_mutex_unlock (&caplog_lock);
}

void
tally_caplog_begin (TallyTest *test)
{
  g_mutex_lock (&caplog_lock);
  capturing = test;
  g_mutex_unlock (&caplog_lock);
}

void
tally_caplog_end (TallyTest *test)
{
  g_mutex_lock (&caplog_lock);
  if (capturing == test)
    capturing = NULL;
  g_mutex_unlock (&caplog_lock);
}

/* Appends to @problems what caplog holds against the test: unmet
 * expectations and unexpected warnings or criticals. */
static void
tally_caplog_check_expectations (TallyTest *test,
                                 GString   *problems)
{
  g_mutex_lock (&caplog_lock);

  for (guint i = 0; test->expectations && i < test->expectations->len; i++)
    {
      TallyLogExpectation *exp = g_ptr_array_index (test->expectations, i);
      gboolean met = exp->wanted == AT_LEAST_ONCE ? exp->seen > 0 : exp->seen == exp->wanted;

      if (met)
        continue;

      if (problems->len)
        g_string_append_c (problems, '\n');
      g_string_append_printf (problems, "expected %s message%s%s matching \"%s\" ",
                              tally_log_level_to_string (exp->levels),
                              exp->domain ? " in domain " : "",
                              exp->domain ? exp->domain : "",
                              exp->glob ? exp->glob : "*");
      if (exp->wanted == AT_LEAST_ONCE)
        g_string_append (problems, "was not logged");
      else
        g_string_append_printf (problems, "%u time%s, but it was logged %u time%s",
                                exp->wanted, exp->wanted == 1 ? "" : "s",
                                exp->seen, exp->seen == 1 ? "" : "s");
    }

  g_mutex_unlock (&caplog_lock);
}

void
tally_caplog_check (TallyTest *test,
                    GString   *problems)
{
  tally_caplog_check_expectations (test, problems);

  g_mutex_lock (&caplog_lock);
  if (test->unexpected != NULL)
    {
      if (problems->len)
        g_string_append_c (problems, '\n');
      g_string_append (problems, test->unexpected->str);
    }

  g_mutex_unlock (&caplog_lock);
}

/**
 * tally_test_get_logs:
 * @test: a #TallyTest
 *
 * The records captured so far, oldest first. Do not keep the array past
 * the next log call from another thread: copy what you need.
 *
 * Returns: (transfer none) (element-type TallyLogRecord): the records
 */
GPtrArray *
tally_test_get_logs (TallyTest *test)
{
  g_return_val_if_fail (test != NULL, NULL);
  return test->records;
}

/**
 * tally_test_count_logs:
 * @test: a #TallyTest
 * @levels: a mask of levels, or %TALLY_LOG_LEVEL_ANY
 * @domain: (nullable): a log domain, or %NULL for any
 * @glob: (nullable): a glob on the message, or %NULL for any
 *
 * Counts the records captured so far for the test that match all of
 * @levels, @domain and @glob.
 *
 * Returns: how many captured records match
 */
guint
tally_test_count_logs (TallyTest      *test,
                       GLogLevelFlags  levels,
                       const char     *domain,
                       const char     *glob)
{
  guint n = 0;

  g_return_val_if_fail (test != NULL, 0);

  g_mutex_lock (&caplog_lock);
  for (guint i = 0; i < test->records->len; i++)
    if (record_matches (g_ptr_array_index (test->records, i), levels, domain, glob))
      n++;
  g_mutex_unlock (&caplog_lock);

  return n;
}

/**
 * tally_test_clear_logs:
 * @test: a #TallyTest
 *
 * Forgets the records captured so far (they are still stored in the
 * results database), like pytest's `caplog.clear()`.
 */
void
tally_test_clear_logs (TallyTest *test)
{
  g_return_if_fail (test != NULL);

  g_mutex_lock (&caplog_lock);
  g_ptr_array_set_size (test->records, 0);
  g_mutex_unlock (&caplog_lock);
}

/**
 * tally_test_set_log_level:
 * @test: a #TallyTest
 * @level: the least severe level to capture, e.g. %G_LOG_LEVEL_INFO
 *
 * Captures only records at @level or more severe from now on. By default
 * everything is captured, debug included.
 */
void
tally_test_set_log_level (TallyTest      *test,
                          GLogLevelFlags  level)
{
  g_return_if_fail (test != NULL);

  g_mutex_lock (&caplog_lock);
  test->capture_levels = ((most_severe (level) << 1) - 1) & G_LOG_LEVEL_MASK;
  g_mutex_unlock (&caplog_lock);
}

static void
expectation_free (gpointer data)
{
  TallyLogExpectation *exp = data;

  g_free (exp->domain);
  g_free (exp->glob);
  g_free (exp);
}

static void
add_expectation (TallyTest      *test,
                 const char     *domain,
                 GLogLevelFlags  levels,
                 const char     *glob,
                 guint           count)
{
  TallyLogExpectation *exp = g_new0 (TallyLogExpectation, 1);

  exp->domain = g_strdup (domain);
  exp->levels = levels & G_LOG_LEVEL_MASK;
  exp->glob = g_strdup (glob);
  exp->wanted = count;

  g_mutex_lock (&caplog_lock);
  if (test->expectations == NULL)
    test->expectations = g_ptr_array_new_with_free_func (expectation_free);
  g_ptr_array_add (test->expectations, exp);
  g_mutex_unlock (&caplog_lock);
}

/**
 * tally_test_expect_log:
 * @test: a #TallyTest
 * @domain: (nullable): the log domain, or %NULL for any
 * @levels: a mask of levels
 * @glob: (nullable): a glob on the message
 *
 * Declares that a matching message will be logged at least once before
 * the test ends. Matching warnings and criticals are then expected and do
 * not fail the test; if none is logged, the test fails.
 */
void
tally_test_expect_log (TallyTest      *test,
                       const char     *domain,
                       GLogLevelFlags  levels,
                       const char     *glob)
{
  g_return_if_fail (test != NULL);
  add_expectation (test, domain, levels, glob, AT_LEAST_ONCE);
}

/**
 * tally_test_expect_log_n:
 * @test: a #TallyTest
 * @domain: (nullable): the log domain, or %NULL for any
 * @levels: a mask of levels
 * @glob: (nullable): a glob on the message
 * @count: exactly how many matching messages must be logged
 *
 * Like tally_test_expect_log(), with an exact count (0 forbids the
 * message, whatever its level).
 */
void
tally_test_expect_log_n (TallyTest      *test,
                         const char     *domain,
                         GLogLevelFlags  levels,
                         const char     *glob,
                         guint           count)
{
  g_return_if_fail (test != NULL);
  add_expectation (test, domain, levels, glob, count);
}

/* Adds a record from Tally itself (a relaxed leak report, say): stored
 * and streamed like any other, but never an "unexpected warning". */
void
tally_caplog_note (TallyTest      *test,
                   GLogLevelFlags  level,
                   const char     *message)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->level = most_severe (level);
  record->domain = g_strdup ("Tally");
  record->message = g_strdup (message);
  record->message_len = strlen (message);
  record->time_us = g_get_real_time ();
  record->thread_id = current_thread_id ();

  g_mutex_lock (&caplog_lock);
  if (record_sink != NULL)
    record_sink (test, record, record_sink_data);
  g_ptr_array_add (test->records, record);
  g_mutex_unlock (&caplog_lock);
}
