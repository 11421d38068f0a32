/* Load (docs/reliability.md): 100,000 trivial tests on 8 workers, and
 * 1,000 tests logging 10,000 records each. The run ends, nothing is
 * dropped (results and log rows counted in the database), and the
 * runner's peak RSS (VmHWM, sampled from /proc while it runs) stays under
 * a stated bound. Slow: they run only with TALLY_SLOW_TESTS set. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "reliability-util.h"

/* Runner peak RSS bounds, kB. DESIGN.md budgets ≤ 30 MB at 100k tests
 * (bench/ measures that precisely; the runner peaks near 19 MB here);
 * these bounds leave room for the sampling and the machine, but not for
 * memory that grows with what was run or stored. */
#define MANY_TESTS_HWM_BOUND_KB (30 * 1024)
#define MANY_LOGS_HWM_BOUND_KB  (120 * 1024)

typedef struct
{
  const char *name;
  const char *tests;
  const char *logs;
  const char *workers;
  gint64 expect_results;
  gint64 expect_logs;
  gint64 hwm_bound_kb;
  const char *hwm_xfail;        /* a known bug over the bound, or NULL */
} Load;

static const Load loads[] = {
  { "100k-tests", "100000", "0", "8", 100000, 0, MANY_TESTS_HWM_BOUND_KB, NULL },
  { "1k-tests-x-10k-logs", "1000", "10000", "2", 1000, 10000000, MANY_LOGS_HWM_BOUND_KB, NULL },
};

/* Returns the runner's VmHWM; the caller checks the bound once
 * everything here is freed (failing unwinds past g_autoptr). */
static gint64
run_load (TallyTest  *t,
          const Load *load)
{
  g_autofree char *tally = rel_tally_bin ();
  g_autofree char *program = NULL;
  g_autofree char *db = rel_db_path (t);
  g_autofree char *tests_env = g_strdup_printf ("TALLY_SAMPLE_TESTS=%s", load->tests);
  g_autofree char *logs_env = g_strdup_printf ("TALLY_SAMPLE_LOGS=%s", load->logs);
  const char *envp[] = { tests_env, logs_env, "G_MESSAGES_DEBUG=all", NULL };
  const char *argv[] = { tally, "run", "-q", "-n", load->workers, "--db", db, NULL, NULL };
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  RelRun measured;
  gint64 hwm_kb;

  program = rel_unique_sample (t, "sample-fault-load", "fload");
  argv[7] = program;
  measured = rel_run_measured (t, envp, argv);
  g_message ("%s: %.1f s, runner VmHWM %" G_GINT64_FORMAT " kB (bound %" G_GINT64_FORMAT " kB)",
             load->name, measured.elapsed_us / 1e6, measured.hwm_kb, load->hwm_bound_kb);
  if (g_getenv ("TALLY_LOAD_REPORT"))
    {
      /* passing tests show no log: numbers for docs/reliability.md */
      FILE *report = fopen (g_getenv ("TALLY_LOAD_REPORT"), "a");
      if (report)
        {
          fprintf (report, "%s: %.1f s, runner VmHWM %" G_GINT64_FORMAT " kB\n",
                   load->name, measured.elapsed_us / 1e6, measured.hwm_kb);
          fclose (report);
        }
    }
  if (measured.run->status != 0)
    tally_fail ("the run exited %d: %s", measured.run->status, measured.run->err);

  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM results WHERE outcome = 'passed'", &error),
                       ==, load->expect_results);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM results", &error),
                       ==, load->expect_results);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM logs", &error),
                       ==, load->expect_logs);
  if (load->expect_logs > 0)
    /* every test has all its records, in sequence */
    tally_assert_cmpint (tally_store_debug_query_int (store,
                           "SELECT count(*) FROM (SELECT result_id, count(*) AS n, min(seq) AS lo, max(seq) AS hi"
                           " FROM logs GROUP BY result_id) WHERE n = 10000 AND hi - lo = 9999", &error),
                         ==, load->expect_results);
  tally_assert_no_error (error);
  g_clear_pointer (&store, tally_store_close);
  tally_util_run_free (measured.run);
  hwm_kb = measured.hwm_kb;
  tally_assert_cmpint (hwm_kb, >, 0);
  rel_assert_db_sound (db);
  rel_assert_no_strays (program, G_USEC_PER_SEC);
  return hwm_kb;
}

static void
test_load (TallyTest *t, gconstpointer data)
{
  /* before anything is allocated: skipping unwinds past g_autofree */
  if (g_getenv ("TALLY_SLOW_TESTS") == NULL)
    tally_test_skip (t, "slow (minutes); set TALLY_SLOW_TESTS=1 to run it");
  const Load *load = data;
  gint64 hwm_kb = run_load (t, load);

  if (hwm_kb >= load->hwm_bound_kb)
    {
      if (load->hwm_xfail)
        tally_test_xfail (t, load->hwm_xfail);
      tally_test_fail (t, "runner VmHWM %" G_GINT64_FORMAT " kB, bound %" G_GINT64_FORMAT " kB",
                       hwm_kb, load->hwm_bound_kb);
    }
}

static void
register_tests (void)
{
  static TallyParam params[G_N_ELEMENTS (loads)];

  for (guint i = 0; i < G_N_ELEMENTS (loads); i++)
    params[i] = (TallyParam) { loads[i].name, &loads[i] };
  tally_add_params ("/reliability/load", test_load, params, "slow timeout=1500");
}

TALLY_MAIN (register_tests)
