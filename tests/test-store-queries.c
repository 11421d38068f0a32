/* test-store-queries.c — the store's read side: runs, result pages,
 * logs, history, and the indexes behind them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally-Test"

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include <tally.h>

#include "tally-error.h"
#include "tally-markers-private.h"
#include "tally-store-private.h"

#define T0 (G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC)

/* Generated from data/tally.gresource.xml, linked into libcore. */
GResource *tally_data_get_resource (void);

typedef struct
{
  TallyStore *store;
  char *path;
  gint64 run1;
  gint64 run2;
  gint64 fail_result;       /* run 1, progA /a/fail: 3 log records */
} Fixture;

typedef struct
{
  const char *program;
  const char *path;
  const char *markers;
  TallyOutcome outcome;
  guint attempt;
  gint64 duration_us;
  const char *message;
  int signal;
} Spec;

static void
fixture_clear (Fixture *f)
{
  g_clear_pointer (&f->store, tally_store_close);
  g_clear_pointer (&f->path, g_free);
}

/* Start times are rewritten after the fact (see fixture_fill()) so that
 * "newest first" never depends on the clock's resolution. */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fixture, fixture_clear)

static gint64
begin_run (TallyStore *store)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "tally", "run", "-n", "2", NULL };
  gint64 run_id;

  run_id = tally_store_begin_run (store, argv, 2, 7, NULL, &error);
  tally_assert_no_error (error);
  return run_id;
}

static gint64
add_result (TallyStore *store,
            gint64      run_id,
            const Spec *spec,
            gint64      started_at_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = tally_markers_parse (spec->markers, &error);
  TallyResult result;
  gint64 test_id, result_id;

  tally_assert_no_error (error);
  test_id = tally_store_ensure_test (store, spec->program, spec->path, "t.c", 3,
                                     markers, &error);
  tally_assert_no_error (error);

  tally_result_init (&result);
  result.attempt = spec->attempt;
  result.started_at_us = started_at_us;
  result.worker = 1;
  result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
  tally_assert_no_error (error);

  result.outcome = spec->outcome;
  result.duration_us = spec->duration_us;
  result.message = (char *) spec->message;
  result.signal = spec->signal;
  tally_store_finish_result (store, result_id, &result, &error);
  tally_assert_no_error (error);

  return result_id;
}

static void
add_log (TallyStore     *store,
         gint64          result_id,
         guint           seq,
         GLogLevelFlags  level,
         const char     *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLogRecord) record = tally_log_record_new ();

  record->level = level;
  record->domain = g_strdup ("Net");
  record->message = g_strdup (message);
  record->message_len = strlen (message);
  record->time_us = T0 + seq;
  tally_store_add_log (store, result_id, seq, record, &error);
  tally_assert_no_error (error);
}

static const Spec run1_specs[] = {
  { "progA", "/a/pass", "slow", TALLY_OUTCOME_PASSED, 1, 10, NULL, 0 },
  { "progA", "/a/fail", "group=db", TALLY_OUTCOME_FAILED, 1, 30, "Boom at 50% load", 0 },
  { "progA", "/a/flaky", "", TALLY_OUTCOME_FAILED, 1, 5, "first try", 0 },
  { "progA", "/a/flaky", "", TALLY_OUTCOME_FLAKY, 2, 7, NULL, 0 },
  { "progB", "/b/skip", "skip=\"needs net\"", TALLY_OUTCOME_SKIPPED, 1, 1, "needs net", 0 },
  { "progB", "/b/crash", "serial", TALLY_OUTCOME_CRASHED, 1, 20, "killed", 11 },
};

static const Spec run2_specs[] = {
  { "progA", "/a/pass", "slow", TALLY_OUTCOME_FAILED, 1, 12, "now broken", 0 },
  { "progA", "/a/fail", "group=db", TALLY_OUTCOME_PASSED, 1, 31, NULL, 0 },
};

/* Two runs: run 1 has one test of each kind (a retried one included),
 * run 2, started a second later, two of the same tests. */
static void
fixture_fill (Fixture   *f,
              TallyTest *t)
{
  g_autoptr(GError) error = NULL;

  f->path = g_build_filename (tally_test_get_tmpdir (t), "q.sqlite", NULL);
  f->store = tally_store_open (f->path, &error);
  tally_assert_no_error (error);

  f->run1 = begin_run (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (run1_specs); i++)
    {
      gint64 id = add_result (f->store, f->run1, &run1_specs[i], T0 + i);

      if (i == 1)
        f->fail_result = id;
    }
  add_log (f->store, f->fail_result, 0, G_LOG_LEVEL_DEBUG, "connecting");
  add_log (f->store, f->fail_result, 1, G_LOG_LEVEL_WARNING, "slow peer");
  add_log (f->store, f->fail_result, 2, G_LOG_LEVEL_CRITICAL, "assertion failed");
  tally_store_finish_run (f->store, f->run1, TALLY_RUN_FAILED, &error);
  tally_assert_no_error (error);

  f->run2 = begin_run (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (run2_specs); i++)
    add_result (f->store, f->run2, &run2_specs[i], T0 + G_USEC_PER_SEC + i);
  tally_store_finish_run (f->store, f->run2, TALLY_RUN_FAILED, &error);
  tally_assert_no_error (error);

  /* Make run 2 the newer one whatever the clock did. */
  tally_store_commit (f->store, &error);
  tally_assert_no_error (error);
  g_clear_pointer (&f->store, tally_store_close);
  tally_store_debug_exec (f->path,
                          "UPDATE runs SET started_at = 1700000000000000 + 1000000 * id,"
                          " finished_at = 1700000000500000 + 1000000 * id",
                          &error);
  tally_assert_no_error (error);
  f->store = tally_store_open_readonly (f->path, &error);
  tally_assert_no_error (error);
}

static GPtrArray *
query (Fixture                *f,
       gint64                  run_id,
       const TallyResultQuery *q,
       guint                   offset,
       guint                   limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = tally_store_query_results (f->store, run_id, q, offset, limit, &error);

  tally_assert_no_error (error);
  tally_assert_nonnull (rows);
  return rows;
}

static gint64
count (Fixture                *f,
       gint64                  run_id,
       const TallyResultQuery *q)
{
  g_autoptr(GError) error = NULL;
  gint64 n = tally_store_count_results (f->store, run_id, q, &error);

  tally_assert_no_error (error);
  return n;
}

/* Asserts the paths of @rows, joined by spaces. */
static void
assert_paths (GPtrArray  *rows,
              const char *expected)
{
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      TallyResultRow *row = g_ptr_array_index (rows, i);

      g_string_append_printf (got, "%s%s", i > 0 ? " " : "", row->path);
    }
  tally_assert_cmpstr (got->str, ==, expected);
}

static TallyResultRow *
row_at (GPtrArray *rows,
        guint      i)
{
  return g_ptr_array_index (rows, i);
}

