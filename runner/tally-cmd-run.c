/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>

#include "tally-cmd-common.h"
#include "tally-commands.h"
#include "tally-error.h"
#include "tally-history-private.h"
#include "tally-listing-cache-private.h"
#include "tally-text-private.h"
#include "tally-session-private.h"
#include "tally-signals-private.h"
#include "tally-text-private.h"
#include "tally-worker-proc-private.h"

#define CMD "tally run"

typedef struct
{
  char *workers;
  int max_workers;
  char *marker_expr;
  char *keyword_expr;
  char *tests_from;
  gboolean exitfirst;
  gboolean forked;
  int maxfail;
  double timeout_s;
  gboolean strict_markers;
  int max_worker_restarts;
  gboolean verbose;
  gboolean quiet;
  gboolean tap;
  char *junit_xml;
  gboolean json;
  gboolean random_order;
  char *seed;
  char *db;
  gboolean no_db;
  gboolean no_list_cache;
  gboolean last_failed;
  gboolean failed_first;
  gboolean stepwise;
  int durations;
  int retries;
  int repeat;
  char *shard;
  char *leaks;
  char **programs;
  gboolean gtest;
  char **suites;
  char **no_suites;
  char **installed_tests;
  char *markers_file;

  /* derived */
  guint n_workers;
  guint n_cpus;              /* -n auto: the starting count */
  gboolean auto_workers;
  guint64 seed_value;
  guint shard_k, shard_n;
} RunOptions;

static void
run_options_clear (RunOptions *o)
{
  g_free (o->workers);
  g_free (o->marker_expr);
  g_free (o->keyword_expr);
  g_free (o->tests_from);
  g_free (o->junit_xml);
  g_free (o->seed);
  g_free (o->db);
  g_free (o->shard);
  g_free (o->leaks);
  g_strfreev (o->programs);
  g_strfreev (o->suites);
  g_strfreev (o->no_suites);
  g_strfreev (o->installed_tests);
  g_free (o->markers_file);
}

static gboolean
parse_uint (const char *text,
            guint64     max,
            guint64    *value)
{
  return g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL);
}

/* Checks and derives what GOptionContext cannot. */
static gboolean
validate (RunOptions *o)
{
  guint64 value;

  o->n_cpus = g_get_num_processors ();
  if (o->workers == NULL || g_strcmp0 (o->workers, "auto") == 0)
    o->n_workers = o->n_cpus, o->auto_workers = TRUE;
  else if (parse_uint (o->workers, 1024, &value) && value > 0)
    o->n_workers = value;
  else
    return tally_cmd_fail (CMD, 0, "-n takes a positive number of workers or “auto”, not “%s”", o->workers), FALSE;
  if (o->max_workers < 0 || o->max_workers > 1024)
    return tally_cmd_fail (CMD, 0, "--max-workers takes a number of workers from 1 to 1024"), FALSE;
  if (o->max_workers == 0)
    o->max_workers = 4 * o->n_cpus;
  if (o->auto_workers)
    o->n_workers = MIN (o->n_workers, (guint) o->max_workers);

  if (o->maxfail < 0)
    return tally_cmd_fail (CMD, 0, "--maxfail takes a positive number, not %d", o->maxfail), FALSE;
  if (o->exitfirst)
    o->maxfail = 1;
  if (o->stepwise && o->maxfail == 0)
    o->maxfail = 1;
  if (o->timeout_s < 0)
    return tally_cmd_fail (CMD, 0, "--timeout takes a number of seconds ≥ 0"), FALSE;
  if (o->max_worker_restarts < 0 || o->durations < 0 || o->retries < 0 || o->repeat < 1)
    return tally_cmd_fail (CMD, 0, "--max-worker-restarts, --durations and --retries take numbers ≥ 0, --repeat ≥ 1"), FALSE;
  if (o->leaks && !g_strv_contains ((const char *[]) { "fail", "warn", "ignore", NULL }, o->leaks))
    return tally_cmd_fail (CMD, 0, "--leaks takes fail, warn or ignore, not “%s”", o->leaks), FALSE;

  if (o->seed != NULL)
    {
      if (!parse_uint (o->seed, G_MAXUINT64, &o->seed_value))
        return tally_cmd_fail (CMD, 0, "--seed takes a non-negative integer, not “%s”", o->seed), FALSE;
    }
  else
    o->seed_value = g_random_int ();

  if (o->shard != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (o->shard, "/", 2);
      guint64 k, n;

      if (g_strv_length (parts) != 2 || !parse_uint (parts[0], 100000, &k)
          || !parse_uint (parts[1], 100000, &n) || n == 0 || k == 0 || k > n)
        return tally_cmd_fail (CMD, 0, "--shard takes K/N with 1 ≤ K ≤ N, not “%s”", o->shard), FALSE;
      o->shard_k = k;
      o->shard_n = n;
    }

  if ((o->programs == NULL || o->programs[0] == NULL) && o->installed_tests == NULL)
    return tally_cmd_fail (CMD, 0, "no test programs given (try `tally run PROGRAM…`)"), FALSE;

  return TRUE;
}

