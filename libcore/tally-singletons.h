/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * TallyProcessSetupFunc:
 *
 * Creates process-wide singletons before the first test of a process
 * runs; see tally_add_process_setup().
 */
typedef void (*TallyProcessSetupFunc) (void);

void tally_allow_source      (const char            *name_glob);
void tally_add_process_setup (TallyProcessSetupFunc  func);

G_END_DECLS