static void
test_list_runs (TallyTest     *t,
                gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) page = NULL;
  TallyRunRow *r1, *r2;
  gint64 last = 0;

  fixture_fill (&f, t);
  runs = tally_store_list_runs (f.store, 0, 10, TRUE, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (runs->len, ==, 2);
  r2 = g_ptr_array_index (runs, 0);
  r1 = g_ptr_array_index (runs, 1);
  tally_assert_cmpint (r2->id, ==, f.run2);
  tally_assert_cmpint (r1->id, ==, f.run1);
  tally_assert_cmpint (r1->started_at_us, <, r2->started_at_us);
  tally_assert_cmpint (r1->finished_at_us, ==, r1->started_at_us + 500000);
  tally_assert_cmpint (r1->status, ==, TALLY_RUN_FAILED);
  tally_assert_cmpuint (g_strv_length (r1->argv), ==, 4);
  tally_assert_cmpstr (r1->argv[2], ==, "-n");
  tally_assert_cmpuint (r1->workers, ==, 2);
  tally_assert_cmpuint (r1->seed, ==, 7);
  tally_assert_null (r1->shard);
  tally_assert_nonnull (r1->host);

  /* Final attempts only: the failed first try of /a/flaky is not counted. */
  tally_assert_true (r1->has_counts);
  tally_assert_cmpuint (r1->n_results, ==, 5);
  tally_assert_cmpuint (r1->counts[TALLY_OUTCOME_PASSED], ==, 1);
  tally_assert_cmpuint (r1->counts[TALLY_OUTCOME_FAILED], ==, 1);
  tally_assert_cmpuint (r1->counts[TALLY_OUTCOME_FLAKY], ==, 1);
  tally_assert_cmpuint (r1->counts[TALLY_OUTCOME_SKIPPED], ==, 1);
  tally_assert_cmpuint (r1->counts[TALLY_OUTCOME_CRASHED], ==, 1);
  tally_assert_cmpuint (r2->n_results, ==, 2);

  tally_store_get_last_run_id (f.store, &last, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (last, ==, f.run2);

  page = tally_store_list_runs (f.store, 1, 10, FALSE, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (page->len, ==, 1);
  tally_assert_cmpint (((TallyRunRow *) g_ptr_array_index (page, 0))->id, ==, f.run1);
  tally_assert_false (((TallyRunRow *) g_ptr_array_index (page, 0))->has_counts);
}

static void
test_get_run (TallyTest     *t,
              gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyRunRow) run = NULL;
  g_autoptr(TallyRunRow) missing = NULL;

  fixture_fill (&f, t);
  run = tally_store_get_run (f.store, f.run2, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (run->counts[TALLY_OUTCOME_FAILED], ==, 1);
  tally_assert_cmpuint (run->counts[TALLY_OUTCOME_PASSED], ==, 1);

  missing = tally_store_get_run (f.store, 999, &error);
  tally_assert_null (missing);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_NOT_FOUND);
}

static void
test_results_default (TallyTest     *t,
                      gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) all = NULL;
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  TallyResultRow *row;

  fixture_fill (&f, t);
  rows = query (&f, f.run1, NULL, 0, 100);
  assert_paths (rows, "/a/fail /a/flaky /a/pass /b/crash /b/skip");
  tally_assert_cmpint (count (&f, f.run1, NULL), ==, 5);

  row = row_at (rows, 0);
  tally_assert_cmpint (row->id, ==, f.fail_result);
  tally_assert_cmpstr (row->program, ==, "progA");
  tally_assert_cmpint (row->outcome, ==, TALLY_OUTCOME_FAILED);
  tally_assert_cmpstr (row->message, ==, "Boom at 50% load");
  tally_assert_cmpint (row->duration_us, ==, 30);
  tally_assert_cmpint (row->worker, ==, 1);
  tally_assert_cmpint (row->exit_status, ==, -1);
  tally_assert_cmpuint (row->n_logs, ==, 3);
  tally_assert_cmpstr (row->markers, ==, "group=db");

  row = row_at (rows, 1);
  tally_assert_cmpuint (row->attempt, ==, 2);
  tally_assert_cmpint (row->outcome, ==, TALLY_OUTCOME_FLAKY);
  tally_assert_cmpstr (row->markers, ==, "");
  tally_assert_cmpint (row_at (rows, 3)->signal, ==, 11);
  tally_assert_cmpstr (row_at (rows, 4)->markers, ==, "skip=\"needs net\"");
  tally_assert_cmpuint (row_at (rows, 4)->n_logs, ==, 0);

  q.all_attempts = TRUE;
  all = query (&f, f.run1, &q, 0, 100);
  assert_paths (all, "/a/fail /a/flaky /a/flaky /a/pass /b/crash /b/skip");
  tally_assert_cmpuint (row_at (all, 1)->attempt, ==, 1);
  tally_assert_cmpint (count (&f, f.run1, &q), ==, 6);
}

static void
test_results_paging (TallyTest     *t,
                     gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) p1 = NULL;
  g_autoptr(GPtrArray) p2 = NULL;
  g_autoptr(GPtrArray) p3 = NULL;

  fixture_fill (&f, t);
  p1 = query (&f, f.run1, NULL, 0, 2);
  p2 = query (&f, f.run1, NULL, 2, 2);
  p3 = query (&f, f.run1, NULL, 4, 2);
  assert_paths (p1, "/a/fail /a/flaky");
  assert_paths (p2, "/a/pass /b/crash");
  assert_paths (p3, "/b/skip");
}

