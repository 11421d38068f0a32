/* test-store.c — the results database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally-Test"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <tally.h>

#include "tally-markers-private.h"
#include "tally-store-private.h"

/* A pid no process has: Linux caps pid_max at 2^22. */
#define DEAD_PID "2147483647"

static char *
db_path (TallyTest  *t,
         const char *name)
{
  return g_build_filename (tally_test_get_tmpdir (t), name, NULL);
}

static void
assert_message_has (const GError *error,
                    const char   *needle)
{
  tally_assert_nonnull (error);
  if (strstr (error->message, needle) == NULL)
    tally_fail ("error \"%s\" does not contain \"%s\"", error->message, needle);
}

static gint64
query_int (TallyStore *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  gint64 value = tally_store_debug_query_int (store, sql, &error);

  tally_assert_no_error (error);
  return value;
}

/* A run with one test and one started result; returns the result id. */
static gint64
start_one (TallyStore *store,
           gint64     *run_id_out)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "tally", "run", NULL };
  TallyResult result;
  gint64 run_id, test_id, result_id;

  run_id = tally_store_begin_run (store, argv, 2, 42, NULL, &error);
  tally_assert_no_error (error);
  test_id = tally_store_ensure_test (store, "prog", "/a", "a.c", 10, NULL, &error);
  tally_assert_no_error (error);

  tally_result_init (&result);
  result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (result_id, >, 0);

  if (run_id_out != NULL)
    *run_id_out = run_id;
  return result_id;
}

/* A run's latest passing or skipped duration of each test goes to d1,
 * once per run, the older ones shifting right; failures and earlier
 * attempts of the run do not count. Not in the run's last transaction: the next
 * push (or read of the durations) does it, once. */
static void
test_recent_durations_shift (TallyTest     *t,
                             gconstpointer  data)
{
  static const struct { guint run; const char *path; TallyOutcome outcome; gint64 us; } rows[] = {
    { 0, "/a", TALLY_OUTCOME_PASSED, 100 },
    { 0, "/b", TALLY_OUTCOME_FAILED, 900 },
    { 0, "/a", TALLY_OUTCOME_PASSED, 300 },
    { 0, "/b", TALLY_OUTCOME_PASSED, 40 },
    { 0, "/c", TALLY_OUTCOME_FAILED, 7 },
    { 0, "/d", TALLY_OUTCOME_SKIPPED, 2500 },
    { 1, "/a", TALLY_OUTCOME_PASSED, 500 },
    { 1, "/b", TALLY_OUTCOME_FAILED, 60 },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autoptr(TallyStore) store = tally_store_open (path, &error);
  const char *argv[] = { "tally", "run", NULL };

  tally_assert_no_error (error);
  for (guint run = 0; run < 2; run++)
    {
      gint64 run_id = tally_store_begin_run (store, argv, 2, 42, NULL, &error);

      tally_assert_no_error (error);
      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        {
          TallyResult result;
          gint64 test_id;

          if (rows[i].run != run)
            continue;
          test_id = tally_store_ensure_test (store, "prog", rows[i].path, "a.c", 1, NULL, &error);
          tally_assert_no_error (error);
          tally_result_init (&result);
          result.outcome = rows[i].outcome;
          result.duration_us = rows[i].us;
          tally_store_add_result (store, run_id, test_id, &result, &error);
          tally_assert_no_error (error);
        }
      tally_store_finish_run (store, run_id, TALLY_RUN_PASSED, &error);
      tally_assert_no_error (error);
    }

  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM recent_durations"), ==, 0);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM state WHERE key = 'durations-pending'"
                                         " AND value = '1 2'"), ==, 1);
  /* The second push finds nothing to do: nothing shifts twice. */
  for (guint push = 0; push < 2; push++)
    {
      tally_assert_true (tally_store_push_recent_durations (store, &error));
      tally_assert_no_error (error);
    }
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM state"), ==, 0);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM recent_durations"), ==, 3);
  tally_assert_cmpint (query_int (store, "SELECT r.d1 FROM recent_durations r"
                                         " JOIN tests t ON t.id = r.test_id WHERE t.path = '/d'"),
                       ==, 2500);
  tally_assert_cmpint (query_int (store, "SELECT r.d1 * 1000000 + coalesce (r.d2, 999) * 1000"
                                         " + coalesce (r.d3, 999) FROM recent_durations r"
                                         " JOIN tests t ON t.id = r.test_id WHERE t.path = '/a'"),
                       ==, 500 * 1000000 + 300 * 1000 + 999);
  tally_assert_cmpint (query_int (store, "SELECT r.d1 * 1000 + coalesce (r.d2, 999)"
                                         " FROM recent_durations r"
                                         " JOIN tests t ON t.id = r.test_id WHERE t.path = '/b'"),
                       ==, 40 * 1000 + 999);
}

/* tally run's connection does not look up each row's parents; the
 * schema keeps its foreign keys and every other connection checks them. */
static void
test_skip_reference_checks (TallyTest     *t,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "refs.sqlite");
  g_autoptr(TallyStore) runner = tally_store_open (path, &error);
  g_autoptr(TallyStore) other = NULL;
  const char *argv[] = { "tally", "run", NULL };
  TallyResult result;
  gint64 run_id;

  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (runner, "PRAGMA foreign_keys"), ==, 1);
  run_id = tally_store_begin_run (runner, argv, 1, 1, NULL, &error);
  tally_assert_no_error (error);
  tally_assert_true (tally_store_skip_reference_checks (runner, &error));
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (runner, "PRAGMA foreign_keys"), ==, 0);

  /* A test id nobody made goes in unchecked here … */
  tally_result_init (&result);
  result.outcome = TALLY_OUTCOME_PASSED;
  tally_assert_cmpint (tally_store_add_result (runner, run_id, 4242, &result, &error), >, 0);
  tally_assert_no_error (error);
  tally_store_commit (runner, &error);
  tally_assert_no_error (error);

  /* … and another connection still checks, and finds it. */
  other = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (other, "PRAGMA foreign_keys"), ==, 1);
  tally_assert_cmpint (query_int (other, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 1);
  tally_assert_cmpint (tally_store_add_result (other, run_id, 4343, &result, &error), ==, 0);
  tally_assert_nonnull (error);
}

