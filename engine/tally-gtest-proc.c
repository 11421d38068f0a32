/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <glib-unix.h>

#include "tally-child-private.h"
#include "tally-capture-private.h"
#include "tally-crash-private.h"
#include "tally-glib-log-private.h"
#include "tally-gtest-proc-private.h"
#include "tally-proc-threads-private.h"
#include "tally-proc-usage-private.h"
#include "tally-tap-private.h"
#include "tally-worker-impl-private.h"

#define READ_CHUNK (64 * 1024)
#define MAX_ERR_LINE (64 * 1024)
#define MAX_RECORDS 10000
#define SKIP_EXIT_STATUS 77      /* meson's and Automake's "skipped" */

/* GLib's binary test log (`--GTestLogFD`, gtestutils.c): a frame is five
 * big-endian 32-bit words (length of the whole frame, type, number of
 * strings, number of numbers, 0), the strings (a 32-bit length, then the
 * bytes) and the numbers (8 bytes each). */
#define FRAME_HEADER 20
#define MAX_FRAME (64 * 1024)
#define LOG_ERROR 1               /* GTestLogType G_TEST_LOG_ERROR: an assertion's message */
#define LOG_STOP_CASE 6           /* GTestLogType G_TEST_LOG_STOP_CASE */
#define LOG_LAST_TYPE 11          /* G_TEST_LOG_STOP_SUITE */
/* The descriptor the log goes to in the GTest process: high, so that a
 * g_test_trap_subprocess() child (which is told the number but does not
 * inherit the descriptor) does not open a file of its own there. */
#define LOG_FD_PREFERRED 1000

/* A GTest binary's or plain program's worker. Results must come in the
 * order the indices were sent; GLib prints nothing when a test starts,
 * so the next expected test is reported started as soon as the previous
 * one has a result. Log records are held until the test's result, so
 * that a test run only because `-p` matches paths as prefixes (whose
 * result is ignored) gives its records to no one. */
typedef struct
{
  TallyWorkerProc base;
  GMainContext *context;
  GQueue pending;               /* indices sent, unfinished, in order */
  guint64 written[3];           /* bytes written to each output file */

  /* the process running now */
  GSubprocess *subprocess;
  GCancellable *cancellable;
  int out_fd;
  int err_fd;
  int crash_fd;                 /* where the preloaded crash report goes, or -1 */
  gboolean out_eof;
  gboolean err_eof;
  GSource *out_source;
  GSource *err_source;
  TallyTapParser *tap;
  GByteArray *err_line;         /* a stderr line not yet complete */
  GByteArray *err_buf;          /* stderr bytes (and log frames) not yet consumed */
  gboolean log_fd;              /* GLib's test log goes into the stderr pipe */
  gboolean log_closed;          /* no frame came at the end: verdicts from TAP */
  gboolean held;                /* held_event may be a result line: it waits for a frame */
  TallyTapEvent held_event;
  char *stop_path;              /* an end-of-case frame waits for its TAP result line */
  int stop_status;              /* its GTestResult */
  char *stop_message;           /* and its message, if any */
  gboolean plan_seen;        /* a whole run: GLib's plan came */
  guint n_ended;                /* result lines matched in this process */
  guint n_running;              /* pending's first n_running are this process's */
  char *tmpdir;
  gint64 cpu_us;                /* the process's CPU at the last reading, or -1 */
  gint64 rss_kb;                /* its peak RSS then, or -1 */
  gint64 cpu_attributed_us;     /* what earlier cases of the process were given */
  int usage_fd;                 /* what the exec helper writes (pid, rusage), or -1 */
  pid_t program_pid;            /* the program's pid (the helper's child), or 0 */
  gsize usage_scan;             /* err_buf is scanned for ends of case up to here */
  GArray *case_usage;           /* of gint64 pairs (CPU, RSS) read as each end of case came */

  /* the head of pending, while it runs */
  gboolean head_started;
  gint64 head_started_at;
  GPtrArray *records;           /* TallyLogRecord from the TAP stream */
  GPtrArray *err_records;       /* TallyLogRecord parsed from stderr */
  char *bail_out;
  char *last_comment;
  char *parent_path;            /* the head runs as "-p PARENT" (see retry_by_parent) */
  gboolean whole;               /* the process runs all the program's tests, without -p */
  GHashTable *listed;           /* the program's test paths, once needed */
  guint n_results;              /* plain TAP: sub-results */
  guint n_failed;
  GString *failed_names;
  char *plan_skip;

  gboolean busy;                /* a process runs or is being reaped */
  gboolean stopping;            /* terminated or killed: start no more */
  gboolean quitting;
  GSource *exit_source;
} GTestProc;

static void start_processes (GTestProc *self);

static TallyListedTest *
head_test (GTestProc *self)
{
  guint index = GPOINTER_TO_UINT (g_queue_peek_head (&self->pending));

  return g_ptr_array_index (self->base.program->tests, index);
}

static gboolean
is_gtest (GTestProc *self)
{
  return self->base.program->kind == TALLY_PROGRAM_GTEST;
}

static void
write_all (int         fd,
           const void *data,
           gsize       len)
{
  const char *p = data;

  while (fd >= 0 && len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      p += n;
      len -= n;
    }
}

static void
write_output (GTestProc   *self,
              TallyStream  stream,
              const void  *data,
              gsize        len)
{
  write_all (self->base.output_fds[stream], data, len);
  self->written[stream] += len;
}

static void
add_record (GPtrArray      *records,
            TallyLogRecord *record)
{
  if (record == NULL)
    return;
  if (records->len >= MAX_RECORDS)
    {
      tally_log_record_free (record);
      return;
    }
  g_ptr_array_add (records, record);
}

static char *
record_key (const TallyLogRecord *record)
{
  return g_strdup_printf ("%d\x1f%s\x1f%s", record->level,
                          record->domain ? record->domain : "", record->message);
}

/* Sends the head's records: those of the TAP stream, then those only
 * stderr had (GLib writes g_log() messages to both). */
static void
flush_records (GTestProc *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint index = GPOINTER_TO_UINT (g_queue_peek_head (&self->pending));
  g_autofree gpointer *records = NULL;
  gsize n_records = 0;

  for (guint i = 0; i < self->records->len; i++)
    {
      char *key = record_key (g_ptr_array_index (self->records, i));
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (seen, key));

      g_hash_table_replace (seen, key, GUINT_TO_POINTER (count + 1));
    }
  for (guint i = 0; i < self->err_records->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (self->err_records, i);
      g_autofree char *key = record_key (record);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (seen, key));

      if (count > 0)
        {
          g_hash_table_insert (seen, g_steal_pointer (&key), GUINT_TO_POINTER (count - 1));
          continue;
        }
      g_ptr_array_add (self->records, tally_log_record_copy (record));
    }

  g_ptr_array_set_size (self->err_records, 0);
  records = g_ptr_array_steal (self->records, &n_records);
  for (gsize i = 0; i < n_records; i++)
    self->base.callbacks->log (&self->base, index, records[i], self->base.data);
}

static void
forget_head_state (GTestProc *self)
{
  self->head_started = FALSE;
  g_ptr_array_set_size (self->records, 0);
  g_ptr_array_set_size (self->err_records, 0);
  g_clear_pointer (&self->bail_out, g_free);
  g_clear_pointer (&self->last_comment, g_free);
  g_clear_pointer (&self->plan_skip, g_free);
  g_clear_pointer (&self->parent_path, g_free);
  g_string_truncate (self->failed_names, 0);
  self->n_results = self->n_failed = 0;
}

