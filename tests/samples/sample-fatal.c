/* Every way GLib code ends a process: each test dies of its own fatal
 * signal. tests/test-forensics.c checks the function names and line
 * numbers of the backtraces Tally reports, so keep the lines marked
 * "LINE:" where they are (the test looks them up by the marker). */
#define G_LOG_DOMAIN "SampleFatal"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include <tally.h>

static int * volatile nowhere;

/* In sanitizer builds (CI), UBSan would turn the faults below into an
 * abort of its own: they must stay real SIGSEGV and SIGFPE. */
#define REAL_FAULT __attribute__((no_sanitize ("address", "undefined")))

/* Not inlined, not static-folded: the backtrace must show it. */
static REAL_FAULT __attribute__((noinline)) void
sample_fatal_deref (int depth)
{
  if (depth > 0)
    {
      sample_fatal_deref (depth - 1);
      return;
    }
  *nowhere = 42;   /* LINE:deref */
}

/* Inlined even at -O0: the backtrace must still name it. */
static inline REAL_FAULT __attribute__((always_inline)) void
sample_fatal_inlined (void)
{
  *nowhere = 43;   /* LINE:inlined */
}

static REAL_FAULT void
test_inlined (TallyTest *t, gconstpointer data)
{
  g_message ("before the inlined fault");
  sample_fatal_inlined ();   /* LINE:inlined-call */
}

static void
test_segv (TallyTest *t, gconstpointer data)
{
  g_message ("before the fault");
  fprintf (stderr, "segv last words\n");
  sample_fatal_deref (2);   /* LINE:deref-call */
}

static void
test_g_error (TallyTest *t, gconstpointer data)
{
  g_message ("before g_error");
  fprintf (stderr, "g_error last words\n");
  g_error ("the disk is on fire: %d", 451);   /* LINE:g_error */
}

static void
test_g_assert (TallyTest *t, gconstpointer data)
{
  int answer = 41;

  g_message ("before g_assert");
  g_assert_cmpint (answer, ==, 42);
}

static void
test_critical (TallyTest *t, gconstpointer data)
{
  g_message ("before the critical");
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_critical ("a fatal critical: %s", "boom");
}

static void
test_warning (TallyTest *t, gconstpointer data)
{
  g_message ("before the warning");
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_warning ("a fatal warning: %s", "boom");
}

/* Fatal only under G_DEBUG=fatal-criticals; otherwise a failure. */
static void
test_plain_critical (TallyTest *t, gconstpointer data)
{
  g_message ("before a plain critical");
  g_critical ("a plain critical: %d", 7);
}

static void
test_raise (TallyTest *t, gconstpointer data)
{
  int signum = GPOINTER_TO_INT (data);

  g_message ("raising %d", signum);
  raise (signum);
}

static REAL_FAULT void
test_fpe (TallyTest *t, gconstpointer data)
{
  volatile int zero = 0, seven = 7;
  volatile int x;

  g_message ("dividing by zero");
  x = seven / zero;   /* LINE:fpe */
  (void) x;
}

static void
test_bus (TallyTest *t, gconstpointer data)
{
  g_autofree char *path = g_build_filename (tally_test_get_tmpdir (t), "empty", NULL);
  int fd = open (path, O_RDWR | O_CREAT, 0600);
  volatile char *map;

  tally_assert_cmpint (fd, >=, 0);
  /* A mapping past the end of an empty file: touching it is SIGBUS. */
  map = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  tally_assert (map != MAP_FAILED);
  g_message ("touching a page past the end of a file");
  map[0] = 1;
}

static void
test_ok (TallyTest *t, gconstpointer data)
{
  tally_assert_true (TRUE);
}

static void
register_tests (void)
{
  tally_add ("/fatal/segv", test_segv, NULL);
  tally_add ("/fatal/inlined", test_inlined, NULL);
  tally_add ("/fatal/g-error", test_g_error, NULL);
  tally_add ("/fatal/g-assert", test_g_assert, NULL);
  tally_add ("/fatal/critical", test_critical, NULL);
  tally_add ("/fatal/warning", test_warning, NULL);
  tally_add_data ("/fatal/sigtrap", test_raise, GINT_TO_POINTER (SIGTRAP), NULL);
  tally_add_data ("/fatal/sigill", test_raise, GINT_TO_POINTER (SIGILL), NULL);
  tally_add_data ("/fatal/sigsys", test_raise, GINT_TO_POINTER (SIGSYS), NULL);
  tally_add ("/fatal/sigfpe", test_fpe, NULL);
  tally_add ("/fatal/sigbus", test_bus, NULL);
  tally_add ("/fatal/plain-critical", test_plain_critical, NULL);
  tally_add ("/fatal/ok", test_ok, NULL);
}

TALLY_MAIN (register_tests)
