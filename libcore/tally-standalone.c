/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally-capture-private.h"
#include "tally-main-private.h"
#include "tally-protocol-private.h"
#include "tally-text-private.h"

/* Standalone mode: `./my-tests` runs the selected tests one after another
 * in this process and prints TAP, so a Tally program is a drop-in meson
 * `test (…, protocol: 'tap')`. Each test's stdout and stderr are captured
 * and shown as TAP comments when it fails, so they cannot corrupt the TAP
 * stream. A watchdog thread ends the process if a test outlives its
 * deadline by more than the grace period without ever yielding to its
 * main context (a busy loop, a blocking read). */

#define WATCHDOG_GRACE_US (2 * G_USEC_PER_SEC)

typedef struct
{
  GMutex lock;
  GCond cond;
  gint64 deadline;        /* monotonic µs, 0 when idle */
  char *tap_line;         /* what to print if it fires */
  int tap_fd;
  gboolean stop;
} Watchdog;

static Watchdog watchdog;

/* What the fatal-signal handler needs to report a test that takes the
 * process down: prepared before each test, read with async-signal-safe
 * calls only. The test's log records reach it through the caplog sink
 * (formatted as TAP comments as they are logged), and the last warning,
 * critical or error is kept apart: when the process dies of it (g_error,
 * G_DEBUG=fatal-criticals…) it is the `not ok` line's message. */
#define CRASH_LOG_SIZE (16 * 1024)

static struct
{
  int tap_fd;
  int err_fd;
  char line[1024];        /* "not ok N PATH # crashed: " */
  char bail[1024];        /* "Bail out! PATH crashed\n" */
  char exit_line[1024];   /* for exit() called by the test */
  pid_t pid;              /* ours: a child a test forks is not the test */
  char log[CRASH_LOG_SIZE];
  volatile sig_atomic_t log_len;
  char fatal[1024];       /* the last warning, critical or error */
  volatile sig_atomic_t fatal_level;
  volatile sig_atomic_t fatal_is_last;
} crash;

static void
write_safe (int         fd,
            const char *data,
            size_t      len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n <= 0)
        return;
      data += n;
      len -= n;
    }
}

static void
write_str (int         fd,
           const char *text)
{
  write_safe (fd, text, strlen (text));
}

/* Copies the test's captured stderr as TAP comments. */
static void
write_captured_stderr (void)
{
  static const char header[] = "# stderr:\n#   ";
  char chunk[4096];
  off_t offset = 0;
  ssize_t n;

  if (crash.err_fd < 0)
    return;

  write_safe (crash.tap_fd, header, sizeof header - 1);
  while ((n = pread (crash.err_fd, chunk, sizeof chunk, offset)) > 0)
    {
      for (ssize_t i = 0; i < n; i++)
        {
          write_safe (crash.tap_fd, &chunk[i], 1);
          if (chunk[i] == '\n')
            write_safe (crash.tap_fd, "#   ", 4);
        }
      offset += n;
    }
  write_safe (crash.tap_fd, "\n", 1);
}

/* The caplog sink: each record as a TAP comment line, kept for the
 * handler (the oldest dropped past CRASH_LOG_SIZE). */
static void
on_record (TallyTest            *test,
           const TallyLogRecord *record,
           gpointer              user_data)
{
  g_autofree char *message = tally_text_inert (record->message, record->message_len, FALSE);
  g_autofree char *line = g_strdup_printf ("#   %-8s %s: %s\n", tally_log_level_to_string (record->level),
                                           record->domain ? record->domain : "(no domain)", message);
  gsize len = MIN (strlen (line), (gsize) CRASH_LOG_SIZE);
  gsize used = crash.log_len;

  if (used + len > CRASH_LOG_SIZE)
    {
      memmove (crash.log, crash.log + (used + len - CRASH_LOG_SIZE), CRASH_LOG_SIZE - len);
      used = CRASH_LOG_SIZE - len;
    }
  memcpy (crash.log + used, line, len);
  crash.log_len = used + len;

  crash.fatal_is_last = FALSE;
  if (record->level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      crash.fatal_level = 0;
      g_strlcpy (crash.fatal, message, sizeof crash.fatal);
      g_strdelimit (crash.fatal, "\n\r", ' ');
      crash.fatal_level = record->level;
      crash.fatal_is_last = TRUE;
    }
}

