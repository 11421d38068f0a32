/* Crash forensics for real: workers that die of every fatal signal GLib
 * code meets, their symbolized backtraces checked against the function
 * names and line numbers of tests/samples/sample-fatal.c, the fatal
 * message and the evidence (log records, stderr) stored with them, and
 * standalone mode's report of the same ends. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "tally-store-private.h"
#include "tally-test-util.h"

/* The line of @sample's source that carries the comment "LINE:@tag". */
static int
source_line (const char *sample,
             const char *tag)
{
  g_autofree char *name = g_strconcat (sample, ".c", NULL);
  g_autofree char *source = g_build_filename (g_getenv ("TALLY_SRCDIR"), "tests", "samples",
                                              name, NULL);
  g_autofree char *text = NULL;
  g_autofree char *marker = g_strdup_printf ("/* LINE:%s */", tag);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (source, &text, NULL, &error);
  tally_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], marker) != NULL)
      return i + 1;
  tally_fail ("no %s in %s", marker, source);
  return 0;
}

static int
sample_line (const char *tag)
{
  return source_line ("sample-fatal", tag);
}

static TallyRun *
run_fatal (TallyTest          *t,
           const char * const *envp,
           const char         *db,
           const char         *keyword)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-fatal");

  return tally_util_run (t, envp, tally, "run", "-n", "1", "--json", "--db", db,
                         "-k", keyword, program, NULL);
}

static void
assert_frame_in (const char *message,
                 const char *source,
                 const char *function,
                 int         line)
{
  g_autofree char *frame = g_strdup_printf (" %s at ", function);
  g_autofree char *where = g_strdup_printf ("%s:%d ", source, line);
  const char *found = strstr (message, frame);
  const char *end;

  if (found == NULL)
    tally_fail ("no frame of %s in:\n%s", function, message);
  end = strchr (found, '\n');
  if (end == NULL)
    end = found + strlen (found);
  if (g_strstr_len (found, end - found, where) == NULL)
    tally_fail ("the frame of %s is not at %s:\n%s", function, where, message);
}

static void
assert_frame (const char *message,
              const char *function,
              int         line)
{
  assert_frame_in (message, "sample-fatal.c", function, line);
}

/* A plain GTest binary (no Tally inside) gets its backtrace too: tally
 * run preloads libtally-1's crash report into it. */
static void
test_backtrace_gtest (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("gtest-fatal");
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "-n", "1", "--json", "--no-db",
                                            program, NULL);
  const char *message = tally_util_member_str (run, "/gtest-fatal/segv", "message");

  tally_assert_cmpstr (tally_util_outcome (run, "/gtest-fatal/a-ok"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/gtest-fatal/z-ok"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/gtest-fatal/segv"), ==, "crashed");
  tally_assert_cmpint (tally_util_member_int (run, "/gtest-fatal/segv", "signal"), ==, SIGSEGV);
#if defined(__SANITIZE_ADDRESS__)
  /* Sanitizer builds preload nothing (see tally_crash_preload_library()):
   * the signal is all there is. */
  tally_assert_nonnull (strstr (message, "signal 11"));
#else
  tally_assert_nonnull (strstr (message, "SEGV_MAPERR"));
  assert_frame_in (message, "gtest-fatal.c", "gtest_fatal_deref", source_line ("gtest-fatal", "gtest-deref"));
  assert_frame_in (message, "gtest-fatal.c", "test_segv", source_line ("gtest-fatal", "gtest-deref-call"));
  tally_assert_nonnull (strstr (message, " g_test_run "));
#endif

  /* g_error in a GTest binary: failed with its message (GLib's Bail out!),
   * then the signal and the backtrace. */
  message = tally_util_member_str (run, "/gtest-fatal/g-error", "message");
  tally_assert_cmpstr (tally_util_outcome (run, "/gtest-fatal/g-error"), ==, "failed");
  tally_assert_true (g_str_has_prefix (message, "FATAL-ERROR: gtest fire: 452"));
#if !defined(__SANITIZE_ADDRESS__)
  tally_assert_nonnull (strstr (message, "SIGTRAP"));
  assert_frame_in (message, "gtest-fatal.c", "test_g_error", source_line ("gtest-fatal", "gtest-g_error"));
  tally_assert_cmpint (tally_util_member_int (run, "/gtest-fatal/g-error", "line"), ==,
                       source_line ("gtest-fatal", "gtest-g_error"));
