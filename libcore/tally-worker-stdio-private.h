/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A worker's stdout and stderr (see tally-worker-stdio.c). */
void tally_worker_stdio_start      (const int *files,
                                    const int *pipes);
void tally_worker_stdio_test_begin (gboolean   drain_first);
void tally_worker_stdio_test_end   (guint64   *out_end,
                                    guint64   *err_end);
void tally_worker_stdio_resync     (void);
void tally_worker_stdio_emergency  (void);
/* Late output: bytes that arrived while no test of this process ran. */
#define TALLY_LATE_HEAD_KEEP 1024
gboolean tally_worker_stdio_take_late (gboolean  drain_first,
                                       guint64   n_bytes[3],
                                       GString  *heads[3]);

G_END_DECLS
