/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "tally-error.h"
#include "tally-listing-cache-private.h"
#include "tally-listing-line-private.h"
#include "tally-program-private.h"
#include "tally-text-private.h"
#include "tally-version.h"

#define LIST_TIMEOUT_S 30

/* No listing line comes near this (a test's path, file and markers): a
 * program that prints more without a newline is not listing tests. */
#define MAX_LISTING_LINE (1024 * 1024)
/* A listing line nests three deep (the header's markers); json-glib's
 * parser recurses, so a deeper line is refused before it is parsed. */
#define MAX_LISTING_NESTING 16
#define LIST_TICK_MS 250
/* Tests are made in blocks, their paths in one string chunk: no malloc
 * (and no malloc header) per test. */
#define TEST_BLOCK 256
#define STRING_CHUNK 16384

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
  program->tests = g_ptr_array_new ();
  program->declared = g_ptr_array_new_with_free_func (declared_free);
  program->test_blocks = g_ptr_array_new_with_free_func (g_free);
  program->strings = g_string_chunk_new (STRING_CHUNK);

  return program;
}

/* A new test at the end of @program's list, with no markers yet. */
static TallyListedTest *
program_add_test (TallyProgram *program,
                  const char   *path)
{
  guint n = program->tests->len;
  TallyListedTest *test;

  if (n % TEST_BLOCK == 0)
    g_ptr_array_add (program->test_blocks, g_new0 (TallyListedTest, TEST_BLOCK));
  test = (TallyListedTest *) g_ptr_array_index (program->test_blocks, n / TEST_BLOCK) + n % TEST_BLOCK;
  test->program = program;
  test->index = n;
  test->path = g_string_chunk_insert (program->strings, path);
  g_ptr_array_add (program->tests, test);

  return test;
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
  for (guint i = 0; i < program->tests->len; i++)
    g_clear_pointer (&((TallyListedTest *) g_ptr_array_index (program->tests, i))->markers,
                     tally_markers_unref);
  g_ptr_array_unref (program->tests);
  g_ptr_array_unref (program->test_blocks);
  g_string_chunk_free (program->strings);
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

/* A test line's members; @path, @file and @markers are NULL where the
 * line has no such string. */
static gboolean
add_listed_test (TallyProgram  *program,
                 const char    *path,
                 const char    *file,
                 int            line,
                 const char    *markers,
                 GHashTable    *cache,
                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
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

  test = program_add_test (program, path);
  test->file = tally_text_intern_after (&program->last_file, file);
  test->line = line;
  test->markers = parsed;

  return TRUE;
}

/* A test line json-glib parsed. */
static gboolean
parse_test (TallyProgram  *program,
            JsonNode      *node,
            GHashTable    *cache,
            GError       **error)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  return add_listed_test (program,
                          object ? member_string (object, "path") : NULL,
                          object ? member_string (object, "file") : NULL,
                          object && json_object_has_member (object, "line")
                          ? (int) json_object_get_int_member (object, "line") : 0,
                          object ? member_string (object, "markers") : NULL,
                          cache, error);
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
              gint64        *announced,
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

  if (json_object_has_member (root, "markers")
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "markers")))
    parse_declared (program, json_object_get_array_member (root, "markers"));

  if (json_object_has_member (root, "tests"))
    *announced = json_object_get_int_member (root, "tests");

  return TRUE;
}

/* How deep the arrays and objects of a JSON text nest, brackets inside
 * strings left out. */
static guint
json_nesting (const char *text,
              gsize       len)
{
  gboolean in_string = FALSE;
  guint depth = 0, deepest = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (in_string)
        {
          if (text[i] == '\\')
            i++;
          else if (text[i] == '"')
            in_string = FALSE;
        }
      else if (text[i] == '"')
        in_string = TRUE;
      else if (text[i] == '[' || text[i] == '{')
        deepest = MAX (deepest, ++depth);
      else if ((text[i] == ']' || text[i] == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

static gboolean
parse_listing_line (TallyProgram      *program,
                    JsonParser        *parser,
                    TallyListingLine  *fields,
                    GHashTable        *cache,
                    const char        *line,
                    gsize              len,
                    gboolean           header,
                    gint64            *announced,
                    GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  /* The common case without json-glib (tally-listing-line.c). */
  if (!header && tally_listing_line_parse (fields, line, len))
    return add_listed_test (program,
                            fields->has_path ? fields->path->str : NULL,
                            fields->has_file ? fields->file->str : NULL,
                            fields->has_line ? (int) fields->line : 0,
                            fields->has_markers ? fields->markers->str : NULL,
                            cache, error);

  if (json_nesting (line, len) > MAX_LISTING_NESTING)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "its --tally-list output is not a Tally listing (line %u nests deeper than %d)",
                   program->tests->len + (header ? 1 : 2), MAX_LISTING_NESTING);
      return FALSE;
    }
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
                         announced, error);

  return parse_test (program, root, cache, error);
}

