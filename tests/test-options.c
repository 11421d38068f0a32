/* The history-driven options of `tally run` against a real database:
 * --lf, --ff, --sw, --retries, --repeat, --shard, merge, and what a
 * runner killed with SIGKILL leaves behind. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "reliability-util.h"
#include "tally-store-private.h"
#include "tally-test-util.h"

typedef struct
{
  char *tally;
  char *program;
  char *db;
  char *dir_env;
} Env;

static void
env_setup (TallyTest *t, Env *env, gconstpointer data)
{
  env->tally = tally_util_build_path ("runner/tally");
  env->program = tally_util_build_path ("tests/samples/sample-history");
  env->db = g_build_filename (tally_test_get_tmpdir (t), "results.sqlite", NULL);
  env->dir_env = g_strdup_printf ("TALLY_SAMPLE_DIR=%s", tally_test_get_tmpdir (t));
}

static void
env_teardown (TallyTest *t, Env *env, gconstpointer data)
{
  g_free (env->tally);
  g_free (env->program);
  g_free (env->db);
  g_free (env->dir_env);
}

/* Runs `tally run --json --db DB -n 1 ARGS… PROGRAM` with TALLY_SAMPLE_FAIL. */
static TallyRun *
run_history (TallyTest  *t,
             Env        *env,
             const char *fail,
             const char *first_arg,
             ...) G_GNUC_NULL_TERMINATED;

static TallyRun *
run_history (TallyTest  *t,
             Env        *env,
             const char *fail,
             const char *first_arg,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *fail_env = g_strdup_printf ("TALLY_SAMPLE_FAIL=%s", fail ? fail : "");
  const char *envp[] = { fail_env, env->dir_env, NULL };
  va_list args;

  g_ptr_array_add (argv, env->tally);
  g_ptr_array_add (argv, (gpointer) "run");
  g_ptr_array_add (argv, (gpointer) "--json");
  g_ptr_array_add (argv, (gpointer) "--db");
  g_ptr_array_add (argv, env->db);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, env->program);
  g_ptr_array_add (argv, NULL);

  return tally_util_run_argv (t, envp, (const char * const *) argv->pdata);
}

/* The paths of the test-started events, in order. */
static char *
started_order (TallyRun *run)
{
  GString *order = g_string_new (NULL);

  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (run->events, i);

      if (g_strcmp0 (json_object_get_string_member (event, "event"), "test-started") == 0)
        {
          const char *path = json_object_get_string_member (event, "path");
          g_string_append (order, strrchr (path, '/') + 1);
        }
    }
  return g_string_free (order, FALSE);
}

static void
test_last_failed (TallyTest *t, Env *env, gconstpointer data)
{
  g_autoptr(TallyRun) first = run_history (t, env, "b,d", "-k", "not flaky", NULL);
  g_autoptr(TallyRun) lf = NULL;
  g_autoptr(TallyRun) again = NULL;
  g_autofree char *order = NULL;

  tally_assert_cmpint (first->status, ==, 1);
  lf = run_history (t, env, NULL, "--lf", "-n", "1", "-k", "not flaky", NULL);
  tally_assert_cmpint (lf->status, ==, 0);
  order = started_order (lf);
  tally_assert_cmpstr (order, ==, "bd");

  /* Nothing failed last time: --lf runs everything. */
  again = run_history (t, env, NULL, "--lf", "-k", "not flaky", NULL);
  tally_assert_cmpuint (g_hash_table_size (again->finished), ==, 8);
}

static void
test_failed_first (TallyTest *t, Env *env, gconstpointer data)
{
  g_autoptr(TallyRun) first = run_history (t, env, "g", "-k", "not flaky", NULL);
  g_autoptr(TallyRun) ff = run_history (t, env, NULL, "--ff", "-n", "1", "-k", "not flaky", NULL);
  g_autofree char *order = started_order (ff);

  tally_assert_cmpint (first->status, ==, 1);
  tally_assert_cmpuint (strlen (order), ==, 8);
  tally_assert_cmpint (order[0], ==, 'g');
}

static void
test_stepwise (TallyTest *t, Env *env, gconstpointer data)
{
  g_autoptr(TallyRun) one = run_history (t, env, "c,f", "--sw", "-n", "1", "-k", "not flaky", NULL);
  g_autoptr(TallyRun) two = NULL;
  g_autoptr(TallyRun) three = NULL;
  g_autofree char *order1 = started_order (one);
  g_autofree char *order2 = NULL;
  g_autofree char *order3 = NULL;

  tally_assert_cmpint (one->status, ==, 1);
  tally_assert_cmpstr (order1, ==, "abc");

  two = run_history (t, env, "f", "--sw", "-n", "1", "-k", "not flaky", NULL);
  order2 = started_order (two);
  tally_assert_cmpstr (order2, ==, "cdef");

  three = run_history (t, env, NULL, "--sw", "-n", "1", "-k", "not flaky", NULL);
  order3 = started_order (three);
  tally_assert_cmpstr (order3, ==, "fgh");
  tally_assert_cmpint (three->status, ==, 0);
}

