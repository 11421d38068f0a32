/* viewer-test-util.c — what the viewer's test programs share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally-Test"

#include "config.h"

#include <adwaita.h>

#include "viewer-test-util.h"

static gboolean have_display;

/* Before the tests: start libadwaita and let GTK create the sources it
 * keeps for the life of the process (settings, themes, the X
 * connection), so no test is charged with them. */
static void
warm_up (void)
{
  TallyViewerWindow *window;
  gint64 until;

  adw_init ();
  window = tally_viewer_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 700, 440);
  gtk_window_present (GTK_WINDOW (window));
  until = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
  until = g_get_monotonic_time () + 100 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

/* Opens the display if there is one; returns whether GTK started. */
gboolean
viewer_test_init_display (void)
{
  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
    {
      have_display = gtk_init_check ();
      if (have_display)
        warm_up ();
    }
  return have_display;
}

void
viewer_test_require_display (TallyTest *t)
{
  if (have_display)
    return;
  /* CI must not pass by skipping every test that matters. */
  if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
    tally_test_fail (t, "no display under CI=true: run under xvfb-run (GTK cannot start)");
  tally_test_skip (t, "no display: run under xvfb-run (GTK cannot start)");
}

char *
viewer_test_build_path (const char *relative)
{
  const char *builddir = g_getenv ("TALLY_BUILDDIR");

  return g_build_filename (builddir ? builddir : ".", relative, NULL);
}

typedef struct
{
  ViewerCheck check;
  gpointer data;
  gint64 until;                 /* 0, or a monotonic time to wait for */
} Spin;

/* GTK works on the global default context; the test runs on its own:
 * iterate GTK's while the test's context is polled. */
static gboolean
spin_cb (gpointer data)
{
  Spin *spin = data;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (spin->until != 0)
    return g_get_monotonic_time () >= spin->until;
  return spin->check (spin->data);
}

void
viewer_test_wait_for (TallyTest   *t,
                      ViewerCheck  check,
                      gpointer     data)
{
  Spin spin = { check, data, 0 };

  tally_test_wait_until (t, spin_cb, &spin);
}

void
viewer_test_settle (TallyTest *t,
                    guint      ms)
{
  Spin spin = { NULL, NULL, g_get_monotonic_time () + ms * 1000 };

  tally_test_wait_until (t, spin_cb, &spin);
}

/* A ViewerCheck: the window's run is loaded. */
gboolean
viewer_test_loaded (gpointer window)
{
  return !tally_viewer_window_is_loading (window);
}

/* Destroys the window in the test's body and lets GTK remove its own
 * sources: the harness destroys what a test leaves on the global
 * context, and GTK would later remove them again. */
void
viewer_test_close_window (TallyTest         *t,
                          TallyViewerWindow *window)
{
  tally_viewer_window_release_views (window);
  viewer_test_settle (t, 30);
  gtk_window_destroy (GTK_WINDOW (window));
  viewer_test_settle (t, 100);
}
