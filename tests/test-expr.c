/* test-expr.c — the -m / -k expression language
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <tally.h>

#include "tally-expr-private.h"

/* An expression and what should come of it: the canonical form, or the
 * exact error message. */
typedef struct
{
  const char *text;
  const char *expected;
} Case;

/* An expression and whether it selects the subject of the test. */
typedef struct
{
  const char *text;
  gboolean    selected;
} MatchCase;

typedef TallyExpr *(*ParseFunc) (const char *text,
                                 GError    **error);

/* Parses, checks the canonical form, and checks that the canonical form
 * parses back to itself. */
static void
assert_canonical (ParseFunc   parse,
                  const char *text,
                  const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = parse (text, &error);
  g_autoptr(TallyExpr) again = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *canonical_again = NULL;

  tally_assert_no_error (error);
  tally_assert_nonnull (expr);
  canonical = tally_expr_to_string (expr);
  tally_assert_cmpstr (canonical, ==, expected);

  again = parse (canonical, &error);
  tally_assert_no_error (error);
  canonical_again = tally_expr_to_string (again);
  tally_assert_cmpstr (canonical_again, ==, canonical);
}

static void
assert_parse_error (ParseFunc   parse,
                    const char *text,
                    const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = parse (text, &error);

  tally_assert_null (expr);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PARSE);
  tally_assert_cmpstr (error->message, ==, message);
}

static const Case marker_forms[] = {
  { "a", "a" },
  { "a or b and not c", "(a or (b and (not c)))" },
  { "a and b or c", "((a and b) or c)" },
  { "not a and b", "((not a) and b)" },
  { "not not a", "(not (not a))" },
  { "(a or b) and c", "((a or b) and c)" },
  { "a and (b or c)", "(a and (b or c))" },
  { "a and b and c", "(a and b and c)" },
  { "a or b or c", "(a or b or c)" },
  { "(a or b) or c", "((a or b) or c)" },
  { "((a))", "a" },
  { "not(a)", "(not a)" },
  { "  a\tor\nb  ", "(a or b)" },
  { "nota or android or order", "(nota or android or order)" },
  { "group=db", "group=db" },
  { "group = db", "group=db" },
  { "group=\"db\"", "group=db" },
  { "skip=\"needs network\"", "skip=\"needs network\"" },
  { "x=\"a)b\" or y", "(x=\"a)b\" or y)" },
  { "x=\"q\\\"uote\\\\\"", "x=\"q\\\"uote\\\\\"" },
  { "x=\"\"", "x=\"\"" },
  { "(group=db)", "group=db" },
  { "a=b=c", "a=b=c" },
  { "serial and not (slow or group=db)", "(serial and (not (slow or group=db)))" },
  { "a.b-c and _d", "(a.b-c and _d)" },
  { "AND or Not", "(AND or Not)" },
};

static void
test_markers_canonical (TallyTest     *t,
                        gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (marker_forms); i++)
    assert_canonical (tally_expr_parse_markers, marker_forms[i].text, marker_forms[i].expected);
}

static const Case keyword_forms[] = {
  { "http", "http" },
  { "http or ftp and not slow", "(http or (ftp and (not slow)))" },
  { "prog::/net/http", "prog::/net/http" },
  { "a=b", "a=b" },
  { "\"and\"", "\"and\"" },
  { "\"two words\"", "\"two words\"" },
  { "\"\"", "\"\"" },
  { "\"(x)\" or y", "(\"(x)\" or y)" },
  { "\"q\\\"\\\\\"", "\"q\\\"\\\\\"" },
  { "(HTTP)", "HTTP" },
  { "AND", "AND" },
  { "\"plain\"", "plain" },
};

static void
test_keywords_canonical (TallyTest     *t,
                         gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (keyword_forms); i++)
    assert_canonical (tally_expr_parse_keywords, keyword_forms[i].text, keyword_forms[i].expected);
}

static gboolean
markers_select (const char *expression,
                const char *marker_string)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = NULL;
  g_autoptr(TallyMarkers) markers = NULL;

  expr = tally_expr_parse_markers (expression, &error);
  tally_assert_no_error (error);
  markers = tally_markers_parse (marker_string, &error);
  tally_assert_no_error (error);
  return tally_expr_match_markers (expr, markers);
}