static void
start_head (GTestProc *self)
{
  guint index = GPOINTER_TO_UINT (g_queue_peek_head (&self->pending));

  self->head_started = TRUE;
  self->head_started_at = g_get_real_time ();
  self->base.callbacks->started (&self->base, index, self->head_started_at, self->base.data);
}

/* The program's pid: the helper's child (it says which in the usage
 * file), else the process GSubprocess started. */
static pid_t
program_pid (GTestProc *self)
{
  const char *identifier;
  gint64 cpu, rss;

  if (self->program_pid == 0 && self->usage_fd >= 0)
    tally_child_read_usage (self->usage_fd, &self->program_pid, &cpu, &rss);
  if (self->program_pid > 0)
    return self->program_pid;
  if (self->usage_fd >= 0 || self->subprocess == NULL
      || (identifier = g_subprocess_get_identifier (self->subprocess)) == NULL)
    return 0;
  return (pid_t) atoi (identifier);
}

/* The process's totals from its wait4(), once the helper has them. */
static gboolean
read_final_usage (GTestProc *self)
{
  gint64 cpu, rss;
  pid_t pid;

  if (self->usage_fd < 0)
    return FALSE;
  tally_child_read_usage (self->usage_fd, &pid, &cpu, &rss);
  if (cpu < 0)
    return FALSE;
  self->cpu_us = cpu;
  self->rss_kb = MAX (self->rss_kb, rss);
  return TRUE;
}

/* The process has exited (a zombie has no VmHWM) and nothing read its
 * peak before: the helper, woken by the same exit, writes it in a moment
 * (0.6 ms median, up to 5 here under load). Waits for that a little,
 * once per process at most. */
#define FINAL_USAGE_WAIT_US 5000

static void
await_final_usage (GTestProc *self)
{
  gint64 until = g_get_monotonic_time () + FINAL_USAGE_WAIT_US;

  while (!read_final_usage (self) && self->usage_fd >= 0 && g_get_monotonic_time () < until)
    g_usleep (200);
}

/* What the process used so far, while it can still be read. */
static void
read_usage (GTestProc *self)
{
  gint64 cpu, rss;
  pid_t pid = program_pid (self);

  if (pid <= 0 || !tally_proc_read_usage (pid, &cpu, &rss))
    {
      read_final_usage (self);
      return;
    }
  self->cpu_us = cpu;
  if (rss > 0)
    self->rss_kb = rss;
  else if (self->rss_kb < 0)
    await_final_usage (self);
}

/* A case of a batch gets the process's CPU since the previous case's
 * result (the first case also its start-up), read as its own result
 * arrives; a case whose result came as the process ended (a plain
 * program) gets what was read last, at the end of its output. */
static void
attribute_usage (GTestProc   *self,
                 TallyResult *result)
{
  gint64 cpu = self->cpu_us, rss = self->rss_kb;

  /* GLib's result line waits in the program's stdout buffer: the end of
   * case frame on the log descriptor came when the case ended. */
  if (self->case_usage->len >= 2)
    {
      cpu = g_array_index (self->case_usage, gint64, 0);
      rss = g_array_index (self->case_usage, gint64, 1);
      g_array_remove_range (self->case_usage, 0, 2);
      /* Read too late (the process was gone): its totals, if known. */
      if ((cpu < 0 || rss < 0) && read_final_usage (self))
        cpu = self->cpu_us, rss = self->rss_kb;
    }
  else
    {
      read_usage (self);
      cpu = self->cpu_us, rss = self->rss_kb;
    }
  if (cpu < 0)
    return;
  result->cpu_us = MAX (cpu - self->cpu_attributed_us, 0);
  self->cpu_attributed_us = MAX (cpu, self->cpu_attributed_us);
  result->max_rss_kb = (gint32) MIN (rss, G_MAXINT32);
}

/* Reports the head's result and pops it. */
static void
complete_head (GTestProc    *self,
               TallyOutcome  outcome,
               const char   *message,
               const char   *file,
               int           line)
{
  TallyListedTest *test = head_test (self);
  guint index = test->index;
  TallyResult result;

  if (tally_markers_has (test->markers, "xfail"))
    {
      if (outcome == TALLY_OUTCOME_FAILED)
        outcome = TALLY_OUTCOME_XFAILED;
      else if (outcome == TALLY_OUTCOME_PASSED)
        outcome = TALLY_OUTCOME_XPASSED;
    }

  flush_records (self);
  tally_result_init (&result);
  result.outcome = outcome;
  result.message = g_strdup (message);
  result.file = g_strdup (file);
  result.line = line;
  result.started_at_us = self->head_started_at;
  result.duration_us = g_get_real_time () - self->head_started_at;
  if (!tally_markers_has (test->markers, "skip"))
    attribute_usage (self, &result);

  g_queue_pop_head (&self->pending);
  self->n_running--;
  forget_head_state (self);
  self->base.callbacks->finished (&self->base, index, &result, FALSE,
                                  self->written[TALLY_STREAM_STDOUT],
                                  self->written[TALLY_STREAM_STDERR], self->base.data);
  tally_result_clear (&result);
}

/* Starts the next test of this process; tests marked `skip` are not
 * given to the program and are reported here. */
static void
advance (GTestProc *self)
{
  while (self->n_running > 0 && !self->head_started)
    {
      TallyListedTest *test = head_test (self);

      start_head (self);
      if (tally_markers_has (test->markers, "skip"))
        complete_head (self, TALLY_OUTCOME_SKIPPED, tally_markers_lookup (test->markers, "skip"),
                       NULL, 0);
    }
}

/* Skips what take_output would otherwise give the next test. */
static void
discard_output (GTestProc *self)
{
  self->base.output_offsets[TALLY_STREAM_STDOUT] = self->written[TALLY_STREAM_STDOUT];
  self->base.output_offsets[TALLY_STREAM_STDERR] = self->written[TALLY_STREAM_STDERR];
}

static gboolean
is_listed (GTestProc  *self,
           const char *path)
{
  GPtrArray *tests = self->base.program->tests;

  if (self->listed == NULL)
    {
      self->listed = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < tests->len; i++)
        g_hash_table_add (self->listed, ((TallyListedTest *) g_ptr_array_index (tests, i))->path);
    }
  return g_hash_table_contains (self->listed, path);
}

static gboolean
is_below (const char *path,
          const char *parent,
          gsize       parent_len)
{
  return strncmp (path, parent, parent_len) == 0 && path[parent_len] == '/';
}

/* Whether a result line is the head's: its path, or, when the head runs
 * by its parent or in a run of the whole program, a path -l did not list
 * under that parent (GLib's random tests name themselves after a seed:
 * "/queue/random/seed:12345"). */
static gboolean
is_head_result (GTestProc     *self,
                TallyTapEvent *event)
{
  const char *path = event->description;
  const char *head, *slash;

  if (!self->head_started || path == NULL)
    return FALSE;
  head = head_test (self)->path;
  if (g_str_equal (path, head))
    return TRUE;
  if (self->parent_path != NULL)
    return is_below (path, self->parent_path, strlen (self->parent_path)) && !is_listed (self, path);
  slash = strrchr (head, '/');
  return self->whole && slash != NULL && slash != head && is_below (path, head, slash - head)
         && strchr (path + (slash - head) + 1, '/') == NULL && !is_listed (self, path);
}

