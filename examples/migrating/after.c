/* after.c — before.c ported to Tally, with the same test paths.
 *
 * See docs/migrating.md for each step.
 *
 * Run it:  ./after                      (standalone, prints TAP)
 *          tally run ./after
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The code under test logs in its own domain. */
#define G_LOG_DOMAIN "Config"

#include <string.h>

#include <tally.h>

/* ---- The code under test (unchanged) ------------------------------------ */

#define DEFAULT_PORT 8080

static int
config_get_port (GKeyFile *keyfile)
{
  g_autoptr(GError) error = NULL;
  int port = g_key_file_get_integer (keyfile, "server", "port", &error);

  if (error != NULL || port <= 0 || port > 65535)
    {
      g_warning ("invalid port in [server], using %d", DEFAULT_PORT);
      return DEFAULT_PORT;
    }
  return port;
}

static int
clamp_percent (int value)
{
  return CLAMP (value, 0, 100);
}

/* ---- Async: await on the test's own context ------------------------------- */

static void
test_load_async (TallyTest     *t,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  /* The test's private directory, removed when the test ends. */
  name = g_build_filename (tally_test_get_tmpdir (t), "hello.txt", NULL);
  g_file_set_contents (name, "hello, async\n", -1, &error);
  tally_assert_no_error (error);
  file = g_file_new_for_path (name);

  g_file_load_contents_async (file, tally_test_get_cancellable (t),
                              tally_test_async_ready, t);
  g_file_load_contents_finish (file, tally_test_await (t), &contents, &len,
                               NULL, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (len, ==, strlen ("hello, async\n"));
  tally_assert_cmpstr (contents, ==, "hello, async\n");
}

/* ---- A fixture ------------------------------------------------------------ */

typedef struct
{
  GKeyFile *keyfile;
} ConfigFixture;

static void
config_setup (TallyTest     *t,
              ConfigFixture *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->keyfile = g_key_file_new ();
  g_key_file_load_from_data (fixture->keyfile, data, -1,
                             G_KEY_FILE_NONE, &error);
  tally_assert_no_error (error);
}

static void
config_teardown (TallyTest     *t,
                 ConfigFixture *fixture,
                 gconstpointer  data)
{
  g_clear_pointer (&fixture->keyfile, g_key_file_unref);
}

static void
test_config_port (TallyTest     *t,
                  ConfigFixture *fixture,
                  gconstpointer  data)
{
  tally_assert_cmpint (config_get_port (fixture->keyfile), ==, 8081);
}

/* ---- An expected warning -------------------------------------------------- */

static void
test_config_bad_port (TallyTest     *t,
                      gconstpointer  data)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  g_key_file_set_integer (keyfile, "server", "port", 70000);

  /* Checked when the test ends: a declared message that never comes fails
   * the test, and so does an undeclared warning. */
  tally_test_expect_log (t, "Config", G_LOG_LEVEL_WARNING, "invalid port*");
  tally_assert_cmpint (config_get_port (keyfile), ==, DEFAULT_PORT);
}

/* ---- A plain comparison --------------------------------------------------- */

static void
test_clamp (TallyTest     *t,
            gconstpointer  data)
{
  tally_assert_cmpint (clamp_percent (-5), ==, 0);
  tally_assert_cmpint (clamp_percent (42), ==, 42);
  tally_assert_cmpint (clamp_percent (250), ==, 100);
}

static void
register_tests (void)
{
  tally_add ("/migrating/file/load-async", test_load_async, "io timeout=10");
  tally_add_fixture ("/migrating/config/port", ConfigFixture,
                     "[server]\nport=8081\n",
                     config_setup, test_config_port, config_teardown, NULL);
  tally_add ("/migrating/config/bad-port", test_config_bad_port, NULL);
  tally_add ("/migrating/math/clamp", test_clamp, NULL);
}

TALLY_MAIN (register_tests)
