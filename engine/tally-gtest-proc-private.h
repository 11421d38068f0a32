/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-worker-proc-private.h"

G_BEGIN_DECLS

/* The worker for a GTest binary or a plain program: it lives across
 * processes, running `PROGRAM --tap -k -p PATH…` (GTest) or `PROGRAM`
 * (plain) once per batch, and turns the TAP stream, exit status and
 * GLib's log lines into the events a native worker sends. */
TallyWorkerProc *tally_gtest_proc_spawn (TallyProgram               *program,
                                         int                         slot,
                                         const TallyWorkerSettings  *settings,
                                         const TallyWorkerCallbacks *callbacks,
                                         gpointer                    data,
                                         GError                    **error);

G_END_DECLS
