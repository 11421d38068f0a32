/* A plain GTest program whose many short cases each write their own
 * text to stdout and stderr, at the start and at the end of the case,
 * some of it without a final newline: a runner that runs them in one
 * process must give each case exactly its own output. Each case also
 * logs its process id (`pid N`), and one case is named after a random
 * seed, like GLib's own random tests, so its path changes on every run.
 * With GTEST_STREAMS_CLOSE_PIPES set, case 010 closes every pipe it did
 * not get as stdin, stdout or stderr, as programs that close inherited
 * descriptors do. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#define N_CASES 150

static void
close_inherited_pipes (void)
{
  long max = sysconf (_SC_OPEN_MAX);

  for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
    {
      struct stat st;

      if (fstat (fd, &st) == 0 && S_ISFIFO (st.st_mode))
        close (fd);
    }
}

static void
test_random (void)
{
  g_test_message ("pid %d", (int) getpid ());
  fprintf (stderr, "stderr random\n");
  printf ("stdout random\n");
}

static void
test_case (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);

  g_test_message ("pid %d", (int) getpid ());
  if (i == 10 && g_getenv ("GTEST_STREAMS_CLOSE_PIPES") != NULL)
    close_inherited_pipes ();
  fprintf (stderr, "stderr begin %03u\n", i);
  printf ("stdout %03u\n", i);
  if (i % 3 == 0)
    fprintf (stderr, "stderr tail %03u", i);
  else
    fprintf (stderr, "stderr end %03u\n", i);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < N_CASES; i++)
    {
      g_autofree char *path = g_strdup_printf ("/streams/%03u", i);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_case);
      if (i == N_CASES / 2)
        {
          g_autofree char *random = g_strdup_printf ("/streams/random/seed:%u", g_random_int ());

          g_test_add_func (random, test_random);
        }
    }
  return g_test_run ();
}