static const MatchCase marker_matches[] = {
  { "serial", TRUE },
  { "net", FALSE },
  { "not serial", FALSE },
  { "not net", TRUE },
  { "group=db", TRUE },
  { "group=web", FALSE },
  { "group=DB", FALSE },
  { "Serial", FALSE },
  { "skip", TRUE },
  { "skip=x", FALSE },
  { "skip=\"\"", FALSE },
  { "timeout=5", TRUE },
  { "timeout=5.0", FALSE },
  { "slow and not net", TRUE },
  { "slow and net", FALSE },
  { "net or group=db", TRUE },
  { "net or group=web", FALSE },
  { "not (slow or net)", FALSE },
  { "not slow or net", FALSE },
  { "serial and slow and group=db and timeout=5", TRUE },
  { "serial and slow and group=db and net", FALSE },
  { "net or web or ui or serial", TRUE },
  { "note=\"two words\"", TRUE },
};

static void
test_match_markers (TallyTest     *t,
                    gconstpointer  data)
{
  const char *markers = "serial slow group=db timeout=5 skip note=\"two words\"";

  for (guint i = 0; i < G_N_ELEMENTS (marker_matches); i++)
    {
      gboolean selected = markers_select (marker_matches[i].text, markers);

      if (selected != marker_matches[i].selected)
        tally_fail ("'%s' on '%s': expected %s", marker_matches[i].text, markers,
                    marker_matches[i].selected ? "selected" : "not selected");
    }
}

/* `and` binds tighter than `or`: with a and c, `a or b and not c` is
 * a or (b and not c), which holds; (a or b) and not c would not. */
static void
test_precedence (TallyTest     *t,
                 gconstpointer  data)
{
  tally_assert_true (markers_select ("a or b and not c", "a c"));
  tally_assert_false (markers_select ("(a or b) and not c", "a c"));
  tally_assert_true (markers_select ("b and not c or a", "a c"));
  tally_assert_false (markers_select ("a or b and not c", "b c"));
  tally_assert_true (markers_select ("a or b and not c", "b"));
  tally_assert_false (markers_select ("not a or b", "a"));
  tally_assert_true (markers_select ("not (a or b)", "c"));
  tally_assert_false (markers_select ("not not a", ""));
}

static void
test_match_null_markers (TallyTest     *t,
                         gconstpointer  data)
{
  g_autoptr(TallyExpr) positive = tally_expr_parse_markers ("slow", NULL);
  g_autoptr(TallyExpr) negative = tally_expr_parse_markers ("not slow", NULL);

  tally_assert_false (tally_expr_match_markers (positive, NULL));
  tally_assert_true (tally_expr_match_markers (negative, NULL));
}

static gboolean
keywords_select (const char *expression,
                 const char *haystack)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = tally_expr_parse_keywords (expression, &error);

  tally_assert_no_error (error);
  return tally_expr_match_keywords (expr, haystack);
}

static const MatchCase keyword_matches[] = {
  { "http", TRUE },
  { "HTTP", TRUE },
  { "hTtP", TRUE },
  { "GET", TRUE },
  { "post", FALSE },
  { "test-http::/net", TRUE },
  { "::", TRUE },
  { "HTTP::/NET/http/get", TRUE },
  { "http::/net/https", FALSE },
  { "b=c", TRUE },
  { "http and not post", TRUE },
  { "http and post", FALSE },
  { "post or get", TRUE },
  { "not (post or get)", FALSE },
  { "\"slow path\"", TRUE },
  { "\"SLOW PATH\"", TRUE },
  { "slow and path", TRUE },
  { "\"path slow\"", FALSE },
  { "\"and\"", FALSE },
  { "AND", FALSE },
  { "\"\"", TRUE },
  { "\"(1)\"", TRUE },
};

static void
test_match_keywords (TallyTest     *t,
                     gconstpointer  data)
{
  const char *haystack = "test-http::/net/HTTP/Get/slow path/b=c/(1)";

  for (guint i = 0; i < G_N_ELEMENTS (keyword_matches); i++)
    {
      gboolean selected = keywords_select (keyword_matches[i].text, haystack);

      if (selected != keyword_matches[i].selected)
        tally_fail ("'%s' on '%s': expected %s", keyword_matches[i].text, haystack,
                    keyword_matches[i].selected ? "selected" : "not selected");
    }
}

/* Keywords are operators only when bare and lowercase. */
static void
test_keyword_operators (TallyTest     *t,
                        gconstpointer  data)
{
  tally_assert_true (keywords_select ("\"and\"", "prog::/android"));
  tally_assert_true (keywords_select ("AND", "prog::/android"));
  tally_assert_true (keywords_select ("\"not\"", "prog::/notify"));
  tally_assert_false (keywords_select ("not \"not\"", "prog::/notify"));
  tally_assert_true (keywords_select ("andx or ory", "prog::/andx"));
}

