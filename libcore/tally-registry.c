/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-error.h"
#include "tally-registry-private.h"
#include "tally-text-private.h"
#include "tally-test.h"

/* Registration happens from main() before tally_run(); nothing here is
 * called from more than one thread, except the worker-fixture lookups,
 * which hold fixtures_lock.
 *
 * A program may register a million tests, and the listing probe and
 * every worker register them all, so a test costs about 55 bytes here:
 * a 24-byte record in one array, its path in a string chunk, a 4-byte
 * slot in the path index. What tests share — functions, fixture size,
 * markers, file — is one interned TestKind (a program has a few, one
 * per call site and marker string); markers are parsed once per
 * distinct string. */

typedef struct
{
  gsize fixture_size;
  TallyFixtureFunc setup;
  TallyFixtureFunc body;
  TallyFixtureFunc teardown;
  TallyTestFunc func;
  TallyMarkers *markers;     /* shared: owned by markers_by_text */
  const char *file;          /* interned */
} TestKind;

typedef struct
{
  const char *path;          /* in paths */
  gconstpointer data;
  guint32 kind;              /* in kinds */
  gint32 line;
} TestRecord;

#define PATH_CHUNK 65536

static GArray *records;             /* of TestRecord, registration order */
static GStringChunk *paths;
/* Interned: the file of the test registered last (tally_text_intern_after()). */
static const char *last_file;
static guint32 *path_slots;         /* open addressing: record index + 1, 0 free */
static guint32 path_mask;           /* slot count - 1 (a power of two) */
static GPtrArray *kinds;            /* of TestKind */
static GHashTable *kinds_index;     /* TestKind → its position + 1 */
static GHashTable *markers_by_text; /* marker string → TallyMarkers */
static GPtrArray *declared;         /* of TallyDeclaredMarker */
static GError *first_error;         /* the first bad registration */

static guint
kind_hash (gconstpointer data)
{
  const TestKind *kind = data;

  return g_direct_hash (kind->body) ^ g_direct_hash (kind->func) * 31
         ^ g_direct_hash (kind->markers) * 17 ^ g_direct_hash (kind->file);
}

static gboolean
kind_equal (gconstpointer a,
            gconstpointer b)
{
  const TestKind *x = a, *y = b;

  return x->fixture_size == y->fixture_size && x->setup == y->setup
         && x->body == y->body && x->teardown == y->teardown && x->func == y->func
         && x->markers == y->markers && x->file == y->file;
}

static void
ensure_registry (void)
{
  if G_LIKELY (records != NULL)
    return;

  records = g_array_new (FALSE, FALSE, sizeof (TestRecord));
  paths = g_string_chunk_new (PATH_CHUNK);
  path_mask = 1023;
  path_slots = g_new0 (guint32, path_mask + 1);
  kinds = g_ptr_array_new ();
  kinds_index = g_hash_table_new (kind_hash, kind_equal);
  markers_by_text = g_hash_table_new (g_str_hash, g_str_equal);
  declared = g_ptr_array_new ();
}

static inline TestRecord *
record_at (guint index)
{
  return &g_array_index (records, TestRecord, index);
}

static inline const TestKind *
kind_of (const TestRecord *record)
{
  return g_ptr_array_index (kinds, record->kind);
}

/* The slot that holds @path, or the free slot where it would go. */
static guint32 *
path_slot (const char *path)
{
  guint32 i = g_str_hash (path) & path_mask;

  while (path_slots[i] != 0 && strcmp (record_at (path_slots[i] - 1)->path, path) != 0)
    i = (i + 1) & path_mask;
  return &path_slots[i];
}

