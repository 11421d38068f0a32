/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-log-record.h"
#include "tally-markers-private.h"
#include "tally-result-private.h"

G_BEGIN_DECLS

/* The results database. The tally-store*.c files are the only ones that
 * include sqlite3.h: tally-store.c opens, migrates and recovers,
 * tally-store-write.c writes, tally-store-query.c and tally-store-read.c
 * read, tally-store-merge.c merges. The runner is the one writer: calls
 * are synchronous and cheap (cached statements, bound parameters);
 * writes are grouped in a transaction that is committed when
 * tally_store_commit() is called or when ~100 ms have passed since the
 * transaction began (checked on each write), so a reader sees the run
 * progress live.
 *
 * Threads: a TallyStore is one SQLite connection with its statement
 * cache and its in-memory copy of one run (tally-store-read.c), and no
 * function of the store keeps state outside it (process-wide are only
 * the busy timeout, read once from TALLY_STORE_BUSY_TIMEOUT_MS, and
 * SQLite's configuration, each set once under g_once_init_enter()).
 * So every function declared here is safe to call from any thread (a
 * GTask worker included) on a store that one thread at a time uses:
 * a viewer that reads in a worker opens its own store with
 * tally_store_open_readonly() for it, and never uses one store from two
 * threads at once (there is no locking). The rows returned
 * (TallyResultRow, TallyRunRow, GArrays of ids, …) are plain data that
 * any thread may then own. */
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
gboolean    tally_store_skip_reference_checks (TallyStore  *store,
                                               GError     **error);
guint       tally_store_get_rollbacks   (TallyStore      *store);
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
gboolean    tally_store_push_recent_durations (TallyStore  *store,
                                               GError     **error);
gint64      tally_store_ensure_test     (TallyStore      *store,
                                         const char      *program,
                                         const char      *path,
                                         const char      *file,
                                         int              line,
                                         const TallyMarkers *markers,
                                         GError         **error);
/* Starts the result, outcome `running`: readers see its row from the
 * next commit on (a finish in the same transaction writes it once,
 * finished); returns the result id. */
gint64      tally_store_start_result    (TallyStore      *store,
                                         gint64           run_id,
                                         gint64           test_id,
                                         const TallyResult *result,
                                         GError         **error);