static void
crash_reset (void)
{
  crash.log_len = 0;
  crash.fatal_level = 0;
  crash.fatal_is_last = FALSE;
}

/* "the process died of SIGSEGV (Segmentation fault)", or the fatal log
 * message the process died of. */
static void
write_crash_reason (int signum)
{
  const char *abbrev = sigabbrev_np (signum);
  const char *description = sigdescr_np (signum);

  if (crash.fatal_is_last
      && (crash.fatal_level == G_LOG_LEVEL_ERROR || signum == SIGTRAP))
    {
      write_str (crash.tap_fd, crash.fatal);
      write_str (crash.tap_fd, " (fatal ");
      write_str (crash.tap_fd, crash.fatal_level == G_LOG_LEVEL_ERROR ? "error"
                               : crash.fatal_level == G_LOG_LEVEL_CRITICAL ? "critical" : "warning");
      write_str (crash.tap_fd, "; ");
    }
  else
    write_str (crash.tap_fd, "the process died of ");
  write_str (crash.tap_fd, "SIG");
  write_str (crash.tap_fd, abbrev ? abbrev : "?");
  write_str (crash.tap_fd, " (");
  write_str (crash.tap_fd, description ? description : "unknown signal");
  write_str (crash.tap_fd, crash.fatal_is_last
                           && (crash.fatal_level == G_LOG_LEVEL_ERROR || signum == SIGTRAP) ? "))\n" : ")\n");
}

static void
on_fatal_signal (int signum)
{
  if (crash.line[0] != '\0' && getpid () == crash.pid)
    {
      write_str (crash.tap_fd, crash.line);
      write_crash_reason (signum);
      if (crash.log_len > 0)
        {
          write_str (crash.tap_fd, "# log:\n");
          write_safe (crash.tap_fd, crash.log, crash.log_len);
        }
      write_captured_stderr ();
      write_str (crash.tap_fd, crash.bail);
    }
  signal (signum, SIG_DFL);
  raise (signum);
}

/* The warnings and criticals the test logged before it called exit():
 * often the reason ("Gtk: cannot open display: " from gtk_init()). */