/* Keeps the index at most half full. */
static void
path_index_grow (void)
{
  g_autofree guint32 *old = g_steal_pointer (&path_slots);
  guint32 old_size = path_mask + 1;

  path_mask = old_size * 2 - 1;
  path_slots = g_new0 (guint32, path_mask + 1);
  for (guint32 i = 0; i < old_size; i++)
    if (old[i] != 0)
      *path_slot (record_at (old[i] - 1)->path) = old[i];
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

/* Returns the free slot @path goes in, or NULL. */
static guint32 *
check_path (const char *path,
            const char *file,
            int         line)
{
  guint32 *slot;

  if (path == NULL || path[0] != '/')
    {
      record_error (file, line, "test path “%s” does not start with “/”",
                    path ? path : "(null)");
      return NULL;
    }

  if (!g_utf8_validate (path, -1, NULL))
    {
      record_error (file, line, "test path is not valid UTF-8");
      return NULL;
    }

  slot = path_slot (path);
  if (*slot != 0)
    {
      const TestRecord *first = record_at (*slot - 1);

      record_error (file, line, "duplicate test path “%s” (first registered at %s:%d)",
                    path, kind_of (first)->file, first->line);
      return NULL;
    }

  return slot;
}

/* @markers parsed, once per distinct string. */
static TallyMarkers *
shared_markers (const char  *markers,
                GError     **error)
{
  const char *text = markers ? markers : "";
  TallyMarkers *parsed = g_hash_table_lookup (markers_by_text, text);

  if (parsed == NULL && (parsed = tally_markers_parse (text, error)) != NULL)
    g_hash_table_insert (markers_by_text, g_strdup (text), parsed);
  return parsed;
}

/* @kind's position in kinds, adding a copy if it is new. */
static guint32
intern_kind (const TestKind *kind)
{
  gpointer position = g_hash_table_lookup (kinds_index, kind);
  TestKind *copy;

  if (position != NULL)
    return GPOINTER_TO_UINT (position) - 1;

  copy = g_memdup2 (kind, sizeof *kind);
  g_ptr_array_add (kinds, copy);
  g_hash_table_insert (kinds_index, copy, GUINT_TO_POINTER (kinds->len));
  return kinds->len - 1;
}

/* @kind has the functions and fixture size; the rest is filled in. */
static void
add_test (const char    *path,
          gconstpointer  data,
          TestKind      *kind,
          const char    *markers,
          const char    *file,
          int            line)
{
  g_autoptr(GError) error = NULL;
  TestRecord record;
  guint32 *slot;

  ensure_registry ();

  if ((slot = check_path (path, file, line)) == NULL)
    return;

  kind->markers = shared_markers (markers, &error);
  if (kind->markers == NULL)
    {
      record_error (file, line, "bad markers “%s” for %s: %s",
                    markers, path, error->message);
      return;
    }
  kind->file = tally_text_intern_after (&last_file, file);

  record.path = g_string_chunk_insert (paths, path);
  record.data = data;
  record.kind = intern_kind (kind);
  record.line = line;
  g_array_append_val (records, record);
  *slot = records->len;
  if (records->len > path_mask / 2)
    path_index_grow ();
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
  TestKind kind = { .fixture_size = fixture_size, .setup = setup, .body = body,
                    .teardown = teardown };

  if (body == NULL)
    {
      ensure_registry ();
      record_error (file, line, "test “%s” has no function", path ? path : "(null)");
      return;
    }

  add_test (path, data, &kind, markers, file, line);
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
  TestKind kind = { .func = func };

  if (func == NULL)
    {
      ensure_registry ();
      record_error (file, line, "test “%s” has no function", path ? path : "(null)");
      return;
    }

  add_test (path, data, &kind, markers, file, line);
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

guint
tally_registry_get_n_tests (void)
{
  ensure_registry ();
  return records->len;
}

/**
 * tally_registry_get_test:
 * @index: a test's position in registration order
 * @tc: (out caller-allocates): filled with the test; its strings and
 *   markers are the registry's
 *
 * Returns: @tc
 */
TallyTestCase *
tally_registry_get_test (guint          index,
                         TallyTestCase *tc)
{
  const TestRecord *record;
  const TestKind *kind;

  ensure_registry ();
  g_assert (index < records->len);

  record = record_at (index);
  kind = kind_of (record);
  *tc = (TallyTestCase) {
    .path = (char *) record->path,
    .index = index,
    .fixture_size = kind->fixture_size,
    .data = record->data,
    .setup = kind->setup,
    .body = kind->body,
    .teardown = kind->teardown,
    .func = kind->func,
    .markers = kind->markers,
    .file = (char *) kind->file,
    .line = record->line,
  };
  return tc;
}

/**
 * tally_registry_lookup:
 * @path: a test path
 * @index: (out) (optional): its position in registration order
 *
 * Returns: whether a test has @path
 */
gboolean
tally_registry_lookup (const char *path,
                       guint      *index)
{
  guint32 slot;

  ensure_registry ();
  slot = *path_slot (path);
  if (slot != 0 && index != NULL)
    *index = slot - 1;
  return slot != 0;
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