static gboolean
parse_options (int         argc,
               char      **argv,
               RunOptions *o)
{
  GOptionEntry entries[] = {
    { "workers", 'n', 0, G_OPTION_ARG_STRING, &o->workers, "Worker processes (default: auto = number of CPUs, more while they idle)", "N|auto" },
    { "max-workers", 0, 0, G_OPTION_ARG_INT, &o->max_workers, "With -n auto, at most N workers (default 4 × CPUs)", "N" },
    { "markers", 'm', 0, G_OPTION_ARG_STRING, &o->marker_expr, "Run tests whose markers match EXPR", "EXPR" },
    { "keyword", 'k', 0, G_OPTION_ARG_STRING, &o->keyword_expr, "Run tests whose “program::path” matches EXPR", "EXPR" },
    { "tests-from", 0, 0, G_OPTION_ARG_FILENAME, &o->tests_from, "Run exactly the tests listed in FILE, one “program::path” a line (- for stdin)", "FILE" },
    { "exitfirst", 'x', 0, G_OPTION_ARG_NONE, &o->exitfirst, "Stop at the first failure", NULL },
    { "maxfail", 0, 0, G_OPTION_ARG_INT, &o->maxfail, "Stop after N failures", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->timeout_s, "Per-test timeout for tests without a timeout marker (default 60; 0: none)", "SECONDS" },
    { "strict-markers", 0, 0, G_OPTION_ARG_NONE, &o->strict_markers, "Refuse markers that are neither built in nor declared", NULL },
    { "max-worker-restarts", 0, 0, G_OPTION_ARG_INT, &o->max_worker_restarts, "Give up after N worker crashes (default 4 × workers + 16)", "N" },
    { "forked", 0, 0, G_OPTION_ARG_NONE, &o->forked, "Run each test in a fresh process of its own (as the forked marker does)", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose, "One line per test", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Only failures and the summary line", NULL },
    { "tap", 0, 0, G_OPTION_ARG_NONE, &o->tap, "Print TAP on stdout instead of the console report", NULL },
    { "junit-xml", 0, 0, G_OPTION_ARG_FILENAME, &o->junit_xml, "Write a JUnit XML report", "PATH" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print JSON events (one per line) on stdout", NULL },
    { "random-order", 0, 0, G_OPTION_ARG_NONE, &o->random_order, "Shuffle the tests (see --seed)", NULL },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &o->seed, "Seed for --random-order and the tests' g_test_rand_*()", "S" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &o->db, "Results database (default $TALLY_DB or .tally/results.sqlite)", "PATH" },
    { "no-db", 0, 0, G_OPTION_ARG_NONE, &o->no_db, "Store nothing", NULL },
    { "no-list-cache", 0, 0, G_OPTION_ARG_NONE, &o->no_list_cache, "List every program, even one whose listing is stored", NULL },
    { "lf", 0, 0, G_OPTION_ARG_NONE, &o->last_failed, "Run only the tests that failed last time (all if none)", NULL },
    { "last-failed", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &o->last_failed, NULL, NULL },
    { "ff", 0, 0, G_OPTION_ARG_NONE, &o->failed_first, "Run the tests that failed last time first", NULL },
    { "failed-first", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &o->failed_first, NULL, NULL },
    { "sw", 0, 0, G_OPTION_ARG_NONE, &o->stepwise, "Stop at the first failure; start from it next time", NULL },
    { "stepwise", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &o->stepwise, NULL, NULL },
    { "durations", 0, 0, G_OPTION_ARG_INT, &o->durations, "Show the N slowest tests", "N" },
    { "retries", 0, 0, G_OPTION_ARG_INT, &o->retries, "Retry a failing test up to N times (pass on retry: flaky)", "N" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &o->repeat, "Run each test N times", "N" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &o->shard, "Run shard K of N, balanced on stored durations", "K/N" },
    { "leaks", 0, 0, G_OPTION_ARG_STRING, &o->leaks, "What leftover sources do: fail, warn or ignore", "POLICY" },
    { "gtest", 0, 0, G_OPTION_ARG_NONE, &o->gtest, "Treat the programs as plain GTest binaries (list with -l, run with -p)", NULL },
    { "suite", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->suites, "Only meson tests in SUITE (“project:suite” or “suite”; repeatable)", "SUITE" },
    { "no-suite", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->no_suites, "No meson tests in SUITE (repeatable)", "SUITE" },
    { "installed-tests", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->installed_tests, "Run the installed tests (.test files) in DIR, or of NAME", "DIR|NAME" },
    { "markers-file", 0, 0, G_OPTION_ARG_FILENAME, &o->markers_file, "Markers for tests by glob (default .tally/markers.ini)", "PATH" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->programs, NULL, "PROGRAM…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PROGRAM|BUILDDIR… - run tests in parallel");
  g_autoptr(GError) error = NULL;

  o->timeout_s = 60;
  o->max_worker_restarts = -2;
  o->repeat = 1;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Runs the tests of each PROGRAM (built with libtally) in a pool of worker\n"
    "processes, stores results and logs in SQLite and reports them.\n\n"
    "Exit status: 0 all passed, 1 some failed, 2 interrupted, 3 internal error,\n"
    "4 usage error, 5 no tests collected.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tally_cmd_fail (CMD, 0, "%s", error->message), FALSE;

  if (o->max_worker_restarts == -2)
    o->max_worker_restarts = 0;   /* replaced by the default once -n is known */

  /* Workers read it: each test runs in a process of its own. */
  if (o->forked)
    g_setenv ("TALLY_FORKED", "1", TRUE);
  /* Workers inherit it: the tests' g_test_rand_*() draw from it. */
  if (o->seed != NULL)
    g_setenv ("TALLY_SEED", o->seed, TRUE);

  return validate (o);
}

/* History-driven selection and order. */
typedef struct
{
  GHashTable *last_failed;   /* keys of tests that failed last time */
  TallyDurations *durations;
  GHashTable *program_times; /* TallyProgram * → TallyProgramTimes */
} History;

/* A worker fixture's teardown error is stored as a result of its own,
 * "[teardown of worker fixture “NAME”]": --lf reruns the program's tests,
 * which set the fixture up and tear it down again. */
static gboolean
teardown_failed_last (History         *history,
                      TallyListedTest *test)
{
  g_autofree char *prefix = tally_store_test_key (test->program->name, "[teardown of worker fixture ");
  GHashTableIter iter;
  const char *key;

  g_hash_table_iter_init (&iter, history->last_failed);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (g_str_has_prefix (key, prefix))
      return TRUE;
  return FALSE;
}

static gboolean
test_failed_last (History         *history,
                  TallyListedTest *test)
{
  g_autofree char *key = NULL;

  if (history->last_failed == NULL)
    return FALSE;
  key = tally_store_test_key (test->program->name, test->path);
  return g_hash_table_contains (history->last_failed, key)
         || teardown_failed_last (history, test);
}

typedef struct
{
  gint64 duration_us;
  guint position;
} Timed;

/* Tests shorter than this are one length to the ordering: which of them
 * runs first cannot change when a run ends (a worker is done with any
 * of them within a millisecond), and their listing order is the one the
 * store reads its tests ahead in (tally-store-write.c) and the program
 * registered them in. */
#define ORDER_SHORT_US 1000

static int
compare_longest_first (gconstpointer a,
                       gconstpointer b)
{
  const Timed *ta = a, *tb = b;

  if (ta->duration_us != tb->duration_us)
    return (ta->duration_us < tb->duration_us) - (ta->duration_us > tb->duration_us);
  return (ta->position > tb->position) - (ta->position < tb->position);
}

static char *group_key (TallyListedTest *test);

/* What the session learns of legacy programs from history: how long
 * each takes, and for a GTest binary each case (it may run in parts). */
static void
note_program_time (History         *history,
                   TallyListedTest *test,
                   gint64           duration_us)
{
  TallyProgram *program = test->program;
  TallyProgramTimes *times;

  if (program->kind == TALLY_PROGRAM_NATIVE)
    return;
  if (history->program_times == NULL)
    history->program_times = g_hash_table_new_full (NULL, NULL, NULL,
                                                    (GDestroyNotify) tally_program_times_free);
  times = g_hash_table_lookup (history->program_times, program);
  if (times == NULL)
    {
      times = g_new0 (TallyProgramTimes, 1);
      times->cpu_us = -1;
      g_hash_table_insert (history->program_times, program, times);
    }
  times->n_tests++;
  if (duration_us < 0)
    return;
  times->wall_us += duration_us;
  times->n_timed++;
  if (program->kind != TALLY_PROGRAM_GTEST)
    return;
  if (times->case_us == NULL)
    {
      gint64 unknown = -1;

      times->case_us = g_array_sized_new (FALSE, FALSE, sizeof (gint64), program->tests->len);
      for (guint i = 0; i < program->tests->len; i++)
        g_array_append_val (times->case_us, unknown);
    }
  if (test->index < times->case_us->len)
    g_array_index (times->case_us, gint64, test->index) = duration_us;
}

/* Longest first, so no long test starts last (tests under
 * ORDER_SHORT_US keep their order); the durations are looked
 * up once per test, not once per comparison, and then dropped (this is
 * the runner's peak with history: 16 B a test here, as much for qsort).
 * Stable: ties keep their order. What runs as a whole moves as a whole,
 * by its total: a GTest binary or plain program (its tests run in
 * processes of many, in registration order) and a `group=NAME` (its
 * tests run one after another on one worker). */
static GPtrArray *
sort_longest_first (GPtrArray *tests,
                    History   *history)
{
  g_autofree Timed *timed = g_new (Timed, tests->len);
  g_autofree char **keys = g_new0 (char *, tests->len);
  g_autoptr(GHashTable) totals = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  GPtrArray *sorted;

  for (guint i = 0; i < tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);
      gint64 *total;

      timed[i].duration_us = tally_history_lookup_duration (history->durations,
                                                            test->program->name, test->path);
      timed[i].position = i;
      note_program_time (history, test, timed[i].duration_us);
      keys[i] = test->program->kind == TALLY_PROGRAM_NATIVE ? group_key (test)
                                                          : g_strdup (test->program->path);
      if (keys[i] == NULL)
        continue;
      total = g_hash_table_lookup (totals, keys[i]);
      if (total == NULL)
        {
          total = g_new (gint64, 1);
          *total = -1;
          g_hash_table_insert (totals, keys[i], total);
        }
      if (timed[i].duration_us >= 0)
        *total = MAX (*total, 0) + timed[i].duration_us;
    }
  g_clear_pointer (&history->durations, tally_durations_free);
  for (guint i = 0; i < tests->len; i++)
    {
      if (keys[i] != NULL)
        timed[i].duration_us = *(gint64 *) g_hash_table_lookup (totals, keys[i]);
      if (timed[i].duration_us >= 0 && timed[i].duration_us < ORDER_SHORT_US)
        timed[i].duration_us = 0;
    }
  qsort (timed, tests->len, sizeof (Timed), compare_longest_first);

  sorted = g_ptr_array_sized_new (tests->len);
  for (guint i = 0; i < tests->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (tests, timed[i].position));
  g_clear_pointer (&totals, g_hash_table_unref);
  for (guint i = 0; i < tests->len; i++)
    g_free (keys[i]);
  return sorted;
}

static void
shuffle (GPtrArray *tests,
         guint64    seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed_array ((const guint32 *) &seed, 2);

  for (guint i = tests->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      gpointer tmp = tests->pdata[i - 1];

      tests->pdata[i - 1] = tests->pdata[j];
      tests->pdata[j] = tmp;
    }
}

static GPtrArray *
apply_shard (GPtrArray  *tests,
             RunOptions *o,
             History    *history)
{
  g_autofree TallyTestRef *refs = g_new0 (TallyTestRef, tests->len);
  g_autoptr(GArray) picked = NULL;
  GPtrArray *shard = g_ptr_array_new ();

  for (guint i = 0; i < tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);

      refs[i].program = test->program->name;
      refs[i].path = test->path;
    }

  picked = tally_history_shard (refs, tests->len, o->shard_k, o->shard_n, history->durations);
  for (guint i = 0; i < picked->len; i++)
    g_ptr_array_add (shard, g_ptr_array_index (tests, g_array_index (picked, guint, i)));

  return shard;
}

