/* What someone adopting Tally meets first: the man pages (in step with
 * --help), the bash completion, the JUnit report CI servers read, and the
 * GTest → Tally migration example of docs/migrating.md. */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tally-test-util.h"

/* A path inside the source tree, from $TALLY_SRCDIR (set by meson). */
static char *
src_path (const char *relative)
{
  const char *srcdir = g_getenv ("TALLY_SRCDIR");

  if (srcdir == NULL)
    tally_fail ("TALLY_SRCDIR is not set; run through meson test or set it to the source directory");

  return g_build_filename (srcdir, relative, NULL);
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    tally_fail ("cannot read %s: %s", path, error->message);
  return contents;
}

/* Adds each "--long-option" found in @line to @set. */
static void
collect_long_options (const char *line,
                      GHashTable *set)
{
  for (const char *p = strstr (line, "--"); p != NULL; p = strstr (p, "--"))
    {
      const char *end = p + 2;

      while (g_ascii_isalnum (*end) || *end == '-')
        end++;
      if (end > p + 2 && g_ascii_isalpha (p[2]))
        g_hash_table_add (set, g_strndup (p, end - p));
      p = end;
    }
}

/* The long options `tally COMMAND --help` lists, without GOption's own
 * --help and --help-all. */
static GHashTable *
help_options (TallyTest  *t,
              const char *command)
{
  g_autofree char *tally = tally_util_build_path ("runner/tally");
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, command, "--help", NULL);
  g_auto(GStrv) lines = NULL;
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  tally_assert_cmpint (run->status, ==, 0);
  lines = g_strsplit (run->out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *line = lines[i];

      while (*line == ' ')
        line++;
      if (*line != '-')
        continue;
      /* Only the option column, not the description. */
      {
        g_autofree char *column = g_strdup (line);
        char *gap = strstr (column, "  ");

        if (gap)
          *gap = '\0';
        collect_long_options (column, set);
      }
    }
  g_hash_table_remove (set, "--help");
  g_hash_table_remove (set, "--help-all");
  return set;
}

/* The long options of the definition lines ("*-n*, *--workers* _N_") of
 * the section "## COMMAND" of man/tally.1.scd. */
static GHashTable *
man_options (const char *scd,
             const char *command)
{
  g_auto(GStrv) lines = g_strsplit (scd, "\n", -1);
  g_autofree char *heading = g_strdup_printf ("## %s", command);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean inside = FALSE, seen = FALSE;

  for (guint i = 0; lines[i]; i++)
    {
      if (lines[i][0] == '#')
        {
          inside = strcmp (lines[i], heading) == 0;
          seen |= inside;
          continue;
        }
      /* A definition: the next line is its indented description. */
      if (inside && g_str_has_prefix (lines[i], "*-") && lines[i + 1] && lines[i + 1][0] == '\t')
        collect_long_options (lines[i], set);
    }
  if (!seen)
    tally_fail ("man/tally.1.scd has no section “%s”", heading);
  return set;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The members of @a that are not in @b, sorted, comma-separated. */
static char *
missing_from (GHashTable *a,
              GHashTable *b)
{
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (b, key))
      g_ptr_array_add (missing, key);
  g_ptr_array_sort (missing, compare_strings);
  g_ptr_array_add (missing, NULL);
  return g_strjoinv (", ", (char **) missing->pdata);
}

static void
test_man_options (TallyTest    *t,
                  gconstpointer data)
{
  g_autofree char *scd_path = src_path ("man/tally.1.scd");
  g_autofree char *scd = read_file (scd_path);
  g_autofree char *page_path = tally_util_build_path ("man/tally.1");
  g_autofree char *page = NULL;
  const char *commands[] = { "run", "list" };

  if (g_file_test (page_path, G_FILE_TEST_EXISTS))
    page = read_file (page_path);

  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    {
      g_autoptr(GHashTable) help = help_options (t, commands[c]);
      g_autoptr(GHashTable) man = man_options (scd, commands[c]);
      g_autofree char *undocumented = missing_from (help, man);
      g_autofree char *stale = missing_from (man, help);
      GHashTableIter iter;
      gpointer key;

      tally_assert_cmpuint (g_hash_table_size (help), >, 5);
      if (*undocumented)
        tally_fail ("`tally %s --help` lists options that tally(1) (man/tally.1.scd, “## %s”) does not: %s",
                    commands[c], commands[c], undocumented);
      if (*stale)
        tally_fail ("tally(1) (man/tally.1.scd, “## %s”) lists options that `tally %s --help` does not: %s",
                    commands[c], commands[c], stale);

      /* The page generated at build time (when scdoc was found) says the same. */
      g_hash_table_iter_init (&iter, help);
      while (page && g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_autofree char *roff = g_strdup_printf ("\\fB%s\\fR", (const char *) key);

          if (strstr (page, roff) == NULL)
            tally_fail ("the generated %s lacks %s: rebuild it (ninja)", page_path, (const char *) key);
        }
    }

  if (page == NULL)
    g_message ("%s not built (no scdoc): checked the scdoc source only", page_path);
}