static void
test_fresh_schema (TallyTest     *t,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autofree char *path = NULL;

  /* The parent directories do not exist yet. */
  path = g_build_filename (tally_test_get_tmpdir (t), ".tally", "sub", "results.sqlite", NULL);
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);

  tally_assert_cmpint (tally_store_get_current_schema_version (), >=, 1);
  tally_assert_cmpint (tally_store_get_schema_version (store), ==,
                       tally_store_get_current_schema_version ());
  tally_assert_cmpint (query_int (store, "PRAGMA user_version"), ==,
                       tally_store_get_current_schema_version ());
  tally_assert_cmphex (query_int (store, "PRAGMA application_id"), ==, 0x54414C59);
  tally_assert_cmpint (query_int (store, "PRAGMA foreign_keys"), ==, 1);
  tally_assert_cmpint (query_int (store, "PRAGMA synchronous"), ==, 1);  /* NORMAL */
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM sqlite_master"
                                         " WHERE name IN ('runs', 'tests', 'markers',"
                                         " 'results', 'logs', 'outputs', 'state')"),
                       ==, 7);
  tally_assert_cmpstr (tally_store_get_path (store), ==, path);
}

static void
test_reopen_keeps_data (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  TallyStore *store;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  start_one (store, NULL);
  tally_store_close (store);  /* commits */

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results"), ==, 1);
  tally_store_close (store);
}

static void
test_migrate_refuses_newer (TallyTest     *t,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autofree char *expected = NULL;
  TallyStore *store;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_store_close (store);

  tally_store_debug_exec (path, "PRAGMA user_version = 999", &error);
  tally_assert_no_error (error);

  store = tally_store_open (path, &error);
  tally_assert_null (store);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  expected = g_strdup_printf ("%s: database schema version 999 is newer than this "
                              "Tally understands (%d); upgrade Tally",
                              path, tally_store_get_current_schema_version ());
  tally_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  store = tally_store_open_readonly (path, &error);
  tally_assert_null (store);
  assert_message_has (error, "newer than this Tally understands");
}

static void
test_refuses_foreign_sqlite (TallyTest     *t,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "other.sqlite");
  g_autofree char *header = NULL;
  gsize len = 0;
  TallyStore *store;

  tally_store_debug_exec (path, "CREATE TABLE customers (id INTEGER, name TEXT);"
                                "INSERT INTO customers VALUES (1, 'x')", &error);
  tally_assert_no_error (error);

  store = tally_store_open (path, &error);
  tally_assert_null (store);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  assert_message_has (error, path);
  assert_message_has (error, "not a Tally database");
  tally_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  /* Another application's file, marked as such. */
  tally_store_debug_exec (path, "PRAGMA application_id = 1234", &error);
  tally_assert_no_error (error);
  store = tally_store_open_readonly (path, &error);
  tally_assert_null (store);
  assert_message_has (error, path);
  g_clear_error (&error);

  /* The foreign file was not touched: no tables added, not made WAL. */
  tally_assert_false (tally_store_debug_exec (path, "SELECT * FROM runs", &error));
  assert_message_has (error, "no such table");
  g_file_get_contents (path, &header, &len, NULL);
  tally_assert_cmpuint (len, >=, 100);
  tally_assert_cmpint (header[18], ==, 1);
}

static void
test_refuses_text_file (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "notes.txt");
  g_autofree char *contents = NULL;
  TallyStore *store;

  g_file_set_contents (path, "These are my notes, not a database.\n"
                             "Lots of text to fill a page header... 0123456789\n",
                       -1, &error);
  tally_assert_no_error (error);

  store = tally_store_open (path, &error);
  tally_assert_null (store);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  assert_message_has (error, path);
  assert_message_has (error, "not a Tally database");
  tally_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  store = tally_store_open_readonly (path, &error);
  tally_assert_null (store);
  assert_message_has (error, path);
  g_clear_error (&error);

  /* Left as it was. */
  g_file_get_contents (path, &contents, NULL, &error);
  tally_assert_no_error (error);
  tally_assert_true (g_str_has_prefix (contents, "These are my notes"));
}

static void
test_readonly_missing (TallyTest     *t,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "missing.sqlite");
  TallyStore *store;

  store = tally_store_open_readonly (path, &error);
  tally_assert_null (store);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND);
  assert_message_has (error, path);
  tally_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_readonly_directory (TallyTest     *t,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  TallyStore *store;

  if (geteuid () == 0)
    tally_test_skip (t, "root ignores directory permissions");

  dir = db_path (t, "locked");
  path = g_build_filename (dir, "results.sqlite", NULL);
  tally_assert_cmpint (g_mkdir (dir, 0555), ==, 0);
  store = tally_store_open (path, &error);
  g_chmod (dir, 0755);

  tally_assert_null (store);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  assert_message_has (error, path);
  assert_message_has (error, "not writable");
}

