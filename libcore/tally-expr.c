/* tally-expr.c — the `-m` / `-k` selection expression language
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-expr-private.h"
#include "tally-scan-private.h"

#include <string.h>

#include "tally-error.h"

/* Parentheses and `not` each add a level; the tree, and so every
 * recursive walk over it, is at most a small multiple of this deep. */
#define MAX_DEPTH 256

/* How much of an offending token an error message quotes. */
#define MAX_QUOTED_CHARS 40

typedef enum
{
  NODE_OR,
  NODE_AND,
  NODE_NOT,
  NODE_ATOM,
} NodeKind;

struct _TallyExpr
{
  NodeKind   kind;
  gboolean   keywords;  /* a -k expression rather than -m */
  GPtrArray *children;  /* OR, AND: two or more operands, in order */
  TallyExpr *operand;   /* NOT */
  char      *text;      /* ATOM: the marker name, or the keyword */
  char      *value;     /* ATOM in -m: the wanted value, or NULL */
};

typedef enum
{
  TOKEN_END,
  TOKEN_LPAREN,
  TOKEN_RPAREN,
  TOKEN_EQUALS,
  TOKEN_AND,
  TOKEN_OR,
  TOKEN_NOT,
  TOKEN_ATOM,
  TOKEN_OTHER,  /* a character that starts no token */
} TokenKind;

typedef struct
{
  TokenKind   kind;
  const char *start;
  const char *end;
  char       *text;  /* TOKEN_ATOM: the decoded name or keyword */
} Token;

typedef struct
{
  const char *text;
  const char *p;         /* where the next token starts */
  gboolean    keywords;
  guint       depth;
  Token       cur;       /* the lookahead token */
  Token       prev;      /* the token consumed last; its text is not kept */
} Parser;

/* Ends a bare word in both languages: a value in -m, a keyword in -k. */
static gboolean
is_word_end (char c)
{
  return c == '\0' || tally_scan_is_space (c) || c == '(' || c == ')' || c == '"';
}

static void
node_free (gpointer data)
{
  tally_expr_free (data);
}

/**
 * tally_expr_free:
 * @expr: (nullable): a #TallyExpr
 *
 * Frees an expression.
 */
void
tally_expr_free (TallyExpr *expr)
{
  if (expr == NULL)
    return;

  g_clear_pointer (&expr->children, g_ptr_array_unref);
  g_clear_pointer (&expr->operand, tally_expr_free);
  g_free (expr->text);
  g_free (expr->value);
  g_free (expr);
}

static TallyExpr *
node_new (NodeKind kind,
          gboolean keywords)
{
  TallyExpr *expr = g_new0 (TallyExpr, 1);

  expr->kind = kind;
  expr->keywords = keywords;
  return expr;
}

/* Errors */

/* Source text as it appears in a message: quoted, shortened, with
 * newlines and tabs shown as escapes so the message stays on one line. */
static char *
quote_source (const char *start,
              const char *end)
{
  g_autofree char *slice = g_strndup (start, end - start);
  g_autofree char *shown = NULL;

  if (g_utf8_strlen (slice, -1) > MAX_QUOTED_CHARS)
    {
      g_autofree char *head = g_utf8_substring (slice, 0, MAX_QUOTED_CHARS);
      shown = g_strconcat (head, "…", NULL);
    }
  else
    shown = g_steal_pointer (&slice);

  for (char *p = shown; *p != '\0'; p++)
    if ((guchar) *p < ' ')
      *p = ' ';

  return g_strdup_printf ("'%s'", shown);
}

static char *
describe_token (const Token *token)
{
  if (token->kind == TOKEN_END)
    return g_strdup ("end of expression");

  return quote_source (token->start, token->end);
}

static const char *
operand_noun (const Parser *parser)
{
  return parser->keywords ? "a keyword" : "a marker name";
}

/* Lexing */

static gboolean
scan_quoted (Parser      *parser,
             char       **text,
             GError     **error)
{
  g_autofree char *value = NULL;

  if (!tally_scan_quoted (parser->text, &parser->p, "string", &value, error))
    return FALSE;

  /* `"a b"c` is one mistake, not two keywords. */
  if (!is_word_end (*parser->p) || *parser->p == '"')
    {
      g_autofree char *what = quote_source (parser->p, g_utf8_next_char (parser->p));
      return tally_scan_fail (parser->text, parser->p, error,
                      "expected whitespace or ')' after a quoted string, got %s", what);
    }

  *text = g_steal_pointer (&value);
  return TRUE;
}

