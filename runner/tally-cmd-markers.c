/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-cmd-common.h"
#include "tally-commands.h"
#include "tally-text-private.h"

#define CMD "tally markers"

int
tally_cmd_markers (int    argc,
                   char **argv)
{
  g_auto(GStrv) paths = NULL;
  GOptionEntry entries[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "[PROGRAM…]" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[PROGRAM…] - list markers");
  g_autoptr(GPtrArray) programs = NULL;
  g_autoptr(GError) error = NULL;
  const TallyMarkerInfo *builtin;
  guint n_builtin = 0;
  int status = TALLY_EXIT_OK;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);

  builtin = tally_markers_builtin (&n_builtin);
  printf ("Built-in markers:\n");
  for (guint i = 0; i < n_builtin; i++)
    printf ("  %-10s %s\n", builtin[i].name, builtin[i].description);

  if (paths == NULL)
    return TALLY_EXIT_OK;
  if (!(programs = tally_cmd_discover (CMD, paths, &status)))
    return status;

  for (guint p = 0; p < programs->len; p++)
    {
      TallyProgram *program = g_ptr_array_index (programs, p);

      if (program->declared->len == 0)
        continue;
      g_autofree char *program_name = tally_text_inert (program->name, -1, FALSE);

      printf ("\nDeclared by %s:\n", program_name);
      for (guint i = 0; i < program->declared->len; i++)
        {
          TallyDeclaredMarkerInfo *info = g_ptr_array_index (program->declared, i);
          /* Both come from the program's listing. */
          g_autofree char *name = tally_text_inert (info->name, -1, FALSE);
          g_autofree char *description = tally_text_inert (info->description, -1, FALSE);

          printf ("  %-10s %s\n", name, description);
        }
    }

  return TALLY_EXIT_OK;
}
