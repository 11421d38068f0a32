/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-viewer-preload.h"
#include "tally-viewer-util.h"

struct _TallyViewerPreload
{
  gatomicrefcount ref_count;
  char *path;                   /* canonical */
  GMutex lock;
  GCond cond;
  /* Under lock */
  gboolean done;
  TallyStore *store;            /* with run_id in memory, until taken */
  gint64 run_id;
};

static TallyViewerPreload *pending;    /* main thread */

static TallyViewerPreload *
preload_ref (TallyViewerPreload *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tally_viewer_preload_unref (TallyViewerPreload *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_pointer (&self->store, tally_store_close);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self);
}

/* As the document's loading thread reads a run (merged over its parent
 * for a rerun), in the results view's first order ("failures", no
 * filter): the store reads the run into the connection's memory and
 * keeps it sorted so, and the loading thread's query is then one pass. */
static gpointer
preload_thread (gpointer data)
{
  TallyViewerPreload *self = data;
  g_autoptr(GError) error = NULL;
  TallyStore *store;
  TallyResultQuery query = TALLY_RESULT_QUERY_INIT;
  g_autoptr(GArray) ids = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gint64 cpu0 = tally_viewer_thread_cpu_time ();
  gint64 run_id = 0;

  store = tally_store_open_readonly (self->path, &error);
  if (store != NULL)
    {
      tally_store_set_merge_reruns (store, TRUE);
      if (tally_store_get_last_run_id (store, &run_id, &error) && run_id != 0)
        ids = tally_store_viewer_query_result_ids (store, run_id, &query, "failures", FALSE, &error);
      if (ids == NULL)
        g_clear_pointer (&store, tally_store_close);
    }
  if (error != NULL)
    g_debug ("Preloading %s: %s", self->path, error->message);
  else
    g_debug ("Preloaded run %" G_GINT64_FORMAT " of %s in %.1f ms (the thread's CPU %.1f ms)", run_id, self->path,
             (g_get_monotonic_time () - t0) / 1000.0, (tally_viewer_thread_cpu_time () - cpu0) / 1000.0);

  g_mutex_lock (&self->lock);
  self->store = store;
  self->run_id = store != NULL ? run_id : 0;
  self->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  tally_viewer_preload_unref (self);
  return NULL;
}

void
tally_viewer_preload_start (const char *path)
{
  TallyViewerPreload *self;

  g_return_if_fail (path != NULL);

  g_clear_pointer (&pending, tally_viewer_preload_unref);
  self = g_new0 (TallyViewerPreload, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->path = g_canonicalize_filename (path, NULL);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  pending = self;
  g_thread_unref (g_thread_new ("tally-preload", preload_thread, preload_ref (self)));
}

TallyViewerPreload *
tally_viewer_preload_take (const char *path)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (pending == NULL)
    return NULL;
  canonical = g_canonicalize_filename (path, NULL);
  if (g_strcmp0 (canonical, pending->path) != 0)
    return NULL;
  return g_steal_pointer (&pending);
}

TallyStore *
tally_viewer_preload_finish (TallyViewerPreload *self,
                             gint64              run_id)
{
  TallyStore *store = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->lock);
  while (!self->done)
    g_cond_wait (&self->cond, &self->lock);
  if (self->run_id == run_id)
    store = g_steal_pointer (&self->store);
  g_mutex_unlock (&self->lock);
  return store;
}
