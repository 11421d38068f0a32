/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-document.h"
#include "tally-viewer-preload.h"
#include "tally-viewer-util.h"

#define POLL_INTERVAL_MS 300
#define RUNS_LIMIT 500
/* Rows read with a run, so the first frame needs no query: GTK 4.8's
 * list views bind 200 rows around their anchor whatever their height
 * (GTK_LIST_VIEW_MAX_LIST_ITEMS), read on the main thread otherwise. */
#define FIRST_ROWS 256

/* --- a run in the sidebar ---------------------------------------------- */

struct _TallyViewerRunItem
{
  GObject parent_instance;
  TallyRunRow *row;
};

G_DEFINE_FINAL_TYPE (TallyViewerRunItem, tally_viewer_run_item, G_TYPE_OBJECT)

static void
tally_viewer_run_item_finalize (GObject *object)
{
  g_clear_pointer (&TALLY_VIEWER_RUN_ITEM (object)->row, tally_run_row_free);
  G_OBJECT_CLASS (tally_viewer_run_item_parent_class)->finalize (object);
}

static void
tally_viewer_run_item_class_init (TallyViewerRunItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_viewer_run_item_finalize;
}

static void
tally_viewer_run_item_init (TallyViewerRunItem *self)
{
}

const TallyRunRow *
tally_viewer_run_item_get_row (TallyViewerRunItem *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_RUN_ITEM (self), NULL);
  return self->row;
}

/* --- the document ------------------------------------------------------ */

struct _TallyViewerDocument
{
  GObject parent_instance;

  /* Owned */
  char *path;
  TallyStore *store;            /* runs, counts, polling; main thread */
  TallyStore *run_store;        /* the shown run's results, from its load */
  gint64 run_store_run_id;
  TallyStore *spare_store;      /* the run shown before, still in its memory */
  gint64 spare_run_id;
  GListStore *runs;
  GHashTable *run_items;        /* run id → TallyViewerRunItem */
  TallyViewerResultList *results;
  GCancellable *load_cancellable;
  GSource *poll_source;
  gint64 data_version;
  gint64 run_id;
  gint64 follow_run_id;         /* show this run when it appears */
  guint counts[TALLY_N_OUTCOMES];
  guint merged_counts[TALLY_N_OUTCOMES];  /* a rerun's, merged (run_store's run) */
  gboolean has_merged_counts;
  gboolean loading;              /* another run's results are being read */
  gboolean refreshing;          /* the shown run's, after a change */
  gboolean refresh_pending;     /* the database changed during either */
};

enum {
  PROP_0,
  PROP_PATH,
  PROP_RUN_ID,
  PROP_LOADING,
  N_PROPS
};

enum {
  RUNS_CHANGED,
  COUNTS_CHANGED,
  RUN_LOADED,
  STORE_CHANGED,
  PROBLEM,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TallyViewerDocument, tally_viewer_document, G_TYPE_OBJECT)

static void
problem (TallyViewerDocument *self,
         const char          *message)
{
  g_signal_emit (self, signals[PROBLEM], 0, message);
}

/* --- runs -------------------------------------------------------------- */

/* Reads the runs again; the item of a run that stays is reused, so a
 * selection of it holds. */
static gboolean
reload_runs (TallyViewerDocument  *self,
             GError              **error)
{
  g_autoptr(GPtrArray) rows = tally_store_list_runs (self->store, 0, RUNS_LIMIT, TRUE, error);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) fresh = NULL;

  if (rows == NULL)
    return FALSE;

  items = g_ptr_array_new_with_free_func (g_object_unref);
  fresh = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      TallyRunRow *row = g_steal_pointer (&rows->pdata[i]);
      TallyViewerRunItem *run = g_hash_table_lookup (self->run_items, &row->id);

      if (run == NULL)
        run = g_object_new (TALLY_VIEWER_TYPE_RUN_ITEM, NULL);
      else
        g_object_ref (run);
      g_clear_pointer (&run->row, tally_run_row_free);
      run->row = row;
      g_ptr_array_add (items, g_object_ref (run));
      g_hash_table_insert (fresh, &run->row->id, run);
    }

  g_list_store_splice (self->runs, 0, g_list_model_get_n_items (G_LIST_MODEL (self->runs)),
                       items->pdata, items->len);
  g_hash_table_unref (self->run_items);
  self->run_items = g_steal_pointer (&fresh);
  g_signal_emit (self, signals[RUNS_CHANGED], 0);
  return TRUE;
}