static void
test_retries_flaky (TallyTest *t, Env *env, gconstpointer data)
{
  g_autoptr(TallyRun) run = run_history (t, env, NULL, "--retries", "2", "-k", "flaky", NULL);
  guint attempts = 0;

  tally_assert_cmpint (run->status, ==, 0);
  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (run->events, i);

      if (g_strcmp0 (json_object_get_string_member (event, "event"), "test-finished") != 0)
        continue;
      attempts++;
      tally_assert_cmpint (json_object_get_int_member (event, "attempt"), ==, attempts);
      tally_assert_cmpstr (json_object_get_string_member (event, "outcome"), ==,
                           attempts == 1 ? "failed" : "flaky");
    }
  tally_assert_cmpuint (attempts, ==, 2);
}

static void
test_repeat (TallyTest *t, Env *env, gconstpointer data)
{
  g_autoptr(TallyRun) run = run_history (t, env, NULL, "--repeat", "3", "-k", "history/a", NULL);
  g_autofree char *order = started_order (run);

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpstr (order, ==, "aaa");
}

static void
test_shards_partition (TallyTest *t, Env *env, gconstpointer data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) dbs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *merged = g_build_filename (tally_test_get_tmpdir (t), "merged.sqlite", NULL);
  g_autoptr(TallyRun) merge = NULL;
  g_autoptr(TallyRun) show = NULL;
  g_autoptr(GPtrArray) merge_argv = g_ptr_array_new ();

  for (guint k = 1; k <= 3; k++)
    {
      g_autofree char *shard = g_strdup_printf ("%u/3", k);
      g_autoptr(TallyRun) run = NULL;
      GHashTableIter iter;
      gpointer path;

      g_free (env->db);
      env->db = g_strdup_printf ("%s/shard-%u.sqlite", tally_test_get_tmpdir (t), k);
      g_ptr_array_add (dbs, g_strdup (env->db));
      run = run_history (t, env, NULL, "--shard", shard, "-k", "not flaky", NULL);
      tally_assert_true (run->status == 0 || run->status == 5);

      g_hash_table_iter_init (&iter, run->finished);
      while (g_hash_table_iter_next (&iter, &path, NULL))
        {
          if (g_hash_table_contains (seen, path))
            tally_fail ("%s ran in two shards", (char *) path);
          g_hash_table_add (seen, g_strdup (path));
        }
    }
  tally_assert_cmpuint (g_hash_table_size (seen), ==, 8);

  g_ptr_array_add (merge_argv, env->tally);
  g_ptr_array_add (merge_argv, (gpointer) "merge");
  g_ptr_array_add (merge_argv, merged);
  for (guint i = 0; i < dbs->len; i++)
    g_ptr_array_add (merge_argv, g_ptr_array_index (dbs, i));
  g_ptr_array_add (merge_argv, NULL);
  merge = tally_util_run_argv (t, NULL, (const char * const *) merge_argv->pdata);
  tally_assert_cmpint (merge->status, ==, 0);

  show = tally_util_run (t, NULL, env->tally, "show", "--db", merged, "-v", NULL);
  tally_assert_cmpint (show->status, ==, 0);
  for (char c = 'a'; c <= 'h'; c++)
    {
      g_autofree char *path = g_strdup_printf ("/history/%c", c);
      tally_assert_nonnull (strstr (show->out, path));
    }
}

static void
test_kill_9 (TallyTest *t, Env *env, gconstpointer data)
{
  /* A copy under a name of its own: its processes are this run's only. */
  g_autofree char *sched = rel_unique_sample (t, "sample-sched", "okill");
  const char *argv[] = { env->tally, "run", "-n", "2", "--json", "--db", env->db, sched, NULL };
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocess) runner = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = NULL;

  runner = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  tally_assert_no_error (error);
  /* Kill it in the middle of the run: a few tests done, others running. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (runner));
  tally_assert_true (tally_util_wait_for_line (out, "\"event\":\"test-finished\""));
  tally_assert_true (tally_util_wait_for_line (out, "\"event\":\"test-started\""));
  g_subprocess_force_exit (runner);
  g_subprocess_wait (runner, NULL, NULL);

  /* No worker outlives the runner: one still starting ends at its first
   * write to it, after a start-up that a sanitizer makes slow. */
  rel_assert_no_strays (sched, 5 * G_USEC_PER_SEC);

  /* The next open marks the run interrupted; the file is sound. */
  store = tally_store_open (env->db, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM runs WHERE status = 'interrupted'", &error), ==, 1);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM results WHERE outcome = 'running'", &error), ==, 0);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'", &error), ==, 1);
  tally_assert_no_error (error);
}

static void
register_tests (void)
{
  tally_add_fixture ("/options/lf", Env, NULL, env_setup, test_last_failed, env_teardown, NULL);
  tally_add_fixture ("/options/ff", Env, NULL, env_setup, test_failed_first, env_teardown, NULL);
  tally_add_fixture ("/options/sw", Env, NULL, env_setup, test_stepwise, env_teardown, NULL);
  tally_add_fixture ("/options/retries-flaky", Env, NULL, env_setup, test_retries_flaky, env_teardown, NULL);
  tally_add_fixture ("/options/repeat", Env, NULL, env_setup, test_repeat, env_teardown, NULL);
  tally_add_fixture ("/options/shard-and-merge", Env, NULL, env_setup, test_shards_partition, env_teardown, NULL);
  tally_add_fixture ("/options/kill-9", Env, NULL, env_setup, test_kill_9, env_teardown, "serial");
}

TALLY_MAIN (register_tests)
