/* Fuzzes the runner's protocol decoder: TallyFrameReader fed the input in
 * chunks (sizes taken from the input), and the payload decoders on every
 * frame it accepts. A LOG payload must survive a round trip: decoding what
 * the encoder makes of a decoded record gives the same record (domain,
 * file, func and fields are C strings, cut at a NUL, by design), and the
 * message keeps every byte. */
/* needs: tally-protocol-private.h */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "tally-protocol-private.h"
#include "tally-result-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(TallyFrameReader) reader = tally_frame_reader_new ();
  size_t offset = 0;
  guint8 chunk = 0;

  if (size < 1)
    return 0;
  /* The first byte picks the chunk size (1–256): partial headers and
   * bodies split across reads are exercised too. */
  chunk = data[0];
  data++, size--;

  while (TRUE)
    {
      g_autoptr(GError) error = NULL;
      TallyFrame frame;

      if (!tally_frame_reader_next (reader, &frame, &error))
        {
          if (error != NULL)
            break;
          if (offset >= size)
            break;
          gsize n = MIN ((gsize) chunk + 1, size - offset);
          tally_frame_reader_push (reader, data + offset, n);
          offset += n;
          continue;
        }

      if (frame.type == TALLY_MSG_LOG)
        {
          guint index = 0, index2 = 0;
          TallyLogRecord view, again;
          g_autoptr(GByteArray) encoded = g_byte_array_new ();
          TallyFrame frame2;
          guint32 size2;

          if (!tally_protocol_log_parse (&frame, &index, &view))
            continue;
          tally_protocol_append_log (encoded, index, &view);
          frame2.type = TALLY_MSG_LOG;
          frame2.data = encoded->data + TALLY_FRAME_HEADER_SIZE;
          memcpy (&size2, encoded->data, sizeof size2);   /* the header's length */
          frame2.size = GUINT32_FROM_LE (size2);
          g_assert_true (tally_protocol_log_parse (&frame2, &index2, &again));
          g_assert_cmpuint (index, ==, index2);
          g_assert_cmpuint (view.level, ==, again.level);
          g_assert_cmpint (view.line, ==, again.line);
          g_assert_cmpint (view.time_us, ==, again.time_us);
          g_assert_cmpuint (view.thread_id, ==, again.thread_id);
          g_assert_cmpstr (view.domain, ==, again.domain);
          g_assert_cmpstr (view.file, ==, again.file);
          g_assert_cmpstr (view.func, ==, again.func);
          g_assert_cmpstr (view.fields, ==, again.fields);
          g_assert_cmpmem (view.message, view.message_len, again.message, again.message_len);
        }
      else if (frame.type == TALLY_MSG_FINISHED)
        {
          TallyResult result;
          guint index = 0;
          gboolean tainted = FALSE;
          guint64 out_end = 0, err_end = 0;

          tally_result_init (&result);
          if (tally_protocol_finished_parse (&frame, &index, &result, &tainted, &out_end, &err_end))
            g_assert ((guint) result.outcome < TALLY_N_OUTCOMES);
          tally_result_clear (&result);
        }
      else if (frame.type == TALLY_MSG_CRASH)
        {
          TallyCrashInfo crash;

          if (tally_protocol_crash_parse (&frame, &crash))
            {
              g_assert_nonnull (crash.maps);
              tally_crash_info_clear (&crash);
            }
        }
      else if (frame.type == TALLY_MSG_STARTED)
        {
          guint index = 0;
          gint64 started = 0;

          (void) tally_protocol_started_parse (&frame, &index, &started);
        }
      else
        {
          g_autoptr(GVariant) body = tally_frame_get_variant (&frame, NULL);

          /* print it, as a debug dump would */
          if (body != NULL)
            {
              g_assert (g_variant_is_of_type (body, tally_message_body_type (frame.type)));
              g_free (g_variant_print (body, TRUE));
            }
        }
    }

  return 0;
}
