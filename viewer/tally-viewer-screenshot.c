/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include "tally-viewer-screenshot.h"
#include "tally-viewer-window-private.h"

/* Frames to let the window lay out and draw, once the run is read. */
#define SETTLE_FRAMES 8

static const GOptionEntry screenshot_entries[] = {
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    "Render the window (last run, first failure selected) to a PNG and exit", "FILE" },
  { "run", 0, 0, G_OPTION_ARG_INT64, NULL, "With --screenshot: show run N (default: the newest)", "N" },
  { "select", 0, 0, G_OPTION_ARG_STRING, NULL,
    "With --screenshot: select this test (default: the first failure)", "PROGRAM::PATH" },
  { "filter", 0, 0, G_OPTION_ARG_STRING, NULL, "With --screenshot: type TEXT in the search field", "TEXT" },
  { "view", 0, 0, G_OPTION_ARG_STRING, NULL, "With --screenshot: the results as a table or a tree", "table|tree" },
  { "tab", 0, 0, G_OPTION_ARG_STRING, NULL, "With --screenshot: the detail pane's page", "NAME" },
  { "color-scheme", 0, 0, G_OPTION_ARG_STRING, NULL, "With --screenshot: light or dark", "light|dark" },
  { "page", 0, 0, G_OPTION_ARG_STRING, NULL,
    "With --screenshot: show a page instead of the results (the selected test's history)",
    "compare|history|flaky" },
  { "width", 0, 0, G_OPTION_ARG_INT, NULL, "With --screenshot: the window's width (default 1400)", "W" },
  { "height", 0, 0, G_OPTION_ARG_INT, NULL, "With --screenshot: the window's height (default 900)", "H" },
  { NULL }
};

const GOptionEntry *
tally_viewer_screenshot_option_entries (void)
{
  return screenshot_entries;
}

void
tally_viewer_screenshot_free (TallyViewerScreenshot *shot)
{
  if (shot == NULL)
    return;
  g_free (shot->path);
  g_free (shot->select);
  g_free (shot->filter);
  g_free (shot->view);
  g_free (shot->tab);
  g_free (shot->color_scheme);
  g_free (shot->page);
  g_free (shot);
}

static gboolean
check_choice (const char  *option,
              const char  *value,
              const char  *choices,
              GError     **error)
{
  g_auto(GStrv) words = g_strsplit (choices, "|", -1);

  if (value == NULL || g_strv_contains ((const char * const *) words, value))
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s must be one of %s, not %s",
               option, choices, value);
  return FALSE;
}

TallyViewerScreenshot *
tally_viewer_screenshot_from_options (GVariantDict  *options,
                                      GError       **error)
{
  g_autoptr(TallyViewerScreenshot) shot = NULL;
  const char *path = NULL;

  if (!g_variant_dict_lookup (options, "screenshot", "^&ay", &path))
    {
      static const char *only[] = { "run", "select", "filter", "view", "tab", "color-scheme", "page",
                                    "width", "height" };

      for (guint i = 0; i < G_N_ELEMENTS (only); i++)
        if (g_variant_dict_contains (options, only[i]))
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--%s needs --screenshot FILE", only[i]);
            return NULL;
          }
      return NULL;
    }

  shot = g_new0 (TallyViewerScreenshot, 1);
  shot->path = g_canonicalize_filename (path, NULL);
  shot->width = 1400;
  shot->height = 900;
  g_variant_dict_lookup (options, "run", "x", &shot->run_id);
  g_variant_dict_lookup (options, "select", "s", &shot->select);
  g_variant_dict_lookup (options, "filter", "s", &shot->filter);
  g_variant_dict_lookup (options, "view", "s", &shot->view);
  g_variant_dict_lookup (options, "tab", "s", &shot->tab);
  g_variant_dict_lookup (options, "color-scheme", "s", &shot->color_scheme);
  g_variant_dict_lookup (options, "page", "s", &shot->page);
  g_variant_dict_lookup (options, "width", "i", &shot->width);
  g_variant_dict_lookup (options, "height", "i", &shot->height);

  if (!check_choice ("view", shot->view, "table|tree", error)
      || !check_choice ("color-scheme", shot->color_scheme, "light|dark", error)
      || !check_choice ("page", shot->page, "compare|history|flaky", error))
    return NULL;
  if (shot->width < 200 || shot->height < 200 || shot->width > 8000 || shot->height > 8000)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--width and --height: 200 to 8000 pixels");
      return NULL;
    }
  if (shot->select != NULL && strstr (shot->select, "::") == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--select takes PROGRAM::PATH");
      return NULL;
    }
  return g_steal_pointer (&shot);
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

