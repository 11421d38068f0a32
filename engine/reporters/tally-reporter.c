/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>

#include "tally-reporter-private.h"

/* Every reporter is a struct whose first member is a TallyReporter, with a
 * static class of callbacks; a callback left NULL means "nothing to do".
 * tally_reporter_free() calls finalize, which frees what the reporter
 * owns, and then frees the struct itself. */

/**
 * tally_reporter_run_started:
 * @self: a #TallyReporter
 * @info: what is about to run
 *
 * Tells @self the run begins.
 */
void
tally_reporter_run_started (TallyReporter      *self,
                            const TallyRunInfo *info)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (info != NULL);

  if (self->klass->run_started)
    self->klass->run_started (self, info);
}

/**
 * tally_reporter_test_started:
 * @self: a #TallyReporter
 * @item: the attempt that starts
 *
 * Tells @self a test was handed to a worker.
 */
void
tally_reporter_test_started (TallyReporter      *self,
                             const TallyRunItem *item)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (item != NULL);

  if (self->klass->test_started)
    self->klass->test_started (self, item);
}

/**
 * tally_reporter_test_finished:
 * @self: a #TallyReporter
 * @item: the attempt that finished, with its result
 *
 * Tells @self a test finished. @item is borrowed: a reporter copies
 * whatever it keeps.
 */
void
tally_reporter_test_finished (TallyReporter      *self,
                              const TallyRunItem *item)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (item != NULL);

  if (self->klass->test_finished)
    self->klass->test_finished (self, item);
}

/**
 * tally_reporter_progress:
 * @self: a #TallyReporter
 * @progress: counts so far and the tests running now
 *
 * Called about ten times a second while the run goes on.
 */
void
tally_reporter_progress (TallyReporter          *self,
                         const TallyRunProgress *progress)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (progress != NULL);

  if (self->klass->progress)
    self->klass->progress (self, progress);
}

/**
 * tally_reporter_check_stream:
 * @self: a #TallyReporter
 * @stream: the stream it just wrote and flushed
 * @what: how to name the report in the error ("the JSON events")
 *
 * Keeps the first write error of @stream on @self: a report that CI reads
 * must not silently end short.
 */
void
tally_reporter_check_stream (TallyReporter *self,
                             FILE          *stream,
                             const char    *what)
{
  int saved_errno = errno;

  if (self->error != NULL || !ferror (stream))
    return;
  g_set_error (&self->error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "could not write %s: %s", what, g_strerror (saved_errno));
}

/**
 * tally_reporter_get_error:
 * @self: a #TallyReporter
 * @error: return location for a #GError
 *
 * Returns: %FALSE, with @error set, when one of the reports @self wrote
 *   could not be written completely
 */
gboolean
tally_reporter_get_error (TallyReporter  *self,
                          GError        **error)
{
  if (self->error == NULL)
    return TRUE;
  g_propagate_error (error, g_error_copy (self->error));
  return FALSE;
}

/**
 * tally_reporter_run_finished:
 * @self: a #TallyReporter
 * @summary: how the run ended
 *
 * Tells @self the run is over; it prints or writes its summary.
 */
void
tally_reporter_run_finished (TallyReporter         *self,
                             const TallyRunSummary *summary)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (summary != NULL);

  if (self->klass->run_finished)
    self->klass->run_finished (self, summary);
}

/**
 * tally_reporter_free:
 * @self: (nullable): a #TallyReporter
 *
 * Frees @self and what it owns. The stream given to a console, JSON or
 * TAP reporter is borrowed and stays open.
 */
void
tally_reporter_free (TallyReporter *self)
{
  if (self == NULL)
    return;

  if (self->klass->finalize)
    self->klass->finalize (self);

  g_clear_error (&self->error);
  g_free (self);
}

/* The tee: forwards every call to each of its reporters, in order. */

typedef struct
{
  TallyReporter parent;
  GPtrArray *reporters;
} TallyTeeReporter;

static void
tee_run_started (TallyReporter      *reporter,
                 const TallyRunInfo *info)
{
  TallyTeeReporter *self = (TallyTeeReporter *) reporter;

  for (guint i = 0; i < self->reporters->len; i++)
    tally_reporter_run_started (g_ptr_array_index (self->reporters, i), info);
}

static void
tee_test_started (TallyReporter      *reporter,
                  const TallyRunItem *item)
{
  TallyTeeReporter *self = (TallyTeeReporter *) reporter;

  for (guint i = 0; i < self->reporters->len; i++)
    tally_reporter_test_started (g_ptr_array_index (self->reporters, i), item);
}

static void
tee_test_finished (TallyReporter      *reporter,
                   const TallyRunItem *item)
{
  TallyTeeReporter *self = (TallyTeeReporter *) reporter;

  for (guint i = 0; i < self->reporters->len; i++)
    tally_reporter_test_finished (g_ptr_array_index (self->reporters, i), item);
}

static void
tee_progress (TallyReporter          *reporter,
              const TallyRunProgress *progress)
{
  TallyTeeReporter *self = (TallyTeeReporter *) reporter;

  for (guint i = 0; i < self->reporters->len; i++)
    tally_reporter_progress (g_ptr_array_index (self->reporters, i), progress);
}

static void
tee_run_finished (TallyReporter         *reporter,
                  const TallyRunSummary *summary)
{
  TallyTeeReporter *self = (TallyTeeReporter *) reporter;

  for (guint i = 0; i < self->reporters->len; i++)
    {
      TallyReporter *each = g_ptr_array_index (self->reporters, i);

      tally_reporter_run_finished (each, summary);
      if (reporter->error == NULL && each->error != NULL)
        reporter->error = g_error_copy (each->error);
    }
}

static void
tee_finalize (TallyReporter *reporter)
{
  TallyTeeReporter *self = (TallyTeeReporter *) reporter;

  g_clear_pointer (&self->reporters, g_ptr_array_unref);
}

static const TallyReporterClass tee_class = {
  .run_started = tee_run_started,
  .test_started = tee_test_started,
  .test_finished = tee_test_finished,
  .progress = tee_progress,
  .run_finished = tee_run_finished,
  .finalize = tee_finalize,
};

/**
 * tally_reporter_tee_new:
 * @reporters: (transfer full) (element-type TallyReporter): the reporters
 *
 * Creates a reporter that forwards each call to every reporter in
 * @reporters, in order. The tee takes over @reporters and frees the
 * reporters in it when it is freed, whatever free function the array had.
 *
 * Returns: (transfer full): a new #TallyReporter
 */
TallyReporter *
tally_reporter_tee_new (GPtrArray *reporters)
{
  TallyTeeReporter *self;

  g_return_val_if_fail (reporters != NULL, NULL);

  /* Setting it here makes ownership of the elements certain. */
  g_ptr_array_set_free_func (reporters, (GDestroyNotify) tally_reporter_free);

  self = g_new0 (TallyTeeReporter, 1);
  self->parent.klass = &tee_class;
  self->reporters = reporters;

  return &self->parent;
}
