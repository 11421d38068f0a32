/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tally-error.h"
#include "tally-legacy-private.h"

void
tally_registered_test_free (TallyRegisteredTest *test)
{
  if (test == NULL)
    return;
  g_free (test->path);
  g_free (test->name);
  g_free (test->origin);
  g_strfreev (test->args);
  g_strfreev (test->envp);
  g_strfreev (test->suites);
  g_free (test->workdir);
  g_free (test);
}

/* Points the spec at the test's own storage. */
static void
registered_test_seal (TallyRegisteredTest *test)
{
  g_autofree char *display = tally_program_display_name (test->path);

  if (test->name == NULL)
    test->name = g_strdup (display);
  test->spec.path = test->path;
  test->spec.name = test->name;
  test->spec.args = (const char * const *) test->args;
  test->spec.envp = (const char * const *) test->envp;
  test->spec.suites = (const char * const *) test->suites;
  test->spec.workdir = test->workdir;
  test->spec.registered = TRUE;
}

/* "build/tests/foo", or "build/tests/foo[NAME]" when it takes arguments,
 * so one executable run with several argument lists keeps several
 * histories. */
static char *
registered_name (const char         *path,
                 const char * const *args,
                 const char         *label)
{
  g_autofree char *display = tally_program_display_name (path);

  if (args == NULL || args[0] == NULL || label == NULL)
    return g_steal_pointer (&display);
  return g_strdup_printf ("%s[%s]", display, label);
}

gboolean
tally_legacy_is_meson_builddir (const char *path)
{
  g_autofree char *info = g_build_filename (path, "meson-info", NULL);

  return g_file_test (info, G_FILE_TEST_IS_DIR);
}

/* The first non-blank line of @bytes, at most 200 bytes of it, made
 * valid UTF-8; NULL when there is none. */
static char *
first_words (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  g_autofree char *text = data ? g_strndup (data, len) : NULL;
  g_auto(GStrv) lines = text ? g_strsplit (text, "\n", -1) : NULL;

  for (guint i = 0; lines && lines[i]; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] != '\0')
        {
          g_autofree char *head = g_strndup (lines[i], 200);

          return g_utf8_make_valid (head, -1);
        }
    }
  return NULL;
}

static char *
introspect (const char  *builddir,
            gsize       *len,
            GError     **error)
{
  g_autoptr(GSubprocess) meson = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autofree char *meson_path = g_find_program_in_path ("meson");

  if (meson_path == NULL)
    {
      /* What `meson introspect --tests` prints, as meson left it. */
      g_autofree char *json = g_build_filename (builddir, "meson-info", "intro-tests.json", NULL);
      char *contents = NULL;

      return g_file_get_contents (json, &contents, len, error) ? contents : NULL;
    }

  meson = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error,
                            meson_path, "introspect", "--tests", builddir, NULL);
  if (meson == NULL || !g_subprocess_communicate (meson, NULL, NULL, &out, &err, error))
    return NULL;
  if (!g_subprocess_get_successful (meson))
    {
      /* meson says why on stdout as often as on stderr. */
      g_autofree char *why = first_words (err);

      if (why == NULL)
        why = first_words (out);
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "not a build directory that this meson can read (meson introspect --tests: %s)",
                   why ? why : "no reason given");
      return NULL;
    }
  return g_strndup (g_bytes_get_data (out, len), g_bytes_get_size (out));
}

static GStrv
string_array (JsonArray *array,
              guint      first)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = first; array && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (node));
    }
  return g_strv_builder_end (builder);
}

static GStrv
env_array (JsonObject *env)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GList) names = env ? json_object_get_members (env) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (env, l->data);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *pair = g_strdup_printf ("%s=%s", (char *) l->data,
                                                   json_node_get_string (node));

          g_strv_builder_add (builder, pair);
        }
    }
  return g_strv_builder_end (builder);
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static TallyRegisteredTest *
meson_test (const char  *builddir,
            JsonObject  *object)
{
  JsonArray *cmd = array_member (object, "cmd");
  JsonNode *env = json_object_get_member (object, "env");
  const char *name = string_member (object, "name");
  const char *workdir = string_member (object, "workdir");
  const char *protocol = string_member (object, "protocol");
  TallyRegisteredTest *test;

  if (cmd == NULL || json_array_get_length (cmd) == 0 || name == NULL)
    return NULL;

  test = g_new0 (TallyRegisteredTest, 1);
  test->path = g_strdup (json_array_get_string_element (cmd, 0));
  test->args = string_array (cmd, 1);
  test->envp = env_array (env && JSON_NODE_HOLDS_OBJECT (env) ? json_node_get_object (env) : NULL);
  test->suites = string_array (array_member (object, "suite"), 0);
  /* meson test runs a test without a workdir in the build directory. */
  test->workdir = g_strdup (workdir ? workdir : builddir);
  test->name = registered_name (test->path, (const char * const *) test->args, name);
  test->origin = g_strdup_printf ("%s: test “%s”", builddir, name);
  if (json_object_has_member (object, "timeout"))
    test->spec.timeout_s = json_object_get_int_member (object, "timeout");
  if (json_object_has_member (object, "is_parallel"))
    test->spec.serial = !json_object_get_boolean_member (object, "is_parallel");
  test->spec.tap = g_strcmp0 (protocol, "tap") == 0;
  registered_test_seal (test);
  return test;
}

