/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ucontext.h>

#include "tally-crash-report-private.h"
#include "tally-protocol-private.h"

/* What a process sends as it dies of a fatal signal, for the runner to
 * symbolize once it is gone: nothing here allocates, formats or takes a
 * lock. Tally's workers call it from their handler (tally-worker.c); a
 * GTest binary run by `tally run` gets it by preloading libtally-1
 * (LD_PRELOAD, TALLY_CRASH_FD: see tally_crash_report_preload() below). */

#define CRASH_MAX_FRAMES 128
#define CRASH_MAPS_SIZE (256 * 1024)

static char crash_maps[CRASH_MAPS_SIZE];
static char crash_line[4096];
static guint64 crash_frame_storage[(TALLY_FRAME_HEADER_SIZE + 64 + CRASH_MAX_FRAMES * 8
                                    + CRASH_MAPS_SIZE + 16) / 8];

/* Copies the lines of /proc/self/maps that name a file (" /…"): all the
 * symbolizer needs. Returns the bytes copied. */
static gsize
read_file_maps (void)
{
  char chunk[4096];
  gsize used = 0, line_len = 0;
  ssize_t n;
  int fd = open ("/proc/self/maps", O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return 0;
  while ((n = read (fd, chunk, sizeof chunk)) > 0)
    for (ssize_t i = 0; i < n; i++)
      {
        if (line_len < sizeof crash_line)
          crash_line[line_len++] = chunk[i];
        if (chunk[i] != '\n')
          continue;
        if (line_len < sizeof crash_line && memmem (crash_line, line_len, " /", 2) != NULL
            && used + line_len <= sizeof crash_maps)
          {
            memcpy (crash_maps + used, crash_line, line_len);
            used += line_len;
          }
        line_len = 0;
      }
  close (fd);
  return used;
}

static guint64
context_pc (void *context)
{
  ucontext_t *uc = context;

  if (uc == NULL)
    return 0;
#if defined(__x86_64__)
  return (guint64) uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
  return (guint64) uc->uc_mcontext.gregs[REG_EIP];
#elif defined(__aarch64__)
  return (guint64) uc->uc_mcontext.pc;
#else
  return 0;
#endif
}

/* Async-signal-safe: one try, no exit on failure. */
void
tally_crash_report_write_all (int           fd,
                              const guint8 *data,
                              gsize         len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      data += n;
      len -= n;
    }
}

void
tally_crash_report_send (int        fd,
                         int        signum,
                         siginfo_t *info,
                         void      *context)
{
  void *frames[CRASH_MAX_FRAMES];
  guint64 addresses[CRASH_MAX_FRAMES];
  guint64 pc = context_pc (context);
  int n = backtrace (frames, G_N_ELEMENTS (frames));
  int first = MIN (n, 2);   /* this handler and the signal trampoline */
  guint n_addresses = 0;
  gsize maps_len = read_file_maps ();
  guint8 *dest = (guint8 *) crash_frame_storage;
  gsize size;

  /* Start at the interrupted instruction: what lies below it is ours. */
  for (int i = 0; i < n; i++)
    if (pc != 0 && (guint64) (guintptr) frames[i] == pc)
      {
        first = i;
        break;
      }
  for (int i = first; i < n; i++)
    addresses[n_addresses++] = (guint64) (guintptr) frames[i];

  size = tally_protocol_crash_size (n_addresses, maps_len);
  if (size > sizeof crash_frame_storage)
    return;
  tally_protocol_crash_write (dest, signum, info ? info->si_code : 0,
                              info ? (guint64) (guintptr) info->si_addr : 0,
                              addresses, n_addresses, crash_maps, maps_len);
  tally_crash_report_write_all (fd, dest, size);
}

/* --- preloaded into a GTest binary -------------------------------------- */

static int preload_fd = -1;
static char preload_stack[64 * 1024];

static void
on_preload_signal (int        signum,
                   siginfo_t *info,
                   void      *context)
{
  tally_crash_report_send (preload_fd, signum, info, context);
  signal (signum, SIG_DFL);
  raise (signum);
}

/* `tally run` starts GTest binaries with LD_PRELOAD=libtally-1.so and
 * TALLY_CRASH_FD=N: then this process reports a fatal signal on fd N. The
 * variables are removed at once, so that nothing the program starts
 * reports on the same descriptor. Without them: nothing happens. */
__attribute__((constructor)) static void
tally_crash_report_preload (void)
{
  static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
  const char *fd_text = getenv ("TALLY_CRASH_FD");
  stack_t stack = { .ss_sp = preload_stack, .ss_size = sizeof preload_stack };
  struct sigaction action = { 0 };
  void *warm[1];

  if (fd_text == NULL)
    return;
  preload_fd = atoi (fd_text);
  unsetenv ("TALLY_CRASH_FD");
  unsetenv ("LD_PRELOAD");
  if (preload_fd < 3 || fcntl (preload_fd, F_SETFD, FD_CLOEXEC) < 0)
    return;

  /* backtrace() loads libgcc on first use: not in the handler. */
  backtrace (warm, 1);
  sigaltstack (&stack, NULL);
  action.sa_sigaction = on_preload_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (fatal); i++)
    sigaction (fatal[i], &action, NULL);
}