/* The sidebar's rows carry the counts (read with the runs). */
static void
update_counts (TallyViewerDocument *self)
{
  const TallyRunRow *run = tally_viewer_document_get_run (self);
  g_autoptr(GError) error = NULL;

  memset (self->counts, 0, sizeof self->counts);
  /* A rerun shows its parent's results too: count what is shown. */
  if (run != NULL && run->parent_id > 0 && self->has_merged_counts && self->run_store_run_id == self->run_id)
    memcpy (self->counts, self->merged_counts, sizeof self->counts);
  else if (run != NULL && run->has_counts)
    memcpy (self->counts, run->counts, sizeof self->counts);
  else if (self->store != NULL && self->run_id != 0
           && !tally_store_get_run_counts (self->store, self->run_id, self->counts, &error))
    g_warning ("Cannot count results: %s", error->message);
  g_signal_emit (self, signals[COUNTS_CHANGED], 0);
}

/* --- loading a run on a thread ----------------------------------------- */

typedef struct
{
  char *path;
  gint64 run_id;
  TallyViewerResultFilter *filter;
  guint generation;
  gboolean refresh;             /* of the run shown, which stays shown meanwhile */
  TallyViewerPreload *preload;  /* the run read as the window was built */
  /* Out */
  TallyStore *store;
  GArray *ids;
  GPtrArray *rows;
  gboolean count;               /* a rerun: count what the list shows */
  guint counts[TALLY_N_OUTCOMES];   /* by outcome, as the store merges reruns */
} Load;

static void
load_free (Load *load)
{
  g_free (load->path);
  tally_viewer_result_filter_free (load->filter);
  g_clear_pointer (&load->preload, tally_viewer_preload_unref);
  g_clear_pointer (&load->store, tally_store_close);
  g_clear_pointer (&load->ids, g_array_unref);
  g_clear_pointer (&load->rows, g_ptr_array_unref);
  g_free (load);
}

/* A connection of its own: the store reads the run into memory at its
 * first query (docs/database.md, "Read cache"), which is the slow part;
 * the main thread then filters that connection's copy. */
