/* test-compare.c — two runs compared; flaky tests over the latest runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally-Test"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-compare-private.h"
#include "tally-markers-private.h"
#include "tally-store-private.h"

static TallyStore *
open_store (TallyTest *t)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "results.sqlite", NULL);
  TallyStore *store = tally_store_open (path, &error);

  tally_assert_no_error (error);
  return store;
}

static void
add_attempt (TallyStore   *store,
             gint64        run_id,
             const char   *path,
             guint         attempt,
             TallyOutcome  outcome,
             gint64        duration_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = tally_markers_new ();
  TallyResult result;
  gint64 test_id, result_id;

  test_id = tally_store_ensure_test (store, "prog", path, "t.c", 1, markers, &error);
  tally_assert_no_error (error);
  tally_result_init (&result);
  result.attempt = attempt;
  result_id = tally_store_start_result (store, run_id, test_id, &result, &error);
  tally_assert_no_error (error);
  result.outcome = outcome;
  result.duration_us = duration_us;
  tally_store_finish_result (store, result_id, &result, &error);
  tally_assert_no_error (error);
}

static void
add_result (TallyStore   *store,
            gint64        run_id,
            const char   *path,
            TallyOutcome  outcome,
            gint64        duration_us)
{
  add_attempt (store, run_id, path, 1, outcome, duration_us);
}

static gint64
begin_run (TallyStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 run_id = tally_store_begin_run (store, NULL, 1, 0, NULL, &error);

  tally_assert_no_error (error);
  return run_id;
}

static void
finish_run (TallyStore *store,
            gint64      run_id)
{
  g_autoptr(GError) error = NULL;

  tally_store_finish_run (store, run_id, TALLY_RUN_FAILED, &error);
  tally_assert_no_error (error);
}

/* "change:path" for each entry, joined by spaces. */
static char *
describe (GPtrArray *entries)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      TallyCompareEntry *e = g_ptr_array_index (entries, i);

      g_string_append_printf (out, "%s%s:%s", i ? " " : "", tally_change_to_string (e->change), e->path);
    }
  return g_string_free (out, FALSE);
}

static void
test_compare_categories (TallyTest     *t,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = open_store (t);
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *text = NULL;
  gint64 base, run;
  TallyCompareEntry *slower = NULL;

  base = begin_run (store);
  add_result (store, base, "/breaks", TALLY_OUTCOME_PASSED, 100);
  add_result (store, base, "/fixed", TALLY_OUTCOME_FAILED, 100);
  add_result (store, base, "/still", TALLY_OUTCOME_CRASHED, 100);
  add_result (store, base, "/gone", TALLY_OUTCOME_PASSED, 100);
  add_result (store, base, "/slow", TALLY_OUTCOME_PASSED, 5000);
  add_result (store, base, "/bit-slower", TALLY_OUTCOME_PASSED, 5000);
  add_result (store, base, "/tiny", TALLY_OUTCOME_PASSED, 10);
  add_result (store, base, "/same", TALLY_OUTCOME_PASSED, 100);
  finish_run (store, base);

  run = begin_run (store);
  add_result (store, run, "/breaks", TALLY_OUTCOME_TIMEOUT, 100);
  add_result (store, run, "/fixed", TALLY_OUTCOME_PASSED, 100);
  add_result (store, run, "/still", TALLY_OUTCOME_FAILED, 100);
  add_result (store, run, "/slow", TALLY_OUTCOME_PASSED, 10000);
  add_result (store, run, "/bit-slower", TALLY_OUTCOME_PASSED, 9999);
  /* 10 µs → 900 µs is 90×, but below the 1 ms floor: noise. */
  add_result (store, run, "/tiny", TALLY_OUTCOME_PASSED, 900);
  add_result (store, run, "/same", TALLY_OUTCOME_FAILED, 100);
  add_result (store, run, "/new-ok", TALLY_OUTCOME_PASSED, 100);
  add_result (store, run, "/new-bad", TALLY_OUTCOME_FAILED, 100);
  /* Only the final attempt counts: retried into a pass, no change. */
  add_attempt (store, run, "/same", 2, TALLY_OUTCOME_PASSED, 100);
  finish_run (store, run);

  entries = tally_compare_runs (store, base, run, &error);
  tally_assert_no_error (error);
  text = describe (entries);
  tally_assert_cmpstr (text, ==,
                       "new-failure:/breaks new-failure:/new-bad fixed:/fixed still-failing:/still"
                       " new-test:/new-bad new-test:/new-ok removed:/gone slower:/slow");

  for (guint i = 0; i < entries->len; i++)
    if (((TallyCompareEntry *) g_ptr_array_index (entries, i))->change == TALLY_CHANGE_SLOWER)
      slower = g_ptr_array_index (entries, i);
  tally_assert_nonnull (slower);
  tally_assert_cmpint (slower->base_duration_us, ==, 5000);
  tally_assert_cmpint (slower->duration_us, ==, 10000);
  tally_assert_cmpint (slower->outcome, ==, TALLY_OUTCOME_PASSED);

  /* The other way round, fixed and new failures swap. */
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&text, g_free);
  entries = tally_compare_runs (store, run, base, &error);
  tally_assert_no_error (error);
  text = describe (entries);
  tally_assert_cmpstr (text, ==,
                       "new-failure:/fixed fixed:/breaks still-failing:/still new-test:/gone"
                       " removed:/new-bad removed:/new-ok");
}