static GPtrArray *
apply_stepwise (GPtrArray  *tests,
                TallyStore *store)
{
  g_autofree char *resume = store ? tally_history_get_stepwise (store, NULL) : NULL;
  GPtrArray *rest = g_ptr_array_new ();
  gboolean found = FALSE;

  for (guint i = 0; resume && i < tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);
      g_autofree char *key = tally_store_test_key (test->program->name, test->path);

      found |= g_strcmp0 (key, resume) == 0;
      if (found)
        g_ptr_array_add (rest, test);
    }

  if (!found)
    g_ptr_array_extend (rest, tests, NULL, NULL);

  return rest;
}

static char *
group_key (TallyListedTest *test)
{
  const char *group = tally_markers_lookup (test->markers, "group");

  return group ? g_strdup_printf ("%s\x1f%s", test->program->path, group) : NULL;
}

/* A group runs on one worker in registration order: after history or
 * random order moved its members, the whole group takes the place of its
 * first member in @reordered, its members in their order in @registered
 * (the same tests before reordering). */
static GPtrArray *
keep_groups_in_order (GPtrArray *reordered,
                      GPtrArray *registered)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *result;

  for (guint i = 0; i < registered->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (registered, i);
      char *key = group_key (test);
      GPtrArray *members;

      if (key == NULL)
        continue;
      members = g_hash_table_lookup (groups, key);
      if (members == NULL)
        g_hash_table_insert (groups, g_strdup (key), members = g_ptr_array_new ());
      g_ptr_array_add (members, test);
      g_free (key);
    }
  if (g_hash_table_size (groups) == 0)
    return g_ptr_array_ref (reordered);

  result = g_ptr_array_sized_new (reordered->len);
  for (guint i = 0; i < reordered->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (reordered, i);
      g_autofree char *key = group_key (test);
      GPtrArray *members;

      if (key == NULL)
        g_ptr_array_add (result, test);
      else if ((members = g_hash_table_lookup (groups, key)) != NULL)
        {
          g_ptr_array_extend (result, members, NULL, NULL);
          g_hash_table_remove (groups, key);   /* placed: later members are in */
        }
    }
  return result;
}

