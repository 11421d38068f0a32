/* test-markers.c — marker strings: parsing, validation, canonical form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tally.h>

#include "tally-markers-private.h"

/* A marker string and what should come of it: the canonical string, or
 * the exact error message. */
typedef struct
{
  const char *text;
  const char *expected;
} Case;

/* Two sets are equal when they hold the same markers in the same order. */
static void
assert_markers_equal (const TallyMarkers *a,
                      const TallyMarkers *b)
{
  tally_assert_cmpuint (tally_markers_get_n_markers (a), ==, tally_markers_get_n_markers (b));

  for (guint i = 0; i < tally_markers_get_n_markers (a); i++)
    {
      tally_assert_cmpstr (tally_markers_get_name (a, i), ==, tally_markers_get_name (b, i));
      tally_assert_cmpstr (tally_markers_get_value (a, i), ==, tally_markers_get_value (b, i));
    }
}

/* to_string, parse the result, and check nothing changed. */
static char *
assert_round_trip (const TallyMarkers *markers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) again = NULL;
  g_autofree char *text = tally_markers_to_string (markers);
  g_autofree char *text_again = NULL;

  again = tally_markers_parse (text, &error);
  tally_assert_no_error (error);
  tally_assert_nonnull (again);
  assert_markers_equal (markers, again);

  text_again = tally_markers_to_string (again);
  tally_assert_cmpstr (text_again, ==, text);

  return g_steal_pointer (&text);
}

static void
test_parse_basic (TallyTest     *t,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = NULL;

  markers = tally_markers_parse ("serial slow timeout=5 group=db", &error);
  tally_assert_no_error (error);
  tally_assert_nonnull (markers);

  tally_assert_cmpuint (tally_markers_get_n_markers (markers), ==, 4);
  tally_assert_cmpstr (tally_markers_get_name (markers, 0), ==, "serial");
  tally_assert_null (tally_markers_get_value (markers, 0));
  tally_assert_cmpstr (tally_markers_get_name (markers, 1), ==, "slow");
  tally_assert_cmpstr (tally_markers_get_name (markers, 2), ==, "timeout");
  tally_assert_cmpstr (tally_markers_get_value (markers, 2), ==, "5");
  tally_assert_cmpstr (tally_markers_get_name (markers, 3), ==, "group");
  tally_assert_cmpstr (tally_markers_get_value (markers, 3), ==, "db");

  tally_assert_true (tally_markers_has (markers, "slow"));
  tally_assert_false (tally_markers_has (markers, "net"));
  tally_assert_false (tally_markers_has (markers, "Slow"));
  tally_assert_cmpstr (tally_markers_lookup (markers, "group"), ==, "db");
  tally_assert_null (tally_markers_lookup (markers, "serial"));
  tally_assert_null (tally_markers_lookup (markers, "net"));
}

static void
test_parse_empty (TallyTest     *t,
                  gconstpointer  data)
{
  const char *blanks[] = { NULL, "", " ", "\t\n  \r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (blanks); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyMarkers) markers = tally_markers_parse (blanks[i], &error);
      g_autofree char *text = NULL;

      tally_assert_no_error (error);
      tally_assert_nonnull (markers);
      tally_assert_cmpuint (tally_markers_get_n_markers (markers), ==, 0);
      text = tally_markers_to_string (markers);
      tally_assert_cmpstr (text, ==, "");
    }
}

