/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "tally-cpu-load-private.h"
#include "tally-crash-private.h"
#include "tally-session-private.h"
#include "tally-protocol-private.h"
#include "tally-worker-proc-private.h"

#define TICK_MS 100
#define OUTPUT_CAP (1024 * 1024)
/* A native worker keeps about QUEUE_AHEAD_US of tests sent ahead, by the
 * durations seen so far on its slot, between MIN_DEPTH and MAX_DEPTH
 * tests: the runner shares the CPUs with its workers, and a worker whose
 * queue runs dry waits a scheduler slice (milliseconds) for the runner to
 * be scheduled and refill it. Few tests ahead when tests are long, so that
 * the end of a run stays balanced. */
#define MIN_DEPTH 16
#define MAX_DEPTH 512
#define QUEUE_AHEAD_US 5000
/* The runner naps NAP_US before it waits for its workers while every busy
 * worker has at least NAP_AHEAD_US of tests queued behind the one it runs:
 * results then come in batches, one wakeup a millisecond instead of one a
 * test, and the CPUs the runner shares with its workers go to the tests.
 * A result is seen at most NAP_US later; no worker waits for the runner. */
#define NAP_US 1000
#define NAP_AHEAD_US (2 * NAP_US)
/* A GTest binary's batch may be the whole program: one process, as its
 * own runners start it (the pool's share keeps the tail split). */
#define MAX_GTEST_BATCH 4096
/* The runner's deadline trails the worker's own, so a test that yields to
 * its main context times out in-process, with a precise message. */
#define DEADLINE_SLACK_US (G_USEC_PER_SEC / 2)

/* How many units of the parallel queue are made at a time: the queue
 * is read lazily from the selection, so the runner holds items only for
 * the head of the queue, the tests in flight and what the summary needs. */
#define QUEUE_WINDOW 64

/* -n auto: how often the machine's CPU use is read, and what counts as
 * idle (a worker more fits) or busy (one fewer is refilled). */
#define SAMPLE_MS 150
#define GROW_IDLE_CPUS 0.5
#define SHRINK_BUSY 0.95

/* What is dispatched together: one test, or a whole group (in order). */
typedef struct
{
  TallyProgram *program;
  GQueue items;              /* TallyRunItem, not yet sent, owned */
  gboolean serial;
} Unit;

/* Why a finished item is still alive (TallyRunItem.kept). */
enum
{
  KEPT_FAILURE = 1 << 0,     /* in summary.failures */
  KEPT_SLOWEST = 1 << 1,     /* in summary.slowest */
};

typedef struct
{
  TallySession *session;
  int index;
  TallyWorkerProc *worker;
  GQueue sent;               /* TallyRunItem sent to the worker, unfinished */
  Unit *unit;                /* the group being fed to this slot, if any */
  gboolean head_started;      /* counted as running (see begin_head) */
  gboolean head_confirmed;    /* its STARTED event arrived */
  gboolean head_timed_out;
  gint64 deadline;           /* monotonic µs; 0: none */
  gint64 kill_at;            /* monotonic µs; 0: not terminating */
  gboolean serial;           /* runs a serial unit */
  gint64 mean_us;            /* native tests' recent duration here; 0: none yet */
  gint64 pace_us;            /* … and the recent time from one's start to the
                                next's, the worker's own costs included */
  gint64 last_started_at_us; /* wall clock: the last result's start */
} Slot;

/* A queue read from the selection: position p is the test
 * tests[p % n] of repetition p / n. Units are made when they come near
 * the head (`window`); `left` counts those not made yet. */
typedef struct
{
  GQueue window;             /* Unit, owned: the head of the queue */
  guint next;                /* the next position to read */
  guint left;                /* units at positions ≥ next */
  gboolean serial;           /* holds the serial units */
} UnitQueue;

struct _TallySession
{
  TallySessionOptions options;
  GPtrArray *tests;          /* the selection, in order (a reference) */
  guint n_positions;         /* tests × repeat */
  GHashTable *groups;        /* first position + 1 → its group's Unit, owned,
                                until the queue reaches it */
  guint next_seq;            /* TallyRunItem.seq of the next retry */
  UnitQueue parallel;
  UnitQueue serial;
  Slot *slots;
  GPtrArray *retired;        /* TallyWorkerProc told to quit, not yet gone */
  GPtrArray *unreported;     /* finished items whose results wait for the
                                next commit: reported after it, so that
                                what the user was told is on disk */
  GHashTable *fixture_workers; /* TallyWorkerProc with worker fixtures to tear down */
  GPtrArray *teardowns;      /* TallyListedTest made for fixture teardown errors */
  guint store_rollbacks;     /* the store's when the tests' ids were last good */
  GSource *tick;
  GMainContext *context;
  guint n_slots;             /* slots made: the most workers there may be */
  guint active;              /* slots that are refilled: the worker count */
  guint floor;               /* -n auto never goes below this */
  TallyCpuLoad *load;        /* -n auto: the machine's CPU use */
  GSource *sampler;
  TallyWorkerSettings settings;

  guint total;
  guint done;
  guint in_serial;           /* slots running a serial unit */
  guint restarts;
  guint failures;
  gboolean stopping;
  gboolean interrupted;
  gint64 kill_all_at;        /* interrupted: when workers that outlived their
                                SIGTERM get SIGKILL; 0: not yet asked */
  gint64 fixtures_deadline;  /* when workers still tearing down fixtures at
                                the end get SIGTERM; 0: not waiting */
  guint stuck;               /* workers stopped with a signal at the end */
  gboolean finished;          /* every test is done; workers may be quitting */
  char *problem;
  gint64 started_mono;
  TallyRunSummary summary;
  TallyListedTest *first_failure;
};

static void fill_slots (TallySession *session);
static gint64 stored_test_id (TallySession    *session,
                              TallyListedTest *test);

static void
listed_teardown_free (gpointer data)
{
  TallyListedTest *test = data;

  g_free (test->path);
  g_clear_pointer (&test->markers, tally_markers_unref);
  g_free (test);
}
static void maybe_finish (TallySession *session);
static void begin_head (Slot *slot);

static TallyRunItem *
item_new (TallyListedTest *test,
          guint            attempt,
          guint            repetition,
          guint            seq)
{
  TallyRunItem *item = g_new0 (TallyRunItem, 1);

  item->test = test;
  item->attempt = attempt;
  item->repetition = repetition;
  item->seq = seq;
  item->serial = tally_markers_has (test->markers, "serial");
  tally_result_init (&item->result);
  item->result.attempt = attempt;

  return item;
}

static void
item_free (gpointer data)
{
  TallyRunItem *item = data;

  tally_result_clear (&item->result);
  g_clear_pointer (&item->records, g_ptr_array_unref);
  g_clear_pointer (&item->out, g_bytes_unref);
  g_clear_pointer (&item->err, g_bytes_unref);
  g_free (item);
}

/* Drops one reason to keep a finished item; the last one frees it. */
static void
item_release (TallyRunItem *item,
              guint         kept)
{
  item->kept &= ~kept;
  if (item->kept == 0)
    item_free (item);
}

static Unit *
unit_new (TallyProgram *program)
{
  Unit *unit = g_new0 (Unit, 1);

  unit->program = program;
  g_queue_init (&unit->items);
  return unit;
}

static void
unit_free (Unit *unit)
{
  g_queue_clear_full (&unit->items, item_free);
  g_free (unit);
}

static TallyListedTest *
test_at (TallySession *session,
         guint         position)
{
  return g_ptr_array_index (session->tests, position % session->tests->len);
}

/* Groups run in order on one worker, so each is one unit from the start,
 * queued where its first test is. Counts the units of both queues. */