static void
test_wal_mode (TallyTest     *t,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *header = NULL;
  gsize len = 0;
  TallyStore *store;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  start_one (store, NULL);
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  /* In WAL mode, committed pages sit in the -wal file until checkpoint. */
  tally_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  tally_store_close (store);

  /* Bytes 18 and 19 of the header are the file format versions: 2 is WAL,
   * and it is persistent. */
  g_file_get_contents (path, &header, &len, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (len, >=, 100);
  tally_assert_cmpint (header[18], ==, 2);
  tally_assert_cmpint (header[19], ==, 2);
}

static TallyLogRecord *
make_record (const char *message,
             gsize       len)
{
  TallyLogRecord *record = tally_log_record_new ();

  record->level = G_LOG_LEVEL_WARNING;
  record->domain = g_strdup ("My\"Domain'");
  record->message = g_memdup2 (message, len + 1);
  record->message_len = len;
  record->file = g_strdup ("src/it's.c");
  record->line = 77;
  record->func = g_strdup ("do_thing");
  record->time_us = 1700000000123456;
  record->thread_id = 4242;
  record->fields = g_strdup ("{\"KEY\":\"v\"}");
  return record;
}

static gint64
file_size (const char *path)
{
  struct stat st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* The WAL is copied into the database while the store is open (by the
 * store's checkpoint thread, not in a COMMIT of the writer), well before
 * SQLite's own 1,000-page threshold; the file alone is complete once the
 * store is closed. */
static void
test_checkpoints_while_open (TallyTest     *t,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *big = g_strnfill (2000, 'x');
  gint64 run_id, result_id, before;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  TallyStore *store;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  result_id = start_one (store, &run_id);
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  before = file_size (path);

  /* About 5 MB in 20 commits of 60 pages: past the 256 frames that
   * wake the checkpointer many times, but not in the first commit. */
  for (guint i = 0; i < 20; i++)
    {
      for (guint j = 0; j < 120; j++)
        {
          g_autoptr(TallyLogRecord) record = make_record (big, strlen (big));

          tally_store_add_log (store, result_id, i * 120 + j, record, &error);
          tally_assert_no_error (error);
        }
      tally_store_commit (store, &error);
      tally_assert_no_error (error);
      /* A few hundred frames are no reason to sync both files yet. */
      if (i == 0)
        {
          g_usleep (200 * G_TIME_SPAN_MILLISECOND);
          tally_assert_cmpint (file_size (path), ==, before);
        }
    }
  while (file_size (path) <= before + 2 * 1024 * 1024 && g_get_monotonic_time () < deadline)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  tally_assert_cmpint (file_size (path), >, before + 2 * 1024 * 1024);
  tally_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

  tally_store_close (store);
  tally_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  store = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM logs"), ==, 2400);
  tally_store_close (store);
}

static void
assert_record_equal (const TallyLogRecord *a,
                     const TallyLogRecord *b)
{
  tally_assert_cmpuint (a->message_len, ==, b->message_len);
  tally_assert_true (memcmp (a->message, b->message, a->message_len) == 0);
  tally_assert_cmpint (a->message[a->message_len], ==, '\0');
  tally_assert_cmpint (a->level, ==, b->level);
  tally_assert_cmpstr (a->domain, ==, b->domain);
  tally_assert_cmpstr (a->file, ==, b->file);
  tally_assert_cmpint (a->line, ==, b->line);
  tally_assert_cmpstr (a->func, ==, b->func);
  tally_assert_cmpint (a->time_us, ==, b->time_us);
  tally_assert_cmpuint (a->thread_id, ==, b->thread_id);
  tally_assert_cmpstr (a->fields, ==, b->fields);
}

/* Schema 5 to 6: results gain cpu_us and max_rss_kb (NULL on the old
 * rows: not measured, not 0), and the listings table appears. */
static void
test_migrate_resources (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "v5.sqlite");
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(TallyStore) ro = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 result_id;
  TallyResultRow *row;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  result_id = start_one (store, NULL);
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  g_clear_pointer (&store, tally_store_close);

  tally_store_debug_exec (path, "ALTER TABLE results DROP COLUMN cpu_us;"
                                " ALTER TABLE results DROP COLUMN max_rss_kb;"
                                " DROP TABLE listings; ALTER TABLE runs DROP COLUMN parent_id;"
                                " PRAGMA user_version = 5", &error);
  tally_assert_no_error (error);

  ro = tally_store_open_readonly (path, &error);
  tally_assert_null (ro);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  g_clear_error (&error);

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_get_schema_version (store), ==, tally_store_get_current_schema_version ());
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results WHERE cpu_us IS NULL"
                                         " AND max_rss_kb IS NULL"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM listings"), ==, 0);
  rows = tally_store_get_result_rows (store, &result_id, 1, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (rows->len, ==, 1);
  row = g_ptr_array_index (rows, 0);
  tally_assert_cmpint (row->cpu_us, ==, -1);
  tally_assert_cmpint (row->max_rss_kb, ==, -1);
}

static void
test_roundtrip (TallyTest     *t,
                gconstpointer  data)
{
  static const char nul_msg[] = "before\0after \xff\xfe not utf-8 \xc3";
  static const char evil_program[] = "./prog'; DROP TABLE tests; --";
  static const char evil_path[] = "/it's/\"quoted\"/[x]'); DELETE FROM runs; --";
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autofree char *big = g_malloc (1024 * 1024 + 1);
  g_autoptr(TallyMarkers) markers = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GBytes) out = NULL;
  const char *argv[] = { "tally", "run", "-k", "it's \"x\"", NULL };
  TallyResult result, back;
  gint64 run_id, test_id, result_id, back_run, back_test;

  for (gsize i = 0; i < 1024 * 1024; i++)
    big[i] = 'a' + i % 26;
  big[1024 * 1024] = '\0';

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  run_id = tally_store_begin_run (store, argv, 4, G_MAXUINT64, "1/3", &error);
  tally_assert_no_error (error);
  markers = tally_markers_parse ("slow timeout=5 group=db", &error);
  tally_assert_no_error (error);
  test_id = tally_store_ensure_test (store, evil_program, evil_path, "t.c", 3, markers, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_ensure_test (store, evil_program, evil_path, "t.c", 3,
                                                markers, &error), ==, test_id);

  tally_result_init (&result);
  result.worker = 2;
  result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
  tally_assert_no_error (error);

  g_ptr_array_add (expected, make_record (big, 1024 * 1024));
  g_ptr_array_add (expected, make_record (nul_msg, sizeof nul_msg - 1));
  g_ptr_array_add (expected, make_record ("plain 'quoted' \"text\"; DROP TABLE logs; --", 42));
  g_ptr_array_add (expected, make_record ("", 0));
  for (guint i = 0; i < expected->len; i++)
    {
      tally_store_add_log (store, result_id, i, expected->pdata[i], &error);
      tally_assert_no_error (error);
    }

  tally_store_add_output (store, result_id, TALLY_STREAM_STDOUT, "out\0put", 7, &error);
  tally_assert_no_error (error);
  tally_store_add_output (store, result_id, TALLY_STREAM_STDOUT, "\xff more", 6, &error);
  tally_assert_no_error (error);

  result.outcome = TALLY_OUTCOME_CRASHED;
  result.message = g_strdup ("killed by \xff\xfe SIGSEGV 'x'");
  result.file = g_strdup ("t.c");
  result.line = 12;
  result.signal = 11;
  result.duration_us = 1234;
  result.cpu_us = 987;
  result.max_rss_kb = 54321;
  tally_store_finish_result (store, result_id, &result, &error);
  tally_assert_no_error (error);
  tally_store_commit (store, &error);
  tally_assert_no_error (error);

  records = tally_store_get_logs (store, result_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (records->len, ==, expected->len);
  for (guint i = 0; i < records->len; i++)
    assert_record_equal (records->pdata[i], expected->pdata[i]);

  out = tally_store_get_output (store, result_id, TALLY_STREAM_STDOUT, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (g_bytes_get_size (out), ==, 13);
  tally_assert_true (memcmp (g_bytes_get_data (out, NULL), "out\0put\xff more", 13) == 0);

  tally_store_get_result (store, result_id, &back, &back_run, &back_test, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (back.outcome, ==, TALLY_OUTCOME_CRASHED);
  tally_assert_cmpstr (back.message, ==, result.message);
  tally_assert_cmpint (back.signal, ==, 11);
  tally_assert_cmpint (back.exit_status, ==, -1);
  tally_assert_cmpint (back.worker, ==, 2);
  tally_assert_cmpint (back.duration_us, ==, 1234);
  tally_assert_cmpint (back.cpu_us, ==, 987);
  tally_assert_cmpint (back.max_rss_kb, ==, 54321);
  tally_assert_cmpint (back_run, ==, run_id);
  tally_assert_cmpint (back_test, ==, test_id);
  tally_result_clear (&back);
  tally_result_clear (&result);

  /* The viewer's and `tally show`'s rows carry them too. */
  {
    g_autoptr(GPtrArray) rows = tally_store_get_result_rows (store, &result_id, 1, &error);
    TallyResultRow *row;

    tally_assert_no_error (error);
    tally_assert_cmpuint (rows->len, ==, 1);
    row = g_ptr_array_index (rows, 0);
    tally_assert_cmpint (row->cpu_us, ==, 987);
    tally_assert_cmpint (row->max_rss_kb, ==, 54321);
  }

  /* Nothing was executed from the data. */
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM tests"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM runs"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers"), ==, 3);
  tally_assert_cmpint (query_int (store, "SELECT seed = -1 FROM runs"), ==, 1);
}

static void
test_markers_replaced (TallyTest     *t,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(TallyMarkers) before = tally_markers_parse ("slow group=db", NULL);
  g_autoptr(TallyMarkers) after = tally_markers_parse ("serial", NULL);
  gint64 id1, id2;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  id1 = tally_store_ensure_test (store, "p", "/t", "t.c", 1, before, &error);
  tally_assert_no_error (error);
  id2 = tally_store_ensure_test (store, "p", "/t", "t.c", 9, after, &error);
  tally_assert_no_error (error);

  tally_assert_cmpint (id1, ==, id2);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers WHERE name = 'serial'"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT line FROM tests"), ==, 9);

  tally_store_ensure_test (store, "p", "/t", "t.c", 9, NULL, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers"), ==, 0);
}

/* A runner killed as PID 1 of a container leaves a run whose pid is
 * alive again in the next container: the recorded owner (boot and start
 * time) tells the two apart. The run of a live runner is kept. */
static void
test_interrupted_pid_reused (TallyTest     *t,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autofree char *mine = tally_store_process_owner (getpid ());
  TallyStore *store;
  gint64 run_id;

  tally_assert_nonnull (mine);
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  start_one (store, &run_id);
  tally_store_close (store);

  /* The live runner (this process) opens again: nothing changes. */
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM runs WHERE status = 'running'"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM runs WHERE owner IS NOT NULL"), ==, 1);
  tally_store_close (store);

  /* Same pid (alive: this process), another life. */
  tally_store_debug_exec (path, "UPDATE runs SET owner = '00000000-dead/1'", &error);
  tally_assert_no_error (error);
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results WHERE outcome = 'running'"), ==, 0);
  tally_store_close (store);
}

static void
test_interrupted_at_open (TallyTest     *t,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  TallyStore *store, *other;
  gint64 run_id;

  /* What a SIGKILLed runner leaves: a 'running' run with a 'running'
   * result, committed, and a pid that no longer exists. */
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  start_one (store, &run_id);
  tally_store_close (store);
  tally_store_debug_exec (path, "UPDATE runs SET pid = " DEAD_PID, &error);
  tally_assert_no_error (error);

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM runs"
                                         " WHERE status = 'interrupted'"
                                         " AND finished_at >= started_at"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results"
                                         " WHERE outcome = 'interrupted'"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results"
                                         " WHERE outcome = 'running'"), ==, 0);

  /* A run whose runner lives (this process) is left alone. */
  start_one (store, &run_id);
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  other = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (other, "SELECT count(*) FROM runs"
                                         " WHERE status = 'running'"), ==, 1);
  tally_store_close (other);

  /* finish_run settles the results still running. */
  tally_store_finish_run (store, run_id, TALLY_RUN_INTERRUPTED, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results"
                                         " WHERE outcome = 'running'"), ==, 0);
  tally_store_close (store);
}