static void
on_gtest_result (GTestProc     *self,
                 TallyTapEvent *event)
{
  TallyOutcome outcome;
  const char *message = event->text;

  if (!is_head_result (self, event))
    {
      /* A test `-p` ran because the path is a prefix of its own. */
      g_ptr_array_set_size (self->records, 0);
      g_ptr_array_set_size (self->err_records, 0);
      g_clear_pointer (&self->last_comment, g_free);
      discard_output (self);
      return;
    }

  if (event->directive == TALLY_TAP_DIRECTIVE_SKIP)
    outcome = TALLY_OUTCOME_SKIPPED;
  else if (event->directive == TALLY_TAP_DIRECTIVE_TODO)
    outcome = event->ok ? TALLY_OUTCOME_XPASSED : TALLY_OUTCOME_XFAILED;
  else if (event->ok)
    outcome = TALLY_OUTCOME_PASSED;
  else
    {
      outcome = TALLY_OUTCOME_FAILED;
      message = self->last_comment ? self->last_comment : "not ok";
    }

  complete_head (self, outcome, message, NULL, 0);
  advance (self);
}

static void
on_plain_result (GTestProc     *self,
                 TallyTapEvent *event)
{
  g_autofree char *line = g_strdup_printf ("%s %" G_GUINT64_FORMAT " %s%s%s",
                                           event->ok ? "ok" : "not ok", event->number,
                                           event->description ? event->description : "",
                                           event->text ? " # " : "", event->text ? event->text : "");
  TallyLogRecord *record = tally_log_record_new ();
  gboolean failed = !event->ok && event->directive == TALLY_TAP_DIRECTIVE_NONE;

  record->level = failed ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO;
  record->domain = g_strdup ("TAP");
  record->message = g_steal_pointer (&line);
  record->message_len = strlen (record->message);
  record->time_us = g_get_real_time ();
  add_record (self->records, record);

  self->n_results++;
  if (!failed)
    return;
  if (self->n_failed++ < 5)
    g_string_append_printf (self->failed_names, "%s%s", self->failed_names->len ? ", " : "",
                            event->description ? event->description : "(unnamed)");
}

static void
on_comment (GTestProc  *self,
            const char *text)
{
  TallyLogRecord *record = tally_glib_log_parse_tap_comment (text);

  if (record == NULL)
    return;
  if (!is_gtest (self) && g_strcmp0 (record->domain, "GTest") == 0)
    {
      g_free (record->domain);
      record->domain = g_strdup ("TAP");
    }
  g_free (self->last_comment);
  self->last_comment = g_strdup (record->message);
  add_record (self->records, record);
}

static void
on_malformed (GTestProc     *self,
              TallyTapEvent *event)
{
  TallyLogRecord *record = tally_log_record_new ();
  gsize len;
  const char *raw = g_bytes_get_data (event->raw, &len);
  g_autofree char *line = g_utf8_make_valid (raw, MIN (len, 200));

  record->level = G_LOG_LEVEL_WARNING;
  record->domain = g_strdup ("Tally");
  record->message = g_strdup_printf ("malformed TAP (%s): %s", event->text, g_strchomp (line));
  record->message_len = strlen (record->message);
  record->time_us = g_get_real_time ();
  add_record (self->records, record);
}

static void
handle_event (GTestProc     *self,
              TallyTapEvent *event)
{
  gsize len;
  const char *raw = g_bytes_get_data (event->raw, &len);

  switch (event->kind)
    {
    case TALLY_TAP_RESULT:
      if (is_gtest (self))
        on_gtest_result (self, event);
      else
        on_plain_result (self, event);
      break;

    case TALLY_TAP_COMMENT:
      on_comment (self, event->text);
      break;

    case TALLY_TAP_BAIL_OUT:
      g_free (self->bail_out);
      self->bail_out = g_strdup (event->text ? event->text : "");
      break;

    case TALLY_TAP_PLAN:
      if (event->directive == TALLY_TAP_DIRECTIVE_SKIP)
        {
          g_free (self->plan_skip);
          self->plan_skip = g_strdup (event->text ? event->text : "skipped");
        }
      break;

    case TALLY_TAP_MALFORMED:
      on_malformed (self, event);
      write_output (self, TALLY_STREAM_STDOUT, raw, len);
      break;

    case TALLY_TAP_VERSION:
      break;

    case TALLY_TAP_YAML:
    case TALLY_TAP_OTHER:
    default:
      write_output (self, TALLY_STREAM_STDOUT, raw, len);
      break;
    }
}

static void
parse_err_lines (GTestProc *self,
                 gboolean   final)
{
  GByteArray *line = self->err_line;
  guint8 *nl;

  /* An empty GByteArray may have no data at all: never memchr (NULL). */
  while ((line->len > 0 && (nl = memchr (line->data, '\n', line->len)) != NULL)
         || (nl = NULL, final && line->len > 0))
    {
      gsize len = nl ? (gsize) (nl - line->data) : line->len;

      add_record (self->err_records, tally_glib_log_parse_stderr_line ((char *) line->data, len));
      g_byte_array_remove_range (line, 0, nl ? len + 1 : len);
    }
  if (line->len > MAX_ERR_LINE)
    g_byte_array_set_size (line, 0);
}

/* Appends what @fd holds now to @into; FALSE at end of file. */
static gboolean
read_available (int         fd,
                GByteArray *into)
{
  guint8 chunk[READ_CHUNK];

  for (;;)
    {
      ssize_t n = fd >= 0 ? read (fd, chunk, sizeof chunk) : 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return TRUE;
      if (n <= 0)
        return FALSE;
      g_byte_array_append (into, chunk, n);
    }
}

static void
take_stdout (GTestProc  *self,
             GByteArray *out)
{
  if (self->tap != NULL)
    tally_tap_parser_push (self->tap, out->data, out->len);
  else
    write_output (self, TALLY_STREAM_STDOUT, out->data, out->len);
  g_byte_array_set_size (out, 0);
}

static void
take_stderr (GTestProc    *self,
             const guint8 *data,
             gsize         len)
{
  write_output (self, TALLY_STREAM_STDERR, data, len);
  g_byte_array_append (self->err_line, data, len);
  parse_err_lines (self, FALSE);
}

/* stdout and stderr are two pipes, not ordered against each other, so a
 * GTest process also writes GLib's binary test log into its stderr pipe
 * (`--GTestLogFD`): an end-of-case frame follows each case's TAP result
 * line and every byte the case wrote to stderr, so a case's stderr is
 * exactly what comes before its frame. The frame also carries the case's
 * verdict; on stdout, GLib's result line for the path the frame names only
 * marks where the case's stdout ends (what the case printed, TAP-looking
 * or not, is its stdout). The TAP stream and the stderr pipe are consumed
 * in step: each stops at a case's end (a line that may be a result line,
 * a frame) until the other gets there. */

typedef struct
{
  guint32 type;
  gsize len;                    /* of the whole frame */
  char *string1;                /* the test path, for case frames */
  char *string2;                /* the case's message, for end-of-case frames */
  int num1;                     /* the first number: an end of case's GTestResult */
} LogFrame;

typedef enum
{
  FRAME_VALID,
  FRAME_INVALID,
  FRAME_INCOMPLETE,
} FrameStatus;

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Whether @data starts with a well-formed frame; bytes that are not one
 * are ordinary stderr. */