static void
build_groups (TallySession *session)
{
  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  Unit *unit;

  for (guint p = 0; p < session->n_positions; p++)
    {
      TallyListedTest *test = test_at (session, p);
      const char *group = tally_markers_lookup (test->markers, "group");
      g_autofree char *key = NULL;
      TallyRunItem *item;

      if (group == NULL)
        {
          if (tally_markers_has (test->markers, "serial"))
            session->serial.left++;
          else
            session->parallel.left++;
          continue;
        }

      key = g_strdup_printf ("%s\x1f%s", test->program->path, group);
      unit = g_hash_table_lookup (by_name, key);
      if (unit == NULL)
        {
          unit = unit_new (test->program);
          g_hash_table_insert (by_name, g_steal_pointer (&key), unit);
          g_hash_table_insert (session->groups, GUINT_TO_POINTER (p + 1), unit);
        }
      item = item_new (test, 1, p / session->tests->len, p);
      g_queue_push_tail (&unit->items, item);
      unit->serial |= item->serial;
    }

  g_hash_table_iter_init (&iter, by_name);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    if (unit->serial)
      session->serial.left++;
    else
      session->parallel.left++;
}

/* The unit that position @p puts in @queue, or NULL when it puts none
 * there (a test of the other queue, or a group member after the first). */
static Unit *
unit_at (TallySession *session,
         UnitQueue    *queue,
         guint         p)
{
  TallyListedTest *test = test_at (session, p);
  Unit *unit;

  if (tally_markers_lookup (test->markers, "group") != NULL)
    {
      unit = g_hash_table_lookup (session->groups, GUINT_TO_POINTER (p + 1));
      if (unit == NULL || unit->serial != queue->serial)
        return NULL;
      g_hash_table_steal (session->groups, GUINT_TO_POINTER (p + 1));
      return unit;
    }

  if (tally_markers_has (test->markers, "serial") != queue->serial)
    return NULL;

  unit = unit_new (test->program);
  unit->serial = queue->serial;
  g_queue_push_tail (&unit->items, item_new (test, 1, p / session->tests->len, p));
  return unit;
}

/* Makes the units of the first @want places of @queue. */
static void
queue_fill (TallySession *session,
            UnitQueue    *queue,
            guint         want)
{
  while (queue->window.length < want && queue->left > 0 && queue->next < session->n_positions)
    {
      Unit *unit = unit_at (session, queue, queue->next++);

      if (unit != NULL)
        {
          g_queue_push_tail (&queue->window, unit);
          queue->left--;
        }
    }
}

static guint
queue_length (UnitQueue *queue)
{
  return queue->window.length + queue->left;
}

static void
queue_clear (UnitQueue *queue)
{
  g_queue_clear_full (&queue->window, (GDestroyNotify) unit_free);
  queue->left = 0;
}

/* How many tests a slot keeps sent to its worker. A GTest binary runs
 * each batch in a process of its own, so it gets longer batches, sent
 * only when the previous one is done. */
static guint
slot_depth (Slot         *slot,
            TallyProgram *program,
            guint         taken)
{
  TallySession *session = slot->session;
  guint pending = queue_length (&session->parallel) + taken;
  guint depth = pending / MAX (session->n_slots, 1);
  gboolean native = program == NULL || program->kind == TALLY_PROGRAM_NATIVE;
  guint ahead = MIN_DEPTH;

  if (slot->mean_us > 0)
    ahead = CLAMP (QUEUE_AHEAD_US / slot->mean_us, MIN_DEPTH, MAX_DEPTH);

  /* -x, --maxfail, --sw: a test already queued in a worker would still
   * run after the failure that stops the run. */
  if (session->options.maxfail > 0)
    return 1;

  return CLAMP (depth, 1, native ? ahead : MAX_GTEST_BATCH);
}

static gboolean
slot_wants_more (Slot  *slot,
                 guint  depth)
{
  gboolean native = slot->worker == NULL
                    || tally_worker_proc_get_program (slot->worker)->kind == TALLY_PROGRAM_NATIVE;

  if (slot->sent.length == 0)
    return TRUE;
  /* Native workers refill when half their queue is used: one RUN frame
   * for several tests, and never idle. */
  return native && slot->sent.length <= depth / 2;
}

static gboolean
slot_busy (Slot *slot)
{
  return slot->sent.length > 0 || slot->unit != NULL;
}

/* The pace of a worker's tests, from their starts on its clock: a gap of
 * more than a second (a slow test, a worker started again) is not one. */
static void
note_pace (Slot   *slot,
           gint64  started_at_us)
{
  gint64 gap = started_at_us - slot->last_started_at_us;

  slot->last_started_at_us = started_at_us;
  if (gap <= 0 || gap > G_USEC_PER_SEC)
    return;
  slot->pace_us = slot->pace_us == 0 ? gap : MAX ((slot->pace_us * 31 + gap) / 32, 1);
}

/* Whether every busy worker has NAP_AHEAD_US of native tests queued
 * behind its current one, by its pace. */
static gboolean
can_nap (TallySession *session)
{
  gboolean any = FALSE;

  for (guint i = 0; i < session->n_slots; i++)
    {
      Slot *slot = &session->slots[i];

      if (!slot_busy (slot))
        continue;
      if (slot->worker == NULL || slot->kill_at != 0 || slot->pace_us == 0 || slot->sent.length < 2
          || tally_worker_proc_get_program (slot->worker)->kind != TALLY_PROGRAM_NATIVE
          || (gint64) (slot->sent.length - 1) * slot->pace_us < NAP_AHEAD_US)
        return FALSE;
      any = TRUE;
    }
  return any;
}

static gboolean
any_busy (TallySession *session)
{
  for (guint i = 0; i < session->n_slots; i++)
    if (slot_busy (&session->slots[i]))
      return TRUE;
  return FALSE;
}

/* Prefers a unit of the program the slot's worker runs, to save a spawn. */
static Unit *
take_parallel_unit (TallySession *session,
                    TallyProgram *preferred)
{
  GQueue *window = &session->parallel.window;
  guint scanned = 0;

  queue_fill (session, &session->parallel, QUEUE_WINDOW);
  if (preferred != NULL)
    for (GList *l = window->head; l != NULL && scanned < QUEUE_WINDOW; l = l->next, scanned++)
      if (((Unit *) l->data)->program == preferred)
        {
          Unit *unit = l->data;
          g_queue_delete_link (window, l);
          return unit;
        }

  return g_queue_pop_head (window);
}

static void
retire_worker (Slot *slot)
{
  if (slot->worker == NULL)
    return;

  tally_worker_proc_send_quit (slot->worker);
  g_ptr_array_add (slot->session->retired, g_steal_pointer (&slot->worker));
}

static const TallyWorkerCallbacks worker_callbacks;

static gboolean
ensure_worker (Slot         *slot,
               TallyProgram *program)
{
  TallySession *session = slot->session;
  g_autoptr(GError) error = NULL;

  if (slot->worker != NULL && tally_worker_proc_get_program (slot->worker) == program)
    return TRUE;

  retire_worker (slot);
  slot->worker = tally_worker_proc_spawn (program, slot->index, &session->settings,
                                          &worker_callbacks, slot, &error);
  if (slot->worker == NULL)
    {
      g_free (session->problem);
      session->problem = g_strdup (error->message);
      return FALSE;
    }

  return TRUE;
}

static gint64
item_timeout_us (TallySession *session,
                 TallyRunItem *item)
{
  const char *marker = tally_markers_lookup (item->test->markers, "timeout");
  double seconds = marker ? g_ascii_strtod (marker, NULL) : session->options.default_timeout_s;

  return seconds > 0 ? (gint64) (seconds * G_USEC_PER_SEC) : 0;
}

static void
arm_head_deadline (Slot *slot)
{
  TallyRunItem *head = g_queue_peek_head (&slot->sent);
  gint64 timeout = head ? item_timeout_us (slot->session, head) : 0;

  slot->deadline = timeout ? g_get_monotonic_time () + timeout + DEADLINE_SLACK_US : 0;
}