/* Splits what a listing prints into lines as it arrives, so the
 * runner never holds a whole listing (8.7 MB at 100,000 tests). */
typedef struct
{
  GByteArray *partial;      /* a line not yet ended */
  void (*line) (gpointer data, const char *line, gsize len);
  gpointer data;
  gboolean too_long;        /* a line passed MAX_LISTING_LINE: the rest is
                               ignored */
} LineSplitter;


static void
line_splitter_init (LineSplitter *splitter,
                    void        (*line) (gpointer, const char *, gsize),
                    gpointer      data)
{
  splitter->partial = g_byte_array_new ();
  splitter->line = line;
  splitter->data = data;
  splitter->too_long = FALSE;
}

static void
line_splitter_feed (LineSplitter *splitter,
                    const char   *data,
                    gsize         len)
{
  const char *end = data + len;

  while (data < end && !splitter->too_long)
    {
      const char *nl = memchr (data, '\n', end - data);

      if ((gsize) ((nl ? nl : end) - data) + splitter->partial->len > MAX_LISTING_LINE)
        {
          splitter->too_long = TRUE;
          g_byte_array_set_size (splitter->partial, 0);
          return;
        }
      if (nl == NULL)
        {
          g_byte_array_append (splitter->partial, (const guint8 *) data, end - data);
          return;
        }
      if (splitter->partial->len > 0)
        {
          g_byte_array_append (splitter->partial, (const guint8 *) data, nl - data);
          splitter->line (splitter->data, (const char *) splitter->partial->data,
                          splitter->partial->len);
          g_byte_array_set_size (splitter->partial, 0);
        }
      else
        splitter->line (splitter->data, data, nl - data);
      data = nl + 1;
    }
}

/* The last line, if it has no newline; frees the splitter. */
static void
line_splitter_finish (LineSplitter *splitter)
{
  if (splitter->partial->len > 0 && !splitter->too_long)
    splitter->line (splitter->data, (const char *) splitter->partial->data, splitter->partial->len);
  g_clear_pointer (&splitter->partial, g_byte_array_unref);
}

/* JSON Lines (see tally-list.c): a header, then one test a line, each
 * parsed and dropped in turn. */
typedef struct
{
  TallyProgram *program;
  JsonParser *parser;
  TallyListingLine fields;  /* a test line's members */
  GHashTable *cache;        /* marker string → TallyMarkers */
  gboolean header;          /* the next line is the header */
  gint64 announced;         /* the header's number of tests; -1: none said */
  GError *error;            /* the first problem; later lines are ignored */
} NativeParse;

static void
native_parse_init (NativeParse *parse,
                   const char  *path)
{
  parse->program = program_new (path);
  parse->parser = json_parser_new_immutable ();
  tally_listing_line_init (&parse->fields);
  parse->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) tally_markers_unref);
  parse->header = TRUE;
  parse->announced = -1;
  parse->error = NULL;
}

static void
native_parse_line (gpointer    data,
                   const char *line,
                   gsize       len)
{
  NativeParse *parse = data;

  if (len == 0 || parse->error != NULL)
    return;
  if (parse_listing_line (parse->program, parse->parser, &parse->fields, parse->cache, line, len,
                          parse->header, &parse->announced, &parse->error))
    parse->header = FALSE;
}

/* Returns the program (or NULL with @error set) and frees the rest. */
static TallyProgram *
native_parse_finish (NativeParse  *parse,
                     GError      **error)
{
  g_autoptr(TallyProgram) program = g_steal_pointer (&parse->program);

  g_clear_object (&parse->parser);
  tally_listing_line_clear (&parse->fields);
  g_clear_pointer (&parse->cache, g_hash_table_unref);
  if (parse->error == NULL && parse->header)
    g_set_error (&parse->error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                 "its --tally-list output is empty");
  /* A listing cut short (its process died mid-way) is no listing. */
  if (parse->error == NULL && parse->announced >= 0 && program->tests->len != parse->announced)
    g_set_error (&parse->error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                 "its --tally-list output lists %u tests, its header says %" G_GINT64_FORMAT,
                 program->tests->len, parse->announced);
  if (parse->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&parse->error));
      return NULL;
    }
  return g_steal_pointer (&program);
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
  NativeParse parse;
  LineSplitter splitter;

  native_parse_init (&parse, path);
  line_splitter_init (&splitter, native_parse_line, &parse);
  line_splitter_feed (&splitter, json, len);
  line_splitter_finish (&splitter);
  return native_parse_finish (&parse, error);
}

