/* An exit-code test: exits with its first argument; with "tap" as the
 * second, prints a little TAP first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main (int argc, char **argv)
{
  if (argc > 2 && strcmp (argv[2], "tap") == 0)
    printf ("1..2\nok 1 one\nok 2 two\n");
  printf ("exiting with %s\n", argc > 1 ? argv[1] : "0");
  return argc > 1 ? atoi (argv[1]) : 0;
}
