/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tally-assert.h"
#include "tally-caplog.h"
#include "tally-executor-private.h"
#include "tally-gtest.h"
#include "tally-gtest-private.h"
#include "tally-main.h"
#include "tally-registry.h"
#include "tally-test-private.h"

/* GTest calls inside Tally tests. tally-gtest.h maps the GTest API onto
 * these functions, in the files that include <tally.h>. GLib keeps its
 * GTest state (the current test's result, its message, its GRand) in
 * static variables that only g_test_run() resets, which a Tally program
 * never calls; so the state lives here, per Tally test. GLib's
 * g_test_init() is still called once, with a command line of our own, so
 * that g_test_initialized() holds and the GTest functions left to GLib
 * (g_test_build_filename(), g_test_get_dir(), …) work, with
 * G_TEST_SRCDIR and G_TEST_BUILDDIR as under GTest. */

#define GTEST_DOMAIN "GTest"

static gboolean in_subprocess;
static char *seed;               /* --seed=SEED or TALLY_SEED, else random */
static const char *argv0;
static char *initial_cwd;
static char *bug_base;

/* Removes argv[i], keeping the array NULL-terminated. */
static void
remove_arg (int   *argc,
            char **argv,
            int    i)
{
  for (int j = i; j < *argc; j++)
    argv[j] = argv[j + 1];
  (*argc)--;
}

static void
take_gtest_options (int    *argc,
                    char ***argv)
{
  char **args = *argv;

  for (int i = 1; i < *argc;)
    {
      if (g_strcmp0 (args[i], "--GTestSubprocess") == 0)
        {
          in_subprocess = TRUE;
          remove_arg (argc, args, i);
        }
      else if (g_str_has_prefix (args[i], "--seed="))
        {
          g_free (seed);
          seed = g_strdup (args[i] + strlen ("--seed="));
          remove_arg (argc, args, i);
        }
      else if (g_strcmp0 (args[i], "--seed") == 0 && i + 1 < *argc)
        {
          g_free (seed);
          seed = g_strdup (args[i + 1]);
          remove_arg (argc, args, i);
          remove_arg (argc, args, i);
        }
      else
        i++;
    }
}