/* -v: what reading each program made of it (the console's stream). */
static void
say_what_programs_are (RunOptions *o,
                       GPtrArray  *programs)
{
  FILE *console = (o->json || o->tap) ? stderr : stdout;

  for (guint i = 0; i < programs->len; i++)
    {
      TallyProgram *program = g_ptr_array_index (programs, i);
      g_autofree char *name = tally_text_inert (program->name, -1, FALSE);

      fprintf (console, "%s: read as %s%s\n", name, program->taken_for ? program->taken_for : "?",
               program->listing_cached ? " (listing cached)" : "");
    }
}

/* The listings stored in the database, before discovery: read-only and
 * closed at once (the run opens it for writing later, or meanwhile).
 * Nothing when there is no database yet, or an older one (the run
 * upgrades it, and the next run has the cache). */
static TallyListingCache *
load_listing_cache (RunOptions *o)
{
  g_autoptr(TallyListingCache) cache = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (o->no_db || o->no_list_cache)
    return NULL;
  cache = tally_listing_cache_new ();
  path = tally_cmd_default_db_path (o->db);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&cache);
  store = tally_store_open_readonly (path, &error);
  if (store == NULL || !tally_listing_cache_load (cache, store, &error))
    g_debug ("listing cache not read: %s", error->message);
  return g_steal_pointer (&cache);
}

static void
save_listing_cache (TallyListingCache *cache,
                    TallyStore        *store)
{
  g_autoptr(GError) error = NULL;
  guint hits, misses;

  if (cache == NULL || store == NULL)
    return;
  tally_listing_cache_get_stats (cache, &hits, &misses);
  g_debug ("listings: %u from the cache, %u run", hits, misses);
  if (!tally_listing_cache_save (cache, store, &error))
    g_warning ("could not store the listings: %s", error->message);
}

static GPtrArray *
order_tests (GPtrArray  *selected,
             RunOptions *o,
             TallyStore *store,
             History    *history)
{
  g_autoptr(GPtrArray) tests = g_ptr_array_ref (selected);   /* each step below makes a new array */
  g_autoptr(GPtrArray) registered = NULL;

  if (store != NULL)
    {
      if (history->durations == NULL)
        history->durations = tally_history_durations (store, NULL);
      if (o->last_failed || o->failed_first)
        history->last_failed = tally_history_last_failed (store, NULL);
    }

  if (o->shard != NULL)
    {
      GPtrArray *shard = apply_shard (tests, o, history);
      g_ptr_array_unref (tests);
      tests = shard;
    }

  if (o->last_failed && history->last_failed && g_hash_table_size (history->last_failed) > 0)
    {
      GPtrArray *failed = g_ptr_array_new ();

      for (guint i = 0; i < tests->len; i++)
        if (test_failed_last (history, g_ptr_array_index (tests, i)))
          g_ptr_array_add (failed, g_ptr_array_index (tests, i));
      g_ptr_array_unref (tests);
      tests = failed;
    }

  if (o->stepwise)
    return apply_stepwise (tests, store);   /* keeps the given order */

  registered = g_ptr_array_ref (tests);
  if (o->random_order)
    {
      GPtrArray *shuffled = g_ptr_array_copy (tests, NULL, NULL);

      shuffle (shuffled, o->seed_value);
      g_ptr_array_unref (tests);
      tests = shuffled;
    }
  else if (tally_durations_size (history->durations) > 0)
    {
      GPtrArray *sorted = sort_longest_first (tests, history);

      g_ptr_array_unref (tests);
      tests = sorted;
    }

  if (o->failed_first && history->last_failed)
    {
      GPtrArray *ordered = g_ptr_array_new ();

      for (guint pass = 0; pass < 2; pass++)
        for (guint i = 0; i < tests->len; i++)
          if (test_failed_last (history, g_ptr_array_index (tests, i)) == (pass == 0))
            g_ptr_array_add (ordered, g_ptr_array_index (tests, i));
      g_ptr_array_unref (tests);
      tests = ordered;
    }

  return keep_groups_in_order (tests, registered);
}

