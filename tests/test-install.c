/* Tally seen from outside its tree: what `meson install` puts in place, a
 * project that finds the installed tally-1 with pkg-config, and a project
 * that carries Tally as a meson subproject. Each one builds a small meson
 * project (tests/outside-project, tests/subproject-project) in the test's
 * temporary directory and runs its test program standalone and under
 * `tally run`.
 *
 * tests/meson.build passes how this build was configured (prefix and
 * directories, what was built, the compiler and sanitizer) in TALLY_TEST_*
 * variables. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "tally-test-util.h"

static const char *
config (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL)
    tally_fail ("%s is not set; run through meson test", name);
  return value;
}

static char *
src_path (const char *relative)
{
  return g_build_filename (config ("TALLY_SRCDIR"), relative, NULL);
}

static char *
need_program (TallyTest  *t,
              const char *name)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    tally_test_skip (t, "%s is not installed", name);
  return path;
}

/* Runs @argv (in the test's tmpdir) and fails the test, with its output,
 * unless it exits with 0. */
static void
check_spawn (TallyTest          *t,
             const char * const *envp,
             const char * const *argv)
{
  g_autoptr(TallyRun) run = tally_util_run_argv (t, envp, argv);

  if (run->status != 0)
    tally_fail ("%s %s failed (%d):\n%s%s", argv[0], argv[1], run->status, run->out, run->err);
}

/* An installed path: DESTDIR + prefix + @dir (from TALLY_TEST_@dir_var,
 * relative to the prefix or absolute) + @name. */
static char *
installed (const char *destdir,
           const char *dir_var,
           const char *name)
{
  const char *dir = config (dir_var);
  g_autofree char *full = g_path_is_absolute (dir)
    ? g_strdup (dir)
    : g_build_filename (config ("TALLY_TEST_PREFIX"), dir, NULL);

  return g_build_filename (destdir, full, name, NULL);
}

/* `meson install --destdir` of this very build (already built by meson
 * test, hence --no-rebuild) into the test's tmpdir. */
static char *
install_build (TallyTest *t)
{
  g_autofree char *meson = need_program (t, "meson");
  g_autofree char *builddir = tally_util_build_path ("");
  char *destdir = g_build_filename (tally_test_get_tmpdir (t), "dest", NULL);
  const char *argv[] = { meson, "install", "-C", builddir, "--no-rebuild", "--quiet",
                         "--destdir", destdir, NULL };

  check_spawn (t, NULL, argv);
  return destdir;
}

static void
assert_file (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    tally_fail ("meson install did not put %s in place", path);
}

static void
assert_no_file (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    tally_fail ("meson install put %s in place, but it was not built", path);
}

static void
assert_executable (const char *path)
{
  assert_file (path);
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    tally_fail ("%s is installed but not executable", path);
}

static gboolean
config_flag (const char *name)
{
  return g_strcmp0 (config (name), "true") == 0;
}

/* --- meson install ------------------------------------------------------- */

static const char * const public_headers[] = {
  "tally.h", "tally-assert.h", "tally-caplog.h", "tally-error.h",
  "tally-log-record.h", "tally-main.h", "tally-outcome.h",
  "tally-registry.h", "tally-test.h", "tally-version.h",
};