/* The viewer's attempts of one test in one run, first attempt first. */
static void
test_viewer_attempts (TallyTest     *t,
                      gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GArray) flaky = NULL;
  g_autoptr(GArray) fail = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GPtrArray) attempts = NULL;
  g_autoptr(GError) error = NULL;

  fixture_fill (&f, t);
  rows = query (&f, f.run1, NULL, 0, 100);
  assert_paths (rows, "/a/fail /a/flaky /a/pass /b/crash /b/skip");

  flaky = tally_store_viewer_list_attempts (f.store, f.run1, row_at (rows, 1)->test_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (flaky->len, ==, 2);
  tally_assert_cmpint (g_array_index (flaky, gint64, 1), ==, row_at (rows, 1)->id);
  attempts = tally_store_get_result_rows (f.store, (const gint64 *) flaky->data, flaky->len, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (row_at (attempts, 0)->attempt, ==, 1);
  tally_assert_cmpuint (row_at (attempts, 1)->attempt, ==, 2);
  tally_assert_cmpint (row_at (attempts, 1)->outcome, ==, TALLY_OUTCOME_FLAKY);

  fail = tally_store_viewer_list_attempts (f.store, f.run1, row_at (rows, 0)->test_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (fail->len, ==, 1);
  tally_assert_cmpint (g_array_index (fail, gint64, 0), ==, f.fail_result);

  none = tally_store_viewer_list_attempts (f.store, 999, row_at (rows, 0)->test_id, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (none->len, ==, 0);
}

/* The viewer's path: the ordered id list, then rows by id. */
static void
test_result_ids (TallyTest     *t,
                 gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;

  fixture_fill (&f, t);
  q.sort = TALLY_RESULT_SORT_DURATION;
  q.descending = TRUE;
  ids = tally_store_query_result_ids (f.store, f.run1, &q, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (ids->len, ==, 5);

  page = query (&f, f.run1, &q, 1, 3);
  rows = tally_store_get_result_rows (f.store, &g_array_index (ids, gint64, 1), 3, &error);
  tally_assert_no_error (error);
  assert_paths (rows, "/b/crash /a/pass /a/flaky");
  for (guint i = 0; i < 3; i++)
    {
      tally_assert_cmpint (row_at (rows, i)->id, ==, row_at (page, i)->id);
      tally_assert_cmpstr (row_at (rows, i)->markers, ==, row_at (page, i)->markers);
      tally_assert_cmpuint (row_at (rows, i)->n_logs, ==, row_at (page, i)->n_logs);
    }
}

static void
test_results_sorting (TallyTest     *t,
                      gconstpointer  data)
{
  static const struct
  {
    TallyResultSort sort;
    gboolean descending;
    const char *expected;
  } cases[] = {
    { TALLY_RESULT_SORT_PATH, TRUE, "/b/skip /b/crash /a/pass /a/flaky /a/fail" },
    { TALLY_RESULT_SORT_OUTCOME, FALSE, "/b/crash /a/fail /a/flaky /a/pass /b/skip" },
    { TALLY_RESULT_SORT_OUTCOME, TRUE, "/b/skip /a/pass /a/flaky /a/fail /b/crash" },
    { TALLY_RESULT_SORT_DURATION, FALSE, "/b/skip /a/flaky /a/pass /b/crash /a/fail" },
    { TALLY_RESULT_SORT_DURATION, TRUE, "/a/fail /b/crash /a/pass /a/flaky /b/skip" },
  };
  g_auto(Fixture) f = { 0 };

  fixture_fill (&f, t);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
      g_autoptr(GPtrArray) rows = NULL;

      q.sort = cases[i].sort;
      q.descending = cases[i].descending;
      rows = query (&f, f.run1, &q, 0, 100);
      assert_paths (rows, cases[i].expected);
    }
}

static void
test_results_filter (TallyTest     *t,
                     gconstpointer  data)
{
  static const struct
  {
    guint outcomes;
    const char *text;
    const char *expected;
  } cases[] = {
    { (1u << TALLY_OUTCOME_FAILED) | (1u << TALLY_OUTCOME_CRASHED), NULL, "/a/fail /b/crash" },
    { 1u << TALLY_OUTCOME_FLAKY, NULL, "/a/flaky" },
    { 1u << TALLY_OUTCOME_TIMEOUT, NULL, "" },
    { 0, "BOOM", "/a/fail" },                /* message, any case */
    { 0, "progb", "/b/crash /b/skip" },      /* program */
    { 0, "/a/f", "/a/fail /a/flaky" },       /* path */
    { 0, "50%", "/a/fail" },                 /* % is literal */
    { 0, "%", "/a/fail" },
    { 0, "_", "" },                          /* _ too */
    { 0, "first try", "" },                  /* a retried attempt's message */
    { 1u << TALLY_OUTCOME_CRASHED, "kill", "/b/crash" },
    { 1u << TALLY_OUTCOME_PASSED, "kill", "" },
  };
  g_auto(Fixture) f = { 0 };

  fixture_fill (&f, t);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
      g_autoptr(GPtrArray) rows = NULL;

      q.outcomes = cases[i].outcomes;
      q.text = cases[i].text;
      rows = query (&f, f.run1, &q, 0, 100);
      assert_paths (rows, cases[i].expected);
      tally_assert_cmpint (count (&f, f.run1, &q), ==, rows->len);
    }
}

static GArray *
select_tests (Fixture    *f,
              gint64      run_id,
              const char *expr)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = tally_store_select_tests (f->store, run_id, expr, &error);

  tally_assert_no_error (error);
  return ids;
}

static void
test_results_markers (TallyTest     *t,
                      gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) slow = NULL;
  g_autoptr(GArray) not_serial = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GArray) bad = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) rows2 = NULL;
  g_autoptr(GPtrArray) rows3 = NULL;
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;

  fixture_fill (&f, t);
  slow = select_tests (&f, f.run1, "slow");
  tally_assert_cmpuint (slow->len, ==, 1);
  q.test_ids = slow;
  rows = query (&f, f.run1, &q, 0, 100);
  assert_paths (rows, "/a/pass");
  tally_assert_cmpint (count (&f, f.run1, &q), ==, 1);

  /* Another set replaces the first; an empty one keeps nothing. */
  not_serial = select_tests (&f, f.run1, "not serial and not group=db");
  q.test_ids = not_serial;
  rows2 = query (&f, f.run1, &q, 0, 100);
  assert_paths (rows2, "/a/flaky /a/pass /b/skip");

  none = g_array_new (FALSE, FALSE, sizeof (gint64));
  q.test_ids = none;
  rows3 = query (&f, f.run1, &q, 0, 100);
  tally_assert_cmpuint (rows3->len, ==, 0);

  bad = tally_store_select_tests (f.store, f.run1, "slow and (", &error);
  tally_assert_null (bad);
  tally_assert_nonnull (error);
}

/* Marker selection on a run of many tests, also when one test's marker
 * rows are not neighbours (a later row added by hand, as a merge may
 * leave them), and again after the database changed. */
#define N_MANY_TESTS 2100

