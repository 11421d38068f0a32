/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "tally-error.h"
#include "tally-program-private.h"
#include "tally-version.h"

#define LIST_TIMEOUT_S 30

static void
listed_test_free (gpointer data)
{
  TallyListedTest *test = data;

  g_free (test->path);
  g_free (test->file);
  g_clear_pointer (&test->markers, tally_markers_unref);
  g_free (test);
}

static void
declared_free (gpointer data)
{
  TallyDeclaredMarkerInfo *info = data;

  g_free (info->name);
  g_free (info->description);
  g_free (info);
}

/* How a program is named in reports and in the database: its canonical
 * path, relative to the current directory when it lies below it, so the
 * same program keeps its history whichever way it was spelled. */
char *
tally_program_display_name (const char *path)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *absolute = g_canonicalize_filename (path, cwd);
  gsize cwd_len = strlen (cwd);

  if (strncmp (absolute, cwd, cwd_len) == 0 && absolute[cwd_len] == '/')
    return g_strdup (absolute + cwd_len + 1);

  return g_steal_pointer (&absolute);
}

static TallyProgram *
program_new (const char *path)
{
  TallyProgram *program = g_new0 (TallyProgram, 1);

  g_ref_count_init (&program->ref_count);
  program->path = g_strdup (path);
  program->name = tally_program_display_name (path);
  program->tests = g_ptr_array_new_with_free_func (listed_test_free);
  program->declared = g_ptr_array_new_with_free_func (declared_free);

  return program;
}

TallyProgram *
tally_program_ref (TallyProgram *program)
{
  g_ref_count_inc (&program->ref_count);
  return program;
}

void
tally_program_unref (TallyProgram *program)
{
  if (program == NULL || !g_ref_count_dec (&program->ref_count))
    return;

  g_free (program->path);
  g_free (program->name);
  g_ptr_array_unref (program->tests);
  g_ptr_array_unref (program->declared);
  g_free (program);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
parse_test (TallyProgram  *program,
            JsonNode      *node,
            GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *path = object ? member_string (object, "path") : NULL;
  const char *markers = object ? member_string (object, "markers") : NULL;
  TallyListedTest *test;
  TallyMarkers *parsed;

  if (path == NULL || path[0] != '/')
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "test %u of the listing has no valid path", program->tests->len);
      return FALSE;
    }

  if (!(parsed = tally_markers_parse (markers, &local_error)))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "test %s has bad markers: %s", path, local_error->message);
      return FALSE;
    }

  test = g_new0 (TallyListedTest, 1);
  test->program = program;
  test->index = program->tests->len;
  test->path = g_strdup (path);
  test->file = g_strdup (member_string (object, "file"));
  test->line = json_object_has_member (object, "line")
               ? (int) json_object_get_int_member (object, "line") : 0;
  test->markers = parsed;
  g_ptr_array_add (program->tests, test);

  return TRUE;
}

static void
parse_declared (TallyProgram *program,
                JsonArray    *markers)
{
  for (guint i = 0; markers && i < json_array_get_length (markers); i++)
    {
      JsonNode *node = json_array_get_element (markers, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = object ? member_string (object, "name") : NULL;
      TallyDeclaredMarkerInfo *info;

      if (name == NULL)
        continue;

      info = g_new0 (TallyDeclaredMarkerInfo, 1);
      info->name = g_strdup (name);
      info->description = g_strdup (member_string (object, "description"));
      g_ptr_array_add (program->declared, info);
    }
}

/**
 * tally_program_parse_listing:
 * @path: the program's path
 * @json: what `PATH --tally-list` printed
 * @len: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the program, or %NULL with
 *   %TALLY_ERROR_NOT_A_TEST if @json is not a Tally listing
 */
TallyProgram *
tally_program_parse_listing (const char  *path,
                             const char  *json,
                             gsize        len,
                             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(TallyProgram) program = program_new (path);
  g_autoptr(GError) local_error = NULL;
  JsonObject *root;
  JsonArray *tests;

  if (!json_parser_load_from_data (parser, json, len, &local_error))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "its --tally-list output is not a listing (%s)", local_error->message);
      return NULL;
    }

  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
         ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  if (root == NULL || !json_object_has_member (root, "tally")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "tests")))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "its --tally-list output is not a Tally listing");
      return NULL;
    }

  if (json_object_get_int_member (root, "tally") != TALLY_PROTOCOL_VERSION)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                   "it speaks Tally protocol %" G_GINT64_FORMAT ", this runner speaks %d; rebuild it",
                   json_object_get_int_member (root, "tally"), TALLY_PROTOCOL_VERSION);
      return NULL;
    }

  tests = json_object_get_array_member (root, "tests");
  for (guint i = 0; i < json_array_get_length (tests); i++)
    if (!parse_test (program, json_array_get_element (tests, i), error))
      return NULL;

  if (JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "markers")))
    parse_declared (program, json_object_get_array_member (root, "markers"));

  return g_steal_pointer (&program);
}

