/* A GTest binary registered with meson: it checks the environment and
 * working directory meson gave it. */
#include <string.h>

#include <glib.h>

static void
test_env (void)
{
  g_assert_cmpstr (g_getenv ("FIXTURE_GREETING"), ==, "hello");
}

static void
test_workdir (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *marker = g_build_filename (cwd, "build.ninja", NULL);

  /* meson runs a test without a workdir in the build directory. */
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fixture/env", test_env);
  g_test_add_func ("/fixture/workdir", test_workdir);
  return g_test_run ();
}
