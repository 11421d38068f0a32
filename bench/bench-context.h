/* bench-context.h — the hand-made parts that GTest and Criterion tests
 * need to do what Tally does for them: a fresh GMainContext per test that
 * is iterated until an operation completes, and a caplog.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bench-common.h"

static inline gboolean
complete_task_cb (gpointer task)
{
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static inline void
store_result_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static inline void
await_source (GSource *source)
{
  GMainContext *context = g_main_context_new ();
  GAsyncResult *result = NULL;
  GError *error = NULL;
  GTask *task;

  g_main_context_push_thread_default (context);

  task = g_task_new (NULL, NULL, store_result_cb, &result);
  g_source_set_callback (source, complete_task_cb, task, g_object_unref);
  g_source_attach (source, context);
  g_source_unref (source);

  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  g_assert_true (g_task_propagate_boolean (G_TASK (result), &error));
  g_assert_no_error (error);
  g_object_unref (result);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* The hand-made caplog: every record of the running test, in memory. */
typedef struct
{
  GLogLevelFlags  level;
  char           *domain;
  char           *message;
} Record;

static GPtrArray *records;

static inline void
record_free (gpointer data)
{
  Record *r = data;

  g_free (r->domain);
  g_free (r->message);
  g_free (r);
}

static inline GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  Record *r;

  if (records == NULL)
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  r = g_new0 (Record, 1);
  r->level = log_level & G_LOG_LEVEL_MASK;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        r->domain = g_strdup (fields[i].value);
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        r->message = g_strdup (fields[i].value);
    }
  g_ptr_array_add (records, r);
  return G_LOG_WRITER_HANDLED;
}

/* Logs the workload's 50 records into a fresh capture, checks that all
 * were captured, and returns how many warnings of domain "Bench" were. */
static inline guint
bench_capture_logs (void)
{
  guint n_warnings = 0, n_records;

  records = g_ptr_array_new_with_free_func (record_free);
  bench_log_records ();

  for (guint i = 0; i < records->len; i++)
    {
      Record *r = records->pdata[i];

      if (r->level == G_LOG_LEVEL_WARNING && g_strcmp0 (r->domain, "Bench") == 0)
        n_warnings++;
    }
  n_records = records->len;
  g_clear_pointer (&records, g_ptr_array_unref);

  if (n_records != BENCH_LOG_RECORDS)
    g_error ("%u records captured, expected %u", n_records, BENCH_LOG_RECORDS);
  return n_warnings;
}

/* Captures GLib's log into `records` while a test runs (else logs as usual);
 * warnings are not fatal. Call once at start-up. */
static inline void
bench_capture_init (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_writer_func (capture_writer, NULL, NULL);
}
