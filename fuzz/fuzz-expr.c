/* Fuzzes the -m and -k expression parsers and the marker-string parser.
 * Whatever parses must print back to a string that parses to the same
 * string (tally_expr_to_string / tally_markers_to_string are canonical),
 * and matching must not crash. */
/* needs: tally-expr-private.h */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "tally-expr-private.h"
#include "tally-markers-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_expr (TallyExpr *(*parse) (const char *, GError **),
            const char *text,
            const TallyMarkers *markers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyExpr) expr = parse (text, &error);
  g_autoptr(TallyExpr) again = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *reprinted = NULL;

  if (expr == NULL)
    {
      g_assert (error != NULL && error->message != NULL);
      return;
    }
  g_assert_no_error (error);
  printed = tally_expr_to_string (expr);
  again = parse (printed, &error);
  if (again == NULL)
    g_error ("“%s” parsed, but its printed form “%s” does not: %s", text, printed, error->message);
  reprinted = tally_expr_to_string (again);
  if (g_strcmp0 (printed, reprinted) != 0)
    g_error ("printed form not stable: “%s” → “%s” → “%s”", text, printed, reprinted);
  if (parse == tally_expr_parse_markers)
    (void) tally_expr_match_markers (expr, markers);
  else
    (void) tally_expr_match_keywords (expr, "sample-x::/a/b[c] d");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(TallyMarkers) markers = NULL;
  g_autoptr(GError) error = NULL;

  /* The command line and registration give NUL-terminated strings. */
  markers = tally_markers_parse (text, &error);
  if (markers != NULL)
    {
      g_autofree char *printed = tally_markers_to_string (markers);
      g_autoptr(TallyMarkers) again = tally_markers_parse (printed, &error);
      g_autofree char *reprinted = NULL;

      if (again == NULL)
        g_error ("markers “%s” parsed, but “%s” does not: %s", text, printed, error->message);
      reprinted = tally_markers_to_string (again);
      if (g_strcmp0 (printed, reprinted) != 0)
        g_error ("markers not stable: “%s” → “%s” → “%s”", text, printed, reprinted);
    }
  else
    {
      g_clear_error (&error);
      markers = tally_markers_parse ("serial slow timeout=5 group=db note=\"a b\"", NULL);
    }

  check_expr (tally_expr_parse_markers, text, markers);
  check_expr (tally_expr_parse_keywords, text, markers);
  return 0;
}