/* --- bash completion ------------------------------------------------ */

/* COMPREPLY of completing the words (the last one is the word being
 * completed; the first is replaced by the built tally), one a line. */
static GStrv
complete (TallyTest  *t,
          const char *first_word,
          ...) G_GNUC_NULL_TERMINATED;

static GStrv
complete (TallyTest  *t,
          const char *first_word,
          ...)
{
  static const char script[] =
    "source \"$1\" || exit 99\n"
    "tally=$2\n"
    "shift 2\n"
    "COMP_WORDS=(\"$@\")\n"
    "COMP_WORDS[0]=$tally\n"
    "COMP_CWORD=$(($# - 1))\n"
    "_tally || exit 98\n"
    "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  g_autofree char *bash = g_find_program_in_path ("bash");
  g_autofree char *completion = src_path ("completion/tally");
  g_autofree char *tally = tally_util_build_path ("runner/tally");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TallyRun) run = NULL;
  g_auto(GStrv) split = NULL;
  va_list args;

  if (bash == NULL)
    tally_test_skip (t, "no bash");

  g_ptr_array_add (argv, bash);
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) script);
  g_ptr_array_add (argv, (gpointer) "bash");
  g_ptr_array_add (argv, completion);
  g_ptr_array_add (argv, tally);
  va_start (args, first_word);
  for (const char *w = first_word; w != NULL; w = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) w);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  run = tally_util_run_argv (t, NULL, (const char * const *) argv->pdata);
  if (run->status != 0)
    tally_fail ("completing failed with status %d: %s", run->status, run->err);

  split = g_strsplit (run->out, "\n", -1);
  for (guint i = 0; split[i]; i++)
    if (*split[i])
      g_ptr_array_add (lines, g_strdup (split[i]));
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_steal (lines, NULL);
}

static void
assert_offers (GStrv       reply,
               const char *candidate)
{
  if (!g_strv_contains ((const char * const *) reply, candidate))
    {
      g_autofree char *all = g_strjoinv (" ", reply);
      tally_fail ("completion offers “%s”, not “%s”", all, candidate);
    }
}

static void
test_completion_commands (TallyTest    *t,
                          gconstpointer data)
{
  g_auto(GStrv) ru = complete (t, "tally", "ru", NULL);
  g_auto(GStrv) m = complete (t, "tally", "m", NULL);
  g_auto(GStrv) leaks = complete (t, "tally", "run", "--leaks", "w", NULL);
  g_auto(GStrv) leaks_eq = complete (t, "tally", "run", "--leaks", "=", "", NULL);
  g_auto(GStrv) ti = complete (t, "tally", "run", "--ti", NULL);

  tally_assert_cmpuint (g_strv_length (ru), ==, 1);
  tally_assert_cmpstr (ru[0], ==, "run");
  tally_assert_cmpuint (g_strv_length (m), ==, 2);
  assert_offers (m, "merge");
  assert_offers (m, "markers");
  tally_assert_cmpuint (g_strv_length (leaks), ==, 1);
  tally_assert_cmpstr (leaks[0], ==, "warn");
  tally_assert_cmpuint (g_strv_length (leaks_eq), ==, 3);
  tally_assert_cmpuint (g_strv_length (ti), ==, 1);
  tally_assert_cmpstr (ti[0], ==, "--timeout");
}