static FrameStatus
parse_frame (const guint8 *data,
             gsize         len,
             LogFrame     *frame)
{
  guint32 total, n_strings, n_nums;
  gsize at = FRAME_HEADER;

  if (len < FRAME_HEADER)
    return FRAME_INCOMPLETE;
  total = be32 (data);
  n_strings = be32 (data + 8);
  n_nums = be32 (data + 12);
  if (total < FRAME_HEADER || total > MAX_FRAME || be32 (data + 4) > LOG_LAST_TYPE
      || n_strings > 2 || n_nums > 16 || be32 (data + 16) != 0)
    return FRAME_INVALID;
  if (len < total)
    return FRAME_INCOMPLETE;

  for (guint32 i = 0; i < n_strings; i++)
    {
      guint32 slen;

      if (at + 4 > total)
        return FRAME_INVALID;
      slen = be32 (data + at);
      if (slen > total - at - 4)
        return FRAME_INVALID;
      at += 4 + slen;
    }
  if (at + (gsize) n_nums * 8 != total)
    return FRAME_INVALID;

  frame->type = be32 (data + 4);
  frame->len = total;
  frame->string1 = n_strings > 0 ? g_strndup ((const char *) data + FRAME_HEADER + 4,
                                              be32 (data + FRAME_HEADER)) : NULL;
  frame->string2 = NULL;
  if (n_strings > 1)
    {
      gsize second = FRAME_HEADER + 4 + be32 (data + FRAME_HEADER);

      frame->string2 = g_strndup ((const char *) data + second + 4, be32 (data + second));
    }
  frame->num1 = 0;
  if (n_nums > 0)
    {
      /* A big-endian IEEE double (gstring_append_double). */
      guint64 bits = ((guint64) be32 (data + at) << 32) | be32 (data + at + 4);
      double value;

      memcpy (&value, &bits, sizeof value);
      frame->num1 = value >= 0 && value < 16 ? (int) value : -1;
    }
  return FRAME_VALID;
}

/* Whether verdicts come from GLib's test log (the end-of-case frames)
 * rather than from the TAP result lines on stdout, which then only mark
 * where each case's stdout ends. */
static gboolean
frame_mode (GTestProc *self)
{
  return is_gtest (self) && self->log_fd && !self->log_closed;
}

/* Where GLib's result line for @path ("ok N PATH", "not ok N PATH",
 * maybe with " # SKIP …") starts in @line, or -1: at its start, or after
 * what the case printed without a final newline. With @path NULL, a
 * result line for any path. */
static gssize
find_result_line (const char *line,
                  gsize       len,
                  const char *path)
{
  gsize path_len = path ? strlen (path) : 0;

  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  for (gssize at = (gssize) len - 3; at >= 0; at--)
    {
      gsize p = at + 3;
      gsize end;

      if (memcmp (line + at, "ok ", 3) != 0 || p >= len || !g_ascii_isdigit (line[p]))
        continue;
      while (p < len && g_ascii_isdigit (line[p]))
        p++;
      if (p >= len || line[p] != ' ' || p + 1 >= len || line[p + 1] != '/')
        continue;
      p++;
      if (path != NULL)
        {
          if (len - p < path_len || memcmp (line + p, path, path_len) != 0)
            continue;
          end = p + path_len;
          if (end != len && !(len - end >= 2 && memcmp (line + end, " #", 2) == 0))
            continue;
        }
      if (at >= 4 && memcmp (line + at - 4, "not ", 4) == 0)
        at -= 4;
      return at;
    }
  return -1;
}

/* Whether a stdout line may be GLib's: a result line (maybe after the
 * case's unterminated output), or a "Bail out!" that a G_TEST_LOG_ERROR
 * frame may follow. */
static gboolean
may_be_glibs (TallyTapEvent *event)
{
  gsize len;
  const char *raw = g_bytes_get_data (event->raw, &len);

  return event->kind == TALLY_TAP_RESULT || event->kind == TALLY_TAP_BAIL_OUT
         || find_result_line (raw, len, NULL) >= 0;
}

/* The case the end-of-case frame named has ended: its result line is
 * @event, after @prefix bytes the case printed. The verdict is the
 * frame's. */
static void
end_case (GTestProc     *self,
          TallyTapEvent *event,
          gssize         prefix)
{
  TallyTapEvent verdict = { 0 };
  const char *raw = event ? g_bytes_get_data (event->raw, NULL) : NULL;

  if (prefix > 0)
    write_output (self, TALLY_STREAM_STDOUT, raw, prefix);
  self->n_ended++;

  verdict.kind = TALLY_TAP_RESULT;
  verdict.raw = g_bytes_new_static ("", 0);
  verdict.description = g_steal_pointer (&self->stop_path);
  switch (self->stop_status)
    {
    case 0:     /* G_TEST_RUN_SUCCESS */
      verdict.ok = TRUE;
      break;
    case 1:     /* G_TEST_RUN_SKIPPED */
      verdict.ok = TRUE;
      verdict.directive = TALLY_TAP_DIRECTIVE_SKIP;
      verdict.text = g_steal_pointer (&self->stop_message);
      break;
    case 3:     /* G_TEST_RUN_INCOMPLETE */
      verdict.directive = TALLY_TAP_DIRECTIVE_TODO;
      verdict.text = g_steal_pointer (&self->stop_message);
      break;
    default:    /* G_TEST_RUN_FAILURE */
      if (self->stop_message != NULL)
        {
          g_free (self->last_comment);
          self->last_comment = g_steal_pointer (&self->stop_message);
        }
      break;
    }
  g_clear_pointer (&self->stop_message, g_free);
  handle_event (self, &verdict);
  tally_tap_event_clear (&verdict);
}

/* A stdout line in frame mode that is not a result line: what the case
 * printed, or GLib's own plan and comments. */
static void
handle_frame_mode_line (GTestProc     *self,
                        TallyTapEvent *event)
{
  gsize len;
  const char *raw = g_bytes_get_data (event->raw, &len);

  switch (event->kind)
    {
    case TALLY_TAP_VERSION:
      /* GLib 2.74 prints none; later ones print it first. */
      if (self->n_ended > 0)
        write_output (self, TALLY_STREAM_STDOUT, raw, len);
      break;

    case TALLY_TAP_PLAN:
      /* GLib's comes first in a whole run, and after each -p path's
       * cases otherwise, counting the cases run so far. */
      if (self->whole ? self->plan_seen || self->n_ended > 0
                      : self->n_ended == 0 || event->plan_count != self->n_ended)
        write_output (self, TALLY_STREAM_STDOUT, raw, len);
      self->plan_seen = TRUE;
      break;

    case TALLY_TAP_BAIL_OUT:
      /* Not followed by GLib's error frame: text the case printed. */
      write_output (self, TALLY_STREAM_STDOUT, raw, len);
      break;

    case TALLY_TAP_MALFORMED:
    case TALLY_TAP_RESULT:
      write_output (self, TALLY_STREAM_STDOUT, raw, len);
      break;

    case TALLY_TAP_OTHER:
    case TALLY_TAP_COMMENT:
    case TALLY_TAP_YAML:
    default:
      handle_event (self, event);
      break;
    }
}

/* A stdout line that may be a result line, now that the frame says which
 * case ended: its end, or what a case printed. */
static void
match_result_line (GTestProc     *self,
                   TallyTapEvent *event)
{
  gsize len;
  const char *raw = g_bytes_get_data (event->raw, &len);
  gssize at = find_result_line (raw, len, self->stop_path);

  if (at >= 0)
    end_case (self, event, at);
  else
    handle_frame_mode_line (self, event);
}