#endif
}

/* A SIGSEGV three frames down: every frame named, with file:line, from
 * the faulting line outwards, none of Tally's crash handling. */
static void
test_backtrace_symbolized (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = run_fatal (t, NULL, db, "segv");
  const char *message = tally_util_member_str (run, "/fatal/segv", "message");
  const char *first;

  tally_assert_cmpstr (tally_util_outcome (run, "/fatal/segv"), ==, "crashed");
  tally_assert_cmpint (tally_util_member_int (run, "/fatal/segv", "signal"), ==, SIGSEGV);
  tally_assert_nonnull (strstr (message, "SIGSEGV (Segmentation fault), SEGV_MAPERR"));
  tally_assert_nonnull (strstr (message, "at address 0x0\n"));

  first = strstr (message, "#0  ");
  tally_assert_nonnull (first);
  tally_assert_true (g_str_has_prefix (first, "#0  sample_fatal_deref at "));
  assert_frame (message, "sample_fatal_deref", sample_line ("deref"));
  assert_frame (message, "test_segv", sample_line ("deref-call"));
  tally_assert_nonnull (strstr (message, " main at "));
  tally_assert_null (strstr (message, "on_fatal_signal"));
  tally_assert_null (strstr (message, "send_crash"));
}

/* The stored result carries the backtrace: `tally show` prints it. */
static void
test_backtrace_stored (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = run_fatal (t, NULL, db, "segv");
  g_autofree char *tally = tally_util_tally_bin ();
  g_autoptr(TallyRun) show = tally_util_run (t, NULL, tally, "show", "--db", db, NULL);
  g_autofree char *frame = g_strdup_printf ("test_segv at ../tests/samples/sample-fatal.c:%d",
                                            sample_line ("deref-call"));

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_nonnull (strstr (show->out, frame));
}

typedef struct
{
  const char *path;
  const char *outcome;
  int signum;
  const char *message;      /* the start of the result's message */
  const char *detail;       /* somewhere in it */
} FatalEnd;

static const FatalEnd fatal_ends[] = {
  { "/fatal/g-error", "crashed", SIGTRAP, "the disk is on fire: 451\n", "fatal error from SampleFatal" },
  { "/fatal/g-assert", "failed", SIGABRT, "assertion failed (answer == 42)", "SIGABRT" },
  { "/fatal/critical", "crashed", SIGTRAP, "a fatal critical: boom\n", "fatal critical" },
  { "/fatal/warning", "crashed", SIGTRAP, "a fatal warning: boom\n", "fatal warning" },
  { "/fatal/sigtrap", "crashed", SIGTRAP, "the worker died of SIGTRAP", "SI_TKILL" },
  { "/fatal/sigill", "crashed", SIGILL, "the worker died of SIGILL", "SI_TKILL" },
  { "/fatal/sigsys", "crashed", SIGSYS, "the worker died of SIGSYS", "SI_TKILL" },
  { "/fatal/sigfpe", "crashed", SIGFPE, "the worker died of SIGFPE", "FPE_INTDIV" },
  { "/fatal/sigbus", "crashed", SIGBUS, "the worker died of SIGBUS", "BUS_ADRERR" },
};

/* Every fatal end keeps the test's log records, its stderr and its
 * message, and says which signal. */