static void
test_parse_whitespace (TallyTest     *t,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = NULL;
  g_autofree char *text = NULL;

  markers = tally_markers_parse ("\n\tserial \t slow\n\ngroup=db  ", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (tally_markers_get_n_markers (markers), ==, 3);

  text = tally_markers_to_string (markers);
  tally_assert_cmpstr (text, ==, "serial slow group=db");
}

static void
test_parse_quoted (TallyTest     *t,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = NULL;

  markers = tally_markers_parse ("skip=\"needs network\" "
                                 "xfail=\"say \\\"hi\\\" \\\\ bye\" "
                                 "note=\"\" "
                                 "path=a=b\\c "
                                 "multi=\"line\none\"",
                                 &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (tally_markers_get_n_markers (markers), ==, 5);
  tally_assert_cmpstr (tally_markers_lookup (markers, "skip"), ==, "needs network");
  tally_assert_cmpstr (tally_markers_lookup (markers, "xfail"), ==, "say \"hi\" \\ bye");
  tally_assert_cmpstr (tally_markers_lookup (markers, "note"), ==, "");
  tally_assert_cmpstr (tally_markers_lookup (markers, "path"), ==, "a=b\\c");
  tally_assert_cmpstr (tally_markers_lookup (markers, "multi"), ==, "line\none");
}

static void
test_names (TallyTest     *t,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = NULL;

  markers = tally_markers_parse ("_x a.b-c Net2 under_score", &error);
  tally_assert_no_error (error);
  tally_assert_cmpuint (tally_markers_get_n_markers (markers), ==, 4);
  tally_assert_cmpstr (tally_markers_get_name (markers, 0), ==, "_x");
  tally_assert_cmpstr (tally_markers_get_name (markers, 1), ==, "a.b-c");
  tally_assert_cmpstr (tally_markers_get_name (markers, 2), ==, "Net2");
  tally_assert_cmpstr (tally_markers_get_name (markers, 3), ==, "under_score");
}

static const Case canonical_cases[] = {
  { "serial", "serial" },
  { "  slow   serial ", "slow serial" },
  { "group=db timeout=2.5", "group=db timeout=2.5" },
  { "skip=\"needs network\"", "skip=\"needs network\"" },
  { "skip=\"plain\"", "skip=plain" },
  { "xfail=\"\"", "xfail=\"\"" },
  { "note=\"a \\\"b\\\"\"", "note=\"a \\\"b\\\"\"" },
  { "note=back\\slash", "note=\"back\\\\slash\"" },
  { "note=f(x)", "note=\"f(x)\"" },
  { "note=\"tab\there\"", "note=\"tab\there\"" },
  { "note=\"new\nline\"", "note=\"new\nline\"" },
  { "note=ünïcødé", "note=ünïcødé" },
  { "a b c d e f", "a b c d e f" },
};

static const TallyParam canonical_params[] = {
  { "bare", &canonical_cases[0] },
  { "spaces", &canonical_cases[1] },
  { "values", &canonical_cases[2] },
  { "quoted-space", &canonical_cases[3] },
  { "needless-quotes", &canonical_cases[4] },
  { "empty-value", &canonical_cases[5] },
  { "escaped-quote", &canonical_cases[6] },
  { "backslash", &canonical_cases[7] },
  { "parens", &canonical_cases[8] },
  { "tab", &canonical_cases[9] },
  { "newline", &canonical_cases[10] },
  { "unicode", &canonical_cases[11] },
  { "order", &canonical_cases[12] },
};

static void
test_canonical (TallyTest     *t,
                gconstpointer  data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = NULL;
  g_autofree char *text = NULL;

  markers = tally_markers_parse (c->text, &error);
  tally_assert_no_error (error);
  tally_assert_nonnull (markers);

  text = assert_round_trip (markers);
  tally_assert_cmpstr (text, ==, c->expected);
}

static void
test_round_trip_set (TallyTest     *t,
                     gconstpointer  data)
{
  static const char *values[] = {
    "", " ", "a b", "q\"uote", "back\\slash", "\\\"", "(paren", "close)",
    "tab\t", "\r\n", "=", "a=b", "ünïcødé", "\x01\x7f", "trailing\\",
  };
  g_autoptr(TallyMarkers) markers = tally_markers_new ();
  g_autofree char *text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u", i);
      tally_markers_set (markers, name, values[i]);
    }
  tally_markers_set (markers, "bare", NULL);
  tally_assert_cmpuint (tally_markers_get_n_markers (markers), ==, G_N_ELEMENTS (values) + 1);

  text = assert_round_trip (markers);
  tally_assert_true (g_str_has_prefix (text, "m0=\"\" m1=\" \" m2=\"a b\""));
  tally_assert_true (g_str_has_suffix (text, " bare"));
}

static void
test_set (TallyTest     *t,
          gconstpointer  data)
{
  g_autoptr(TallyMarkers) markers = tally_markers_new ();
  g_autofree char *text = NULL;

  tally_markers_set (markers, "serial", NULL);
  tally_markers_set (markers, "group", "db");
  tally_markers_set (markers, "timeout", "5");
  /* Replacing keeps the marker where it was. */
  tally_markers_set (markers, "group", "web");
  tally_markers_set (markers, "skip", "why");
  tally_markers_set (markers, "skip", NULL);

  tally_assert_cmpuint (tally_markers_get_n_markers (markers), ==, 4);
  tally_assert_cmpstr (tally_markers_get_name (markers, 1), ==, "group");
  tally_assert_cmpstr (tally_markers_get_value (markers, 1), ==, "web");
  tally_assert_true (tally_markers_has (markers, "skip"));
  tally_assert_null (tally_markers_lookup (markers, "skip"));

  text = tally_markers_to_string (markers);
  tally_assert_cmpstr (text, ==, "serial group=web timeout=5 skip");
}

static void
test_refcount (TallyTest     *t,
               gconstpointer  data)
{
  TallyMarkers *markers = tally_markers_parse ("slow", NULL);
  TallyMarkers *ref;

  tally_assert_nonnull (markers);
  ref = tally_markers_ref (markers);
  tally_assert_true (ref == markers);

  tally_markers_unref (markers);
  /* Still alive through the second reference. */
  tally_assert_true (tally_markers_has (ref, "slow"));
  tally_markers_unref (ref);
}

static void
test_duplicate (TallyTest     *t,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = NULL;

  markers = tally_markers_parse ("slow serial slow", &error);
  tally_assert_null (markers);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PARSE);
  tally_assert_cmpstr (error->message, ==, "column 13: duplicate marker 'slow'");

  g_clear_error (&error);
  markers = tally_markers_parse ("group=a group=b", &error);
  tally_assert_null (markers);
  tally_assert_cmpstr (error->message, ==, "column 9: duplicate marker 'group'");
}

