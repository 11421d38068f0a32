/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

void tally_init (int    *argc,
                 char ***argv);
int  tally_run  (void);

/**
 * TALLY_MAIN:
 * @register_func: a `void (*) (void)` that registers the tests
 *
 * Defines main() for a test program whose tests @register_func adds.
 */
#define TALLY_MAIN(register_func)                   \
  int main (int argc, char *argv[])                 \
  {                                                 \
    tally_init (&argc, &argv);                      \
    register_func ();                               \
    return tally_run ();                            \
  }

G_END_DECLS
