/* The adaptive worker count (-n auto): more workers while the CPUs idle
 * and tests wait, none added while the machine is busy, --max-workers,
 * a fixed -n N, serial tests alone. The machine's CPU use comes from a
 * fake /proc/stat (TALLY_PROC_STAT) that a thread of the test keeps
 * rewriting, so idle and busy machines are made on purpose; the
 * CPU-bound case reads the real one. Samples: tests/samples/sample-adaptive.c. */
#include "config.h"

#include <json-glib/json-glib.h>

#include <glib/gstdio.h>

#include "tally-test-util.h"

typedef struct
{
  char *path;
  guint busy_percent;
  guint busy_after_ms;       /* after the first sleeper started, then
                                100 % busy; 0: never */
  char *started_path;        /* $ADAPTIVE_STARTED: made by that sleeper */
  gint stop;
  GThread *thread;
} FakeStat;

/* Adds 100 clock ticks every 20 ms, busy_percent of them busy. */
static gpointer
fake_stat_thread (gpointer data)
{
  FakeStat *fake = data;
  guint64 user = 1000, idle = 1000;
  gint64 start = 0;

  while (!g_atomic_int_get (&fake->stop))
    {
      g_autofree char *text = NULL;

      /* Counted from the run's first test, not from the test's start: a
       * loaded machine may take longer than busy_after_ms to list. */
      if (fake->busy_after_ms > 0 && start == 0 && g_file_test (fake->started_path, G_FILE_TEST_EXISTS))
        start = g_get_monotonic_time ();
      if (start > 0 && g_get_monotonic_time () - start > fake->busy_after_ms * 1000)
        fake->busy_percent = 100;

      user += fake->busy_percent;
      idle += 100 - fake->busy_percent;
      text = g_strdup_printf ("cpu  %" G_GUINT64_FORMAT " 0 0 %" G_GUINT64_FORMAT " 0 0 0 0 0 0\n"
                              "cpu0 0 0 0 0 0 0 0 0 0 0\n", user, idle);
      g_file_set_contents (fake->path, text, -1, NULL);
      g_usleep (20 * 1000);
    }
  return NULL;
}

static FakeStat *
fake_stat_start_full (TallyTest *t,
                      guint      busy_percent,
                      guint      busy_after_ms)
{
  FakeStat *fake = g_new0 (FakeStat, 1);

  fake->busy_after_ms = busy_after_ms;
  fake->path = g_build_filename (tally_test_get_tmpdir (t), "stat", NULL);
  fake->started_path = g_build_filename (tally_test_get_tmpdir (t), "started", NULL);
  fake->busy_percent = busy_percent;
  fake->thread = g_thread_new ("fake-stat", fake_stat_thread, fake);
  return fake;
}

static FakeStat *
fake_stat_start (TallyTest *t,
                 guint      busy_percent)
{
  return fake_stat_start_full (t, busy_percent, 0);
}

static void
fake_stat_stop (FakeStat *fake)
{
  g_atomic_int_set (&fake->stop, TRUE);
  g_thread_join (fake->thread);
  g_free (fake->path);
  g_free (fake->started_path);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeStat, fake_stat_stop)

/* `tally run --json ARGS… sample-adaptive` with $TALLY_PROC_STAT at @fake
 * (NULL: the real /proc/stat). */
static TallyRun *
run_adaptive (TallyTest  *t,
              FakeStat   *fake,
              const char *keyword,
              const char *opt1,
              const char *opt2)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-adaptive");
  g_autofree char *stat_env = g_strconcat ("TALLY_PROC_STAT=", fake ? fake->path : "", NULL);
  g_autofree char *started_env = fake ? g_strconcat ("ADAPTIVE_STARTED=", fake->started_path, NULL) : NULL;
  const char *envp[] = { stat_env, started_env, NULL };
  const char *argv[] = { tally, "run", "--json", "--no-db", "-k", keyword, program, NULL, NULL, NULL };

  /* Options go before the program. */
  if (opt1 != NULL)
    {
      argv[6] = opt1;
      argv[7] = opt2 ? opt2 : program;
      argv[8] = opt2 ? program : NULL;
    }
  return tally_util_run_argv (t, envp, argv);
}