static void
test_fatal_ends_keep_evidence (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = run_fatal (t, NULL, db, "not plain-critical and not inlined");
  g_autoptr(TallyStore) store = NULL;
  g_autoptr(GError) error = NULL;

  tally_assert_cmpstr (tally_util_outcome (run, "/fatal/ok"), ==, "passed");
  store = tally_store_open_readonly (db, &error);
  tally_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (fatal_ends); i++)
    {
      const FatalEnd *end = &fatal_ends[i];
      const char *message = tally_util_member_str (run, end->path, "message");
      g_autoptr(GPtrArray) logs = tally_util_stored_logs (store, run, end->path);

      tally_assert_cmpstr (tally_util_outcome (run, end->path), ==, end->outcome);
      tally_assert_cmpint (tally_util_member_int (run, end->path, "signal"), ==, end->signum);
      if (!g_str_has_prefix (message, end->message))
        tally_fail ("%s: the message does not start with \"%s\":\n%s", end->path, end->message, message);
      tally_assert_nonnull (strstr (message, end->detail));
      tally_assert_nonnull (strstr (message, "backtrace:\n#0  "));
      tally_assert_cmpuint (logs->len, >=, 1);
      tally_assert_true (g_str_has_prefix (((TallyLogRecord *) g_ptr_array_index (logs, 0))->message, "before")
                         || g_str_has_prefix (((TallyLogRecord *) g_ptr_array_index (logs, 0))->message, "raising")
                         || g_str_has_prefix (((TallyLogRecord *) g_ptr_array_index (logs, 0))->message, "dividing")
                         || g_str_has_prefix (((TallyLogRecord *) g_ptr_array_index (logs, 0))->message, "touching"));
    }

  /* g_error's own stderr, written before it, is stored with it. */
  {
    g_autoptr(GBytes) err = tally_store_get_output (store, tally_util_member_int (run, "/fatal/g-error", "result_id"),
                                                    TALLY_STREAM_STDERR, &error);
    tally_assert_no_error (error);
    tally_assert_nonnull (err);
    tally_assert_nonnull (g_strstr_len (g_bytes_get_data (err, NULL), g_bytes_get_size (err),
                                        "g_error last words"));
  }
}

/* The line of the crash itself, for a fault in the test's own code. */
static void
test_fatal_line_numbers (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = run_fatal (t, NULL, db, "g-error or sigfpe or inlined");
  const char *inlined = tally_util_member_str (run, "/fatal/inlined", "message");

  /* An inlined function is a frame of its own, as in gdb. */
  tally_assert_true (g_str_has_prefix (strstr (inlined, "#0  "), "#0  sample_fatal_inlined at "));
  assert_frame (inlined, "sample_fatal_inlined", sample_line ("inlined"));
  assert_frame (inlined, "test_inlined", sample_line ("inlined-call"));
  assert_frame (tally_util_member_str (run, "/fatal/g-error", "message"), "test_g_error", sample_line ("g_error"));
  /* The result is placed where the crash happened in the test's code. */
  tally_assert_cmpint (tally_util_member_int (run, "/fatal/g-error", "line"), ==, sample_line ("g_error"));
  tally_assert_nonnull (strstr (tally_util_member_str (run, "/fatal/g-error", "file"), "sample-fatal.c"));
  tally_assert_cmpint (tally_util_member_int (run, "/fatal/sigfpe", "line"), ==, sample_line ("fpe"));
  assert_frame (tally_util_member_str (run, "/fatal/sigfpe", "message"), "test_fpe", sample_line ("fpe"));
}

/* G_DEBUG=fatal-criticals turns a critical into the test's fatal end. */
static void
test_fatal_criticals_env (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autofree char *db2 = g_strconcat (db, "-2", NULL);
  const char *fatal_env[] = { "G_DEBUG=fatal-criticals", NULL };
  const char *plain_env[] = { "G_DEBUG=", NULL };
  g_autoptr(TallyRun) fatal = run_fatal (t, fatal_env, db, "plain-critical");
  g_autoptr(TallyRun) plain = run_fatal (t, plain_env, db2, "plain-critical");

  tally_assert_cmpstr (tally_util_outcome (fatal, "/fatal/plain-critical"), ==, "crashed");
  tally_assert_true (g_str_has_prefix (tally_util_member_str (fatal, "/fatal/plain-critical", "message"),
                                       "a plain critical: 7\n"));
  tally_assert_cmpstr (tally_util_outcome (plain, "/fatal/plain-critical"), ==, "failed");
}

