/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include "tally-viewer-location.h"
#include "tally-viewer-settings.h"
#include "tally-viewer-util.h"

#define URI_PREFIX "tally-location:"

/* A path-like word with an extension, a colon and a line number. */
static GRegex *
location_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("([A-Za-z0-9_.+~/-]*[A-Za-z0-9_+~-]\\.[A-Za-z0-9]{1,8}):([0-9]{1,7})",
                               G_REGEX_OPTIMIZE, 0, NULL);

      g_once_init_leave (&regex, r);
    }
  return regex;
}

static void
append_escaped (GString    *out,
                const char *text,
                gssize      len)
{
  g_autofree char *escaped = g_markup_escape_text (text, len);

  g_string_append (out, escaped);
}

char *
tally_viewer_location_markup (const char *text,
                              gssize      len)
{
  g_autofree char *shown = tally_viewer_text_for_display (text, len, -1);
  g_autoptr(GMatchInfo) match = NULL;
  GString *out = g_string_new (NULL);
  int done = 0;

  g_regex_match (location_regex (), shown, 0, &match);
  while (g_match_info_matches (match))
    {
      int start, end;
      g_autofree char *whole = g_match_info_fetch (match, 0);
      g_autofree char *uri = g_strconcat (URI_PREFIX, whole, NULL);
      g_autofree char *href = g_markup_escape_text (uri, -1);

      g_match_info_fetch_pos (match, 0, &start, &end);
      append_escaped (out, shown + done, start - done);
      g_string_append_printf (out, "<a href=\"%s\">", href);
      append_escaped (out, shown + start, end - start);
      g_string_append (out, "</a>");
      done = end;
      g_match_info_next (match, NULL);
    }
  append_escaped (out, shown + done, -1);
  return g_string_free (out, FALSE);
}

gboolean
tally_viewer_location_parse (const char  *uri,
                             char       **file,
                             int         *line)
{
  const char *colon;
  gint64 n;
  char *end = NULL;

  g_return_val_if_fail (uri != NULL, FALSE);

  if (g_str_has_prefix (uri, URI_PREFIX))
    uri += strlen (URI_PREFIX);
  colon = strrchr (uri, ':');
  if (colon == NULL || colon == uri)
    return FALSE;
  n = g_ascii_strtoll (colon + 1, &end, 10);
  if (end == colon + 1 || *end != '\0' || n < 0 || n > G_MAXINT)
    return FALSE;
  *file = g_strndup (uri, colon - uri);
  *line = (int) n;
  return TRUE;
}

char *
tally_viewer_location_resolve (const char *file,
                               const char *cwd,
                               const char *program)
{
  g_autofree char *in_cwd = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (file != NULL, NULL);

  if (g_path_is_absolute (file))
    return g_canonicalize_filename (file, NULL);

  in_cwd = g_canonicalize_filename (file, cwd);
  if (g_file_test (in_cwd, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&in_cwd);

  /* Debug info names files relative to where they were compiled, the
   * build directory: one of the program's parents, usually. */
  if (program != NULL && strchr (program, '/') != NULL)
    {
      g_autofree char *abs_program = g_canonicalize_filename (program, cwd);

      dir = g_path_get_dirname (abs_program);
    }
  for (int depth = 0; dir != NULL && depth < 6; depth++)
    {
      g_autofree char *candidate = g_canonicalize_filename (file, dir);
      g_autofree char *parent = NULL;

      if (g_file_test (candidate, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&candidate);
      parent = g_path_get_dirname (dir);
      if (strcmp (parent, dir) == 0)
        break;
      g_free (dir);
      dir = g_steal_pointer (&parent);
    }
  return g_steal_pointer (&in_cwd);
}

static char *
replace_all (const char *text,
             const char *file,
             const char *line)
{
  g_autoptr(GString) out = g_string_new (text);

  g_string_replace (out, "{file}", file, 0);
  g_string_replace (out, "{line}", line, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
tally_viewer_location_open (const char  *path,
                            int          line,
                            GError     **error)
{
  const char *env = g_getenv ("TALLY_EDITOR");
  g_autofree char *chosen = NULL;
  g_autofree char *uri = NULL;
  const char *editor = env;
  const char *source = "TALLY_EDITOR";

  g_return_val_if_fail (path != NULL, FALSE);

  /* The environment first (a session's choice), then the preferences. */
  if (editor == NULL || *editor == '\0')
    {
      editor = chosen = tally_viewer_settings_dup_editor ();
      source = "Editor preference";
    }
  if (editor != NULL && *editor != '\0')
    {
      g_auto(GStrv) argv = NULL;
      g_autofree char *line_text = g_strdup_printf ("%d", MAX (line, 1));

      if (!g_shell_parse_argv (editor, NULL, &argv, error))
        {
          g_prefix_error (error, "%s: ", source);
          return FALSE;
        }
      for (guint i = 0; argv[i] != NULL; i++)
        {
          char *arg = replace_all (argv[i], path, line_text);

          g_free (argv[i]);
          argv[i] = arg;
        }
      return g_spawn_async (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, error);
    }

  uri = g_filename_to_uri (path, NULL, error);
  if (uri == NULL)
    return FALSE;
  return g_app_info_launch_default_for_uri (uri, NULL, error);
}
