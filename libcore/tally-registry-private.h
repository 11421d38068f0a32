/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-registry.h"
#include "tally-markers-private.h"

G_BEGIN_DECLS

/* One registered test, as the executor sees it. The registry keeps a
 * compact record per test (see tally-registry.c) and fills one of these
 * on demand: its strings and markers belong to the registry and live as
 * long as the process. */
typedef struct
{
  char *path;
  guint index;               /* registration order, the id on the wire */
  gsize fixture_size;
  gconstpointer data;
  TallyFixtureFunc setup;
  TallyFixtureFunc body;
  TallyFixtureFunc teardown;
  TallyTestFunc func;        /* set instead of body for tally_add() */
  TallyMarkers *markers;
  char *file;
  int line;
} TallyTestCase;

typedef struct
{
  char *name;
  char *description;
} TallyDeclaredMarker;

guint          tally_registry_get_n_tests  (void);
TallyTestCase *tally_registry_get_test     (guint          index,
                                            TallyTestCase *tc);
gboolean       tally_registry_lookup       (const char    *path,
                                            guint         *index);
GPtrArray     *tally_registry_get_declared (void);
gboolean       tally_registry_check        (GError    **error);
void           tally_registry_set_program  (const char *program);

/* Per-worker fixtures: set up lazily on the fixture thread, torn down by
 * tally_worker_fixtures_shutdown() when the process is done with tests. */
void           tally_worker_fixtures_shutdown (void);

/* event: a TallyFixtureEvent (tally-protocol-private.h) */
typedef void (*TallyFixtureNotify) (const char *name,
                                    guint       event,
                                    const char *message);
void           tally_worker_fixtures_set_notify (TallyFixtureNotify notify);

G_END_DECLS