GPtrArray *
tally_legacy_meson_tests (const char  *builddir,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) tests = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_registered_test_free);
  g_autofree char *json = NULL;
  g_autofree char *absolute = g_canonicalize_filename (builddir, NULL);
  JsonNode *root;
  gsize len = 0;

  if (!tally_legacy_is_meson_builddir (builddir))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "%s: a directory, but not a meson build directory (no meson-info/)", builddir);
      return NULL;
    }
  if (!(json = introspect (absolute, &len, error)) || !json_parser_load_from_data (parser, json, len, error))
    {
      g_prefix_error (error, "%s: ", builddir);
      return NULL;
    }

  root = json_parser_get_root (parser);
  for (guint i = 0; JSON_NODE_HOLDS_ARRAY (root) && i < json_array_get_length (json_node_get_array (root)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (root), i);
      TallyRegisteredTest *test = JSON_NODE_HOLDS_OBJECT (node)
                                  ? meson_test (absolute, json_node_get_object (node)) : NULL;

      if (test != NULL)
        g_ptr_array_add (tests, test);
    }
  return g_steal_pointer (&tests);
}

gboolean
tally_legacy_suite_matches (const char * const *suites,
                            const char         *selector)
{
  gboolean qualified = strchr (selector, ':') != NULL;

  for (guint i = 0; suites && suites[i]; i++)
    {
      const char *colon = strchr (suites[i], ':');
      gsize project_len = colon ? (gsize) (colon - suites[i]) : 0;

      if (qualified ? g_str_equal (suites[i], selector)
                    : (g_str_equal (colon ? colon + 1 : suites[i], selector)
                       || (colon && strlen (selector) == project_len
                           && strncmp (suites[i], selector, project_len) == 0)))
        return TRUE;
    }
  return FALSE;
}

static char *
installed_dir (const char *dir_or_name)
{
  const char * const *dirs = g_get_system_data_dirs ();

  if (strchr (dir_or_name, '/') || g_file_test (dir_or_name, G_FILE_TEST_IS_DIR))
    return g_strdup (dir_or_name);
  for (guint i = 0; dirs[i]; i++)
    {
      g_autofree char *dir = g_build_filename (dirs[i], "installed-tests", dir_or_name, NULL);

      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&dir);
    }
  return g_build_filename ("/usr/share/installed-tests", dir_or_name, NULL);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static void
find_test_files (const char *dir,
                 GPtrArray  *files)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (handle && (name = g_dir_read_name (handle)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        find_test_files (path, files);
      else if (g_str_has_suffix (path, ".test"))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
}

static TallyRegisteredTest *
installed_test (const char  *file,
                GError     **error)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *exec = NULL;
  g_autofree char *type = NULL;
  g_autofree char *output = NULL;
  g_autofree char *label = g_path_get_basename (file);
  g_auto(GStrv) argv = NULL;
  TallyRegisteredTest *test;

  if (!g_key_file_load_from_file (keys, file, G_KEY_FILE_NONE, error))
    return NULL;
  if (!(exec = g_key_file_get_string (keys, "Test", "Exec", NULL)) || *g_strstrip (exec) == '\0')
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST, "no Exec= in its [Test] group");
      return NULL;
    }
  if (!g_shell_parse_argv (exec, NULL, &argv, error))
    return NULL;
  type = g_key_file_get_string (keys, "Test", "Type", NULL);
  output = g_key_file_get_string (keys, "Test", "Output", NULL);

  test = g_new0 (TallyRegisteredTest, 1);
  test->path = g_path_is_absolute (argv[0]) ? g_strdup (argv[0]) : g_find_program_in_path (argv[0]);
  if (test->path == NULL)
    test->path = g_strdup (argv[0]);
  test->args = g_strdupv (argv + 1);
  *strrchr (label, '.') = '\0';
  test->name = registered_name (test->path, (const char * const *) test->args, label);
  test->origin = g_strdup (file);
  /* gnome-desktop-testing-runner runs each test in a new temporary directory. */
  test->spec.fresh_workdir = TRUE;
  /* … and gives it 5 minutes. */
  test->spec.timeout_s = 300;
  test->spec.serial = g_strcmp0 (type, "session-exclusive") == 0;
  test->spec.tap = output && g_ascii_strcasecmp (output, "TAP") == 0;
  registered_test_seal (test);
  return test;
}

