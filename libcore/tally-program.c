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
  g_strfreev (program->args);
  g_strfreev (program->envp);
  g_free (program->workdir);
  g_strfreev (program->suites);
  g_free (program->note);
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
            GHashTable    *cache,
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

  /* Tests share marker sets and file names: parse and store each once
   * (a test that changes its markers copies them first). */
  if ((parsed = g_hash_table_lookup (cache, markers ? markers : "")) != NULL)
    tally_markers_ref (parsed);
  else if ((parsed = tally_markers_parse (markers, &local_error)) != NULL)
    g_hash_table_insert (cache, g_strdup (markers ? markers : ""), tally_markers_ref (parsed));
  else
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "test %s has bad markers: %s", path, local_error->message);
      return FALSE;
    }

  test = g_new0 (TallyListedTest, 1);
  test->program = program;
  test->index = program->tests->len;
  test->path = g_strdup (path);
  test->file = g_intern_string (member_string (object, "file"));
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

static gboolean
parse_header (TallyProgram  *program,
              JsonObject    *root,
              GError       **error)
{
  if (root == NULL || !json_object_has_member (root, "tally"))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "its --tally-list output is not a Tally listing");
      return FALSE;
    }

  if (json_object_get_int_member (root, "tally") != TALLY_PROTOCOL_VERSION)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                   "it speaks Tally protocol %" G_GINT64_FORMAT ", this runner speaks %d; rebuild it",
                   json_object_get_int_member (root, "tally"), TALLY_PROTOCOL_VERSION);
      return FALSE;
    }

  if (JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "markers")))
    parse_declared (program, json_object_get_array_member (root, "markers"));

  return TRUE;
}

static gboolean
parse_listing_line (TallyProgram  *program,
                    JsonParser    *parser,
                    GHashTable    *cache,
                    const char    *line,
                    gsize          len,
                    gboolean       header,
                    GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, len, &local_error))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "its --tally-list output is not a listing (line %u: %s)",
                   program->tests->len + (header ? 1 : 2), local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (header)
    return parse_header (program, JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL,
                         error);

  return parse_test (program, root, cache, error);
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
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) tally_markers_unref);
  const char *line = json;
  const char *end = json + len;
  gboolean header = TRUE;

  /* JSON Lines (see tally-list.c): a header, then one test a line,
   * each parsed and dropped in turn. */
  while (line < end)
    {
      const char *nl = memchr (line, '\n', end - line);
      gsize line_len = (nl ? nl : end) - line;

      if (line_len > 0 && !parse_listing_line (program, parser, cache, line, line_len, header, error))
        return NULL;
      if (line_len > 0)
        header = FALSE;
      line += line_len + 1;
    }

  if (header)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "its --tally-list output is empty");
      return NULL;
    }

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

static GSubprocessLauncher *
launcher_for (const TallyProgramSpec *spec)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                             | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                                             | G_SUBPROCESS_FLAGS_STDIN_INHERIT);

  for (guint i = 0; spec->envp && spec->envp[i]; i++)
    {
      g_autofree char *name = g_strdup (spec->envp[i]);
      char *eq = strchr (name, '=');

      if (eq == NULL)
        continue;
      *eq = '\0';
      g_subprocess_launcher_setenv (launcher, name, eq + 1, TRUE);
    }
  if (spec->workdir != NULL)
    g_subprocess_launcher_set_cwd (launcher, spec->workdir);
  return launcher;
}

/* Runs `PATH [ARGS…] FLAG` to its end or LIST_TIMEOUT_S. */
static gboolean
run_listing (const TallyProgramSpec  *spec,
             const char              *flag,
             GCancellable            *cancellable,
             Listing                 *listing,
             int                     *wait_status,
             GError                 **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSubprocessLauncher) launcher = launcher_for (spec);
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  {
    g_autofree char *absolute = g_canonicalize_filename (spec->path, NULL);

    g_strv_builder_add (argv, absolute);
  }
  if (spec->args != NULL)
    g_strv_builder_addv (argv, (const char **) spec->args);
  g_strv_builder_add (argv, flag);
  args = g_strv_builder_end (argv);

  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, error);
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

static void
listing_clear (Listing *listing)
{
  g_clear_pointer (&listing->out, g_bytes_unref);
  g_clear_pointer (&listing->err, g_bytes_unref);
  g_clear_error (&listing->error);
}

