/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "tally-cmd-common.h"
#include "tally-commands.h"
#include "tally-error.h"
#include "tally-expr-private.h"
#include "tally-legacy-private.h"
#include "tally-text-private.h"

int
tally_cmd_fail (const char *cmd,
                int         status,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  g_autofree char *shown = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* Error lines name programs, test paths and what programs printed:
   * escape sequences among them are shown inert. */
  shown = tally_text_inert (message, -1, TRUE);
  fprintf (stderr, "%s: %s\n", cmd, shown);
  return status;
}

/**
 * tally_cmd_default_db_path:
 * @option_value: (nullable): the value of --db
 *
 * Returns: (transfer full): --db, else $TALLY_DB, else
 *   `.tally/results.sqlite` in the current directory
 */
char *
tally_cmd_default_db_path (const char *option_value)
{
  const char *env = g_getenv ("TALLY_DB");

  if (option_value != NULL)
    return g_strdup (option_value);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (".tally", "results.sqlite", NULL);
}

typedef struct
{
  TallyProgramSpec spec;
  TallyProgram *program;        /* out */
  GError *error;                /* out */
} Discovery;

static void
discover_in_thread (gpointer data,
                    gpointer user_data)
{
  Discovery *discovery = data;

  discovery->program = tally_program_discover_spec (&discovery->spec, NULL, &discovery->error);
}

/* Listing runs each program, so run several at once. */
static void
discover_all (GArray                     *discoveries,
              const TallyDiscoverOptions *options)
{
  GThreadPool *pool = g_thread_pool_new (discover_in_thread, NULL,
                                         MAX (2, 2 * (int) g_get_num_processors ()), FALSE, NULL);

  for (guint i = 0; i < discoveries->len; i++)
    {
      g_array_index (discoveries, Discovery, i).spec.listing_cache = options->listing_cache;
      if (discoveries->len == 1)
        g_array_index (discoveries, Discovery, i).spec.listing_fd = options->listing_fd;
      g_thread_pool_push (pool, &g_array_index (discoveries, Discovery, i), NULL);
    }
  if (options->while_listing != NULL)
    options->while_listing (options->while_listing_data);
  g_thread_pool_free (pool, FALSE, TRUE);
}

static gboolean
is_usage_error (const Discovery *discovery)
{
  return !discovery->spec.registered
         && (g_error_matches (discovery->error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND)
             || (g_error_matches (discovery->error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST)
                 && !g_file_test (discovery->spec.path, G_FILE_TEST_IS_EXECUTABLE)));
}

static gboolean
suite_selected (const TallyProgramSpec     *spec,
                const TallyDiscoverOptions *options)
{
  gboolean wanted = options->suites == NULL || options->suites[0] == NULL;

  if (spec->suites == NULL || spec->suites[0] == NULL)
    return TRUE;   /* not from meson: named or installed, so kept */
  for (guint i = 0; options->suites && options->suites[i]; i++)
    wanted |= tally_legacy_suite_matches (spec->suites, options->suites[i]);
  for (guint i = 0; options->no_suites && options->no_suites[i]; i++)
    wanted &= !tally_legacy_suite_matches (spec->suites, options->no_suites[i]);
  return wanted;
}

static void
add_registered (GArray                     *discoveries,
                GPtrArray                  *registered,
                GPtrArray                  *tests,
                const TallyDiscoverOptions *options)
{
  for (guint i = 0; i < tests->len; i++)
    {
      TallyRegisteredTest *test = g_ptr_array_index (tests, i);
      Discovery discovery = { test->spec };

      /* @registered takes the selected tests; the rest go with @tests. */
      if (!suite_selected (&test->spec, options))
        continue;
      g_ptr_array_add (registered, test);
      g_array_append_val (discoveries, discovery);
      tests->pdata[i] = NULL;
    }
}

/* Turns the command line into what to discover; FALSE with a printed
 * line (exit 4) for a bad argument. */
static gboolean
collect (const char                 *cmd,
         char                      **paths,
         const TallyDiscoverOptions *options,
         GArray                     *discoveries,
         GPtrArray                  *registered,
         int                        *deferred)
{
  for (guint i = 0; paths && paths[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) tests = NULL;
      Discovery discovery = { { .path = paths[i], .force_gtest = options->gtest } };

      if (!g_file_test (paths[i], G_FILE_TEST_IS_DIR))
        {
          g_array_append_val (discoveries, discovery);
          continue;
        }
      if (!(tests = tally_legacy_meson_tests (paths[i], &error)))
        return tally_cmd_fail (cmd, TALLY_EXIT_USAGE, "%s", error->message), FALSE;
      add_registered (discoveries, registered, tests, options);
    }

  for (guint i = 0; options->installed_tests && options->installed_tests[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) tests = tally_legacy_installed_tests (options->installed_tests[i],
                                                                 problems, &error);

      if (tests == NULL)
        return tally_cmd_fail (cmd, TALLY_EXIT_USAGE, "%s", error->message), FALSE;
      for (guint p = 0; p < problems->len; p++)
        *deferred = tally_cmd_fail (cmd, TALLY_EXIT_INTERNAL_ERROR, "%s",
                                    (char *) g_ptr_array_index (problems, p));
      add_registered (discoveries, registered, tests, options);
    }
  return TRUE;
}