static void
write_exit_reasons (void)
{
  TallyTest *test = tally_test_get_current ();
  g_autoptr(GString) out = NULL;

  if (test == NULL)
    return;

  out = g_string_new (NULL);
  for (guint i = 0; i < test->records->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (test->records, i);
      g_autofree char *message = NULL;

      if (!(record->level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
        continue;
      message = tally_text_inert (record->message, record->message_len, FALSE);
      g_string_append_printf (out, "# %s %s: %s\n", tally_log_level_to_string (record->level),
                              record->domain ? record->domain : "(no domain)", message);
    }
  write_safe (crash.tap_fd, out->str, out->len);
}

/* A test that calls exit() ends the process too: without this its TAP
 * line and its captured stderr would be lost, and a meson run would
 * only see a plan that came up short. */
static void
on_exit_mid_test (void)
{
  const char *bail_out;

  if (crash.exit_line[0] == '\0' || getpid () != crash.pid)
    return;
  /* The reasons go between the "not ok" line and "Bail out!". */
  bail_out = strchr (crash.exit_line, '\n');
  bail_out = bail_out ? bail_out + 1 : crash.exit_line + strlen (crash.exit_line);
  write_safe (crash.tap_fd, crash.exit_line, bail_out - crash.exit_line);
  write_exit_reasons ();
  write_safe (crash.tap_fd, bail_out, strlen (bail_out));
  write_captured_stderr ();
  crash.exit_line[0] = '\0';
}

static void
install_crash_report (void)
{
  static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
  struct sigaction action = { 0 };

  action.sa_handler = on_fatal_signal;
  action.sa_flags = SA_NODEFER | SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (fatal); i++)
    sigaction (fatal[i], &action, NULL);
  crash.pid = getpid ();
  atexit (on_exit_mid_test);
  tally_caplog_set_sink (on_record, NULL);
}

static gpointer
watchdog_main (gpointer data)
{
  g_mutex_lock (&watchdog.lock);
  while (!watchdog.stop)
    {
      if (watchdog.deadline == 0)
        g_cond_wait (&watchdog.cond, &watchdog.lock);
      else if (!g_cond_wait_until (&watchdog.cond, &watchdog.lock, watchdog.deadline)
               && watchdog.deadline != 0 && g_get_monotonic_time () >= watchdog.deadline)
        {
          /* The test never came back: report it and end the process, the
           * only way to stop code that does not yield. */
          if (write (watchdog.tap_fd, watchdog.tap_line, strlen (watchdog.tap_line)) < 0)
            {
              /* nothing more we can do */
            }
          _exit (1);
        }
    }
  g_mutex_unlock (&watchdog.lock);

  return NULL;
}

static void
watchdog_arm (gint64      deadline,
              const char *tap_line)
{
  g_mutex_lock (&watchdog.lock);
  watchdog.deadline = deadline;
  g_free (watchdog.tap_line);
  watchdog.tap_line = g_strdup (tap_line);
  g_cond_signal (&watchdog.cond);
  g_mutex_unlock (&watchdog.lock);
}

static void
append_bytes_section (GString    *out,
                      const char *title,
                      GBytes     *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autofree char *inert = NULL;

  if (len == 0)
    return;

  inert = tally_text_inert (data, len, TRUE);
  g_string_append_printf (out, "# %s:\n", title);
  tally_text_append_prefixed (out, "#   ", inert);
}

static void
append_logs (GString   *out,
             TallyTest *test)
{
  if (test->records->len == 0)
    return;

  g_string_append (out, "# log:\n");
  for (guint i = 0; i < test->records->len; i++)
    {
      TallyLogRecord *record = g_ptr_array_index (test->records, i);
      g_autofree char *message = tally_text_inert (record->message, record->message_len, TRUE);
      g_autofree char *line = g_strdup_printf ("%-8s %s: %s", tally_log_level_to_string (record->level),
                                               record->domain ? record->domain : "(no domain)",
                                               message);

      tally_text_append_prefixed (out, "#   ", line);
    }
}

static const char *
tap_directive (TallyTest *test,
               gboolean  *ok)
{
  switch (test->outcome)
    {
    case TALLY_OUTCOME_PASSED:
    case TALLY_OUTCOME_FLAKY:
      *ok = TRUE;
      return NULL;
    case TALLY_OUTCOME_SKIPPED:
      *ok = TRUE;
      return "SKIP";
    case TALLY_OUTCOME_XFAILED:
      *ok = FALSE;
      return "TODO";
    case TALLY_OUTCOME_XPASSED:
      /* pytest's non-strict xpass: reported, not a failure (TAP's
       * "ok # TODO" would count as one under meson). */
      *ok = TRUE;
      return "xpassed";
    case TALLY_OUTCOME_RUNNING:
    case TALLY_OUTCOME_FAILED:
    case TALLY_OUTCOME_CRASHED:
    case TALLY_OUTCOME_TIMEOUT:
    case TALLY_OUTCOME_ERROR:
    case TALLY_OUTCOME_INTERRUPTED:
    default:
      *ok = FALSE;
      return NULL;
    }
}

/* "PATH: OUTCOME at FILE:LINE", then the message indented two spaces,
 * each line after @prefix. */
static void
append_failure (GString    *out,
                TallyTest  *test,
                const char *prefix)
{
  g_autofree char *full = tally_text_inert (test->message, -1, TRUE);
  g_autofree char *indent = g_strconcat (prefix, "  ", NULL);

  g_string_append_printf (out, "%s%s: %s", prefix, test->tc->path,
                          tally_outcome_to_string (test->outcome));
  if (test->file)
    g_string_append_printf (out, " at %s:%d", test->file, test->line);
  g_string_append_c (out, '\n');
  tally_text_append_prefixed (out, indent, full);
}

static void
report (GString   *out,
        guint      number,
        TallyTest *test,
        GBytes    *out_bytes,
        GBytes    *err_bytes,
        gboolean   verbose)
{
  gboolean ok;
  const char *directive = tap_directive (test, &ok);
  g_autofree char *message = tally_text_inert (test->message, -1, FALSE);
  gboolean failed = tally_outcome_is_failure (test->outcome);

  g_string_append_printf (out, "%s %u %s", ok ? "ok" : "not ok", number, test->tc->path);
  if (directive)
    g_string_append_printf (out, " # %s%s%s", directive, test->message ? " " : "",
                            test->message ? message : "");
  g_string_append_c (out, '\n');

  if (failed)
    append_failure (out, test, "# ");

  if (failed || verbose)
    {
      append_logs (out, test);
      append_bytes_section (out, "stdout", out_bytes);
      append_bytes_section (out, "stderr", err_bytes);
    }

  if (test->tainted)
    g_string_append (out, "# note: the test was unwound from inside a callback, or failed "
                          "in a thread it started; later tests in this process may see "
                          "odd GLib state\n");
}

static TallyTest *
run_captured (TallyTestCase       *tc,
              TallyProgramOptions *opts,
              GBytes             **out_bytes,
              GBytes             **err_bytes)
{
  TallyCapture out_capture, err_capture;
  gboolean captured_out = tally_capture_begin (&out_capture, 1, NULL);
  gboolean captured_err = tally_capture_begin (&err_capture, 2, NULL);
  TallyTest *test;

  crash.err_fd = captured_err ? err_capture.file_fd : -1;
  test = tally_executor_run (tc, &opts->exec);
  crash.err_fd = -1;

  *err_bytes = captured_err ? tally_capture_end (&err_capture) : g_bytes_new (NULL, 0);
  *out_bytes = captured_out ? tally_capture_end (&out_capture) : g_bytes_new (NULL, 0);

  return test;
}

static void
print_tap (const char *text)
{
  fputs (text, stdout);
  fflush (stdout);
}

/* Whether stdout and stderr are one file (a terminal, `2>&1`). */
static gboolean
stdout_is_stderr (void)
{
  struct stat out, err;

  if (fstat (STDOUT_FILENO, &out) != 0 || fstat (STDERR_FILENO, &err) != 0)
    return TRUE;
  return out.st_dev == err.st_dev && out.st_ino == err.st_ino;
}

/* Harnesses that parse TAP (meson's --print-errorlogs) show a failed
 * program's stderr, not its TAP comments: the failure's header and
 * message go there too, unless both streams end up in one place. */
static void
echo_failure (TallyTest *test)
{
  g_autoptr(GString) out = NULL;

  if (!tally_outcome_is_failure (test->outcome) || stdout_is_stderr ())
    return;

  out = g_string_new (NULL);
  append_failure (out, test, "");
  fputs (out->str, stderr);
  fflush (stderr);
}

static guint teardown_failed;

/* A worker fixture's teardown that went wrong, after the last test: a
 * TAP comment and a line on stderr, and the program fails. */
static void
on_fixture_event (const char *name,
                  guint       event,
                  const char *message)
{
  g_autoptr(GString) out = NULL;

  if (event != TALLY_FIXTURE_TEARDOWN_ERROR)
    return;

  teardown_failed++;
  out = g_string_new (NULL);
  g_string_append_printf (out, "# ERROR at teardown of worker fixture “%s”:\n", name);
  tally_text_append_prefixed (out, "#   ", message);
  print_tap (out->str);
  if (!stdout_is_stderr ())
    fprintf (stderr, "error at teardown of worker fixture “%s”: %s\n", name, message);
}

int
tally_standalone_main (TallyProgramOptions *opts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) selected = tally_program_select (opts, &error);
  guint counts[TALLY_N_OUTCOMES] = { 0 };
  guint failures = 0;
  GThread *watchdog_thread;

  if (selected == NULL)
    {
      fprintf (stderr, "%s: %s\n", opts->program, error->message);
      printf ("Bail out! %s\n", error->message);
      return 4;
    }

  if (opts->list_paths)
    {
      for (guint i = 0; i < selected->len; i++)
        {
          TallyTestCase tc;

          tally_registry_get_test (g_array_index (selected, guint, i), &tc);
          printf ("%s\n", tc.path);
        }
      return 0;
    }

  printf ("TAP version 13\n1..%u\n", selected->len);
  fflush (stdout);

  watchdog.tap_fd = dup (STDOUT_FILENO);
  watchdog_thread = g_thread_new ("tally-watchdog", watchdog_main, NULL);
  crash.tap_fd = watchdog.tap_fd;
  install_crash_report ();

  for (guint i = 0; i < selected->len; i++)
    {
      TallyTestCase test_case;
      TallyTestCase *tc = tally_registry_get_test (g_array_index (selected, guint, i), &test_case);
      g_autoptr(GBytes) out_bytes = NULL;
      g_autoptr(GBytes) err_bytes = NULL;
      g_autoptr(GString) tap = g_string_new (NULL);
      g_autofree char *timeout_line = NULL;
      const char *timeout = tally_markers_lookup (tc->markers, "timeout");
      double timeout_s = timeout ? g_ascii_strtod (timeout, NULL) : opts->exec.default_timeout_s;
      TallyTest *test;

      timeout_line = g_strdup_printf ("not ok %u %s # timeout: still running %.3g s after its deadline; process ended\n",
                                      i + 1, tc->path, (double) WATCHDOG_GRACE_US / G_USEC_PER_SEC);
      if (timeout_s > 0)
        watchdog_arm (g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC) + WATCHDOG_GRACE_US,
                      timeout_line);

      if (tally_standalone_wants_fork (tc))
        {
          TallyOutcome outcome;

          /* The test's own process has a watchdog: let it speak first. */
          if (timeout_s > 0)
            watchdog_arm (g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC)
                          + 2 * WATCHDOG_GRACE_US, timeout_line);
          outcome = tally_standalone_run_forked (opts, tc, i + 1, tap);
          watchdog_arm (0, NULL);
          counts[outcome]++;
          if (tally_outcome_is_failure (outcome))
            failures++;
          print_tap (tap->str);
          continue;
        }

      g_snprintf (crash.line, sizeof crash.line, "not ok %u %s # crashed: ", i + 1, tc->path);
      g_snprintf (crash.bail, sizeof crash.bail, "Bail out! %s crashed\n", tc->path);
      crash_reset ();
      g_snprintf (crash.exit_line, sizeof crash.exit_line,
                  "not ok %u %s # crashed: the test called exit() mid-test\nBail out! %s exited\n",
                  i + 1, tc->path, tc->path);
      test = run_captured (tc, opts, &out_bytes, &err_bytes);
      crash.line[0] = '\0';
      crash.exit_line[0] = '\0';
      watchdog_arm (0, NULL);

      counts[test->outcome]++;
      if (tally_outcome_is_failure (test->outcome))
        failures++;

      report (tap, i + 1, test, out_bytes, err_bytes, opts->verbose);
      print_tap (tap->str);
      echo_failure (test);
      tally_test_free (test);
    }

  g_mutex_lock (&watchdog.lock);
  watchdog.stop = TRUE;
  g_cond_signal (&watchdog.cond);
  g_mutex_unlock (&watchdog.lock);
  g_thread_join (watchdog_thread);
  close (watchdog.tap_fd);
  g_clear_pointer (&watchdog.tap_line, g_free);

  tally_worker_fixtures_set_notify (on_fixture_event);
  tally_worker_fixtures_shutdown ();
  tally_worker_fixtures_set_notify (NULL);
  failures += teardown_failed;

  if (!opts->quiet)
    {
      printf ("# %u passed, %u failed", counts[TALLY_OUTCOME_PASSED], failures);
      for (guint o = 0; o < TALLY_N_OUTCOMES; o++)
        if (counts[o] && o != TALLY_OUTCOME_PASSED && !tally_outcome_is_failure (o))
          printf (", %u %s", counts[o], tally_outcome_to_string (o));
      printf ("\n");
    }

  return failures > 0 ? 1 : 0;
}
