/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "tally-error.h"
#include "tally-expr-private.h"
#include "tally-gtest-private.h"
#include "tally-main.h"
#include "tally-main-private.h"
#include "tally-processes-private.h"
#include "tally-processes-private.h"
#include "tally-test-private.h"

static TallyProgramOptions options;
static gboolean initialized;
static int init_status = -1;   /* an exit status if the command line was bad */

static gboolean
parse_leaks (const char  *option_name,
             const char  *value,
             gpointer     data,
             GError     **error)
{
  if (g_strcmp0 (value, "fail") == 0)
    options.exec.leaks = TALLY_LEAKS_FAIL;
  else if (g_strcmp0 (value, "warn") == 0)
    options.exec.leaks = TALLY_LEAKS_WARN;
  else if (g_strcmp0 (value, "ignore") == 0)
    options.exec.leaks = TALLY_LEAKS_IGNORE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--leaks takes fail, warn or ignore, not “%s”", value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_timeout (const char  *option_name,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  char *end = NULL;
  double timeout = g_ascii_strtod (value, &end);

  if (end == value || *end != '\0' || timeout < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--timeout takes a number of seconds, not “%s”", value);
      return FALSE;
    }
  options.exec.default_timeout_s = timeout;
  return TRUE;
}

static gboolean
ignore_option (const char  *option_name,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  return TRUE;
}

static const GOptionEntry entries[] = {
  { "list", 'l', 0, G_OPTION_ARG_NONE, &options.list_paths, "List test paths and exit", NULL },
  { "path", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &options.only_paths, "Run only this test (repeatable)", "PATH" },
  { "skip", 's', 0, G_OPTION_ARG_STRING_ARRAY, &options.skip_paths, "Skip this test (repeatable)", "PATH" },
  { "markers", 'm', 0, G_OPTION_ARG_STRING, &options.marker_expr, "Run tests whose markers match EXPR", "EXPR" },
  { "keyword", 'k', 0, G_OPTION_ARG_STRING, &options.keyword_expr, "Run tests whose path matches EXPR", "EXPR" },
  { "leaks", 0, 0, G_OPTION_ARG_CALLBACK, parse_leaks, "What leftover sources do: fail, warn or ignore", "POLICY" },
  { "timeout", 0, 0, G_OPTION_ARG_CALLBACK, parse_timeout, "Default per-test timeout in seconds (0: none)", "SECONDS" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options.verbose, "Show the log and output of passing tests too", NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options.quiet, "Show less", NULL },
  { "tap", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, ignore_option, "Print TAP (the default)", NULL },
  { "tally-list", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &options.tally_list, NULL, NULL },
  { "tally-worker", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &options.tally_worker, NULL, NULL },
  { NULL }
};

/**
 * tally_init:
 * @argc: address of main()'s argc
 * @argv: address of main()'s argv
 *
 * Prepares a test program: installs log capture and reads the command
 * line (GTest-compatible `-l`, `-p PATH`, `-s PATH`, `--tap`, plus `-m`,
 * `-k`, `--leaks`, `--timeout`). Call it first in main(), register the
 * tests, then return tally_run().
 */
void
tally_init (int    *argc,
            char ***argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (!initialized);
  initialized = TRUE;

  setlocale (LC_ALL, "");
  tally_caplog_install ();
  tally_gtest_setup (argc, argv);

  options.program = (*argc > 0) ? (*argv)[0] : "test";
  options.argv = g_strdupv (*argv);
  options.exec.default_timeout_s = TALLY_DEFAULT_TIMEOUT_S;
  options.exec.leaks = TALLY_LEAKS_FAIL;

  context = g_option_context_new ("- run the tests of this program");
  g_option_context_set_summary (context,
    "Runs this program's tests one after another and prints TAP.\n"
    "Use `tally run PROGRAM` to run them in parallel and store the results.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "%s: %s\n", options.program, error->message);
      init_status = 4;
    }
  else if (*argc > 1)
    {
      fprintf (stderr, "%s: unexpected argument “%s”\n", options.program, (*argv)[1]);
      init_status = 4;
    }
}

static gboolean
path_in (const char *path,
         char      **paths)
{
  return paths != NULL && g_strv_contains ((const char * const *) paths, path);
}

GArray *
tally_program_select (TallyProgramOptions  *opts,
                      GError              **error)
{
  guint n_tests = tally_registry_get_n_tests ();
  g_autoptr(GArray) selected = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(TallyExpr) markers = NULL;
  g_autoptr(TallyExpr) keywords = NULL;

  if (opts->marker_expr != NULL
      && !(markers = tally_expr_parse_markers (opts->marker_expr, error)))
    {
      g_prefix_error (error, "-m “%s”: ", opts->marker_expr);
      return NULL;
    }

  if (opts->keyword_expr != NULL
      && !(keywords = tally_expr_parse_keywords (opts->keyword_expr, error)))
    {
      g_prefix_error (error, "-k “%s”: ", opts->keyword_expr);
      return NULL;
    }

  for (guint i = 0; opts->only_paths && opts->only_paths[i]; i++)
    {
      if (!tally_registry_lookup (opts->only_paths[i], NULL))
        {
          g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND,
                       "-p: no test has the path “%s”", opts->only_paths[i]);
          return NULL;
        }
    }

  for (guint i = 0; i < n_tests; i++)
    {
      TallyTestCase test_case;
      TallyTestCase *tc = &test_case;

      tally_registry_get_test (i, tc);
      if (opts->only_paths && !path_in (tc->path, opts->only_paths))
        continue;
      if (path_in (tc->path, opts->skip_paths))
        continue;
      if (markers && !tally_expr_match_markers (markers, tc->markers))
        continue;
      if (keywords)
        {
          g_autofree char *haystack = g_strdup_printf ("%s::%s", opts->program, tc->path);

          if (!tally_expr_match_keywords (keywords, haystack))
            continue;
        }
      g_array_append_val (selected, i);
    }

  return g_steal_pointer (&selected);
}

/**
 * tally_run:
 *
 * Runs the registered tests as the command line asked: standalone (TAP,
 * one after another, in this process), as a worker of `tally run`, or
 * listing them.
 *
 * Returns: the exit status for main(): 0 if every selected test passed
 */
int
tally_run (void)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_return_val_if_fail (initialized, 3);

  if (init_status >= 0)
    return init_status;

  if (!tally_registry_check (&error))
    {
      fprintf (stderr, "%s: %s\n", options.program, error->message);
      if (!options.tally_list && !options.tally_worker)
        printf ("Bail out! %s\n", error->message);
      return 4;
    }

  if (options.tally_list)
    status = tally_list_main (&options);
  else if (options.tally_worker)
    status = tally_worker_main (&options);
  else if (tally_gtest_in_subprocess ())
    status = tally_gtest_subprocess_main (&options);
  else
    status = tally_standalone_main (&options);

  tally_worker_fixtures_shutdown ();
  /* After the fixtures' teardowns: what is still running goes. */
  tally_processes_kill_all ();
  fflush (stdout);

  return status;
}