static void
test_builtin_list (TallyTest     *t,
                   gconstpointer  data)
{
  static const char *expected[] = {
    "serial", "slow", "group", "timeout", "skip", "xfail", "retries", "leaks", "gtest",
    "global-context", "own-context", "forked",
  };
  const TallyMarkerInfo *info;
  guint n = 0;

  info = tally_markers_builtin (&n);
  tally_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  tally_assert_null (info[n].name);

  for (guint i = 0; i < n; i++)
    {
      tally_assert_cmpstr (info[i].name, ==, expected[i]);
      tally_assert_true (info[i].description != NULL && info[i].description[0] != '\0');
      tally_assert_true (tally_marker_is_builtin (info[i].name));
    }

  tally_assert_true (g_str_has_prefix (info[2].description, "group=NAME: "));
  tally_assert_true (g_str_has_prefix (info[3].description, "timeout=SECONDS: "));
  tally_assert_false (tally_marker_is_builtin ("db"));
  tally_assert_false (tally_marker_is_builtin ("Serial"));
  tally_assert_false (tally_marker_is_builtin (""));
  tally_assert_null (tally_markers_builtin (NULL)[G_N_ELEMENTS (expected)].name);
}

static const char *builtin_valid[] = {
  "serial", "slow", "gtest", "group=db", "group=\"two words\"",
  "timeout=5", "timeout=0.5", "timeout=2.", "timeout=.25", "timeout=\"30\"",
  "timeout=1000000000", "retries=0", "retries=3", "retries=007",
  "leaks=fail", "leaks=warn", "leaks=ignore",
  "skip", "skip=why", "skip=\"needs network\"", "xfail", "xfail=\"bug 12\"",
  "user=anything user2",
};

static void
test_builtin_valid (TallyTest     *t,
                    gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (builtin_valid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyMarkers) markers = tally_markers_parse (builtin_valid[i], &error);

      tally_assert_no_error (error);
      tally_assert_nonnull (markers);
      g_free (assert_round_trip (markers));
    }
}