static void
test_install_files (TallyTest *t, gconstpointer data)
{
  g_autofree char *destdir = install_build (t);
  g_autofree char *lib = installed (destdir, "TALLY_TEST_LIBDIR", "libtally-1.so");
  g_autofree char *soname = installed (destdir, "TALLY_TEST_LIBDIR", "libtally-1.so.0");
  g_autofree char *pc = installed (destdir, "TALLY_TEST_LIBDIR", "pkgconfig/tally-1.pc");
  g_autofree char *tally = installed (destdir, "TALLY_TEST_BINDIR", "tally");
  g_autofree char *viewer = installed (destdir, "TALLY_TEST_BINDIR", "tally-viewer");
  g_autofree char *completion = installed (destdir, "TALLY_TEST_COMPLETIONSDIR", "tally");
  g_autofree char *exec_child = installed (destdir, "TALLY_TEST_LIBEXECDIR", "tally-exec-child");
  g_autofree char *desktop = installed (destdir, "TALLY_TEST_DATADIR", "applications/org.tally.Viewer.desktop");
  g_autofree char *metainfo = installed (destdir, "TALLY_TEST_DATADIR", "metainfo/org.tally.Viewer.metainfo.xml");
  g_autofree char *icon = installed (destdir, "TALLY_TEST_DATADIR", "icons/hicolor/scalable/apps/org.tally.Viewer.svg");
  g_autofree char *symbolic = installed (destdir, "TALLY_TEST_DATADIR", "icons/hicolor/symbolic/apps/org.tally.Viewer-symbolic.svg");
  g_autofree char *man_tally = installed (destdir, "TALLY_TEST_MANDIR", "man1/tally.1");
  g_autofree char *man_viewer = installed (destdir, "TALLY_TEST_MANDIR", "man1/tally-viewer.1");
  g_autofree char *api_index = installed (destdir, "TALLY_TEST_DATADIR", "doc/tally-1/index.html");
  g_autoptr(TallyRun) version = NULL;

  /* The library, its headers and its pkg-config file. */
  assert_file (lib);
  assert_file (soname);
  tally_assert_true (g_file_test (soname, G_FILE_TEST_IS_SYMLINK));
  assert_file (pc);
  for (guint i = 0; i < G_N_ELEMENTS (public_headers); i++)
    {
      g_autofree char *header = g_build_filename ("tally-1", "tally", public_headers[i], NULL);
      g_autofree char *path = installed (destdir, "TALLY_TEST_INCLUDEDIR", header);

      assert_file (path);
    }

  /* The runner works from where it is installed. */
  assert_executable (tally);
  version = tally_util_run (t, NULL, tally, "--version", NULL);
  tally_assert_cmpint (version->status, ==, 0);
  tally_assert_nonnull (strstr (version->out, TALLY_VERSION_S));

  /* The helper GTest and plain programs start through. */
  assert_executable (exec_child);

  assert_file (completion);

  if (config_flag ("TALLY_TEST_VIEWER"))
    {
      assert_executable (viewer);
      assert_file (desktop);
      assert_file (metainfo);
      assert_file (icon);
      assert_file (symbolic);
    }
  else
    {
      assert_no_file (viewer);
      assert_no_file (desktop);
    }

  if (config_flag ("TALLY_TEST_MAN"))
    {
      assert_file (man_tally);
      if (config_flag ("TALLY_TEST_VIEWER"))
        assert_file (man_viewer);
    }
  else
    assert_no_file (man_tally);

  if (config_flag ("TALLY_TEST_DOCS"))
    assert_file (api_index);
  else
    assert_no_file (api_index);
}

/* --- a project outside the tree, against the installed Tally ------------- */

/* The installed tally-1.pc says prefix=PREFIX; under a DESTDIR the files are
 * in DESTDIR/PREFIX. A copy with only the prefix= line moved there is what
 * pkg-config reads: every other path in it must derive from ${prefix}, or
 * the relocation (and any relocated install) would be wrong. Returns the
 * directory of the copy, for PKG_CONFIG_PATH. */
static char *
relocated_pc_dir (TallyTest  *t,
                  const char *destdir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pc = installed (destdir, "TALLY_TEST_LIBDIR", "pkgconfig/tally-1.pc");
  g_autofree char *contents = NULL;
  g_autoptr(GString) copy = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  char *dir = g_build_filename (tally_test_get_tmpdir (t), "pkgconfig", NULL);
  g_autofree char *copy_path = g_build_filename (dir, "tally-1.pc", NULL);
  guint n_prefix = 0;

  if (!g_file_get_contents (pc, &contents, NULL, &error))
    tally_fail ("cannot read %s: %s", pc, error->message);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], "prefix="))
        {
          g_autofree char *moved = g_build_filename (destdir, config ("TALLY_TEST_PREFIX"), NULL);

          tally_assert_cmpstr (lines[i] + strlen ("prefix="), ==, config ("TALLY_TEST_PREFIX"));
          g_string_append_printf (copy, "prefix=%s\n", moved);
          n_prefix++;
          continue;
        }
      if (strstr (lines[i], config ("TALLY_TEST_PREFIX")) != NULL)
        tally_fail ("tally-1.pc names the prefix outside prefix=: %s", lines[i]);
      g_string_append_printf (copy, "%s%s", lines[i], lines[i + 1] ? "\n" : "");
    }
  tally_assert_cmpuint (n_prefix, ==, 1);

  tally_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  if (!g_file_set_contents (copy_path, copy->str, copy->len, &error))
    tally_fail ("cannot write %s: %s", copy_path, error->message);
  return dir;
}