static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  GError *error = NULL;
  gboolean reused = load->store != NULL;
  gboolean preloaded;
  gint64 t0 = g_get_monotonic_time ();
  gint64 cpu0 = tally_viewer_thread_cpu_time ();
  gint64 waited = 0;

  /* Read already (or being read) as the window was built. */
  if (load->store == NULL && load->preload != NULL)
    {
      load->store = tally_viewer_preload_finish (load->preload, load->run_id);
      waited = g_get_monotonic_time () - t0;
    }
  preloaded = !reused && load->store != NULL;
  if (load->store == NULL)
    load->store = tally_store_open_readonly (load->path, &error);
  if (load->store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  tally_store_set_merge_reruns (load->store, TRUE);
  if (g_task_return_error_if_cancelled (task))
    return;
  load->ids = tally_viewer_result_filter_query (load->filter, load->store, load->run_id, &error);
  if (load->ids == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  /* From memory now: the counts of what the list shows (a rerun merged
   * over its parent), which the runs' own counts are not. */
  for (int o = 0; load->count && o < TALLY_N_OUTCOMES; o++)
    {
      TallyResultQuery query = TALLY_RESULT_QUERY_INIT;

      query.outcomes = 1u << o;
      load->counts[o] = MAX (0, tally_store_count_results (load->store, load->run_id, &query, NULL));
    }
  if (load->ids->len > 0)
    load->rows = tally_store_get_result_rows (load->store, (gint64 *) load->ids->data,
                                              MIN (load->ids->len, FIRST_ROWS), NULL);
  g_debug ("Loaded run %" G_GINT64_FORMAT " (%u results) on %s connection in %.1f ms "
           "(%.1f ms of it waiting for the preload; the thread's CPU %.1f ms)",
           load->run_id, load->ids->len, reused ? "a kept" : preloaded ? "the preloaded" : "a new",
           (g_get_monotonic_time () - t0) / 1000.0, waited / 1000.0,
           (tally_viewer_thread_cpu_time () - cpu0) / 1000.0);
  g_task_return_boolean (task, TRUE);
}

static void
set_loading (TallyViewerDocument *self,
             gboolean             loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void refresh_results (TallyViewerDocument *self);

/* The list shows @load's ids, read on its connection, which the list
 * (and the detail, told by "store-changed" or "run-loaded") use from
 * now on; returns the connection they used before. */
static TallyStore *
take_load (TallyViewerDocument *self,
           Load                *load)
{
  TallyStore *old = g_steal_pointer (&self->run_store);
  g_autoptr(GError) error = NULL;

  self->run_store = g_steal_pointer (&load->store);
  self->run_store_run_id = load->run_id;
  memcpy (self->merged_counts, load->counts, sizeof self->merged_counts);
  self->has_merged_counts = load->count;
  tally_viewer_result_list_set_ids (self->results, self->run_store, load->run_id, load->ids, load->rows);
  /* A filter changed while the thread read: again, from the
   * connection's copy now in memory. */
  if (load->generation != tally_viewer_result_list_get_generation (self->results)
      && !tally_viewer_result_list_refresh (self->results, &error))
    problem (self, error->message);
  return old;
}

static void
on_refresh_done (TallyViewerDocument *self,
                 Load                *load)
{
  TallyStore *old = take_load (self, load);

  g_signal_emit (self, signals[STORE_CHANGED], 0);
  g_clear_pointer (&old, tally_store_close);
  update_counts (self);
  self->refreshing = FALSE;
  if (self->refresh_pending)
    refresh_results (self);
}

static void
on_load_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TallyViewerDocument *self = TALLY_VIEWER_DOCUMENT (object);
  GTask *task = G_TASK (result);
  Load *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  TallyStore *old;

  if (!g_task_propagate_boolean (task, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->refreshing = FALSE;
          set_loading (self, FALSE);
          problem (self, error->message);
        }
      return;
    }
  /* Superseded by a later load or a close, which cancelled this one. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return;
  g_clear_object (&self->load_cancellable);

  if (load->refresh)
    {
      on_refresh_done (self, load);
      return;
    }
  old = take_load (self, load);
  update_counts (self);
  set_loading (self, FALSE);
  g_signal_emit (self, signals[RUN_LOADED], 0);
  /* Nobody reads the old connection now: the detail follows "run-loaded". */
  g_clear_pointer (&old, tally_store_close);
  /* The database changed while the thread read. */
  if (self->refresh_pending)
    refresh_results (self);
}

/* The connection for a load of @run_id, NULL for a new one. Two are
 * kept, each with its run in memory: the one shown and the one shown
 * before, so going back to it costs no read. Nothing on the main thread
 * reads either once the list is emptied and "run-id" told: the thread
 * may have one. */
static TallyStore *
take_connection (TallyViewerDocument *self,
                 gint64               run_id)
{
  TallyStore *current = g_steal_pointer (&self->run_store);
  gint64 current_run = self->run_store_run_id;
  TallyStore *take;

  self->run_store_run_id = 0;
  if (current != NULL && current_run == run_id)
    return current;
  /* The spare: @run_id's own, or the least recent run's, read anew. */
  take = g_steal_pointer (&self->spare_store);
  if (current != NULL)
    {
      g_clear_pointer (&self->spare_store, tally_store_close);
      self->spare_store = current;
      self->spare_run_id = current_run;
    }
  return take;
}

static void
cancel_load (TallyViewerDocument *self)
{
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
}

static void start_load (TallyViewerDocument *self, TallyStore *store, gboolean refresh);

void
tally_viewer_document_load_run (TallyViewerDocument *self,
                                gint64               run_id)
{
  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));

  cancel_load (self);
  self->refreshing = FALSE;
  self->run_id = self->store != NULL ? run_id : 0;
  self->refresh_pending = FALSE;
  /* Nothing reads the previous run's rows meanwhile; the list keeps
   * its length, so the table's row widgets are rebound to the new run
   * rather than destroyed now and built again (~50 ms each way for a
   * large run). */
  if (self->run_id != 0)
    tally_viewer_result_list_detach (self->results);
  else
    tally_viewer_result_list_set_store (self->results, NULL, 0);
  set_loading (self, self->run_id != 0);
  update_counts (self);
  /* Listeners set the new run's filters (a marker expression is
   * evaluated per run) before the thread takes them. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN_ID]);
  if (self->run_id == 0)
    {
      g_clear_pointer (&self->run_store, tally_store_close);
      g_clear_pointer (&self->spare_store, tally_store_close);
      g_signal_emit (self, signals[RUN_LOADED], 0);
      return;
    }

  start_load (self, take_connection (self, self->run_id), FALSE);
}

/* Reads the shown run's ids on a thread: on @store (NULL: a new
 * connection), to show it (@refresh FALSE) or to show it again. */