#define READ_CHUNK 65536

/* What a listing's stderr keeps: the reason for a failure is in its
 * first line; a program that floods stderr costs no more. */
#define MAX_LISTING_STDERR (64 * 1024)

typedef struct
{
  LineSplitter *out;        /* where stdout goes, line by line */
  GBytes *err;
  GByteArray *err_head;     /* the first MAX_LISTING_STDERR bytes */
  GError *error;
  guint8 *buffer;           /* READ_CHUNK bytes */
  guint8 *err_buffer;       /* READ_CHUNK bytes */
  GCancellable *stop;       /* cancels both reads: caller's or ours */
  guint pending;            /* streams not yet at their end */
  GSubprocess *subprocess;
  gint64 started;           /* monotonic µs */
  gint64 parsing_us;        /* time spent parsing, not the program's */
  gboolean timed_out;
  gboolean stopped;         /* killed by us: cancelled reads are expected */
  GByteArray *captured;     /* stdout as printed, for the listing cache, or NULL */
} Listing;

/* A listing larger than this is not cached: GLib's largest -l (checksum,
 * 1,851 cases) is 60 KB; a Tally program of a few thousand tests lists
 * in one fast process, and holding its listing (8.7 MB at 100,000 tests)
 * would grow the runner. */
#define MAX_CACHED_LISTING (256 * 1024)

static void read_stdout (GInputStream *stream, Listing *listing);

/* Kills the program and stops reading: processes it started may hold
 * the pipes open for ever, and need not be waited for (they get EPIPE
 * or SIGPIPE at their next write). */
static void
stop_listing (Listing *listing)
{
  listing->stopped = TRUE;
  g_subprocess_force_exit (listing->subprocess);
  g_cancellable_cancel (listing->stop);
}

/* A read's end: its error is kept unless it is the cancellation that
 * stop_listing() caused. */
static void
read_ended (Listing *listing,
            GError  *error)
{
  if (error != NULL && listing->error == NULL
      && !(listing->stopped && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    listing->error = g_steal_pointer (&error);
  g_clear_error (&error);
  listing->pending--;
}

/* What a listing printed: parsed line by line, and kept for the listing
 * cache while it is small enough to be cached. */
static void
listing_feed (Listing       *listing,
              LineSplitter  *splitter,
              const guint8  *data,
              gsize          n)
{
  line_splitter_feed (splitter, (const char *) data, n);
  if (listing->captured != NULL && listing->captured->len + n <= MAX_CACHED_LISTING)
    g_byte_array_append (listing->captured, data, n);
  else
    g_clear_pointer (&listing->captured, g_byte_array_unref);
}

static void
on_stdout_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Listing *listing = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n > 0)
    {
      gint64 start = g_get_monotonic_time ();

      listing_feed (listing, listing->out, listing->buffer, n);
      listing->parsing_us += g_get_monotonic_time () - start;
      if (!listing->out->too_long)
        {
          read_stdout (G_INPUT_STREAM (object), listing);
          return;
        }
      /* Endless output is no listing: stop it now, not at the timeout. */
      if (listing->error == NULL)
        g_set_error (&listing->error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                     "its listing printed a line longer than %d MiB: not a test listing",
                     MAX_LISTING_LINE / (1024 * 1024));
      stop_listing (listing);
    }
  read_ended (listing, error);
}

static void
read_stdout (GInputStream *stream,
             Listing      *listing)
{
  g_input_stream_read_async (stream, listing->buffer, READ_CHUNK, G_PRIORITY_DEFAULT,
                             listing->stop, on_stdout_read_cb, listing);
}

static void read_stderr (GInputStream *stream, Listing *listing);

static void
on_stderr_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Listing *listing = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n > 0)
    {
      guint room = MAX_LISTING_STDERR - listing->err_head->len;

      g_byte_array_append (listing->err_head, listing->err_buffer, MIN ((guint) n, room));
      read_stderr (G_INPUT_STREAM (object), listing);
      return;
    }
  read_ended (listing, error);
}

