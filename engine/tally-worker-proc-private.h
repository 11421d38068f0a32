/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "tally-log-record.h"
#include "tally-program-private.h"
#include "tally-protocol-private.h"
#include "tally-result-private.h"
#include "tally-store-private.h"

G_BEGIN_DECLS

/* The runner's side of one worker process: `PROGRAM --tally-worker`
 * started with GSubprocess, a command pipe on its fd 3,
 * an event pipe on its fd 4, and stdout/stderr pointed at in-memory files
 * the runner reads test by test. Events are delivered through callbacks
 * on the context the worker was spawned on. */
typedef struct _TallyWorkerProc TallyWorkerProc;

typedef struct
{
  void (*started)  (TallyWorkerProc *worker, guint index, gint64 started_at_us, gpointer data);
  /* @record is transfer full */
  void (*log)      (TallyWorkerProc *worker, guint index, TallyLogRecord *record, gpointer data);
  void (*finished) (TallyWorkerProc *worker, guint index, TallyResult *result, gboolean tainted,
                    guint64 out_end, guint64 err_end, gpointer data);
  /* Called once, after the process is gone and its events are drained.
   * @problem says what went wrong (a protocol error), or is NULL. */
  void (*exited)   (TallyWorkerProc *worker, gboolean said_bye, int signal, int exit_status,
                    const char *problem, gpointer data);
  /* A worker fixture was set up, or its teardown went wrong (@event: a
   * TallyFixtureEvent); may be NULL. */
  void (*fixture)  (TallyWorkerProc *worker, const char *name, guint event,
                    const char *message, gpointer data);
  /* Late output or a late log record of an ended test's helper
   * (TALLY_MSG_LATE): @index is that test's (G_MAXUINT: unknown),
   * @stream 0 for a record, 1 stdout, 2 stderr; may be NULL. */
  void (*late)     (TallyWorkerProc *worker, guint index, guint stream, guint level,
                    guint64 n_bytes, const char *text, gsize len, gpointer data);
} TallyWorkerCallbacks;

typedef struct
{
  double default_timeout_s;
  const char *leaks;          /* NULL, "fail", "warn", "ignore" */
} TallyWorkerSettings;

TallyWorkerProc *tally_worker_proc_spawn        (TallyProgram               *program,
                                                 int                         slot,
                                                 const TallyWorkerSettings  *settings,
                                                 const TallyWorkerCallbacks *callbacks,
                                                 gpointer                    data,
                                                 GError                    **error);
TallyWorkerProc *tally_worker_proc_spawn_early  (TallyProgram               *program,
                                                 int                         slot,
                                                 const TallyWorkerSettings  *settings,
                                                 int                        *listing_fd,
                                                 GError                    **error);
void             tally_worker_proc_adopt        (TallyWorkerProc            *worker,
                                                 TallyProgram               *program,
                                                 const TallyWorkerCallbacks *callbacks,
                                                 gpointer                    data);
void             tally_worker_proc_send_run     (TallyWorkerProc  *worker,
                                                 const guint32    *indices,
                                                 guint             n_indices);
void             tally_worker_proc_send_quit    (TallyWorkerProc  *worker);
void             tally_worker_proc_terminate    (TallyWorkerProc  *worker);
void             tally_worker_proc_kill         (TallyWorkerProc  *worker);
/* @end: the offset where the test's output ends, or G_MAXUINT64 for
 * everything written so far (a worker that died). */
GBytes          *tally_worker_proc_take_output  (TallyWorkerProc  *worker,
                                                 TallyStream       stream,
                                                 guint64           end,
                                                 gsize             cap);
TallyProgram    *tally_worker_proc_get_program  (TallyWorkerProc  *worker);
int              tally_worker_proc_get_slot     (TallyWorkerProc  *worker);
gboolean         tally_worker_proc_has_exited   (TallyWorkerProc  *worker);
gboolean         tally_worker_proc_is_ready     (TallyWorkerProc  *worker);
const TallyCrashInfo *tally_worker_proc_get_crash (TallyWorkerProc *worker);
void             tally_worker_proc_free         (TallyWorkerProc  *worker);

/* Marks every descriptor from 3 up close-on-exec. Workers and listings
 * are started with G_SUBPROCESS_FLAGS_INHERIT_FDS (GLib's posix_spawn
 * path); the runner calls this once at start-up, so that descriptors it
 * inherited reach no child, as without the flag. */
void             tally_close_inherited_fds_on_exec (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyWorkerProc, tally_worker_proc_free)

G_END_DECLS