gint64      tally_store_add_result      (TallyStore      *store,
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
gboolean    tally_store_add_late_log    (TallyStore      *store,
                                         gint64           run_id,
                                         gint64           test_id,
                                         const TallyLogRecord *record,
                                         GError         **error);
gboolean    tally_store_add_output      (TallyStore      *store,
                                         gint64           result_id,
                                         TallyStream      stream,
                                         const char      *data,
                                         gsize            len,
                                         GError         **error);
/* Records that @run_id reruns tests of @parent_id, and commits. */
gboolean    tally_store_set_run_parent  (TallyStore      *store,
                                         gint64           run_id,
                                         gint64           parent_id,
                                         GError         **error);
gboolean    tally_store_commit          (TallyStore      *store,
                                         GError         **error);

/* Added for history, merge, readers and tests (tally-store-query.c). */
int         tally_store_get_current_schema_version (void);
char       *tally_store_process_owner   (gint64           pid);
char       *tally_store_test_key        (const char      *program,
                                         const char      *path);
char       *tally_store_get_state       (TallyStore      *store,
                                         const char      *key,
                                         GError         **error);
gboolean    tally_store_set_state       (TallyStore      *store,
                                         const char      *key,
                                         const char      *value,
                                         GError         **error);
/* Row by row, so a caller need not hold every test. */
typedef void (*TallyStoreOutcomeFunc)   (const char   *program,
                                         const char   *path,
                                         const char   *outcome,
                                         gpointer      data);
typedef void (*TallyStoreDurationsFunc) (const char   *program,
                                         const char   *path,
                                         const gint64 *us,
                                         guint         n,
                                         gpointer      data);
gboolean    tally_store_foreach_latest_outcome   (TallyStore              *store,
                                                  TallyStoreOutcomeFunc    func,
                                                  gpointer                 data,
                                                  GError                 **error);
gboolean    tally_store_foreach_recent_durations (TallyStore              *store,
                                                  guint                    limit,
                                                  TallyStoreDurationsFunc  func,
                                                  gpointer                 data,
                                                  GError                 **error);
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

/* Read side for `tally show`, `tally history` and the viewer
 * (tally-store-query.c, tally-store-read.c). Every query is a cached
 * statement with bound parameters; result lists are filtered and sorted
 * in memory from one read of the run (see docs/database.md).
 * "Final attempt": among the results of one (run, test), those with the
 * highest attempt; earlier attempts were retried. */

/* A run as listed, newest first. */
typedef struct
{
  gint64 id;
  gint64 started_at_us;
  gint64 finished_at_us;        /* 0 while running */
  TallyRunStatus status;
  GStrv argv;                   /* never NULL */
  guint workers;
  guint64 seed;
  char *shard;                  /* nullable */
  char *host;                   /* nullable */
  char *cwd;                    /* nullable: where it ran (schema 4 on) */
  gint64 parent_id;             /* the run it reruns, 0: none (schema 6) */
  gboolean has_counts;          /* counts[] filled in */
  guint counts[TALLY_N_OUTCOMES];  /* final attempts, by TallyOutcome */
  guint n_results;              /* final attempts in total */
} TallyRunRow;

void tally_run_row_free (TallyRunRow *row);

/* What a run's results used (every attempt). */
typedef struct
{
  gint64 cpu_us;                /* user + system CPU of the measured results */
  guint n_measured;             /* results with a CPU figure */
  guint n_results;
  gint64 longest_us;            /* the longest result's wall time */
  gint64 max_rss_kb;            /* the largest peak RSS of a process that ran one */
} TallyRunUsage;

/* A test's latest result that measured CPU (-n auto). */
typedef struct
{
  gint64 wall_us;
  gint64 cpu_us;
} TallyTestUsage;

GHashTable *tally_store_get_test_usage (TallyStore  *store,
                                        GError     **error);

gboolean tally_store_get_run_usage (TallyStore     *store,
                                    gint64          run_id,
                                    TallyRunUsage  *usage,
                                    GError        **error);
gint64   tally_run_usage_floor_us  (const TallyRunUsage *usage,
                                    guint                n_cpus);

/* One result in a run's page. */
typedef struct
{
  gint64 id;
  gint64 test_id;
  char *program;
  char *path;
  guint attempt;
  TallyOutcome outcome;
  gint64 started_at_us;
  gint64 duration_us;
  int worker;                   /* -1 when unknown */
  char *message;                /* nullable; any bytes, NUL-terminated */
  gsize message_len;
  char *file;                   /* nullable */
  int line;                     /* 0 when unknown */
  int signal;                   /* 0 when none */
  int exit_status;              /* -1 when none */
  char *markers;                /* canonical marker string, "" for none */
  guint n_logs;
  gint64 cpu_us;                /* user + system CPU, -1 when not measured */
  gint64 max_rss_kb;            /* peak RSS of the process that ran it, -1 when not measured */
} TallyResultRow;

void tally_result_row_free (TallyResultRow *row);

/* One final attempt of a test in one run, for history. */
typedef struct
{
  gint64 run_id;
  gint64 run_started_at_us;
  gint64 result_id;
  guint attempt;
  TallyOutcome outcome;
  gint64 duration_us;
} TallyHistoryRow;

void tally_history_row_free (TallyHistoryRow *row);

/* A test as stored, with its markers (for `-m`-style filtering in C). */
typedef struct
{
  gint64 id;
  char *program;
  char *path;
  char *file;                   /* nullable */
  int line;
  TallyMarkers *markers;        /* never NULL */
} TallyTestRow;

void tally_test_row_free (TallyTestRow *row);

typedef enum
{
  TALLY_RESULT_SORT_PATH,       /* path, then program */
  TALLY_RESULT_SORT_OUTCOME,    /* outcome name, then path */
  TALLY_RESULT_SORT_DURATION,   /* duration, then path */
} TallyResultSort;

/* A filter over the results of one run; zero-initialise it
 * (TALLY_RESULT_QUERY_INIT) for "every final attempt, by path". */
typedef struct
{
  guint outcomes;               /* bits 1 << TallyOutcome; 0: all */
  const char *text;             /* nullable: substring of program, path or
                                 * message (its first 4 KiB), ASCII
                                 * case-insensitive */
  GArray *test_ids;             /* nullable: gint64 ids to keep (e.g. from
                                 * tally_store_select_tests()) */
  TallyResultSort sort;
  gboolean descending;
  gboolean all_attempts;        /* include retried attempts too */
} TallyResultQuery;

#define TALLY_RESULT_QUERY_INIT { 0, NULL, NULL, TALLY_RESULT_SORT_PATH, FALSE, FALSE }

gboolean    tally_run_status_from_string (const char     *text,
                                          TallyRunStatus *status);
gboolean    tally_store_get_last_run_id (TallyStore      *store,
                                         gint64          *run_id,
                                         GError         **error);
GPtrArray  *tally_store_list_runs       (TallyStore      *store,
                                         guint            offset,
                                         guint            limit,
                                         gboolean         with_counts,
                                         GError         **error);
TallyRunRow *tally_store_get_run        (TallyStore      *store,
                                         gint64           run_id,
                                         GError         **error);
gboolean    tally_store_get_run_counts  (TallyStore      *store,
                                         gint64           run_id,
                                         guint           *counts,
                                         GError         **error);
GPtrArray  *tally_store_query_results   (TallyStore      *store,
                                         gint64           run_id,
                                         const TallyResultQuery *query,
                                         guint            offset,
                                         guint            limit,
                                         GError         **error);
gint64      tally_store_count_results   (TallyStore      *store,
                                         gint64           run_id,
                                         const TallyResultQuery *query,
                                         GError         **error);
GArray     *tally_store_query_result_ids (TallyStore   *store,
                                          gint64        run_id,
                                          const TallyResultQuery *query,
                                          GError      **error);
GPtrArray  *tally_store_get_result_rows (TallyStore      *store,
                                         const gint64    *ids,
                                         guint            n_ids,
                                         GError         **error);
GPtrArray  *tally_store_list_run_tests  (TallyStore      *store,
                                         gint64           run_id,
                                         GError         **error);
GArray     *tally_store_select_tests    (TallyStore      *store,
                                         gint64           run_id,
                                         const char      *marker_expr,
                                         GError         **error);
GPtrArray  *tally_store_get_logs_page   (TallyStore      *store,
                                         gint64           result_id,
                                         guint            offset,
                                         guint            limit,
                                         GLogLevelFlags   max_level,
                                         GError         **error);
gint64      tally_store_count_logs      (TallyStore      *store,
                                         gint64           result_id,
                                         GLogLevelFlags   max_level,
                                         GError         **error);
GPtrArray  *tally_store_find_tests      (TallyStore      *store,
                                         const char      *program,
                                         const char      *path,
                                         GError         **error);
GPtrArray  *tally_store_query_history   (TallyStore      *store,
                                         gint64           test_id,
                                         guint            limit,
                                         GError         **error);
gboolean    tally_store_count_rows      (TallyStore      *store,
                                         gint64          *n_runs,
                                         gint64          *n_results,
                                         GError         **error);
char       *tally_store_debug_explain   (TallyStore      *store,
                                         const char      *which,
                                         GError         **error);

/* Tests and debugging only: plain SQL, never built from data. */
gboolean    tally_store_debug_exec      (const char      *path,
                                         const char      *sql,
                                         GError         **error);
gint64      tally_store_debug_query_int (TallyStore      *store,
                                         const char      *sql,
                                         GError         **error);

/* Viewer queries (tally-store-query.c and tally-store-read.c). */
void        tally_store_set_merge_reruns (TallyStore  *store,
                                          gboolean     merge);
typedef void (*TallyStoreResultFunc)    (gint64        result_id,
                                         const char   *program,
                                         const char   *path,
                                         TallyOutcome  outcome,
                                         gint64        duration_us,
                                         gpointer      data);
gboolean    tally_store_foreach_final_result (TallyStore           *store,
                                              gint64                run_id,
                                              TallyStoreResultFunc  func,
                                              gpointer              data,
                                              GError              **error);
gboolean    tally_store_viewer_get_data_version (TallyStore   *store,
                                                 gint64       *version,
                                                 GError      **error);
GArray     *tally_store_viewer_query_result_ids (TallyStore   *store,
                                                 gint64        run_id,
                                                 const TallyResultQuery *query,
                                                 const char   *sort_key,
                                                 gboolean      descending,
                                                 GError      **error);
/* Every attempt of a test in a run, first attempt first (result ids). */
GArray     *tally_store_viewer_list_attempts    (TallyStore   *store,
                                                 gint64        run_id,
                                                 gint64        test_id,
                                                 GError      **error);
/* Called for each result of tally_store_viewer_foreach_result(): its
 * test's @program and @path are valid during the call only. */
typedef void (*TallyStoreResultFunc) (gint64        id,
                                      const char   *program,
                                      const char   *path,
                                      TallyOutcome  outcome,
                                      gint64        duration_us,
                                      gpointer      data);
gboolean    tally_store_viewer_foreach_result   (TallyStore   *store,
                                                 gint64        run_id,
                                                 const TallyResultQuery *query,
                                                 TallyStoreResultFunc func,
                                                 gpointer      data,
                                                 GError      **error);

/* A cached listing (tally-store-listings.c): what a program printed
 * when listed, and what identified its file then. */
typedef struct
{
  char *key;                    /* flag, path, arguments, environment, directory */
  char *path;                   /* the program, canonical */
  gint64 size;
  gint64 mtime_ns;
  char *build_id;               /* hex, or NULL when the file has none */
  GBytes *data;
} TallyStoredListing;

void        tally_stored_listing_free  (TallyStoredListing *listing);
GPtrArray  *tally_store_load_listings  (TallyStore                *store,
                                        GError                   **error);
gboolean    tally_store_put_listing    (TallyStore                *store,
                                        const TallyStoredListing  *listing,
                                        GError                   **error);
gboolean    tally_store_delete_listing (TallyStore                *store,
                                        const char                *key,
                                        GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyStore, tally_store_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyRunRow, tally_run_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyResultRow, tally_result_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyHistoryRow, tally_history_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyTestRow, tally_test_row_free)

G_END_DECLS
