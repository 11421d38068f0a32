/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-error.h"
#include "tally-registry-private.h"
#include "tally-test.h"

/* Registration happens from main() before tally_run(); nothing here is
 * called from more than one thread, except the worker-fixture lookups,
 * which hold fixtures_lock. */
static GPtrArray *tests;            /* of TallyTestCase */
static GHashTable *tests_by_path;   /* path → TallyTestCase */
static GPtrArray *declared;         /* of TallyDeclaredMarker */
static GError *first_error;         /* the first bad registration */

static void
test_case_free (gpointer data)
{
  TallyTestCase *tc = data;

  g_free (tc->path);
  g_free (tc->file);
  g_clear_pointer (&tc->markers, tally_markers_unref);
  g_free (tc);
}

static void
ensure_registry (void)
{
  if G_LIKELY (tests != NULL)
    return;

  tests = g_ptr_array_new_with_free_func (test_case_free);
  tests_by_path = g_hash_table_new (g_str_hash, g_str_equal);
  declared = g_ptr_array_new ();
}

static void
record_error (const char *file,
              int         line,
              const char *format,
              ...) G_GNUC_PRINTF (3, 4);

static void
record_error (const char *file,
              int         line,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (first_error != NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  first_error = g_error_new (TALLY_ERROR, TALLY_ERROR_INVALID,
                             "%s:%d: %s", file ? file : "?", line, message);
}

static gboolean
check_path (const char *path,
            const char *file,
            int         line)
{
  if (path == NULL || path[0] != '/')
    {
      record_error (file, line, "test path “%s” does not start with “/”",
                    path ? path : "(null)");
      return FALSE;
    }

  if (!g_utf8_validate (path, -1, NULL))
    {
      record_error (file, line, "test path is not valid UTF-8");
      return FALSE;
    }

  if (g_hash_table_contains (tests_by_path, path))
    {
      TallyTestCase *first = g_hash_table_lookup (tests_by_path, path);

      record_error (file, line, "duplicate test path “%s” (first registered at %s:%d)",
                    path, first->file, first->line);
      return FALSE;
    }

  return TRUE;
}

static TallyTestCase *
add_test (const char *path,
          const char *markers,
          const char *file,
          int         line)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) parsed = NULL;
  TallyTestCase *tc;

  ensure_registry ();

  if (!check_path (path, file, line))
    return NULL;

  parsed = tally_markers_parse (markers, &error);
  if (parsed == NULL)
    {
      record_error (file, line, "bad markers “%s” for %s: %s",
                    markers, path, error->message);
      return NULL;
    }

  tc = g_new0 (TallyTestCase, 1);
  tc->path = g_strdup (path);
  tc->index = tests->len;
  tc->markers = g_steal_pointer (&parsed);
  tc->file = g_strdup (file);
  tc->line = line;
  g_ptr_array_add (tests, tc);
  g_hash_table_insert (tests_by_path, tc->path, tc);

  return tc;
}

/**
 * tally_add_full:
 * @path: the test path, starting with `/`
 * @fixture_size: the size of the fixture, or 0
 * @data: the datum the functions receive
 * @setup: (nullable) (scope forever): runs before @body on the test's
 *   context
 * @body: (scope forever): the test
 * @teardown: (nullable) (scope forever): runs after @body, even if it failed
 * @markers: (nullable): a marker string, e.g. `"slow group=db"`
 * @file: the registering source file
 * @line: the registering line
 *
 * Registers a test with a fixture. Use tally_add_fixture(), which fills in
 * the size, casts and location.
 */
void
tally_add_full (const char       *path,
                gsize             fixture_size,
                gconstpointer     data,
                TallyFixtureFunc  setup,
                TallyFixtureFunc  body,
                TallyFixtureFunc  teardown,
                const char       *markers,
                const char       *file,
                int               line)
{
  TallyTestCase *tc;

  if (body == NULL)
    {
      ensure_registry ();
      record_error (file, line, "test “%s” has no function", path ? path : "(null)");
      return;
    }

  if ((tc = add_test (path, markers, file, line)))
    {
      tc->fixture_size = fixture_size;
      tc->data = data;
      tc->setup = setup;
      tc->body = body;
      tc->teardown = teardown;
    }
}

/**
 * tally_add_func_full:
 * @path: the test path, starting with `/`
 * @func: (scope forever): the test
 * @data: the datum @func receives
 * @markers: (nullable): a marker string
 * @file: the registering source file
 * @line: the registering line
 *
 * Registers a test without a fixture. Use tally_add() or tally_add_data().
 */
void
tally_add_func_full (const char    *path,
                     TallyTestFunc  func,
                     gconstpointer  data,
                     const char    *markers,
                     const char    *file,
                     int            line)
{
  TallyTestCase *tc;

  if (func == NULL)
    {
      ensure_registry ();
      record_error (file, line, "test “%s” has no function", path ? path : "(null)");
      return;
    }

  if ((tc = add_test (path, markers, file, line)))
    {
      tc->func = func;
      tc->data = data;
    }
}

