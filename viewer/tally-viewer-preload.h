/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-store-private.h"

G_BEGIN_DECLS

/* Reading a database's newest run before the window exists: opening a
 * results database starts it first thing (tally_viewer_window_new_for_path()),
 * so the slow part of showing the run, the store reading its results
 * into memory (docs/database.md, "Read cache"), runs on a thread while
 * the main thread builds the window. The document's loading thread then
 * takes the connection instead of opening its own (waiting for the read
 * if it is still going), and filters the run from memory. */
typedef struct _TallyViewerPreload TallyViewerPreload;

/* Starts reading @path's newest run on a thread of its own, in place of
 * a preload not taken (main thread). */
void                tally_viewer_preload_start  (const char         *path);
/* The preload of @path, if one was started and not taken: (transfer
 * full) (nullable). Main thread. */
TallyViewerPreload *tally_viewer_preload_take   (const char         *path);
/* Waits for @self's read; returns its connection, with the run in
 * memory, when the run read is @run_id: (transfer full) (nullable).
 * Any thread; once. (A commit since is the store's to see: its read
 * cache checks PRAGMA data_version at each query.) */
TallyStore         *tally_viewer_preload_finish (TallyViewerPreload *self,
                                                 gint64              run_id);
void                tally_viewer_preload_unref  (TallyViewerPreload *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyViewerPreload, tally_viewer_preload_unref)

G_END_DECLS
