/* Hostile data (docs/reliability.md): test paths, marker values, failure
 * messages, log messages, stdout and stderr holding quotes, SQL, shell
 * metacharacters, Pango markup, terminal escapes and odd Unicode
 * (tests/samples/sample-fault-hostile.h) round-trip byte for byte through
 * the database, and are shown inert: no raw ESC, BEL or other control
 * byte reaches the console of `tally run` or `tally show`, and --json is
 * valid JSON that decodes to the same bytes. Test paths must be UTF-8. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "reliability-util.h"
#include "samples/sample-fault-hostile.h"

/* Control bytes that must never reach a terminal raw (newline and tab
 * are layout; every other C0 byte, DEL, and the C1 CSI are not). */
static void
assert_inert_full (const char *what,
                   const char *text,
                   gboolean    c1_too)
{
  for (const guint8 *p = (const guint8 *) text; *p; p++)
    {
      if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
        tally_fail ("%s holds a raw control byte 0x%02x at offset %" G_GSIZE_FORMAT ": “%.40s”",
                    what, *p, (gsize) ((const char *) p - text),
                    (const char *) p - MIN (20, (const char *) p - text));
      if (c1_too && p[0] == 0xc2 && p[1] == 0x9b)
        tally_fail ("%s holds a raw C1 CSI (U+009B)", what);
    }
}

/* Console text: C0, DEL and the C1 CSI escaped. */
static void
assert_inert (const char *what,
              const char *text)
{
  assert_inert_full (what, text, TRUE);
}

static char *
hostile_path (guint i)
{
  return g_strdup_printf ("/hostile/%02u/%s", i, hostile_payloads[i].path_part);
}

static guint
payload_index (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (hostile_payloads); i++)
    if (g_str_equal (hostile_payloads[i].name, name))
      return i;
  g_assert_not_reached ();
}

/* @text shows the CSI payload escaped and never raw. */
static void
assert_shows_csi (const char *what,
                  const char *text)
{
  assert_inert (what, text);
  tally_assert_nonnull (strstr (text, "\\x1b[31mred"));
}

/* On a terminal (script(1) gives the run a pseudo-terminal), where the
 * console reporter draws live lines in colour: Tally's own escapes only,
 * none of the payloads'. */
static void
assert_terminal_inert (TallyTest  *t,
                       const char *tally,
                       const char *db,
                       const char *program)
{
  g_autofree char *script = g_find_program_in_path ("script");
  g_autofree char *quoted_tally = NULL;
  g_autofree char *quoted_db = NULL;
  g_autofree char *quoted_program = NULL;
  g_autofree char *command = NULL;
  g_autoptr(TallyRun) pty = NULL;

  if (script == NULL)
    return;
  quoted_tally = g_shell_quote (tally);
  quoted_db = g_shell_quote (db);
  quoted_program = g_shell_quote (program);
  command = g_strdup_printf ("%s run -n 2 -v --db %s %s; %s show -v --db %s", quoted_tally, quoted_db,
                             quoted_program, quoted_tally, quoted_db);
  pty = tally_util_run (t, NULL, script, "-qec", command, "/dev/null", NULL);
  tally_assert_nonnull (strstr (pty->out, "\\x1b[31mred"));
  tally_assert_null (strstr (pty->out, "\x1b[31mred"));
  tally_assert_null (strstr (pty->out, "\x1b]"));
  tally_assert_null (strstr (pty->out, "\x1b[2J"));
  tally_assert_null (strstr (pty->out, "\x1b[?25l"));
  tally_assert_null (strchr (pty->out, '\a'));
  tally_assert_null (strstr (pty->out, "\xc2\x9b"));
}

/* `tally show`'s line that reruns a failed test alone (printed for a
 * program stored with a directory): quoted so that it reruns the exact
 * test, and inert. */