static void
test_flaky (TallyTest     *t,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = open_store (t);
  g_autoptr(GPtrArray) flaky = NULL;
  static const TallyOutcome flipping[] = {
    TALLY_OUTCOME_PASSED, TALLY_OUTCOME_FAILED, TALLY_OUTCOME_PASSED, TALLY_OUTCOME_FAILED,
  };
  TallyFlakyEntry *e;
  gint64 run = 0;

  for (guint i = 0; i < G_N_ELEMENTS (flipping); i++)
    {
      run = begin_run (store);
      add_result (store, run, "/flips", flipping[i], 10);
      /* Broke once and stayed broken: one flip, a change, not flaky. */
      add_result (store, run, "/broke", i < 2 ? TALLY_OUTCOME_PASSED : TALLY_OUTCOME_FAILED, 10);
      add_result (store, run, "/retried", i == 1 ? TALLY_OUTCOME_FLAKY : TALLY_OUTCOME_PASSED, 10);
      add_result (store, run, "/skipped", i % 2 ? TALLY_OUTCOME_SKIPPED : TALLY_OUTCOME_PASSED, 10);
      finish_run (store, run);
    }

  flaky = tally_flaky_tests (store, 30, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (flaky->len, ==, 2);

  e = g_ptr_array_index (flaky, 0);
  tally_assert_cmpstr (e->path, ==, "/flips");
  tally_assert_cmpstr (e->program, ==, "prog");
  tally_assert_cmpuint (e->n_runs, ==, 4);
  tally_assert_cmpuint (e->n_failed, ==, 2);
  tally_assert_cmpuint (e->flips, ==, 3);
  tally_assert_cmpint (e->last_run_id, ==, run);
  tally_assert_true (tally_flaky_entry_rate (e) == 0.75);

  e = g_ptr_array_index (flaky, 1);
  tally_assert_cmpstr (e->path, ==, "/retried");
  tally_assert_cmpuint (e->n_flaky, ==, 1);
  tally_assert_cmpuint (e->n_failed, ==, 0);
  tally_assert_cmpuint (e->flips, ==, 1);

  /* Only the last two runs: /flips flips once there, /retried never. */
  g_clear_pointer (&flaky, g_ptr_array_unref);
  flaky = tally_flaky_tests (store, 2, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (flaky->len, ==, 0);
}

static void
test_run_parent (TallyTest     *t,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = open_store (t);
  g_autoptr(TallyRunRow) row = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 parent = begin_run (store), rerun, again;

  add_result (store, parent, "/a", TALLY_OUTCOME_PASSED, 10);
  add_result (store, parent, "/b", TALLY_OUTCOME_FAILED, 10);
  add_result (store, parent, "/c", TALLY_OUTCOME_FAILED, 10);
  finish_run (store, parent);
  rerun = begin_run (store);
  add_result (store, rerun, "/b", TALLY_OUTCOME_PASSED, 10);
  tally_assert_true (tally_store_set_run_parent (store, rerun, parent, &error));
  tally_assert_no_error (error);
  finish_run (store, rerun);
  /* A rerun of the rerun: merged through both. */
  again = begin_run (store);
  add_result (store, again, "/c", TALLY_OUTCOME_PASSED, 10);
  tally_assert_true (tally_store_set_run_parent (store, again, rerun, &error));
  finish_run (store, again);

  /* Its own results, unless merging is asked for. */
  rows = tally_store_query_results (store, again, NULL, 0, G_MAXUINT, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  tally_store_set_merge_reruns (store, TRUE);
  rows = tally_store_query_results (store, again, NULL, 0, G_MAXUINT, &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (rows->len, ==, 3);
  for (guint i = 0; i < rows->len; i++)
    {
      TallyResultRow *r = g_ptr_array_index (rows, i);

      /* /a from the parent, /b from the rerun, /c from the last. */
      tally_assert_cmpint (r->outcome, ==, TALLY_OUTCOME_PASSED);
    }
  tally_store_set_merge_reruns (store, FALSE);

  row = tally_store_get_run (store, rerun, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (row->parent_id, ==, parent);
  g_clear_pointer (&row, tally_run_row_free);
  row = tally_store_get_run (store, parent, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (row->parent_id, ==, 0);
}

static void
register_tests (void)
{
  tally_add ("/core/compare/categories", test_compare_categories, NULL);
  tally_add ("/core/compare/flaky", test_flaky, NULL);
  tally_add ("/core/compare/run-parent", test_run_parent, NULL);
}

TALLY_MAIN (register_tests)
