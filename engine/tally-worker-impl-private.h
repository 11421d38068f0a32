/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-worker-proc-private.h"

G_BEGIN_DECLS

/* What the kinds of worker share: tally-worker-proc.c drives native
 * Tally workers, tally-gtest-proc.c GTest binaries and plain programs.
 * Each embeds a TallyWorkerProc first and fills in the class. */
typedef struct
{
  void (*send_run)  (TallyWorkerProc *worker,
                     const guint32   *indices,
                     guint            n_indices);
  void (*send_quit) (TallyWorkerProc *worker);
  void (*terminate) (TallyWorkerProc *worker);
  void (*kill)      (TallyWorkerProc *worker);
  void (*finalize)  (TallyWorkerProc *worker);
} TallyWorkerProcClass;

struct _TallyWorkerProc
{
  const TallyWorkerProcClass *klass;
  TallyProgram *program;
  int slot;
  int output_fds[3];          /* [TALLY_STREAM_STDOUT], [TALLY_STREAM_STDERR] */
  goffset output_offsets[3];  /* what take_output handed out so far */
  int pipe_fds[3];            /* read ends of a native worker's stdout and
                                 stderr pipes, or -1 */
  gboolean exited;
  gboolean ready;             /* a native worker said HELLO: from then on
                                 it runs what it is sent, in order */
  TallyCrashInfo *crash;      /* what the worker said as it died, or NULL */
  const TallyWorkerCallbacks *callbacks;
  gpointer data;
};

/* Sets up the shared part, with in-memory files for the output. */
void             tally_worker_proc_init       (TallyWorkerProc            *worker,
                                               const TallyWorkerProcClass *klass,
                                               TallyProgram               *program,
                                               int                         slot,
                                               const TallyWorkerCallbacks *callbacks,
                                               gpointer                    data);

/* Applies a program's environment and working directory. */
void             tally_worker_proc_apply_program (GSubprocessLauncher     *launcher,
                                                  TallyProgram            *program);

G_END_DECLS