static void
read_stderr (GInputStream *stream,
             Listing      *listing)
{
  g_input_stream_read_async (stream, listing->err_buffer, READ_CHUNK, G_PRIORITY_DEFAULT,
                             listing->stop, on_stderr_read_cb, listing);
}

/* The listing is parsed as it arrives, so the program waits while the
 * runner parses (slow under valgrind): that time is not the program's. */
static gboolean
on_list_tick_cb (gpointer user_data)
{
  Listing *listing = user_data;
  gint64 used = g_get_monotonic_time () - listing->started - listing->parsing_us;

  if (used < LIST_TIMEOUT_S * G_USEC_PER_SEC || listing->timed_out)
    return G_SOURCE_CONTINUE;
  listing->timed_out = TRUE;
  stop_listing (listing);
  return G_SOURCE_CONTINUE;
}

/* The first line with something on it: GLib's warnings start with an
 * empty one ("\n(process:1): Gtk-WARNING **: cannot open display: "). */
static char *
first_line (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  const char *end;
  g_autofree char *line = NULL;

  while (len > 0 && g_ascii_isspace (*data))
    data++, len--;
  if (len == 0)
    return NULL;
  end = memchr (data, '\n', len);
  line = g_utf8_make_valid (data, end ? end - data : (gssize) MIN (len, 200));
  if (strstr (line, "cannot open display") != NULL)
    return g_strconcat (line, " (no display for GTK: run it under xvfb-run -a, "
                        "or call gtk_init () in the tests, not before tally_run ())", NULL);
  return g_steal_pointer (&line);
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
  /* INHERIT_FDS: GLib's posix_spawn path, as for workers
   * (tally-worker-proc.c); a listing is on every run's critical path. */
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                             | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                                             | G_SUBPROCESS_FLAGS_STDIN_INHERIT
                                                             | G_SUBPROCESS_FLAGS_INHERIT_FDS);

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

static void
on_caller_cancelled_cb (GCancellable *cancellable,
                        gpointer      stop)
{
  g_cancellable_cancel (stop);
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
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  gulong cancelled_id = 0;
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
  listing->subprocess = subprocess;
  listing->started = g_get_monotonic_time ();
  timeout = g_timeout_source_new (LIST_TICK_MS);
  g_source_set_callback (timeout, on_list_tick_cb, listing, NULL);
  g_source_attach (timeout, context);
  listing->buffer = g_malloc (READ_CHUNK);
  listing->err_buffer = g_malloc (READ_CHUNK);
  listing->err_head = g_byte_array_new ();
  listing->stop = stop;
  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled_cb),
                                          g_object_ref (stop), g_object_unref);
  listing->pending = 2;
  read_stderr (g_subprocess_get_stderr_pipe (subprocess), listing);
  read_stdout (g_subprocess_get_stdout_pipe (subprocess), listing);
  while (listing->pending > 0)
    g_main_context_iteration (context, TRUE);
  g_cancellable_disconnect (cancellable, cancelled_id);
  listing->stop = NULL;
  listing->err = g_byte_array_free_to_bytes (g_steal_pointer (&listing->err_head));
  g_clear_pointer (&listing->buffer, g_free);
  g_clear_pointer (&listing->err_buffer, g_free);
  g_source_destroy (timeout);
  g_subprocess_wait (subprocess, NULL, NULL);
  g_main_context_pop_thread_default (context);
  listing->subprocess = NULL;

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
  g_clear_pointer (&listing->err, g_bytes_unref);
  g_clear_pointer (&listing->captured, g_byte_array_unref);
  g_clear_error (&listing->error);
}

/* The listing cache's side of a listing: the key, the file's identity,
 * and a cached listing when it still holds. */
typedef struct
{
  char *key;
  TallyListingId *id;
  GBytes *cached;
} CacheProbe;

static void
cache_probe (const TallyProgramSpec *spec,
             const char             *flag,
             CacheProbe             *probe)
{
  memset (probe, 0, sizeof *probe);
  if (spec->listing_cache == NULL)
    return;
  probe->key = tally_listing_cache_key (flag, spec->path, spec->args, spec->envp, spec->workdir);
  probe->cached = tally_listing_cache_lookup (spec->listing_cache, probe->key, spec->path, &probe->id);
}

static void
cache_probe_clear (CacheProbe *probe)
{
  g_clear_pointer (&probe->key, g_free);
  g_clear_pointer (&probe->id, tally_listing_id_free);
  g_clear_pointer (&probe->cached, g_bytes_unref);
}