static void
test_keywords_invalid_utf8 (TallyTest     *t,
                            gconstpointer  data)
{
  const char *haystack = "pr\xffog::/caf\xc3/\xfe\xfe/LAT\xe9N/end\xc3";

  tally_assert_false (keywords_select ("prog", haystack));
  tally_assert_true (keywords_select ("PR", haystack));
  tally_assert_true (keywords_select ("og::/CAF", haystack));
  tally_assert_true (keywords_select ("lat", haystack));
  tally_assert_true (keywords_select ("n/end", haystack));
  tally_assert_false (keywords_select ("zzz", haystack));
  tally_assert_true (keywords_select ("not zzz", haystack));
  tally_assert_true (keywords_select ("caf", "\xc3\xa9" "caf\xc3"));
  tally_assert_false (keywords_select ("x", "\xff"));
  tally_assert_false (keywords_select ("x", ""));
  tally_assert_true (keywords_select ("\"\"", ""));
}

static const Case marker_errors[] = {
  { "", "column 1: empty expression" },
  { "  \t\n", "column 1: empty expression" },
  { "ab and", "column 7: expected a marker name after 'and'" },
  { "ab and )", "column 8: expected a marker name after 'and', got ')'" },
  { "a or or b", "column 6: expected a marker name after 'or', got 'or'" },
  { "not", "column 4: expected a marker name after 'not'" },
  { "and", "column 1: expected a marker name, got 'and'" },
  { "()", "column 2: expected a marker name after '(', got ')'" },
  { "(a or b", "column 8: expected ')' to close '(' at column 1, got end of expression" },
  { "x and ((a) b)", "column 12: expected ')' to close '(' at column 7, got 'b'" },
  { "a)", "column 2: unexpected ')' without a matching '('" },
  { "a b", "column 3: expected 'and', 'or' or end of expression, got 'b'" },
  { "a and !", "column 7: expected a marker name after 'and', got '!'" },
  { "a & b", "column 3: expected 'and', 'or' or end of expression, got '&'" },
  { "= a", "column 1: expected a marker name, got '='" },
  { "\"a\"", "column 1: expected a marker name, got '\"'" },
  { "group=", "column 7: expected a value after 'group='" },
  { "(group=)", "column 8: expected a value after 'group='" },
  { "f=x(y)", "column 4: expected 'and', 'or' or end of expression, got '('" },
  { "1abc", "column 1: invalid marker name '1abc': a name starts with a letter or '_'" },
  { "a=\"x", "column 3: unterminated quoted string" },
  { "a=\"x\"y", "column 6: expected whitespace or ')' after a quoted string, got 'y'" },
  { "a=x\"y\"", "column 4: unexpected '\"' after 'x' (quote the whole word)" },
  { "a=\"\\t\"", "column 4: unknown escape in quoted string: only \\\" and \\\\ are allowed, got 't' after '\\'" },
  /* Columns count characters, not bytes. */
  { "é", "column 1: expected a marker name, got 'é'" },
  { "a=\"é\" or !", "column 10: expected a marker name after 'or', got '!'" },
  { "a or \xff", "column 6: invalid UTF-8" },
  { "a or b\nor", "column 10: expected a marker name after 'or'" },
};

static const Case keyword_errors[] = {
  { "", "column 1: empty expression" },
  { "and", "column 1: expected a keyword, got 'and'" },
  { "http or", "column 8: expected a keyword after 'or'" },
  { "http not ftp", "column 6: expected 'and', 'or' or end of expression, got 'not'" },
  { "(http", "column 6: expected ')' to close '(' at column 1, got end of expression" },
  { "http)", "column 5: unexpected ')' without a matching '('" },
  { "foo\"bar\"", "column 4: unexpected '\"' after 'foo' (quote the whole word)" },
  { "\"foo\"bar", "column 6: expected whitespace or ')' after a quoted string, got 'b'" },
  { "\"foo", "column 1: unterminated quoted string" },
  { "a \xc3", "column 3: invalid UTF-8" },
};

static void
test_marker_errors (TallyTest     *t,
                    gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (marker_errors); i++)
    assert_parse_error (tally_expr_parse_markers, marker_errors[i].text, marker_errors[i].expected);
}

