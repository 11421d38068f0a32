/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How busy the whole machine's CPUs are, from the aggregate `cpu` line of
 * /proc/stat: other processes' load counts as much as the run's own.
 * TALLY_PROC_STAT names another file of the same format (tests use it to
 * make a machine look idle or busy). */
typedef struct _TallyCpuLoad TallyCpuLoad;

TallyCpuLoad *tally_cpu_load_new    (void);
/* Reads the counters again: TRUE and the busy fraction (0 idle … 1 every
 * CPU busy) since the previous reading, or FALSE when there is none yet,
 * no time passed in the counters or the file could not be read. */
gboolean      tally_cpu_load_sample (TallyCpuLoad *load,
                                     double       *busy);
void          tally_cpu_load_free   (TallyCpuLoad *load);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyCpuLoad, tally_cpu_load_free)

G_END_DECLS