/* Why a listing run failed, or NULL when it exited with status 0. */
static gboolean
check_listing_status (const char  *flag,
                      Listing     *listing,
                      int          status,
                      GError     **error)
{
  if (listing->timed_out)
    g_set_error (error, TALLY_ERROR, TALLY_ERROR_TIMED_OUT,
                 "%s did not finish within %d s", flag, LIST_TIMEOUT_S);
  else if (WIFSIGNALED (status))
    g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                 "crashed while listing its tests with %s (%s)", flag, g_strsignal (WTERMSIG (status)));
  else if (WEXITSTATUS (status) != 0)
    {
      g_autofree char *why = first_line (listing->err);

      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "%s exited with status %d%s%s", flag,
                   WEXITSTATUS (status), why ? ": " : "", why ? why : "");
    }
  else
    return TRUE;
  return FALSE;
}

/**
 * tally_program_parse_gtest_listing:
 * @path: the program's path
 * @text: what `PATH -l` printed
 * @len: its length
 *
 * Reads a GTest listing: one test path per line, lines starting with
 * "/"; GLib's "TAP version", "1..N" and "# …" lines are ignored, and so
 * is a path listed twice.
 *
 * Returns: (transfer full): a %TALLY_PROGRAM_GTEST program, maybe with
 *   no tests
 */
TallyProgram *
tally_program_parse_gtest_listing (const char *path,
                                   const char *text,
                                   gsize       len)
{
  TallyProgram *program = program_new (path);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *end = text + len;

  program->kind = TALLY_PROGRAM_GTEST;
  for (const char *line = text; line < end;)
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *line_end = nl ? nl : end;
      gsize line_len = line_end - line;
      TallyListedTest *test;

      if (line_len > 0 && line_end[-1] == '\r')
        line_len--;
      if (line_len > 0 && line[0] == '/' && memchr (line, '\0', line_len) == NULL)
        {
          g_autofree char *test_path = g_strndup (line, line_len);

          if (!g_hash_table_contains (seen, test_path))
            {
              test = g_new0 (TallyListedTest, 1);
              test->program = program;
              test->index = program->tests->len;
              test->path = g_steal_pointer (&test_path);
              test->markers = tally_markers_new ();
              g_hash_table_add (seen, test->path);
              g_ptr_array_add (program->tests, test);
            }
        }
      line = nl ? nl + 1 : end;
    }

  return program;
}

typedef enum
{
  SNIFF_UNKNOWN,
  SNIFF_NATIVE,             /* links libtally */
  SNIFF_GTEST,              /* calls g_test_init() */
} Sniff;

/* Looks inside the file rather than running it: a GTest binary given
 * `--tally-list` would ignore the option and run all its tests. */
static Sniff
sniff (const char *path)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, NULL);
  const char *data;
  gsize len;

  if (mapped == NULL)
    return SNIFF_UNKNOWN;
  data = g_mapped_file_get_contents (mapped);
  len = g_mapped_file_get_length (mapped);
  if (data == NULL || len < 4 || memcmp (data, "\177ELF", 4) != 0)
    return SNIFF_UNKNOWN;
  if (memmem (data, len, "--tally-list", 12) || memmem (data, len, "tally_init", 10))
    return SNIFF_NATIVE;
  if (memmem (data, len, "g_test_init", 11))
    return SNIFF_GTEST;
  return SNIFF_UNKNOWN;
}

static TallyProgram *
list_native (const TallyProgramSpec  *spec,
             GCancellable            *cancellable,
             GError                 **error)
{
  Listing listing = { 0 };
  TallyProgram *program = NULL;
  int status = 0;

  if (run_listing (spec, "--tally-list", cancellable, &listing, &status, error)
      && check_listing_status ("--tally-list", &listing, status, error))
    {
      gsize len;
      const char *data = g_bytes_get_data (listing.out, &len);

      program = tally_program_parse_listing (spec->path, data, len, error);
    }
  listing_clear (&listing);
  return program;
}