static void
test_select_many_tests (TallyTest     *t,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "many.sqlite", NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GArray) slow = NULL;
  g_autoptr(GArray) late = NULL;
  g_autoptr(GArray) slow_again = NULL;
  gint64 run_id, first_test = 0;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  run_id = begin_run (store);
  for (guint i = 0; i < N_MANY_TESTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("/many/%04u", i);
      Spec spec = { "prog", name, i % 7 == 0 ? "slow group=db" : i % 2 ? "net" : "",
                    TALLY_OUTCOME_PASSED, 1, i, NULL, 0 };
      gint64 result_id = add_result (store, run_id, &spec, T0 + i);

      if (i == 0)
        first_test = tally_store_debug_query_int (store, "SELECT max (test_id) FROM results", &error);
      tally_assert_cmpint (result_id, >, 0);
    }
  tally_store_finish_run (store, run_id, TALLY_RUN_PASSED, &error);
  tally_assert_no_error (error);
  g_clear_pointer (&store, tally_store_close);

  store = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  slow = tally_store_select_tests (store, run_id, "slow and not net", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (slow->len, ==, (N_MANY_TESTS + 6) / 7);
  for (guint i = 0; i < slow->len; i++)
    tally_assert_cmpint (g_array_index (slow, gint64, i), ==, first_test + 7 * i);
  g_clear_pointer (&store, tally_store_close);

  /* Test 0's rows are no longer together. */
  tally_store_debug_exec (path, "INSERT INTO markers (test_id, position, name, value)"
                                " SELECT min (id), 9, 'late', NULL FROM tests", &error);
  tally_assert_no_error (error);
  store = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  late = tally_store_select_tests (store, run_id, "late and slow", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (late->len, ==, 1);
  tally_assert_cmpint (g_array_index (late, gint64, 0), ==, first_test);

  /* Another connection drops a marker: the next selection sees it. */
  tally_store_debug_exec (path, "DELETE FROM markers WHERE name = 'late'", &error);
  tally_assert_no_error (error);
  slow_again = tally_store_select_tests (store, run_id, "late or slow", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (slow_again->len, ==, (N_MANY_TESTS + 6) / 7);
}

static void
test_logs_page (TallyTest     *t,
                gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) tail = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  TallyLogRecord *record;

  fixture_fill (&f, t);
  all = tally_store_get_logs_page (f.store, f.fail_result, 0, 100, 0, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (all->len, ==, 3);
  record = g_ptr_array_index (all, 0);
  tally_assert_cmpstr (record->message, ==, "connecting");
  tally_assert_cmpstr (record->domain, ==, "Net");

  tail = tally_store_get_logs_page (f.store, f.fail_result, 1, 1, 0, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (tail->len, ==, 1);
  tally_assert_cmpstr (((TallyLogRecord *) g_ptr_array_index (tail, 0))->message, ==, "slow peer");

  warnings = tally_store_get_logs_page (f.store, f.fail_result, 0, 100,
                                        G_LOG_LEVEL_WARNING, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (warnings->len, ==, 2);
  tally_assert_cmpstr (((TallyLogRecord *) g_ptr_array_index (warnings, 1))->message, ==,
                       "assertion failed");
  tally_assert_cmpint (tally_store_count_logs (f.store, f.fail_result, G_LOG_LEVEL_WARNING, &error), ==, 2);
  tally_assert_cmpint (tally_store_count_logs (f.store, f.fail_result, 0, &error), ==, 3);
  tally_assert_no_error (error);
}

static void
test_history (TallyTest     *t,
              gconstpointer  data)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GPtrArray) flaky = NULL;
  g_autoptr(GPtrArray) nothing = NULL;
  TallyHistoryRow *row;
  TallyTestRow *test;

  fixture_fill (&f, t);
  tests = tally_store_find_tests (f.store, NULL, "/a/pass", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (tests->len, ==, 1);
  test = g_ptr_array_index (tests, 0);
  tally_assert_cmpstr (test->program, ==, "progA");
  tally_assert_true (tally_markers_has (test->markers, "slow"));

  history = tally_store_query_history (f.store, test->id, 10, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (history->len, ==, 2);
  row = g_ptr_array_index (history, 0);
  tally_assert_cmpint (row->run_id, ==, f.run2);
  tally_assert_cmpint (row->outcome, ==, TALLY_OUTCOME_FAILED);
  tally_assert_cmpint (row->duration_us, ==, 12);
  row = g_ptr_array_index (history, 1);
  tally_assert_cmpint (row->run_id, ==, f.run1);
  tally_assert_cmpint (row->outcome, ==, TALLY_OUTCOME_PASSED);

  g_clear_pointer (&tests, g_ptr_array_unref);
  tests = tally_store_find_tests (f.store, "progA", "/a/flaky", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (tests->len, ==, 1);
  flaky = tally_store_query_history (f.store, ((TallyTestRow *) g_ptr_array_index (tests, 0))->id,
                                     1, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (flaky->len, ==, 1);
  tally_assert_cmpuint (((TallyHistoryRow *) g_ptr_array_index (flaky, 0))->attempt, ==, 2);

  nothing = tally_store_find_tests (f.store, "progB", "/a/pass", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (nothing->len, ==, 0);
}

/* Every read query must reach results and logs through an index: a
 * full SCAN of them would be linear in the database (the run's results
 * too: result lists are filtered in memory from "run-results"). */
static void
test_query_plans (TallyTest     *t,
                  gconstpointer  data)
{
  static const char * const names[] = {
    "run-results", "result-row", "run-counts", "run-counts-single", "run-retried",
    "logs-page", "history", "runs-page",
  };
  static const char * const forbidden[] = {
    "SCAN r\n", "SCAN r ", "SCAN x", "SCAN l\n", "SCAN l ", "SCAN t\n", "SCAN t ",
    "SCAN results", "SCAN logs", "SCAN tests", "SCAN runs\n", "SCAN u",
  };
  g_auto(Fixture) f = { 0 };

  fixture_fill (&f, t);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *plan = tally_store_debug_explain (f.store, names[i], &error);

      tally_assert_no_error (error);
      g_debug ("%s:\n%s", names[i], plan);
      for (guint j = 0; j < G_N_ELEMENTS (forbidden); j++)
        if (strstr (plan, forbidden[j]) != NULL)
          tally_fail ("query %s has a full scan (%s):\n%s", names[i], forbidden[j], plan);
      /* The run's rows come by test from the index, unsorted by SQLite. */
      if (strcmp (names[i], "run-results") == 0 && strstr (plan, "TEMP B-TREE") != NULL)
        tally_fail ("query %s sorts:\n%s", names[i], plan);
    }
}

/* --- the in-memory answers against plain SQL ----------------------------- */

/* The ids plain SQL gives for a filter and order: what the store did
 * before it kept a run in memory (tally-store.c, RESULTS_FILTER). */
static GArray *
sql_ids (const char             *path,
         gint64                  run_id,
         const TallyResultQuery *q,
         const char             *order)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_string_append_printf (sql, "SELECT r.id FROM results r JOIN tests t ON t.id = r.test_id"
                          " WHERE r.run_id = %" G_GINT64_FORMAT, run_id);
  if (!q->all_attempts)
    g_string_append (sql, " AND NOT EXISTS (SELECT 1 FROM results x WHERE x.run_id = r.run_id"
                          " AND x.test_id = r.test_id AND x.attempt > r.attempt)");
  if (q->outcomes != 0)
    {
      g_string_append (sql, " AND r.outcome IN (''");
      for (int o = 0; o < TALLY_N_OUTCOMES; o++)
        if (q->outcomes & (1u << o))
          g_string_append_printf (sql, ", '%s'", tally_outcome_to_string (o));
      g_string_append (sql, ")");
    }
  if (q->text != NULL)
    g_string_append (sql, " AND (t.path LIKE ?1 ESCAPE '\\' OR t.program LIKE ?1 ESCAPE '\\'"
                          " OR r.message LIKE ?1 ESCAPE '\\')");
  g_string_append_printf (sql, " ORDER BY %s", order);

  tally_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  tally_assert_cmpint (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL), ==, SQLITE_OK);
  if (q->text != NULL)
    {
      /* % and _ taken literally, as the viewer's text filter does. */
      g_autoptr(GString) pattern = g_string_new ("%");

      for (const char *c = q->text; *c != '\0'; c++)
        {
          if (*c == '%' || *c == '_' || *c == '\\')
            g_string_append_c (pattern, '\\');
          g_string_append_c (pattern, *c);
        }
      g_string_append_c (pattern, '%');
      sqlite3_bind_text (stmt, 1, pattern->str, -1, SQLITE_TRANSIENT);
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}

static void
assert_same_ids (GArray     *got,
                 GArray     *want,
                 const char *what)
{
  if (got->len == want->len
      && (got->len == 0 || memcmp (got->data, want->data, got->len * sizeof (gint64)) == 0))
    return;
  for (guint i = 0; i < MAX (got->len, want->len); i++)
    g_printerr ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", i < got->len ? g_array_index (got, gint64, i) : -1,
                i < want->len ? g_array_index (want, gint64, i) : -1);
  tally_fail ("%s: %u ids from memory, %u from SQL, or another order", what, got->len, want->len);
}

static const Spec mixed_specs[] = {
  { "progB", "/Mixed/Case", "slow", TALLY_OUTCOME_PASSED, 1, 5, NULL, 0 },
  { "progA", "/mixed/case", "group=db", TALLY_OUTCOME_FAILED, 1, 5, "Expected 2, Got 3", 0 },
  { "progA", "/mixed/retry", "net", TALLY_OUTCOME_FAILED, 1, 9, "first", 0 },
  { "progA", "/mixed/retry", "net", TALLY_OUTCOME_FAILED, 2, 8, "second", 0 },
  { "progA", "/mixed/retry", "net", TALLY_OUTCOME_PASSED, 3, 7, NULL, 0 },
  { "progA", "/mixed/repeat", "", TALLY_OUTCOME_PASSED, 2, 3, NULL, 0 },
  { "progA", "/mixed/repeat", "", TALLY_OUTCOME_FAILED, 2, 4, "flip", 0 },
  { "progB", "/mixed/case", "slow net", TALLY_OUTCOME_SKIPPED, 1, 0, "no NET here", 0 },
  { "progB", "/zz/50%_done", "group=db", TALLY_OUTCOME_TIMEOUT, 1, 60, "took 50%", 0 },
  { "prog-c", "/a", "", TALLY_OUTCOME_CRASHED, 1, 5, "SIGSEGV", 11 },
};

/* The viewer's Markers column, as SQL would sort it. */
#define SQL_MARKERS \
  "(SELECT group_concat (m.name || coalesce ('=' || m.value, ''), ' ')" \
  " FROM markers m WHERE m.test_id = t.id)"

/* The viewer's default order: failures, then flaky tests, then the rest. */
#define SQL_FAILURES "CASE WHEN r.outcome IN ('failed', 'crashed', 'timeout', 'error') THEN 0" \
                     " WHEN r.outcome = 'flaky' THEN 1 ELSE 2 END"

/* Rows changed behind the store's back, as another program would. */
static void
rewrite_rows (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;

  tally_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  tally_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Durations that do not pack under a row's place (negative, centuries
 * long) sort as SQL sorts them too, by the slower way; unknown ones
 * first, packed or not. */
static void
test_wide_durations_match_sql (TallyTest     *t,
                               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "wide.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (path, &error);
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  gint64 run_id;

  tally_assert_no_error (error);
  run_id = begin_run (store);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *name = g_strdup_printf ("/wide/%u", i % 7);
      Spec spec = { "prog", name, "", TALLY_OUTCOME_PASSED, 1 + i / 7, i % 3, NULL, 0 };

      add_result (store, run_id, &spec, T0 + i);
    }
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  g_clear_pointer (&store, tally_store_close);

  rewrite_rows (path, "UPDATE results SET duration_us = -5 WHERE id % 4 = 1;"
                     "UPDATE results SET duration_us = 4611686018427387904 WHERE id % 4 = 2;"
                     "UPDATE results SET duration_us = NULL WHERE id = 7;");

  store = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  q.all_attempts = TRUE;
  /* Then with the unknown one only, which packs (first, as SQL has it). */
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint d = 0; d < 2; d++)
        {
          g_autoptr(GArray) got = NULL;
          g_autoptr(GArray) want = NULL;

          if (pass == 1 && d == 0)
            rewrite_rows (path, "UPDATE results SET duration_us = 3 WHERE id % 4 IN (1, 2)");
          got = tally_store_viewer_query_result_ids (store, run_id, &q, "duration", d, &error);
          want = sql_ids (path, run_id, &q,
                          d ? "r.duration_us DESC, t.path, t.program, r.attempt, r.id"
                            : "r.duration_us, t.path, t.program, r.attempt, r.id");
          tally_assert_no_error (error);
          tally_assert_cmpuint (want->len, ==, 12);
          assert_same_ids (got, want, d ? "durations desc" : "durations");
        }
    }
}

/* Every order and filter the viewer and `tally show` use: the answers
 * from memory equal those of SQL, and a write (of another connection or
 * of this one) is seen by the next query. */
static void
test_memory_matches_sql (TallyTest     *t,
                         gconstpointer  data)
{
  static const struct
  {
    const char *key;
    const char *order[2];
  } keys[] = {
    { "path", { "t.path, t.program, r.attempt, r.id", "t.path DESC, t.program DESC, r.attempt, r.id" } },
    { "program", { "t.program, t.path, t.program, r.attempt, r.id",
                   "t.program DESC, t.path, t.program, r.attempt, r.id" } },
    { "outcome", { "r.outcome, t.path, t.program, r.attempt, r.id",
                   "r.outcome DESC, t.path, t.program, r.attempt, r.id" } },
    { "duration", { "r.duration_us, t.path, t.program, r.attempt, r.id",
                    "r.duration_us DESC, t.path, t.program, r.attempt, r.id" } },
    { "attempt", { "r.attempt, t.path, t.program, r.attempt, r.id",
                   "r.attempt DESC, t.path, t.program, r.attempt, r.id" } },
    { "worker", { "r.worker, t.path, t.program, r.attempt, r.id",
                  "r.worker DESC, t.path, t.program, r.attempt, r.id" } },
    { "markers", { SQL_MARKERS ", t.path, t.program, r.attempt, r.id",
                   SQL_MARKERS " DESC, t.path, t.program, r.attempt, r.id" } },
    { "failures", { SQL_FAILURES ", t.path, t.program, r.attempt, r.id",
                    SQL_FAILURES " DESC, t.path, t.program, r.attempt, r.id" } },
  };
  /* Typing, narrowing, widening again, and the text of no result. */
  static const char * const texts[] = { NULL, "m", "mi", "mixed/", "MIXED/CASE", "mixed/", "50%",
                                        "_", "got", "net", "prog", "nothing like it" };
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) writer = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  gint64 run_id, id;

  fixture_fill (&f, t);
  writer = tally_store_open (f.path, &error);
  tally_assert_no_error (error);
  run_id = begin_run (writer);
  for (guint i = 0; i < G_N_ELEMENTS (mixed_specs); i++)
    add_result (writer, run_id, &mixed_specs[i], T0 + i);
  tally_store_commit (writer, &error);
  tally_assert_no_error (error);

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    for (guint d = 0; d < 2; d++)
      for (guint all = 0; all < 2; all++)
        for (guint m = 0; m < 3; m++)
          for (guint x = 0; x < G_N_ELEMENTS (texts); x++)
            {
              g_autoptr(GArray) got = NULL;
              g_autoptr(GArray) want = NULL;
              g_autofree char *what = g_strdup_printf ("%s%s, %s attempts, mask %u, text %s",
                                                       keys[k].key, d ? " desc" : "",
                                                       all ? "all" : "final", m, texts[x]);

              q.all_attempts = all;
              q.outcomes = m == 0 ? 0 : m == 1 ? 1u << TALLY_OUTCOME_FAILED
                                               : (1u << TALLY_OUTCOME_PASSED) | (1u << TALLY_OUTCOME_SKIPPED);
              q.text = texts[x];
              got = tally_store_viewer_query_result_ids (f.store, run_id, &q, keys[k].key, d, &error);
              tally_assert_no_error (error);
              want = sql_ids (f.path, run_id, &q, keys[k].order[d]);
              assert_same_ids (got, want, what);
              tally_assert_cmpint (tally_store_count_results (f.store, run_id, &q, &error), ==, want->len);
            }

  /* Another connection writes: the reader's next query sees it. */
  q = (TallyResultQuery) TALLY_RESULT_QUERY_INIT;
  before = tally_store_query_result_ids (f.store, run_id, &q, &error);
  tally_assert_no_error (error);
  {
    Spec spec = { "progA", "/mixed/late", "", TALLY_OUTCOME_PASSED, 1, 1, NULL, 0 };

    id = add_result (writer, run_id, &spec, T0 + 100);
  }
  tally_store_commit (writer, &error);
  tally_assert_no_error (error);
  after = tally_store_query_result_ids (f.store, run_id, &q, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (after->len, ==, before->len + 1);
  g_clear_pointer (&after, g_array_unref);

  /* The writer's own uncommitted write, on its own connection. */
  g_clear_pointer (&before, g_array_unref);
  before = tally_store_query_result_ids (writer, run_id, &q, &error);
  tally_assert_no_error (error);
  {
    Spec spec = { "progA", "/mixed/later", "", TALLY_OUTCOME_FAILED, 1, 1, "late", 0 };

    add_result (writer, run_id, &spec, T0 + 101);
  }
  after = tally_store_query_result_ids (writer, run_id, &q, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (after->len, ==, before->len + 1);
  tally_assert_cmpint (g_array_index (after, gint64, 0), !=, id);

  /* Run counts: with and without a retried test in the run. */
  {
    guint counts[TALLY_N_OUTCOMES];

    tally_assert_true (tally_store_get_run_counts (f.store, f.run2, counts, &error));
    tally_assert_cmpuint (counts[TALLY_OUTCOME_PASSED], ==, 1);
    tally_assert_cmpuint (counts[TALLY_OUTCOME_FAILED], ==, 1);
    tally_assert_true (tally_store_get_run_counts (f.store, run_id, counts, &error));
    /* Final attempts: retry (passed, attempt 3), repeat (two at 2). */
    tally_assert_cmpuint (counts[TALLY_OUTCOME_PASSED], ==, 4);
    tally_assert_cmpuint (counts[TALLY_OUTCOME_FAILED], ==, 2);
    tally_assert_no_error (error);
  }
}

/* A run of two tests far apart in id (its markers are read by test, not
 * by a pass over the id range): marker selection and the Markers order
 * still equal SQL's. */
static void
test_markers_sparse_run (TallyTest     *t,
                         gconstpointer  data)
{
  static const Spec specs[] = {
    { "progA", "/a/pass", "slow", TALLY_OUTCOME_PASSED, 1, 10, NULL, 0 },
    { "progB", "/b/crash", "serial", TALLY_OUTCOME_CRASHED, 1, 20, "killed", 11 },
  };
  g_auto(Fixture) f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) writer = NULL;
  g_autoptr(GArray) slow = NULL;
  g_autoptr(GArray) serial = NULL;
  g_autoptr(GArray) got = NULL;
  g_autoptr(GArray) want = NULL;
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  gint64 run_id;

  fixture_fill (&f, t);
  writer = tally_store_open (f.path, &error);
  tally_assert_no_error (error);
  run_id = begin_run (writer);
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    add_result (writer, run_id, &specs[i], T0 + 10 * G_USEC_PER_SEC + i);
  tally_store_commit (writer, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_debug_query_int (f.store, "SELECT max (test_id) - min (test_id)"
                                                    " FROM results WHERE run_id = (SELECT max (id) FROM runs)",
                                                    &error), >=, 4);

  slow = select_tests (&f, run_id, "slow");
  serial = select_tests (&f, run_id, "serial or group=db");
  tally_assert_cmpuint (slow->len, ==, 1);
  tally_assert_cmpuint (serial->len, ==, 1);
  tally_assert_cmpint (g_array_index (slow, gint64, 0), <, g_array_index (serial, gint64, 0));
  for (guint d = 0; d < 2; d++)
    {
      g_clear_pointer (&got, g_array_unref);
      g_clear_pointer (&want, g_array_unref);
      got = tally_store_viewer_query_result_ids (f.store, run_id, &q, "markers", d, &error);
      tally_assert_no_error (error);
      want = sql_ids (f.path, run_id, &q, d ? SQL_MARKERS " DESC, t.path, t.program, r.attempt, r.id"
                                            : SQL_MARKERS ", t.path, t.program, r.attempt, r.id");
      tally_assert_cmpuint (got->len, ==, 2);
      assert_same_ids (got, want, d ? "markers desc" : "markers");
    }
}

static char *
make_version1_db (TallyTest *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *sql = NULL;
  char *path = g_build_filename (tally_test_get_tmpdir (t), "v1.sqlite", NULL);

  bytes = g_resource_lookup_data (tally_data_get_resource (),
                                  "/org/tally/schema/001-initial.sql",
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  tally_assert_no_error (error);
  sql = g_strdup_printf ("%.*s; PRAGMA user_version = 1; PRAGMA application_id = 1413565529;"
                         " INSERT INTO runs (started_at, status) VALUES (1, 'passed');",
                         (int) g_bytes_get_size (bytes), (const char *) g_bytes_get_data (bytes, NULL));
  tally_store_debug_exec (path, sql, &error);
  tally_assert_no_error (error);

  return path;
}

/* Migration from every earlier schema version: a version-1 database
 * opens, keeps its rows and gains the readers' indexes. */
/* @n results of random tests of @programs in a new run: paths with long
 * common prefixes, the same path in several programs, ties of every
 * key, retries. The same @seed gives the same results; with @every > 0,
 * every @every-th is left out. Returns the run. */
static gint64
fill_random_run (TallyStore         *store,
                 guint32             seed,
                 const char * const *programs,
                 guint               n_programs,
                 guint               n,
                 guint               every)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  gint64 run_id = begin_run (store);

  for (guint i = 0; i < n; i++)
    {
      guint k = g_rand_int_range (rand, 0, 400);
      g_autofree char *name = g_strdup_printf ("/suite/%s%u/case%u%s", k % 3 ? "a" : "ab", k / 7,
                                               k % 11, k % 5 ? "" : "/x");
      Spec spec = { programs[g_rand_int_range (rand, 0, n_programs)], name, "",
                    g_rand_int_range (rand, 0, 3) == 0 ? TALLY_OUTCOME_FAILED : TALLY_OUTCOME_PASSED,
                    g_rand_int_range (rand, 1, 3), g_rand_int_range (rand, 0, 20), NULL, 0 };

      if (every == 0 || i % every != 0)
        add_result (store, run_id, &spec, T0 + i);
    }
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  return run_id;
}

/* Every key, direction and attempt mode of @run_id's memory sorts
 * against SQL's ORDER BY, on a fresh reader (its first query loads the
 * run). */
static void
assert_memory_matches_sql (const char *path,
                           gint64      run_id,
                           guint       min_rows)
{
  static const char * const keys[][3] = {
    { "path", "t.path, t.program, r.attempt, r.id", "t.path DESC, t.program DESC, r.attempt, r.id" },
    { "program", "t.program, t.path, t.program, r.attempt, r.id",
      "t.program DESC, t.path, t.program, r.attempt, r.id" },
    { "outcome", "r.outcome, t.path, t.program, r.attempt, r.id",
      "r.outcome DESC, t.path, t.program, r.attempt, r.id" },
    { "duration", "r.duration_us, t.path, t.program, r.attempt, r.id",
      "r.duration_us DESC, t.path, t.program, r.attempt, r.id" },
    { "attempt", "r.attempt, t.path, t.program, r.attempt, r.id",
      "r.attempt DESC, t.path, t.program, r.attempt, r.id" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open_readonly (path, &error);
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  gint64 cache_size;

  tally_assert_no_error (error);
  cache_size = tally_store_debug_query_int (store, "PRAGMA cache_size", &error);
  tally_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    for (guint d = 0; d < 2; d++)
      for (guint all = 0; all < 2; all++)
        {
          g_autoptr(GArray) got = NULL;
          g_autoptr(GArray) want = NULL;
          g_autofree char *what = g_strdup_printf ("run %" G_GINT64_FORMAT ", %s%s, %s attempts",
                                                   run_id, keys[k][0], d ? " desc" : "",
                                                   all ? "all" : "final");

          q.all_attempts = all;
          got = tally_store_viewer_query_result_ids (store, run_id, &q, keys[k][0], d, &error);
          tally_assert_no_error (error);
          want = sql_ids (path, run_id, &q, keys[k][1 + d]);
          tally_assert_cmpuint (got->len, >, min_rows);
          assert_same_ids (got, want, what);
        }
  /* The load leaves the connection's page cache as it found it. */
  tally_assert_cmpint (tally_store_debug_query_int (store, "PRAGMA cache_size", &error), ==,
                       cache_size);
  tally_assert_no_error (error);
}

/* The memory sorts against SQL's ORDER BY on a run of many tests of a
 * few programs: paths with long common prefixes, ties of every key. */
static void
test_memory_matches_sql_many (TallyTest     *t,
                              gconstpointer  data)
{
  static const char * const programs[] = { "prog-b", "prog-a", "prog-a2" };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "many.sqlite", NULL);
  g_autoptr(TallyStore) store = NULL;
  gint64 run_id;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  run_id = fill_random_run (store, 4, programs, G_N_ELEMENTS (programs), 1500, 0);
  assert_memory_matches_sql (path, run_id, 500);
}

/* The same with 40 programs and names that are prefixes of others;
 * then, in another database, a run with part of its tests and one with
 * a few. */
static void
test_memory_matches_sql_programs (TallyTest     *t,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "programs.sqlite", NULL);
  g_autofree char *path2 = g_build_filename (tally_test_get_tmpdir (t), "part.sqlite", NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char * const *programs;
  gint64 all, part, few;

  for (guint i = 0; i < 40; i++)
    g_ptr_array_add (names, g_strdup_printf ("p%u", i));
  programs = (const char * const *) names->pdata;
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  all = fill_random_run (store, 7, programs, names->len, 3000, 0);
  assert_memory_matches_sql (path, all, 1000);
  g_clear_pointer (&store, tally_store_close);

  store = tally_store_open (path2, &error);
  tally_assert_no_error (error);
  all = fill_random_run (store, 9, programs + 8, 5, 2000, 0);
  part = fill_random_run (store, 9, programs + 8, 5, 2000, 3);
  few = fill_random_run (store, 9, programs + 8, 5, 150, 0);
  assert_memory_matches_sql (path2, all, 1000);
  assert_memory_matches_sql (path2, part, 600);
  assert_memory_matches_sql (path2, few, 50);
}

/* Runs with part of the database's tests (the others' rows are in
 * between), few programs and many, and a run asked again after another
 * was read: each from memory equal to SQL. */
static void
test_memory_matches_sql_part (TallyTest     *t,
                              gconstpointer  data)
{
  static const char * const few_programs[] = { "prog-b", "prog-a", "prog-a2" };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "par.sqlite", NULL);
  g_autofree char *path2 = g_build_filename (tally_test_get_tmpdir (t), "par2.sqlite", NULL);
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char * const *programs;
  gint64 all, part;

  for (guint i = 0; i < 40; i++)
    g_ptr_array_add (names, g_strdup_printf ("p%u", i));
  programs = (const char * const *) names->pdata;

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  all = fill_random_run (store, 4, few_programs, G_N_ELEMENTS (few_programs), 1500, 0);
  assert_memory_matches_sql (path, all, 500);
  part = fill_random_run (store, 5, few_programs, G_N_ELEMENTS (few_programs), 1500, 2);
  assert_memory_matches_sql (path, part, 400);
  assert_memory_matches_sql (path, all, 500);
  g_clear_pointer (&store, tally_store_close);

  store = tally_store_open (path2, &error);
  tally_assert_no_error (error);
  all = fill_random_run (store, 7, programs, names->len, 3000, 0);
  assert_memory_matches_sql (path2, all, 1000);
  part = fill_random_run (store, 7, programs, names->len, 3000, 3);
  assert_memory_matches_sql (path2, part, 800);
}

typedef struct
{
  TallyStore *writer;
  gint64 run_id;
  guint calls;
} LateWrite;

/* Another connection commits a new test (its path among the others)
 * and a result of it in the run. */
static void
write_late_test (LateWrite *late)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("/suite/a%u/case5b", late->calls++ % 50);
  Spec spec = { "prog-a", name, "", TALLY_OUTCOME_FAILED, 1, 3, "late", 0 };

  add_result (late->writer, late->run_id, &spec, T0 + 100000 + late->calls);
  tally_store_commit (late->writer, &error);
  tally_assert_no_error (error);
}

