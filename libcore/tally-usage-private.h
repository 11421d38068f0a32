/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What each test of a worker cost its process: CPU (user + system) since
 * the previous call, its own and that of the children it waited for, and
 * the process's peak resident set so far. */
void tally_usage_start (void);
void tally_usage_take  (gint64  duration_us,
                        gint64 *cpu_us,
                        gint64 *max_rss_kb);
/* The worker waited for a child that reported its own usage (a forked
 * test's process): its CPU is not the next test's. */
void tally_usage_forget_children (void);

G_END_DECLS
