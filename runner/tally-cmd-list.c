/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <json-glib/json-glib.h>

#include "tally-cmd-common.h"
#include "tally-commands.h"
#include "tally-text-private.h"

#define CMD "tally list"

static void
print_json (GPtrArray *tests)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);
      g_autofree char *markers = tally_markers_to_string (test->markers);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "program");
      json_builder_add_string_value (builder, test->program->name);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, test->path);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, test->file);
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, test->line);
      json_builder_set_member_name (builder, "markers");
      json_builder_add_string_value (builder, markers);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

static void
print_plain (GPtrArray *tests,
             gboolean   verbose)
{
  for (guint i = 0; i < tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);
      g_autofree char *markers = tally_markers_to_string (test->markers);
      g_autofree char *name = tally_text_inert (test->program->name, -1, FALSE);
      g_autofree char *path = tally_text_inert (test->path, -1, FALSE);

      printf ("%s::%s", name, path);
      if (markers && *markers)
        {
          g_autofree char *inert = tally_text_inert (markers, -1, FALSE);
          printf ("  [%s]", inert);
        }
      if (verbose && test->file)
        {
          g_autofree char *file = tally_text_inert (test->file, -1, FALSE);

          printf ("  (%s:%d)", file, test->line);
        }
      printf ("\n");
    }
  printf ("%u test%s\n", tests->len, tests->len == 1 ? "" : "s");
}

int
tally_cmd_list (int    argc,
                char **argv)
{
  g_autofree char *marker_expr = NULL;
  g_autofree char *keyword_expr = NULL;
  g_auto(GStrv) paths = NULL;
  gboolean json = FALSE, verbose = FALSE, strict = FALSE;
  g_auto(GStrv) suites = NULL;
  g_auto(GStrv) no_suites = NULL;
  g_auto(GStrv) installed_tests = NULL;
  g_autofree char *markers_file = NULL;
  TallyDiscoverOptions discover = { 0 };
  GOptionEntry entries[] = {
    { "markers", 'm', 0, G_OPTION_ARG_STRING, &marker_expr, "Only tests whose markers match EXPR", "EXPR" },
    { "keyword", 'k', 0, G_OPTION_ARG_STRING, &keyword_expr, "Only tests whose “program::path” matches EXPR", "EXPR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Show where each test is registered", NULL },
    { "strict-markers", 0, 0, G_OPTION_ARG_NONE, &strict, "Refuse undeclared markers", NULL },
    { "gtest", 0, 0, G_OPTION_ARG_NONE, &discover.gtest, "Treat the programs as plain GTest binaries (list with -l)", NULL },
    { "suite", 0, 0, G_OPTION_ARG_STRING_ARRAY, &suites, "Only meson tests in SUITE (repeatable)", "SUITE" },
    { "no-suite", 0, 0, G_OPTION_ARG_STRING_ARRAY, &no_suites, "No meson tests in SUITE (repeatable)", "SUITE" },
    { "installed-tests", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &installed_tests, "The installed tests (.test files) in DIR, or of NAME", "DIR|NAME" },
    { "markers-file", 0, 0, G_OPTION_ARG_FILENAME, &markers_file, "Markers for tests by glob (default .tally/markers.ini)", "PATH" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "PROGRAM…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PROGRAM… - list tests and their markers");
  g_autoptr(GPtrArray) programs = NULL;
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(GError) error = NULL;
  int status = TALLY_EXIT_USAGE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
  if (paths == NULL && installed_tests == NULL)
    return tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "no test programs given (try `tally list PROGRAM…`)");

  discover.suites = suites;
  discover.no_suites = no_suites;
  discover.installed_tests = installed_tests;
  discover.markers_file = markers_file;
  if (!(programs = tally_cmd_discover_full (CMD, paths, &discover, &status)))
    return status;
  if (!(tests = tally_cmd_select (CMD, programs, marker_expr, keyword_expr)))
    return TALLY_EXIT_USAGE;
  if (strict && !tally_cmd_check_strict_markers (CMD, tests))
    return TALLY_EXIT_USAGE;

  if (json)
    print_json (tests);
  else
    {
      /* -v says what each program was taken for, and why. */
      for (guint i = 0; verbose && i < programs->len; i++)
        {
          TallyProgram *program = g_ptr_array_index (programs, i);
          g_autofree char *name = tally_text_inert (program->name, -1, FALSE);

          printf ("# %s: read as %s\n", name, program->taken_for ? program->taken_for : "?");
        }
      print_plain (tests, verbose);
    }

  if (status != 0)
    return status;   /* a program was left out */
  return tests->len > 0 ? TALLY_EXIT_OK : TALLY_EXIT_NO_TESTS;
}
