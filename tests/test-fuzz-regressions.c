/* Inputs the fuzzers (fuzz/) once found a problem with, fed to the same
 * parsers as plain tests. Their value is under the sanitizers (the ASan +
 * UBSan build, with UBSAN_OPTIONS=halt_on_error=1): in a plain build they
 * can only catch crashes and wrong results. */
#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-tap-private.h"

/* fuzz-tap, input "T" (first byte: chunk size; no data): finishing an
 * empty reader and asking for a line computed NULL + 0 in
 * tally_tap_parser_next() (engine/tally-tap.c), undefined behaviour. */
static void
test_tap_empty_reader (TallyTest *t, gconstpointer data)
{
  g_autoptr(TallyTapParser) parser = tally_tap_parser_new ();
  TallyTapEvent event = { 0 };

  tally_assert_false (tally_tap_parser_next (parser, &event));
  tally_tap_parser_finish (parser);
  tally_assert_false (tally_tap_parser_next (parser, &event));
}

/* And the same reader fed one unterminated line, then finished: one
 * event, whose raw bytes are the input. */
static void
test_tap_last_line_without_newline (TallyTest *t, gconstpointer data)
{
  g_autoptr(TallyTapParser) parser = tally_tap_parser_new ();
  TallyTapEvent event = { 0 };

  tally_tap_parser_push (parser, "ok 1", 4);
  tally_assert_false (tally_tap_parser_next (parser, &event));
  tally_tap_parser_finish (parser);
  tally_assert_true (tally_tap_parser_next (parser, &event));
  tally_assert_cmpint (event.kind, ==, TALLY_TAP_RESULT);
  tally_assert_cmpuint (g_bytes_get_size (event.raw), ==, 4);
  tally_tap_event_clear (&event);
  memset (&event, 0, sizeof event);
  tally_assert_false (tally_tap_parser_next (parser, &event));
}

static void
register_tests (void)
{
  tally_add ("/reliability/fuzz-regressions/tap/empty-reader", test_tap_empty_reader, NULL);
  tally_add ("/reliability/fuzz-regressions/tap/last-line-without-newline", test_tap_last_line_without_newline, NULL);
}

TALLY_MAIN (register_tests)
