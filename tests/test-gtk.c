/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GTK 4 widget tests written the GTK way (tests/samples/sample-gtk.c)
 * pass under `tally run -n 2`, several per worker, with accessibility on
 * (GTK_A11Y unset) and off, and standalone; a program that lists its
 * tests only after gtk_init() says why it cannot without a display.
 * meson runs this under xvfb-run; without a display the tests skip. */
#include <string.h>

#include <json-glib/json-glib.h>

#include "tally-test-util.h"

static void
require_display (TallyTest *t)
{
  g_autofree char *sample = tally_util_sample ("sample-gtk");

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    tally_test_skip (t, "no display (run under xvfb-run -a)");
  if (!g_file_test (sample, G_FILE_TEST_IS_EXECUTABLE))
    tally_test_skip (t, "built without GTK");
}

static void
test_under_tally_run (TallyTest    *t,
                      gconstpointer data)
{
  const char *a11y = data;
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *sample = tally_util_sample ("sample-gtk");
  g_autofree char *setting = g_strdup_printf ("GTK_A11Y=%s", a11y ? a11y : "");
  const char *envp[] = { setting, NULL };
  g_autoptr(TallyRun) run = NULL;
  guint passed = 0;

  require_display (t);
  /* --repeat 3: each worker runs several GTK tests in a row. */
  run = tally_util_run (t, a11y ? envp : NULL, tally, "run", "-n", "2", "--no-db", "--json",
                        "--repeat", "3", sample, NULL);
  if (run->status != 0)
    tally_fail ("tally run exited with %d:\n%s\n%s", run->status, run->out, run->err);

  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (run->events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "test-finished") == 0
          && g_strcmp0 (json_object_get_string_member_with_default (event, "outcome", ""), "passed") == 0)
        passed++;
    }
  tally_assert_cmpuint (passed, ==, 15);
}

/* With a session bus, GTK's accessibility is really on: it registers
 * its root on the accessibility bus, from the first test that shows a
 * window, and keeps talking to it in later tests. */
static void
test_with_accessibility_bus (TallyTest    *t,
                             gconstpointer data)
{
  g_autofree char *dbus_run_session = g_find_program_in_path ("dbus-run-session");
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *sample = tally_util_sample ("sample-gtk");
  g_autoptr(TallyRun) run = NULL;

  require_display (t);
  if (dbus_run_session == NULL)
    tally_test_skip (t, "no dbus-run-session");
  run = tally_util_run (t, NULL, dbus_run_session, "--", tally, "run", "-n", "2", "--no-db",
                        "--repeat", "3", sample, NULL);
  if (run->status != 0)
    tally_fail ("tally run exited with %d:\n%s\n%s", run->status, run->out, run->err);
  tally_assert_nonnull (strstr (run->out, "15 passed, 0 failed"));
}

static void
test_standalone (TallyTest    *t,
                 gconstpointer data)
{
  g_autofree char *sample = tally_util_sample ("sample-gtk");
  g_autoptr(TallyRun) run = NULL;

  require_display (t);
  run = tally_util_run (t, NULL, sample, NULL);
  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_nonnull (strstr (run->out, "ok 5 /gtk/label/own-context"));
  tally_assert_nonnull (strstr (run->out, "# 5 passed, 0 failed"));
}

/* gtk_init() before tally_run(): the listing fails, and says why. */
static void
test_listing_without_display (TallyTest    *t,
                              gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *sample = tally_util_sample ("sample-gtk");
  const char *envp[] = { "SAMPLE_GTK_INIT_EARLY=1", "DISPLAY=:987", "WAYLAND_DISPLAY=", NULL };
  g_autoptr(TallyRun) run = NULL;

  if (!g_file_test (sample, G_FILE_TEST_IS_EXECUTABLE))
    tally_test_skip (t, "built without GTK");
  run = tally_util_run (t, envp, tally, "run", "--no-db", sample, NULL);
  tally_assert_cmpint (run->status, ==, 3);
  tally_assert_nonnull (strstr (run->err, "--tally-list exited with status 1: "));
  tally_assert_nonnull (strstr (run->err, "cannot open display: :987"));
  tally_assert_nonnull (strstr (run->err, "xvfb-run -a"));
}

/* gtk_init() in a test without a display exits the process: standalone
 * and under tally run, the reason is shown. */
static void
test_test_without_display (TallyTest    *t,
                           gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *sample = tally_util_sample ("sample-gtk");
  const char *envp[] = { "DISPLAY=:987", "WAYLAND_DISPLAY=", NULL };
  g_autoptr(TallyRun) standalone = NULL;
  g_autoptr(TallyRun) run = NULL;

  if (!g_file_test (sample, G_FILE_TEST_IS_EXECUTABLE))
    tally_test_skip (t, "built without GTK");
  standalone = tally_util_run (t, envp, sample, "-p", "/gtk/label/wait-until", NULL);
  tally_assert_cmpint (standalone->status, !=, 0);
  tally_assert_nonnull (strstr (standalone->out, "not ok 1 /gtk/label/wait-until # crashed"));
  tally_assert_nonnull (strstr (standalone->out, "# warning Gtk: cannot open display: :987"));

  run = tally_util_run (t, envp, tally, "run", "--no-db", "-n", "1", "-x", sample, NULL);
  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_nonnull (strstr (run->out, "Gtk: cannot open display: :987"));
}

static void
register_tests (void)
{
  /* "Unset": the environment meson gives, without GTK_A11Y. */
  g_unsetenv ("GTK_A11Y");
  tally_add_data ("/gtk/tally-run/a11y-default", test_under_tally_run, NULL, "timeout=120");
  tally_add_data ("/gtk/tally-run/a11y-none", test_under_tally_run, "none", "timeout=120");
  tally_add ("/gtk/tally-run/a11y-bus", test_with_accessibility_bus, "timeout=120");
  tally_add ("/gtk/standalone", test_standalone, "timeout=120");
  tally_add ("/gtk/listing-without-display", test_listing_without_display, "timeout=60");
  tally_add ("/gtk/test-without-display", test_test_without_display, "timeout=60");
}

TALLY_MAIN (register_tests)
