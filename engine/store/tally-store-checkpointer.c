/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <sqlite3.h>

#include "tally-store-checkpointer-private.h"

/* A writing store's WAL is copied into the database by a thread of its
 * own, on its own connection, after commits: a checkpoint syncs the WAL
 * and then the database file, and on a slow or busy disk those syncs take
 * 10–50 ms, which SQLite's automatic checkpoint would spend inside a
 * COMMIT on the runner's main thread while the workers wait for it.
 * PASSIVE checkpoints never block the writer; they keep the WAL short, so
 * that the last one (at close, on the main connection) has little to copy.
 * A database file alone is complete after the store is closed, as
 * before.
 *
 * The WAL starts again from its beginning only when a write transaction
 * begins after a checkpoint copied all of it, which a thread that runs
 * after each commit rarely wins against the runner's next write: past
 * RESTART_FRAMES the main connection checkpoints once itself, between
 * its commit and its next write, and the WAL is reused from the start. */

/* 32 MiB of 4 KiB pages; most of them copied already by the thread. */
#define RESTART_FRAMES 8192

/* The thread is woken once this many frames (1 MiB) were added since it
 * last was: a checkpoint after every commit copied the pages that every
 * commit touches (the tables' and indexes' last pages, their parents)
 * again each time, and synced both files each time, CPU taken from the
 * workers in a short run. */
#define CHECKPOINT_FRAMES 256

struct _TallyStoreCheckpointer
{
  GThread *thread;
  GMutex lock;
  GCond cond;
  char *path;
  gboolean wanted;
  gboolean quit;
  int frames;          /* in the WAL after the last commit */
  int frames_woken;    /* in the WAL when the thread was last woken */
};

static int
on_commit (gpointer    data,
           sqlite3    *db,
           const char *name,
           int         frames)
{
  TallyStoreCheckpointer *self = data;

  self->frames = frames;
  return SQLITE_OK;
}

static gpointer
checkpoint_thread (gpointer data)
{
  TallyStoreCheckpointer *self = data;
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    g_clear_pointer (&db, sqlite3_close_v2);
  /* Never checkpoints on close: the main connection is the last. A
   * first read tells the connection that the file is in WAL mode. */
  if (db != NULL)
    {
      sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
      sqlite3_exec (db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
    }

  g_mutex_lock (&self->lock);
  for (;;)
    {
      while (!self->wanted && !self->quit)
        g_cond_wait (&self->cond, &self->lock);
      if (self->quit)
        break;
      self->wanted = FALSE;
      g_mutex_unlock (&self->lock);
      /* Busy (another checkpoint, a reader on old frames): the next
       * commit asks again. */
      if (db != NULL)
        sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&db, sqlite3_close_v2);
  return NULL;
}

/**
 * tally_store_checkpointer_new:
 * @db: the store's writing connection, in WAL mode
 * @path: its database file
 *
 * Turns @db's automatic checkpoints off (its WAL hook is this object's)
 * and starts the thread that does them instead. Returns %NULL (and leaves @db's checkpoints automatic)
 * when no thread can be made.
 */
TallyStoreCheckpointer *
tally_store_checkpointer_new (sqlite3    *db,
                              const char *path)
{
  TallyStoreCheckpointer *self = g_new0 (TallyStoreCheckpointer, 1);
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->path = g_strdup (path);
  self->thread = g_thread_try_new ("tally-checkpoint", checkpoint_thread, self, &error);
  if (self->thread == NULL)
    {
      tally_store_checkpointer_free (self);
      return NULL;
    }
  sqlite3_wal_hook (db, on_commit, self);
  return self;
}

/* After a commit on @db: the thread copies what is in the WAL, once
 * there are CHECKPOINT_FRAMES more frames in it. */
void
tally_store_checkpointer_poke (TallyStoreCheckpointer *self,
                               sqlite3                *db)
{
  if (self->frames > RESTART_FRAMES)
    {
      /* Busy (the thread is at it): the next commit tries again. */
      if (sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
        self->frames = 0;
      return;
    }

  /* The WAL started again from its beginning. */
  if (self->frames < self->frames_woken)
    self->frames_woken = 0;
  if (self->frames - self->frames_woken < CHECKPOINT_FRAMES)
    return;
  tally_store_checkpointer_wake (self);
}

/* The thread copies what is in the WAL now: before the last writes of a
 * run, so that closing the store has only those left to copy. */
void
tally_store_checkpointer_wake (TallyStoreCheckpointer *self)
{
  self->frames_woken = self->frames;
  g_mutex_lock (&self->lock);
  self->wanted = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Waits for a checkpoint under way; the store's own close does the
 * last one. */
void
tally_store_checkpointer_free (TallyStoreCheckpointer *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->quit = TRUE;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->thread);
    }
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self);
}