/* `tally COMMAND --<TAB>` offers exactly the long options of --help. */
static void
test_completion_options (TallyTest    *t,
                         gconstpointer data)
{
  const char *commands[] = { "run", "list" };

  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    {
      g_autoptr(GHashTable) help = help_options (t, commands[c]);
      g_autoptr(GHashTable) offered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_auto(GStrv) reply = complete (t, "tally", commands[c], "--", NULL);
      g_autofree char *missing = NULL;
      g_autofree char *stale = NULL;

      for (guint i = 0; reply[i]; i++)
        g_hash_table_add (offered, g_strdup (reply[i]));
      g_hash_table_remove (offered, "--help");
      missing = missing_from (help, offered);
      stale = missing_from (offered, help);
      if (*missing)
        tally_fail ("completion/tally does not offer these options of `tally %s --help`: %s",
                    commands[c], missing);
      if (*stale)
        tally_fail ("completion/tally offers options that `tally %s --help` does not list: %s",
                    commands[c], stale);
    }
}

/* Marker names come from `tally markers` on the programs on the line. */
static void
test_completion_markers (TallyTest    *t,
                         gconstpointer data)
{
  g_autofree char *sched = tally_util_build_path ("tests/samples/sample-sched");
  g_autofree char *glob = tally_util_build_path ("tests/samples/sample-sch?d");
  g_auto(GStrv) declared = complete (t, "tally", "run", sched, "-m", "fa", NULL);
  g_auto(GStrv) builtin = complete (t, "tally", "run", "-n", "2", sched, "-m", "s", NULL);
  g_auto(GStrv) quoted = complete (t, "tally", "list", glob, "--markers", "\"not (fa", NULL);

  tally_assert_cmpuint (g_strv_length (declared), ==, 1);
  tally_assert_cmpstr (declared[0], ==, "fast");
  assert_offers (builtin, "serial");
  assert_offers (builtin, "slow");
  assert_offers (builtin, "skip");
  tally_assert_cmpuint (g_strv_length (quoted), ==, 1);
  tally_assert_cmpstr (quoted[0], ==, "\"not (fast");
}

/* Test paths after -k come from `tally list` on the programs on the line. */
static void
test_completion_paths (TallyTest    *t,
                       gconstpointer data)
{
  g_autofree char *outcomes = tally_util_build_path ("tests/samples/sample-outcomes");
  g_autofree char *gtest = tally_util_build_path ("tests/samples/gtest-sample");
  g_auto(GStrv) x = complete (t, "tally", "run", outcomes, "--db", "=", "x.sqlite", "-k", "/outcomes/x", NULL);
  g_auto(GStrv) all = complete (t, "tally", "list", outcomes, gtest, "-k", "", NULL);
  g_auto(GStrv) none = complete (t, "tally", "run", "-k", "/", NULL);
  g_autoptr(TallyRun) list = NULL;
  g_autofree char *tally = tally_util_build_path ("runner/tally");
  g_auto(GStrv) lines = NULL;

  tally_assert_cmpuint (g_strv_length (x), ==, 2);
  assert_offers (x, "/outcomes/xfail");
  assert_offers (x, "/outcomes/xpass");
  tally_assert_cmpuint (g_strv_length (none), ==, 0);

  /* Every path `tally list` shows, of a Tally and of a GTest program. */
  list = tally_util_run (t, NULL, tally, "list", outcomes, gtest, NULL);
  tally_assert_cmpint (list->status, ==, 0);
  lines = g_strsplit (list->out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *sep = strstr (lines[i], "::");
      g_autofree char *path = NULL;

      if (sep == NULL)
        continue;
      path = g_strndup (sep + 2, strcspn (sep + 2, " "));
      assert_offers (all, path);
    }
  assert_offers (all, "not");
}

/* --- JUnit as GitLab and Jenkins read it -------------------------------- */

typedef struct
{
  GPtrArray *stack;          /* element names, outermost first */
  guint n_testsuites_roots;
  /* declared totals on <testsuites> */
  gint64 total_tests, total_failures, total_errors, total_skipped;
  /* counted over all suites */
  guint sum_tests, sum_failures, sum_errors, sum_skipped;
  /* the current <testsuite>: declared, counted */
  gint64 suite_tests, suite_failures, suite_errors, suite_skipped;
  guint n_tests, n_failures, n_errors, n_skipped;
  /* the current <testcase> */
  char *case_name;
  guint case_verdicts;
  GString *text;
  GHashTable *verdicts;      /* testcase name → "failure", "error", "skipped" or "" */
  GHashTable *system_out;    /* testcase name → its <system-out> */
} Junit;

static const char *
parent_of (Junit *j)
{
  return j->stack->len ? g_ptr_array_index (j->stack, j->stack->len - 1) : NULL;
}

