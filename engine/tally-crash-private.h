/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-protocol-private.h"

G_BEGIN_DECLS

/* What a fatal signal was: "SIGSEGV (Segmentation fault), SEGV_MAPERR at
 * address 0x10". @address is shown for the signals that have one. */
char *tally_crash_describe_signal (int      signum,
                                   int      code,
                                   guint64  address);

/* The worker's raw frames resolved against its maps: one line per frame,
 * "#N FUNCTION at FILE:LINE (MODULE+OFFSET)", where debug info allows;
 * and where the crash happened in the code under test, if known. */
char *tally_crash_symbolize       (const TallyCrashInfo  *crash,
                                   char                 **file,
                                   int                   *line);

/* libtally-1.so, to preload into a GTest binary so that its fatal signals
 * are reported (see libcore/tally-crash-report.c), or NULL. */
const char *tally_crash_preload_library (void);

G_END_DECLS