static JsonObject *
find_event (TallyRun   *run,
            const char *name)
{
  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (run->events, i);

      if (g_strcmp0 (json_object_get_string_member (event, "event"), name) == 0)
        return event;
    }
  tally_fail ("no %s event; stderr:\n%s", name, run->err);
  return NULL;
}

static gint64
event_int (TallyRun   *run,
           const char *name,
           const char *member)
{
  return json_object_get_int_member (find_event (run, name), member);
}

/* The most workers that ran a test at once, from the tests' start
 * times and durations: independent of what the runner says of itself. */
static guint
max_overlap (TallyRun *run)
{
  guint best = 0;

  for (guint i = 0; i < run->events->len; i++)
    {
      JsonObject *a = g_ptr_array_index (run->events, i);
      gint64 at;
      guint64 workers;
      guint n = 0;

      if (g_strcmp0 (json_object_get_string_member (a, "event"), "test-finished") != 0)
        continue;
      at = json_object_get_int_member (a, "started_at_us") + 1000;
      workers = 0;
      for (guint j = 0; j < run->events->len; j++)
        {
          JsonObject *b = g_ptr_array_index (run->events, j);
          gint64 start, worker;

          if (g_strcmp0 (json_object_get_string_member (b, "event"), "test-finished") != 0)
            continue;
          start = json_object_get_int_member (b, "started_at_us");
          worker = json_object_get_int_member (b, "worker");
          /* Distinct workers: a test's duration is timed from a moment
           * just before its start time is taken, so on a loaded machine
           * its interval can reach into the next test of its worker. */
          if (start <= at && at < start + json_object_get_int_member (b, "duration_us")
              && worker >= 0 && worker < 64 && !(workers & (G_GUINT64_CONSTANT (1) << worker)))
            {
              workers |= G_GUINT64_CONSTANT (1) << worker;
              n++;
            }
        }
      best = MAX (best, n);
    }
  return best;
}

static guint
count_passed (TallyRun *run)
{
  JsonObject *counts = json_object_get_object_member (find_event (run, "run-finished"), "counts");

  return json_object_get_int_member (counts, "passed");
}

/* 40 tests that sleep 200 ms on an idle machine: 8 s of sleeping that
 * the CPUs' worth of workers alone would take 8 s / CPUs for. */
static void
test_sleepers_widen (TallyTest *t, gconstpointer data)
{
  g_autoptr(FakeStat) fake = fake_stat_start (t, 5);
  g_autoptr(TallyRun) run = run_adaptive (t, fake, "/adaptive/sleep/", NULL, NULL);
  guint cpus = event_int (run, "run-started", "workers");
  gint64 wall = event_int (run, "run-finished", "wall_us");
  gint64 fixed = 40 * 200 * 1000 / cpus;

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (count_passed (run), ==, 40);
  tally_assert_cmpint (event_int (run, "run-started", "max_workers"), ==, 4 * cpus);
  tally_assert_cmpint (event_int (run, "run-finished", "workers_peak"), >, cpus);
  tally_assert_cmpuint (max_overlap (run), >, cpus);
  g_message ("%u CPUs: %.2f s with up to %" G_GINT64_FORMAT " workers (%.2f s with %u)",
             cpus, wall / 1e6, event_int (run, "run-finished", "workers_peak"), fixed / 1e6, cpus);
  tally_assert_cmpint (wall, <, MIN (fixed * 5 / 8, 2500 * 1000));
}

/* The same tests on a machine that other processes keep busy: no
 * worker is added. */
static void
test_busy_machine_adds_none (TallyTest *t, gconstpointer data)
{
  g_autoptr(FakeStat) fake = fake_stat_start (t, 100);
  g_autoptr(TallyRun) run = run_adaptive (t, fake, "/adaptive/sleep/", NULL, NULL);
  guint cpus = event_int (run, "run-started", "workers");

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (count_passed (run), ==, 40);
  tally_assert_cmpint (event_int (run, "run-finished", "workers_peak"), <=, cpus);
  tally_assert_cmpuint (max_overlap (run), <=, cpus);
}