typedef struct
{
  GBytes *out;
  GBytes *err;
  GError *error;
  gboolean done;
  gboolean timed_out;
} Listing;

static void
on_communicate_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Listing *listing = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (object), result,
                                   &listing->out, &listing->err, &listing->error);
  listing->done = TRUE;
}

static gboolean
on_list_timeout_cb (gpointer user_data)
{
  GSubprocess *subprocess = user_data;

  g_object_set_data (G_OBJECT (subprocess), "tally-timed-out", GINT_TO_POINTER (1));
  g_subprocess_force_exit (subprocess);
  return G_SOURCE_REMOVE;
}

static char *
first_line (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  const char *nl;

  if (len == 0)
    return NULL;
  nl = memchr (data, '\n', len);
  return g_utf8_make_valid (data, nl ? nl - data : (gssize) MIN (len, 200));
}

static gboolean
check_executable (const char  *path,
                  GError     **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND, "no such file");
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR) || access (path, X_OK) != 0)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST, "not an executable file");
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_listing (const char    *path,
             GCancellable  *cancellable,
             Listing       *listing,
             int           *wait_status,
             GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);

  subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                 | G_SUBPROCESS_FLAGS_STDIN_INHERIT,
                                 error, absolute, "--tally-list", NULL);
  if (subprocess == NULL)
    return FALSE;

  g_main_context_push_thread_default (context);
  timeout = g_timeout_source_new_seconds (LIST_TIMEOUT_S);
  g_source_set_callback (timeout, on_list_timeout_cb, subprocess, NULL);
  g_source_attach (timeout, context);
  g_subprocess_communicate_async (subprocess, NULL, cancellable, on_communicate_cb, listing);
  while (!listing->done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_subprocess_wait (subprocess, NULL, NULL);
  g_main_context_pop_thread_default (context);

  listing->timed_out = g_object_get_data (G_OBJECT (subprocess), "tally-timed-out") != NULL;
  *wait_status = g_subprocess_get_status (subprocess);

  if (listing->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&listing->error));
      return FALSE;
    }
  return TRUE;
}

/**
 * tally_program_discover:
 * @path: a test program
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError; its message says what is wrong
 *   with @path, prefixed by the path
 *
 * Runs `PATH --tally-list` and reads what it holds.
 *
 * Returns: (transfer full) (nullable): the program
 */
TallyProgram *
tally_program_discover (const char    *path,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  Listing listing = { 0 };
  TallyProgram *program = NULL;
  int status = 0;

  if (!check_executable (path, &local_error)
      || !run_listing (path, cancellable, &listing, &status, &local_error))
    goto out;

  if (listing.timed_out)
    g_set_error (&local_error, TALLY_ERROR, TALLY_ERROR_TIMED_OUT,
                 "--tally-list did not finish within %d s", LIST_TIMEOUT_S);
  else if (WIFSIGNALED (status))
    g_set_error (&local_error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                 "crashed while listing its tests (%s)", g_strsignal (WTERMSIG (status)));
  else if (WEXITSTATUS (status) != 0)
    {
      g_autofree char *why = first_line (listing.err);

      g_set_error (&local_error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "not a Tally test program (--tally-list exited with status %d%s%s)",
                   WEXITSTATUS (status), why ? ": " : "", why ? why : "");
    }
  else
    {
      gsize len;
      const char *data = g_bytes_get_data (listing.out, &len);

      program = tally_program_parse_listing (path, data, len, &local_error);
    }

out:
  g_clear_pointer (&listing.out, g_bytes_unref);
  g_clear_pointer (&listing.err, g_bytes_unref);
  g_clear_error (&listing.error);
  if (program == NULL)
    g_set_error (error, local_error->domain, local_error->code, "%s: %s", path, local_error->message);
  return program;
}
