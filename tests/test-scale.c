/* test-scale.c — what keeps a million tests cheap: the listing's lines
 * read without json-glib, a registry and a runner whose memory per test
 * is small. Nothing here is timed; the memory checks compare a small and
 * a large program, so that what every process costs anyway cancels out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tally.h>

#include "tally-listing-line-private.h"
#include "tally-program-private.h"
#include "tally-test-util.h"
#include "tally-version.h"

#define SMALL_N 1000
#define LARGE_N 200000

/* ------------------------------------------------------------------ */
/* The listing line reader                                             */

static TallyListingLine *
line_new (void)
{
  TallyListingLine *line = g_new0 (TallyListingLine, 1);

  tally_listing_line_init (line);
  return line;
}

static void
line_free (TallyListingLine *line)
{
  tally_listing_line_clear (line);
  g_free (line);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyListingLine, line_free)

static gboolean
parse (TallyListingLine *line,
       const char       *text)
{
  return tally_listing_line_parse (line, text, strlen (text));
}

static void
test_line_reads_listing_shape (TallyTest *t, gconstpointer data)
{
  g_autoptr(TallyListingLine) line = line_new ();

  tally_assert_true (parse (line, "{\"path\":\"/a/b\",\"file\":\"../x.c\",\"line\":78,\"markers\":\"slow timeout=5\"}"));
  tally_assert_true (line->has_path && line->has_file && line->has_line && line->has_markers);
  tally_assert_cmpstr (line->path->str, ==, "/a/b");
  tally_assert_cmpstr (line->file->str, ==, "../x.c");
  tally_assert_cmpint (line->line, ==, 78);
  tally_assert_cmpstr (line->markers->str, ==, "slow timeout=5");

  /* Spaces, another order, an unknown scalar member, a negative line. */
  tally_assert_true (parse (line, " { \"line\" : -3 , \"extra\": true, \"other\": null,"
                                  " \"n\": 12, \"path\" : \"/c\" } "));
  tally_assert_true (line->has_path && line->has_line);
  tally_assert_false (line->has_file || line->has_markers);
  tally_assert_cmpstr (line->path->str, ==, "/c");
  tally_assert_cmpint (line->line, ==, -3);

  /* A member that is not a string counts as absent, as member_string()
   * has it for json-glib's lines. */
  tally_assert_true (parse (line, "{\"path\":\"/d\",\"file\":null}"));
  tally_assert_false (line->has_file);
  tally_assert_true (parse (line, "{}"));
  tally_assert_false (line->has_path);
}

static void
test_line_decodes_escapes (TallyTest *t, gconstpointer data)
{
  g_autoptr(TallyListingLine) line = line_new ();

  tally_assert_true (parse (line, "{\"path\":\"/\\\"q\\\"\\\\\\/\\n\\t\\u00e9\\ud83d\\ude00\"}"));
  tally_assert_cmpstr (line->path->str, ==, "/\"q\"\\/\n\t\xc3\xa9\xf0\x9f\x98\x80");
}

/* Whatever is not the listing's flat shape goes to json-glib. */
static void
test_line_hands_over_the_rest (TallyTest *t, gconstpointer data)
{
  static const char *const others[] = {
    "{\"path\":\"/a\",\"nested\":{\"x\":1}}",
    "{\"path\":\"/a\",\"list\":[1]}",
    "{\"path\":\"/a\",\"line\":12.5}",
    "{\"path\":\"/a\",\"line\":1e3}",
    "{\"path\":\"/a\",\"line\":\"12\"}",
    "{\"path\":\"/a\",\"line\":0123}",
    "{\"path\":\"/a\\u0000b\"}",
    "{\"path\":\"/a\\ud800\"}",
    "{\"path\":\"/a\\x\"}",
    "{\"path\":\"/a\xff\"}",
    "{\"path\":\"/a\tb\"}",
    "{\"path\":\"/a\"} trailing",
    "{\"path\":\"/a\",}",
    "{\"path\":\"/a\"",
    "[\"/a\"]",
    "",
  };
  g_autoptr(TallyListingLine) line = line_new ();

  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_test_message ("line: %s", others[i]);
      tally_assert_false (parse (line, others[i]));
    }
}

/* A listing whose lines go both ways gives the same tests. */
static void
test_listing_both_readers_agree (TallyTest *t, gconstpointer data)
{
  static const char listing_format[] =
    "{\"tally\":%d,\"tests\":3,\"markers\":[{\"name\":\"db\",\"description\":\"d\"}]}\n"
    "{\"path\":\"/fast\",\"file\":\"f.c\",\"line\":7,\"markers\":\"db timeout=3\"}\n"
    "{\"path\":\"/slow\",\"file\":\"f.c\",\"line\":9,\"markers\":\"db timeout=3\",\"x\":{\"y\":[1]}}\n"
    "{\"path\":\"/bad-line\",\"file\":\"g.c\",\"line\":2.5,\"markers\":\"\"}\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = g_strdup_printf (listing_format, TALLY_PROTOCOL_VERSION);
  g_autoptr(TallyProgram) program = tally_program_parse_listing ("prog", listing, strlen (listing), &error);
  TallyListedTest *fast, *slow, *bad;

  tally_assert_no_error (error);
  tally_assert_cmpuint (program->tests->len, ==, 3);
  fast = g_ptr_array_index (program->tests, 0);
  slow = g_ptr_array_index (program->tests, 1);
  bad = g_ptr_array_index (program->tests, 2);
  tally_assert_cmpstr (fast->path, ==, "/fast");
  tally_assert_cmpstr (slow->path, ==, "/slow");
  tally_assert_cmpstr (fast->file, ==, slow->file);
  tally_assert_cmpint (fast->line, ==, 7);
  tally_assert_cmpint (slow->line, ==, 9);
  tally_assert_cmpstr (tally_markers_lookup (fast->markers, "timeout"), ==, "3");
  tally_assert_cmpstr (tally_markers_lookup (slow->markers, "timeout"), ==, "3");
  tally_assert_cmpstr (bad->path, ==, "/bad-line");
  tally_assert_cmpint (bad->line, ==, 2);
  tally_assert_cmpuint (program->declared->len, ==, 1);
}