/* Tests that compute keep the CPUs busy themselves: on the real
 * /proc/stat, never more than one worker over the CPUs (the first
 * sample may see workers starting up). */
static void
test_cpu_bound_stays (TallyTest *t, gconstpointer data)
{
  g_autoptr(TallyRun) run = run_adaptive (t, NULL, "/adaptive/spin/", NULL, NULL);
  guint cpus = event_int (run, "run-started", "workers");

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (count_passed (run), ==, 20);
  tally_assert_cmpint (event_int (run, "run-finished", "workers_peak"), <=, cpus + 1);
  tally_assert_cmpuint (max_overlap (run), <=, cpus + 1);
}

static void
test_max_workers (TallyTest *t, gconstpointer data)
{
  g_autoptr(FakeStat) fake = fake_stat_start (t, 5);
  guint cap = g_get_num_processors () + 1;   /* what -n auto starts at, + 1 */
  g_autofree char *option = g_strdup_printf ("--max-workers=%u", cap);
  g_autoptr(TallyRun) capped = run_adaptive (t, fake, "/adaptive/sleep/", option, NULL);

  tally_assert_cmpint (capped->status, ==, 0);
  tally_assert_cmpuint (count_passed (capped), ==, 40);
  tally_assert_cmpint (event_int (capped, "run-started", "max_workers"), ==, cap);
  tally_assert_cmpint (event_int (capped, "run-finished", "workers_peak"), ==, cap);
  tally_assert_cmpuint (max_overlap (capped), <=, cap);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *path = g_strdup_printf ("/adaptive/sleep/%02u", i);

      tally_assert_cmpint (tally_util_member_int (capped, path, "worker"), <, cap);
    }
}

/* -n 2 on an idle machine: two workers, however idle. */
static void
test_fixed_count (TallyTest *t, gconstpointer data)
{
  g_autoptr(FakeStat) fake = fake_stat_start (t, 0);
  g_autoptr(TallyRun) run = run_adaptive (t, fake, "/adaptive/sleep/", "-n", "2");

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpint (event_int (run, "run-started", "max_workers"), ==, 2);
  tally_assert_cmpint (event_int (run, "run-finished", "workers_peak"), ==, 2);
  tally_assert_cmpuint (max_overlap (run), <=, 2);
  /* 40 × 200 ms on two workers. */
  tally_assert_cmpint (event_int (run, "run-finished", "wall_us"), >=, 4 * G_USEC_PER_SEC);
}

/* Serial tests run alone while the pool is wide. */
static void
test_serial_alone (TallyTest *t, gconstpointer data)
{
  g_autoptr(FakeStat) fake = fake_stat_start (t, 5);
  g_autoptr(TallyRun) run = run_adaptive (t, fake, "/adaptive/sleep/ or /adaptive/serial/", NULL, NULL);
  guint cpus = event_int (run, "run-started", "workers");

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (count_passed (run), ==, 43);
  tally_assert_cmpint (event_int (run, "run-finished", "workers_peak"), >, cpus);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *serial = g_strdup_printf ("/adaptive/serial/%02u", i);
      gint64 start = tally_util_member_int (run, serial, "started_at_us");
      gint64 end = start + tally_util_member_int (run, serial, "duration_us");

      for (guint j = 0; j < 40; j++)
        {
          g_autofree char *path = g_strdup_printf ("/adaptive/sleep/%02u", j);
          gint64 s = tally_util_member_int (run, path, "started_at_us");
          gint64 e = s + tally_util_member_int (run, path, "duration_us");

          if (s < end && start < e)
            tally_fail ("%s ran beside %s", path, serial);
        }
    }
}

/* The machine turns busy while the pool is wide: workers above the CPU
 * count finish their tests and leave, and the serial tests still run,
 * alone (a leaving worker's last test once left them waiting forever). */
