/* A plain GTest program whose many short cases each write their own
 * text to stdout and stderr, at the start and at the end of the case,
 * some of it without a final newline: a runner that runs them in one
 * process must give each case exactly its own output. Each case also
 * logs its process id (`pid N`), and one case is named after a random
 * seed, like GLib's own random tests, so its path changes on every run. */
#include <stdio.h>
#include <unistd.h>

#include <glib.h>

#define N_CASES 150

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
