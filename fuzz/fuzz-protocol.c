/* Fuzzes the runner's protocol decoder: TallyFrameReader fed the input in
 * chunks (sizes taken from the input), and the LOG and FINISHED body
 * parsers on every frame it accepts. A LOG body must re-encode to itself:
 * the parser may neither invent nor drop bytes of the message; domain,
 * file, func and fields are C strings (cut at a NUL) by design. */
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
      g_autoptr(GVariant) body = NULL;
      TallyMessageType type;

      if (!tally_frame_reader_next (reader, &type, &body, &error))
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

      g_assert (g_variant_is_of_type (body, tally_message_body_type (type)));
      if (type == TALLY_MSG_LOG)
        {
          guint index = 0;
          TallyLogRecord *record = tally_protocol_log_parse (body, &index);
          g_autoptr(GVariant) again = g_variant_ref_sink (tally_protocol_log_new (index, record));

          for (gsize i = 0; i < g_variant_n_children (body); i++)
            {
              g_autoptr(GVariant) a = g_variant_get_child_value (body, i);
              g_autoptr(GVariant) b = g_variant_get_child_value (again, i);

              if (i == 2 || i == 4 || i == 6 || i == 9)
                {
                  gsize alen = 0, blen = 0;
                  const char *adata = g_variant_get_fixed_array (a, &alen, 1);
                  const char *bdata = g_variant_get_fixed_array (b, &blen, 1);
                  gsize cut = adata ? strnlen (adata, alen) : 0;

                  g_assert_cmpmem (adata, cut, bdata, blen);
                }
              else
                g_assert (g_variant_equal (a, b));
            }
          tally_log_record_free (record);
        }
      else if (type == TALLY_MSG_FINISHED)
        {
          TallyResult result;
          guint index = 0;
          gboolean tainted = FALSE;
          guint64 out_end = 0, err_end = 0;

          tally_result_init (&result);
          tally_protocol_finished_parse (body, &index, &result, &tainted, &out_end, &err_end);
          g_assert ((guint) result.outcome < TALLY_N_OUTCOMES);
          tally_result_clear (&result);
        }
      else
        {
          /* print it, as a debug dump would */
          g_free (g_variant_print (body, TRUE));
        }
    }

  return 0;
}