static const Case builtin_invalid[] = {
  { "timeout=0", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got '0'" },
  { "timeout=0.0", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got '0.0'" },
  { "timeout=-1", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got '-1'" },
  { "timeout=abc", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got 'abc'" },
  { "timeout=1e3", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got '1e3'" },
  { "timeout=inf", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got 'inf'" },
  { "timeout=nan", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got 'nan'" },
  { "timeout=.", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got '.'" },
  { "timeout=1000000001", "column 9: marker 'timeout' needs a positive number of seconds (at most 1000000000), got '1000000001'" },
  { "slow timeout", "column 6: marker 'timeout' needs a number of seconds: timeout=SECONDS" },
  { "retries=-1", "column 9: marker 'retries' needs a non-negative integer, got '-1'" },
  { "retries=+1", "column 9: marker 'retries' needs a non-negative integer, got '+1'" },
  { "retries=1.5", "column 9: marker 'retries' needs a non-negative integer, got '1.5'" },
  { "retries=x", "column 9: marker 'retries' needs a non-negative integer, got 'x'" },
  { "retries=99999999999", "column 9: marker 'retries' needs a non-negative integer, got '99999999999'" },
  { "retries", "column 1: marker 'retries' needs a count: retries=N" },
  { "group", "column 1: marker 'group' needs a name: group=NAME" },
  { "group=\"\"", "column 7: marker 'group' needs a name: group=NAME" },
  { "leaks", "column 1: marker 'leaks' needs a policy: leaks=fail|warn|ignore" },
  { "leaks=maybe", "column 7: marker 'leaks' must be fail, warn or ignore, got 'maybe'" },
  { "leaks=WARN", "column 7: marker 'leaks' must be fail, warn or ignore, got 'WARN'" },
  { "serial=1", "column 8: marker 'serial' takes no value, got '1'" },
  { "slow=yes", "column 6: marker 'slow' takes no value, got 'yes'" },
  { "gtest=\"\"", "column 7: marker 'gtest' takes no value, got ''" },
};

static const Case syntax_errors[] = {
  { "slow!", "column 5: invalid character '!' in marker name 'slow'" },
  { "slow,serial", "column 5: invalid character ',' in marker name 'slow'" },
  { "1abc", "column 1: invalid marker name '1abc': a name starts with a letter or '_'" },
  { "ok -x", "column 4: invalid marker name '-x': a name starts with a letter or '_'" },
  { "=x", "column 1: expected a marker name, got '='" },
  { "a \"b\"", "column 3: expected a marker name, got '\"'" },
  { "group=", "column 7: expected a value after 'group='" },
  { "group= db", "column 7: expected a value after 'group='" },
  { "skip=\"unterminated", "column 6: unterminated quoted value" },
  { "skip=\"a\"b", "column 9: expected whitespace after the value of 'skip', got 'b'" },
  { "skip=a\"b\"", "column 7: unexpected '\"' in the value of 'skip' (quote the whole value)" },
  { "skip=\"a\\n\"", "column 8: unknown escape in quoted value: only \\\" and \\\\ are allowed, got 'n' after '\\'" },
  { "skip=\"a\\", "column 8: unknown escape in quoted value: only \\\" and \\\\ are allowed, got end of text after '\\'" },
  /* Columns count characters, not bytes. */
  { "skip=\"é\" !", "column 10: expected a marker name, got '!'" },
  { "naïve", "column 3: invalid character 'ï' in marker name 'na'" },
  { "slow \xff", "column 6: invalid UTF-8" },
};

static void
test_parse_error (TallyTest     *t,
                  gconstpointer  data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyMarkers) markers = NULL;

  markers = tally_markers_parse (c->text, &error);
  tally_assert_null (markers);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PARSE);
  tally_assert_cmpstr (error->message, ==, c->expected);
}

static void
test_builtin_invalid (TallyTest     *t,
                      gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (builtin_invalid); i++)
    test_parse_error (t, &builtin_invalid[i]);
}

static const TallyParam syntax_params[] = {
  { "bang", &syntax_errors[0] },
  { "comma", &syntax_errors[1] },
  { "digit-start", &syntax_errors[2] },
  { "dash-start", &syntax_errors[3] },
  { "equals-start", &syntax_errors[4] },
  { "quote-start", &syntax_errors[5] },
  { "empty-value", &syntax_errors[6] },
  { "space-after-equals", &syntax_errors[7] },
  { "unterminated", &syntax_errors[8] },
  { "after-quoted", &syntax_errors[9] },
  { "quote-in-bare", &syntax_errors[10] },
  { "bad-escape", &syntax_errors[11] },
  { "escape-at-end", &syntax_errors[12] },
  { "utf8-column", &syntax_errors[13] },
  { "non-ascii-name", &syntax_errors[14] },
  { "invalid-utf8", &syntax_errors[15] },
};

G_STATIC_ASSERT (G_N_ELEMENTS (syntax_params) == G_N_ELEMENTS (syntax_errors));
G_STATIC_ASSERT (G_N_ELEMENTS (canonical_params) == G_N_ELEMENTS (canonical_cases));

static void
register_tests (void)
{
  tally_add ("/core/markers/parse-basic", test_parse_basic, NULL);
  tally_add ("/core/markers/parse-empty", test_parse_empty, NULL);
  tally_add ("/core/markers/parse-whitespace", test_parse_whitespace, NULL);
  tally_add ("/core/markers/parse-quoted", test_parse_quoted, NULL);
  tally_add ("/core/markers/names", test_names, NULL);
  tally_add_params ("/core/markers/canonical", test_canonical, canonical_params, NULL);
  tally_add ("/core/markers/round-trip-set", test_round_trip_set, NULL);
  tally_add ("/core/markers/set", test_set, NULL);
  tally_add ("/core/markers/refcount", test_refcount, NULL);
  tally_add ("/core/markers/duplicate", test_duplicate, NULL);
  tally_add ("/core/markers/builtin-list", test_builtin_list, NULL);
  tally_add ("/core/markers/builtin-valid", test_builtin_valid, NULL);
  tally_add ("/core/markers/builtin-invalid", test_builtin_invalid, NULL);
  tally_add_params ("/core/markers/syntax-error", test_parse_error, syntax_params, NULL);
}

TALLY_MAIN (register_tests)
