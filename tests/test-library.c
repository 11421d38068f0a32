/* test-library.c — libtally-1.so is the small test library, nothing more
 *
 * What a test program links must not carry the runner's engine: no
 * SQLite, exactly the symbols libtally.map lists, and no libcore file
 * reaching into engine/.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <tally.h>

static char *
source_path (const char *relative)
{
  const char *srcdir = g_getenv ("TALLY_SRCDIR");

  if (srcdir == NULL)
    tally_test_skip (tally_test_get_current (), "TALLY_SRCDIR is not set (run under meson)");
  return g_build_filename (srcdir, relative, NULL);
}

static char *
library_path (void)
{
  const char *builddir = g_getenv ("TALLY_BUILDDIR");

  if (builddir == NULL)
    tally_test_skip (tally_test_get_current (), "TALLY_BUILDDIR is not set (run under meson)");
  return g_build_filename (builddir, "libcore", "libtally-1.so", NULL);
}

/* readelf's output for FLAGS on @file (binutils comes with gcc). */
static char *
readelf_file (const char *flags,
              const char *file)
{
  const char *argv[] = { "readelf", "--wide", flags, file, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  tally_assert_no_error (error);
  tally_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* readelf's output for FLAGS on the library. */
static char *
readelf (const char *flags)
{
  g_autofree char *library = library_path ();

  return readelf_file (flags, library);
}

/* The symbols a version script exports: the names between "global:" and
 * "local:". */
static GPtrArray *
map_symbols (void)
{
  g_autofree char *map = source_path ("libcore/libtally.map");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *symbols = g_ptr_array_new_with_free_func (g_free);
  gboolean global = FALSE;

  g_file_get_contents (map, &text, NULL, &error);
  tally_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));

      if (g_str_equal (line, "global:"))
        global = TRUE;
      else if (g_str_equal (line, "local:"))
        global = FALSE;
      else if (global && g_str_has_suffix (line, ";"))
        g_ptr_array_add (symbols, g_strndup (line, strlen (line) - 1));
    }
  return symbols;
}

/* Defined, global dynamic symbols, without the version node itself. The
 * --dyn-syms columns: Num Value Size Type Bind Vis Ndx Name. */
static GPtrArray *
exported_symbols (void)
{
  g_autofree char *out = readelf ("--dyn-syms");
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  GPtrArray *symbols = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cols = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();
      g_auto(GStrv) name = NULL;

      for (guint j = 0; cols[j] != NULL; j++)
        if (cols[j][0] != '\0')
          g_ptr_array_add (words, cols[j]);
      if (words->len < 8 || !g_str_equal (words->pdata[4], "GLOBAL") ||
          g_str_equal (words->pdata[6], "UND") || g_str_equal (words->pdata[6], "ABS"))
        continue;
      name = g_strsplit (words->pdata[7], "@", 2);   /* "tally_init@@TALLY_1" */
      g_ptr_array_add (symbols, g_strdup (name[0]));
    }
  return symbols;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
joined_sorted (GPtrArray *strings)
{
  g_ptr_array_sort (strings, compare_strings);
  g_ptr_array_add (strings, NULL);
  return g_strjoinv (" ", (char **) strings->pdata);
}

static void
test_exports_match_map (TallyTest *t, gconstpointer data)
{
  g_autoptr(GPtrArray) listed = map_symbols ();
  g_autoptr(GPtrArray) exported = exported_symbols ();
  g_autofree char *listed_text = NULL;
  g_autofree char *exported_text = NULL;

  tally_assert_cmpuint (listed->len, >, 40);
  listed_text = joined_sorted (listed);
  exported_text = joined_sorted (exported);
  tally_assert_cmpstr (exported_text, ==, listed_text);
}

static void
test_needs_no_sqlite (TallyTest *t, gconstpointer data)
{
  g_autofree char *dynamic = readelf ("--dynamic");

  tally_assert_nonnull (strstr (dynamic, "(NEEDED)"));
  tally_assert_nonnull (strstr (dynamic, "[libgio-2.0.so.0]"));
  tally_assert_null (strstr (dynamic, "sqlite"));
  tally_assert_null (strstr (dynamic, "gtk"));
  tally_assert_null (strstr (dynamic, "json"));
}

/* The runner opens libdw (and what it brings) only to symbolize a crash:
 * every start of tally does not pay for mapping it. */
static void
test_runner_opens_libdw_lazily (TallyTest *t, gconstpointer data)
{
  g_autofree char *library = library_path ();
  g_autofree char *libcore = g_path_get_dirname (library);
  g_autofree char *builddir = g_path_get_dirname (libcore);
  g_autofree char *runner = g_build_filename (builddir, "runner", "tally", NULL);
  g_autofree char *dynamic = readelf_file ("--dynamic", runner);

  tally_assert_nonnull (strstr (dynamic, "[libsqlite3.so.0]"));
  tally_assert_null (strstr (dynamic, "libdw"));
  tally_assert_null (strstr (dynamic, "libelf"));
}

/* libcore's sources include only libcore's own headers (and the generated
 * config.h and tally-version.h): nothing from engine/, so the split has no
 * circles. */
static void
test_libcore_includes_only_libcore (TallyTest *t, gconstpointer data)
{
  g_autofree char *libcore = source_path ("libcore");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (libcore, 0, &error);
  g_autoptr(GRegex) include = g_regex_new ("^#include \"([^\"]+)\"", G_REGEX_MULTILINE, 0, NULL);
  guint files = 0;
  const char *name;

  tally_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (libcore, name, NULL);
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) match = NULL;

      if (!g_str_has_suffix (name, ".c") && !g_str_has_suffix (name, ".h"))
        continue;
      files++;
      g_file_get_contents (path, &text, NULL, &error);
      tally_assert_no_error (error);
      for (g_regex_match (include, text, 0, &match); g_match_info_matches (match);
           g_match_info_next (match, NULL))
        {
          g_autofree char *header = g_match_info_fetch (match, 1);
          g_autofree char *header_path = g_build_filename (libcore, header, NULL);

          if (g_str_equal (header, "config.h") || g_str_equal (header, "tally-version.h"))
            continue;
          if (!g_file_test (header_path, G_FILE_TEST_EXISTS))
            tally_fail ("libcore/%s includes \"%s\", which is not in libcore/", name, header);
        }
    }
  tally_assert_cmpuint (files, >, 30);
}

static void
register_tests (void)
{
  tally_add ("/core/library/exports-match-map", test_exports_match_map, NULL);
  tally_add ("/core/library/needs-no-sqlite", test_needs_no_sqlite, NULL);
  tally_add ("/core/library/runner-opens-libdw-lazily", test_runner_opens_libdw_lazily, NULL);
  tally_add ("/core/library/libcore-includes-only-libcore", test_libcore_includes_only_libcore, NULL);
}

TALLY_MAIN (register_tests)
