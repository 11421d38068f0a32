/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tally-log-record.h"

G_BEGIN_DECLS

/* Process-wide singletons (tally-singletons.c): sources and one-time
 * warnings that belong to GLib, GIO, GDK, GTK or AT-SPI rather than to
 * the test that happened to create them. */
gboolean tally_singletons_source_allowed  (const char           *name);
gboolean tally_singletons_warning_allowed (const char           *domain,
                                           const char           *message);
void     tally_singletons_setup           (void);
extern const char tally_singletons_hint[];

G_END_DECLS
