/* example-fileio.c — asynchronous file I/O with GIO, tested with Tally.
 *
 * Shows how a test awaits GIO async calls on its own main context
 * (tally_test_async_ready() + tally_test_await()), uses a private
 * temporary directory (tally_test_get_tmpdir()), runs one test per datum
 * (tally_add_params()) and shares set-up code through a fixture
 * (tally_add_fixture()).
 *
 * Run it:  ./example-fileio            (standalone, prints TAP)
 *          ./example-fileio -l         (list the tests)
 *          tally run -n 2 ./example-fileio
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Example"

#include <string.h>

#include <tally.h>

/* A file in the test's own temporary directory: parallel tests never see
 * each other's files, and the directory is removed when the test ends. */
static GFile *
tmp_file (TallyTest  *t,
          const char *name)
{
  return g_file_new_build_filename (tally_test_get_tmpdir (t), name, NULL);
}

/* Writes @len bytes of @data to @file and waits for it, asynchronously. */
static void
write_file (TallyTest  *t,
            GFile      *file,
            const char *data,
            gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_file_replace_contents_async (file, data, len, NULL, FALSE,
                                 G_FILE_CREATE_NONE,
                                 tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  g_file_replace_contents_finish (file, tally_test_await (t), NULL, &error);
  tally_assert_no_error (error);
}

/* Reads all of @file, asynchronously. */
static char *
read_file (TallyTest *t,
           GFile     *file,
           gsize     *len)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_load_contents_async (file, tally_test_get_cancellable (t),
                              tally_test_async_ready, t);
  g_file_load_contents_finish (file, tally_test_await (t), &contents, len,
                               NULL, &error);
  tally_assert_no_error (error);

  return contents;
}

static void
test_replace_then_load (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GFile) file = tmp_file (t, "greeting.txt");
  g_autofree char *contents = NULL;
  const char *text = "Hello from GIO\n";
  gsize len = 0;

  write_file (t, file, text, strlen (text));
  contents = read_file (t, file, &len);

  tally_assert_cmpuint (len, ==, strlen (text));
  tally_assert_cmpstr (contents, ==, text);
}

static void
test_load_missing_file (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GFile) file = tmp_file (t, "does-not-exist.txt");
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_load_contents_async (file, tally_test_get_cancellable (t),
                              tally_test_async_ready, t);

  tally_assert_false (g_file_load_contents_finish (file, tally_test_await (t),
                                                   &contents, NULL, NULL, &error));
  tally_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  tally_assert_null (contents);
}

static void
test_replace_keeps_backup (TallyTest     *t,
                           gconstpointer  data)
{
  g_autoptr(GFile) file = tmp_file (t, "settings.ini");
  g_autoptr(GFile) backup = tmp_file (t, "settings.ini~");
  g_autoptr(GError) error = NULL;
  g_autofree char *old = NULL;

  write_file (t, file, "[main]\nv=1\n", 11);

  /* make_backup = TRUE: the old contents survive as "settings.ini~". */
  g_file_replace_contents_async (file, "[main]\nv=2\n", 11, NULL, TRUE,
                                 G_FILE_CREATE_NONE,
                                 tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  g_file_replace_contents_finish (file, tally_test_await (t), NULL, &error);
  tally_assert_no_error (error);

  old = read_file (t, backup, NULL);
  tally_assert_cmpstr (old, ==, "[main]\nv=1\n");
}

/* Parametrized: the same round trip over several sizes and encodings.
 * Each TallyParam becomes its own test, /examples/fileio/round-trip/[NAME]. */

typedef struct
{
  const char *charset;   /* what goes on disk */
  const char *text;      /* UTF-8, repeated @repeat times */
  guint       repeat;
} Sample;

static const Sample sample_empty = { "UTF-8", "", 1 };
static const Sample sample_utf8 = { "UTF-8", "Grüße, 世界! ", 1 };
static const Sample sample_latin1 = { "ISO-8859-1", "Grüße, café ", 1 };
static const Sample sample_utf16 = { "UTF-16LE", "Grüße, 世界! ", 1 };
static const Sample sample_1mib = { "UTF-8", "0123456789abcdef", 65536 };

static const TallyParam round_trip_samples[] = {
  { "empty", &sample_empty },
  { "utf8", &sample_utf8 },
  { "latin1", &sample_latin1 },
  { "utf16le", &sample_utf16 },
  { "1MiB", &sample_1mib },
};

static void
test_round_trip (TallyTest     *t,
                 gconstpointer  data)
{
  const Sample *sample = data;
  g_autoptr(GFile) file = tmp_file (t, "sample");
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *loaded = NULL;
  g_autofree char *decoded = NULL;
  gsize encoded_len = 0, loaded_len = 0;

  for (guint i = 0; i < sample->repeat; i++)
    g_string_append (text, sample->text);

  encoded = g_convert (text->str, text->len, sample->charset, "UTF-8",
                       NULL, &encoded_len, &error);
  tally_assert_no_error (error);

  write_file (t, file, encoded, encoded_len);
  loaded = read_file (t, file, &loaded_len);
  tally_assert_cmpuint (loaded_len, ==, encoded_len);
  tally_assert_true (memcmp (loaded, encoded, encoded_len) == 0);

  decoded = g_convert (loaded, loaded_len, "UTF-8", sample->charset,
                       NULL, NULL, &error);
  tally_assert_no_error (error);
  tally_assert_cmpstr (decoded, ==, text->str);
}

/* A fixture: setup builds a small source tree in the test's temporary
 * directory, the body uses it, teardown releases what setup took. The
 * directory itself goes away with the test. */

typedef struct
{
  GFile *root;
} Tree;

static void
tree_setup (TallyTest     *t,
            Tree          *tree,
            gconstpointer  data)
{
  static const struct { const char *path; const char *contents; } files[] = {
    { "README.md", "# Demo\n" },
    { "src/main.c", "int main (void) { return 0; }\n" },
    { "src/util.c", "/* nothing yet */\n" },
    { "data/.keep", "" },
  };
  g_autoptr(GError) error = NULL;

  tree->root = tmp_file (t, "tree");

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GFile) file = g_file_resolve_relative_path (tree->root, files[i].path);
      g_autoptr(GFile) parent = g_file_get_parent (file);

      /* Synchronous I/O is fine in setup: it is not what we test here. */
      if (!g_file_make_directory_with_parents (parent, NULL, &error))
        {
          tally_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
          g_clear_error (&error);
        }
      g_file_set_contents (g_file_peek_path (file), files[i].contents, -1, &error);
      tally_assert_no_error (error);
    }
}

