/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "tally-viewer-settings.h"

#define GROUP "viewer"
#define EDITOR_KEY "editor"

static char *settings_path;

const char *
tally_viewer_settings_get_path (void)
{
  if (settings_path == NULL)
    settings_path = g_build_filename (g_get_user_config_dir (), "tally", "viewer.ini", NULL);
  return settings_path;
}

void
tally_viewer_settings_set_path (const char *path)
{
  g_clear_pointer (&settings_path, g_free);
  settings_path = g_strdup (path);
}

/* The key file as it is on disk; empty when there is none yet. */
static GKeyFile *
load (GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (file, tally_viewer_settings_get_path (), G_KEY_FILE_KEEP_COMMENTS,
                                  &local_error)
      && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ",
                                  tally_viewer_settings_get_path ());
      return NULL;
    }
  return g_steal_pointer (&file);
}

char *
tally_viewer_settings_dup_editor (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) file = load (&error);
  g_autofree char *command = NULL;

  if (file == NULL)
    {
      g_warning ("Cannot read the preferences: %s", error->message);
      return NULL;
    }
  command = g_key_file_get_string (file, GROUP, EDITOR_KEY, NULL);
  if (command != NULL)
    g_strstrip (command);
  return command != NULL && *command != '\0' ? g_steal_pointer (&command) : NULL;
}

gboolean
tally_viewer_settings_set_editor (const char  *command,
                                  GError     **error)
{
  g_autoptr(GKeyFile) file = load (error);
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (file == NULL)
    return FALSE;
  if (command != NULL && *command != '\0')
    g_key_file_set_string (file, GROUP, EDITOR_KEY, command);
  else
    g_key_file_remove_key (file, GROUP, EDITOR_KEY, NULL);

  dir = g_path_get_dirname (tally_viewer_settings_get_path ());
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "Cannot create %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  data = g_key_file_to_data (file, &len, NULL);
  return g_file_set_contents (tally_viewer_settings_get_path (), data, len, error);
}