/* One test per param: `PATH/[NAME]`, with the shared markers followed
 * by the param's own. */
static void
add_params (const char       *path,
            gsize             fixture_size,
            TallyFixtureFunc  setup,
            TallyFixtureFunc  body,
            TallyFixtureFunc  teardown,
            TallyTestFunc     func,
            const TallyParam *params,
            gsize             n_params,
            const char       *markers,
            const char       *file,
            int               line)
{
  for (gsize i = 0; i < n_params; i++)
    {
      g_autofree char *full = NULL;
      g_autofree char *all_markers = NULL;

      if (params[i].name == NULL || params[i].name[0] == '\0')
        {
          ensure_registry ();
          record_error (file, line, "param %" G_GSIZE_FORMAT " of %s has no name", i, path);
          return;
        }

      full = g_strdup_printf ("%s/[%s]", path, params[i].name);
      if (params[i].markers != NULL && params[i].markers[0] != '\0')
        all_markers = g_strdup_printf ("%s%s%s", markers ? markers : "",
                                       markers ? " " : "", params[i].markers);
      if (func != NULL)
        tally_add_func_full (full, func, params[i].data,
                             all_markers ? all_markers : markers, file, line);
      else
        tally_add_full (full, fixture_size, params[i].data, setup, body, teardown,
                        all_markers ? all_markers : markers, file, line);
    }
}

/**
 * tally_add_params_full:
 * @path: the path prefix
 * @func: (scope forever): the test, called with each param's data
 * @params: (array length=n_params): the data
 * @n_params: the number of @params
 * @markers: (nullable): markers shared by the tests
 * @file: the registering source file
 * @line: the registering line
 *
 * Registers one test `PATH/[NAME]` per param. Use tally_add_params().
 */
void
tally_add_params_full (const char       *path,
                       TallyTestFunc     func,
                       const TallyParam *params,
                       gsize             n_params,
                       const char       *markers,
                       const char       *file,
                       int               line)
{
  add_params (path, 0, NULL, NULL, NULL, func, params, n_params, markers, file, line);
}

/**
 * tally_add_params_fixture_full:
 * @path: the path prefix
 * @fixture_size: the size of the fixture
 * @setup: (nullable) (scope forever): the setup
 * @body: (scope forever): the test, called with each param's data
 * @teardown: (nullable) (scope forever): the teardown
 * @params: (array length=n_params): the data
 * @n_params: the number of @params
 * @markers: (nullable): markers shared by the tests
 * @file: the registering source file
 * @line: the registering line
 *
 * Registers one test `PATH/[NAME]` with a fixture per param. Use
 * tally_add_params_fixture().
 */
void
tally_add_params_fixture_full (const char       *path,
                               gsize             fixture_size,
                               TallyFixtureFunc  setup,
                               TallyFixtureFunc  body,
                               TallyFixtureFunc  teardown,
                               const TallyParam *params,
                               gsize             n_params,
                               const char       *markers,
                               const char       *file,
                               int               line)
{
  add_params (path, fixture_size, setup, body, teardown, NULL, params, n_params,
              markers, file, line);
}

/**
 * tally_declare_marker:
 * @name: the marker name
 * @description: what the marker means, shown by `tally markers`
 *
 * Declares a user marker. With `--strict-markers`, tests may only use
 * built-in and declared markers.
 */
void
tally_declare_marker (const char *name,
                      const char *description)
{
  TallyDeclaredMarker *marker;
  g_autoptr(TallyMarkers) check = NULL;

  ensure_registry ();

  check = tally_markers_parse (name, NULL);
  if (check == NULL || tally_markers_get_n_markers (check) != 1
      || tally_markers_get_value (check, 0) != NULL)
    {
      record_error (NULL, 0, "declared marker “%s” is not a valid marker name",
                    name ? name : "(null)");
      return;
    }

  marker = g_new0 (TallyDeclaredMarker, 1);
  marker->name = g_strdup (name);
  marker->description = g_strdup (description);
  g_ptr_array_add (declared, marker);
}

/**
 * tally_registry_get_tests:
 *
 * Returns: (transfer none) (element-type TallyTestCase): the registered
 *   tests in registration order
 */
GPtrArray *
tally_registry_get_tests (void)
{
  ensure_registry ();
  return tests;
}

TallyTestCase *
tally_registry_lookup (const char *path)
{
  ensure_registry ();
  return g_hash_table_lookup (tests_by_path, path);
}

GPtrArray *
tally_registry_get_declared (void)
{
  ensure_registry ();
  return declared;
}

/**
 * tally_registry_check:
 * @error: return location for the first registration error
 *
 * Returns: %FALSE if a registration was refused (bad path, duplicate path,
 *   bad markers); @error then names the string and where it was registered
 */
gboolean
tally_registry_check (GError **error)
{
  if (first_error != NULL)
    {
      g_propagate_error (error, g_error_copy (first_error));
      return FALSE;
    }

  return TRUE;
}
