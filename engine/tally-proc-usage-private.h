/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include <glib.h>

G_BEGIN_DECLS

/* Another process's CPU time so far (user + system of all its threads
 * and of the children it waited for, /proc/PID/stat: clock ticks, 10 ms
 * here) and its peak resident set
 * (VmHWM of /proc/PID/status, -1 once it has exited). FALSE when @pid
 * is gone. */
gboolean tally_proc_read_usage (pid_t   pid,
                                gint64 *cpu_us,
                                gint64 *max_rss_kb);

G_END_DECLS