/* Counts the test-finished events of @run by outcome. */
static GHashTable *
count_outcomes (TallyRun *run)
{
  GHashTable *counts = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer event;

  g_hash_table_iter_init (&iter, run->finished);
  while (g_hash_table_iter_next (&iter, NULL, &event))
    {
      const char *outcome = json_object_get_string_member (event, "outcome");
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, outcome));

      g_hash_table_insert (counts, (gpointer) outcome, GUINT_TO_POINTER (n + 1));
    }
  return counts;
}

static guint
count_of (GHashTable *counts,
          const char *outcome)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, outcome));
}

/* The counts of the run-finished event. */
static gint64
summary_count (TallyRun   *run,
               const char *outcome)
{
  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (run->events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "run-finished") == 0)
        return json_object_get_int_member (json_object_get_object_member (event, "counts"), outcome);
    }
  tally_fail ("no run-finished event; stderr was:\n%s", run->err);
}

/* Configures @srcdir into @builddir with @options (NULL-terminated),
 * builds it and runs `meson test`. */
static void
build_project (TallyTest          *t,
               const char * const *envp,
               const char         *srcdir,
               const char         *builddir,
               const char * const *options)
{
  g_autofree char *meson = need_program (t, "meson");
  g_autofree char *ninja = need_program (t, "ninja");
  g_autoptr(GPtrArray) setup = g_ptr_array_new ();
  const char *build[] = { ninja, "-C", builddir, NULL };
  const char *test[] = { meson, "test", "-C", builddir, "--print-errorlogs", NULL };

  g_ptr_array_add (setup, meson);
  g_ptr_array_add (setup, (gpointer) "setup");
  for (guint i = 0; options && options[i]; i++)
    g_ptr_array_add (setup, (gpointer) options[i]);
  g_ptr_array_add (setup, (gpointer) builddir);
  g_ptr_array_add (setup, (gpointer) srcdir);
  g_ptr_array_add (setup, NULL);

  check_spawn (t, envp, (const char * const *) setup->pdata);
  check_spawn (t, envp, build);
  check_spawn (t, envp, test);
}

