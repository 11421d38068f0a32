/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-markers-private.h"

G_BEGIN_DECLS

/* One expression language for `-m` (markers) and `-k` (keywords), shared by
 * `tally run`, `tally list`, standalone test programs and the viewer:
 *
 *   expr    := or
 *   or      := and ( "or" and )*
 *   and     := not ( "and" not )*
 *   not     := "not" not | primary
 *   primary := "(" expr ")" | ATOM [ "=" VALUE ]
 *
 * For -m, an ATOM is a marker name; `name` matches a test that has the
 * marker, `name=value` one whose marker has exactly that value. For -k, an
 * ATOM is any run of characters other than whitespace and parentheses (a
 * quoted string may hold those), matched as a case-insensitive substring of
 * the haystack "program::path"; `=` is an ordinary character there.
 *
 * Errors are TALLY_ERROR_PARSE with a message that names the 1-based
 * column: "column 7: expected a marker name after 'and'". */
typedef struct _TallyExpr TallyExpr;

TallyExpr *tally_expr_parse_markers   (const char         *text,
                                       GError            **error);
TallyExpr *tally_expr_parse_keywords  (const char         *text,
                                       GError            **error);
gboolean   tally_expr_match_markers   (const TallyExpr    *expr,
                                       const TallyMarkers *markers);
gboolean   tally_expr_match_keywords  (const TallyExpr    *expr,
                                       const char         *haystack);
char      *tally_expr_to_string       (const TallyExpr    *expr);
void       tally_expr_free            (TallyExpr          *expr);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyExpr, tally_expr_free)

G_END_DECLS