/* A bare word runs up to whitespace, a parenthesis or the end. */
static gboolean
scan_bare (Parser      *parser,
           char       **text,
           GError     **error)
{
  const char *start = parser->p;

  while (!is_word_end (*parser->p))
    parser->p++;

  if (*parser->p == '"' && parser->p > start)
    {
      g_autofree char *word = quote_source (start, parser->p);
      return tally_scan_fail (parser->text, parser->p, error,
                      "unexpected '\"' after %s (quote the whole word)", word);
    }

  *text = g_strndup (start, parser->p - start);
  return TRUE;
}

static TokenKind
keyword_kind (const char *start,
              const char *end)
{
  gsize len = end - start;

  if (len == 3 && memcmp (start, "and", 3) == 0)
    return TOKEN_AND;
  if (len == 2 && memcmp (start, "or", 2) == 0)
    return TOKEN_OR;
  if (len == 3 && memcmp (start, "not", 3) == 0)
    return TOKEN_NOT;

  return TOKEN_ATOM;
}

static gboolean
lex_marker_name (Parser  *parser,
                 Token   *token,
                 GError **error)
{
  while (tally_scan_is_name_char (*parser->p))
    parser->p++;
  token->end = parser->p;

  if (!tally_scan_is_name_start (*token->start))
    {
      g_autofree char *name = quote_source (token->start, token->end);
      return tally_scan_fail (parser->text, token->start, error,
                      "invalid marker name %s: a name starts with a letter or '_'", name);
    }

  token->kind = keyword_kind (token->start, token->end);
  if (token->kind == TOKEN_ATOM)
    token->text = g_strndup (token->start, token->end - token->start);

  return TRUE;
}

static gboolean
lex_keyword (Parser  *parser,
             Token   *token,
             GError **error)
{
  gboolean quoted = *parser->p == '"';
  gboolean ok;

  ok = quoted ? scan_quoted (parser, &token->text, error)
              : scan_bare (parser, &token->text, error);
  if (!ok)
    return FALSE;

  token->end = parser->p;
  /* A quoted "and" is a keyword to look for, not an operator. */
  token->kind = quoted ? TOKEN_ATOM : keyword_kind (token->start, token->end);
  if (token->kind != TOKEN_ATOM)
    g_clear_pointer (&token->text, g_free);

  return TRUE;
}

static gboolean
lex_single (Parser *parser,
            Token  *token)
{
  switch (*parser->p)
    {
    case '\0':
      token->kind = TOKEN_END;
      token->end = parser->p;
      return TRUE;
    case '(':
      token->kind = TOKEN_LPAREN;
      break;
    case ')':
      token->kind = TOKEN_RPAREN;
      break;
    case '=':
      if (parser->keywords)
        return FALSE;
      token->kind = TOKEN_EQUALS;
      break;
    default:
      return FALSE;
    }

  token->end = ++parser->p;
  return TRUE;
}

static gboolean
lex (Parser  *parser,
     Token   *token,
     GError **error)
{
  while (tally_scan_is_space (*parser->p))
    parser->p++;

  *token = (Token) { TOKEN_OTHER, parser->p, parser->p, NULL };

  if (lex_single (parser, token))
    return TRUE;

  if (parser->keywords)
    return lex_keyword (parser, token, error);

  if (tally_scan_is_name_char (*parser->p))
    return lex_marker_name (parser, token, error);

  /* Left for the parser to report with what it expected instead. */
  parser->p = g_utf8_next_char (parser->p);
  token->end = parser->p;
  return TRUE;
}

static gboolean
advance (Parser  *parser,
         GError **error)
{
  g_clear_pointer (&parser->prev.text, g_free);
  parser->prev = parser->cur;
  parser->cur = (Token) { TOKEN_END, parser->p, parser->p, NULL };

  return lex (parser, &parser->cur, error);
}

/* Parsing */

static TallyExpr *parse_or (Parser  *parser,
                            GError **error);

static gboolean
enter (Parser  *parser,
       GError **error)
{
  if (parser->depth >= MAX_DEPTH)
    return tally_scan_fail (parser->text, parser->cur.start, error,
                    "expression nested deeper than %d levels", MAX_DEPTH);

  parser->depth++;
  return TRUE;
}

static void
leave (Parser *parser)
{
  g_assert (parser->depth > 0);
  parser->depth--;
}

