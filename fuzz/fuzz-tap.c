/* Fuzzes the incremental TAP reader: pushed in chunks whose size comes
 * from the first byte, drained after each push, then finished; every line
 * parsed alone too, in and out of a YAML block. The reader is total: it
 * must never crash, and every event carries its raw line. */
/* needs: tally-tap-private.h */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "tally-tap-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gsize
drain (TallyTapParser *parser)
{
  TallyTapEvent event = { 0 };
  gsize bytes = 0;

  while (tally_tap_parser_next (parser, &event))
    {
      g_assert (event.raw != NULL);
      bytes += g_bytes_get_size (event.raw);
      tally_tap_event_clear (&event);
      memset (&event, 0, sizeof event);
    }
  return bytes;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(TallyTapParser) parser = tally_tap_parser_new ();
  gsize chunk, seen = 0;
  const uint8_t *line, *end;

  if (size < 1)
    return 0;
  chunk = (gsize) data[0] + 1;
  data++, size--;

  for (gsize offset = 0; offset < size; offset += chunk)
    {
      tally_tap_parser_push (parser, data + offset, MIN (chunk, size - offset));
      seen += drain (parser);
    }
  tally_tap_parser_finish (parser);
  seen += drain (parser);
  /* Nothing invented, nothing lost: the raw lines add up to the input. */
  if (seen != size)
    g_error ("raw lines hold %" G_GSIZE_FORMAT " bytes of %" G_GSIZE_FORMAT, seen, size);

  for (line = data, end = data + size; line < end; )
    {
      const uint8_t *nl = memchr (line, '\n', end - line);
      gsize len = nl ? (gsize) (nl - line) : (gsize) (end - line);

      for (int in_yaml = 0; in_yaml < 2; in_yaml++)
        {
          TallyTapEvent event = { 0 };
          tally_tap_parse_line ((const char *) line, len, in_yaml, &event);
          tally_tap_event_clear (&event);
        }
      line += len + 1;
    }
  return 0;
}
