/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-log-record.h"
#include "tally-markers-private.h"
#include "tally-result-private.h"

G_BEGIN_DECLS

/* The results database. tally-store.c is the only file that includes
 * sqlite3.h. The runner is the one writer: calls are synchronous and
 * cheap (cached statements, bound parameters); writes are grouped in a
 * transaction that is committed when tally_store_commit() is called or
 * when ~100 ms have passed since the transaction began (checked on each
 * write), so a reader sees the run progress live. */
typedef struct _TallyStore TallyStore;

typedef enum
{
  TALLY_STREAM_STDOUT = 1,
  TALLY_STREAM_STDERR = 2,
} TallyStream;

typedef enum
{
  TALLY_RUN_RUNNING,
  TALLY_RUN_PASSED,
  TALLY_RUN_FAILED,
  TALLY_RUN_INTERRUPTED,
  TALLY_RUN_ERROR,
} TallyRunStatus;

const char *tally_run_status_to_string (TallyRunStatus status);

/* Opens (creating the file and its directory when missing) and migrates.
 * Marks runs left `running` by a dead runner as `interrupted`, and their
 * `running` results as `interrupted`. A file that is not a Tally
 * database, or one from a newer Tally, is refused: TALLY_ERROR_DATABASE
 * with one line naming the path and the reason. */
TallyStore *tally_store_open            (const char      *path,
                                         GError         **error);
TallyStore *tally_store_open_readonly   (const char      *path,
                                         GError         **error);
void        tally_store_close           (TallyStore      *store);
const char *tally_store_get_path        (TallyStore      *store);
int         tally_store_get_schema_version (TallyStore   *store);

/* Write side, used by `tally run`. */
gint64      tally_store_begin_run       (TallyStore      *store,
                                         const char * const *argv,
                                         guint            workers,
                                         guint64          seed,
                                         const char      *shard,
                                         GError         **error);
gboolean    tally_store_finish_run      (TallyStore      *store,
                                         gint64           run_id,
                                         TallyRunStatus   status,
                                         GError         **error);
gint64      tally_store_ensure_test     (TallyStore      *store,
                                         const char      *program,
                                         const char      *path,
                                         const char      *file,
                                         int              line,
                                         const TallyMarkers *markers,
                                         GError         **error);
/* Inserts the row with outcome `running`; returns the result id. */
gint64      tally_store_start_result    (TallyStore      *store,
                                         gint64           run_id,
                                         gint64           test_id,
                                         const TallyResult *result,
                                         GError         **error);
gboolean    tally_store_finish_result   (TallyStore      *store,
                                         gint64           result_id,
                                         const TallyResult *result,
                                         GError         **error);
gboolean    tally_store_add_log         (TallyStore      *store,
                                         gint64           result_id,
                                         guint            seq,
                                         const TallyLogRecord *record,
                                         GError         **error);
gboolean    tally_store_add_output      (TallyStore      *store,
                                         gint64           result_id,
                                         TallyStream      stream,
                                         const char      *data,
                                         gsize            len,
                                         GError         **error);
gboolean    tally_store_commit          (TallyStore      *store,
                                         GError         **error);

/* Added for history, merge, readers and tests (tally-store.c). */
int         tally_store_get_current_schema_version (void);
char       *tally_store_test_key        (const char      *program,
                                         const char      *path);
char       *tally_store_get_state       (TallyStore      *store,
                                         const char      *key,
                                         GError         **error);
gboolean    tally_store_set_state       (TallyStore      *store,
                                         const char      *key,
                                         const char      *value,
                                         GError         **error);
GHashTable *tally_store_query_latest_outcomes  (TallyStore *store,
                                                GError    **error);
GHashTable *tally_store_query_recent_durations (TallyStore *store,
                                                guint       limit,
                                                GError    **error);
gboolean    tally_store_get_result      (TallyStore      *store,
                                         gint64           result_id,
                                         TallyResult     *result,
                                         gint64          *run_id,
                                         gint64          *test_id,
                                         GError         **error);
GPtrArray  *tally_store_get_logs        (TallyStore      *store,
                                         gint64           result_id,
                                         GError         **error);
GBytes     *tally_store_get_output      (TallyStore      *store,
                                         gint64           result_id,
                                         TallyStream      stream,
                                         GError         **error);
gboolean    tally_store_merge           (TallyStore      *store,
                                         const char * const *in_paths,
                                         GError         **error);

/* Tests and debugging only: plain SQL, never built from data. */
gboolean    tally_store_debug_exec      (const char      *path,
                                         const char      *sql,
                                         GError         **error);
gint64      tally_store_debug_query_int (TallyStore      *store,
                                         const char      *sql,
                                         GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyStore, tally_store_close)

G_END_DECLS