/* Matches the held line against the end of case the frame just named. */
static void
release_held (GTestProc *self)
{
  if (!self->held)
    return;
  self->held = FALSE;
  if (frame_mode (self) && self->stop_path != NULL)
    match_result_line (self, &self->held_event);
  else
    handle_event (self, &self->held_event);
  tally_tap_event_clear (&self->held_event);
}

static void
on_frame (GTestProc *self,
          LogFrame  *frame)
{
  if (frame->type == LOG_ERROR && frame->string1 != NULL)
    {
      /* GLib's "Bail out!" line for it is not the case's output. */
      if (self->held && self->held_event.kind == TALLY_TAP_BAIL_OUT
          && g_strcmp0 (self->held_event.text, frame->string1) == 0)
        {
          self->held = FALSE;
          tally_tap_event_clear (&self->held_event);
        }
      g_free (self->bail_out);
      self->bail_out = g_strdup (frame->string1);
      return;
    }
  if (frame->type != LOG_STOP_CASE || frame->string1 == NULL || !frame_mode (self))
    return;

  parse_err_lines (self, TRUE);   /* a case's last partial line is its own */
  g_free (self->stop_path);
  g_free (self->stop_message);
  self->stop_path = g_strdup (frame->string1);
  self->stop_message = g_strdup (frame->string2);
  self->stop_status = frame->num1;
  release_held (self);
}

static void
drop_err_bytes (GTestProc *self,
                gsize      n)
{
  g_byte_array_remove_range (self->err_buf, 0, n);
  self->usage_scan -= MIN (self->usage_scan, n);
}

/* Reads the process's usage when an end-of-case frame arrives, before
 * the frame is consumed (that waits for the case's result line, which
 * GLib's stdout buffer may hold until the process exits). */
static void
scan_case_ends (GTestProc *self)
{
  GByteArray *buf = self->err_buf;

  while (self->log_fd && self->usage_scan < buf->len)
    {
      const guint8 *nul = memchr (buf->data + self->usage_scan, 0, buf->len - self->usage_scan);
      LogFrame frame = { 0 };
      FrameStatus status;

      if (nul == NULL)
        {
          self->usage_scan = buf->len;
          break;
        }
      /* Frames start with a NUL (their length's high byte). */
      self->usage_scan = nul - buf->data;
      status = parse_frame (nul, buf->len - self->usage_scan, &frame);
      if (status == FRAME_INCOMPLETE)
        break;
      if (status != FRAME_VALID)
        {
          self->usage_scan++;
          continue;
        }
      self->usage_scan += frame.len;
      if (frame.type == LOG_STOP_CASE)
        {
          read_usage (self);
          g_array_append_val (self->case_usage, self->cpu_us);
          g_array_append_val (self->case_usage, self->rss_kb);
        }
      g_free (frame.string1);
      g_free (frame.string2);
    }
}

/* Consumes the stderr pipe's bytes up to the next end of case not yet
 * matched by its result line; returns whether anything was consumed. */
static gboolean
consume_err (GTestProc *self,
             gboolean   final)
{
  GByteArray *buf = self->err_buf;
  gboolean progress = FALSE;

  while (buf->len > 0 && self->stop_path == NULL)
    {
      const guint8 *nul = self->log_fd ? memchr (buf->data, 0, buf->len) : NULL;
      gsize text = nul ? (gsize) (nul - buf->data) : buf->len;
      LogFrame frame = { 0 };
      FrameStatus status;

      if (text > 0)
        {
          take_stderr (self, buf->data, text);
          drop_err_bytes (self, text);
          progress = TRUE;
          continue;
        }

      /* Frames start with a NUL (their length's high byte). */
      status = parse_frame (buf->data, buf->len, &frame);
      if (status == FRAME_INCOMPLETE && !final)
        break;
      progress = TRUE;
      if (status != FRAME_VALID)
        {
          take_stderr (self, buf->data, 1);
          drop_err_bytes (self, 1);
          continue;
        }
      drop_err_bytes (self, frame.len);
      on_frame (self, &frame);
      g_free (frame.string1);
      g_free (frame.string2);
    }
  return progress;
}

/* Handles TAP events up to a line that may be a result line while no
 * end-of-case frame says which case ended; returns whether any event was
 * handled. */
static gboolean
consume_tap (GTestProc *self)
{
  TallyTapEvent event;
  gboolean progress = FALSE;

  while (!self->held && self->tap != NULL && tally_tap_parser_next (self->tap, &event))
    {
      progress = TRUE;
      if (frame_mode (self) && may_be_glibs (&event))
        {
          if (self->stop_path == NULL)
            {
              self->held_event = event;
              self->held = TRUE;
              break;
            }
          match_result_line (self, &event);
        }
      else if (frame_mode (self))
        handle_frame_mode_line (self, &event);
      else
        handle_event (self, &event);
      tally_tap_event_clear (&event);
    }
  return progress;
}

/* Handles what both streams hold, in step. */
static void
drain (GTestProc *self,
       gboolean   final)
{
  for (;;)
    {
      gboolean progress = consume_err (self, final);

      progress |= consume_tap (self);
      /* At the end, a line held for a frame that never came: the process
       * closed its log descriptor (or the line was not GLib's). What is
       * left is read as TAP, as without the log. */
      if (!progress && final && self->held)
        {
          self->log_closed = TRUE;
          release_held (self);
          progress = TRUE;
        }
      /* At the end, a frame whose result line never came (the case
       * closed its stdout): the frame's verdict. */
      if (!progress && final && self->stop_path != NULL)
        {
          if (frame_mode (self))
            end_case (self, NULL, 0);
          g_clear_pointer (&self->stop_path, g_free);
          progress = TRUE;
        }
      if (!progress)
        break;
    }
}

/* Reads both pipes: stdout first, so that every stderr byte and frame
 * written before the result lines just read is read too. */
static void
pump (GTestProc *self)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (!read_available (self->out_fd, out))
    {
      self->out_eof = TRUE;
      read_usage (self);   /* the process is ending: the last chance */
    }
  if (!read_available (self->err_fd, self->err_buf))
    self->err_eof = TRUE;
  scan_case_ends (self);

  take_stdout (self, out);
  drain (self, FALSE);
}