static void
test_shrinks_when_busy (TallyTest *t, gconstpointer data)
{
  g_autoptr(FakeStat) fake = fake_stat_start_full (t, 5, 400);
  g_autoptr(TallyRun) run = run_adaptive (t, fake, "/adaptive/sleep/ or /adaptive/serial/", NULL, NULL);
  guint cpus = event_int (run, "run-started", "workers");
  gint64 last_start = 0;
  guint late_overlap = 0;

  tally_assert_cmpint (run->status, ==, 0);
  tally_assert_cmpuint (count_passed (run), ==, 43);
  tally_assert_cmpint (event_int (run, "run-finished", "workers_peak"), >, cpus);
  /* The last sleepers to start ran with at most the CPU count beside
   * them: the pool came back down. */
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *path = g_strdup_printf ("/adaptive/sleep/%02u", i);

      last_start = MAX (last_start, tally_util_member_int (run, path, "started_at_us"));
    }
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *path = g_strdup_printf ("/adaptive/sleep/%02u", i);
      gint64 s = tally_util_member_int (run, path, "started_at_us");
      gint64 e = s + tally_util_member_int (run, path, "duration_us");

      late_overlap += s <= last_start + 1000 && last_start + 1000 < e;
    }
  g_message ("%u tests ran as the last sleeper started", late_overlap);
  tally_assert_cmpuint (late_overlap, <=, cpus);
}

/* With history (the CPU time of each result), tests known to wait start
 * with more workers, tests without history with as many as CPUs, on a
 * machine the sampler sees busy, so only history can widen it. */
static void
test_history_starts_wide (TallyTest *t, gconstpointer data)
{
  g_autoptr(FakeStat) fake = fake_stat_start (t, 100);
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-adaptive");
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *stat_env = g_strconcat ("TALLY_PROC_STAT=", fake->path, NULL);
  const char *envp[] = { stat_env, NULL };
  guint cpus = g_get_num_processors ();

  for (guint round = 0; round < 2; round++)
    {
      const char *sleepers[] = { tally, "run", "--json", "--db", db, "-k", "/adaptive/sleep/", program, NULL };
      const char *spinners[] = { tally, "run", "--json", "--db", db, "-k", "/adaptive/spin/", program, NULL };
      g_autoptr(TallyRun) sleep_run = tally_util_run_argv (t, envp, sleepers);
      g_autoptr(TallyRun) spin_run = NULL;

      tally_assert_cmpint (sleep_run->status, ==, 0);
      tally_assert_cmpint (event_int (sleep_run, "run-started", "workers"), ==, round == 0 ? cpus : 4 * cpus);
      spin_run = tally_util_run_argv (t, envp, spinners);
      tally_assert_cmpint (spin_run->status, ==, 0);
      /* The first time, only the sleepers have history: not theirs.
       * (Later, on a loaded machine, a computing test that waited for a
       * CPU looks like one that waits: see docs/performance.md.) */
      if (round == 0)
        tally_assert_cmpint (event_int (spin_run, "run-started", "workers"), ==, cpus);
    }
}

/* `tally run -n 2 --json --db DB [--markers-file FILE] gtest-sleepy`. */
static TallyRun *
run_sleepy (TallyTest  *t,
            const char *db,
            const char *markers_file)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-sleepy");
  const char *argv[] = { tally, "run", "-n", "2", "--json", "--db", db,
                         markers_file ? "--markers-file" : program, markers_file, program, NULL };

  if (markers_file == NULL)
    argv[8] = NULL;
  return tally_util_run_argv (t, NULL, argv);
}

/* The slow cases' span (first start to last end), how many workers ran
 * them and for how long two of them ran at once. */