/* The database, opened now or while the program was listed (@early,
 * @early_error); a database that cannot be opened is a usage error,
 * said only now so that it never comes before the listing's. */
static TallyStore *
open_store (RunOptions *o,
            TallyStore *early,
            GError     *early_error,
            int        *status)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  TallyStore *store;

  if (o->no_db)
    return NULL;

  if (early != NULL || early_error != NULL)
    {
      store = early;
      error = early_error ? g_error_copy (early_error) : NULL;
    }
  else
    {
      path = tally_cmd_default_db_path (o->db);
      store = tally_store_open (path, &error);
    }
  if (store == NULL)
    *status = tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "%s", error->message);
  else if (!tally_store_skip_reference_checks (store, &error))
    g_debug ("foreign keys still checked: %s", error->message);
  return store;
}

static TallyReporter *
make_reporter (RunOptions  *o,
               int         *status)
{
  g_autoptr(GPtrArray) reporters = g_ptr_array_new ();
  /* With --json or --tap on stdout, the human report moves to stderr. */
  FILE *console = (o->json || o->tap) ? stderr : stdout;
  TallyVerbosity verbosity = o->verbose ? TALLY_VERBOSITY_VERBOSE
                             : o->quiet ? TALLY_VERBOSITY_QUIET : TALLY_VERBOSITY_NORMAL;

  g_ptr_array_add (reporters, tally_reporter_console_new (console, verbosity,
                                                          isatty (fileno (console)),
                                                          tally_cmd_use_colour (console)));
  if (o->json)
    g_ptr_array_add (reporters, tally_reporter_json_new (stdout));
  else if (o->tap)
    g_ptr_array_add (reporters, tally_reporter_tap_new (stdout));

  if (o->junit_xml != NULL)
    {
      g_autoptr(GError) error = NULL;
      TallyReporter *junit = tally_reporter_junit_new (o->junit_xml, &error);

      if (junit == NULL)
        {
          *status = tally_cmd_fail (CMD, TALLY_EXIT_USAGE, "--junit-xml: %s", error->message);
          g_ptr_array_foreach (reporters, (GFunc) tally_reporter_free, NULL);
          return NULL;
        }
      g_ptr_array_add (reporters, junit);
    }

  return tally_reporter_tee_new (g_steal_pointer (&reporters));
}

typedef struct
{
  TallySession *session;
  guint signals;
} Interrupt;

static gboolean
on_interrupt_cb (gpointer data)
{
  Interrupt *interrupt = data;

  if (++interrupt->signals > 1)
    {
      /* A second Ctrl-C: the user is done waiting. */
      fprintf (stderr, "\n%s: interrupted again; exiting now\n", CMD);
      _exit (TALLY_EXIT_INTERRUPTED);
    }

  tally_session_stop (interrupt->session, TRUE);
  return G_SOURCE_CONTINUE;
}

static GSource *
watch_signal (int       signum,
              Interrupt *interrupt)
{
  GSource *source = g_unix_signal_source_new (signum);

  g_source_set_callback (source, on_interrupt_cb, interrupt, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static TallyRunStatus
run_status (TallyRunEnd            end,
            const TallyRunSummary *summary)
{
  guint failed = 0;

  for (guint o = 0; o < TALLY_N_OUTCOMES; o++)
    if (tally_outcome_is_failure (o))
      failed += summary->counts[o];

  switch (end)
    {
    case TALLY_RUN_END_INTERRUPTED:
      return TALLY_RUN_INTERRUPTED;
    case TALLY_RUN_END_ERROR:
      return TALLY_RUN_ERROR;
    case TALLY_RUN_END_COMPLETE:
    case TALLY_RUN_END_STOPPED:
    default:
      return failed > 0 ? TALLY_RUN_FAILED : TALLY_RUN_PASSED;
    }
}

static int
exit_status (TallyRunStatus status)
{
  switch (status)
    {
    case TALLY_RUN_PASSED:      return TALLY_EXIT_OK;
    case TALLY_RUN_FAILED:      return TALLY_EXIT_TESTS_FAILED;
    case TALLY_RUN_INTERRUPTED: return TALLY_EXIT_INTERRUPTED;
    case TALLY_RUN_ERROR:
    case TALLY_RUN_RUNNING:
    default:                    return TALLY_EXIT_INTERNAL_ERROR;
    }
}

static void
remember_stepwise (TallyStore   *store,
                   TallySession *session)
{
  TallyListedTest *failed = tally_session_get_first_failure (session);

  if (store == NULL)
    return;
  if (failed != NULL)
    tally_history_set_stepwise (store, failed->program->name, failed->path, NULL);
  else
    tally_store_set_state (store, TALLY_HISTORY_STEPWISE_KEY, NULL, NULL);
}

static guint
count_programs (GPtrArray *tests)
{
  g_autoptr(GHashTable) programs = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < tests->len; i++)
    g_hash_table_add (programs, ((TallyListedTest *) g_ptr_array_index (tests, i))->program);
  return g_hash_table_size (programs);
}

/* -n auto: tests that history says mostly wait (their wall time a
 * multiple of their CPU time, in the latest run that measured it) start
 * with more workers than CPUs, as many as would keep about half the
 * CPUs busy; the sampler adjusts from there. */
#define WIDE_START_MAX_TESTS 100000

static guint
wide_start (RunOptions *o,
            TallyStore *store,
            GPtrArray  *tests)
{
  g_autoptr(GHashTable) usage = NULL;
  gint64 wall = 0, cpu = 0;
  double width;

  /* One lookup a test: not for the largest selections. */
  if (!o->auto_workers || store == NULL || tests->len > WIDE_START_MAX_TESTS
      || (usage = tally_store_get_test_usage (store, NULL)) == NULL)
    return o->n_workers;

  for (guint i = 0; i < tests->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);
      g_autofree char *key = tally_store_test_key (test->program->name, test->path);
      TallyTestUsage *one = g_hash_table_lookup (usage, key);

      if (one != NULL)
        wall += one->wall_us, cpu += one->cpu_us;
    }
  if (wall < G_USEC_PER_SEC)
    return o->n_workers;

  width = o->n_cpus * (double) wall / MAX (cpu, 1) / 2;
  g_debug ("history: %.1f s of tests used %.1f s of CPU: %u workers to start",
           wall / 1e6, cpu / 1e6, (guint) CLAMP (width, o->n_workers, (double) o->max_workers));
  return (guint) CLAMP (width, o->n_workers, (double) o->max_workers);
}