/* ------------------------------------------------------------------ */
/* Memory per test                                                     */

/* Runs @argv with SAMPLE_MANY_N=@n, its stdout to @out (or nowhere);
 * returns its peak RSS in kB (its own or a child's, whichever is
 * larger: wait4's). */
static glong
peak_rss_kb (TallyTest          *t,
             const char * const *argv,
             guint               n,
             const char         *out)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *count = g_strdup_printf ("%u", n);
  struct rusage usage = { 0 };
  int status = 0, fd = -1;
  GPid pid;

  envp = g_environ_setenv (envp, "SAMPLE_MANY_N", count, TRUE);
  if (out != NULL)
    {
      fd = open (out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      tally_assert_cmpint (fd, >=, 0);
    }
  g_spawn_async_with_fds (NULL, (char **) argv, envp,
                          G_SPAWN_DO_NOT_REAP_CHILD | (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL),
                          NULL, NULL, &pid, -1, fd, -1, &error);
  if (fd >= 0)
    close (fd);
  tally_assert_no_error (error);
  while (wait4 (pid, &status, 0, &usage) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (pid);
  tally_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return usage.ru_maxrss;
}

static void
skip_under_sanitizers (TallyTest *t)
{
#if defined(__SANITIZE_ADDRESS__)
  tally_test_skip (t, "AddressSanitizer's allocator changes what a test costs");
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
  tally_test_skip (t, "AddressSanitizer's allocator changes what a test costs");
# endif
#endif
  if (g_getenv ("TALLY_UNDER_VALGRIND") != NULL)
    tally_test_skip (t, "valgrind changes what a test costs");
}

/* The probe that lists and every worker register all the tests: a
 * million of them cost 330 MB in each before the registry kept compact
 * records (about 330 bytes a test; now about 55). */
static void
check_registry (TallyTest *t)
{
  g_autofree char *sample = tally_util_sample ("sample-many");
  g_autofree char *listing = g_build_filename (tally_test_get_tmpdir (t), "listing", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { sample, "--tally-list", NULL };
  glong small, large;
  double per_test;

  small = peak_rss_kb (t, argv, SMALL_N, NULL);
  large = peak_rss_kb (t, argv, LARGE_N, listing);
  per_test = (large - small) * 1024.0 / (LARGE_N - SMALL_N);
  g_test_message ("registry: %ld kB at %u tests, %ld kB at %u: %.0f bytes a test",
                  small, SMALL_N, large, LARGE_N, per_test);
  tally_assert_cmpfloat (per_test, <, 150);

  /* …and the listing is whole: a header and a line per test, the
   * escaped paths as registered. */
  tally_assert_true (g_file_get_contents (listing, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  tally_assert_cmpuint (g_strv_length (lines), ==, LARGE_N + 2);
  tally_assert_cmpstr (lines[LARGE_N + 1], ==, "");
  tally_assert_nonnull (strstr (lines[100], "\"path\":\"/many/0000/\\\"quoted\\\\000099\\\"\""));
  tally_assert_nonnull (strstr (lines[10], "\"markers\":\"slow timeout=5\""));
}

/* `tally list`: the runner keeps a listed test in about 80 bytes. */
static void
check_runner (TallyTest *t)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *sample = tally_util_sample ("sample-many");
  g_autofree char *out = g_build_filename (tally_test_get_tmpdir (t), "list", NULL);
  g_autofree char *contents = NULL;
  const char *argv[] = { tally, "list", "-m", "slow", sample, NULL };
  glong small, large;
  double per_test;

  small = peak_rss_kb (t, argv, SMALL_N, NULL);
  large = peak_rss_kb (t, argv, LARGE_N, out);
  per_test = (large - small) * 1024.0 / (LARGE_N - SMALL_N);
  g_test_message ("runner: %ld kB at %u tests, %ld kB at %u: %.0f bytes a test",
                  small, SMALL_N, large, LARGE_N, per_test);
  tally_assert_cmpfloat (per_test, <, 200);

  /* -m slow: every tenth test. */
  tally_assert_true (g_file_get_contents (out, &contents, NULL, NULL));
  tally_assert_nonnull (strstr (contents, "/many/0199/199989"));
  tally_assert_null (strstr (contents, "/many/0199/199988"));
}

/* The skip ends the test where it is: nothing allocated before it. */
static void
test_registry_small_per_test (TallyTest *t, gconstpointer data)
{
  skip_under_sanitizers (t);
  check_registry (t);
}

static void
test_runner_small_per_test (TallyTest *t, gconstpointer data)
{
  skip_under_sanitizers (t);
  check_runner (t);
}

static void
register_tests (void)
{
  tally_add ("/scale/listing-line/reads-the-listings-shape", test_line_reads_listing_shape, NULL);
  tally_add ("/scale/listing-line/decodes-escapes", test_line_decodes_escapes, NULL);
  tally_add ("/scale/listing-line/hands-over-the-rest", test_line_hands_over_the_rest, NULL);
  tally_add ("/scale/listing/both-readers-agree", test_listing_both_readers_agree, NULL);
  tally_add ("/scale/registry/small-per-test", test_registry_small_per_test, "timeout=120");
  tally_add ("/scale/runner/small-per-test", test_runner_small_per_test, "timeout=120");
}

TALLY_MAIN (register_tests)