static TallyExpr *
fail_expected_operand (Parser  *parser,
                       GError **error)
{
  g_autofree char *got = NULL;
  g_autofree char *after = NULL;

  if (parser->prev.start != NULL)
    after = describe_token (&parser->prev);

  if (parser->cur.kind == TOKEN_END && after != NULL)
    tally_scan_fail (parser->text, parser->cur.start, error, "expected %s after %s",
             operand_noun (parser), after);
  else if (parser->cur.kind == TOKEN_END)
    tally_scan_fail (parser->text, parser->cur.start, error, "expected %s", operand_noun (parser));
  else
    {
      got = describe_token (&parser->cur);
      if (after != NULL)
        tally_scan_fail (parser->text, parser->cur.start, error, "expected %s after %s, got %s",
                 operand_noun (parser), after, got);
      else
        tally_scan_fail (parser->text, parser->cur.start, error, "expected %s, got %s",
                 operand_noun (parser), got);
    }

  return NULL;
}

/* The value after `name=` in -m: a bare word or a quoted string. */
static gboolean
parse_value (Parser     *parser,
             const char *name,
             char      **value,
             GError    **error)
{
  while (tally_scan_is_space (*parser->p))
    parser->p++;

  if (*parser->p == '"')
    return scan_quoted (parser, value, error);

  if (!scan_bare (parser, value, error))
    return FALSE;

  if (**value == '\0')
    {
      g_clear_pointer (value, g_free);
      return tally_scan_fail (parser->text, parser->p, error, "expected a value after '%s='", name);
    }

  return TRUE;
}

static TallyExpr *
parse_atom (Parser  *parser,
            GError **error)
{
  g_autoptr(TallyExpr) atom = node_new (NODE_ATOM, parser->keywords);

  atom->text = g_steal_pointer (&parser->cur.text);
  if (!advance (parser, error))
    return NULL;

  if (parser->cur.kind != TOKEN_EQUALS)
    return g_steal_pointer (&atom);

  /* parser->p is just past '=': read the value there, then move on. */
  if (!parse_value (parser, atom->text, &atom->value, error))
    return NULL;
  if (!advance (parser, error))
    return NULL;

  return g_steal_pointer (&atom);
}

static TallyExpr *
parse_group (Parser  *parser,
             GError **error)
{
  const char *open = parser->cur.start;
  g_autoptr(TallyExpr) inner = NULL;

  if (!enter (parser, error) || !advance (parser, error))
    return NULL;

  inner = parse_or (parser, error);
  if (inner == NULL)
    return NULL;

  if (parser->cur.kind != TOKEN_RPAREN)
    {
      g_autofree char *got = describe_token (&parser->cur);
      tally_scan_fail (parser->text, parser->cur.start, error,
               "expected ')' to close '(' at column %d, got %s",
               tally_scan_column (parser->text, open), got);
      return NULL;
    }

  leave (parser);
  if (!advance (parser, error))
    return NULL;

  return g_steal_pointer (&inner);
}

static TallyExpr *
parse_primary (Parser  *parser,
               GError **error)
{
  switch (parser->cur.kind)
    {
    case TOKEN_LPAREN:
      return parse_group (parser, error);
    case TOKEN_ATOM:
      return parse_atom (parser, error);
    case TOKEN_END:
    case TOKEN_RPAREN:
    case TOKEN_EQUALS:
    case TOKEN_AND:
    case TOKEN_OR:
    case TOKEN_NOT:
    case TOKEN_OTHER:
    default:
      return fail_expected_operand (parser, error);
    }
}

static TallyExpr *
parse_not (Parser  *parser,
           GError **error)
{
  g_autoptr(TallyExpr) negation = NULL;

  if (parser->cur.kind != TOKEN_NOT)
    return parse_primary (parser, error);

  if (!enter (parser, error) || !advance (parser, error))
    return NULL;

  negation = node_new (NODE_NOT, parser->keywords);
  negation->operand = parse_not (parser, error);
  if (negation->operand == NULL)
    return NULL;

  leave (parser);
  return g_steal_pointer (&negation);
}

typedef TallyExpr *(*ParseFunc) (Parser  *parser,
                                 GError **error);

/* One n-ary node for `a OP b OP c`: the tree stays as shallow as the
 * nesting, however long the chain. */