/* A cached listing that does not parse (the database was edited or
 * damaged) is dropped, and the program listed again. */
static void
cache_reject (const TallyProgramSpec *spec,
              CacheProbe             *probe,
              const char             *why)
{
  g_warning ("%s: the cached listing is unusable (%s): listing the program again",
             spec->path, why);
  tally_listing_cache_forget (spec->listing_cache, probe->key);
  g_clear_pointer (&probe->cached, g_bytes_unref);
}

static void
cache_keep (const TallyProgramSpec *spec,
            CacheProbe             *probe,
            Listing                *listing)
{
  g_autoptr(GBytes) bytes = NULL;

  if (spec->listing_cache == NULL || listing->captured == NULL)
    return;
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&listing->captured));
  tally_listing_cache_store (spec->listing_cache, probe->key, g_steal_pointer (&probe->id), bytes);
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
typedef struct
{
  TallyProgram *program;
  GHashTable *seen;         /* test paths, borrowed from the tests */
  TallyMarkers *none;       /* shared by the tests until they get markers */
  char *bad_path;           /* the first path that is not valid UTF-8, made inert */
} GTestParse;

#define INVALID_UTF8 "[Invalid UTF-8] "

static void
gtest_parse_init (GTestParse *parse,
                  const char *path)
{
  parse->program = program_new (path);
  parse->program->kind = TALLY_PROGRAM_GTEST;
  parse->seen = g_hash_table_new (g_str_hash, g_str_equal);
  parse->none = tally_markers_new ();
  parse->bad_path = NULL;
}

static void
gtest_parse_line (gpointer    data,
                  const char *line,
                  gsize       len)
{
  GTestParse *parse = data;
  TallyListedTest *test;
  g_autofree char *test_path = NULL;

  if (len > 0 && line[len - 1] == '\r')
    len--;
  /* GLib's g_print() marks and escapes text that is not UTF-8. */
  if (len > strlen (INVALID_UTF8) && strncmp (line, INVALID_UTF8, strlen (INVALID_UTF8)) == 0
      && line[strlen (INVALID_UTF8)] == '/')
    {
      if (parse->bad_path == NULL)
        parse->bad_path = tally_text_inert (line + strlen (INVALID_UTF8), len - strlen (INVALID_UTF8), FALSE);
      return;
    }
  if (len == 0 || line[0] != '/' || memchr (line, '\0', len) != NULL)
    return;
  /* Test paths are stored and shown as text: a path that is not would
   * be dropped somewhere on the way, so the program is refused. */
  if (!g_utf8_validate (line, len, NULL))
    {
      if (parse->bad_path == NULL)
        parse->bad_path = tally_text_inert (line, len, FALSE);
      return;
    }

  test_path = g_strndup (line, len);
  if (g_hash_table_contains (parse->seen, test_path))
    return;

  test = program_add_test (parse->program, test_path);
  test->markers = tally_markers_ref (parse->none);
  g_hash_table_add (parse->seen, test->path);
}

static TallyProgram *
gtest_parse_finish (GTestParse *parse)
{
  g_clear_pointer (&parse->seen, g_hash_table_unref);
  g_clear_pointer (&parse->none, tally_markers_unref);
  g_clear_pointer (&parse->bad_path, g_free);
  return g_steal_pointer (&parse->program);
}

TallyProgram *
tally_program_parse_gtest_listing (const char *path,
                                   const char *text,
                                   gsize       len)
{
  GTestParse parse;
  LineSplitter splitter;

  gtest_parse_init (&parse, path);
  line_splitter_init (&splitter, gtest_parse_line, &parse);
  line_splitter_feed (&splitter, text, len);
  line_splitter_finish (&splitter);
  return gtest_parse_finish (&parse);
}

typedef enum
{
  SNIFF_UNKNOWN,
  SNIFF_NATIVE,             /* links libtally */
  SNIFF_GTEST,              /* calls g_test_init() */
} Sniff;

/* What reading a program made of it, said by `tally list -v` and in the
 * error line of a program that is neither. */
/* Looks inside the file rather than running it: a GTest binary given
 * `--tally-list` would ignore the option and run all its tests. An ELF
 * file is a Tally program if it links libtally-1 (the DT_NEEDED name) or
 * holds Tally's own strings (a static link); a GTest binary if it calls
 * g_test_init(). */