/* A writer commits new tests and results between a reader's lists: each
 * list equals SQL's answer at its time, the one after the write reads
 * the run again and has the new test in its place. */
static void
test_late_tests (TallyTest     *t,
                 gconstpointer  data)
{
  static const char * const programs[] = { "prog-b", "prog-a" };
  static const char * const keys[][2] = {
    { "path", "t.path, t.program, r.attempt, r.id" },
    { "program", "t.program DESC, t.path, t.program, r.attempt, r.id" },
    { "program", "t.program, t.path, t.program, r.attempt, r.id" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "late.sqlite", NULL);
  g_autoptr(TallyStore) writer = NULL;
  g_autoptr(TallyStore) reader = NULL;
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  LateWrite late = { 0 };

  writer = tally_store_open (path, &error);
  tally_assert_no_error (error);
  late.writer = writer;
  late.run_id = fill_random_run (writer, 11, programs, G_N_ELEMENTS (programs), 1200, 0);
  reader = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);

  q.all_attempts = TRUE;
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_autoptr(GArray) want = sql_ids (path, late.run_id, &q, keys[k][1]);
      g_autoptr(GArray) got = NULL;
      g_autoptr(GArray) later = NULL;
      g_autoptr(GArray) want_later = NULL;

      got = tally_store_viewer_query_result_ids (reader, late.run_id, &q, keys[k][0], k == 1, &error);
      tally_assert_no_error (error);
      assert_same_ids (got, want, keys[k][0]);

      write_late_test (&late);
      want_later = sql_ids (path, late.run_id, &q, keys[k][1]);
      later = tally_store_viewer_query_result_ids (reader, late.run_id, &q, keys[k][0], k == 1, &error);
      tally_assert_no_error (error);
      tally_assert_cmpuint (want_later->len, ==, want->len + 1);
      assert_same_ids (later, want_later, keys[k][0]);
    }
}