static gboolean
on_output_cb (int          fd,
              GIOCondition condition,
              gpointer     user_data)
{
  GTestProc *self = user_data;
  gboolean eof;

  pump (self);
  eof = fd == self->out_fd ? self->out_eof : self->err_eof;
  if (!eof)
    return G_SOURCE_CONTINUE;

  if (fd == self->out_fd)
    g_clear_pointer (&self->out_source, g_source_unref);
  else
    g_clear_pointer (&self->err_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
drop_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static int
remove_entry (const char        *path,
              const struct stat *st,
              int                flag,
              struct FTW        *ftw)
{
  remove (path);
  return 0;
}

static void
remove_tmpdir (GTestProc *self)
{
  if (self->tmpdir == NULL)
    return;
  nftw (self->tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  g_clear_pointer (&self->tmpdir, g_free);
}

/* Reads what the process left in the pipes and closes them. */
static void
close_pipes (GTestProc *self)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  read_available (self->out_fd, out);
  read_available (self->err_fd, self->err_buf);
  scan_case_ends (self);
  take_stdout (self, out);
  if (self->tap != NULL)
    tally_tap_parser_finish (self->tap);
  drain (self, TRUE);
  parse_err_lines (self, TRUE);

  drop_source (&self->out_source);
  drop_source (&self->err_source);
  if (self->out_fd >= 0)
    close (self->out_fd);
  if (self->err_fd >= 0)
    close (self->err_fd);
  self->out_fd = self->err_fd = -1;
  self->out_eof = self->err_eof = FALSE;
  g_clear_pointer (&self->tap, tally_tap_parser_free);
}

static void
report_exit (GTestProc  *self,
             gboolean    said_bye,
             int         signum,
             int         exit_status)
{
  if (self->base.exited)
    return;
  self->base.exited = TRUE;
  drop_source (&self->exit_source);
  /* The session may free the worker from here on. */
  self->base.callbacks->exited (&self->base, said_bye, signum, exit_status, NULL, self->base.data);
}

static gboolean
on_deferred_exit_cb (gpointer user_data)
{
  GTestProc *self = user_data;

  g_clear_pointer (&self->exit_source, g_source_unref);
  report_exit (self, g_queue_is_empty (&self->pending) && !self->stopping, 0, 0);
  return G_SOURCE_REMOVE;
}

static void
schedule_exit (GTestProc *self)
{
  if (self->exit_source != NULL || self->base.exited)
    return;
  self->exit_source = g_idle_source_new ();
  g_source_set_static_name (self->exit_source, "[tally] gtest worker exit");
  g_source_set_callback (self->exit_source, on_deferred_exit_cb, self, NULL);
  g_source_attach (self->exit_source, self->context);
}

/* The verdict on a plain program that ended by itself. */
static void
complete_plain (GTestProc *self,
                int        exit_status)
{
  g_autofree char *message = NULL;
  TallyOutcome outcome = TALLY_OUTCOME_PASSED;

  if (self->bail_out != NULL)
    outcome = TALLY_OUTCOME_FAILED, message = g_strdup_printf ("Bail out! %s", self->bail_out);
  else if (self->n_failed > 0)
    {
      outcome = TALLY_OUTCOME_FAILED;
      message = g_strdup_printf ("%u of %u TAP results not ok: %s%s", self->n_failed, self->n_results,
                                 self->failed_names->str, self->n_failed > 5 ? ", …" : "");
    }
  else if (exit_status == SKIP_EXIT_STATUS)
    outcome = TALLY_OUTCOME_SKIPPED, message = g_strdup_printf ("exited with status %d", exit_status);
  else if (exit_status != 0)
    outcome = TALLY_OUTCOME_FAILED, message = g_strdup_printf ("exited with status %d", exit_status);
  else if (self->plan_skip != NULL && self->n_results == 0)
    outcome = TALLY_OUTCOME_SKIPPED, message = g_strdup (self->plan_skip);

  complete_head (self, outcome, message, NULL, 0);
}

static void
complete_bail_out (GTestProc *self)
{
  g_autofree char *message = NULL;
  g_autofree char *file = NULL;
  int line = 0;

  tally_glib_log_parse_failure (self->bail_out, &message, &file, &line);
  /* A fatal end (g_error, g_assert) that the preloaded handler reported:
   * its signal and backtrace follow the message. */
  if (self->base.crash != NULL && self->base.crash->n_frames > 0)
    {
      g_autofree char *how = tally_crash_describe_signal (self->base.crash->signum, self->base.crash->code,
                                                          self->base.crash->address);
      g_autofree char *place = NULL;
      int place_line = 0;
      g_autofree char *frames = tally_crash_symbolize (self->base.crash, &place, &place_line);
      g_autofree char *head = g_steal_pointer (&message);

      message = g_strdup_printf ("%s\n\nthe process died of %s\nbacktrace:\n%s",
                                 head ? head : "Bail out!", how, frames);
      g_strchomp (message);
      if (file == NULL && place != NULL)
        {
          file = g_steal_pointer (&place);
          line = place_line;
        }
    }
  complete_head (self, TALLY_OUTCOME_FAILED, message ? message : "Bail out!", file, line);
}

/* A GTest program that exits cleanly without running the head was given
 * a path it no longer has: GLib's random tests name themselves after a
 * seed that changes from run to run ("/queue/random/seed:12345"). Run
 * the head's parent suite instead and take the result of a path -l did
 * not list as the head's. */
static gboolean
retry_by_parent (GTestProc *self)
{
  const char *path = head_test (self)->path;
  const char *slash = strrchr (path, '/');

  if (self->parent_path != NULL || slash == NULL || slash == path)
    return FALSE;
  self->parent_path = g_strndup (path, slash - path);
  return TRUE;
}

/* What the preloaded handler reported, if the process died of a signal. */
static void
take_crash_report (GTestProc *self)
{
  g_autoptr(TallyFrameReader) reader = NULL;
  g_autoptr(GBytes) bytes = NULL;
  TallyFrame frame;

  if (self->crash_fd < 0 || self->base.crash != NULL)
    return;
  bytes = tally_fd_read_from (self->crash_fd, 0, 64 * 1024 * 1024);
  if (g_bytes_get_size (bytes) == 0)
    return;
  reader = tally_frame_reader_new ();
  tally_frame_reader_push (reader, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (tally_frame_reader_next (reader, &frame, NULL) && frame.type == TALLY_MSG_CRASH)
    {
      TallyCrashInfo crash;

      if (tally_protocol_crash_parse (&frame, &crash))
        self->base.crash = g_memdup2 (&crash, sizeof crash);
    }
}

static void
on_process_exited (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTestProc *self = user_data;
  GSubprocess *subprocess = G_SUBPROCESS (object);
  gboolean signaled;
  int signum = 0, exit_status = -1;

  if (!g_subprocess_wait_finish (subprocess, result, NULL))
    return;   /* cancelled: the worker is being freed */

  signaled = g_subprocess_get_if_signaled (subprocess);
  if (signaled)
    signum = g_subprocess_get_term_sig (subprocess);
  else
    exit_status = g_subprocess_get_exit_status (subprocess);

  read_final_usage (self);
  close_pipes (self);
  remove_tmpdir (self);
  g_clear_object (&self->subprocess);
  g_clear_object (&self->cancellable);
  if (signaled)
    take_crash_report (self);

  if (self->head_started)
    {
      if (self->bail_out != NULL && is_gtest (self) && !self->stopping)
        complete_bail_out (self);
      else if (is_gtest (self) && !signaled && exit_status == 0 && !self->stopping
               && retry_by_parent (self))
        ;   /* the head runs again, in a process of its own */
      else if (!is_gtest (self) && !signaled && !self->stopping)
        complete_plain (self, exit_status);
      else
        {
          /* Crashed, hung or stopped in the middle of a test: the session
           * fails it (crashed or timeout) and requeues the rest. */
          flush_records (self);
          report_exit (self, FALSE, signum, exit_status);
          return;
        }
    }

  discard_output (self);
  self->n_running = 0;
  self->busy = FALSE;
  if (self->parent_path == NULL)
    forget_head_state (self);

  if (self->stopping || (self->quitting && g_queue_is_empty (&self->pending)))
    report_exit (self, g_queue_is_empty (&self->pending) && !self->stopping, signum, exit_status);
  else
    start_processes (self);
}

/* The longest prefix of pending that one process can run: for GTest,
 * ascending paths (it runs -p paths in the order given, and a batch is
 * kept ascending so registration order is never reversed); for a
 * plain program, one run. */
static guint
batch_length (GTestProc *self)
{
  guint n = 0, last = 0;

  for (GList *l = self->pending.head; l != NULL; l = l->next, n++)
    {
      guint index = GPOINTER_TO_UINT (l->data);

      if (!is_gtest (self) || self->parent_path != NULL)
        return 1;
      if (n > 0 && index <= last)
        break;
      last = index;
    }
  return n;
}

/* Where a GTest process writes GLib's test log, or -1 when the limit
 * on open files leaves no room for it. */
static int
log_fd_target (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) < 0)
    return -1;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > LOG_FD_PREFERRED)
    return LOG_FD_PREFERRED;
  return limit.rlim_cur > 64 ? (int) limit.rlim_cur - 1 : -1;
}

