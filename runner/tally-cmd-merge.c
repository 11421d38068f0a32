/* tally merge OUT IN… — join result databases (CI shards)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-cmd-common.h"
#include "tally-commands.h"
#include "tally-error.h"
#include "tally-store-private.h"

#define CMD "tally merge"

/* Refuses bad inputs before OUT is created or touched. */
static gboolean
check_inputs (char    **in_paths,
              GError  **error)
{
  for (guint i = 0; in_paths[i] != NULL; i++)
    {
      g_autoptr(TallyStore) in = tally_store_open_readonly (in_paths[i], error);

      if (in == NULL)
        return FALSE;
    }

  return TRUE;
}

int
tally_cmd_merge (int    argc,
                 char **argv)
{
  g_auto(GStrv) paths = NULL;
  GOptionEntry entries[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "OUT IN…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("OUT IN… - join result databases");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) out = NULL;
  gint64 runs_before = 0, results_before = 0, runs_after = 0, results_after = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
  if (paths == NULL || g_strv_length (paths) < 2)
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE,
                           "expected an output database and at least one input (tally merge OUT IN…)");

  if (!check_inputs (paths + 1, &error)
      || !(out = tally_store_open (paths[0], &error))
      || !tally_store_count_rows (out, &runs_before, &results_before, &error)
      || !tally_store_merge (out, (const char * const *) paths + 1, &error)
      || !tally_store_count_rows (out, &runs_after, &results_after, &error))
    {
      gboolean bad_input = error->domain == TALLY_ERROR
                           && (error->code == TALLY_ERROR_DATABASE
                               || error->code == TALLY_ERROR_INVALID
                               || error->code == TALLY_ERROR_NOT_FOUND);

      return tally_cmd_fail (CMD, bad_input ? TALLY_EXIT_USAGE : TALLY_EXIT_INTERNAL_ERROR,
                             "%s", error->message);
    }

  printf ("Merged %u database%s into %s: %" G_GINT64_FORMAT " run%s, %" G_GINT64_FORMAT
          " result%s added (already present runs skipped)\n",
          g_strv_length (paths) - 1, g_strv_length (paths) > 2 ? "s" : "", paths[0],
          runs_after - runs_before, runs_after - runs_before == 1 ? "" : "s",
          results_after - results_before, results_after - results_before == 1 ? "" : "s");
  return TALLY_EXIT_OK;
}