GPtrArray *
tally_legacy_installed_tests (const char  *dir_or_name,
                              GPtrArray   *problems,
                              GError     **error)
{
  g_autofree char *dir = installed_dir (dir_or_name);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *tests;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND,
                   "--installed-tests %s: no such directory (%s)", dir_or_name, dir);
      return NULL;
    }

  find_test_files (dir, files);
  tests = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_registered_test_free);
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      const char *file = g_ptr_array_index (files, i);
      TallyRegisteredTest *test = installed_test (file, &local_error);

      if (test != NULL)
        g_ptr_array_add (tests, test);
      else
        g_ptr_array_add (problems, g_strdup_printf ("%s: %s; skipped", file, local_error->message));
    }
  return tests;
}

typedef struct
{
  char *glob;
  TallyMarkers *markers;
} Rule;

struct _TallyMarkerRules
{
  GArray *rules;
};

static void
rule_clear (gpointer data)
{
  Rule *rule = data;

  g_free (rule->glob);
  tally_markers_unref (rule->markers);
}

void
tally_marker_rules_free (TallyMarkerRules *rules)
{
  if (rules == NULL)
    return;
  g_array_unref (rules->rules);
  g_free (rules);
}

TallyMarkerRules *
tally_marker_rules_load (const char  *path,
                         GError     **error)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(TallyMarkerRules) rules = g_new0 (TallyMarkerRules, 1);
  g_auto(GStrv) globs = NULL;

  rules->rules = g_array_new (FALSE, FALSE, sizeof (Rule));
  g_array_set_clear_func (rules->rules, rule_clear);
  if (!g_key_file_load_from_file (keys, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  globs = g_key_file_get_keys (keys, "markers", NULL, NULL);
  for (guint i = 0; globs && globs[i]; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *text = g_key_file_get_string (keys, "markers", globs[i], NULL);
      Rule rule = { 0 };

      if (!(rule.markers = tally_markers_parse (text, &local_error)))
        {
          g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST, "%s: [markers] %s: %s",
                       path, globs[i], local_error->message);
          return NULL;
        }
      rule.glob = g_strdup (globs[i]);
      g_array_append_val (rules->rules, rule);
    }
  return g_steal_pointer (&rules);
}

static void
declare_from_rules (TallyProgram *program,
                    const char   *name)
{
  TallyDeclaredMarkerInfo *info;

  if (tally_marker_is_builtin (name))
    return;
  for (guint i = 0; i < program->declared->len; i++)
    if (g_str_equal (((TallyDeclaredMarkerInfo *) g_ptr_array_index (program->declared, i))->name, name))
      return;
  info = g_new0 (TallyDeclaredMarkerInfo, 1);
  info->name = g_strdup (name);
  info->description = g_strdup ("given by the markers file");
  g_ptr_array_add (program->declared, info);
}

static void
apply_rule (const Rule      *rule,
            TallyProgram    *program,
            TallyListedTest *test)
{
  for (guint m = 0; m < tally_markers_get_n_markers (rule->markers); m++)
    {
      const char *name = tally_markers_get_name (rule->markers, m);

      declare_from_rules (program, name);
      if (tally_markers_has (test->markers, name))
        continue;
      tally_markers_ensure_own (&test->markers);
      tally_markers_set (test->markers, name, tally_markers_get_value (rule->markers, m));
    }
}

void
tally_marker_rules_apply (TallyMarkerRules *rules,
                          TallyProgram     *program)
{
  for (guint i = 0; i < program->tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (program->tests, i);
      g_autofree char *haystack = g_strdup_printf ("%s::%s", program->name, test->path);

      for (guint r = 0; r < rules->rules->len; r++)
        {
          const Rule *rule = &g_array_index (rules->rules, Rule, r);

          if (g_pattern_match_simple (rule->glob, haystack))
            apply_rule (rule, program, test);
        }
    }
}
