/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>

#include <glib.h>

G_BEGIN_DECLS

/* The fatal-signal report (TALLY_MSG_CRASH): the signal's details, the
 * raw frames from the interrupted instruction outwards, and the
 * file-backed lines of /proc/self/maps, written to @fd. Async-signal-safe:
 * call it from a SA_SIGINFO handler. The runner symbolizes it
 * (engine/tally-crash.c). */
void tally_crash_report_write_all (int           fd,
                                   const guint8 *data,
                                   gsize         len);
void tally_crash_report_send (int        fd,
                              int        signum,
                              siginfo_t *info,
                              void      *context);

G_END_DECLS