void
tally_gtest_setup (int    *argc,
                   char ***argv)
{
  static char *fake_argv[6];
  static char log_fd_arg[32];
  char **fake = fake_argv;
  int fake_argc = 0;
  GLogLevelFlags fatal;
  int null_fd;

  take_gtest_options (argc, argv);
  if (seed == NULL && g_getenv ("TALLY_SEED") != NULL && *g_getenv ("TALLY_SEED") != '\0')
    seed = g_strdup (g_getenv ("TALLY_SEED"));
  if (seed == NULL)
    seed = g_strdup_printf ("R02S%08x%08x%08x%08x", g_random_int (), g_random_int (),
                            g_random_int (), g_random_int ());

  argv0 = (*argc > 0) ? (*argv)[0] : "test";
  initial_cwd = g_get_current_dir ();

  if (g_test_initialized ())
    return;

  /* GLib's GTest output (its TAP lines, "# random seed") must not reach
   * our stdout: a log fd turns TAP off, and /dev/null swallows it. */
  null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  g_snprintf (log_fd_arg, sizeof log_fd_arg, "--GTestLogFD=%d", null_fd);
  fake_argv[fake_argc++] = (char *) argv0;
  fake_argv[fake_argc++] = (char *) "-q";
  if (null_fd >= 0)
    fake_argv[fake_argc++] = log_fd_arg;
  if (in_subprocess)
    fake_argv[fake_argc++] = (char *) "--GTestSubprocess";
  fake_argv[fake_argc] = NULL;

  /* g_test_init() makes warnings and criticals fatal and installs its own
   * default log handler: Tally's caplog decides about both, so undo it. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_always_fatal (fatal);
  g_test_init (&fake_argc, &fake, NULL);
  g_log_set_always_fatal (fatal);
  g_log_set_default_handler (g_log_default_handler, NULL);
}

gboolean
tally_gtest_in_subprocess (void)
{
  return in_subprocess;
}

const char *
tally_gtest_get_argv0 (void)
{
  return argv0;
}

const char *
tally_gtest_get_initial_cwd (void)
{
  return initial_cwd;
}

/* Called by the executor as the test ends. */
void
tally_gtest_end_test (TallyTest *test)
{
  g_clear_pointer (&test->rand, g_rand_free);
  tally_gtest_trap_clear ();
}

static TallyTest *
require_test (const char *what)
{
  TallyTest *test = tally_test_get_current ();

  if (test == NULL)
    g_critical ("%s called outside a Tally test", what);
  return test;
}

/* Registration ---------------------------------------------------------- */

typedef struct
{
  GTestFunc func;
  GTestDataFunc data_func;
  GTestFixtureFunc setup;
  GTestFixtureFunc body;
  GTestFixtureFunc teardown;
  gconstpointer data;
} GTestCall;

static void
call_body (TallyTest     *t,
           gconstpointer  data)
{
  const GTestCall *call = data;

  if (call->func != NULL)
    call->func ();
  else
    call->data_func (call->data);
}

static void
call_fixture_setup (TallyTest     *t,
                    gpointer       fixture,
                    gconstpointer  data)
{
  const GTestCall *call = data;

  if (call->setup != NULL)
    call->setup (fixture, call->data);
}

static void
call_fixture_body (TallyTest     *t,
                   gpointer       fixture,
                   gconstpointer  data)
{
  const GTestCall *call = data;

  call->body (fixture, call->data);
}

static void
call_fixture_teardown (TallyTest     *t,
                       gpointer       fixture,
                       gconstpointer  data)
{
  const GTestCall *call = data;

  if (call->teardown != NULL)
    call->teardown (fixture, call->data);
}

/* GTest runs a path with a "/subprocess" component only when -p names
 * it (it is the body of a g_test_trap_subprocess() call): Tally skips it
 * in a normal run likewise. */
static const char *
gtest_markers (const char *path)
{
  if (!in_subprocess && strstr (path, "/subprocess") != NULL)
    return "skip=\"runs only as a child of g_test_trap_subprocess()\"";
  return NULL;
}

/* The call descriptions live as long as the registry: the process. */
static GTestCall *
new_call (void)
{
  return g_new0 (GTestCall, 1);
}

/**
 * tally_gtest_init:
 * @argc: address of main()'s argc
 * @argv: address of main()'s argv
 * @...: GTest's options (%NULL-terminated); ignored
 *
 * g_test_init() in a file that includes <tally.h>: tally_init().
 */
void
tally_gtest_init (int    *argc,
                  char ***argv,
                  ...)
{
  tally_init (argc, argv);
}

/**
 * tally_gtest_add_func:
 * @path: the test path
 * @func: (scope forever): the test
 *
 * g_test_add_func() in a file that includes <tally.h>: registers a Tally
 * test that calls @func.
 */
void
tally_gtest_add_func (const char *path,
                      GTestFunc   func)
{
  GTestCall *call = new_call ();

  call->func = func;
  tally_add_func_full (path, call_body, call, gtest_markers (path), NULL, 0);
}

/**
 * tally_gtest_add_data_func:
 * @path: the test path
 * @data: the data @func gets
 * @func: (scope forever): the test
 *
 * g_test_add_data_func() in a file that includes <tally.h>.
 */
void
tally_gtest_add_data_func (const char    *path,
                           gconstpointer  data,
                           GTestDataFunc  func)
{
  GTestCall *call = new_call ();

  call->data_func = func;
  call->data = data;
  tally_add_func_full (path, call_body, call, gtest_markers (path), NULL, 0);
}

/**
 * tally_gtest_add_data_func_full:
 * @path: the test path
 * @data: the data @func gets
 * @func: (scope forever): the test
 * @data_free: (nullable): ignored: the data lives as long as the process
 *
 * g_test_add_data_func_full() in a file that includes <tally.h>.
 */
void
tally_gtest_add_data_func_full (const char     *path,
                                gpointer        data,
                                GTestDataFunc   func,
                                GDestroyNotify  data_free)
{
  tally_gtest_add_data_func (path, data, func);
}

/**
 * tally_gtest_add_vtable:
 * @path: the test path
 * @data_size: the fixture's size
 * @test_data: the data the functions get
 * @data_setup: (nullable) (scope forever): the setup
 * @data_test: (scope forever): the test
 * @data_teardown: (nullable) (scope forever): the teardown
 *
 * What g_test_add() calls, in a file that includes <tally.h>: registers a
 * Tally test with a fixture.
 */
void
tally_gtest_add_vtable (const char       *path,
                        gsize             data_size,
                        gconstpointer     test_data,
                        GTestFixtureFunc  data_setup,
                        GTestFixtureFunc  data_test,
                        GTestFixtureFunc  data_teardown)
{
  GTestCall *call = new_call ();

  call->setup = data_setup;
  call->body = data_test;
  call->teardown = data_teardown;
  call->data = test_data;
  /* A fixture of size 0 is the test data itself under GTest. */
  if (data_size == 0)
    call->data = test_data;
  tally_add_full (path, data_size, call, call_fixture_setup, call_fixture_body,
                  call_fixture_teardown, gtest_markers (path), NULL, 0);
}

/* Outcomes --------------------------------------------------------------- */

/**
 * tally_gtest_fail:
 * @file: the calling file
 * @line: the calling line
 *
 * g_test_fail(): marks the running test failed; it goes on, as under
 * GTest.
 */
void
tally_gtest_fail (const char *file,
                  int         line)
{
  TallyTest *test = require_test ("g_test_fail()");

  if (test != NULL)
    tally_test_set_failure (test, TALLY_OUTCOME_FAILED, file, line, "g_test_fail() was called");
}

/**
 * tally_gtest_fail_printf:
 * @file: the calling file
 * @line: the calling line
 * @format: the message's printf() format
 * @...: its arguments
 *
 * g_test_fail_printf(): marks the running test failed with a message.
 */
void
tally_gtest_fail_printf (const char *file,
                         int         line,
                         const char *format,
                         ...)
{
  TallyTest *test = require_test ("g_test_fail_printf()");
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (test != NULL)
    tally_test_set_failure (test, TALLY_OUTCOME_FAILED, file, line, message);
}

static void
end_as (TallyOutcome  outcome,
        const char   *what,
        const char   *message)
{
  TallyTest *test = require_test (what);

  if (test != NULL)
    tally_test_set_failure (test, outcome, NULL, 0, message ? message : "");
}

/**
 * tally_gtest_skip:
 * @msg: (nullable): why
 *
 * g_test_skip(): marks the running test skipped; it goes on, as under
 * GTest (return from it).
 */
void
tally_gtest_skip (const char *msg)
{
  end_as (TALLY_OUTCOME_SKIPPED, "g_test_skip()", msg);
}

/**
 * tally_gtest_skip_printf:
 * @format: why, as a printf() format
 * @...: its arguments
 *
 * g_test_skip_printf().
 */
void
tally_gtest_skip_printf (const char *format,
                         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  end_as (TALLY_OUTCOME_SKIPPED, "g_test_skip_printf()", message);
}

/**
 * tally_gtest_incomplete:
 * @msg: (nullable): what is missing
 *
 * g_test_incomplete(): GTest reports such a test as `not ok # TODO`, an
 * expected failure; in Tally it is `xfailed` with the message.
 */
void
tally_gtest_incomplete (const char *msg)
{
  g_autofree char *message = g_strdup_printf ("incomplete: %s", msg ? msg : "");

  end_as (TALLY_OUTCOME_XFAILED, "g_test_incomplete()", message);
}

/**
 * tally_gtest_incomplete_printf:
 * @format: what is missing, as a printf() format
 * @...: its arguments
 *
 * g_test_incomplete_printf().
 */
void
tally_gtest_incomplete_printf (const char *format,
                               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  tally_gtest_incomplete (message);
}

/**
 * tally_gtest_failed:
 *
 * g_test_failed(): whether the running test has failed, or was skipped
 * or marked incomplete, as GTest counts it.
 *
 * Returns: %TRUE if the running test is no longer passing
 */
gboolean
tally_gtest_failed (void)
{
  TallyTest *test = tally_test_get_current ();

  return test != NULL && test->outcome != TALLY_OUTCOME_PASSED;
}

/* Messages and metadata -------------------------------------------------- */

/* A record in the "GTest" domain; TALLY_GTEST says which call made it. */
static void
log_gtest (const char *kind,
           const char *message)
{
  const GLogField fields[] = {
    { "GLIB_DOMAIN", GTEST_DOMAIN, -1 },
    { "MESSAGE", message, -1 },
    { "TALLY_GTEST", kind, -1 },
  };

  g_log_structured_array (G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS (fields));
}

/**
 * tally_gtest_message:
 * @format: a printf() format
 * @...: its arguments
 *
 * g_test_message(): an INFO record in the `GTest` domain of the running
 * test's log.
 */
void
tally_gtest_message (const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  log_gtest ("message", message);
}

/**
 * tally_gtest_bug_base:
 * @uri_pattern: the base of bug URIs, `%s` where the id goes
 *
 * g_test_bug_base().
 */
void
tally_gtest_bug_base (const char *uri_pattern)
{
  g_free (bug_base);
  bug_base = g_strdup (uri_pattern);
}

/**
 * tally_gtest_bug:
 * @bug_uri_snippet: the bug's id or URI
 *
 * g_test_bug(): a `Bug Reference: URI` record in the `GTest` domain of
 * the test's log (field `TALLY_GTEST=bug`), shown by `tally show` and
 * the viewer with the test's log, and a `bug` property of the case in
 * JUnit reports.
 */
void
tally_gtest_bug (const char *bug_uri_snippet)
{
  g_autofree char *uri = NULL;
  g_autofree char *message = NULL;
  const char *at = bug_base ? strstr (bug_base, "%s") : NULL;

  if (at != NULL)
    uri = g_strdup_printf ("%.*s%s%s", (int) (at - bug_base), bug_base,
                           bug_uri_snippet, at + 2);
  else
    uri = g_strconcat (bug_base ? bug_base : "", bug_uri_snippet, NULL);

  message = g_strdup_printf ("Bug Reference: %s", uri);
  log_gtest ("bug", message);
}

/**
 * tally_gtest_summary:
 * @summary: what the test checks
 *
 * g_test_summary(): a `Summary: …` record in the `GTest` domain of the
 * test's log (field `TALLY_GTEST=summary`).
 */
void
tally_gtest_summary (const char *summary)
{
  g_autofree char *message = g_strdup_printf ("Summary: %s", summary);

  log_gtest ("summary", message);
}

/**
 * tally_gtest_get_path:
 *
 * g_test_get_path(): the running Tally test's path.
 *
 * Returns: the path, or "" between tests
 */
const char *
tally_gtest_get_path (void)
{
  TallyTest *test = tally_test_get_current ();

  return test ? tally_test_get_path (test) : "";
}

/**
 * tally_gtest_get_filename:
 * @file_type: %G_TEST_DIST or %G_TEST_BUILT
 * @first_path: the first component
 * @...: more components, %NULL-terminated
 *
 * g_test_get_filename(): like g_test_build_filename(), freed when the
 * running test ends.
 *
 * Returns: the path
 */
const char *
tally_gtest_get_filename (GTestFileType  file_type,
                          const char    *first_path,
                          ...)
{
  TallyTest *test = require_test ("g_test_get_filename()");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *part;
  char *path;
  va_list args;

  g_ptr_array_add (parts, (gpointer) g_test_get_dir (file_type));
  g_ptr_array_add (parts, (gpointer) first_path);
  va_start (args, first_path);
  while ((part = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  path = g_build_filenamev ((char **) parts->pdata);
  if (test != NULL)
    tally_test_add_cleanup (test, g_free, path);
  return path;
}

/**
 * tally_gtest_queue_destroy:
 * @destroy_func: what to call
 * @destroy_data: its argument
 *
 * g_test_queue_destroy(), g_test_queue_free() and g_test_queue_unref(): a
 * cleanup of the running test (tally_test_add_cleanup()).
 */
void
tally_gtest_queue_destroy (GDestroyNotify destroy_func,
                           gpointer       destroy_data)
{
  TallyTest *test = require_test ("g_test_queue_destroy()");

  if (test != NULL)
    tally_test_add_cleanup (test, destroy_func, destroy_data);
}

/* Random numbers ---------------------------------------------------------- */

/* Each test gets its own GRand, seeded from the run's seed and the test's
 * path: the numbers a test draws do not depend on which tests ran before
 * it in its worker, and the same seed gives the same numbers. */
static GRand *
test_rand (void)
{
  TallyTest *test = require_test ("g_test_rand_*()");
  guint32 words[2];

  if (test == NULL)
    return NULL;

  if (test->rand == NULL)
    {
      g_autofree char *note = g_strdup_printf ("g_test_rand: seed %s (rerun with "
                                               "--seed=%s or TALLY_SEED=%s)",
                                               seed, seed, seed);

      words[0] = g_str_hash (seed);
      words[1] = g_str_hash (tally_test_get_path (test));
      test->rand = g_rand_new_with_seed_array (words, G_N_ELEMENTS (words));
      log_gtest ("seed", note);
    }
  return test->rand;
}

/**
 * tally_gtest_rand_int:
 *
 * g_test_rand_int(), seeded per test.
 *
 * Returns: a random number
 */
gint32
tally_gtest_rand_int (void)
{
  GRand *rand = test_rand ();

  return rand ? (gint32) g_rand_int (rand) : 0;
}

/**
 * tally_gtest_rand_int_range:
 * @begin: the lowest value
 * @end: one past the highest value
 *
 * g_test_rand_int_range(), seeded per test.
 *
 * Returns: a random number in [@begin, @end)
 */
gint32
tally_gtest_rand_int_range (gint32 begin,
                            gint32 end)
{
  GRand *rand = test_rand ();

  return rand ? g_rand_int_range (rand, begin, end) : begin;
}

/**
 * tally_gtest_rand_double:
 *
 * g_test_rand_double(), seeded per test.
 *
 * Returns: a random number
 */
double
tally_gtest_rand_double (void)
{
  GRand *rand = test_rand ();

  return rand ? g_rand_double (rand) : 0;
}

/**
 * tally_gtest_rand_double_range:
 * @range_start: the lowest value
 * @range_end: the end of the range
 *
 * g_test_rand_double_range(), seeded per test.
 *
 * Returns: a random number in [@range_start, @range_end)
 */
double
tally_gtest_rand_double_range (double range_start,
                               double range_end)
{
  GRand *rand = test_rand ();

  return rand ? g_rand_double_range (rand, range_start, range_end) : range_start;
}

/* Expected messages --------------------------------------------------------- */

/**
 * tally_gtest_expect_message:
 * @log_domain: (nullable): the domain
 * @log_level: the level
 * @pattern: a glob on the message
 *
 * g_test_expect_message(): a caplog expectation of exactly one more
 * matching message (tally_test_expect_log_n()). The message is still
 * captured; it does not fail the test.
 */
void
tally_gtest_expect_message (const char     *log_domain,
                            GLogLevelFlags  log_level,
                            const char     *pattern)
{
  TallyTest *test = require_test ("g_test_expect_message()");

  if (test != NULL)
    tally_test_expect_log_n (test, log_domain, log_level, pattern, 1);
}

/**
 * tally_gtest_assert_expected_messages:
 * @domain: the caller's log domain
 * @file: the calling file
 * @line: the calling line
 * @func: the calling function
 *
 * g_test_assert_expected_messages(): fails the running test if an
 * expectation is not met yet, then forgets them all.
 */
void
tally_gtest_assert_expected_messages (const char *domain,
                                      const char *file,
                                      int         line,
                                      const char *func)
{
  TallyTest *test = require_test ("g_test_assert_expected_messages()");
  char *unmet;
  char buffer[1024];

  if (test == NULL || (unmet = tally_caplog_take_unmet (test)) == NULL)
    return;

  g_strlcpy (buffer, unmet, sizeof buffer);
  g_free (unmet);
  tally_assertion_failed (file, line, func, "%s", buffer);
}