static void
start_load (TallyViewerDocument *self,
            TallyStore          *store,
            gboolean             refresh)
{
  g_autoptr(GTask) task = NULL;
  Load *load = g_new0 (Load, 1);

  load->store = store;
  load->path = g_strdup (self->path);
  load->run_id = self->run_id;
  load->filter = tally_viewer_result_list_dup_filter (self->results);
  load->generation = tally_viewer_result_list_get_generation (self->results);
  load->refresh = refresh;
  if (store == NULL && !refresh)
    load->preload = tally_viewer_preload_take (self->path);
  load->count = tally_viewer_document_get_run (self) != NULL && tally_viewer_document_get_run (self)->parent_id > 0;

  self->load_cancellable = g_cancellable_new ();
  /* The callback comes on GTK's context, whatever context is pushed. */
  g_main_context_push_thread_default (g_main_context_default ());
  task = g_task_new (self, self->load_cancellable, on_load_done_cb, NULL);
  g_main_context_pop_thread_default (g_main_context_default ());
  g_task_set_source_tag (task, tally_viewer_document_load_run);
  g_task_set_name (task, "[tally-viewer] load a run");
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

void
tally_viewer_document_record_rerun (TallyViewerDocument *self,
                                    gint64               run_id,
                                    gint64               parent_id)
{
  g_autoptr(GError) error = NULL;
  TallyStore *store;

  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));
  g_return_if_fail (self->path != NULL);

  /* A short write of its own: the other connections are read-only. */
  store = tally_store_open (self->path, &error);
  if (store == NULL || !tally_store_set_run_parent (store, run_id, parent_id, &error))
    problem (self, error->message);
  g_clear_pointer (&store, tally_store_close);
}

/* --- live following ---------------------------------------------------- */

/* The database changed: the shown run's ids again, read on a thread on
 * a new connection (the store reads the changed run into memory anew)
 * while the list goes on showing what it shows. */
static void
refresh_results (TallyViewerDocument *self)
{
  self->refresh_pending = FALSE;
  if (self->run_id == 0 || self->store == NULL)
    return;
  if (self->loading || self->refreshing)
    {
      self->refresh_pending = TRUE;
      return;
    }
  self->refreshing = TRUE;
  start_load (self, NULL, TRUE);
}

/* The id of the first listed run (the newest), or 0. */
static gint64
newest_run_id (TallyViewerDocument *self)
{
  g_autoptr(TallyViewerRunItem) run = g_list_model_get_item (G_LIST_MODEL (self->runs), 0);

  return run != NULL ? run->row->id : 0;
}