/* Standalone: `not ok` with the fatal message, then the log and stderr. */
static void
test_standalone_fatal_message (TallyTest *t, gconstpointer data)
{
  g_autofree char *program = tally_util_sample ("sample-fatal");
  g_autoptr(TallyRun) g_error_run = tally_util_run (t, NULL, program, "-p", "/fatal/g-error", NULL);
  g_autoptr(TallyRun) bus_run = tally_util_run (t, NULL, program, "-p", "/fatal/sigbus", NULL);
  g_autoptr(TallyRun) sys_run = tally_util_run (t, NULL, program, "-p", "/fatal/sigsys", NULL);

  tally_assert_nonnull (strstr (g_error_run->out, "not ok 1 /fatal/g-error # crashed: the disk is on fire: 451 "
                                                   "(fatal error; SIGTRAP (Trace/breakpoint trap))\n"));
  tally_assert_nonnull (strstr (g_error_run->out, "#   error    SampleFatal: the disk is on fire: 451\n"));
  tally_assert_nonnull (strstr (g_error_run->out, "#   g_error last words\n"));
  tally_assert_nonnull (strstr (g_error_run->out, "Bail out! /fatal/g-error crashed\n"));
  tally_assert_nonnull (strstr (bus_run->out, "not ok 1 /fatal/sigbus # crashed: the process died of SIGBUS (Bus error)\n"));
  tally_assert_nonnull (strstr (sys_run->out, "not ok 1 /fatal/sigsys # crashed: the process died of SIGSYS (Bad system call)\n"));
}

/* `tally show` prints, for each failure, the command that reruns it
 * alone; running that command reruns exactly that test. */
static void
test_show_rerun_line (TallyTest *t, gconstpointer data)
{
  g_autofree char *db = tally_util_db_path (t);
  g_autoptr(TallyRun) run = run_fatal (t, NULL, db, "sigill");
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-fatal");
  g_autoptr(TallyRun) show = tally_util_run (t, NULL, tally, "show", "--db", db, NULL);
  g_autofree char *expected = g_strdup_printf ("  rerun alone: %s -p /fatal/sigill\n", program);
  g_autoptr(TallyRun) rerun = NULL;

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_nonnull (strstr (show->out, expected));
  rerun = tally_util_run (t, NULL, program, "-p", "/fatal/sigill", NULL);
  tally_assert_nonnull (strstr (rerun->out, "1..1\nnot ok 1 /fatal/sigill # crashed: the process died of SIGILL"));
}

/* `tally debug PROGRAM::PATH` runs that test alone under gdb, stopped
 * at the crash: gdb's backtrace shows the faulting line. */
static void
test_debug_under_gdb (TallyTest *t, gconstpointer data)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-fatal");
  g_autofree char *target = g_strconcat (program, "::/fatal/segv", NULL);
  g_autofree char *gdb = g_find_program_in_path ("gdb");
  g_autofree char *frame = g_strdup_printf ("sample-fatal.c:%d", sample_line ("deref"));
  g_autoptr(TallyRun) printed = tally_util_run (t, NULL, tally, "debug", "--print", target, NULL);
  g_autoptr(TallyRun) run = NULL;
  g_autofree char *expected = g_strdup_printf ("gdb -q -ex run --args %s -p /fatal/segv\n", program);

  tally_assert_cmpstr (printed->out, ==, expected);
  if (gdb == NULL)
    tally_test_skip (t, "gdb is not installed");
  run = tally_util_run (t, NULL, tally, "debug", "--batch", target, NULL);
  tally_assert_nonnull (strstr (run->out, "SIGSEGV"));
  tally_assert_nonnull (strstr (run->out, "sample_fatal_deref"));
  tally_assert_nonnull (strstr (run->out, frame));
  /* Only that test ran. */
  tally_assert_nonnull (strstr (run->out, "1..1\n"));
}

static void
register_tests (void)
{
  tally_add ("/forensics/backtrace/symbolized", test_backtrace_symbolized, NULL);
  tally_add ("/forensics/backtrace/stored", test_backtrace_stored, NULL);
  tally_add ("/forensics/backtrace/gtest", test_backtrace_gtest, NULL);
  tally_add ("/forensics/fatal/keep-evidence", test_fatal_ends_keep_evidence, NULL);
  tally_add ("/forensics/fatal/line-numbers", test_fatal_line_numbers, NULL);
  tally_add ("/forensics/fatal/criticals-env", test_fatal_criticals_env, NULL);
  tally_add ("/forensics/fatal/standalone", test_standalone_fatal_message, NULL);
  tally_add ("/forensics/show/rerun-line", test_show_rerun_line, NULL);
  tally_add ("/forensics/debug/gdb", test_debug_under_gdb, "timeout=60");
}

TALLY_MAIN (register_tests)
