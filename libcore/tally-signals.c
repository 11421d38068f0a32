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

void
tally_signals_default_ignored (const int *keep)
{
  for (int signum = 1; signum < 32; signum++)
    {
      struct sigaction current;
      gboolean kept = FALSE;

      for (const int *k = keep; k != NULL && *k != 0; k++)
        kept |= *k == signum;
      if (kept || signum == SIGKILL || signum == SIGSTOP)
        continue;
      if (sigaction (signum, NULL, &current) == 0 && current.sa_handler == SIG_IGN)
        signal (signum, SIG_DFL);
    }
}