static Unit *
next_unit (TallySession *session,
           Slot         *slot)
{
  TallyProgram *preferred = slot->worker ? tally_worker_proc_get_program (slot->worker) : NULL;

  if (session->in_serial > 0)
    return NULL;

  if (queue_length (&session->parallel) > 0)
    return take_parallel_unit (session, preferred);

  /* A serial unit starts only when nothing else is in flight anywhere. */
  if (queue_length (&session->serial) > 0 && !any_busy (session))
    {
      queue_fill (session, &session->serial, 1);
      session->in_serial++;
      slot->serial = TRUE;
      return g_queue_pop_head (&session->serial.window);
    }

  return NULL;
}

void
tally_program_times_free (TallyProgramTimes *times)
{
  if (times == NULL)
    return;
  g_clear_pointer (&times->case_us, g_array_unref);
  g_free (times);
}

/* How much expected time a batch of @item's program may hold: a GTest
 * binary that history says is long (and that the markers file does not
 * keep whole) is cut into parts that several workers run at once, each
 * in its own process. 0: no limit. */
static gint64
split_budget (TallySession *session,
              TallyRunItem *item)
{
  TallyProgram *program = item->test->program;
  TallyProgramTimes *times;
  gint64 parts;

  if (program->kind != TALLY_PROGRAM_GTEST || session->options.program_times == NULL
      || tally_markers_has (item->test->markers, "no-split"))
    return 0;
  times = g_hash_table_lookup (session->options.program_times, program);
  if (times == NULL || times->case_us == NULL || times->wall_us < TALLY_SPLIT_MIN_US
      || times->n_tests < TALLY_SPLIT_MIN_CASES)
    return 0;

  parts = MIN (times->wall_us / TALLY_SPLIT_PART_US, (gint64) times->n_tests / 2);
  parts = MIN (parts, (gint64) session->active);
  return parts > 1 ? times->wall_us / parts : 0;
}

static gint64
case_us (TallySession *session,
         TallyRunItem *item)
{
  TallyProgramTimes *times = g_hash_table_lookup (session->options.program_times, item->test->program);

  if (times == NULL || times->case_us == NULL || item->test->index >= times->case_us->len)
    return 0;
  return MAX (g_array_index (times->case_us, gint64, item->test->index), 0);
}

static void
fill_slot (Slot *slot)
{
  TallySession *session = slot->session;
  g_autoptr(GArray) batch = g_array_new (FALSE, FALSE, sizeof (guint32));
  TallyProgram *running = slot->worker ? tally_worker_proc_get_program (slot->worker) : NULL;
  guint depth = slot->serial ? 1 : slot_depth (slot, running, 0);
  gint64 budget = -1, batch_us = 0;   /* -1: not looked up yet */

  if (session->stopping)
    return;

  /* A slot above the worker count finishes what it has (a group to its
   * end), and its worker leaves: running tests are never stopped. */
  if ((guint) slot->index >= session->active && slot->unit == NULL)
    {
      if (slot->sent.length > 0)
        return;
      retire_worker (slot);
      /* Its events were what woke the scheduler: the active slots take
       * what it would have (a serial unit waits for it to be idle). */
      for (guint i = 0; i < session->active; i++)
        if (!slot_busy (&session->slots[i]))
          fill_slot (&session->slots[i]);
      return;
    }

  if (!slot_wants_more (slot, depth))
    return;

  while (slot->sent.length < depth)
    {
      TallyRunItem *item;

      if (slot->unit == NULL)
        {
          Unit *unit = next_unit (session, slot);

          if (unit == NULL)
            break;

          if (slot->worker != NULL && slot->sent.length > 0
              && tally_worker_proc_get_program (slot->worker) != unit->program)
            {
              /* Switching programs waits until this worker is idle. */
              g_queue_push_head (unit->serial ? &session->serial.window : &session->parallel.window, unit);
              if (unit->serial)
                session->in_serial--, slot->serial = FALSE;
              break;
            }
          slot->unit = unit;
          /* An idle slot's depth is that of the program it takes up. */
          if (slot->sent.length == 0 && !slot->serial)
            depth = slot_depth (slot, unit->program, unit->items.length);
        }

      if (!ensure_worker (slot, slot->unit->program))
        {
          session->stopping = TRUE;
          break;
        }

      item = g_queue_pop_head (&slot->unit->items);
      if (g_queue_is_empty (&slot->unit->items))
        g_clear_pointer (&slot->unit, unit_free);

      /* A GTest binary runs the paths it is given in its own order
       * (registration order), so a batch for one must ascend. */
      if (item->test->program->kind != TALLY_PROGRAM_NATIVE && batch->len > 0
          && g_array_index (batch, guint32, batch->len - 1) >= item->test->index)
        {
          if (slot->unit == NULL)
            {
              slot->unit = unit_new (item->test->program);
              slot->unit->serial = item->serial;
            }
          g_queue_push_head (&slot->unit->items, item);
          break;
        }

      item->result.worker = slot->index;
      /* Stored in the order the queue sends them, which is the listing's
       * or the history's: the store reads ahead in that order (docs/database.md). */
      stored_test_id (session, item->test);
      g_queue_push_tail (&slot->sent, item);
      g_array_append_val (batch, item->test->index);

      /* A long GTest binary goes out in parts (split_budget()). */
      if (item->test->program->kind == TALLY_PROGRAM_GTEST && !item->serial)
        {
          if (budget < 0)
            budget = split_budget (session, item);
          batch_us += budget > 0 ? case_us (session, item) : 0;
          if (budget > 0 && batch_us >= budget)
            break;
        }
    }

  if (batch->len > 0)
    {
      tally_worker_proc_send_run (slot->worker, (guint32 *) batch->data, batch->len);
      begin_head (slot);
    }
}

static void
fill_slots (TallySession *session)
{
  for (guint i = 0; i < session->n_slots; i++)
    fill_slot (&session->slots[i]);
}

static void
keep_record (TallyRunItem   *item,
             TallyLogRecord *record)
{
  if (item->records == NULL)
    item->records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);

  /* Reports show the tail of a long log; the database has all of it. */
  if (item->records->len >= TALLY_REPORT_MAX_RECORDS)
    g_ptr_array_remove_index (item->records, 0);
  g_ptr_array_add (item->records, record);
}

static void
store_problem (TallySession *session,
               GError       *error)
{
  if (error == NULL || session->problem != NULL)
    return;
  session->problem = g_strdup_printf ("results could not be stored: %s", error->message);
}

/* A test's row goes in when it is first sent to a worker, not before the
 * run: the workers start while the runner stores. Returns its id, or 0
 * (no store, or it could not be stored). */
/* A transaction the store rolled back (a full disk) took the tests it
 * had inserted with it: their ids are asked for again, not written into
 * results that would point at no test. */
static void
forget_rolled_back_ids (TallySession *session)
{
  guint rollbacks = tally_store_get_rollbacks (session->options.store);

  if (rollbacks == session->store_rollbacks)
    return;
  session->store_rollbacks = rollbacks;
  for (guint t = 0; t < 2; t++)
    {
      GPtrArray *tests = t == 0 ? session->tests : session->teardowns;

      for (guint i = 0; i < tests->len; i++)
        {
          TallyListedTest *test = g_ptr_array_index (tests, i);

          if (test->store_id > 0)
            test->store_id = 0;
        }
    }
}

static gint64
stored_test_id (TallySession    *session,
                TallyListedTest *test)
{
  g_autoptr(GError) error = NULL;

  if (session->options.store == NULL || session->options.run_id <= 0)
    return 0;
  forget_rolled_back_ids (session);
  if (test->store_id < 0)
    return 0;
  if (test->store_id == 0)
    {
      test->store_id = tally_store_ensure_test (session->options.store, test->program->name,
                                                test->path, test->file, test->line,
                                                test->markers, &error);
      store_problem (session, error);
      /* Not tried again for each attempt. */
      if (test->store_id <= 0)
        test->store_id = -1;
    }
  return MAX (test->store_id, 0);
}