/* Outcomes written by something else — a BLOB, a text with a NUL, a
 * hundred distinct unknown values — still read: every row is counted. */
static void
test_odd_outcomes (TallyTest     *t,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "odd.sqlite", NULL);
  g_autoptr(TallyStore) store = NULL;
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  gint64 runs[2];

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  for (guint r = 0; r < 2; r++)
    {
      runs[r] = begin_run (store);
      for (guint i = 0; i < 100; i++)
        {
          g_autofree char *name = g_strdup_printf ("/odd/%u", i);
          Spec spec = { "prog", name, "", TALLY_OUTCOME_PASSED, 1, i, NULL, 0 };

          add_result (store, runs[r], &spec, T0 + i);
        }
    }
  tally_store_commit (store, &error);
  tally_assert_no_error (error);
  g_clear_pointer (&store, tally_store_close);

  rewrite_rows (path, "UPDATE results SET outcome = CAST ('passed' AS BLOB)"
                     " WHERE id = (SELECT min (id) FROM results WHERE run_id = 1);"
                     "UPDATE results SET outcome = 'pa' || char (0) || 'ssed'"
                     " WHERE id = (SELECT max (id) FROM results WHERE run_id = 1);"
                     "UPDATE results SET outcome = 'odd' || id WHERE run_id = 2;");

  store = tally_store_open_readonly (path, &error);
  tally_assert_no_error (error);
  q.all_attempts = TRUE;
  for (guint r = 0; r < 2; r++)
    {
      g_autoptr(GArray) ids = tally_store_query_result_ids (store, runs[r], &q, &error);

      tally_assert_no_error (error);
      tally_assert_cmpuint (ids->len, ==, 100);
    }
}