static void
test_outside_project (TallyTest *t, gconstpointer data)
{
  g_autofree char *destdir = install_build (t);
  g_autofree char *pc_dir = relocated_pc_dir (t, destdir);
  g_autofree char *srcdir = src_path ("tests/outside-project");
  g_autofree char *builddir = g_build_filename (tally_test_get_tmpdir (t), "outside", NULL);
  g_autofree char *program = g_build_filename (builddir, "test-outside", NULL);
  g_autofree char *tally = installed (destdir, "TALLY_TEST_BINDIR", "tally");
  g_autofree char *pc_path_env = g_strdup_printf ("PKG_CONFIG_PATH=%s", pc_dir);
  g_autofree char *cc_env = g_strdup_printf ("CC=%s", config ("TALLY_TEST_CC"));
  g_autofree char *sanitize = g_strdup_printf ("-Db_sanitize=%s", config ("TALLY_TEST_SANITIZE"));
  g_autofree char *lundef = g_strdup_printf ("-Db_lundef=%s", config ("TALLY_TEST_LUNDEF"));
  /* Only the copied tally-1.pc: no other Tally can be found by mistake.
   * The same compiler and sanitizer as this build, since the program
   * links this build's libtally-1.so. */
  const char *envp[] = { pc_path_env, cc_env, NULL };
  const char *options[] = { "--wrap-mode=nofallback", sanitize, lundef, NULL };
  g_autoptr(TallyRun) standalone = NULL;
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(GHashTable) counts = NULL;

  build_project (t, envp, srcdir, builddir, options);

  /* Standalone: the program is its own runner and speaks TAP. */
  standalone = tally_util_run (t, NULL, program, NULL);
  tally_assert_cmpint (standalone->status, ==, 0);
  tally_assert_nonnull (strstr (standalone->out, "1..6"));
  tally_assert_nonnull (strstr (standalone->out, "ok 1 /outside/passes"));
  tally_assert_nonnull (strstr (standalone->out, "# SKIP skipped on purpose"));

  /* Under the installed runner: every outcome as expected. */
  run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", program, NULL);
  tally_assert_cmpint (run->status, ==, 0);
  counts = count_outcomes (run);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 6);
  tally_assert_cmpuint (count_of (counts, "passed"), ==, 4);
  tally_assert_cmpuint (count_of (counts, "skipped"), ==, 1);
  tally_assert_cmpuint (count_of (counts, "xfailed"), ==, 1);
  tally_assert_cmpstr (tally_util_outcome (run, "/outside/odd/[three]"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/outside/known-bug"), ==, "xfailed");
  tally_assert_cmpint (summary_count (run, "passed"), ==, 4);
  tally_assert_cmpint (summary_count (run, "failed"), ==, 0);
}

/* --- Tally as a meson subproject ----------------------------------------- */

/* Copies tests/subproject-project into the tmpdir, with subprojects/tally
 * a symlink to this source tree. */
static char *
subproject_source (TallyTest *t)
{
  static const char * const files[] = { "meson.build", "test-sub.c" };
  g_autofree char *from = src_path ("tests/subproject-project");
  char *to = g_build_filename (tally_test_get_tmpdir (t), "project", NULL);
  g_autofree char *subprojects = g_build_filename (to, "subprojects", NULL);
  g_autofree char *link = g_build_filename (subprojects, "tally", NULL);

  tally_assert_cmpint (g_mkdir_with_parents (subprojects, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *src = g_build_filename (from, files[i], NULL);
      g_autofree char *dst = g_build_filename (to, files[i], NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (!g_file_get_contents (src, &contents, &len, &error) ||
          !g_file_set_contents (dst, contents, len, &error))
        tally_fail ("cannot copy %s: %s", src, error->message);
    }
  if (symlink (config ("TALLY_SRCDIR"), link) != 0)
    tally_fail ("cannot link %s: %s", link, g_strerror (errno));
  return to;
}

static void
test_subproject (TallyTest *t, gconstpointer data)
{
  g_autofree char *srcdir = subproject_source (t);
  g_autofree char *builddir = g_build_filename (tally_test_get_tmpdir (t), "build", NULL);
  g_autofree char *program = g_build_filename (builddir, "test-sub", NULL);
  g_autofree char *tally = g_build_filename (builddir, "subprojects", "tally", "runner", "tally", NULL);
  g_autofree char *viewer = g_build_filename (builddir, "subprojects", "tally", "viewer", NULL);
  g_autofree char *own_tests = g_build_filename (builddir, "subprojects", "tally", "tests", NULL);
  /* A plain build (no optimisation, no sanitizer: it is a fresh meson
   * setup) keeps the nested build of Tally short. forcefallback: the
   * subproject even where a tally-1 is installed. */
  const char *options[] = { "--buildtype=plain", "--wrap-mode=forcefallback", NULL };
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(TallyRun) tests = NULL;

  build_project (t, NULL, srcdir, builddir, options);

  /* What a subproject builds: the library and the runner, not Tally's own
   * tests (they would join the parent's meson test), nor the viewer. */
  tally_assert_true (g_file_test (tally, G_FILE_TEST_IS_EXECUTABLE));
  tally_assert_false (g_file_test (own_tests, G_FILE_TEST_EXISTS));
  tally_assert_false (g_file_test (viewer, G_FILE_TEST_EXISTS));

  run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json", program, NULL);
  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 3);
  tally_assert_cmpstr (tally_util_outcome (run, "/sub/fixture"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/sub/expected-warning"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/sub/known-bug"), ==, "xfailed");

  /* The parent's meson test ran both of its tests (build_project checked
   * they passed); only those two are registered. */
  {
    g_autofree char *meson = need_program (t, "meson");
    const char *list[] = { meson, "test", "-C", builddir, "--no-rebuild", "--list", NULL };

    tests = tally_util_run_argv (t, NULL, list);
    tally_assert_cmpint (tests->status, ==, 0);
    tally_assert_cmpstr (g_strstrip (tests->out), ==, "sub\nsub-under-tally");
  }
}

static void
register_tests (void)
{
  tally_declare_marker ("nested-build", "configures and builds a meson project");
  tally_add ("/install/files", test_install_files, NULL);
  tally_add ("/install/outside-project", test_outside_project, "nested-build timeout=120");
  tally_add ("/install/subproject", test_subproject, "nested-build timeout=300");
}

TALLY_MAIN (register_tests)
