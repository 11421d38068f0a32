/* tally-signals.c — signal dispositions that do not leak into children
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <signal.h>

#include "tally-signals-private.h"

static void
on_sigpipe (int signum)
{
}

void
tally_signals_catch_sigpipe (void)
{
  struct sigaction action = { 0 };

  action.sa_handler = on_sigpipe;
  action.sa_flags = SA_RESTART;
  sigemptyset (&action.sa_mask);
  sigaction (SIGPIPE, &action, NULL);
}

void
tally_signals_unblock_all (void)
{
  sigset_t none;

  sigemptyset (&none);
  pthread_sigmask (SIG_SETMASK, &none, NULL);
}
