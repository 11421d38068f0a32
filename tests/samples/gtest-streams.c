/* A plain GTest program whose many short cases each write their own
 * text to stdout and stderr, at the start and at the end of the case,
 * some of it without a final newline: a runner that runs them in one
 * process must give each case exactly its own output. */
#include <stdio.h>

#include <glib.h>

#define N_CASES 150

static void
test_case (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);

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
    }
  return g_test_run ();
}
