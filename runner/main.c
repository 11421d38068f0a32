/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tally-child-private.h"
#include "tally-commands.h"
#include "tally-signals-private.h"
#include "tally-worker-proc-private.h"

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "run", tally_cmd_run, "run tests in parallel, store the results, report" },
  { "list", tally_cmd_list, "collect tests and show them with their markers" },
  { "show", tally_cmd_show, "show a stored run: summary, failures and their logs" },
  { "history", tally_cmd_history, "show a test's outcomes and durations across runs" },
  { "merge", tally_cmd_merge, "join result databases (CI shards) into one" },
  { "markers", tally_cmd_markers, "list built-in and declared markers" },
  { "debug", tally_cmd_debug, "rerun one test alone under gdb, stopped at its crash" },
#ifdef TALLY_HAVE_VIEWER
  { "view", tally_cmd_view, "browse the results in tally-viewer (the GUI)" },
#endif
};

static void
usage (FILE *stream)
{
  fprintf (stream, "Usage: tally COMMAND [OPTION…]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf (stream, "\nRun `tally COMMAND --help` for a command's options.\n");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *self = NULL;

  /* Starting a GTest program for the runner (tally-child-private.h):
   * before anything else, and with the descriptors it was given. */
  if (argc > 1 && strcmp (argv[1], TALLY_EXEC_CHILD_ARG) == 0)
    tally_exec_child_main (argc, argv);

  setlocale (LC_ALL, "");
  /* Children are started with inherited descriptors (GLib's posix_spawn
   * path): those we were given stay ours. */
  tally_close_inherited_fds_on_exec ();
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self != NULL && g_file_test (self, G_FILE_TEST_IS_EXECUTABLE))
    tally_child_find_exec_helper (self);
  tally_signals_unblock_all ();
  {
    /* A run catches these itself; `nohup tally …` keeps its meaning
     * until it does. */
    static const int keep[] = { SIGHUP, SIGINT, SIGTERM, 0 };

    tally_signals_default_ignored (keep);
  }

  if (argc < 2)
    {
      usage (stderr);
      return TALLY_EXIT_USAGE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return TALLY_EXIT_OK;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("tally %s\n", PACKAGE_VERSION);
      return TALLY_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        {
          g_autofree char *argv0 = g_strdup_printf ("tally %s", commands[i].name);

          argv[1] = argv0;
          return commands[i].run (argc - 1, argv + 1);
        }
    }

  fprintf (stderr, "tally: unknown command “%s” (try `tally --help`)\n", argv[1]);
  return TALLY_EXIT_USAGE;
}