static TallyMarkerRules *
load_marker_rules (const char                 *cmd,
                   const TallyDiscoverOptions *options,
                   int                        *status)
{
  g_autoptr(GError) error = NULL;
  const char *path = options->markers_file;
  TallyMarkerRules *rules;

  if (path == NULL && g_file_test (".tally/markers.ini", G_FILE_TEST_EXISTS))
    path = ".tally/markers.ini";
  if (path == NULL)
    return NULL;
  if (!(rules = tally_marker_rules_load (path, &error)))
    *status = tally_cmd_fail (cmd, TALLY_EXIT_USAGE, "%s", error->message);
  return rules;
}

GPtrArray *
tally_cmd_discover_full (const char                 *cmd,
                         char                      **paths,
                         const TallyDiscoverOptions *options,
                         int                        *status)
{
  static const TallyDiscoverOptions no_options = { 0 };
  g_autoptr(GPtrArray) programs = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_program_unref);
  g_autoptr(GPtrArray) registered = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_registered_test_free);
  g_autoptr(GArray) discoveries = g_array_new (FALSE, TRUE, sizeof (Discovery));
  g_autoptr(TallyMarkerRules) rules = NULL;
  int deferred = 0;

  options = options ? options : &no_options;
  *status = 0;
  if (!collect (cmd, paths, options, discoveries, registered, &deferred))
    return *status = TALLY_EXIT_USAGE, NULL;
  if (!(rules = load_marker_rules (cmd, options, status)) && *status != 0)
    return NULL;

  discover_all (discoveries, options);
  for (guint i = 0; i < discoveries->len; i++)
    {
      Discovery *discovery = &g_array_index (discoveries, Discovery, i);

      if (discovery->program == NULL && is_usage_error (discovery) && *status == 0)
        *status = tally_cmd_fail (cmd, TALLY_EXIT_USAGE, "%s", discovery->error->message);
      else if (discovery->program == NULL && *status == 0)
        deferred = tally_cmd_fail (cmd, TALLY_EXIT_INTERNAL_ERROR, "%s", discovery->error->message);
      else if (discovery->program != NULL)
        {
          if (discovery->program->note != NULL)
            tally_cmd_fail (cmd, 0, "%s: %s", discovery->program->name, discovery->program->note);
          if (rules != NULL)
            tally_marker_rules_apply (rules, discovery->program);
          g_ptr_array_add (programs, discovery->program);
        }
      g_clear_error (&discovery->error);
    }

  if (*status != 0)
    return NULL;
  *status = deferred;
  if (programs->len == 0 && deferred != 0)
    return NULL;
  return g_steal_pointer (&programs);
}

GPtrArray *
tally_cmd_discover (const char  *cmd,
                    char       **paths,
                    int         *status)
{
  return tally_cmd_discover_full (cmd, paths, NULL, status);
}

GPtrArray *
tally_cmd_select (const char *cmd,
                  GPtrArray  *programs,
                  const char *marker_expr,
                  const char *keyword_expr)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) markers = NULL;
  g_autoptr(TallyExpr) keywords = NULL;
  GPtrArray *selected;

  if (marker_expr && !(markers = tally_expr_parse_markers (marker_expr, &error)))
    {
      tally_cmd_fail (cmd, TALLY_EXIT_USAGE, "-m “%s”: %s", marker_expr, error->message);
      return NULL;
    }
  if (keyword_expr && !(keywords = tally_expr_parse_keywords (keyword_expr, &error)))
    {
      tally_cmd_fail (cmd, TALLY_EXIT_USAGE, "-k “%s”: %s", keyword_expr, error->message);
      return NULL;
    }

  selected = g_ptr_array_new ();
  for (guint p = 0; p < programs->len; p++)
    {
      TallyProgram *program = g_ptr_array_index (programs, p);

      for (guint i = 0; i < program->tests->len; i++)
        {
          TallyListedTest *test = g_ptr_array_index (program->tests, i);

          if (markers && !tally_expr_match_markers (markers, test->markers))
            continue;
          if (keywords)
            {
              g_autofree char *haystack = g_strdup_printf ("%s::%s", program->name, test->path);

              if (!tally_expr_match_keywords (keywords, haystack))
                continue;
            }
          g_ptr_array_add (selected, test);
        }
    }

  return selected;
}

static gboolean
is_declared (TallyProgram *program,
             const char   *name)
{
  for (guint i = 0; i < program->declared->len; i++)
    if (g_strcmp0 (((TallyDeclaredMarkerInfo *) g_ptr_array_index (program->declared, i))->name, name) == 0)
      return TRUE;
  return FALSE;
}

gboolean
tally_cmd_check_strict_markers (const char *cmd,
                                GPtrArray  *tests)
{
  for (guint i = 0; i < tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);

      for (guint m = 0; m < tally_markers_get_n_markers (test->markers); m++)
        {
          const char *name = tally_markers_get_name (test->markers, m);

          if (tally_marker_is_builtin (name) || is_declared (test->program, name))
            continue;

          tally_cmd_fail (cmd, TALLY_EXIT_USAGE,
                          "%s::%s uses the undeclared marker “%s” (--strict-markers; "
                          "declare it with tally_declare_marker ())",
                          test->program->name, test->path, name);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
tally_cmd_use_colour (FILE *stream)
{
  const char *no_colour = g_getenv ("NO_COLOR");

  return (no_colour == NULL || *no_colour == '\0') && isatty (fileno (stream));
}

