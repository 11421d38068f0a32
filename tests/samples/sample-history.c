/* Tests whose outcome the caller controls, for the history options:
 * a test fails when its name is in $TALLY_SAMPLE_FAIL (comma-separated);
 * /history/flaky fails on its first attempt in a run and passes on the
 * next (it counts attempts in $TALLY_SAMPLE_DIR). */
#include <string.h>

#include <tally.h>

static gboolean
told_to_fail (const char *path)
{
  const char *fail = g_getenv ("TALLY_SAMPLE_FAIL");
  g_auto(GStrv) names = fail ? g_strsplit (fail, ",", -1) : NULL;
  const char *base = strrchr (path, '/') + 1;

  return names && g_strv_contains ((const char * const *) names, base);
}

static void
test_controlled (TallyTest *t, gconstpointer data)
{
  if (told_to_fail (tally_test_get_path (t)))
    tally_fail ("told to fail");
}

static void
test_flaky (TallyTest *t, gconstpointer data)
{
  const char *dir = g_getenv ("TALLY_SAMPLE_DIR");
  g_autofree char *counter = g_build_filename (dir ? dir : ".", "flaky-attempts", NULL);
  g_autofree char *text = NULL;
  int attempts = 0;

  if (g_file_get_contents (counter, &text, NULL, NULL))
    attempts = atoi (text);
  g_free (text);
  text = g_strdup_printf ("%d", attempts + 1);
  g_file_set_contents (counter, text, -1, NULL);

  if (attempts % 2 == 0)
    tally_fail ("first attempt fails");
}

static void
register_tests (void)
{
  static const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_strdup_printf ("/history/%s", names[i]);
      tally_add (path, test_controlled, NULL);
    }
  tally_add ("/history/flaky", test_flaky, NULL);
}

TALLY_MAIN (register_tests)