static void
test_commits_within_interval (TallyTest     *t,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autoptr(TallyStore) writer = NULL;
  g_autoptr(TallyStore) reader = NULL;
  g_autoptr(TallyLogRecord) record = make_record ("hello", 5);
  gint64 result_id;

  writer = tally_store_open (path, &error);
  tally_assert_no_error (error);
  reader = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);

  /* begin_run commits at once; the result waits in the transaction. */
  result_id = start_one (writer, NULL);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM runs"), ==, 1);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM results"), ==, 0);

  g_usleep (150 * G_TIME_SPAN_MILLISECOND);
  tally_store_add_log (writer, result_id, 0, record, &error);
  tally_assert_no_error (error);

  /* No tally_store_commit(): the old transaction was committed by the
   * write, the log record with it. */
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM results"), ==, 1);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM logs"), ==, 1);
}

/* A result started and finished in one transaction is one finished row;
 * one still running when the transaction commits is a `running` row
 * that a reader sees, and that its finish updates; a log record needs
 * its result's row at once; ids never collide with add_result()'s. */
static void
test_started_results (TallyTest     *t,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autoptr(TallyStore) writer = NULL;
  g_autoptr(TallyStore) reader = NULL;
  g_autoptr(TallyLogRecord) record = make_record ("hello", 5);
  const char *argv[] = { "tally", "run", NULL };
  gint64 run_id, test_id, quick, slow, logged, direct;
  TallyResult result;

  writer = tally_store_open (path, &error);
  tally_assert_no_error (error);
  reader = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  run_id = tally_store_begin_run (writer, argv, 2, 1, NULL, &error);
  tally_assert_no_error (error);
  test_id = tally_store_ensure_test (writer, "prog", "/a", "a.c", 10, NULL, &error);
  tally_assert_no_error (error);

  tally_result_init (&result);
  result.worker = 3;
  result.started_at_us = 1000;
  quick = tally_store_start_result (writer, run_id, test_id, &result, &error);
  tally_assert_no_error (error);
  slow = tally_store_start_result (writer, run_id, test_id, &result, &error);
  tally_assert_no_error (error);
  logged = tally_store_start_result (writer, run_id, test_id, &result, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (slow, >, quick);
  tally_assert_cmpint (logged, >, slow);

  /* The log record's row needs its result's (a foreign key). */
  tally_store_add_log (writer, logged, 0, record, &error);
  tally_assert_no_error (error);

  result.outcome = TALLY_OUTCOME_PASSED;
  result.duration_us = 5;
  result.worker = -1;
  result.started_at_us = 0;
  tally_store_finish_result (writer, quick, &result, &error);
  tally_assert_no_error (error);
  direct = tally_store_add_result (writer, run_id, test_id, &result, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (direct, >, logged);

  tally_store_commit (writer, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM results"), ==, 4);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM results"
                                          " WHERE outcome = 'running' AND worker = 3"
                                          " AND started_at = 1000"), ==, 2);
  /* Finished before anything needed its row: the start's worker and
   * time are kept. */
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM results WHERE outcome = 'passed'"
                                          " AND worker = 3 AND started_at = 1000"
                                          " AND duration_us = 5"), ==, 1);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM logs"), ==, 1);

  /* Finishing a row already written updates it. */
  result.outcome = TALLY_OUTCOME_FAILED;
  tally_store_finish_result (writer, slow, &result, &error);
  tally_assert_no_error (error);
  tally_store_finish_result (writer, logged, &result, &error);
  tally_assert_no_error (error);
  tally_store_finish_run (writer, run_id, TALLY_RUN_FAILED, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM results WHERE outcome = 'failed'"
                                          " AND worker = 3"), ==, 2);
  tally_assert_cmpint (query_int (reader, "SELECT count(*) FROM results"), ==, 4);
}