static void
assert_rerun_line_inert (TallyTest  *t,
                         const char *tally,
                         const char *program)
{
  g_autofree char *dir = g_build_filename (tally_test_get_tmpdir (t), "d \x1b[31mred", NULL);
  g_autofree char *copy = g_build_filename (dir, "prog", NULL);
  g_autofree char *db = g_build_filename (tally_test_get_tmpdir (t), "rerun.sqlite", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(TallyRun) show = NULL;

  tally_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  tally_assert_true (g_file_get_contents (program, &contents, &len, NULL));
  tally_assert_true (g_file_set_contents_full (copy, contents, len, G_FILE_SET_CONTENTS_NONE, 0755, NULL));
  run = tally_util_run (t, NULL, tally, "run", "--db", db, copy, NULL);
  tally_assert_cmpint (run->status, ==, 1);
  show = tally_util_run (t, NULL, tally, "show", "--db", db, NULL);
  tally_assert_cmpint (show->status, ==, 0);
  assert_shows_csi ("tally show's stdout", show->out);
  tally_assert_nonnull (strstr (show->out, "rerun alone: $'"));
  tally_assert_nonnull (strstr (show->out, "$'/hostile/"));
}

/* Every other path that prints what tests named or produced: `list`,
 * `history`, `debug --print`, `show`'s rerun line, error lines, and a
 * terminal. */
static void
assert_other_paths_inert (TallyTest  *t,
                          const char *tally,
                          const char *db,
                          const char *program)
{
  g_autofree char *csi_path = hostile_path (payload_index ("csi"));
  g_autofree char *missing = g_build_filename (tally_test_get_tmpdir (t), "gone \x1b[31mred\x07", NULL);
  g_autofree char *debug_arg = g_strdup_printf ("%s::%s", program, csi_path);
  g_autoptr(TallyRun) list = tally_util_run (t, NULL, tally, "list", program, NULL);
  g_autoptr(TallyRun) history = tally_util_run (t, NULL, tally, "history", "--db", db, csi_path, NULL);
  g_autoptr(TallyRun) debug = tally_util_run (t, NULL, tally, "debug", "--print", debug_arg, NULL);
  g_autoptr(TallyRun) error = tally_util_run (t, NULL, tally, "run", "--no-db", missing, NULL);
  g_autoptr(TallyRun) history_error = tally_util_run (t, NULL, tally, "history", "--db", db,
                                                      "/no/such/\x1b[31mred", NULL);

  tally_assert_cmpint (list->status, ==, 0);
  assert_shows_csi ("tally list's stdout", list->out);
  assert_inert ("tally list's stderr", list->err);

  tally_assert_cmpint (history->status, ==, 0);
  assert_shows_csi ("tally history's stdout", history->out);
  assert_inert ("tally history's stderr", history->err);

  /* gdb's command line, quoted $'…': exact for a shell, inert on screen */
  tally_assert_cmpint (debug->status, ==, 0);
  assert_shows_csi ("tally debug --print", debug->out);
  tally_assert_nonnull (strstr (debug->out, "$'/hostile/"));

  tally_assert_cmpint (error->status, !=, 0);
  assert_shows_csi ("tally run's error line", error->err);
  tally_assert_cmpint (history_error->status, !=, 0);
  assert_inert ("tally history's error line", history_error->err);
  assert_inert ("tally history's error line", history_error->out);

  assert_rerun_line_inert (t, tally, program);
  assert_terminal_inert (t, tally, db, program);
}

static void
test_round_trip (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = rel_tally_bin ();
  /* The program's own name is hostile too. */
  g_autofree char *original = tally_util_build_path ("tests/samples/sample-fault-hostile");
  g_autofree char *program = g_build_filename (tally_test_get_tmpdir (t),
                                               "h $(x) 'q' \x1b[31m;<b>", NULL);
  g_autofree char *db = rel_db_path (t);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(TallyRun) run = NULL;
  g_autoptr(TallyRun) console = NULL;
  g_autoptr(TallyRun) show = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;

  tally_assert_true (g_file_get_contents (original, &contents, &len, NULL));
  tally_assert_true (g_file_set_contents_full (program, contents, len, G_FILE_SET_CONTENTS_NONE, 0755, NULL));

  /* --json: every line parses; strings decode to the exact bytes. */
  run = tally_util_run (t, NULL, tally, "run", "-n", "2", "--json", "--db", db, program, NULL);
  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, G_N_ELEMENTS (hostile_payloads));
  {
    g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);
    for (guint i = 0; lines[i]; i++)
      {
        g_autoptr(JsonParser) parser = json_parser_new ();
        if (*lines[i] && !json_parser_load_from_data (parser, lines[i], -1, NULL))
          tally_fail ("--json line %u is not JSON: %s", i, lines[i]);
        /* JSON must escape C0 and may carry U+009B as is (it is data
         * for a program, not text for a terminal) */
        assert_inert_full ("a --json line", lines[i], FALSE);
      }
  }

  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (hostile_payloads); i++)
    {
      const HostilePayload *h = &hostile_payloads[i];
      g_autofree char *path = hostile_path (i);
      g_autofree char *line = g_strdup_printf ("%s\n", h->payload);
      gint64 result_id = tally_util_member_int (run, path, "result_id");
      g_autoptr(GPtrArray) logs = NULL;
      g_autoptr(GPtrArray) tests = NULL;
      g_autoptr(GBytes) out = NULL;
      g_autoptr(GBytes) err = NULL;
      TallyResult result = { 0 };
      TallyTestRow *row;
      const char *program_name;

      g_message ("payload %s", h->name);
      tally_assert_cmpstr (tally_util_outcome (run, path), ==, "failed");
      tally_assert_cmpstr (tally_util_member_str (run, path, "message"), ==, h->payload);
      /* the program as displayed (relative to the working directory) */
      program_name = tally_util_member_str (run, path, "program");
      tally_assert_true (g_str_has_suffix (program, program_name));

      tally_assert_true (tally_store_get_result (store, result_id, &result, NULL, NULL, &error));
      tally_assert_no_error (error);
      tally_assert_cmpstr (result.message, ==, h->payload);
      tally_result_clear (&result);

      logs = tally_store_get_logs (store, result_id, &error);
      tally_assert_no_error (error);
      tally_assert_cmpuint (logs->len, ==, 1);
      rel_assert_cmpmem (((TallyLogRecord *) g_ptr_array_index (logs, 0))->message,
                         ((TallyLogRecord *) g_ptr_array_index (logs, 0))->message_len,
                         h->payload, strlen (h->payload));

      out = rel_output (store, result_id, TALLY_STREAM_STDOUT);
      err = rel_output (store, result_id, TALLY_STREAM_STDERR);
      rel_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), line, strlen (line));
      rel_assert_cmpmem (g_bytes_get_data (err, NULL), g_bytes_get_size (err), line, strlen (line));

      /* path, program and marker value as stored */
      tests = tally_store_find_tests (store, program_name, path, &error);
      tally_assert_no_error (error);
      tally_assert_cmpuint (tests->len, ==, 1);
      row = g_ptr_array_index (tests, 0);
      tally_assert_cmpstr (row->path, ==, path);
      tally_assert_cmpstr (row->program, ==, program_name);
      tally_assert_cmpstr (tally_markers_lookup (row->markers, "note"), ==, h->marker);
    }
  /* nothing was dropped, executed or created by the payloads */
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM results", &error), ==,
                       G_N_ELEMENTS (hostile_payloads));
  tally_assert_false (g_file_test ("pwned", G_FILE_TEST_EXISTS));
  g_clear_pointer (&store, tally_store_close);
  {
    g_autofree char *pwned = g_build_filename (tally_test_get_tmpdir (t), "pwned", NULL);
    tally_assert_false (g_file_test (pwned, G_FILE_TEST_EXISTS));
  }

  /* The console, live and from the database: inert. */
  console = tally_util_run (t, NULL, tally, "run", "-n", "2", "-v", "--db", db, program, NULL);
  tally_assert_cmpint (console->status, ==, 1);
  assert_inert ("tally run's stdout", console->out);
  assert_inert ("tally run's stderr", console->err);
  tally_assert_nonnull (strstr (console->out, "\\x1b[31mred"));   /* shown, escaped */
  show = tally_util_run (t, NULL, tally, "show", "--db", db, NULL);
  tally_assert_cmpint (show->status, ==, 0);
  assert_inert ("tally show's stdout", show->out);
  assert_inert ("tally show's stderr", show->err);
  tally_assert_nonnull (strstr (show->out, "DROP TABLE results"));
  rel_assert_db_sound (db);

  assert_other_paths_inert (t, tally, db, program);
}