static Sniff
sniff_why (const char  *path,
           const char **why)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, NULL);
  const char *data;
  gsize len;

  *why = "unreadable";
  if (mapped == NULL)
    return SNIFF_UNKNOWN;
  data = g_mapped_file_get_contents (mapped);
  len = g_mapped_file_get_length (mapped);
  *why = "not an ELF file (a script?)";
  if (data == NULL || len < 4 || memcmp (data, "\177ELF", 4) != 0)
    return SNIFF_UNKNOWN;
  *why = "a Tally program (links libtally-1)";
  if (memmem (data, len, "libtally-1.so", 13))
    return SNIFF_NATIVE;
  *why = "a Tally program (holds Tally's --tally-list)";
  if (memmem (data, len, "--tally-list", 12) || memmem (data, len, "tally_init", 10))
    return SNIFF_NATIVE;
  *why = "a GTest binary (calls g_test_init)";
  if (memmem (data, len, "g_test_init", 11))
    return SNIFF_GTEST;
  *why = "an ELF program that neither links libtally-1 nor calls g_test_init";
  return SNIFF_UNKNOWN;
}

static Sniff
sniff (const char *path)
{
  const char *why;

  return sniff_why (path, &why);
}

/**
 * tally_program_looks_native:
 * @path: a program named on the command line
 *
 * Whether @path looks like a Tally program from the inside (no listing
 * run): what `tally run` needs to start its workers while the listing
 * runs. The listing still decides.
 */
gboolean
tally_program_looks_native (const char *path)
{
  return access (path, X_OK) == 0 && !g_file_test (path, G_FILE_TEST_IS_DIR)
         && sniff (path) == SNIFF_NATIVE;
}

/**
 * tally_program_new_unlisted:
 * @path: a program named on the command line
 *
 * Returns: (transfer full): a Tally program with no tests yet: what a
 *   worker started before the listing runs (see tally_worker_proc_adopt())
 */
TallyProgram *
tally_program_new_unlisted (const char *path)
{
  return program_new (path);
}

/* A listing parsed from the cache, or NULL (and the entry dropped). */
static TallyProgram *
native_from_cache (const TallyProgramSpec *spec,
                   CacheProbe             *probe)
{
  g_autoptr(GError) parse_error = NULL;
  LineSplitter splitter;
  NativeParse parse;
  TallyProgram *program;
  gsize len;
  const char *data;

  if (probe->cached == NULL)
    return NULL;
  data = g_bytes_get_data (probe->cached, &len);
  native_parse_init (&parse, spec->path);
  line_splitter_init (&splitter, native_parse_line, &parse);
  line_splitter_feed (&splitter, data, len);
  line_splitter_finish (&splitter);
  g_clear_pointer (&splitter.partial, g_byte_array_unref);
  program = native_parse_finish (&parse, &parse_error);
  if (program == NULL)
    cache_reject (spec, probe, parse_error->message);
  else
    program->listing_cached = TRUE;
  return program;
}

/* The listing an early worker of `tally run` wrote on @fd (TALLY_LIST_FD
 * in libcore/tally-worker.c), or NULL if it is not all there (the worker
 * died, or printed something else): the program is then listed the usual
 * way, which says why. Read here, on the discovery's thread. */
