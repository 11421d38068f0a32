/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* What `tally run` learns from earlier runs: --lf/--ff, --sw, longest
 * first, --shard. Tests are named by their key, tally_store_test_key()
 * ("PROGRAM\x1fPATH"). Read-side only, except the stepwise state. */

/* How many of a test's latest passing results its duration comes from. */
#define TALLY_HISTORY_DURATION_SAMPLES 5

/* The key under which `state` keeps where the last --sw run stopped. */
#define TALLY_HISTORY_STEPWISE_KEY "stepwise"

/* A selected test, for tally_history_shard(). */
typedef struct
{
  const char *program;
  const char *path;
} TallyTestRef;

/* Expected durations of tests, compact: see tally-history.c. */
typedef struct _TallyDurations TallyDurations;

TallyDurations *tally_durations_new      (void);
void        tally_durations_set          (TallyDurations      *durations,
                                          const char          *program,
                                          const char          *path,
                                          gint64               us);
guint       tally_durations_size         (TallyDurations      *durations);
void        tally_durations_free         (TallyDurations      *durations);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyDurations, tally_durations_free)

GHashTable *tally_history_last_failed    (TallyStore          *store,
                                          GError             **error);
TallyDurations *tally_history_durations  (TallyStore          *store,
                                          GError             **error);
gint64      tally_history_lookup_duration (TallyDurations     *durations,
                                           const char         *program,
                                           const char         *path);
char       *tally_history_get_stepwise   (TallyStore          *store,
                                          GError             **error);
gboolean    tally_history_set_stepwise   (TallyStore          *store,
                                          const char          *program,
                                          const char          *path,
                                          GError             **error);
guint32     tally_history_test_hash      (const char          *program,
                                          const char          *path);
GArray     *tally_history_shard          (const TallyTestRef  *tests,
                                          guint                n_tests,
                                          guint                shard,
                                          guint                n_shards,
                                          TallyDurations      *durations);

G_END_DECLS
