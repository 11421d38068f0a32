/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tally-cmd-common.h"
#include "tally-commands.h"

#define CMD "tally view"

/* tally-viewer next to this tally (installed), in the build tree's
 * viewer/ beside runner/, or in PATH. */
static char *
find_viewer (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  const char *candidates[] = { "tally-viewer", "../viewer/tally-viewer" };

  for (guint i = 0; dir != NULL && i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = g_build_filename (dir, candidates[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return g_find_program_in_path ("tally-viewer");
}

/* `tally view [DB]`: an alias of `tally-viewer [DB]`. */
int
tally_cmd_view (int    argc,
                char **argv)
{
  g_autofree char *viewer = find_viewer ();
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  if (viewer == NULL)
    return tally_cmd_fail (CMD, TALLY_EXIT_INTERNAL_ERROR, "cannot find tally-viewer");

  g_ptr_array_add (args, viewer);
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);

  execv (viewer, (char **) args->pdata);
  return tally_cmd_fail (CMD, TALLY_EXIT_INTERNAL_ERROR, "cannot run %s: %s", viewer, g_strerror (errno));
}
