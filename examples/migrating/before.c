/* before.c — a plain GTest program, as many GLib projects have one.
 *
 * docs/migrating.md ports it to Tally step by step; after.c is the result,
 * with the same test paths. It links only GLib and GIO.
 *
 * Run it:  ./before                     (standalone, prints TAP)
 *          tally run ./before           (GTest binaries run as they are)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The code under test logs in its own domain. */
#define G_LOG_DOMAIN "Config"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

/* ---- The code under test ---------------------------------------------- */

#define DEFAULT_PORT 8080

/* The [server] port of @keyfile, or DEFAULT_PORT (with a warning) when it
 * is missing or out of range. */
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

/* ---- Async: spin a GMainLoop by hand ------------------------------------ */

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} LoadData;

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  LoadData *data = user_data;

  data->result = g_object_ref (result);
  g_main_loop_quit (data->loop);
}

static void
test_load_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *contents = NULL;
  LoadData data = { NULL, NULL };
  gsize len = 0;
  int fd;

  /* A unique file under g_get_tmp_dir(), removed at the end. */
  fd = g_file_open_tmp ("migrating-XXXXXX.txt", &name, &error);
  g_assert_no_error (error);
  g_close (fd, NULL);
  g_file_set_contents (name, "hello, async\n", -1, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (name);

  data.loop = g_main_loop_new (NULL, FALSE);
  g_file_load_contents_async (file, NULL, on_loaded, &data);
  g_main_loop_run (data.loop);

  g_file_load_contents_finish (file, data.result, &contents, &len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, strlen ("hello, async\n"));
  g_assert_cmpstr (contents, ==, "hello, async\n");

  g_object_unref (data.result);
  g_main_loop_unref (data.loop);
  g_remove (name);
}

/* ---- A fixture ------------------------------------------------------------ */

typedef struct
{
  GKeyFile *keyfile;
} ConfigFixture;

static void
config_setup (ConfigFixture *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->keyfile = g_key_file_new ();
  g_key_file_load_from_data (fixture->keyfile, user_data, -1,
                             G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
}

static void
config_teardown (ConfigFixture *fixture,
                 gconstpointer  user_data)
{
  g_key_file_unref (fixture->keyfile);
}

static void
test_config_port (ConfigFixture *fixture,
                  gconstpointer  user_data)
{
  g_assert_cmpint (config_get_port (fixture->keyfile), ==, 8081);
}

/* ---- An expected warning -------------------------------------------------- */

static void
test_config_bad_port (void)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  g_key_file_set_integer (keyfile, "server", "port", 70000);

  g_test_expect_message ("Config", G_LOG_LEVEL_WARNING, "invalid port*");
  g_assert_cmpint (config_get_port (keyfile), ==, DEFAULT_PORT);
  g_test_assert_expected_messages ();
}

/* ---- A plain comparison --------------------------------------------------- */

static void
test_clamp (void)
{
  g_assert_cmpint (clamp_percent (-5), ==, 0);
  g_assert_cmpint (clamp_percent (42), ==, 42);
  g_assert_cmpint (clamp_percent (250), ==, 100);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/migrating/file/load-async", test_load_async);
  g_test_add ("/migrating/config/port", ConfigFixture,
              "[server]\nport=8081\n",
              config_setup, test_config_port, config_teardown);
  g_test_add_func ("/migrating/config/bad-port", test_config_bad_port);
  g_test_add_func ("/migrating/math/clamp", test_clamp);

  return g_test_run ();
}
