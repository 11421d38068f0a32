/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of the store share: tally-store.c (opening, the
 * statement layer, transactions), tally-store-write.c, tally-store-merge.c,
 * tally-store-query.c and tally-store-read.c. Only they include
 * this header, so it may include sqlite3.h, which no other file of Tally
 * includes; the rest of Tally uses tally-store-private.h. The helpers
 * are not static, hence their store_ prefix: the static library has
 * them in its namespace. */

#include <glib.h>
#include <sqlite3.h>

#include "tally-expr-private.h"
#include "tally-store-private.h"
#include "tally-store-checkpointer-private.h"

G_BEGIN_DECLS

typedef struct
{
  sqlite3_stmt *stmt;
  const char *sql;
  int bind_rc;          /* the first binding failure, or SQLITE_OK */
} Stmt;

struct _TallyStore
{
  sqlite3 *db;
  char *path;
  GHashTable *stmts;    /* SQL literal (by address) → Stmt */
  gint64 txn_began;     /* monotonic µs when BEGIN ran, 0 if none open */
  int schema_version;
  gboolean readonly;
  struct _TallyReadCache *read_cache; /* one run's results (tally-store-read.c) */
  gboolean merge_reruns; /* a rerun's results over its parent's (the viewer) */
  /* The stored tests of the programs tally_store_ensure_test() saw:
   * program → (path → KnownTest), or NULL (tally-store-write.c). */
  GHashTable *test_cache;
  gint64 test_cache_version; /* PRAGMA data_version when it was checked */
  /* Results started in the open transaction whose row is not written
   * yet (tally-store-write.c, "Results"), and the next free result id
   * (0: not known); both only while a transaction is open. */
  GArray *pending;
  gint64 next_result_id;
  gboolean flushing;
  TallyStoreCheckpointer *checkpointer; /* a writer's; NULL: SQLite's own */
  guint rollbacks;      /* transactions rolled back (with the rows they made) */
  gboolean references_unchecked; /* tally_store_skip_reference_checks() */
};

typedef struct _TallyReadCache TallyReadCache;

/* The state key of the runs whose recent durations wait to be shifted
 * in (tally-store-write.c). */
#define DURATIONS_PENDING_KEY "durations-pending"
/* The results whose durations go into recent_durations: passing and
 * skipped ones (a skip may come after seconds of work: two of GLib's
 * gdbus-export cases skip 2.5 s in, and ordering longest-first must
 * know); a failure's time says little of the next run's. */
#define DURATION_OUTCOMES "outcome IN ('passed', 'skipped')"

/* tally-store.c: errors and statements. */
gboolean store_set_sqlite_error (TallyStore  *self,
                                 int          rc,
                                 GError     **error);
Stmt *store_stmt (TallyStore  *self,
                  const char  *sql,
                  GError     **error);
void store_stmt_reset (Stmt *st);
void store_stmt_check_bind (Stmt *st,
                            int   rc);
int store_stmt_param (Stmt       *st,
                      const char *name);

/* tally-store.c: binding parameters, by position or by name. */
void store_bind_int64_at (Stmt   *st,
                          int     idx,
                          gint64  value);
void store_bind_null_at (Stmt *st,
                         int   idx);
void store_bind_text_at (Stmt       *st,
                         int         idx,
                         const char *text);
void store_bind_bytes_at (Stmt       *st,
                          int         idx,
                          const char *data,
                          gsize       len);
void store_bind_int64 (Stmt       *st,
                       const char *name,
                       gint64      value);
void store_bind_int64_unless (Stmt       *st,
                              const char *name,
                              gint64      value,
                              gboolean    is_null);
void store_bind_text (Stmt       *st,
                      const char *name,
                      const char *text);
void store_bind_bytes (Stmt       *st,
                       const char *name,
                       const char *data,
                       gsize       len);

/* tally-store.c: stepping statements and reading columns. */
int store_stmt_step (TallyStore  *self,
                     Stmt        *st,
                     GError     **error);
gboolean store_stmt_exec (TallyStore  *self,
                          Stmt        *st,
                          GError     **error);
gboolean store_stmt_query_int64 (TallyStore  *self,
                                 Stmt        *st,
                                 gint64      *value,
                                 gboolean    *found,
                                 GError     **error);
char *store_column_dup_text (sqlite3_stmt *stmt,
                             int           col);
char *store_column_dup_bytes (sqlite3_stmt *stmt,
                              int           col,
                              gsize        *len);
TallyOutcome store_column_outcome (sqlite3_stmt *stmt,
                                   int           col);
gboolean store_exec (TallyStore  *self,
                     const char  *sql,
                     GError     **error);
gboolean store_pragma_int (TallyStore  *self,
                           const char  *sql,
                           gint64      *value,
                           GError     **error);

/* tally-store.c: write transactions. */
gboolean store_write_begin (TallyStore  *self,
                            GError     **error);
gboolean store_write_end (TallyStore  *self,
                          gboolean     ok,
                          GError     **error);

/* tally-store-write.c: the cache of tally_store_ensure_test(), and
 * the results started but not written yet. */
void store_test_cache_drop (TallyStore *self);
gboolean store_flush_pending (TallyStore  *self,
                              GError     **error);
void store_txn_ended (TallyStore *self,
                      gboolean    rolled_back);
gboolean store_test_cache_check (TallyStore  *self,
                                 GError     **error);

/* tally-store.c: shared with tally_store_merge(). */
gboolean store_rebuild_recent_durations (TallyStore  *self,
                                         GError     **error);
gboolean store_refuse (TallyStore  *self,
                       GError     **error,
                       const char  *reason);

/* tally-store-read.c: one run's results in memory, and the SQL that
 * reads them (for tally_store_debug_explain()). */
void store_read_cache_free (TallyReadCache *cache);
extern const char store_run_results_sql[];

G_END_DECLS
