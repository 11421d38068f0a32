/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An incremental TAP reader: bytes in, one event per line out. It is
 * pure (no I/O) and total: any input gives events, lines it cannot
 * make sense of come back as TALLY_TAP_OTHER (program output) or
 * TALLY_TAP_MALFORMED (TAP-looking but wrong), never a crash. */

typedef enum
{
  TALLY_TAP_OTHER,          /* not TAP: what the program printed */
  TALLY_TAP_VERSION,        /* "TAP version 13" */
  TALLY_TAP_PLAN,           /* "1..N [# SKIP reason]" */
  TALLY_TAP_RESULT,         /* "ok|not ok [N] [-] [description] [# SKIP|TODO [reason]]" */
  TALLY_TAP_BAIL_OUT,       /* "Bail out! [reason]" */
  TALLY_TAP_COMMENT,        /* "# text" */
  TALLY_TAP_YAML,           /* a line of a "  ---" … "  ..." block after a result */
  TALLY_TAP_MALFORMED,      /* looks like TAP but is not: text says why */
} TallyTapKind;

typedef enum
{
  TALLY_TAP_DIRECTIVE_NONE,
  TALLY_TAP_DIRECTIVE_SKIP,
  TALLY_TAP_DIRECTIVE_TODO,
} TallyTapDirective;

typedef struct
{
  TallyTapKind kind;
  gboolean ok;                  /* RESULT */
  guint64 number;               /* RESULT: the test number, 0 when absent */
  char *description;            /* RESULT: nullable */
  TallyTapDirective directive;  /* RESULT, PLAN (SKIP) */
  char *text;                   /* directive reason, bail-out reason, comment,
                                 * YAML line, or what is malformed; nullable */
  guint64 plan_count;           /* PLAN */
  GBytes *raw;                  /* the whole line, with its newline if it had one */
} TallyTapEvent;

typedef struct _TallyTapParser TallyTapParser;

/* Parses one line (without its newline). @in_yaml: the previous lines
 * opened a YAML block. Fills @event (clear it with tally_tap_event_clear). */
void            tally_tap_parse_line     (const char       *line,
                                          gsize             len,
                                          gboolean          in_yaml,
                                          TallyTapEvent    *event);
void            tally_tap_event_clear    (TallyTapEvent    *event);

TallyTapParser *tally_tap_parser_new     (void);
void            tally_tap_parser_free    (TallyTapParser   *parser);
void            tally_tap_parser_push    (TallyTapParser   *parser,
                                          const void       *data,
                                          gsize             len);
/* Marks the end of input: a last line without a newline becomes complete. */
void            tally_tap_parser_finish  (TallyTapParser   *parser);
/* The next complete line's event; FALSE when more input is needed. */
gboolean        tally_tap_parser_next    (TallyTapParser   *parser,
                                          TallyTapEvent    *event);
/* How many pushed bytes no event has taken yet. */
gsize           tally_tap_parser_pending (TallyTapParser   *parser);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyTapParser, tally_tap_parser_free)

G_END_DECLS