static gboolean
parse_count (const char  *value,
             gint64      *out,
             GError     **error)
{
  guint64 n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT, &n, NULL))
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "count “%s” is not a number", value ? value : "(missing)");
      return FALSE;
    }
  *out = n;
  return TRUE;
}

static gboolean
check_time (const char  *value,
            GError     **error)
{
  char *end = NULL;

  if (value == NULL)
    return TRUE;
  g_ascii_strtod (value, &end);
  if (end == value || *end != '\0')
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "time “%s” is not a decimal number of seconds", value);
      return FALSE;
    }
  return TRUE;
}

static const char *
attribute (const char **names,
           const char **values,
           const char  *name)
{
  for (guint i = 0; names[i]; i++)
    if (strcmp (names[i], name) == 0)
      return values[i];
  return NULL;
}

static void
junit_start (GMarkupParseContext *context,
             const char          *element,
             const char         **names,
             const char         **values,
             gpointer             user_data,
             GError             **error)
{
  Junit *j = user_data;
  const char *parent = parent_of (j);
  const char *allowed = NULL;
  g_auto(GStrv) allowed_v = NULL;

  if (parent == NULL)
    allowed = "testsuites";
  else if (strcmp (parent, "testsuites") == 0)
    allowed = "testsuite";
  else if (strcmp (parent, "testsuite") == 0)
    allowed = "testcase properties system-out system-err";
  else if (strcmp (parent, "properties") == 0)
    allowed = "property";
  else if (strcmp (parent, "testcase") == 0)
    /* <properties> in a test case: pytest's record_property, which
     * Jenkins' JUnit plugin shows and GitLab ignores (the strict JUnit
     * XSD has none there); Tally's cpu_us and max_rss_kb. */
    allowed = "properties failure error skipped system-out system-err";

  if (allowed)
    allowed_v = g_strsplit (allowed, " ", -1);
  if (allowed == NULL || !g_strv_contains ((const char * const *) allowed_v, element))
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "<%s> inside <%s>: expected one of: %s", element,
                   parent ? parent : "(document)", allowed ? allowed : "(no element)");
      return;
    }

  if (strcmp (element, "testsuites") == 0)
    {
      j->n_testsuites_roots++;
      if (!parse_count (attribute (names, values, "tests"), &j->total_tests, error)
          || !parse_count (attribute (names, values, "failures"), &j->total_failures, error)
          || !parse_count (attribute (names, values, "errors"), &j->total_errors, error)
          || !parse_count (attribute (names, values, "skipped"), &j->total_skipped, error)
          || !check_time (attribute (names, values, "time"), error))
        return;
    }
  else if (strcmp (element, "testsuite") == 0)
    {
      const char *name = attribute (names, values, "name");

      if (name == NULL || *name == '\0')
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_MISSING_ATTRIBUTE, "<testsuite> without a name");
          return;
        }
      j->n_tests = j->n_failures = j->n_errors = j->n_skipped = 0;
      if (!parse_count (attribute (names, values, "tests"), &j->suite_tests, error)
          || !parse_count (attribute (names, values, "failures"), &j->suite_failures, error)
          || !parse_count (attribute (names, values, "errors"), &j->suite_errors, error)
          || !parse_count (attribute (names, values, "skipped"), &j->suite_skipped, error)
          || !check_time (attribute (names, values, "time"), error))
        return;
    }
  else if (strcmp (element, "testcase") == 0)
    {
      const char *name = attribute (names, values, "name");
      const char *classname = attribute (names, values, "classname");

      if (name == NULL || *name == '\0' || classname == NULL || *classname == '\0')
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_MISSING_ATTRIBUTE,
                       "<testcase> needs a name and a classname (GitLab and Jenkins show both)");
          return;
        }
      if (!check_time (attribute (names, values, "time"), error))
        return;
      if (g_hash_table_contains (j->verdicts, name))
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "testcase %s twice", name);
          return;
        }
      g_free (j->case_name);
      j->case_name = g_strdup (name);
      j->case_verdicts = 0;
      g_hash_table_insert (j->verdicts, g_strdup (name), g_strdup (""));
      j->n_tests++;
    }
  else if (strcmp (parent, "testcase") == 0 && !g_str_has_prefix (element, "system-")
           && strcmp (element, "properties") != 0)
    {
      if (++j->case_verdicts > 1)
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                       "testcase %s has more than one of failure, error, skipped", j->case_name);
          return;
        }
      if (strcmp (element, "skipped") != 0 && attribute (names, values, "message") == NULL)
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_MISSING_ATTRIBUTE,
                       "<%s> of %s without a message (the one-line summary CI servers show)",
                       element, j->case_name);
          return;
        }
      g_hash_table_insert (j->verdicts, g_strdup (j->case_name), g_strdup (element));
      if (strcmp (element, "failure") == 0)
        j->n_failures++;
      else if (strcmp (element, "error") == 0)
        j->n_errors++;
      else
        j->n_skipped++;
    }

  g_string_truncate (j->text, 0);
  g_ptr_array_add (j->stack, g_strdup (element));
}