static double
cpu_ms (const struct rusage *usage)
{
  return (usage->ru_utime.tv_sec + usage->ru_stime.tv_sec) * 1e3
         + (usage->ru_utime.tv_usec + usage->ru_stime.tv_usec) / 1e3;
}

/* TALLY_PHASES=1: each phase's end on stderr, with the time since the
 * run started, the CPU time of the runner (all its threads) and of its
 * children that exited, and the runner's peak RSS so far
 * (docs/performance.md). */
static void
say_phase (const char *name)
{
  static gint64 started;
  struct rusage self, children;
  g_autofree char *status = NULL;
  g_autofree char *peak = NULL;
  const char *hwm;

  if (g_getenv ("TALLY_PHASES") == NULL)
    return;
  if (started == 0)
    started = g_get_monotonic_time ();
  if (name == NULL)
    return;
  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  hwm = status ? strstr (status, "VmHWM:") : NULL;
  peak = hwm ? g_strstrip (g_strndup (hwm + 6, strcspn (hwm + 6, "\n"))) : g_strdup ("?");
  getrusage (RUSAGE_SELF, &self);
  getrusage (RUSAGE_CHILDREN, &children);
  g_printerr ("tally: phase %-8s ends at %8.3f s, runner CPU %7.1f ms, exited children's %7.1f ms, "
              "runner peak RSS %s\n", name,
              (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC,
              cpu_ms (&self), cpu_ms (&children), peak);
}

static int
run_session (RunOptions *o,
             GPtrArray  *tests,
             TallyStore *owned_store,
             GPtrArray  *workers,
             GHashTable *program_times,
             int         argc,
             char      **argv)
{
  g_autoptr(TallyStore) closing = owned_store;
  TallyStore *store = owned_store;
  g_autoptr(TallyReporter) reporter = NULL;
  g_autoptr(TallySession) session = NULL;
  g_autoptr(GError) error = NULL;
  TallySessionOptions options = { 0 };
  TallyRunInfo info = { 0 };
  Interrupt interrupt = { 0 };
  GSource *sigint, *sigterm, *sighup;
  TallyRunStatus status;
  guint stuck;
  TallyRunEnd end;
  int exit = TALLY_EXIT_OK;
  gboolean lost_store = FALSE;
  gboolean lost_report = FALSE;

  if (!(reporter = make_reporter (o, &exit)))
    {
      g_clear_pointer (&workers, g_ptr_array_unref);
      return exit;
    }

  if (store != NULL)
    {
      options.run_id = tally_store_begin_run (store, (const char * const *) argv, o->n_workers,
                                              o->seed_value, o->shard, &error);
      /* The tests' rows go in with their results (tally-session.c). */
      if (options.run_id <= 0)
        {
          /* A locked or full database does not stop the tests: they run
           * and are reported; the run just is not stored (exit 3). */
          tally_cmd_fail (CMD, 0, "%s; the results of this run could not be stored "
                          "(the tests run all the same)",
                          error ? error->message : "cannot store the run");
          g_clear_error (&error);
          store = NULL;
          options.run_id = 0;
          lost_store = TRUE;
        }
    }
  say_phase ("store");

  options.n_workers = MIN (wide_start (o, store, tests), MAX (tests->len * (guint) o->repeat, 1));
  if (o->auto_workers)
    {
      options.n_cpus = o->n_cpus;
      options.max_workers = MIN ((guint) o->max_workers, MAX (tests->len * (guint) o->repeat, 1));
    }
  options.default_timeout_s = o->timeout_s;
  options.grace_s = 2.0;
  /* Tests of the quit deadline shorten it (docs/reliability.md). */
  if (g_getenv ("TALLY_QUIT_GRACE_S") != NULL)
    options.quit_grace_s = g_ascii_strtod (g_getenv ("TALLY_QUIT_GRACE_S"), NULL);
  options.maxfail = o->maxfail;
  options.max_worker_restarts = o->max_worker_restarts ? (guint) o->max_worker_restarts
                                                       : 4 * MAX (options.n_workers, options.max_workers) + 16;
  options.retries = o->retries;
  options.repeat = o->repeat;
  options.durations = o->durations;
  options.leaks = o->leaks;
  options.store = store;
  options.reporter = reporter;
  options.workers = workers;
  options.program_times = program_times;
  session = tally_session_new (tests, &options);

  info.run_id = options.run_id;
  info.db_path = store ? tally_store_get_path (store) : NULL;
  info.n_tests = tests->len * o->repeat;
  info.n_programs = count_programs (tests);
  info.n_workers = options.n_workers;
  info.max_workers = options.max_workers;
  info.seed = o->seed_value;
  info.random_order = o->random_order;
  info.shard = o->shard;
  tally_reporter_run_started (reporter, &info);

  interrupt.session = session;
  sigint = watch_signal (SIGINT, &interrupt);
  sigterm = watch_signal (SIGTERM, &interrupt);
  sighup = watch_signal (SIGHUP, &interrupt);
  end = tally_session_run (session);
  say_phase ("run");

  /* The workers quit meanwhile: the run is stored and reported (and the
   * database closed) in their exit's time rather than after it. */
  status = run_status (end, tally_session_get_summary (session));
  if (store != NULL)
    {
      if (o->stepwise)
        remember_stepwise (store, session);
      if (!tally_store_finish_run (store, options.run_id, status, &error))
        {
          tally_cmd_fail (CMD, 0, "%s", error->message);
          status = TALLY_RUN_ERROR;
        }
    }
  say_phase ("commit");

  tally_reporter_run_finished (reporter, tally_session_get_summary (session));
  say_phase ("summary");
  if (tally_session_get_summary (session)->problem)
    tally_cmd_fail (CMD, 0, "%s", tally_session_get_summary (session)->problem);
  /* A report that CI reads and that ended short is no success. */
  if (!tally_reporter_get_error (reporter, &error))
    {
      tally_cmd_fail (CMD, 0, "%s", error->message);
      g_clear_error (&error);
      lost_report = TRUE;
    }

  g_clear_pointer (&closing, tally_store_close);
  say_phase ("db-close");
  if ((stuck = tally_session_wait_workers (session)) > 0)
    g_printerr ("%s: %u worker%s did not exit after %s last test and %s stopped with a signal\n",
                CMD, stuck, stuck == 1 ? "" : "s", stuck == 1 ? "its" : "their",
                stuck == 1 ? "was" : "were");
  g_source_destroy (sigint);
  g_source_destroy (sigterm);
  g_source_destroy (sighup);
  g_source_unref (sigint);
  g_source_unref (sigterm);
  g_source_unref (sighup);
  say_phase ("close");

  if ((lost_store || lost_report) && status == TALLY_RUN_PASSED)
    return TALLY_EXIT_INTERNAL_ERROR;
  return exit_status (status);
}

/* --tests-from: the lines of PATH (standard input for "-"), each a
 * "program::path" as the database names tests. Blank lines are skipped;
 * nothing else is trimmed, since a path may end in a space. */
static GHashTable *
read_test_list (const char  *path,
                GError     **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_auto(GStrv) lines = NULL;

  if (g_str_equal (path, "-"))
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
        return NULL;
      len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
      text = g_memdup2 (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), len + 1);
      text[len] = '\0';
    }
  else if (!g_file_get_contents (path, &text, &len, error))
    return NULL;

  if (memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PARSE, "a NUL byte in the list");
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_hash_table_add (names, g_strdup (lines[i]));
  return g_steal_pointer (&names);
}