static void
store_started (TallySession *session,
               TallyRunItem *item)
{
  g_autoptr(GError) error = NULL;
  gint64 test_id = stored_test_id (session, item->test);

  if (test_id == 0)
    return;

  item->result_id = tally_store_start_result (session->options.store, session->options.run_id,
                                              test_id, &item->result, &error);
  store_problem (session, error);
}

static void
store_output (TallySession *session,
              TallyRunItem *item,
              TallyStream   stream,
              GBytes       *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data;

  if (bytes == NULL || item->result_id == 0)
    return;

  data = g_bytes_get_data (bytes, &len);
  if (!tally_store_add_output (session->options.store, item->result_id, stream, data, len, &error))
    store_problem (session, error);
}

static void
store_finished (TallySession *session,
                TallyRunItem *item)
{
  g_autoptr(GError) error = NULL;
  gint64 test_id = stored_test_id (session, item->test);

  if (test_id == 0)
    return;

  /* Most tests end before anything needed their `running` row (a log
   * record, or a commit while they ran): one INSERT says it all. */
  if (item->result_id == 0)
    {
      item->result_id = tally_store_add_result (session->options.store, session->options.run_id,
                                                test_id, &item->result, &error);
      store_problem (session, error);
      g_clear_error (&error);
      store_output (session, item, TALLY_STREAM_STDOUT, item->out);
      store_output (session, item, TALLY_STREAM_STDERR, item->err);
      return;
    }

  store_output (session, item, TALLY_STREAM_STDOUT, item->out);
  store_output (session, item, TALLY_STREAM_STDERR, item->err);
  if (!tally_store_finish_result (session->options.store, item->result_id, &item->result, &error))
    store_problem (session, error);
}

static void
requeue_unit_front (TallySession *session,
                    Unit         *unit)
{
  if (unit->serial)
    g_queue_push_head (&session->serial.window, unit);
  else
    g_queue_push_head (&session->parallel.window, unit);
}

/* The retries a test gets: its `retries=N` marker, or --retries. */
static guint
retries_for (TallySession *session,
             TallyRunItem *item)
{
  const char *marker = tally_markers_lookup (item->test->markers, "retries");

  if (marker != NULL)
    return (guint) g_ascii_strtoull (marker, NULL, 10);
  return session->options.retries;
}

static gboolean
is_final (TallySession *session,
          TallyRunItem *item)
{
  return !tally_outcome_is_failure (item->result.outcome)
         || item->attempt > retries_for (session, item)
         || session->stopping;
}

static void
count_item (TallySession *session,
            TallyRunItem *item)
{
  TallyOutcome outcome = item->result.outcome;

  session->summary.counts[outcome]++;
  if (tally_outcome_is_failure (outcome))
    {
      session->failures++;
      item->kept |= KEPT_FAILURE;
      g_ptr_array_add (session->summary.failures, item);
      if (session->first_failure == NULL)
        session->first_failure = item->test;
      if (session->options.maxfail > 0 && session->failures >= session->options.maxfail)
        {
          session->stopping = TRUE;
          session->summary.end = TALLY_RUN_END_STOPPED;
        }
    }
}

/* Slowest first; equal durations in the order the items were made. */
static int
compare_slower (const TallyRunItem *a,
                const TallyRunItem *b)
{
  if (a->result.duration_us != b->result.duration_us)
    return a->result.duration_us > b->result.duration_us ? -1 : 1;
  return (a->seq > b->seq) - (a->seq < b->seq);
}

/* --durations N: keeps the N slowest finished items, in order, rather
 * than every item to sort at the end. */