/* Selecting by a hostile keyword is a substring match, nothing more. */
static void
test_keyword_select (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = tally_util_build_path ("tests/samples/sample-fault-hostile");
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json",
                                            "-k", "\"DROP TABLE\"", program, NULL);

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpuint (g_hash_table_size (run->finished), ==, 1);
}

/* A test path that is not UTF-8 is refused at registration, with one
 * clear line, by the runner and by the program on its own. */
static void
test_path_not_utf8 (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = tally_util_build_path ("tests/samples/sample-fault-hostile");
  const char *envp[] = { "TALLY_SAMPLE_BADPATH=1", NULL };
  g_autoptr(TallyRun) run = tally_util_run (t, envp, tally, "run", "--no-db", program, NULL);
  g_autoptr(TallyRun) standalone = tally_util_run (t, envp, program, NULL);

  tally_assert_cmpint (run->status, ==, 3);
  tally_assert_nonnull (strstr (run->err, "not valid UTF-8"));
  assert_inert ("tally run's stderr", run->err);
  tally_assert_true (g_utf8_validate (run->err, -1, NULL));
  tally_assert_cmpint (standalone->status, ==, 4);
  tally_assert_nonnull (strstr (standalone->err, "not valid UTF-8"));
}

/* Listings that are no listings: the runner reads a bounded line, refuses
 * deep nesting before json-glib's recursive parser sees it, keeps a
 * bounded stderr, and stops the program at once; one line, exit 3, no
 * process left, the runner's memory small. Shell loops, so that every
 * process of the "program" carries its name. */
