/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <stdio.h>

#include "tally-viewer-application.h"
#include "tally-viewer-preload.h"
#include "tally-viewer-window.h"

struct _TallyViewerApplication
{
  AdwApplication parent_instance;

  TallyViewerScreenshot *screenshot;
  int exit_status;
};

G_DEFINE_FINAL_TYPE (TallyViewerApplication, tally_viewer_application, ADW_TYPE_APPLICATION)

static const GOptionEntry main_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, "Show the version and exit", NULL },
  { NULL }
};

TallyViewerApplication *
tally_viewer_application_new (void)
{
  return g_object_new (TALLY_VIEWER_TYPE_APPLICATION,
                       "application-id", "org.tally.Viewer",
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       NULL);
}

int
tally_viewer_application_get_exit_status (TallyViewerApplication *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_APPLICATION (self), 1);
  return self->exit_status;
}

static void
on_screenshot_done (GError   *error,
                    gpointer  data)
{
  TallyViewerApplication *self = data;

  if (error != NULL)
    {
      g_printerr ("tally-viewer: --screenshot: %s\n", error->message);
      self->exit_status = 1;
    }
  g_application_quit (G_APPLICATION (self));
}

static TallyViewerWindow *
ensure_window (TallyViewerApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (tally_viewer_window_new (GTK_APPLICATION (self)));
  return TALLY_VIEWER_WINDOW (window);
}

static void
present (TallyViewerApplication *self,
         TallyViewerWindow      *window)
{
  if (self->screenshot != NULL)
    tally_viewer_screenshot_take (self->screenshot, window, on_screenshot_done, self);
  gtk_window_present (GTK_WINDOW (window));
}

/* A database opened with the first window: its newest run is read on a
 * thread while the window is built (tally-viewer-preload.h). */
static void
preload (TallyViewerApplication *self,
         const char             *path)
{
  if (gtk_application_get_active_window (GTK_APPLICATION (self)) == NULL
      && g_file_test (path, G_FILE_TEST_IS_REGULAR))
    tally_viewer_preload_start (path);
}

static void
tally_viewer_application_activate (GApplication *app)
{
  TallyViewerApplication *self = TALLY_VIEWER_APPLICATION (app);
  const char *env = g_getenv ("TALLY_DB");
  g_autofree char *path = g_strdup (env && *env ? env : ".tally/results.sqlite");
  gboolean first = gtk_application_get_active_window (GTK_APPLICATION (self)) == NULL;
  TallyViewerWindow *window;

  if (first)
    preload (self, path);
  window = ensure_window (self);
  if (tally_viewer_window_get_path (window) == NULL
      && (g_file_test (path, G_FILE_TEST_EXISTS) || self->screenshot != NULL))
    tally_viewer_window_open_path (window, path, NULL);
  present (self, window);
}

static void
tally_viewer_application_open (GApplication  *app,
                               GFile        **files,
                               int            n_files,
                               const char    *hint)
{
  TallyViewerApplication *self = TALLY_VIEWER_APPLICATION (app);
  g_autofree char *path = g_file_get_path (files[0]);
  TallyViewerWindow *window;

  if (path != NULL)
    preload (self, path);
  window = ensure_window (self);
  if (path != NULL)
    tally_viewer_window_open_path (window, path, NULL);
  present (self, window);
}

static int
tally_viewer_application_handle_local_options (GApplication *app,
                                               GVariantDict *options)
{
  TallyViewerApplication *self = TALLY_VIEWER_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      printf ("tally-viewer %s\n", PACKAGE_VERSION);
      return 0;
    }
  self->screenshot = tally_viewer_screenshot_from_options (options, &error);
  if (error != NULL)
    {
      g_printerr ("tally-viewer: %s\n", error->message);
      return 2;
    }

  return -1;
}

static void
tally_viewer_application_startup (GApplication *app)
{
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.rerun-failed", { "F5", NULL } },
    { "win.rerun-selected", { "<Shift>F5", NULL } },
    { "win.stop", { "<Control>period", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };

  G_APPLICATION_CLASS (tally_viewer_application_parent_class)->startup (app);

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Tally authors", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", "Tally Viewer",
                         "application-icon", "org.tally.Viewer",
                         "version", PACKAGE_VERSION,
                         "comments", "Browse test runs, read logs and rerun failing tests",
                         "license-type", GTK_LICENSE_LGPL_2_1,
                         "developers", developers,
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
tally_viewer_application_finalize (GObject *object)
{
  TallyViewerApplication *self = (TallyViewerApplication *) object;

  g_clear_pointer (&self->screenshot, tally_viewer_screenshot_free);

  G_OBJECT_CLASS (tally_viewer_application_parent_class)->finalize (object);
}

static void
tally_viewer_application_class_init (TallyViewerApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tally_viewer_application_finalize;

  app_class->activate = tally_viewer_application_activate;
  app_class->open = tally_viewer_application_open;
  app_class->handle_local_options = tally_viewer_application_handle_local_options;
  app_class->startup = tally_viewer_application_startup;
}

static void
tally_viewer_application_init (TallyViewerApplication *self)
{
  static const GActionEntry app_actions[] = {
    { "about", about_action },
    { "quit", quit_action },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
  g_application_add_main_option_entries (G_APPLICATION (self), tally_viewer_screenshot_option_entries ());
  g_application_set_option_context_parameter_string (G_APPLICATION (self), "[DATABASE]");
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            "Browse the runs stored by tally run, read their logs and rerun tests.\n"
                                            "DATABASE defaults to $TALLY_DB or .tally/results.sqlite.");
}