static void
keep_if_slowest (TallySession *session,
                 TallyRunItem *item)
{
  GPtrArray *slowest = session->summary.slowest;
  guint n = session->options.durations;
  guint lo = 0, hi = slowest->len;

  if (n == 0 || item->result.outcome == TALLY_OUTCOME_RUNNING)
    return;
  if (slowest->len == n && compare_slower (item, g_ptr_array_index (slowest, n - 1)) > 0)
    return;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (compare_slower (g_ptr_array_index (slowest, mid), item) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  g_ptr_array_insert (slowest, lo, item);
  item->kept |= KEPT_SLOWEST;
  if (slowest->len > n)
    item_release (g_ptr_array_steal_index (slowest, n), KEPT_SLOWEST);
}

/* A reported item lives on only if the summary shows it. */
static void
done_with_item (TallySession *session,
                TallyRunItem *item)
{
  keep_if_slowest (session, item);
  if (item->kept == 0)
    {
      item_free (item);
      return;
    }
  if (!(item->kept & KEPT_FAILURE))
    {
      /* Only failures show their log and output. */
      g_clear_pointer (&item->records, g_ptr_array_unref);
      g_clear_pointer (&item->out, g_bytes_unref);
      g_clear_pointer (&item->err, g_bytes_unref);
      g_clear_pointer (&item->result.message, g_free);
    }
}

static void
complete_item (TallySession *session,
               TallyRunItem *item)
{
  gboolean retry = !is_final (session, item);

  if (item->attempt > 1 && item->result.outcome == TALLY_OUTCOME_PASSED)
    item->result.outcome = TALLY_OUTCOME_FLAKY;

  item->will_retry = retry;
  store_finished (session, item);

  if (retry)
    {
      Unit *unit = unit_new (item->test->program);

      g_queue_push_tail (&unit->items, item_new (item->test, item->attempt + 1,
                                                 item->repetition, session->next_seq++));
      unit->serial = item->serial;
      requeue_unit_front (session, unit);
      session->total++;
    }
  else
    count_item (session, item);

  session->done++;
  if (session->options.store != NULL)
    {
      g_ptr_array_add (session->unreported, item);
      return;
    }
  tally_reporter_test_finished (session->options.reporter, item);
  done_with_item (session, item);
}

/* Commits what the store holds, then reports the results it made
 * durable: a runner killed at any moment has stored everything it
 * reported (group commit: one commit per tick, not per test). */
static void
commit_and_report (TallySession *session)
{
  g_autoptr(GError) error = NULL;

  if (session->options.store != NULL && !tally_store_commit (session->options.store, &error))
    store_problem (session, error);

  for (guint i = 0; i < session->unreported->len; i++)
    {
      TallyRunItem *item = g_ptr_array_index (session->unreported, i);

      tally_reporter_test_finished (session->options.reporter, item);
      done_with_item (session, item);
    }
  g_ptr_array_set_size (session->unreported, 0);
}

static TallyRunItem *
head_for (Slot  *slot,
          guint  index)
{
  TallyRunItem *head = g_queue_peek_head (&slot->sent);

  if (head == NULL || head->test->index != index)
    {
      /* The worker ran something it was not asked to: it cannot be
       * trusted. Its exit reports the test in flight as crashed. */
      if (slot->worker != NULL)
        tally_worker_proc_kill (slot->worker);
      return NULL;
    }

  return head;
}

/* The head of a slot's queue is the test its worker is running: the
 * worker takes its queue in order, so a test starts when the one before
 * it finishes (or when it is sent to an idle worker). Counting it as
 * started then, rather than on the worker's STARTED event, saves a
 * round trip per test; STARTED, buffered with the test's other events,
 * only makes the start time exact. */
/* The most workers that ran a test at once: what -n auto came to. */
static void
count_running (TallySession *session)
{
  guint running = 0;

  for (guint i = 0; i < session->n_slots; i++)
    running += session->slots[i].head_started;
  session->summary.workers_peak = MAX (session->summary.workers_peak, running);
}

static void
begin_head (Slot *slot)
{
  TallyRunItem *item = g_queue_peek_head (&slot->sent);

  if (item == NULL || slot->head_started)
    return;

  slot->head_started = TRUE;
  slot->head_timed_out = FALSE;
  arm_head_deadline (slot);
  count_running (slot->session);
  item->result.started_at_us = g_get_real_time ();
  tally_reporter_test_started (slot->session->options.reporter, item);
}

static void
on_worker_started (TallyWorkerProc *worker,
                   guint            index,
                   gint64           started_at_us,
                   gpointer         data)
{
  Slot *slot = data;
  TallyRunItem *item = head_for (slot, index);

  if (item == NULL)
    return;

  begin_head (slot);
  slot->head_confirmed = TRUE;
  item->result.started_at_us = started_at_us;
}

static void
on_worker_log (TallyWorkerProc *worker,
               guint            index,
               TallyLogRecord  *record,
               gpointer         data)
{
  Slot *slot = data;
  TallySession *session = slot->session;
  TallyRunItem *item = head_for (slot, index);

  if (item == NULL)
    {
      tally_log_record_free (record);
      return;
    }

  if (item->result_id == 0)
    store_started (session, item);
  if (item->result_id != 0)
    {
      g_autoptr(GError) error = NULL;

      if (!tally_store_add_log (session->options.store, item->result_id, item->n_records,
                                record, &error))
        store_problem (session, error);
    }
  item->n_records++;
  keep_record (item, record);
}

static void
take_outputs (Slot         *slot,
              TallyRunItem *item,
              guint64       out_end,
              guint64       err_end)
{
  if (slot->worker == NULL)
    return;
  item->out = tally_worker_proc_take_output (slot->worker, TALLY_STREAM_STDOUT, out_end, OUTPUT_CAP);
  item->err = tally_worker_proc_take_output (slot->worker, TALLY_STREAM_STDERR, err_end, OUTPUT_CAP);
}

static void
finish_head (Slot *slot)
{
  TallyRunItem *item = g_queue_pop_head (&slot->sent);

  slot->head_started = FALSE;
  slot->head_confirmed = FALSE;
  slot->head_timed_out = FALSE;
  slot->kill_at = 0;
  slot->deadline = 0;
  complete_item (slot->session, item);
  if (slot->worker != NULL && !tally_worker_proc_has_exited (slot->worker))
    begin_head (slot);
}

static void
on_worker_finished (TallyWorkerProc *worker,
                    guint            index,
                    TallyResult     *result,
                    gboolean         tainted,
                    guint64          out_end,
                    guint64          err_end,
                    gpointer         data)
{
  Slot *slot = data;
  TallyRunItem *item = head_for (slot, index);

  if (item == NULL)
    return;

  item->result.outcome = result->outcome;
  item->result.started_at_us = result->started_at_us;
  item->result.duration_us = result->duration_us;
  /* A moving average of the last few dozen: it follows a program's mix. */
  slot->mean_us = slot->mean_us == 0 ? MAX (result->duration_us, 1)
                                     : MAX ((slot->mean_us * 31 + result->duration_us) / 32, 1);
  note_pace (slot, result->started_at_us);
  item->result.cpu_us = result->cpu_us;
  item->result.max_rss_kb = result->max_rss_kb;
  g_free (item->result.message);
  item->result.message = g_steal_pointer (&result->message);
  g_free (item->result.file);
  item->result.file = (result->file && *result->file) ? g_steal_pointer (&result->file) : NULL;
  item->result.line = result->line;
  take_outputs (slot, item, out_end, err_end);

  finish_head (slot);

  if (slot->serial && slot->unit == NULL && g_queue_is_empty (&slot->sent))
    {
      /* The serial unit is done: everyone may work again. */
      slot->session->in_serial--;
      slot->serial = FALSE;
      fill_slots (slot->session);
    }
  else if (!slot->session->stopping)
    fill_slot (slot);
  maybe_finish (slot->session);
}

/* GLib's g_assert() prints "ERROR:file:line:func: message" before it
 * aborts; turn that into a failure with a location. */
static gboolean
parse_glib_assertion (GBytes      *err,
                      TallyResult *result)
{
  gsize len;
  const char *data = err ? g_bytes_get_data (err, &len) : NULL;
  g_autofree char *text = NULL;
  const char *found = NULL, *p;
  g_auto(GStrv) parts = NULL;

  if (data == NULL)
    return FALSE;

  /* "ERROR:…" at the start of a line, or "Domain:ERROR:…" when the
   * program set G_LOG_DOMAIN. */
  text = g_strndup (data, len);
  for (p = text; (p = strstr (p, "ERROR:")) != NULL; p++)
    {
      const char *line = p;

      while (line > text && line[-1] != '\n')
        line--;
      if (line == p || (p[-1] == ':' && memchr (line, ' ', p - line) == NULL))
        found = p;
    }
  if (found == NULL)
    return FALSE;

  parts = g_strsplit (found + strlen ("ERROR:"), ":", 4);
  if (g_strv_length (parts) < 4)
    return FALSE;

  g_strdelimit (parts[3], "\n", '\0');
  result->outcome = TALLY_OUTCOME_FAILED;
  g_free (result->file);
  result->file = g_strdup (parts[0]);
  result->line = atoi (parts[1]);
  g_free (result->message);
  result->message = g_strdup (g_strstrip (parts[3]));
  return TRUE;
}

/* The record a fatal log call left: g_error() always ends the process;
 * a warning or critical that G_DEBUG=fatal-warnings/fatal-criticals (or
 * g_log_set_always_fatal()) made fatal ends it with SIGTRAP right after
 * it is logged, so it is the last record. */
static TallyLogRecord *
fatal_record (TallyRunItem *item,
              int           signum)
{
  TallyLogRecord *last;

  if (item->records == NULL || item->records->len == 0)
    return NULL;
  last = g_ptr_array_index (item->records, item->records->len - 1);
  if (last->level == G_LOG_LEVEL_ERROR)
    return last;
  if (signum == SIGTRAP && (last->level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
    return last;
  return NULL;
}

/* The message of a test its worker's death ended: the fatal log record's
 * text or the signal, then (from the worker's CRASH report) the signal's
 * details and the symbolized backtrace. */
static void
describe_death (Slot         *slot,
                TallyRunItem *item,
                int           signum,
                int           exit_status)
{
  TallyResult *result = &item->result;
  const TallyCrashInfo *crash = slot->worker ? tally_worker_proc_get_crash (slot->worker) : NULL;
  TallyLogRecord *fatal = signum ? fatal_record (item, signum) : NULL;
  g_autofree char *how = NULL;
  GString *message = g_string_new (NULL);

  if (crash != NULL && crash->signum == signum)
    how = tally_crash_describe_signal (crash->signum, crash->code, crash->address);
  else if (signum)
    how = g_strdup_printf ("signal %d (%s)", signum, g_strsignal (signum));

  result->outcome = TALLY_OUTCOME_CRASHED;
  if (fatal != NULL)
    {
      g_string_append_len (message, fatal->message, fatal->message_len);
      g_string_append_printf (message, "\n\nfatal %s%s%s; the worker died of %s",
                              tally_log_level_to_string (fatal->level),
                              fatal->domain ? " from " : "", fatal->domain ? fatal->domain : "", how);
      g_free (result->file);
      result->file = g_strdup (fatal->file);
      result->line = fatal->file ? fatal->line : 0;
    }
  else if (signum)
    g_string_append_printf (message, "the worker died of %s", how);
  else
    g_string_append_printf (message, "the worker exited with status %d in the middle of the test",
                            exit_status);
  result->message = g_string_free (message, FALSE);

  if (signum == SIGABRT && fatal == NULL)
    {
      g_autofree char *crashed = g_steal_pointer (&result->message);

      if (parse_glib_assertion (item->err, result))
        {
          g_autofree char *assertion = g_steal_pointer (&result->message);
          result->message = g_strdup_printf ("%s\n\nthe worker died of %s", assertion, how);
        }
      else
        result->message = g_steal_pointer (&crashed);
    }

  if (crash != NULL && crash->signum == signum && crash->n_frames > 0)
    {
      gint64 start = g_get_monotonic_time ();
      g_autofree char *file = NULL;
      int line = 0;
      g_autofree char *frames = tally_crash_symbolize (crash, &file, &line);
      g_autofree char *head = g_steal_pointer (&result->message);

      /* A crash without a location of its own is placed at its
       * innermost frame in the code under test. */
      if (result->file == NULL && file != NULL)
        {
          result->file = g_steal_pointer (&file);
          result->line = line;
        }

      g_debug ("symbolized %u frames in %.1f ms", crash->n_frames,
               (g_get_monotonic_time () - start) / 1000.0);

      result->message = g_strdup_printf ("%s\nbacktrace:\n%s", head, frames);
      g_strchomp (result->message);
    }
}

static void
fail_in_flight (Slot       *slot,
                int         signum,
                int         exit_status,
                const char *problem)
{
  TallySession *session = slot->session;
  TallyRunItem *item = g_queue_peek_head (&slot->sent);
  TallyResult *result = &item->result;

  take_outputs (slot, item, G_MAXUINT64, G_MAXUINT64);
  result->signal = signum;
  result->exit_status = exit_status;
  result->duration_us = g_get_real_time () - result->started_at_us;
  g_clear_pointer (&result->message, g_free);

  if (session->interrupted)
    {
      result->outcome = TALLY_OUTCOME_INTERRUPTED;
      result->message = g_strdup ("the run was interrupted");
    }
  else if (slot->head_timed_out)
    {
      result->outcome = TALLY_OUTCOME_TIMEOUT;
      result->message = g_strdup_printf ("still running after its %.3g s timeout; the worker was killed (%s)",
                                         (double) item_timeout_us (session, item) / G_USEC_PER_SEC,
                                         signum ? g_strsignal (signum) : "exited");
    }
  else if (problem != NULL)
    {
      result->outcome = TALLY_OUTCOME_CRASHED;
      result->message = g_strdup_printf ("protocol error: %s", problem);
    }
  else
    describe_death (slot, item, signum, exit_status);

  finish_head (slot);
}

static void
requeue_sent (Slot *slot)
{
  TallySession *session = slot->session;
  Unit *unit;

  if (slot->unit == NULL && g_queue_is_empty (&slot->sent))
    return;

  /* What was sent goes back in order, ahead of the rest of its group. */
  unit = slot->unit ? slot->unit : unit_new (((TallyRunItem *) g_queue_peek_head (&slot->sent))->test->program);
  while (!g_queue_is_empty (&slot->sent))
    g_queue_push_head (&unit->items, g_queue_pop_tail (&slot->sent));
  unit->serial = slot->serial;
  slot->unit = NULL;
  requeue_unit_front (session, unit);
}

static void
on_worker_exited (TallyWorkerProc *worker,
                  gboolean         said_bye,
                  int              signum,
                  int              exit_status,
                  const char      *problem,
                  gpointer         data)
{
  Slot *slot = data;
  TallySession *session = slot->session;

  g_hash_table_remove (session->fixture_workers, worker);
  if (slot->worker != worker)
    {
      /* A retired worker finished quitting. */
      g_ptr_array_remove_fast (session->retired, worker);
      tally_worker_proc_free (worker);
      maybe_finish (session);
      return;
    }

  /* A worker that said HELLO runs what it is sent in order, so the head
   * was in flight when it died without a BYE, even with no STARTED out
   * (a test that calls _exit() flushes nothing): it is never run again
   * behind the user's back. A worker that died before HELLO started no
   * test; for the others (GTest programs) a second death at the same
   * test is that test's doing. */
  if (!g_queue_is_empty (&slot->sent))
    {
      TallyRunItem *head = g_queue_peek_head (&slot->sent);
      gboolean ran = !said_bye && tally_worker_proc_is_ready (worker);

      if (!slot->head_confirmed)
        head->deaths++;
      /* On Ctrl-C the head counts as in flight whether or not its worker
       * got to it: it was reported as started, so it ends `interrupted`. */
      if (slot->head_confirmed || ran || slot->head_timed_out || problem != NULL || head->deaths >= 2
          || (session->interrupted && slot->head_started))
        fail_in_flight (slot, signum, exit_status, problem);
    }
  /* Otherwise the head goes back to the queue; its `running` row stays and
   * is completed when it runs again. */

  if (!said_bye)
    session->restarts++;

  if (slot->serial)
    {
      session->in_serial--;
      slot->serial = FALSE;
    }
  requeue_sent (slot);
  g_clear_pointer (&slot->worker, tally_worker_proc_free);
  slot->head_started = FALSE;
  slot->head_confirmed = FALSE;
  slot->deadline = slot->kill_at = 0;

  if (session->restarts > session->options.max_worker_restarts && !session->stopping)
    {
      session->stopping = TRUE;
      g_free (session->problem);
      session->problem = g_strdup_printf ("workers crashed %u times (--max-worker-restarts %u); giving up",
                                          session->restarts, session->options.max_worker_restarts);
    }

  if (session->interrupted)
    {
      /* Nothing left in flight is going to run. */
      g_queue_clear_full (&slot->sent, item_free);
    }

  fill_slots (session);
  maybe_finish (session);
}

/* A worker fixture's teardown is reported as a result of its own, an
 * `error` like pytest's "ERROR at teardown": a test made for it, named
 * after the fixture, in the worker's program. */
static void
report_teardown_error (Slot            *slot,
                       TallyWorkerProc *worker,
                       const char      *name,
                       const char      *message)
{
  TallySession *session = slot->session;
  TallyListedTest *test = g_new0 (TallyListedTest, 1);
  TallyRunItem *item;

  test->program = tally_worker_proc_get_program (worker);
  test->path = g_strdup_printf ("[teardown of worker fixture “%s”]", name);
  test->markers = tally_markers_new ();
  test->index = G_MAXUINT;
  g_ptr_array_add (session->teardowns, test);
  if (session->options.store != NULL)
    {
      g_autoptr(GError) error = NULL;

      test->store_id = tally_store_ensure_test (session->options.store, test->program->name,
                                                test->path, NULL, 0, test->markers, &error);
      store_problem (session, error);
      if (test->store_id < 0)
        test->store_id = 0;
    }

  item = item_new (test, 1, 0, session->next_seq++);
  /* Never retried: there is nothing to send a worker. */
  item->attempt = session->options.retries + 1;
  item->result.worker = slot->index;
  item->result.started_at_us = g_get_real_time ();
  tally_reporter_test_started (session->options.reporter, item);
  item->result.outcome = TALLY_OUTCOME_ERROR;
  item->result.message = g_strdup_printf ("error at teardown of worker fixture “%s”: %s",
                                          name, message);
  session->total++;
  complete_item (session, item);
}

static void
on_worker_fixture (TallyWorkerProc *worker,
                   const char      *name,
                   guint            event,
                   const char      *message,
                   gpointer         data)
{
  Slot *slot = data;

  if (event == TALLY_FIXTURE_SET_UP)
    g_hash_table_add (slot->session->fixture_workers, worker);
  else if (event == TALLY_FIXTURE_TEARDOWN_ERROR)
    report_teardown_error (slot, worker, name, message);
}

/* What an ended test's helper wrote or logged later (the worker ran the
 * tests after it in processes of their own meanwhile): stored as an INFO
 * record of that test's latest result in the run, never another test's
 * (docs/reliability.md). */
static void
on_worker_late (TallyWorkerProc *worker,
                guint            index,
                guint            stream,
                guint            level,
                guint64          n_bytes,
                const char      *text,
                gsize            len,
                gpointer         data)
{
  Slot *slot = data;
  TallySession *session = slot->session;
  TallyProgram *program = tally_worker_proc_get_program (worker);
  TallyListedTest *test = program != NULL && index < program->tests->len
                          ? g_ptr_array_index (program->tests, index) : NULL;
  g_autoptr(TallyLogRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) message = g_string_new (NULL);

  if (session->options.store != NULL)
    forget_rolled_back_ids (session);
  if (session->options.store == NULL || test == NULL || test->index != index || test->store_id <= 0)
    return;

  if (stream == 0)
    g_string_append_len (message, text, len);
  else
    {
      g_string_append_printf (message, "late output after the test ended: %" G_GUINT64_FORMAT
                              " byte%s on %s from a helper it left running",
                              n_bytes, n_bytes == 1 ? "" : "s", stream == 1 ? "stdout" : "stderr");
      if (len < n_bytes)
        g_string_append_printf (message, ", the first %" G_GSIZE_FORMAT, len);
      g_string_append (message, ": ");
      g_string_append_len (message, text, len);
    }

  record = tally_log_record_new ();
  record->level = G_LOG_LEVEL_INFO;
  record->domain = g_strdup ("Tally");
  record->message_len = message->len;
  record->message = g_string_free (g_steal_pointer (&message), FALSE);
  record->time_us = g_get_real_time ();
  /* Committed at once: the last test's helpers report after it, when
   * the run may have made its last commit already. */
  if (!tally_store_add_late_log (session->options.store, session->options.run_id, test->store_id,
                                 record, &error)
      || !tally_store_commit (session->options.store, &error))
    store_problem (session, error);
}

static const TallyWorkerCallbacks worker_callbacks = {
  on_worker_started,
  on_worker_log,
  on_worker_finished,
  on_worker_exited,
  on_worker_fixture,
  on_worker_late,
};

static double
quit_grace_s (TallySession *session)
{
  return session->options.quit_grace_s > 0 ? session->options.quit_grace_s : TALLY_SESSION_QUIT_GRACE_S;
}

static void
maybe_finish (TallySession *session)
{
  gboolean work_left = queue_length (&session->parallel) > 0 || queue_length (&session->serial) > 0;

  if (any_busy (session) || (work_left && !session->stopping))
    return;

  for (guint i = 0; i < session->n_slots; i++)
    retire_worker (&session->slots[i]);

  /* Workers with fixtures report their teardown before they exit; a
   * teardown that hangs gets the quit grace (check_deadlines()). */
  if (g_hash_table_size (session->fixture_workers) > 0)
    {
      if (session->fixtures_deadline == 0)
        session->fixtures_deadline = g_get_monotonic_time () + (gint64) (quit_grace_s (session) * G_USEC_PER_SEC);
      return;
    }

  session->finished = TRUE;
}

static void
kill_all_workers (TallySession *session)
{
  for (guint i = 0; i < session->n_slots; i++)
    if (session->slots[i].worker != NULL)
      tally_worker_proc_kill (session->slots[i].worker);
  for (guint i = 0; i < session->retired->len; i++)
    tally_worker_proc_kill (g_ptr_array_index (session->retired, i));
}

static void
check_deadlines (TallySession *session,
                 gint64        now)
{
  /* A test that ignores or blocks SIGTERM does not keep an interrupted
   * run waiting for its own deadline. */
  if (session->kill_all_at != 0 && now >= session->kill_all_at)
    {
      session->kill_all_at = 0;
      kill_all_workers (session);
    }
  if (session->fixtures_deadline != 0 && now >= session->fixtures_deadline)
    {
      GHashTableIter iter;
      gpointer worker;

      session->fixtures_deadline = 0;
      session->stuck += g_hash_table_size (session->fixture_workers);
      g_hash_table_iter_init (&iter, session->fixture_workers);
      while (g_hash_table_iter_next (&iter, &worker, NULL))
        tally_worker_proc_terminate (worker);
      session->kill_all_at = now + (gint64) (session->options.grace_s * G_USEC_PER_SEC);
    }

  for (guint i = 0; i < session->n_slots; i++)
    {
      Slot *slot = &session->slots[i];

      if (slot->worker == NULL)
        continue;

      if (slot->kill_at != 0 && now >= slot->kill_at)
        {
          tally_worker_proc_kill (slot->worker);
          slot->kill_at = 0;
        }
      else if (slot->head_started && !slot->head_timed_out
               && slot->deadline != 0 && now >= slot->deadline)
        {
          slot->head_timed_out = TRUE;
          tally_worker_proc_terminate (slot->worker);
          slot->kill_at = now + (gint64) (session->options.grace_s * G_USEC_PER_SEC);
        }
    }
}

static void
report_progress (TallySession *session,
                 gint64        now)
{
  g_autoptr(GPtrArray) running = g_ptr_array_new ();
  TallyRunProgress progress = { 0 };

  for (guint i = 0; i < session->n_slots; i++)
    if (session->slots[i].head_started)
      g_ptr_array_add (running, g_queue_peek_head (&session->slots[i].sent));

  progress.total = session->total;
  progress.done = session->done;
  memcpy (progress.counts, session->summary.counts, sizeof progress.counts);
  progress.elapsed_us = now - session->started_mono;
  progress.eta_us = session->done > 0
                    ? progress.elapsed_us * (session->total - session->done) / session->done
                    : -1;
  progress.running = running;
  tally_reporter_progress (session->options.reporter, &progress);
}

static gboolean
on_tick_cb (gpointer data)
{
  TallySession *session = data;
  gint64 now = g_get_monotonic_time ();

  check_deadlines (session, now);
  report_progress (session, now);
  if (session->options.store != NULL)
    {
      /* A test still running at a commit gets its `running` row now, so
       * a runner killed from here on leaves evidence that it ran. */
      for (guint i = 0; i < session->n_slots; i++)
        {
          Slot *slot = &session->slots[i];
          TallyRunItem *head = g_queue_peek_head (&slot->sent);

          if (slot->head_started && head != NULL && head->result_id == 0)
            store_started (session, head);
        }
    }
  commit_and_report (session);

  return G_SOURCE_CONTINUE;
}

/* Units that wait while every active slot is busy. */
static gboolean
work_waits (TallySession *session)
{
  if (session->stopping || session->in_serial > 0 || queue_length (&session->parallel) == 0)
    return FALSE;
  for (guint i = 0; i < session->active; i++)
    if (!slot_busy (&session->slots[i]))
      return FALSE;
  return TRUE;
}

/* -n auto: while the CPUs idle and tests wait to run (the running ones
 * sleep, or wait on sockets or children), more workers; while the
 * machine is busy, whoever makes it so, fewer refilled, never fewer than
 * the floor. */
static gboolean
on_sample_cb (gpointer data)
{
  TallySession *session = data;
  double busy, idle_cpus;

  if (!tally_cpu_load_sample (session->load, &busy))
    return G_SOURCE_CONTINUE;

  idle_cpus = (1.0 - busy) * MAX (session->options.n_cpus, 1);
  if (busy >= SHRINK_BUSY && session->active > session->floor)
    {
      /* Half the workers over the floor go at each busy reading. */
      session->active -= MAX ((session->active - session->floor) / 2, 1);
      g_debug ("CPUs %.0f%% busy: %u workers", busy * 100, session->active);
    }
  else if (idle_cpus >= GROW_IDLE_CPUS && session->active < session->n_slots && work_waits (session))
    {
      guint add = MAX ((guint) (idle_cpus + 0.5), 1);

      add = MIN (add, session->n_slots - session->active);
      add = MIN (add, queue_length (&session->parallel));
      session->active += add;
      g_debug ("CPUs %.0f%% busy, tests waiting: %u workers", busy * 100, session->active);
    }
  fill_slots (session);
  maybe_finish (session);
  return G_SOURCE_CONTINUE;
}

/* Workers started while the program was being listed take their slots,
 * if the selection is of their program; the first RUN starts them. */
static void
adopt_workers (TallySession *session,
               GPtrArray    *workers)
{
  TallyProgram *program = session->tests->len > 0 ? test_at (session, 0)->program : NULL;

  for (guint i = 0; workers != NULL && i < workers->len; i++)
    {
      g_autoptr(TallyWorkerProc) worker = g_steal_pointer (&workers->pdata[i]);

      if (worker == NULL || i >= session->n_slots || program == NULL
          || program->kind != TALLY_PROGRAM_NATIVE
          || tally_worker_proc_get_slot (worker) != (int) i
          || tally_worker_proc_has_exited (worker)
          || g_strcmp0 (tally_worker_proc_get_program (worker)->path, program->path) != 0)
        continue;
      tally_worker_proc_adopt (worker, program, &worker_callbacks, &session->slots[i]);
      session->slots[i].worker = g_steal_pointer (&worker);
    }
  g_clear_pointer (&workers, g_ptr_array_unref);
}

TallySession *
tally_session_new (GPtrArray                 *tests,
                   const TallySessionOptions *options)
{
  TallySession *session = g_new0 (TallySession, 1);
  guint repeat = MAX (options->repeat, 1);

  session->options = *options;
  session->options.n_workers = MAX (options->n_workers, 1);
  session->n_slots = MAX (options->max_workers, session->options.n_workers);
  session->active = session->options.n_workers;
  session->floor = MIN (options->n_cpus > 0 ? options->n_cpus : session->active, session->active);
  session->tests = g_ptr_array_ref (tests);
  session->n_positions = tests->len * repeat;
  session->next_seq = session->n_positions;
  session->groups = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) unit_free);
  session->retired = g_ptr_array_new ();
  session->unreported = g_ptr_array_new ();
  session->fixture_workers = g_hash_table_new (NULL, NULL);
  session->teardowns = g_ptr_array_new_with_free_func (listed_teardown_free);
  session->settings.default_timeout_s = options->default_timeout_s;
  session->settings.leaks = options->leaks;
  session->summary.failures = g_ptr_array_new ();
  session->summary.slowest = g_ptr_array_new ();
  g_queue_init (&session->parallel.window);
  g_queue_init (&session->serial.window);
  session->serial.serial = TRUE;

  session->total = session->n_positions;
  build_groups (session);

  session->slots = g_new0 (Slot, session->n_slots);
  for (guint i = 0; i < session->n_slots; i++)
    {
      session->slots[i].session = session;
      session->slots[i].index = i;
      g_queue_init (&session->slots[i].sent);
    }
  adopt_workers (session, g_steal_pointer (&session->options.workers));

  return session;
}

static void
fill_summary (TallySession *session)
{
  TallyRunSummary *summary = &session->summary;

  summary->wall_us = g_get_monotonic_time () - session->started_mono;
  summary->not_run = session->total - session->done;
  summary->problem = session->problem;
  summary->run_id = session->options.run_id;
  summary->db_path = session->options.store ? tally_store_get_path (session->options.store) : NULL;

  if (session->interrupted)
    summary->end = TALLY_RUN_END_INTERRUPTED;
  else if (session->problem != NULL && summary->end == TALLY_RUN_END_COMPLETE)
    summary->end = TALLY_RUN_END_ERROR;
}

TallyRunEnd
tally_session_run (TallySession *session)
{
  session->context = g_main_context_ref_thread_default ();
  session->started_mono = g_get_monotonic_time ();

  session->tick = g_timeout_source_new (TICK_MS);
  g_source_set_static_name (session->tick, "[tally] session tick");
  g_source_set_callback (session->tick, on_tick_cb, session, NULL);
  g_source_attach (session->tick, session->context);

  if (session->n_slots > session->active)
    {
      session->load = tally_cpu_load_new ();
      tally_cpu_load_sample (session->load, NULL);
      session->sampler = g_timeout_source_new (SAMPLE_MS);
      g_source_set_static_name (session->sampler, "[tally] CPU load sampler");
      g_source_set_callback (session->sampler, on_sample_cb, session, NULL);
      g_source_attach (session->sampler, session->context);
    }

  fill_slots (session);
  maybe_finish (session);
  while (!session->finished)
    {
      if (can_nap (session))
        g_usleep (NAP_US);
      g_main_context_iteration (session->context, TRUE);
    }

  g_source_destroy (session->tick);
  g_clear_pointer (&session->tick, g_source_unref);
  if (session->sampler != NULL)
    g_source_destroy (session->sampler);
  g_clear_pointer (&session->sampler, g_source_unref);
  g_clear_pointer (&session->load, tally_cpu_load_free);
  commit_and_report (session);

  fill_summary (session);
  /* Nothing is stored from here on: the caller may close the store
   * while the workers quit. */
  session->options.store = NULL;
  return session->summary.end;
}

static gboolean
on_wait_tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * tally_session_wait_workers:
 *
 * Waits until the workers told to quit at the end of the run are gone:
 * the caller stores and reports the run meanwhile, rather than after
 * their exit. Workers told to quit run their worker fixtures' teardown
 * and exit; one that is still there after the quit grace (a teardown
 * that hangs, a test's thread that keeps the process alive) gets
 * SIGTERM, then SIGKILL after the grace period, so the runner never
 * waits forever.
 *
 * Returns: how many workers had to be stopped with a signal
 */
guint
tally_session_wait_workers (TallySession *session)
{
  gint64 term_at = g_get_monotonic_time () + (gint64) (quit_grace_s (session) * G_USEC_PER_SEC);
  gint64 kill_at = term_at + (gint64) (session->options.grace_s * G_USEC_PER_SEC);
  GSource *tick = g_timeout_source_new (100);
  guint stuck = 0;
  gboolean termed = FALSE;
  gboolean killed = FALSE;

  stuck = session->stuck;
  g_source_set_callback (tick, on_wait_tick_cb, NULL, NULL);
  g_source_attach (tick, session->context);
  while (session->retired->len > 0)
    {
      gint64 now = g_get_monotonic_time ();

      if (!termed && now >= term_at)
        {
          stuck += session->retired->len;
          for (guint i = 0; i < session->retired->len; i++)
            tally_worker_proc_terminate (g_ptr_array_index (session->retired, i));
          termed = TRUE;
        }
      else if (termed && !killed && now >= kill_at)
        {
          kill_all_workers (session);
          killed = TRUE;
        }
      g_main_context_iteration (session->context, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
  return stuck;
}

void
tally_session_stop (TallySession *session,
                    gboolean      interrupt)
{
  session->stopping = TRUE;
  if (!interrupt)
    return;

  session->interrupted = TRUE;
  for (guint i = 0; i < session->n_slots; i++)
    if (session->slots[i].worker != NULL)
      tally_worker_proc_terminate (session->slots[i].worker);
  for (guint i = 0; i < session->retired->len; i++)
    tally_worker_proc_terminate (g_ptr_array_index (session->retired, i));
  session->kill_all_at = g_get_monotonic_time ()
                         + (gint64) (session->options.grace_s * G_USEC_PER_SEC);
  maybe_finish (session);
}

const TallyRunSummary *
tally_session_get_summary (TallySession *session)
{
  return &session->summary;
}

TallyListedTest *
tally_session_get_first_failure (TallySession *session)
{
  return session->first_failure;
}

void
tally_session_free (TallySession *session)
{
  if (session == NULL)
    return;

  for (guint i = 0; i < session->n_slots; i++)
    {
      g_clear_pointer (&session->slots[i].worker, tally_worker_proc_free);
      g_clear_pointer (&session->slots[i].unit, unit_free);
      g_queue_clear_full (&session->slots[i].sent, item_free);
    }
  g_ptr_array_set_free_func (session->retired, (GDestroyNotify) tally_worker_proc_free);
  g_ptr_array_unref (session->retired);
  g_ptr_array_set_free_func (session->unreported, item_free);
  g_ptr_array_unref (session->unreported);
  g_hash_table_unref (session->fixture_workers);
  g_ptr_array_unref (session->teardowns);
  queue_clear (&session->parallel);
  queue_clear (&session->serial);
  g_hash_table_unref (session->groups);
  g_free (session->slots);
  for (guint i = 0; i < session->summary.failures->len; i++)
    item_release (g_ptr_array_index (session->summary.failures, i), KEPT_FAILURE);
  for (guint i = 0; i < session->summary.slowest->len; i++)
    item_release (g_ptr_array_index (session->summary.slowest, i), KEPT_SLOWEST);
  g_ptr_array_unref (session->summary.failures);
  g_ptr_array_unref (session->summary.slowest);
  g_ptr_array_unref (session->tests);
  g_clear_pointer (&session->context, g_main_context_unref);
  g_free (session->problem);
  g_free (session);
}
