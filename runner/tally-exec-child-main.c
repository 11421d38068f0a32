/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tally-exec-child`: see engine/tally-exec-child.c. */
#include "tally-exec-child-private.h"

int
main (int    argc,
      char **argv)
{
  tally_exec_child_main (argc, argv);
}