static void
live_refresh (TallyViewerDocument *self)
{
  g_autoptr(GError) error = NULL;
  gint64 old_newest = newest_run_id (self);
  gint64 newest;

  if (!reload_runs (self, &error))
    {
      g_warning ("Cannot read runs: %s", error->message);
      return;
    }

  if (self->follow_run_id != 0 && self->follow_run_id != self->run_id
      && g_hash_table_contains (self->run_items, &self->follow_run_id))
    {
      tally_viewer_document_load_run (self, self->follow_run_id);
      return;
    }
  /* A run started elsewhere (or the first run of an empty database):
   * followed when the newest run was the one shown, or none was. */
  newest = newest_run_id (self);
  if (self->follow_run_id == 0 && newest > old_newest && newest != self->run_id
      && (self->run_id == 0 || self->run_id == old_newest))
    {
      tally_viewer_document_load_run (self, newest);
      return;
    }
  update_counts (self);
  refresh_results (self);
}

static gboolean
on_poll_cb (gpointer user_data)
{
  TallyViewerDocument *self = user_data;
  gint64 version = 0;

  if (self->store != NULL
      && tally_store_viewer_get_data_version (self->store, &version, NULL)
      && version != self->data_version)
    {
      self->data_version = version;
      live_refresh (self);
    }
  return G_SOURCE_CONTINUE;
}

void
tally_viewer_document_reload (TallyViewerDocument *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));

  if (self->store == NULL)
    return;
  tally_store_viewer_get_data_version (self->store, &self->data_version, NULL);
  live_refresh (self);
}

void
tally_viewer_document_follow_run (TallyViewerDocument *self,
                                  gint64               run_id)
{
  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));
  self->follow_run_id = run_id;
}

/* --- opening ----------------------------------------------------------- */

void
tally_viewer_document_close (TallyViewerDocument *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));

  tally_viewer_document_load_run (self, 0);
  g_list_store_remove_all (self->runs);
  g_hash_table_remove_all (self->run_items);
  g_clear_pointer (&self->store, tally_store_close);
  if (self->poll_source != NULL)
    g_source_destroy (self->poll_source);
  g_clear_pointer (&self->poll_source, g_source_unref);
  self->follow_run_id = 0;
}

gboolean
tally_viewer_document_open (TallyViewerDocument  *self,
                            const char           *path,
                            GError              **error)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  tally_viewer_document_close (self);
  g_free (self->path);
  self->path = g_canonicalize_filename (path, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);

  self->store = tally_store_open_readonly (self->path, error);
  if (self->store == NULL || !reload_runs (self, error))
    {
      g_clear_pointer (&self->store, tally_store_close);
      return FALSE;
    }

  tally_store_viewer_get_data_version (self->store, &self->data_version, NULL);
  /* GTK's context, whatever context the caller has pushed. */
  self->poll_source = g_timeout_source_new (POLL_INTERVAL_MS);
  g_source_set_static_name (self->poll_source, "[tally-viewer] follow the database");
  g_source_set_callback (self->poll_source, on_poll_cb, self, NULL);
  g_source_attach (self->poll_source, g_main_context_default ());
  return TRUE;
}

/* --- filters ----------------------------------------------------------- */

/* The list's filter or order changed. While a run loads the list has no
 * connection, and while it is read again after a commit the list's
 * connection would read the changed run into memory again, on this
 * thread: the thread's end sees the newer filter and queries again. */
static void
apply_filter (TallyViewerDocument *self)
{
  g_autoptr(GError) error = NULL;

  if (self->run_id == 0 || self->loading || self->refreshing)
    return;
  if (!tally_viewer_result_list_refresh (self->results, &error))
    problem (self, error->message);
}

void
tally_viewer_document_set_filter (TallyViewerDocument *self,
                                  guint                outcomes,
                                  const char          *text,
                                  GArray              *test_ids)
{
  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));

  tally_viewer_result_list_set_filter (self->results, outcomes, text, test_ids);
  apply_filter (self);
}

void
tally_viewer_document_set_text (TallyViewerDocument *self,
                                const char          *text)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));

  /* As apply_filter(): while the thread reads, the text waits for it. */
  if (self->loading || self->refreshing)
    tally_viewer_result_list_take_text (self->results, text);
  else if (!tally_viewer_result_list_set_text (self->results, text, &error))
    problem (self, error->message);
}

