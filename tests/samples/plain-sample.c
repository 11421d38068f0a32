/* Not a test framework at all: exits with the status given as its
 * first argument, after printing a line, logging a GLib message and,
 * with "tap" as its second argument, printing some TAP (one malformed
 * line, one failure) first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int
main (int argc, char **argv)
{
  int status = argc > 1 ? atoi (argv[1]) : 0;

  if (argc > 2 && strcmp (argv[2], "tap") == 0)
    {
      printf ("TAP version 13\n1..3\nok 1 first\n1..what\nnot ok 2 second # it broke\n");
      printf ("ok 3 third # SKIP later\n");
    }
  printf ("plain says %d\n", status);
  g_message ("plain message");
  return status;
}
