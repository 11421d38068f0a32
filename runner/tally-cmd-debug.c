/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tally-cmd-common.h"
#include "tally-rerun-private.h"
#include "tally-commands.h"

#define CMD "tally debug"

/* `tally debug PROGRAM::PATH`: reruns exactly that test, alone and
 * standalone (`PROGRAM -p PATH`, as `tally show` prints it), under gdb,
 * which runs it at once and stops where it crashes. gdb replaces tally:
 * exec with an argument vector, no shell. */

int
tally_cmd_debug (int    argc,
                 char **argv)
{
  g_auto(GStrv) rest = NULL;
  g_autofree char *debugger = NULL;
  gboolean batch = FALSE, print_only = FALSE;
  GOptionEntry entries[] = {
    { "gdb", 0, 0, G_OPTION_ARG_FILENAME, &debugger, "The debugger to run (default: gdb)", "PATH" },
    { "batch", 0, 0, G_OPTION_ARG_NONE, &batch, "Run, print the backtrace and exit (gdb -batch)", NULL },
    { "print", 0, 0, G_OPTION_ARG_NONE, &print_only, "Print the command instead of running it", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "PROGRAM::PATH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PROGRAM::PATH - rerun one test under gdb");
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) rerun = NULL;
  g_auto(GStrv) gdb_argv = NULL;
  g_autofree char *program = NULL;
  const char *separator;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
  if (rest == NULL || rest[0] == NULL || rest[1] != NULL)
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "give one test as PROGRAM::PATH");

  separator = g_strrstr (rest[0], "::");
  if (separator == NULL || separator == rest[0] || separator[2] == '\0')
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "“%s” is not PROGRAM::PATH", rest[0]);
  program = g_strndup (rest[0], separator - rest[0]);
  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE) || g_file_test (program, G_FILE_TEST_IS_DIR))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s: not an executable program", program);

  rerun = tally_rerun_argv (program, separator + 2);
  g_strv_builder_add (builder, debugger ? debugger : "gdb");
  g_strv_builder_add (builder, "-q");
  if (batch)
    g_strv_builder_add (builder, "-batch");
  g_strv_builder_add_many (builder, "-ex", "run", NULL);
  if (batch)
    g_strv_builder_add_many (builder, "-ex", "bt", NULL);
  g_strv_builder_add (builder, "--args");
  g_strv_builder_addv (builder, (const char **) rerun);
  gdb_argv = g_strv_builder_end (builder);

  if (print_only)
    {
      g_autofree char *line = tally_shell_join ((const char * const *) gdb_argv);

      printf ("%s\n", line);
      return TALLY_EXIT_OK;
    }

  fflush (stdout);
  execvp (gdb_argv[0], gdb_argv);
  return tally_cmd_fail (CMD, TALLY_EXIT_INTERNAL_ERROR, "cannot run %s: %s", gdb_argv[0],
                         g_strerror (errno));
}