static void
test_migrate_from_v1 (TallyTest     *t,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = make_version1_db (t);
  g_autoptr(TallyStore) ro = NULL;
  g_autoptr(TallyStore) store = NULL;

  /* A reader never upgrades: it asks for an upgrade instead. */
  ro = tally_store_open_readonly (path, &error);
  tally_assert_null (ro);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_DATABASE);
  g_clear_error (&error);

  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_get_schema_version (store), ==,
                       tally_store_get_current_schema_version ());
  tally_assert_cmpint (tally_store_debug_query_int (store,
                         "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                         " AND name IN ('results_run_test_attempt', 'tests_path')",
                         &error), ==, 2);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM runs", &error),
                       ==, 1);
  tally_assert_no_error (error);
}

/* 100,000 results and 1,000,000 log records, through the write API.
 * Not timed (timing is bench/bench-queries.c's job): it checks that the
 * queries give the right answers at scale. */
static void
test_scale_filled (TallyTest *t)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) logs = NULL;
  g_autoptr(TallyLogRecord) record = tally_log_record_new ();
  TallyResultQuery q = TALLY_RESULT_QUERY_INIT;
  gint64 run_id, last_result = 0;


  path = g_build_filename (tally_test_get_tmpdir (t), "big.sqlite", NULL);
  store = tally_store_open (path, &error);
  tally_assert_no_error (error);
  run_id = begin_run (store);

  record->level = G_LOG_LEVEL_MESSAGE;
  record->message = g_strdup ("a log line");
  record->message_len = strlen (record->message);
  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/scale/%06u", i);
      Spec spec = { "big", test_path, i % 7 == 0 ? "slow" : "",
                    i % 100 == 0 ? TALLY_OUTCOME_FAILED : TALLY_OUTCOME_PASSED,
                    1, i, NULL, 0 };

      last_result = add_result (store, run_id, &spec, T0 + i);
      for (guint s = 0; s < 10; s++)
        tally_assert_true (tally_store_add_log (store, last_result, s, record, NULL));
    }
  tally_store_finish_run (store, run_id, TALLY_RUN_FAILED, &error);
  tally_assert_no_error (error);

  tally_assert_cmpint (tally_store_count_results (store, run_id, NULL, &error), ==, 100000);
  q.outcomes = 1u << TALLY_OUTCOME_FAILED;
  tally_assert_cmpint (tally_store_count_results (store, run_id, &q, &error), ==, 1000);
  q.outcomes = 0;
  q.sort = TALLY_RESULT_SORT_DURATION;
  q.descending = TRUE;
  page = tally_store_query_results (store, run_id, &q, 50000, 100, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (page->len, ==, 100);
  tally_assert_cmpint (row_at (page, 0)->duration_us, ==, 49999);
  logs = tally_store_get_logs_page (store, last_result, 5, 100, 0, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (logs->len, ==, 5);
}

static void
test_scale (TallyTest     *t,
            gconstpointer  data)
{
  /* Skip before anything is allocated: a skip unwinds past g_autoptr. */
  if (g_getenv ("TALLY_SLOW_TESTS") == NULL)
    tally_test_skip (t, "set TALLY_SLOW_TESTS=1 to fill 100,000 results");

  test_scale_filled (t);
}

static void
register_tests (void)
{
  tally_add ("/store/queries/list-runs", test_list_runs, NULL);
  tally_add ("/store/queries/get-run", test_get_run, NULL);
  tally_add ("/store/queries/results-default", test_results_default, NULL);
  tally_add ("/store/queries/results-paging", test_results_paging, NULL);
  tally_add ("/store/queries/result-ids", test_result_ids, NULL);
  tally_add ("/store/queries/viewer-attempts", test_viewer_attempts, NULL);
  tally_add ("/store/queries/results-sorting", test_results_sorting, NULL);
  tally_add ("/store/queries/results-filter", test_results_filter, NULL);
  tally_add ("/store/queries/results-markers", test_results_markers, NULL);
  tally_add ("/store/queries/select-many-tests", test_select_many_tests, NULL);
  tally_add ("/store/queries/logs-page", test_logs_page, NULL);
  tally_add ("/store/queries/history", test_history, NULL);
  tally_add ("/store/queries/query-plans", test_query_plans, NULL);
  tally_add ("/store/queries/memory-matches-sql", test_memory_matches_sql, NULL);
  tally_add ("/store/queries/wide-durations-match-sql", test_wide_durations_match_sql, NULL);
  tally_add ("/store/queries/memory-matches-sql-many", test_memory_matches_sql_many, NULL);
  tally_add ("/store/queries/memory-matches-sql-programs", test_memory_matches_sql_programs, NULL);
  tally_add ("/store/queries/memory-matches-sql-part", test_memory_matches_sql_part, NULL);
  tally_add ("/store/queries/late-tests", test_late_tests, NULL);
  tally_add ("/store/queries/odd-outcomes", test_odd_outcomes, NULL);
  tally_add ("/store/queries/markers-sparse-run", test_markers_sparse_run, NULL);
  tally_add ("/store/queries/migrate-from-v1", test_migrate_from_v1, NULL);
  tally_add ("/store/queries/scale", test_scale, "slow timeout=600");
}

TALLY_MAIN (register_tests)