/* A result started but not finished when the run ends is `interrupted`,
 * and one started in a transaction a reader has not seen yet is visible
 * to the writer's own queries. */
static void
test_started_result_unfinished (TallyTest     *t,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autoptr(TallyStore) store = NULL;
  gint64 run_id, result_id;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  result_id = start_one (store, &run_id);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results WHERE outcome = 'running'"),
                       ==, 1);
  tally_store_finish_run (store, run_id, TALLY_RUN_INTERRUPTED, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM results"
                                         " WHERE outcome = 'interrupted'"), ==, 1);
  tally_assert_cmpint (result_id, ==, query_int (store, "SELECT id FROM results"));
}

#define N_AHEAD 600

static gint64
ensure (TallyStore   *store,
        const char   *path,
        int           line,
        TallyMarkers *markers)
{
  g_autoptr(GError) error = NULL;
  gint64 id = tally_store_ensure_test (store, "prog", path, "t.c", line, markers, &error);

  tally_assert_no_error (error);
  tally_assert_cmpint (id, >, 0);
  return id;
}

/* ensure_test() reads stored tests ahead in chunks: a listing stored
 * again, with tests changed, added, gone, moved and repeated, gets the
 * same ids and the changes; and a change by another connection between
 * transactions is not hidden by what was read ahead. */
