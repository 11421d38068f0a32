/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include <glib.h>

#include "tally-log-record.h"

G_BEGIN_DECLS

/* What each thread of another process is doing, read from /proc: one
 * line a thread, "  TID NAME: SYSCALL(ARGS) in KERNEL-FUNCTION" for one
 * blocked in a system call (a descriptor argument with what it is open
 * on, a futex operation by name, a poll timeout in ms), or its state
 * otherwise. At most @max_threads lines, then how many more there are.
 * NULL when @pid is gone or its threads cannot be listed. Cheap enough
 * for a test that timed out: a few small /proc reads a thread. */
char *tally_proc_threads_describe (pid_t pid,
                                   guint max_threads);

/* A `Tally` warning for the log of a test that ran from @started_at_us
 * to @stopped_at_us (real time) in @pid and was stopped then, with
 * @threads as tally_proc_threads_describe() gave it at that moment. */
TallyLogRecord *tally_proc_threads_record (const char *threads,
                                           pid_t       pid,
                                           gint64      started_at_us,
                                           gint64      stopped_at_us);

G_END_DECLS