/* Keeps in @selected exactly the tests --tests-from lists; a listed test
 * that was not collected (renamed, deleted, deselected by -m/-k) is said
 * once, as a note: a rerun of what is left still makes sense. */
static gboolean
keep_listed_tests (const char *path,
                   GPtrArray  *selected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) listed = read_test_list (path, &error);
  guint kept = 0;

  if (listed == NULL)
    return tally_cmd_fail (CMD, 0, "--tests-from %s: %s", path, error->message), FALSE;

  for (guint i = 0; i < selected->len; i++)
    {
      TallyListedTest *test = g_ptr_array_index (selected, i);
      g_autofree char *name = g_strdup_printf ("%s::%s", test->program->name, test->path);

      if (g_hash_table_remove (listed, name))
        selected->pdata[kept++] = test;
    }
  g_ptr_array_set_size (selected, kept);

  if (g_hash_table_size (listed) > 0)
    {
      GHashTableIter iter;
      gpointer example;
      g_autofree char *shown = NULL;
      g_autofree char *shown_path = tally_text_inert (path, -1, FALSE);

      g_hash_table_iter_init (&iter, listed);
      g_hash_table_iter_next (&iter, &example, NULL);
      shown = tally_text_inert (example, -1, FALSE);
      g_printerr ("%s: --tests-from %s: %u listed tests were not collected, e.g. %s\n",
                  CMD, shown_path, g_hash_table_size (listed), shown);
    }
  return TRUE;
}

/* Workers for the one program named, started before it is listed: the
 * first one writes the listing (TALLY_LIST_FD) before it waits for
 * tests, which spares a listing process, and the others' start-up
 * (exec, libraries, registering the tests) overlaps it; opening the
 * database does too. Only for a program that looks like a Tally program
 * from the inside (so not for a path that does not exist); the listing
 * still decides whether it runs (one the worker could not give, e.g.
 * it died, is made the usual way), and until the session adopts them
 * the workers only wait for commands (nothing runs if the listing
 * fails: they are killed). As many as can start in parallel, up to
 * EARLY_WORKERS_MAX: the number of tests is not known yet, and on a
 * machine with many CPUs a program of a few tests would start (and
 * stop) a worker per CPU; the session starts the others once the
 * listing is in. */
#define EARLY_WORKERS_MAX 4

typedef struct
{
  RunOptions *options;
  GPtrArray *workers;
  int listing_fd;            /* the first one's listing; -1: none */
  TallyStore *store;
  GError *store_error;
  TallyDurations *durations;   /* read from it meanwhile */
} EarlyWorkers;

