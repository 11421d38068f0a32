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

/**
 * viewer_test_run_tallyv:
 * @db: the database to run into
 * @envp_extra: (nullable): NAME, VALUE pairs set in its environment (a
 *   %NULL VALUE unsets NAME), %NULL-terminated
 * @first_arg: the first of `tally run -q --db DB`'s further arguments (a
 *   leading @ names a path in the build tree), then %NULL-terminated
 *
 * Runs `tally run` to its end in the test's folder, with TALLY_SAMPLE_DIR
 * set to it.
 *
 * Returns: its exit status (128 if a signal ended it)
 */
int
viewer_test_run_tallyv (TallyTest          *t,
                        const char         *db,
                        const char * const *envp_extra,
                        const char         *first_arg,
                        va_list             args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, viewer_test_build_path ("runner/tally"));
  g_ptr_array_add (argv, g_strdup ("run"));
  g_ptr_array_add (argv, g_strdup ("-q"));
  g_ptr_array_add (argv, g_strdup ("--db"));
  g_ptr_array_add (argv, g_strdup (db));
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, arg[0] == '@' ? viewer_test_build_path (arg + 1) : g_strdup (arg));
  g_ptr_array_add (argv, NULL);

  for (guint i = 0; envp_extra != NULL && envp_extra[i] != NULL; i += 2)
    envp = envp_extra[i + 1] != NULL ? g_environ_setenv (envp, envp_extra[i], envp_extra[i + 1], TRUE)
                                     : g_environ_unsetenv (envp, envp_extra[i]);
  envp = g_environ_setenv (envp, "TALLY_SAMPLE_DIR", tally_test_get_tmpdir (t), TRUE);

  g_spawn_sync (tally_test_get_tmpdir (t), (char **) argv->pdata, envp, G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  tally_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

int
viewer_test_run_tally (TallyTest          *t,
                       const char         *db,
                       const char * const *envp_extra,
                       const char         *first_arg,
                       ...)
{
  va_list args;
  int status;

  va_start (args, first_arg);
  status = viewer_test_run_tallyv (t, db, envp_extra, first_arg, args);
  va_end (args);
  return status;
}