typedef struct
{
  const char *name;
  const char *script;
  const char *needle;       /* in tally run's stderr */
} BadListing;

static const BadListing bad_listings[] = {
  { "endless-line", "while :; do printf '%01000d' 0; done", "longer than 1 MiB" },
  { "deep-nesting", "head -c 100000 /dev/zero | tr '\\0' '['; echo", "nests deeper than 16" },
  { "stderr-flood", "while :; do printf '%01000d' 0 >&2; done", "did not finish within" },
};

static void bad_listing_run (TallyTest *t, const BadListing *bad);

static void
test_bad_listing (TallyTest *t, gconstpointer data)
{
  const BadListing *bad = data;

  /* The stderr flood ends only at the listing timeout: not in quick runs.
   * (First: a skip unwinds past g_autofree.) */
  if (g_str_equal (bad->name, "stderr-flood") && g_getenv ("TALLY_SLOW_TESTS") == NULL)
    tally_test_skip (t, "takes the 30 s listing timeout; set TALLY_SLOW_TESTS=1");
  bad_listing_run (t, bad);
}

static void
bad_listing_run (TallyTest        *t,
                 const BadListing *bad)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *name = g_strdup_printf ("bl%06x", g_random_int_range (0, 0xffffff));
  g_autofree char *program = g_build_filename (tally_test_get_tmpdir (t), name, NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\n%s\n", bad->script);
  RelRun run;

  tally_assert_true (g_file_set_contents (program, script, -1, NULL));
  tally_assert_cmpint (g_chmod (program, 0755), ==, 0);

  run = rel_run_measured (t, NULL, (const char * const []) { tally, "run", "--no-db", program, NULL });
  tally_assert_cmpint (run.run->status, ==, 3);
  tally_assert_nonnull (strstr (run.run->err, bad->needle));
  tally_assert_cmpuint (strchr (run.run->err, '\n') - run.run->err + 1, ==, strlen (run.run->err));
  tally_assert_cmpint (run.hwm_kb, <, 64 * 1024);
  rel_assert_no_strays (program, 5 * G_USEC_PER_SEC);
  tally_util_run_free (run.run);
}

static void
register_tests (void)
{
  static TallyParam bad_listing_params[G_N_ELEMENTS (bad_listings)];

  for (guint i = 0; i < G_N_ELEMENTS (bad_listings); i++)
    bad_listing_params[i] = (TallyParam) { bad_listings[i].name, &bad_listings[i] };
  tally_add_params ("/reliability/hostile/bad-listing", test_bad_listing, bad_listing_params,
                    "timeout=120");
  tally_add ("/reliability/hostile/round-trip-and-inert", test_round_trip, "timeout=60");
  tally_add ("/reliability/hostile/keyword-select", test_keyword_select, NULL);
  tally_add ("/reliability/hostile/path-must-be-utf8", test_path_not_utf8, NULL);
}

TALLY_MAIN (register_tests)