typedef struct
{
  TallyViewerScreenshot *shot;
  TallyViewerWindow *window;
  void (*done) (GError *error, gpointer data);
  gpointer data;
  guint frames;
  GError *error;
} Taking;

/* A property another widget may not have yet (it is added by another
 * change): set it when it exists, else say so once. */
static void
set_if_known (gpointer    object,
              const char *property,
              const char *value)
{
  GParamSpec *pspec;

  if (value == NULL || object == NULL)
    return;
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), property);
  /* A string property takes the name; an enum one its nick. */
  if (pspec != NULL && G_IS_PARAM_SPEC_STRING (pspec))
    g_object_set (object, property, value, NULL);
  else if (pspec != NULL && G_IS_PARAM_SPEC_ENUM (pspec)
           && g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, value) != NULL)
    g_object_set (object, property, g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, value)->value,
                  NULL);
  else
    g_printerr ("tally-viewer: --screenshot: this build has no %s %s %s; ignored\n",
                G_OBJECT_TYPE_NAME (object), property, value);
}

static void
select_test (Taking *t)
{
  g_autoptr(GPtrArray) shown = NULL;

  if (t->shot->select == NULL)
    {
      tally_viewer_window_select_first_failure (t->window);
      return;
    }
  shown = tally_viewer_window_dup_shown (t->window);
  for (guint i = 0; i < shown->len; i++)
    if (strcmp (g_ptr_array_index (shown, i), t->shot->select) == 0)
      {
        tally_viewer_window_select_position (t->window, i);
        return;
      }
  g_set_error (&t->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "--select %s: no such test is shown",
               t->shot->select);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Taking *t = user_data;

  /* Frames count once the run's results are in (they load on a thread). */
  if (tally_viewer_window_is_loading (t->window))
    return G_SOURCE_CONTINUE;
  t->frames++;

  /* Once the table has its size it can scroll to the selection. */
  if (t->frames == SETTLE_FRAMES / 4)
    {
      set_if_known (tally_viewer_window_get_results_view (t->window), "view-mode", t->shot->view);
      if (t->shot->filter != NULL)
        gtk_editable_set_text (tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (t->window)),
                               t->shot->filter);
    }
  if (t->frames == SETTLE_FRAMES / 2 && t->error == NULL && !tally_viewer_window_is_loading (t->window))
    select_test (t);
  if (t->frames == SETTLE_FRAMES / 2 + 1 && t->error == NULL)
    {
      set_if_known (tally_viewer_window_get_detail (t->window), "visible-page", t->shot->tab);
      if (t->shot->page != NULL && !tally_viewer_window_show_page (t->window, t->shot->page))
        g_set_error (&t->error, G_IO_ERROR, G_IO_ERROR_FAILED, "--page %s: cannot show it here", t->shot->page);
    }
  if (t->frames < SETTLE_FRAMES && t->error == NULL)
    return G_SOURCE_CONTINUE;

  if (t->error == NULL)
    tally_viewer_render_png (widget, t->shot->path, &t->error);
  t->done (t->error, t->data);
  g_clear_error (&t->error);
  g_free (t);
  return G_SOURCE_REMOVE;
}

void
tally_viewer_screenshot_take (TallyViewerScreenshot *shot,
                              TallyViewerWindow     *window,
                              void                 (*done) (GError *error, gpointer data),
                              gpointer               data)
{
  Taking *t = g_new0 (Taking, 1);
  AdwStyleManager *style = adw_style_manager_get_default ();

  t->shot = shot;
  t->window = window;
  t->done = done;
  t->data = data;

  /* The state itself, not a crossfade towards it. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), shot->width, shot->height);
  if (g_strcmp0 (shot->color_scheme, "dark") == 0)
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  else if (g_strcmp0 (shot->color_scheme, "light") == 0)
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  if (shot->run_id > 0 && !tally_viewer_window_select_run (window, shot->run_id))
    g_set_error (&t->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "--run %" G_GINT64_FORMAT ": no such run",
                 shot->run_id);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), tick_cb, t, NULL);
}