static void
junit_text (GMarkupParseContext *context,
            const char          *text,
            gsize                len,
            gpointer             user_data,
            GError             **error)
{
  Junit *j = user_data;

  g_string_append_len (j->text, text, len);
}

static gboolean
check_counts (const char  *what,
              gint64       tests,  guint n_tests,
              gint64       failures, guint n_failures,
              gint64       errors, guint n_errors,
              gint64       skipped, guint n_skipped,
              GError     **error)
{
  if (tests == n_tests && failures == n_failures && errors == n_errors && skipped == n_skipped)
    return TRUE;
  g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
               "%s says tests=%" G_GINT64_FORMAT " failures=%" G_GINT64_FORMAT
               " errors=%" G_GINT64_FORMAT " skipped=%" G_GINT64_FORMAT
               " but holds %u, %u, %u, %u",
               what, tests, failures, errors, skipped, n_tests, n_failures, n_errors, n_skipped);
  return FALSE;
}

static void
junit_end (GMarkupParseContext *context,
           const char          *element,
           gpointer             user_data,
           GError             **error)
{
  Junit *j = user_data;
  const char *parent;

  /* The element being closed leaves the stack; its parent is on top. */
  g_free (g_ptr_array_steal_index (j->stack, j->stack->len - 1));
  parent = parent_of (j);

  if (strcmp (element, "system-out") == 0 && g_strcmp0 (parent, "testcase") == 0)
    g_hash_table_insert (j->system_out, g_strdup (j->case_name), g_strdup (j->text->str));
  else if (strcmp (element, "testsuite") == 0)
    {
      if (!check_counts ("<testsuite>", j->suite_tests, j->n_tests, j->suite_failures, j->n_failures,
                         j->suite_errors, j->n_errors, j->suite_skipped, j->n_skipped, error))
        return;
      j->sum_tests += j->n_tests;
      j->sum_failures += j->n_failures;
      j->sum_errors += j->n_errors;
      j->sum_skipped += j->n_skipped;
    }
  else if (strcmp (element, "testsuites") == 0)
    check_counts ("<testsuites>", j->total_tests, j->sum_tests, j->total_failures, j->sum_failures,
                  j->total_errors, j->sum_errors, j->total_skipped, j->sum_skipped, error);
}

/* What a JUnit consumer makes of each Tally outcome. */
static const char *
expected_verdict (const char *outcome)
{
  if (g_str_equal (outcome, "failed") || g_str_equal (outcome, "crashed") || g_str_equal (outcome, "timeout"))
    return "failure";
  if (g_str_equal (outcome, "error") || g_str_equal (outcome, "interrupted"))
    return "error";
  if (g_str_equal (outcome, "skipped") || g_str_equal (outcome, "xfailed"))
    return "skipped";
  return "";
}

