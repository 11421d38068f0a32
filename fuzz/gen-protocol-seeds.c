/* Writes seed frames for fuzz-protocol into a directory: each seed is one
 * chunk-size byte followed by frames built with the real encoder.
 * Built and run by hand (see docs/reliability.md); its output is checked
 * in under fuzz/corpus/protocol/. */
#include <stdio.h>

#include <glib.h>

#include "tally-protocol-private.h"

static void
save (const char *dir, const char *name, guint8 chunk, GByteArray *frames)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GByteArray) seed = g_byte_array_new ();

  g_byte_array_append (seed, &chunk, 1);
  g_byte_array_append (seed, frames->data, frames->len);
  if (!g_file_set_contents (path, (const char *) seed->data, seed->len, NULL))
    g_error ("cannot write %s", path);
}

int
main (int argc, char **argv)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GByteArray) one = g_byte_array_new ();
  TallyLogRecord record = { 0 };
  static const char message[] = "hello \xff\0 world";
  guint32 indices[] = { 0, 1, 2 };
  TallyResult result = { .outcome = TALLY_OUTCOME_FAILED, .message = (char *) "boom",
                         .file = (char *) "x.c", .line = 7, .started_at_us = 1, .duration_us = 2 };

  if (argc != 2)
    return 2;

  record.level = G_LOG_LEVEL_MESSAGE;
  record.domain = (char *) "Dom";
  record.message = (char *) message;
  record.message_len = sizeof message - 1;
  record.file = (char *) "x.c";
  record.line = 42;
  record.func = (char *) "f";
  record.time_us = 1234567;
  record.thread_id = 99;
  record.fields = (char *) "{\"K\":\"v\"}";

  tally_frame_append (all, TALLY_MSG_HELLO, g_variant_new ("(uut)", 1, 3, (guint64) 4242));
  g_byte_array_set_size (all, all->len + tally_protocol_started_size ());
  tally_protocol_started_write (all->data + all->len - tally_protocol_started_size (),
                                0, (gint64) 1700000000000000);
  tally_protocol_append_log (all, 0, &record);
  g_byte_array_set_size (all, all->len + tally_protocol_finished_size (result.message, result.file));
  tally_protocol_finished_write (all->data + all->len - tally_protocol_finished_size (result.message, result.file),
                                 0, &result, FALSE, 10, 0);
  tally_frame_append (all, TALLY_MSG_BYE, g_variant_new ("(s)", "done"));
  tally_frame_append (all, TALLY_MSG_RUN, g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, indices, 3, 4));
  save (argv[1], "session-chunk1", 0, all);
  save (argv[1], "session-chunk64", 63, all);
  save (argv[1], "session-whole", 255, all);

  tally_protocol_append_log (one, 7, &record);
  save (argv[1], "log", 255, one);
  return 0;
}