static void
tree_teardown (TallyTest     *t,
               Tree          *tree,
               gconstpointer  data)
{
  g_clear_object (&tree->root);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort() passes pointers to the elements. */
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Lists the children of @dir, sorted, the way an async file browser would:
 * enumerate_children_async, then next_files_async until an empty batch,
 * then close_async. */
static char *
list_children (TallyTest *t,
               GFile     *dir)
{
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = tally_test_get_cancellable (t);

  g_file_enumerate_children_async (dir, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                   G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                   G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                                   cancellable, tally_test_async_ready, t);
  enumerator = g_file_enumerate_children_finish (dir, tally_test_await (t), &error);
  tally_assert_no_error (error);

  for (;;)
    {
      GList *batch;

      g_file_enumerator_next_files_async (enumerator, 2, G_PRIORITY_DEFAULT,
                                          cancellable, tally_test_async_ready, t);
      batch = g_file_enumerator_next_files_finish (enumerator, tally_test_await (t), &error);
      tally_assert_no_error (error);
      if (batch == NULL)
        break;

      for (GList *l = batch; l != NULL; l = l->next)
        {
          GFileInfo *info = l->data;
          gboolean is_dir = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;

          g_ptr_array_add (names, g_strconcat (g_file_info_get_name (info),
                                               is_dir ? "/" : "", NULL));
        }
      g_list_free_full (batch, g_object_unref);
    }

  g_file_enumerator_close_async (enumerator, G_PRIORITY_DEFAULT, cancellable,
                                 tally_test_async_ready, t);
  g_file_enumerator_close_finish (enumerator, tally_test_await (t), &error);
  tally_assert_no_error (error);

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **) names->pdata);
}

static void
test_tree_enumerate_children (TallyTest     *t,
                              Tree          *tree,
                              gconstpointer  data)
{
  g_autoptr(GFile) src = g_file_get_child (tree->root, "src");
  g_autofree char *top = list_children (t, tree->root);
  g_autofree char *sources = list_children (t, src);

  tally_assert_cmpstr (top, ==, "README.md data/ src/");
  tally_assert_cmpstr (sources, ==, "main.c util.c");
}

static void
test_tree_query_info (TallyTest     *t,
                      Tree          *tree,
                      gconstpointer  data)
{
  g_autoptr(GFile) main_c = g_file_resolve_relative_path (tree->root, "src/main.c");
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  g_file_query_info_async (main_c, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                           tally_test_get_cancellable (t),
                           tally_test_async_ready, t);
  info = g_file_query_info_finish (main_c, tally_test_await (t), &error);
  tally_assert_no_error (error);

  tally_assert_cmpint (g_file_info_get_size (info), ==,
                       strlen ("int main (void) { return 0; }\n"));
}

static void
test_tree_copy (TallyTest     *t,
                Tree          *tree,
                gconstpointer  data)
{
  g_autoptr(GFile) readme = g_file_get_child (tree->root, "README.md");
  g_autoptr(GFile) copy = g_file_resolve_relative_path (tree->root, "data/README.copy");
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_file_copy_async (readme, copy, G_FILE_COPY_NONE, G_PRIORITY_DEFAULT,
                     tally_test_get_cancellable (t), NULL, NULL,
                     tally_test_async_ready, t);
  g_file_copy_finish (readme, tally_test_await (t), &error);
  tally_assert_no_error (error);

  contents = read_file (t, copy, NULL);
  tally_assert_cmpstr (contents, ==, "# Demo\n");
}

static void
register_tests (void)
{
  tally_add ("/examples/fileio/replace-then-load", test_replace_then_load, NULL);
  tally_add ("/examples/fileio/load-missing-file", test_load_missing_file, NULL);
  tally_add ("/examples/fileio/replace-keeps-backup", test_replace_keeps_backup, NULL);

  tally_add_params ("/examples/fileio/round-trip", test_round_trip,
                    round_trip_samples, NULL);

  tally_add_fixture ("/examples/fileio/tree/enumerate-children", Tree, NULL,
                     tree_setup, test_tree_enumerate_children, tree_teardown, NULL);
  tally_add_fixture ("/examples/fileio/tree/query-info", Tree, NULL,
                     tree_setup, test_tree_query_info, tree_teardown, NULL);
  tally_add_fixture ("/examples/fileio/tree/copy", Tree, NULL,
                     tree_setup, test_tree_copy, tree_teardown, NULL);
}

TALLY_MAIN (register_tests)