static void
test_ensure_read_ahead (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autoptr(TallyMarkers) slow = tally_markers_parse ("slow group=db", NULL);
  g_autoptr(TallyMarkers) other = tally_markers_parse ("group=net", NULL);
  g_autofree gint64 *ids = g_new0 (gint64, N_AHEAD);
  TallyStore *store;
  char name[32];

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  for (guint i = 0; i < N_AHEAD; i++)
    {
      g_snprintf (name, sizeof name, "/t/%04u", i);
      ids[i] = ensure (store, name, 1, i % 3 ? NULL : slow);
    }
  /* The same new test twice: one row. */
  tally_assert_cmpint (ensure (store, "/t/0000", 1, slow), ==, ids[0]);
  tally_store_close (store);

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  /* Moved first: looked up out of order. */
  tally_assert_cmpint (ensure (store, "/t/0400", 1, NULL), ==, ids[400]);
  for (guint i = 0; i < N_AHEAD; i++)
    {
      if (i == 10 || i == 400)
        continue;               /* gone, moved */
      if (i == 300)
        tally_assert_cmpint (ensure (store, "/t/new", 1, other), >, ids[N_AHEAD - 1]);
      g_snprintf (name, sizeof name, "/t/%04u", i);
      tally_assert_cmpint (ensure (store, name, i == 20 ? 7 : 1,
                                   i == 270 ? other : i % 3 ? NULL : slow), ==, ids[i]);
    }
  tally_assert_cmpint (ensure (store, "/t/0005", 1, NULL), ==, ids[5]);
  tally_store_commit (store, &error);
  tally_assert_no_error (error);

  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM tests"), ==, N_AHEAD + 1);
  tally_assert_cmpint (query_int (store, "SELECT line FROM tests WHERE path = '/t/0020'"), ==, 7);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers m JOIN tests t"
                                         " ON t.id = m.test_id WHERE t.path = '/t/0270'"
                                         " AND m.name = 'group' AND m.value = 'net'"), ==, 1);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers m JOIN tests t"
                                         " ON t.id = m.test_id WHERE t.path = '/t/0400'"), ==, 0);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers m JOIN tests t"
                                         " ON t.id = m.test_id WHERE t.path = '/t/new'"), ==, 1);

  /* In another order (longest first, say): the same ids. */
  tally_store_close (store);
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  for (guint i = N_AHEAD; i-- > 0;)
    if (i != 10)
      {
        g_snprintf (name, sizeof name, "/t/%04u", i);
        tally_assert_cmpint (ensure (store, name, i == 20 ? 7 : 1,
                                     i == 270 ? other : i % 3 ? NULL : slow), ==, ids[i]);
      }
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM tests"), ==, N_AHEAD + 1);
  /* 200 tests with two markers but /t/0270 with one, and /t/new. */
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers"), ==, 2 * (N_AHEAD / 3));

  /* Read ahead, then changed by another connection: seen again. */
  tally_store_close (store);
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (ensure (store, "/t/0000", 1, slow), ==, ids[0]);
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  tally_store_debug_exec (path, "DELETE FROM markers WHERE test_id = (SELECT id FROM tests"
                                " WHERE path = '/t/0003')", &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (ensure (store, "/t/0001", 1, NULL), ==, ids[1]);
  tally_assert_cmpint (ensure (store, "/t/0002", 1, NULL), ==, ids[2]);
  tally_assert_cmpint (ensure (store, "/t/0003", 1, slow), ==, ids[3]);
  tally_assert_cmpint (query_int (store, "SELECT count(*) FROM markers WHERE test_id = (SELECT id"
                                         " FROM tests WHERE path = '/t/0003')"), ==, 2);
  tally_store_close (store);
}

static void
test_readonly_refuses_writes (TallyTest     *t,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  TallyStore *store;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_store_close (store);

  store = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_begin_run (store, NULL, 1, 0, NULL, &error), ==, 0);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  assert_message_has (error, path);
  tally_store_close (store);
}

static void
test_finish_unknown_result (TallyTest     *t,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, "results.sqlite");
  g_autoptr(TallyStore) store = NULL;
  TallyResult result;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_result_init (&result);
  result.outcome = TALLY_OUTCOME_PASSED;
  tally_assert_false (tally_store_finish_result (store, 999, &result, &error));
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND);
}

/* A database of its own holding one finished run of @shard: one passed
 * result for each of @paths (program "prog"), and a failed first
 * attempt before the pass for the first one. */
static char *
make_shard (TallyTest      *t,
            const char     *name,
            const char     *shard,
            guint           workers,
            TallyRunStatus  status,
            const char * const *paths)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (t, name);
  g_autoptr(TallyStore) store = NULL;
  g_autofree char *shard_arg = g_strdup_printf ("--shard=%s", shard != NULL ? shard : "");
  const char *argv[] = { "tally", "run", shard_arg, NULL };
  gint64 run_id;

  /* Runs are told apart by start time (and host, pid): never the same µs. */
  g_usleep (1000);

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  run_id = tally_store_begin_run (store, argv, workers, 7, shard, &error);
  tally_assert_no_error (error);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      gint64 test_id = tally_store_ensure_test (store, "prog", paths[i], "t.c", 1, NULL, &error);

      tally_assert_no_error (error);
      for (guint attempt = i == 0 ? 1 : 2; attempt <= 2; attempt++)
        {
          TallyResult result;
          gint64 result_id;

          tally_result_init (&result);
          result.attempt = attempt;
          result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
          tally_assert_no_error (error);
          result.outcome = attempt == 1 ? TALLY_OUTCOME_FAILED : TALLY_OUTCOME_PASSED;
          tally_store_finish_result (store, result_id, &result, &error);
          tally_assert_no_error (error);
          tally_result_clear (&result);
        }
    }

  tally_store_finish_run (store, run_id, status, &error);
  tally_assert_no_error (error);

  return g_steal_pointer (&path);
}