/* Whether the first @n pending tests are all the program's, in order,
 * none marked `skip`: the process then runs the program as it is, like
 * gnome-desktop-testing-runner and meson do, and no -p list is needed.
 * A failure that ends the process sends the rest back as -p batches. */
static gboolean
batch_is_whole (GTestProc *self,
                guint      n)
{
  GPtrArray *tests = self->base.program->tests;
  guint i = 0;

  if (!is_gtest (self) || self->parent_path != NULL || n != tests->len)
    return FALSE;
  for (GList *l = self->pending.head; l != NULL && i < n; l = l->next, i++)
    {
      TallyListedTest *test = g_ptr_array_index (tests, i);

      if (GPOINTER_TO_UINT (l->data) != i || tally_markers_has (test->markers, "skip"))
        return FALSE;
    }
  return TRUE;
}

static GStrv
process_argv (GTestProc *self,
              guint      n,
              guint     *n_paths)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  TallyProgram *program = self->base.program;
  guint i = 0;

  {
    g_autofree char *absolute = g_canonicalize_filename (program->path, NULL);

    g_strv_builder_add (argv, absolute);
  }
  if (program->args != NULL)
    g_strv_builder_addv (argv, (const char **) program->args);
  *n_paths = 0;
  if (!is_gtest (self))
    return g_strv_builder_end (argv);

  if (self->log_fd)
    {
      g_autofree char *fd = g_strdup_printf ("%d", log_fd_target ());

      /* Before --tap: GLib turns TAP off when it is given a log descriptor. */
      g_strv_builder_add_many (argv, "--GTestLogFD", fd, NULL);
    }
  g_strv_builder_add_many (argv, "--tap", "-k", NULL);
  if (self->whole)
    {
      *n_paths = n;
      return g_strv_builder_end (argv);
    }
  if (self->parent_path != NULL)
    {
      g_strv_builder_add_many (argv, "-p", self->parent_path, NULL);
      *n_paths = 1;
      return g_strv_builder_end (argv);
    }
  for (GList *l = self->pending.head; l != NULL && i < n; l = l->next, i++)
    {
      TallyListedTest *test = g_ptr_array_index (program->tests, GPOINTER_TO_UINT (l->data));

      if (tally_markers_has (test->markers, "skip"))
        continue;
      g_strv_builder_add_many (argv, "-p", test->path, NULL);
      (*n_paths)++;
    }
  return g_strv_builder_end (argv);
}

static GSubprocessLauncher *
process_launcher (GTestProc  *self,
                  int         out_fd,
                  int         err_fd,
                  GError    **error)
{
  /* INHERIT_FDS: GLib's posix_spawn path, as for Tally workers
   * (tally-worker-proc.c). */
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_INHERIT_FDS);
  g_autofree char *slot = g_strdup_printf ("%d", self->base.slot);

  tally_worker_proc_apply_program (launcher, self->base.program);
  tally_child_set_cwd (launcher, self->base.program->workdir);
  g_subprocess_launcher_setenv (launcher, "TALLY_WORKER_SLOT", slot, TRUE);
  g_subprocess_launcher_take_stdout_fd (launcher, out_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, err_fd);
  if (self->base.program->fresh_workdir)
    {
      self->tmpdir = g_dir_make_tmp ("tally-test-XXXXXX", error);
      if (self->tmpdir == NULL)
        {
          g_object_unref (launcher);
          return NULL;
        }
      tally_child_set_cwd (launcher, self->tmpdir);
    }
  return launcher;
}

static GSource *
watch_fd (GTestProc   *self,
          int          fd,
          GSourceFunc  callback)
{
  GSource *source = g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP | G_IO_ERR);

  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  g_source_set_static_name (source, "[tally] gtest output");
  g_source_set_callback (source, callback, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* A GTest binary knows nothing of Tally: libtally-1 is preloaded into it
 * so that a fatal signal is reported (raw frames and maps) on an
 * in-memory file, which the runner symbolizes after the process died,
 * as for its own workers. Not when the program has its own LD_PRELOAD. */
static void
preload_crash_report (GTestProc           *self,
                      GSubprocessLauncher *launcher)
{
  const char *library = tally_crash_preload_library ();
  int target = log_fd_target () - 1;
  g_autofree char *target_text = NULL;
  int copy;

  if (!is_gtest (self) || library == NULL || target <= STDERR_FILENO
      || g_subprocess_launcher_getenv (launcher, "LD_PRELOAD") != NULL)
    return;
  if (self->crash_fd < 0)
    self->crash_fd = tally_memfd_new ("tally-crash-report", NULL);
  if (self->crash_fd < 0 || (copy = fcntl (self->crash_fd, F_DUPFD_CLOEXEC, 3)) < 0)
    return;
  ftruncate (self->crash_fd, 0);
  target_text = g_strdup_printf ("%d", target);
  g_subprocess_launcher_take_fd (launcher, copy, target);
  /* Through the exec helper, which passes them on under their real
   * names: preloaded into the helper, libtally-1 would take them. */
  g_subprocess_launcher_setenv (launcher, tally_child_env_name ("TALLY_CRASH_FD"), target_text, TRUE);
  g_subprocess_launcher_setenv (launcher, tally_child_env_name ("LD_PRELOAD"), library, TRUE);
}

/* Through the exec helper, which waits for the program and writes its
 * pid and rusage in this file (tally-exec-child.c). */
static void
measure_usage (GTestProc           *self,
               GSubprocessLauncher *launcher)
{
  int target = log_fd_target () - 2;
  g_autofree char *target_text = NULL;
  int copy;

  self->program_pid = 0;
  if (!tally_child_has_exec_helper () || target <= STDERR_FILENO)
    return;
  /* Not tally_memfd_new(): its O_APPEND would put the helper's USAGE
   * line after the PID line instead of at its offset. */
  if (self->usage_fd < 0)
    self->usage_fd = memfd_create ("tally-usage", MFD_CLOEXEC);
  if (self->usage_fd < 0 || (copy = fcntl (self->usage_fd, F_DUPFD_CLOEXEC, 3)) < 0)
    return;
  ftruncate (self->usage_fd, 0);
  target_text = g_strdup_printf ("%d", target);
  g_subprocess_launcher_take_fd (launcher, copy, target);
  g_subprocess_launcher_setenv (launcher, TALLY_USAGE_FD_ENV, target_text, TRUE);
}

static gboolean
spawn_process (GTestProc  *self,
               GStrv       argv,
               GError    **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  int out[2], err[2];

  if (!g_unix_open_pipe (out, FD_CLOEXEC, error))
    return FALSE;
  if (!g_unix_open_pipe (err, FD_CLOEXEC, error))
    {
      close (out[0]);
      close (out[1]);
      return FALSE;
    }

  self->out_fd = out[0];
  self->err_fd = err[0];
  launcher = process_launcher (self, out[1], err[1], error);
  if (launcher != NULL && self->log_fd)
    {
      int log = fcntl (err[1], F_DUPFD_CLOEXEC, 3);

      if (log >= 0)
        g_subprocess_launcher_take_fd (launcher, log, log_fd_target ());
    }
  if (launcher != NULL)
    preload_crash_report (self, launcher);
  if (launcher != NULL)
    measure_usage (self, launcher);
  if (launcher != NULL)
    {
      g_auto(GStrv) wrapped = tally_child_wrap_argv ((const char * const *) argv);

      self->subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) wrapped, error);
    }
  g_clear_object (&launcher);   /* closes the child's ends */
  if (self->subprocess == NULL)
    {
      close_pipes (self);
      remove_tmpdir (self);
      return FALSE;
    }

  self->cpu_us = self->rss_kb = -1;
  self->cpu_attributed_us = 0;
  self->usage_scan = 0;
  g_array_set_size (self->case_usage, 0);
  self->tap = (is_gtest (self) || self->base.program->tap) ? tally_tap_parser_new () : NULL;
  self->out_source = watch_fd (self, self->out_fd, G_SOURCE_FUNC (on_output_cb));
  self->err_source = watch_fd (self, self->err_fd, G_SOURCE_FUNC (on_output_cb));
  self->cancellable = g_cancellable_new ();
  g_subprocess_wait_async (self->subprocess, self->cancellable, on_process_exited, self);
  return TRUE;
}