static void
test_junit_consumers (TallyTest    *t,
                      gconstpointer data)
{
  g_autofree char *tally = tally_util_build_path ("runner/tally");
  g_autofree char *outcomes = tally_util_build_path ("tests/samples/sample-outcomes");
  g_autofree char *xml_path = g_build_filename (tally_test_get_tmpdir (t), "shard-1.xml", NULL);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "--json", "-n", "2",
                                            "--shard", "1/1", "--db", "shard-1.sqlite",
                                            "--junit-xml", "shard-1.xml", outcomes, NULL);
  const GMarkupParser parser = { junit_start, junit_end, junit_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  const char *out;
  GHashTableIter iter;
  gpointer path, event;
  Junit j = { 0 };

  tally_assert_cmpint (run->status, ==, 1);
  tally_assert_cmpuint (g_hash_table_size (run->finished), >=, 10);
  xml = read_file (xml_path);

  j.stack = g_ptr_array_new_with_free_func (g_free);
  j.text = g_string_new (NULL);
  j.verdicts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  j.system_out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &j, NULL);
  if (!g_markup_parse_context_parse (context, xml, -1, &error)
      || !g_markup_parse_context_end_parse (context, &error))
    tally_fail ("%s is not JUnit as GitLab and Jenkins read it: %s", xml_path, error->message);

  tally_assert_cmpuint (j.n_testsuites_roots, ==, 1);
  tally_assert_cmpuint (j.sum_tests, ==, g_hash_table_size (run->finished));
  tally_assert_cmpuint (j.sum_failures, >=, 1);
  tally_assert_cmpuint (j.sum_errors, >=, 1);
  tally_assert_cmpuint (j.sum_skipped, >=, 1);

  /* Each test where a consumer expects it, by its outcome. */
  g_hash_table_iter_init (&iter, run->finished);
  while (g_hash_table_iter_next (&iter, &path, &event))
    {
      const char *outcome = json_object_get_string_member (event, "outcome");
      const char *verdict = g_hash_table_lookup (j.verdicts, path);

      if (verdict == NULL)
        tally_fail ("no <testcase name=\"%s\">", (const char *) path);
      if (strcmp (verdict, expected_verdict (outcome)) != 0)
        tally_fail ("%s (%s) is a testcase with <%s>, expected <%s>", (const char *) path, outcome,
                    *verdict ? verdict : "nothing", expected_verdict (outcome));
    }

  /* A failure carries the test's stdout. */
  out = g_hash_table_lookup (j.system_out, "/outcomes/fail");
  tally_assert_nonnull (out);
  tally_assert (strstr (out, "about to fail") != NULL);

  g_free (j.case_name);
  g_string_free (j.text, TRUE);
  g_ptr_array_unref (j.stack);
  g_hash_table_unref (j.verdicts);
  g_hash_table_unref (j.system_out);
}

/* docs/migrating.md: the GTest program and its Tally port run the same
 * tests, and every one of them passes under `tally run` in both. */
static GHashTable *
migrating_passed (TallyTest  *t,
                  const char *program)
{
  g_autofree char *tally = tally_util_build_path ("runner/tally");
  g_autofree char *binary = tally_util_build_path (program);
  g_autoptr(TallyRun) run = tally_util_run (t, NULL, tally, "run", "--no-db", "--json",
                                            binary, NULL);
  GHashTable *passed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer path, event;

  if (run->status != 0)
    tally_fail ("tally run %s exited with %d:\n%s", program, run->status, run->err);
  g_hash_table_iter_init (&iter, run->finished);
  while (g_hash_table_iter_next (&iter, &path, &event))
    {
      const char *outcome = json_object_get_string_member (event, "outcome");

      if (g_strcmp0 (outcome, "passed") != 0)
        tally_fail ("%s: %s is %s, not passed", program, (const char *) path, outcome);
      g_hash_table_add (passed, g_strdup (path));
    }
  return passed;
}

static void
test_migrating_before_and_after (TallyTest    *t,
                                 gconstpointer data)
{
  g_autoptr(GHashTable) before = migrating_passed (t, "examples/migrating/before");
  g_autoptr(GHashTable) after = migrating_passed (t, "examples/migrating/after");
  GHashTableIter iter;
  gpointer path;

  tally_assert_cmpuint (g_hash_table_size (before), ==, 4);
  tally_assert_cmpuint (g_hash_table_size (after), ==, g_hash_table_size (before));
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    if (!g_hash_table_contains (after, path))
      tally_fail ("%s passed before the port but is not in after", (const char *) path);
}

static void
register_tests (void)
{
  tally_declare_marker ("man", "the man pages");
  tally_declare_marker ("completion", "the bash completion");
  tally_declare_marker ("ci", "what docs/ci.md relies on");
  tally_add ("/adoption/man/options", test_man_options, "man");
  tally_add ("/adoption/completion/commands", test_completion_commands, "completion");
  tally_add ("/adoption/completion/options", test_completion_options, "completion");
  tally_add ("/adoption/completion/markers", test_completion_markers, "completion");
  tally_add ("/adoption/completion/paths", test_completion_paths, "completion");
  tally_add ("/adoption/ci/junit", test_junit_consumers, "ci");
  tally_add ("/adoption/migrating/before-and-after", test_migrating_before_and_after, NULL);
}

TALLY_MAIN (register_tests)
