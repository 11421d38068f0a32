/* Helpers shared by Tally's own tests that run the `tally` binary and
 * sample programs from the build tree. */
#pragma once

#include <tally.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

typedef struct
{
  int status;               /* exit status, or 128 + signal */
  char *out;
  char *err;
  GPtrArray *events;        /* JsonObject of each --json line (with --json) */
  GHashTable *finished;     /* "path" → JsonObject of its last test-finished event */
} TallyRun;

char     *tally_util_build_path   (const char  *relative);
/* The built `tally`, a program of tests/samples/, and a database path in
 * the test's own temporary directory. */
char     *tally_util_tally_bin    (void);
char     *tally_util_sample       (const char  *name);
char     *tally_util_db_path      (TallyTest   *test);
/* "ASAN_OPTIONS=…:detect_leaks=0", the caller's options kept: for a
 * program whose test forks a child that calls exit(). The child of a
 * threaded process runs LeakSanitizer's exit check, which can deadlock
 * on an allocator lock another thread held at the fork (seen hanging one
 * run in three). Free with g_free(). */
char     *tally_util_env_no_leak_check (void);
TallyRun *tally_util_run          (TallyTest   *test,
                                   const char * const *envp,
                                   const char  *first_arg,
                                   ...) G_GNUC_NULL_TERMINATED;
TallyRun *tally_util_run_argv     (TallyTest   *test,
                                   const char * const *envp,
                                   const char * const *argv);
void      tally_util_run_free     (TallyRun    *run);
void      tally_util_parse_events (TallyRun    *run);
GPtrArray *tally_util_stored_logs (TallyStore  *store,
                                   TallyRun    *run,
                                   const char  *path);
gboolean  tally_util_wait_for_line (GDataInputStream *stream,
                                    const char       *needle);
const char *tally_util_outcome    (TallyRun    *run,
                                   const char  *path);
gint64    tally_util_member_int   (TallyRun    *run,
                                   const char  *path,
                                   const char  *member);
const char *tally_util_member_str (TallyRun    *run,
                                   const char  *path,
                                   const char  *member);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyRun, tally_util_run_free)

G_END_DECLS