/* The start or finish time of the one run of the database at @path. */
static gint64
run_time (const char *path,
          const char *column)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open_readonly (path, &error);
  gint64 value;

  tally_assert_no_error (error);
  value = query_int (store, g_str_equal (column, "started_at")
                            ? "SELECT started_at FROM runs"
                            : "SELECT finished_at FROM runs");
  tally_assert_cmpint (value, >, 0);
  return value;
}

static gint64
last_run (TallyStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 run_id = -1;

  tally_assert_true (tally_store_get_last_run_id (store, &run_id, &error));
  tally_assert_no_error (error);
  return run_id;
}

static void
test_merge_joins_shards (TallyTest     *t,
                         gconstpointer  data)
{
  static const char * const a1[] = { "/a/1", "/a/2", NULL };
  static const char * const a2[] = { "/a/3", NULL };
  static const char * const a3[] = { "/a/4", "/a/5", NULL };
  static const char * const b[] = { "/b/1", NULL };
  static const char * const lone[] = { "/lone", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out_path = db_path (t, "merged.sqlite");
  g_autofree char *s1 = make_shard (t, "s1.sqlite", "1/3", 2, TALLY_RUN_PASSED, a1);
  g_autofree char *s2 = make_shard (t, "s2.sqlite", "2/3", 3, TALLY_RUN_INTERRUPTED, a2);
  g_autofree char *s3 = make_shard (t, "s3.sqlite", "3/3", 4, TALLY_RUN_FAILED, a3);
  g_autoptr(TallyStore) out = NULL;
  g_autoptr(TallyRunRow) run = NULL;
  const char *first[] = { s1, s2, s3, NULL };
  g_autofree char *t3 = NULL, *t1 = NULL, *t2 = NULL, *plain = NULL;
  gint64 first_id, second_id;

  out = tally_store_open (out_path, &error);
  tally_assert_no_error (error);
  tally_assert_true (tally_store_merge (out, first, &error));
  tally_assert_no_error (error);

  /* One run, holding every shard's results with their attempts. */
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs"), ==, 1);
  first_id = query_int (out, "SELECT min(id) FROM runs");
  tally_assert_cmpint (last_run (out), ==, first_id);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results"), ==, 8);
  tally_assert_cmpint (query_int (out, "SELECT count(DISTINCT run_id) FROM results"), ==, 1);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results WHERE attempt = 2"), ==, 5);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);

  run = tally_store_get_run (out, first_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpstr (run->shard, ==, "1,2,3/3");
  tally_assert_cmpint (run->status, ==, TALLY_RUN_INTERRUPTED);
  tally_assert_cmpint (run->workers, ==, 9);
  tally_assert_cmpint (run->seed, ==, 7);
  tally_assert_cmpstr (run->argv[2], ==, "--shard=1/3");
  tally_assert_cmpuint (run->n_results, ==, 5);
  tally_assert_cmpint (query_int (out, "SELECT started_at < finished_at FROM runs"), ==, 1);
  g_clear_pointer (&run, tally_run_row_free);

  /* Another job's shards, given out of order, with an unsharded run
   * between them: a second joined run beside it; the plain run and the
   * first job's run are left alone. */
  t1 = make_shard (t, "t1.sqlite", "1/3", 1, TALLY_RUN_ERROR, lone);
  t3 = make_shard (t, "t3.sqlite", "3/3", 1, TALLY_RUN_PASSED, b);
  plain = make_shard (t, "plain.sqlite", NULL, 1, TALLY_RUN_FAILED, lone);
  t2 = make_shard (t, "t2.sqlite", "2/3", 1, TALLY_RUN_FAILED, lone);
  {
    const char *second[] = { t3, t1, plain, t2, NULL };

    tally_assert_true (tally_store_merge (out, second, &error));
    tally_assert_no_error (error);
  }

  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs"), ==, 3);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs WHERE shard IS NULL"), ==, 1);
  second_id = query_int (out, "SELECT id FROM runs WHERE shard = '1,2,3/3' AND id > (SELECT min(id) FROM runs)");
  tally_assert_cmpint (second_id, >, first_id);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results WHERE run_id IN (SELECT id FROM runs WHERE shard IS NULL)"), ==, 2);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results"), ==, 8 + 4 * 2);

  run = tally_store_get_run (out, second_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (run->status, ==, TALLY_RUN_ERROR);
  tally_assert_cmpint (run->workers, ==, 3);
  tally_assert_cmpuint (run->n_results, ==, 3);
  /* The lowest id stays (t3's, the first input) with its argv; the
   * start is the earliest (t1's), the finish the latest (t2's). */
  tally_assert_cmpstr (run->argv[2], ==, "--shard=3/3");
  tally_assert_cmpint (run->started_at_us, ==, run_time (t1, "started_at"));
  tally_assert_cmpint (run->finished_at_us, ==, run_time (t2, "finished_at"));
  g_clear_pointer (&run, tally_run_row_free);

  /* The first job's run is untouched. */
  run = tally_store_get_run (out, first_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpstr (run->shard, ==, "1,2,3/3");
  tally_assert_cmpuint (run->n_results, ==, 5);
  g_clear_pointer (&run, tally_run_row_free);
}

static void
test_merge_shard_sets (TallyTest     *t,
                       gconstpointer  data)
{
  static const char * const x[] = { "/x", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out_path = db_path (t, "merged.sqlite");
  g_autofree char *a1 = make_shard (t, "a1.sqlite", "1/3", 1, TALLY_RUN_PASSED, x);
  g_autofree char *a2 = make_shard (t, "a2.sqlite", "2/3", 1, TALLY_RUN_PASSED, x);
  g_autofree char *b1 = make_shard (t, "b1.sqlite", "1/3", 1, TALLY_RUN_FAILED, x);
  g_autofree char *b2 = make_shard (t, "b2.sqlite", "2/3", 1, TALLY_RUN_PASSED, x);
  g_autofree char *b3 = make_shard (t, "b3.sqlite", "3/3", 1, TALLY_RUN_PASSED, x);
  g_autofree char *c1 = make_shard (t, "c1.sqlite", "1/2", 1, TALLY_RUN_PASSED, x);
  g_autofree char *odd = make_shard (t, "odd.sqlite", "4/3", 1, TALLY_RUN_PASSED, x);
  g_autoptr(TallyStore) out = NULL;
  const char *inputs[] = { a1, a2, c1, b1, odd, b2, b3, NULL };

  out = tally_store_open (out_path, &error);
  tally_assert_no_error (error);
  tally_assert_true (tally_store_merge (out, inputs, &error));
  tally_assert_no_error (error);

  /* A K met again starts another set; another N is another job; a shard
   * that is not K/N with 1 ≤ K ≤ N is never joined. */
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs"), ==, 4);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs WHERE shard = '1,2/3'"
                                       " AND status = 'passed'"), ==, 1);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs WHERE shard = '1,2,3/3'"
                                       " AND status = 'failed' AND workers = 3"), ==, 1);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs WHERE shard = '1/2'"), ==, 1);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM runs WHERE shard = '4/3'"), ==, 1);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results"), ==, 7 * 2);
  tally_assert_cmpint (query_int (out, "SELECT count(*) FROM results r"
                                       " JOIN runs u ON u.id = r.run_id"
                                       " WHERE u.shard = '1,2,3/3'"), ==, 3 * 2);

  /* A merge result is an input like any: its "1,2/3" joins a "3/3". */
  {
    g_autofree char *part_path = db_path (t, "part.sqlite");
    g_autofree char *whole_path = db_path (t, "whole.sqlite");
    g_autoptr(TallyStore) part = tally_store_open (part_path, &error);
    g_autoptr(TallyStore) whole = NULL;
    const char *part_inputs[] = { a1, a2, NULL };
    const char *whole_inputs[] = { part_path, b3, NULL };

    tally_assert_no_error (error);
    tally_assert_true (tally_store_merge (part, part_inputs, &error));
    tally_assert_no_error (error);
    g_clear_pointer (&part, tally_store_close);

    whole = tally_store_open (whole_path, &error);
    tally_assert_no_error (error);
    tally_assert_true (tally_store_merge (whole, whole_inputs, &error));
    tally_assert_no_error (error);
    tally_assert_cmpint (query_int (whole, "SELECT count(*) FROM runs"), ==, 1);
    tally_assert_cmpint (query_int (whole, "SELECT count(*) FROM runs WHERE shard = '1,2,3/3'"
                                           " AND status = 'passed' AND workers = 3"), ==, 1);
    tally_assert_cmpint (query_int (whole, "SELECT count(*) FROM results"), ==, 3 * 2);
  }
}