/* Starts a process for the next batch; batches of only `skip` tests
 * need none. */
static void
start_processes (GTestProc *self)
{
  while (!self->busy && !self->stopping && !g_queue_is_empty (&self->pending))
    {
      g_autoptr(GError) error = NULL;
      guint n_paths;
      guint n = batch_length (self);
      g_auto(GStrv) argv = NULL;

      self->log_fd = is_gtest (self) && log_fd_target () >= 0;
      self->log_closed = FALSE;
      self->plan_seen = FALSE;
      self->n_ended = 0;
      g_clear_pointer (&self->stop_path, g_free);
      g_clear_pointer (&self->stop_message, g_free);
      self->whole = batch_is_whole (self, n);
      argv = process_argv (self, n, &n_paths);

      self->n_running = n;
      if (is_gtest (self) && n_paths == 0)
        {
          advance (self);
          continue;
        }

      self->busy = TRUE;
      if (!spawn_process (self, argv, &error))
        {
          /* Busy still, so what the session sends meanwhile waits. */
          self->n_running = 1;
          start_head (self);
          complete_head (self, TALLY_OUTCOME_ERROR, error->message, NULL, 0);
          self->n_running = 0;
          self->busy = FALSE;
          continue;
        }
      advance (self);
    }

  if (!self->busy && self->quitting && g_queue_is_empty (&self->pending))
    schedule_exit (self);
}

static void
gtest_send_run (TallyWorkerProc *base,
                const guint32   *indices,
                guint            n_indices)
{
  GTestProc *self = (GTestProc *) base;

  for (guint i = 0; i < n_indices; i++)
    if (indices[i] < base->program->tests->len)
      g_queue_push_tail (&self->pending, GUINT_TO_POINTER (indices[i]));
  start_processes (self);
}

static void
gtest_send_quit (TallyWorkerProc *base)
{
  GTestProc *self = (GTestProc *) base;

  self->quitting = TRUE;
  if (!self->busy)
    schedule_exit (self);
}

/* A test stopped in its middle (its timeout, mostly) gets, as the last
 * record of its log, what each thread of the program was blocked in just
 * before the SIGTERM: the output of a hung program rarely says. Beyond
 * the cap on records, so that a chatty program's hang is described too. */
static void
describe_threads (GTestProc *self)
{
  g_autofree char *threads = NULL;
  pid_t pid;

  if (!self->head_started || self->subprocess == NULL || (pid = program_pid (self)) <= 0)
    return;
  if ((threads = tally_proc_threads_describe (pid, 32)) != NULL)
    g_ptr_array_add (self->records, tally_proc_threads_record (threads, pid, self->head_started_at,
                                                               g_get_real_time ()));
}

static void
stop (GTestProc *self,
      int        signum)
{
  if (signum == SIGTERM && !self->stopping)
    describe_threads (self);
  self->stopping = TRUE;
  if (self->subprocess != NULL)
    tally_child_signal (self->subprocess, signum);
  else if (!self->busy)
    schedule_exit (self);
}

static void
gtest_terminate (TallyWorkerProc *base)
{
  stop ((GTestProc *) base, SIGTERM);
}

static void
gtest_kill (TallyWorkerProc *base)
{
  stop ((GTestProc *) base, SIGKILL);
}

static void
gtest_finalize (TallyWorkerProc *base)
{
  GTestProc *self = (GTestProc *) base;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->subprocess != NULL)
    {
      g_subprocess_force_exit (self->subprocess);
      g_subprocess_wait (self->subprocess, NULL, NULL);
    }
  drop_source (&self->out_source);
  drop_source (&self->err_source);
  drop_source (&self->exit_source);
  if (self->out_fd >= 0)
    close (self->out_fd);
  if (self->err_fd >= 0)
    close (self->err_fd);
  if (self->crash_fd >= 0)
    close (self->crash_fd);
  if (self->usage_fd >= 0)
    close (self->usage_fd);
  remove_tmpdir (self);
  g_clear_object (&self->subprocess);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->tap, tally_tap_parser_free);
  g_byte_array_unref (self->err_line);
  g_byte_array_unref (self->err_buf);
  g_array_unref (self->case_usage);
  tally_tap_event_clear (&self->held_event);
  g_free (self->stop_path);
  g_free (self->stop_message);
  g_ptr_array_unref (self->records);
  g_ptr_array_unref (self->err_records);
  g_free (self->bail_out);
  g_free (self->last_comment);
  g_free (self->plan_skip);
  g_free (self->parent_path);
  g_clear_pointer (&self->listed, g_hash_table_unref);
  g_string_free (self->failed_names, TRUE);
  g_queue_clear (&self->pending);
  g_main_context_unref (self->context);
}

static const TallyWorkerProcClass gtest_class = {
  gtest_send_run,
  gtest_send_quit,
  gtest_terminate,
  gtest_kill,
  gtest_finalize,
};

/**
 * tally_gtest_proc_spawn:
 * @program: a %TALLY_PROGRAM_GTEST or %TALLY_PROGRAM_PLAIN program
 * @slot: the runner's slot
 * @settings: unused: GTest programs know no Tally options
 * @callbacks: where events go, on the thread-default main context
 * @data: for @callbacks
 * @error: return location for a #GError
 *
 * Makes a worker for @program. No process starts until a batch comes.
 *
 * Returns: (transfer full): the worker
 */
TallyWorkerProc *
tally_gtest_proc_spawn (TallyProgram               *program,
                        int                         slot,
                        const TallyWorkerSettings  *settings,
                        const TallyWorkerCallbacks *callbacks,
                        gpointer                    data,
                        GError                    **error)
{
  GTestProc *self = g_new0 (GTestProc, 1);

  tally_worker_proc_init (&self->base, &gtest_class, program, slot, callbacks, data);
  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->pending);
  self->out_fd = self->err_fd = -1;
  self->crash_fd = -1;
  self->usage_fd = -1;
  self->cpu_us = self->rss_kb = -1;
  self->case_usage = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->err_line = g_byte_array_new ();
  self->err_buf = g_byte_array_new ();
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  self->err_records = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_log_record_free);
  self->failed_names = g_string_new (NULL);

  return &self->base;
}
