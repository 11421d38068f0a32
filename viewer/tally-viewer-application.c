/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <stdio.h>

#include "tally-viewer-application.h"
#include "tally-viewer-window.h"

/* Frames to let the window lay out and draw before a screenshot. */
#define SCREENSHOT_FRAMES 6

struct _TallyViewerApplication
{
  AdwApplication parent_instance;

  char *screenshot_path;
  int exit_status;
};

G_DEFINE_FINAL_TYPE (TallyViewerApplication, tally_viewer_application, ADW_TYPE_APPLICATION)

static const GOptionEntry main_entries[] = {
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    "Render the window (last run, first failure selected) to a PNG and exit", "FILE" },
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

gboolean
tally_viewer_render_png (GtkWidget   *window,
                         const char  *path,
                         GError     **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  if (renderer == NULL || width <= 0 || height <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown");
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
screenshot_tick_cb (GtkWidget     *widget,
                    GdkFrameClock *clock,
                    gpointer       user_data)
{
  TallyViewerApplication *self = user_data;
  guint frames;
  g_autoptr(GError) error = NULL;

  /* Frames count once the run's results are in (they load on a thread). */
  if (tally_viewer_window_is_loading (TALLY_VIEWER_WINDOW (widget)))
    return G_SOURCE_CONTINUE;
  frames = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "frames")) + 1;

  g_object_set_data (G_OBJECT (widget), "frames", GUINT_TO_POINTER (frames));
  /* Once the table has its size it can scroll to the selection. */
  if (frames == SCREENSHOT_FRAMES / 2)
    tally_viewer_window_select_first_failure (TALLY_VIEWER_WINDOW (widget));
  if (frames < SCREENSHOT_FRAMES)
    return G_SOURCE_CONTINUE;

  if (!tally_viewer_render_png (widget, self->screenshot_path, &error))
    {
      g_printerr ("tally-viewer: --screenshot: %s\n", error->message);
      self->exit_status = 1;
    }
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
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
  if (self->screenshot_path != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
      tally_viewer_window_select_first_failure (window);
      gtk_widget_add_tick_callback (GTK_WIDGET (window), screenshot_tick_cb, self, NULL);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
tally_viewer_application_activate (GApplication *app)
{
  TallyViewerApplication *self = TALLY_VIEWER_APPLICATION (app);
  TallyViewerWindow *window = ensure_window (self);

  if (tally_viewer_window_get_path (window) == NULL)
    {
      const char *env = g_getenv ("TALLY_DB");
      g_autofree char *path = g_strdup (env && *env ? env : ".tally/results.sqlite");

      if (g_file_test (path, G_FILE_TEST_EXISTS) || self->screenshot_path != NULL)
        tally_viewer_window_open_path (window, path, NULL);
    }
  present (self, window);
}

static void
tally_viewer_application_open (GApplication  *app,
                               GFile        **files,
                               int            n_files,
                               const char    *hint)
{
  TallyViewerApplication *self = TALLY_VIEWER_APPLICATION (app);
  TallyViewerWindow *window = ensure_window (self);
  g_autofree char *path = g_file_get_path (files[0]);

  if (path != NULL)
    tally_viewer_window_open_path (window, path, NULL);
  present (self, window);
}

static int
tally_viewer_application_handle_local_options (GApplication *app,
                                               GVariantDict *options)
{
  TallyViewerApplication *self = TALLY_VIEWER_APPLICATION (app);
  const char *screenshot = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      printf ("tally-viewer %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "screenshot", "^&ay", &screenshot))
    self->screenshot_path = g_canonicalize_filename (screenshot, NULL);

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

  g_free (self->screenshot_path);

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
  g_application_set_option_context_parameter_string (G_APPLICATION (self), "[DATABASE]");
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            "Browse the runs stored by `tally run`, read their logs and rerun tests.\n"
                                            "DATABASE defaults to $TALLY_DB or .tally/results.sqlite.");
}