static TallyExpr *
parse_chain (Parser     *parser,
             TokenKind   op,
             NodeKind    kind,
             ParseFunc   parse_operand,
             GError    **error)
{
  g_autoptr(TallyExpr) first = parse_operand (parser, error);
  g_autoptr(TallyExpr) chain = NULL;

  if (first == NULL || parser->cur.kind != op)
    return g_steal_pointer (&first);

  chain = node_new (kind, parser->keywords);
  chain->children = g_ptr_array_new_with_free_func (node_free);
  g_ptr_array_add (chain->children, g_steal_pointer (&first));

  while (parser->cur.kind == op)
    {
      TallyExpr *next;

      if (!advance (parser, error))
        return NULL;
      next = parse_operand (parser, error);
      if (next == NULL)
        return NULL;
      g_ptr_array_add (chain->children, next);
    }

  return g_steal_pointer (&chain);
}

static TallyExpr *
parse_and (Parser  *parser,
           GError **error)
{
  return parse_chain (parser, TOKEN_AND, NODE_AND, parse_not, error);
}

static TallyExpr *
parse_or (Parser  *parser,
          GError **error)
{
  return parse_chain (parser, TOKEN_OR, NODE_OR, parse_and, error);
}

static TallyExpr *
parse_all (Parser  *parser,
           GError **error)
{
  g_autoptr(TallyExpr) expr = NULL;
  g_autofree char *got = NULL;

  if (!advance (parser, error))
    return NULL;

  if (parser->cur.kind == TOKEN_END)
    {
      tally_scan_fail (parser->text, parser->text, error, "empty expression");
      return NULL;
    }

  expr = parse_or (parser, error);
  if (expr == NULL || parser->cur.kind == TOKEN_END)
    return g_steal_pointer (&expr);

  got = describe_token (&parser->cur);
  if (parser->cur.kind == TOKEN_RPAREN)
    tally_scan_fail (parser->text, parser->cur.start, error, "unexpected ')' without a matching '('");
  else
    tally_scan_fail (parser->text, parser->cur.start, error,
             "expected 'and', 'or' or end of expression, got %s", got);

  return NULL;
}

static TallyExpr *
parse (const char  *text,
       gboolean     keywords,
       GError     **error)
{
  Parser parser = { text, text, keywords, 0, { 0, }, { 0, } };
  const char *invalid;
  TallyExpr *expr;

  if (!g_utf8_validate (text, -1, &invalid))
    {
      tally_scan_fail (parser.text, invalid, error, "invalid UTF-8");
      return NULL;
    }

  expr = parse_all (&parser, error);

  g_free (parser.cur.text);
  g_free (parser.prev.text);
  return expr;
}

/**
 * tally_expr_parse_markers:
 * @text: a marker expression such as `serial and not (slow or group=db)`
 * @error: return location for a #GError
 *
 * Parses a `-m` expression: `and`, `or`, `not`, parentheses, marker names
 * and `name=value`. `and` binds tighter than `or`, `not` tighter still.
 *
 * Returns: (transfer full) (nullable): the expression, or %NULL with
 *   @error set to %TALLY_ERROR_PARSE naming the 1-based column
 */
TallyExpr *
tally_expr_parse_markers (const char  *text,
                          GError     **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse (text, FALSE, error);
}

/**
 * tally_expr_parse_keywords:
 * @text: a keyword expression such as `http and not "slow path"`
 * @error: return location for a #GError
 *
 * Parses a `-k` expression: the same operators over keywords, each
 * matched as a case-insensitive substring of `program::path`.
 *
 * Returns: (transfer full) (nullable): the expression, or %NULL with
 *   @error set to %TALLY_ERROR_PARSE naming the 1-based column
 */
TallyExpr *
tally_expr_parse_keywords (const char  *text,
                           GError     **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse (text, TRUE, error);
}

/* Matching */

static gboolean match_node (const TallyExpr    *expr,
                            const TallyMarkers *markers,
                            const char         *haystack);

static gboolean
match_atom (const TallyExpr    *atom,
            const TallyMarkers *markers,
            const char         *haystack)
{
  gsize len;

  if (!atom->keywords)
    {
      if (markers == NULL || !tally_markers_has (markers, atom->text))
        return FALSE;
      return atom->value == NULL
             || g_strcmp0 (tally_markers_lookup (markers, atom->text), atom->value) == 0;
    }

  /* ASCII case folding, byte by byte: the same on both sides, and safe on
   * a haystack that is not UTF-8. */
  len = strlen (atom->text);
  for (const char *h = haystack; *h != '\0'; h++)
    if (g_ascii_strncasecmp (h, atom->text, len) == 0)
      return TRUE;

  return len == 0;
}