static TallyProgram *
list_gtest (const TallyProgramSpec  *spec,
            GCancellable            *cancellable,
            GError                 **error)
{
  Listing listing = { 0 };
  TallyProgram *program = NULL;
  int status = 0;

  if (run_listing (spec, "-l", cancellable, &listing, &status, error)
      && check_listing_status ("-l", &listing, status, error))
    {
      gsize len;
      const char *data = g_bytes_get_data (listing.out, &len);

      program = tally_program_parse_gtest_listing (spec->path, data, len);
    }
  listing_clear (&listing);
  return program;
}

static TallyProgram *
plain_program (const TallyProgramSpec *spec)
{
  TallyProgram *program = program_new (spec->path);
  TallyListedTest *test = g_new0 (TallyListedTest, 1);

  program->kind = TALLY_PROGRAM_PLAIN;
  test->program = program;
  test->path = g_strdup ("/");
  test->markers = tally_markers_new ();
  g_ptr_array_add (program->tests, test);
  return program;
}

static void
declare (TallyProgram *program,
         const char   *name,
         char         *description)
{
  TallyDeclaredMarkerInfo *info;

  for (guint i = 0; i < program->declared->len; i++)
    if (g_str_equal (((TallyDeclaredMarkerInfo *) g_ptr_array_index (program->declared, i))->name, name))
      {
        g_free (description);
        return;
      }
  info = g_new0 (TallyDeclaredMarkerInfo, 1);
  info->name = g_strdup (name);
  info->description = description;
  g_ptr_array_add (program->declared, info);
}

static gboolean
is_marker_name (const char *name)
{
  if (!g_ascii_isalpha (name[0]) && name[0] != '_')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("_.-", *p))
      return FALSE;
  return TRUE;
}

static void
set_if_absent (TallyListedTest *test,
               const char      *name,
               const char      *value)
{
  if (tally_markers_has (test->markers, name))
    return;
  tally_markers_ensure_own (&test->markers);
  tally_markers_set (test->markers, name, value);
}

/* "project:suite" → "suite" */
static const char *
suite_short_name (const char *suite)
{
  const char *colon = strrchr (suite, ':');

  return colon ? colon + 1 : suite;
}

/* The markers a registered test gets: its kind, its suites (the first as
 * `suite=NAME`, each as a bare marker when it is a valid name), `serial`
 * for meson's is_parallel: false, and its timeout. */
static void
add_spec_markers (TallyProgram           *program,
                  const TallyProgramSpec *spec)
{
  char timeout[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (timeout, sizeof timeout, spec->timeout_s);
  if (program->kind == TALLY_PROGRAM_PLAIN)
    declare (program, "plain", g_strdup ("a program run as one test, judged by its exit status or TAP"));
  if (spec->suites && spec->suites[0])
    declare (program, "suite", g_strdup ("suite=NAME: the (first) meson suite of the test"));
  for (guint s = 0; spec->suites && spec->suites[s]; s++)
    if (is_marker_name (suite_short_name (spec->suites[s])))
      declare (program, suite_short_name (spec->suites[s]),
               g_strdup_printf ("in the meson suite %s", spec->suites[s]));

  for (guint i = 0; i < program->tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (program->tests, i);

      if (program->kind == TALLY_PROGRAM_GTEST)
        set_if_absent (test, "gtest", NULL);
      else if (program->kind == TALLY_PROGRAM_PLAIN)
        set_if_absent (test, "plain", NULL);
      if (spec->suites && spec->suites[0])
        set_if_absent (test, "suite", suite_short_name (spec->suites[0]));
      for (guint s = 0; spec->suites && spec->suites[s]; s++)
        if (is_marker_name (suite_short_name (spec->suites[s])))
          set_if_absent (test, suite_short_name (spec->suites[s]), NULL);
      if (spec->serial)
        set_if_absent (test, "serial", NULL);
      if (spec->timeout_s > 0)
        set_if_absent (test, "timeout", timeout);
    }
}

static void
apply_spec (TallyProgram           *program,
            const TallyProgramSpec *spec)
{
  if (spec->name != NULL)
    {
      g_free (program->name);
      program->name = g_strdup (spec->name);
    }
  program->args = g_strdupv ((char **) spec->args);
  program->envp = g_strdupv ((char **) spec->envp);
  program->workdir = g_strdup (spec->workdir);
  program->fresh_workdir = spec->fresh_workdir;
  program->timeout_s = spec->timeout_s;
  program->suites = g_strdupv ((char **) spec->suites);
  program->tap = spec->tap;
  add_spec_markers (program, spec);
}

/* What a program named on the command line is: a Tally program, else a
 * GTest binary; anything else is an error. */
static TallyProgram *
discover_named (const TallyProgramSpec  *spec,
                Sniff                    kind,
                GCancellable            *cancellable,
                GError                 **error)
{
  g_autoptr(GError) native_error = NULL;
  g_autoptr(GError) gtest_error = NULL;
  g_autoptr(TallyProgram) program = NULL;

  if (kind == SNIFF_NATIVE)
    return list_native (spec, cancellable, error);
  if (kind == SNIFF_UNKNOWN && (program = list_native (spec, cancellable, &native_error)))
    return g_steal_pointer (&program);
  if (g_error_matches (native_error, TALLY_ERROR, TALLY_ERROR_PROTOCOL))
    {
      g_propagate_error (error, g_steal_pointer (&native_error));
      return NULL;
    }

  program = list_gtest (spec, cancellable, &gtest_error);
  if (program != NULL && program->tests->len > 0)
    return g_steal_pointer (&program);

  if (kind == SNIFF_UNKNOWN)
    g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                 "not a Tally test program (%s) nor a GTest binary (%s)", native_error->message,
                 gtest_error ? gtest_error->message : "-l listed no tests");
  else if (gtest_error != NULL)
    g_set_error (error, TALLY_ERROR, gtest_error->code,
                 "a GTest binary that cannot list its tests: %s", gtest_error->message);
  else
    g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                 "a GTest binary that lists no tests (-l printed no test path)");
  return NULL;
}