static TallyProgram *
native_from_worker (const TallyProgramSpec *spec,
                    int                     fd,
                    CacheProbe             *probe)
{
  g_autoptr(GError) parse_error = NULL;
  g_autofree guint8 *buffer = g_malloc (READ_CHUNK);
  gint64 deadline = g_get_monotonic_time () + LIST_TIMEOUT_S * G_USEC_PER_SEC;
  Listing listing = { 0 };
  LineSplitter splitter;
  NativeParse parse;
  TallyProgram *program;
  gboolean ended = FALSE;

  native_parse_init (&parse, spec->path);
  line_splitter_init (&splitter, native_parse_line, &parse);
  listing.captured = spec->listing_cache != NULL ? g_byte_array_new () : NULL;
  while (!splitter.too_long)
    {
      struct pollfd ready = { fd, POLLIN, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      ssize_t n;
      int polled;

      if (left <= 0)
        break;
      polled = poll (&ready, 1, (int) MIN (left / 1000 + 1, G_MAXINT));
      if (polled < 0 && errno == EINTR)
        continue;
      if (polled <= 0)
        break;
      n = read (fd, buffer, READ_CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      ended = n == 0;
      if (n <= 0)
        break;
      listing_feed (&listing, &splitter, buffer, n);
    }
  if (ended)
    line_splitter_finish (&splitter);
  g_clear_pointer (&splitter.partial, g_byte_array_unref);
  program = native_parse_finish (&parse, &parse_error);
  if (program != NULL && !ended)
    g_clear_pointer (&program, tally_program_unref);

  if (program != NULL)
    cache_keep (spec, probe, &listing);
  else
    g_debug ("%s: the early worker's listing is unusable (%s): listing the program",
             spec->path, parse_error ? parse_error->message : "it did not end");
  listing_clear (&listing);
  return program;
}

static TallyProgram *
list_native (const TallyProgramSpec  *spec,
             GCancellable            *cancellable,
             GError                 **error)
{
  Listing listing = { 0 };
  LineSplitter splitter;
  NativeParse parse;
  g_autoptr(GError) parse_error = NULL;
  CacheProbe probe;
  TallyProgram *program;
  gboolean ran;
  int status = 0;

  cache_probe (spec, "--tally-list", &probe);
  if ((program = native_from_cache (spec, &probe)) != NULL
      || (spec->listing_fd != NULL && *spec->listing_fd >= 0
          && (program = native_from_worker (spec, *spec->listing_fd, &probe)) != NULL))
    {
      cache_probe_clear (&probe);
      return program;
    }

  native_parse_init (&parse, spec->path);
  line_splitter_init (&splitter, native_parse_line, &parse);
  listing.out = &splitter;
  listing.captured = spec->listing_cache != NULL ? g_byte_array_new () : NULL;
  ran = run_listing (spec, "--tally-list", cancellable, &listing, &status, error);
  if (ran)
    line_splitter_finish (&splitter);
  g_clear_pointer (&splitter.partial, g_byte_array_unref);
  program = native_parse_finish (&parse, &parse_error);

  /* How the listing ended comes before what it said. */
  if (!ran || !check_listing_status ("--tally-list", &listing, status, error))
    g_clear_pointer (&program, tally_program_unref);
  else if (program == NULL)
    g_propagate_error (error, g_steal_pointer (&parse_error));
  else
    cache_keep (spec, &probe, &listing);
  listing_clear (&listing);
  cache_probe_clear (&probe);
  return program;
}

/* Only listings that named tests were cached: one that names none, or a
 * path that is not UTF-8, was damaged. */
static TallyProgram *
gtest_from_cache (const TallyProgramSpec *spec,
                  CacheProbe             *probe)
{
  TallyProgram *program;
  GTestParse parse;
  LineSplitter splitter;
  gboolean bad;
  gsize len;
  const char *data;

  if (probe->cached == NULL)
    return NULL;
  data = g_bytes_get_data (probe->cached, &len);
  gtest_parse_init (&parse, spec->path);
  line_splitter_init (&splitter, gtest_parse_line, &parse);
  line_splitter_feed (&splitter, data, len);
  line_splitter_finish (&splitter);
  g_clear_pointer (&splitter.partial, g_byte_array_unref);
  bad = parse.bad_path != NULL;
  program = gtest_parse_finish (&parse);
  if (bad || program->tests->len == 0)
    {
      cache_reject (spec, probe, bad ? "a test path is not UTF-8" : "it names no test");
      g_clear_pointer (&program, tally_program_unref);
    }
  else
    program->listing_cached = TRUE;
  return program;
}

static TallyProgram *
list_gtest (const TallyProgramSpec  *spec,
            GCancellable            *cancellable,
            GError                 **error)
{
  Listing listing = { 0 };
  LineSplitter splitter;
  GTestParse parse;
  TallyProgram *program;
  g_autofree char *bad_path = NULL;
  CacheProbe probe;
  gboolean ran;
  int status = 0;

  cache_probe (spec, "-l", &probe);
  if ((program = gtest_from_cache (spec, &probe)) != NULL)
    {
      cache_probe_clear (&probe);
      return program;
    }

  gtest_parse_init (&parse, spec->path);
  line_splitter_init (&splitter, gtest_parse_line, &parse);
  listing.out = &splitter;
  listing.captured = spec->listing_cache != NULL ? g_byte_array_new () : NULL;
  ran = run_listing (spec, "-l", cancellable, &listing, &status, error);
  if (ran)
    line_splitter_finish (&splitter);
  g_clear_pointer (&splitter.partial, g_byte_array_unref);
  bad_path = g_steal_pointer (&parse.bad_path);
  program = gtest_parse_finish (&parse);

  if (!ran || !check_listing_status ("-l", &listing, status, error))
    g_clear_pointer (&program, tally_program_unref);
  else if (bad_path != NULL)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                   "test path %s is not valid UTF-8: rename the test", bad_path);
      g_clear_pointer (&program, tally_program_unref);
    }
  else if (program->tests->len > 0)
    cache_keep (spec, &probe, &listing);
  listing_clear (&listing);
  cache_probe_clear (&probe);
  return program;
}