static void
early_listing_close (EarlyWorkers *early)
{
  if (early->listing_fd >= 0)
    close (early->listing_fd);
  early->listing_fd = -1;
}

static void
early_workers_clear (EarlyWorkers *early)
{
  early_listing_close (early);
  g_clear_pointer (&early->workers, g_ptr_array_unref);
  g_clear_pointer (&early->store, tally_store_close);
  g_clear_error (&early->store_error);
  g_clear_pointer (&early->durations, tally_durations_free);
}

static void
start_early_workers (EarlyWorkers *early)
{
  RunOptions *o = early->options;
  TallyWorkerSettings settings = { .default_timeout_s = o->timeout_s, .leaks = o->leaks };
  g_autoptr(TallyProgram) program = NULL;
  guint n = MIN (MIN (o->n_workers, g_get_num_processors ()), EARLY_WORKERS_MAX);

  if (o->programs == NULL || o->programs[0] == NULL || o->programs[1] != NULL
      || o->installed_tests != NULL || o->gtest || !tally_program_looks_native (o->programs[0]))
    return;

  program = tally_program_new_unlisted (o->programs[0]);
  early->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_worker_proc_free);
  for (guint i = 0; i < n; i++)
    {
      TallyWorkerProc *worker = tally_worker_proc_spawn_early (program, i, &settings,
                                                               i == 0 ? &early->listing_fd : NULL,
                                                               NULL);

      /* The session starts it again, and says why if it cannot. */
      if (worker == NULL)
        break;
      g_ptr_array_add (early->workers, worker);
    }
}

static void
open_early_store (gpointer data)
{
  EarlyWorkers *early = data;
  RunOptions *o = early->options;

  if (!o->no_db)
    {
      g_autofree char *path = tally_cmd_default_db_path (o->db);

      early->store = tally_store_open (path, &early->store_error);
      /* What ordering needs (and the durations of the runs that finished
       * since, tally-store-write.c) is read while the programs list. */
      if (early->store != NULL)
        early->durations = tally_history_durations (early->store, NULL);
    }
}

int
tally_cmd_run (int    argc,
               char **argv)
{
  g_auto(GStrv) argv_copy = g_strdupv (argv);
  g_autoptr(GPtrArray) programs = NULL;
  g_autoptr(GPtrArray) selected = NULL;
  g_autoptr(GPtrArray) ordered = NULL;
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(TallyListingCache) listing_cache = NULL;
  RunOptions o = { 0 };
  History history = { 0 };
  TallyDiscoverOptions discover = { 0 };
  EarlyWorkers early = { &o, NULL, -1 };
  int status = TALLY_EXIT_USAGE;
  int discover_status = 0;

  tally_signals_catch_sigpipe ();
  say_phase (NULL);

  if (!parse_options (argc, argv, &o))
    goto out;

  discover.gtest = o.gtest;
  discover.suites = o.suites;
  discover.no_suites = o.no_suites;
  discover.installed_tests = o.installed_tests;
  discover.markers_file = o.markers_file;
  start_early_workers (&early);
  discover.while_listing = open_early_store;
  discover.while_listing_data = &early;
  discover.listing_fd = &early.listing_fd;
  discover.listing_cache = listing_cache = load_listing_cache (&o);
  programs = tally_cmd_discover_full (CMD, o.programs, &discover, &status);
  /* Read or not: a worker still writing its listing gets EPIPE. */
  early_listing_close (&early);
  if (programs == NULL)
    goto out;
  say_phase ("listing");
  /* Programs left out with an error end the run with status 3. */
  discover_status = status;
  if (o.verbose)
    say_what_programs_are (&o, programs);

  status = TALLY_EXIT_USAGE;
  if (!(selected = tally_cmd_select (CMD, programs, o.marker_expr, o.keyword_expr)))
    goto out;
  if (o.tests_from && !keep_listed_tests (o.tests_from, selected))
    goto out;
  if (o.strict_markers && !tally_cmd_check_strict_markers (CMD, selected))
    goto out;

  store = open_store (&o, g_steal_pointer (&early.store), early.store_error, &status);
  if (!o.no_db && store == NULL)
    goto out;
  save_listing_cache (listing_cache, store);

  history.durations = g_steal_pointer (&early.durations);
  ordered = order_tests (selected, &o, store, &history);
  /* What ordering needed is not kept through the run. */
  g_clear_pointer (&selected, g_ptr_array_unref);
  g_clear_pointer (&history.last_failed, g_hash_table_unref);
  g_clear_pointer (&history.durations, tally_durations_free);
  say_phase ("order");
  if (ordered->len == 0)
    {
      status = tally_cmd_fail (CMD, TALLY_EXIT_NO_TESTS, "no tests collected%s",
                               (o.marker_expr || o.keyword_expr || o.shard || o.tests_from)
                               ? " (after -m/-k/--shard/--tests-from)" : "");
      goto out;
    }

  /* The database records the command as typed, with "tally run" split
   * back into two words, so a viewer can rerun it. */
  g_free (argv_copy[0]);
  argv_copy[0] = g_strdup ("run");
  status = run_session (&o, ordered, g_steal_pointer (&store), g_steal_pointer (&early.workers),
                        history.program_times, argc, argv_copy);
  if (discover_status != 0 && (status == TALLY_EXIT_OK || status == TALLY_EXIT_TESTS_FAILED))
    status = discover_status;

out:
  early_workers_clear (&early);
  g_clear_pointer (&history.last_failed, g_hash_table_unref);
  g_clear_pointer (&history.program_times, g_hash_table_unref);
  g_clear_pointer (&history.durations, tally_durations_free);
  run_options_clear (&o);
  return status;
}