void
tally_viewer_document_set_sort (TallyViewerDocument *self,
                                const char          *sort_key,
                                gboolean             descending)
{
  g_return_if_fail (TALLY_VIEWER_IS_DOCUMENT (self));

  tally_viewer_result_list_set_sort (self->results, sort_key, descending);
  apply_filter (self);
}

/* --- getters ----------------------------------------------------------- */

gboolean
tally_viewer_document_is_open (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), FALSE);
  return self->store != NULL;
}

const char *
tally_viewer_document_get_path (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), NULL);
  return self->path;
}

TallyStore *
tally_viewer_document_get_store (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), NULL);
  return self->run_store != NULL && !self->loading ? self->run_store : self->store;
}

GListModel *
tally_viewer_document_get_runs (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), NULL);
  return G_LIST_MODEL (self->runs);
}

TallyViewerResultList *
tally_viewer_document_get_results (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), NULL);
  return self->results;
}

gint64
tally_viewer_document_get_run_id (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), 0);
  return self->run_id;
}

const TallyRunRow *
tally_viewer_document_get_run (TallyViewerDocument *self)
{
  TallyViewerRunItem *run;

  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), NULL);

  run = g_hash_table_lookup (self->run_items, &self->run_id);
  return run ? run->row : NULL;
}

gboolean
tally_viewer_document_is_busy (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), FALSE);
  return self->loading || self->refreshing;
}

gboolean
tally_viewer_document_get_loading (TallyViewerDocument *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), FALSE);
  return self->loading;
}

guint
tally_viewer_document_count (TallyViewerDocument *self,
                             guint                mask)
{
  guint n = 0;

  g_return_val_if_fail (TALLY_VIEWER_IS_DOCUMENT (self), 0);

  for (int o = 0; o < TALLY_N_OUTCOMES; o++)
    if (mask & (1u << o))
      n += self->counts[o];
  return n;
}

/* --- GObject ----------------------------------------------------------- */

TallyViewerDocument *
tally_viewer_document_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_DOCUMENT, NULL);
}

static void
tally_viewer_document_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  TallyViewerDocument *self = TALLY_VIEWER_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_RUN_ID:
      g_value_set_int64 (value, self->run_id);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_viewer_document_dispose (GObject *object)
{
  TallyViewerDocument *self = (TallyViewerDocument *) object;

  cancel_load (self);
  if (self->poll_source != NULL)
    g_source_destroy (self->poll_source);
  g_clear_pointer (&self->poll_source, g_source_unref);

  G_OBJECT_CLASS (tally_viewer_document_parent_class)->dispose (object);
}

static void
tally_viewer_document_finalize (GObject *object)
{
  TallyViewerDocument *self = (TallyViewerDocument *) object;

  g_clear_object (&self->results);
  g_clear_object (&self->runs);
  g_clear_pointer (&self->run_items, g_hash_table_unref);
  g_clear_pointer (&self->run_store, tally_store_close);
  g_clear_pointer (&self->spare_store, tally_store_close);
  g_clear_pointer (&self->store, tally_store_close);
  g_free (self->path);

  G_OBJECT_CLASS (tally_viewer_document_parent_class)->finalize (object);
}

static void
tally_viewer_document_class_init (TallyViewerDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tally_viewer_document_get_property;
  object_class->dispose = tally_viewer_document_dispose;
  object_class->finalize = tally_viewer_document_finalize;

  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN_ID] = g_param_spec_int64 ("run-id", NULL, NULL, 0, G_MAXINT64, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RUNS_CHANGED] = g_signal_new ("runs-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[COUNTS_CHANGED] = g_signal_new ("counts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RUN_LOADED] = g_signal_new ("run-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[STORE_CHANGED] = g_signal_new ("store-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[PROBLEM] = g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tally_viewer_document_init (TallyViewerDocument *self)
{
  self->runs = g_list_store_new (TALLY_VIEWER_TYPE_RUN_ITEM);
  self->run_items = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  self->results = tally_viewer_result_list_new ();
}