static TallyProgram *
plain_program (const TallyProgramSpec *spec)
{
  TallyProgram *program = program_new (spec->path);
  TallyListedTest *test = program_add_test (program, "/");

  program->kind = TALLY_PROGRAM_PLAIN;
  test->markers = tally_markers_new ();
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
set_if_absent (TallyMarkers **markers,
               const char    *name,
               const char    *value)
{
  if (tally_markers_has (*markers, name))
    return;
  tally_markers_ensure_own (markers);
  tally_markers_set (*markers, name, value);
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

  /* Tests that shared markers share the result too: one copy per
   * marker set, not per test. The cache holds the old sets, so their
   * addresses stay theirs. */
  g_autoptr(GHashTable) done = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) tally_markers_unref,
                                                      (GDestroyNotify) tally_markers_unref);

  for (guint i = 0; i < program->tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (program->tests, i);
      TallyMarkers *markers = g_hash_table_lookup (done, test->markers);

      if (markers != NULL)
        {
          tally_markers_unref (test->markers);
          test->markers = tally_markers_ref (markers);
          continue;
        }

      markers = tally_markers_ref (test->markers);
      if (program->kind == TALLY_PROGRAM_GTEST)
        set_if_absent (&markers, "gtest", NULL);
      else if (program->kind == TALLY_PROGRAM_PLAIN)
        set_if_absent (&markers, "plain", NULL);
      if (spec->suites && spec->suites[0])
        set_if_absent (&markers, "suite", suite_short_name (spec->suites[0]));
      for (guint s = 0; spec->suites && spec->suites[s]; s++)
        if (is_marker_name (suite_short_name (spec->suites[s])))
          set_if_absent (&markers, suite_short_name (spec->suites[s]), NULL);
      if (spec->serial)
        set_if_absent (&markers, "serial", NULL);
      if (spec->timeout_s > 0)
        set_if_absent (&markers, "timeout", timeout);

      g_hash_table_insert (done, test->markers, tally_markers_ref (markers));
      test->markers = markers;
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
 * GTest binary; anything else is an error. Reading it decides; one that
 * reading cannot place (a script, say) is run once, with --tally-list:
 * never a second time to try -l (a GTest binary behind a script takes
 * --gtest). */
static TallyProgram *
discover_named (const TallyProgramSpec  *spec,
                Sniff                    kind,
                const char              *why,
                GCancellable            *cancellable,
                GError                 **error)
{
  g_autoptr(GError) native_error = NULL;
  g_autoptr(GError) gtest_error = NULL;
  g_autoptr(TallyProgram) program = NULL;

  if (kind == SNIFF_NATIVE)
    return list_native (spec, cancellable, error);
  if (kind == SNIFF_UNKNOWN)
    {
      if ((program = list_native (spec, cancellable, &native_error)))
        {
          program->taken_for = "a Tally program (its --tally-list listing)";
          return g_steal_pointer (&program);
        }
      if (g_error_matches (native_error, TALLY_ERROR, TALLY_ERROR_PROTOCOL))
        g_propagate_error (error, g_steal_pointer (&native_error));
      else
        g_set_error (error, TALLY_ERROR, TALLY_ERROR_NOT_A_TEST,
                     "not a Tally test program nor a GTest binary: read as %s, and run once "
                     "with --tally-list: %s (a GTest binary behind a script: use --gtest)",
                     why, native_error->message);
      return NULL;
    }

  program = list_gtest (spec, cancellable, &gtest_error);
  if (program != NULL && program->tests->len > 0)
    return g_steal_pointer (&program);

  if (gtest_error != NULL)
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
  const char *why = "a GTest binary (--gtest)";
  Sniff kind;

  if (!check_executable (spec->path, &local_error))
    goto out;

  kind = spec->force_gtest ? SNIFF_GTEST : sniff_why (spec->path, &why);
  if (spec->registered)
    program = discover_registered (spec, kind, cancellable, &local_error);
  else
    program = discover_named (spec, kind, why, cancellable, &local_error);
  if (program != NULL)
    {
      if (program->taken_for == NULL)
        program->taken_for = program->kind == TALLY_PROGRAM_PLAIN ? "a plain program (one test)" : why;
      apply_spec (program, spec);
    }

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