static gboolean
match_chain (const TallyExpr    *expr,
             const TallyMarkers *markers,
             const char         *haystack)
{
  /* `and` stops at the first FALSE, `or` at the first TRUE. */
  gboolean stop_on = expr->kind == NODE_OR;

  for (guint i = 0; i < expr->children->len; i++)
    if (match_node (g_ptr_array_index (expr->children, i), markers, haystack) == stop_on)
      return stop_on;

  return !stop_on;
}

static gboolean
match_node (const TallyExpr    *expr,
            const TallyMarkers *markers,
            const char         *haystack)
{
  switch (expr->kind)
    {
    case NODE_OR:
    case NODE_AND:
      return match_chain (expr, markers, haystack);
    case NODE_NOT:
      return !match_node (expr->operand, markers, haystack);
    case NODE_ATOM:
      return match_atom (expr, markers, haystack);
    default:
      g_assert_not_reached ();
    }
}

/**
 * tally_expr_match_markers:
 * @expr: an expression from tally_expr_parse_markers()
 * @markers: (nullable): a test's markers; %NULL is the empty set
 *
 * Returns: %TRUE if a test with @markers is selected by @expr
 */
gboolean
tally_expr_match_markers (const TallyExpr    *expr,
                          const TallyMarkers *markers)
{
  g_return_val_if_fail (expr != NULL, FALSE);
  g_return_val_if_fail (!expr->keywords, FALSE);

  return match_node (expr, markers, NULL);
}

/**
 * tally_expr_match_keywords:
 * @expr: an expression from tally_expr_parse_keywords()
 * @haystack: the text to search, `program::path`; any bytes
 *
 * Returns: %TRUE if the test that @haystack names is selected by @expr
 */
gboolean
tally_expr_match_keywords (const TallyExpr *expr,
                           const char      *haystack)
{
  g_return_val_if_fail (expr != NULL, FALSE);
  g_return_val_if_fail (expr->keywords, FALSE);
  g_return_val_if_fail (haystack != NULL, FALSE);

  return match_node (expr, NULL, haystack);
}

/* Printing */

static gboolean
needs_quotes (const char *word,
              gboolean    is_keyword)
{
  if (word[0] == '\0')
    return TRUE;

  /* A bare `and` would read back as the operator. */
  if (is_keyword && keyword_kind (word, word + strlen (word)) != TOKEN_ATOM)
    return TRUE;

  for (const guchar *p = (const guchar *) word; *p != '\0'; p++)
    if (*p <= ' ' || *p == 0x7f || strchr ("\"\\()", *p) != NULL)
      return TRUE;

  return FALSE;
}

static void
append_word (GString    *out,
             const char *word,
             gboolean    is_keyword)
{
  if (!needs_quotes (word, is_keyword))
    {
      g_string_append (out, word);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_node (GString         *out,
             const TallyExpr *expr)
{
  switch (expr->kind)
    {
    case NODE_OR:
    case NODE_AND:
      g_string_append_c (out, '(');
      for (guint i = 0; i < expr->children->len; i++)
        {
          if (i > 0)
            g_string_append (out, expr->kind == NODE_OR ? " or " : " and ");
          append_node (out, g_ptr_array_index (expr->children, i));
        }
      g_string_append_c (out, ')');
      break;

    case NODE_NOT:
      g_string_append (out, "(not ");
      append_node (out, expr->operand);
      g_string_append_c (out, ')');
      break;

    case NODE_ATOM:
      if (!expr->keywords)
        {
          /* Marker names never need quotes; values may. */
          g_string_append (out, expr->text);
          if (expr->value != NULL)
            {
              g_string_append_c (out, '=');
              append_word (out, expr->value, FALSE);
            }
        }
      else
        append_word (out, expr->text, TRUE);
      break;

    default:
      g_assert_not_reached ();
    }
}

/**
 * tally_expr_to_string:
 * @expr: a #TallyExpr
 *
 * Writes @expr fully parenthesised, for logs and tests: `a or b and not c`
 * becomes `(a or (b and (not c)))`. The result parses back to the same
 * expression.
 *
 * Returns: (transfer full): the canonical form
 */
char *
tally_expr_to_string (const TallyExpr *expr)
{
  GString *out;

  g_return_val_if_fail (expr != NULL, NULL);

  out = g_string_new (NULL);
  append_node (out, expr);
  return g_string_free (out, FALSE);
}