static void
register_tests (void)
{
  tally_add ("/core/store/fresh-schema-version", test_fresh_schema, NULL);
  tally_add ("/core/store/recent-durations-shift", test_recent_durations_shift, NULL);
  tally_add ("/core/store/skip-reference-checks", test_skip_reference_checks, NULL);
  tally_add ("/core/store/reopen-keeps-data", test_reopen_keeps_data, NULL);
  tally_add ("/core/store/migrate-refuses-newer", test_migrate_refuses_newer, NULL);
  tally_add ("/core/store/migrate-resources", test_migrate_resources, NULL);
  tally_add ("/core/store/refuses-foreign-sqlite", test_refuses_foreign_sqlite, NULL);
  tally_add ("/core/store/refuses-text-file", test_refuses_text_file, NULL);
  tally_add ("/core/store/readonly-missing", test_readonly_missing, NULL);
  tally_add ("/core/store/wal-mode", test_wal_mode, NULL);
  tally_add ("/core/store/checkpoints-while-open", test_checkpoints_while_open, NULL);
  tally_add ("/core/store/roundtrip", test_roundtrip, NULL);
  tally_add ("/core/store/markers-replaced", test_markers_replaced, NULL);
  tally_add ("/core/store/interrupted-at-open", test_interrupted_at_open, NULL);
  tally_add ("/core/store/interrupted-pid-reused", test_interrupted_pid_reused, NULL);
  tally_add ("/core/store/commits-within-interval", test_commits_within_interval, NULL);
  tally_add ("/core/store/readonly-refuses-writes", test_readonly_refuses_writes, NULL);
  tally_add ("/core/store/finish-unknown-result", test_finish_unknown_result, NULL);
  tally_add ("/core/store/readonly-directory", test_readonly_directory, NULL);
  tally_add ("/core/store/merge-joins-shards", test_merge_joins_shards, NULL);
  tally_add ("/core/store/merge-shard-sets", test_merge_shard_sets, NULL);
  tally_add ("/core/store/started-results", test_started_results, NULL);
  tally_add ("/core/store/started-result-unfinished", test_started_result_unfinished, NULL);
  tally_add ("/core/store/ensure-read-ahead", test_ensure_read_ahead, NULL);
}

TALLY_MAIN (register_tests)
