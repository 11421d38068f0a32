/* What the resource-use samples do: burn CPU (in the process or in a
 * child it waits for), sleep, touch memory. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <glib.h>

/* Spins until this thread has used @ms of CPU. */
static inline void
usage_burn_cpu (int ms)
{
  struct timespec start, now;
  volatile guint64 sink = 0;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &start);
  do
    {
      for (int i = 0; i < 10000; i++)
        sink += (guint64) i * i;
      clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
    }
  while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

/* A child process spins for @ms of CPU; waits for it. Its CPU is the
 * test's too. */
static inline void
usage_burn_cpu_in_child (int ms)
{
  int status = 0;
  pid_t child = fork ();

  if (child == 0)
    {
      usage_burn_cpu (ms);
      _exit (0);
    }
  g_assert_cmpint (child, >, 0);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

/* Allocates @mb MiB and writes every page, so it is resident. */
static inline void
usage_touch_memory (int mb)
{
  gsize size = (gsize) mb << 20;
  volatile char *block = malloc (size);

  for (gsize i = 0; i < size; i += 4096)
    block[i] = (char) i;
  free ((void *) block);
}

/* Appends a line to the file named by $USAGE_LIST_MARKER when the
 * program is run with @flag, its listing option: the listing cache's
 * tests tell a cached listing from a new one this way. (The GTest
 * sample must not hold the string "--tally-list": Tally would take it
 * for one of its own programs.) */
static inline void
usage_mark_listing (int         argc,
                    char      **argv,
                    const char *flag)
{
  const char *marker = g_getenv ("USAGE_LIST_MARKER");

  for (int i = 1; marker != NULL && i < argc; i++)
    if (g_str_equal (argv[i], flag))
      {
        FILE *file = fopen (marker, "a");

        if (file != NULL)
          {
            fputs ("listed\n", file);
            fclose (file);
          }
      }
}