static gint64
slow_span (TallyRun *run,
           guint    *n_workers,
           gint64   *together)
{
  gint64 first = G_MAXINT64, last = 0, start[8], end[8];
  guint workers = 0;

  *together = 0;
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sleepy/slow/%02u", i);

      tally_assert_cmpstr (tally_util_outcome (run, path), ==, "passed");
      start[i] = tally_util_member_int (run, path, "started_at_us");
      end[i] = start[i] + tally_util_member_int (run, path, "duration_us");
      first = MIN (first, start[i]);
      last = MAX (last, end[i]);
      workers |= 1u << tally_util_member_int (run, path, "worker");
      for (guint j = 0; j < i; j++)
        *together += MAX (0, MIN (end[i], end[j]) - MAX (start[i], start[j]));
    }
  *n_workers = (guint) __builtin_popcount (workers);
  return last - first;
}

/* First run: the slow cases all fall in the first half of the program,
 * one process, 4 s. With history the program is cut by time: the slow
 * cases run in two processes at once. (The first case of each process
 * is stored with the process's start-up, up to a second on a loaded
 * machine: the cases sleep long enough for the cut to fall among them.) */
static void
test_split_with_history (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) first = run_sleepy (t, db, NULL);
  g_autoptr(TallyRun) second = NULL;
  guint workers_first, workers_second;
  gint64 span_first, span_second, together_first, together_second;

  tally_assert_cmpint (first->status, ==, 0);
  span_first = slow_span (first, &workers_first, &together_first);
  tally_assert_cmpuint (workers_first, ==, 1);
  tally_assert_cmpint (together_first, ==, 0);
  tally_assert_cmpint (span_first, >=, 4000 * 1000);

  second = run_sleepy (t, db, NULL);
  tally_assert_cmpint (second->status, ==, 0);
  span_second = slow_span (second, &workers_second, &together_second);
  g_message ("slow cases: %.2f s on %u worker(s), then %.2f s on %u, %.2f s of it two at once",
             span_first / 1e6, workers_first, span_second / 1e6, workers_second,
             together_second / 1e6);
  tally_assert_cmpuint (workers_second, ==, 2);
  /* Two processes ran slow cases side by side for most of a part (about
   * 2 s of sleep each): how much that saves in wall time depends on how
   * fast a loaded machine starts processes, so the overlap is what is
   * checked, and that it was faster at all. */
  tally_assert_cmpint (together_second, >=, 1200 * 1000);
  tally_assert_cmpint (span_second, <, span_first);
}

/* The markers file's `no-split` keeps it whole, history or not. */
static void
test_split_off_marker (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *markers = g_build_filename (tally_test_get_tmpdir (t), "markers.ini", NULL);
  guint workers;
  gint64 together;

  g_file_set_contents (markers, "[markers]\n*gtest-sleepy::* = no-split\n", -1, NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TallyRun) run = run_sleepy (t, db, markers);

      tally_assert_cmpint (run->status, ==, 0);
      tally_assert_cmpint (slow_span (run, &workers, &together), >=, 4000 * 1000);
      tally_assert_cmpuint (workers, ==, 1);
      tally_assert_cmpint (together, ==, 0);
    }
}

static void
register_tests (void)
{
  tally_add ("/runner/split/with-history", test_split_with_history, "timeout=60");
  tally_add ("/runner/split/off-marker", test_split_off_marker, "timeout=60");
  tally_add ("/runner/adaptive/sleepers-widen", test_sleepers_widen, "timeout=60");
  tally_add ("/runner/adaptive/busy-machine-adds-none", test_busy_machine_adds_none, "timeout=60");
  tally_add ("/runner/adaptive/cpu-bound-stays", test_cpu_bound_stays, "timeout=60");
  tally_add ("/runner/adaptive/max-workers", test_max_workers, "timeout=60");
  tally_add ("/runner/adaptive/fixed-count", test_fixed_count, "timeout=60");
  tally_add ("/runner/adaptive/serial-alone", test_serial_alone, "timeout=60");
  tally_add ("/runner/adaptive/shrinks-when-busy", test_shrinks_when_busy, "timeout=60");
  tally_add ("/runner/adaptive/history-starts-wide", test_history_starts_wide, "timeout=60");
}

TALLY_MAIN (register_tests)