/* What a registered test is: a Tally program, a GTest binary (split per
 * test case) or, failing both, one plain test. Only programs that look
 * like Tally or GTest programs are run to list them. */
static TallyProgram *
discover_registered (const TallyProgramSpec  *spec,
                     Sniff                    kind,
                     GCancellable            *cancellable,
                     GError                 **error)
{
  g_autoptr(TallyProgram) program = NULL;
  g_autoptr(GError) local_error = NULL;
  TallyProgram *plain;

  if (kind == SNIFF_NATIVE)
    return list_native (spec, cancellable, error);
  if (kind == SNIFF_GTEST)
    {
      program = list_gtest (spec, cancellable, &local_error);
      if (program != NULL && program->tests->len > 0)
        return g_steal_pointer (&program);
    }

  /* meson and gnome-desktop-testing-runner run it whole: so does Tally
   * when it cannot be split (a status such as 77 on -l means "skip"). */
  plain = plain_program (spec);
  if (local_error != NULL && !g_str_has_prefix (local_error->message, "-l exited"))
    plain->note = g_strdup_printf ("%s; it runs as one test", local_error->message);
  return plain;
}

/**
 * tally_program_discover_spec:
 * @spec: the program and how to start it
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError; its message says what is wrong,
 *   prefixed by the path
 *
 * Finds out what @spec's program is and which tests it holds: a Tally
 * program (`--tally-list`), a GTest binary (`-l`), or, for a registered
 * test, a plain program run as one test.
 *
 * Returns: (transfer full) (nullable): the program
 */
TallyProgram *
tally_program_discover_spec (const TallyProgramSpec  *spec,
                             GCancellable            *cancellable,
                             GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  TallyProgram *program = NULL;
  Sniff kind;

  if (!check_executable (spec->path, &local_error))
    goto out;

  kind = spec->force_gtest ? SNIFF_GTEST : sniff (spec->path);
  if (spec->registered)
    program = discover_registered (spec, kind, cancellable, &local_error);
  else
    program = discover_named (spec, kind, cancellable, &local_error);
  if (program != NULL)
    apply_spec (program, spec);

out:
  if (program == NULL)
    g_set_error (error, local_error->domain, local_error->code, "%s: %s",
                 spec->name ? spec->name : spec->path, local_error->message);
  return program;
}

/**
 * tally_program_discover:
 * @path: a test program
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Discovers a program named on the command line: a Tally program or a
 * GTest binary. See tally_program_discover_spec().
 *
 * Returns: (transfer full) (nullable): the program
 */
TallyProgram *
tally_program_discover (const char    *path,
                        GCancellable  *cancellable,
                        GError       **error)
{
  TallyProgramSpec spec = { .path = path };

  return tally_program_discover_spec (&spec, cancellable, error);
}
