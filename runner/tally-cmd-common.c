/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <unistd.h>

#include "tally-cmd-common.h"
#include "tally-commands.h"
#include "tally-error.h"
#include "tally-expr-private.h"

int
tally_cmd_fail (const char *cmd,
                int         status,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s: %s\n", cmd, message);
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

GPtrArray *
tally_cmd_discover (const char  *cmd,
                    char       **paths,
                    int         *status)
{
  g_autoptr(GPtrArray) programs = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_program_unref);

  for (guint i = 0; paths && paths[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      TallyProgram *program = tally_program_discover (paths[i], NULL, &error);

      if (program == NULL)
        {
          gboolean bad_input = g_error_matches (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND)
                               || (g_error_matches (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST)
                                   && !g_file_test (paths[i], G_FILE_TEST_IS_EXECUTABLE));

          *status = tally_cmd_fail (cmd, bad_input ? TALLY_EXIT_USAGE : TALLY_EXIT_INTERNAL_ERROR,
                                    "%s", error->message);
          return NULL;
        }
      g_ptr_array_add (programs, program);
    }

  return g_steal_pointer (&programs);
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