static void
test_keyword_errors (TallyTest     *t,
                     gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (keyword_errors); i++)
    assert_parse_error (tally_expr_parse_keywords, keyword_errors[i].text, keyword_errors[i].expected);
}

static char *
repeat (const char *unit,
        guint       times,
        const char *middle,
        const char *tail_unit)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (out, unit);
  g_string_append (out, middle);
  for (guint i = 0; tail_unit != NULL && i < times; i++)
    g_string_append (out, tail_unit);

  return g_string_free (out, FALSE);
}

static void
test_nesting_cap (TallyTest     *t,
                  gconstpointer  data)
{
  g_autofree char *parens_ok = repeat ("(", 256, "a", ")");
  g_autofree char *parens_deep = repeat ("(", 257, "a", ")");
  g_autofree char *nots_ok = repeat ("not ", 256, "a", NULL);
  g_autofree char *nots_deep = repeat ("not ", 257, "a", NULL);
  g_autofree char *mixed_deep = repeat ("not (", 129, "a", ")");
  g_autofree char *keywords_deep = repeat ("(", 300, "x", ")");
  g_autoptr(TallyExpr) expr = NULL;

  expr = tally_expr_parse_markers (parens_ok, NULL);
  tally_assert_nonnull (expr);
  tally_assert_true (markers_select (parens_ok, "a"));
  g_clear_pointer (&expr, tally_expr_free);

  expr = tally_expr_parse_markers (nots_ok, NULL);
  tally_assert_nonnull (expr);
  tally_assert_true (markers_select (nots_ok, "a"));
  tally_assert_false (markers_select (nots_ok, "b"));

  assert_parse_error (tally_expr_parse_markers, parens_deep,
                      "column 257: expression nested deeper than 256 levels");
  assert_parse_error (tally_expr_parse_markers, nots_deep,
                      "column 1025: expression nested deeper than 256 levels");
  assert_parse_error (tally_expr_parse_markers, mixed_deep,
                      "column 641: expression nested deeper than 256 levels");
  assert_parse_error (tally_expr_parse_keywords, keywords_deep,
                      "column 257: expression nested deeper than 256 levels");
}

/* Far past the cap: the parser must stop early rather than recurse. */
static void
test_nesting_huge (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *opens = repeat ("(", 1000000, "", NULL);
  g_autofree char *nots = repeat ("not ", 1000000, "a", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = NULL;

  expr = tally_expr_parse_markers (opens, &error);
  tally_assert_null (expr);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PARSE);
  g_clear_error (&error);

  expr = tally_expr_parse_keywords (nots, &error);
  tally_assert_null (expr);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PARSE);
}

/* A long flat chain is not nesting: it parses, matches and prints. */
static void
test_long_chain (TallyTest     *t,
                 gconstpointer  data)
{
  g_autofree char *chain = repeat ("a and ", 100000, "b", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = tally_expr_parse_markers (chain, &error);
  g_autofree char *text = NULL;

  tally_assert_no_error (error);
  tally_assert_true (markers_select (chain, "a b"));
  tally_assert_false (markers_select (chain, "a"));

  text = tally_expr_to_string (expr);
  tally_assert_true (g_str_has_prefix (text, "(a and a and "));
  tally_assert_true (g_str_has_suffix (text, " and b)"));
}

static void
register_tests (void)
{
  tally_add ("/core/expr/markers-canonical", test_markers_canonical, NULL);
  tally_add ("/core/expr/keywords-canonical", test_keywords_canonical, NULL);
  tally_add ("/core/expr/match-markers", test_match_markers, NULL);
  tally_add ("/core/expr/precedence", test_precedence, NULL);
  tally_add ("/core/expr/match-null-markers", test_match_null_markers, NULL);
  tally_add ("/core/expr/match-keywords", test_match_keywords, NULL);
  tally_add ("/core/expr/keyword-operators", test_keyword_operators, NULL);
  tally_add ("/core/expr/keywords-invalid-utf8", test_keywords_invalid_utf8, NULL);
  tally_add ("/core/expr/marker-errors", test_marker_errors, NULL);
  tally_add ("/core/expr/keyword-errors", test_keyword_errors, NULL);
  tally_add ("/core/expr/nesting-cap", test_nesting_cap, NULL);
  tally_add ("/core/expr/nesting-huge", test_nesting_huge, NULL);
  tally_add ("/core/expr/long-chain", test_long_chain, NULL);
}

TALLY_MAIN (register_tests)
