/* The worker protocol's frames, encoded and decoded as the worker and the
 * runner do (libcore/tally-protocol.c): round trips keep every field, and
 * every malformed payload or frame is refused rather than half-read. */
#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-error.h"
#include "tally-protocol-private.h"

static const char message[] = "caf\xc3\xa9 \xff\0 and after the NUL";

static TallyLogRecord
sample_record (void)
{
  TallyLogRecord record = {
    .level = G_LOG_LEVEL_WARNING,
    .domain = (char *) "Dom",
    .message = (char *) message,
    .message_len = sizeof message - 1,
    .file = (char *) "x.c",
    .line = 42,
    .func = (char *) "f",
    .time_us = G_GINT64_CONSTANT (1700000000123456),
    .thread_id = G_GUINT64_CONSTANT (0xfedcba9876543210),
    .fields = (char *) "{\"K\":\"v\"}",
  };

  return record;
}

/* Feeds @bytes to a fresh reader and returns its first frame's payload
 * (a copy), or NULL with @error set when the framing is refused. */
static GBytes *
read_one_frame (GByteArray        *bytes,
                TallyMessageType  *type,
                GError           **error)
{
  g_autoptr(TallyFrameReader) reader = tally_frame_reader_new ();
  TallyFrame frame;

  tally_frame_reader_push (reader, bytes->data, bytes->len);
  if (!tally_frame_reader_next (reader, &frame, error))
    return NULL;
  *type = frame.type;
  return g_bytes_new (frame.data, frame.size);
}

static TallyFrame
frame_of (TallyMessageType  type,
          GBytes           *payload)
{
  TallyFrame frame = { type, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload) };

  return frame;
}

static void
test_log_round_trip (TallyTest *t, gconstpointer data)
{
  TallyLogRecord record = sample_record (), view;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  TallyMessageType type = 0;
  TallyFrame frame;
  guint index = 0;

  tally_protocol_append_log (bytes, 7, &record);
  tally_assert_cmpuint (bytes->len % 8, ==, 0);
  payload = read_one_frame (bytes, &type, &error);
  tally_assert_no_error (error);
  tally_assert_cmpint (type, ==, TALLY_MSG_LOG);

  frame = frame_of (type, payload);
  tally_assert_true (tally_protocol_log_parse (&frame, &index, &view));
  tally_assert_cmpuint (index, ==, 7);
  tally_assert_cmpuint (view.level, ==, G_LOG_LEVEL_WARNING);
  tally_assert_cmpstr (view.domain, ==, "Dom");
  tally_assert_cmpuint (view.message_len, ==, sizeof message - 1);
  tally_assert_true (memcmp (view.message, message, sizeof message - 1) == 0);
  tally_assert_cmpstr (view.file, ==, "x.c");
  tally_assert_cmpint (view.line, ==, 42);
  tally_assert_cmpstr (view.func, ==, "f");
  tally_assert_cmpint (view.time_us, ==, G_GINT64_CONSTANT (1700000000123456));
  tally_assert_cmpuint (view.thread_id, ==, G_GUINT64_CONSTANT (0xfedcba9876543210));
  tally_assert_cmpstr (view.fields, ==, "{\"K\":\"v\"}");
}

/* Absent strings travel as empty ones and come back NULL; the message
 * comes back empty, never NULL. */
static void
test_log_empty_fields (TallyTest *t, gconstpointer data)
{
  TallyLogRecord record = { .level = G_LOG_LEVEL_DEBUG }, view;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  TallyMessageType type = 0;
  TallyFrame frame;
  guint index = 1;

  tally_protocol_append_log (bytes, 0, &record);
  payload = read_one_frame (bytes, &type, NULL);
  tally_assert_nonnull (payload);
  frame = frame_of (type, payload);
  tally_assert_true (tally_protocol_log_parse (&frame, &index, &view));
  tally_assert_cmpuint (index, ==, 0);
  tally_assert_null (view.domain);
  tally_assert_null (view.file);
  tally_assert_null (view.func);
  tally_assert_null (view.fields);
  tally_assert_nonnull (view.message);
  tally_assert_cmpuint (view.message_len, ==, 0);
}

/* fuzz-protocol found this: a C-string field whose first byte is a NUL
 * decoded as "" but re-encoded as absent. It is absent (NULL) now. */
static void
test_log_string_starting_with_nul (TallyTest *t, gconstpointer data)
{
  TallyLogRecord record = sample_record (), view;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  TallyFrame frame;
  guint index;
  guint32 size;
  gsize fields_at;

  tally_protocol_append_log (bytes, 3, &record);
  /* The fields string is the last one: length, bytes, NUL, padding. */
  fields_at = TALLY_FRAME_HEADER_SIZE + 4 + 4 + 4 + 8 + 8
              + (4 + 3 + 1) + (4 + sizeof message - 1 + 1) + (4 + 3 + 1) + (4 + 1 + 1) + 4;
  tally_assert_true (memcmp (bytes->data + fields_at, "{\"K\"", 4) == 0);
  bytes->data[fields_at] = '\0';

  frame.type = TALLY_MSG_LOG;
  frame.data = bytes->data + TALLY_FRAME_HEADER_SIZE;
  memcpy (&size, bytes->data, 4);
  frame.size = GUINT32_FROM_LE (size);
  tally_assert_true (tally_protocol_log_parse (&frame, &index, &view));
  tally_assert_null (view.fields);
  tally_assert_cmpstr (view.domain, ==, "Dom");
}

static void
test_finished_round_trip (TallyTest *t, gconstpointer data)
{
  TallyResult sent = { .outcome = TALLY_OUTCOME_FAILED, .message = (char *) "boom",
                       .file = (char *) "t.c", .line = 9, .started_at_us = 11,
                       .duration_us = 22 };
  TallyResult got;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  TallyMessageType type = 0;
  TallyFrame frame;
  gboolean tainted = FALSE;
  guint64 out_end = 0, err_end = 0;
  guint index = 0;

  g_byte_array_set_size (bytes, tally_protocol_finished_size (sent.message, sent.file));
  tally_protocol_finished_write (bytes->data, 5, &sent, TRUE, 100, 200);
  payload = read_one_frame (bytes, &type, NULL);
  tally_assert_nonnull (payload);
  tally_assert_cmpint (type, ==, TALLY_MSG_FINISHED);

  tally_result_init (&got);
  frame = frame_of (type, payload);
  tally_assert_true (tally_protocol_finished_parse (&frame, &index, &got, &tainted, &out_end, &err_end));
  tally_assert_cmpuint (index, ==, 5);
  tally_assert_cmpint (got.outcome, ==, TALLY_OUTCOME_FAILED);
  tally_assert_cmpstr (got.message, ==, "boom");
  tally_assert_cmpstr (got.file, ==, "t.c");
  tally_assert_cmpint (got.line, ==, 9);
  tally_assert_cmpint (got.started_at_us, ==, 11);
  tally_assert_cmpint (got.duration_us, ==, 22);
  tally_assert_true (tainted);
  tally_assert_cmpuint (out_end, ==, 100);
  tally_assert_cmpuint (err_end, ==, 200);
  tally_result_clear (&got);
}

/* Every proper prefix of a payload, and the payload with a byte more,
 * is refused; so is a string whose NUL was overwritten. */
static void
test_log_malformed_payloads (TallyTest *t, gconstpointer data)
{
  TallyLogRecord record = sample_record (), view;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GByteArray) longer = NULL;
  guint32 size;
  TallyFrame frame;
  guint index;

  tally_protocol_append_log (bytes, 1, &record);
  memcpy (&size, bytes->data, 4);
  size = GUINT32_FROM_LE (size);

  frame.type = TALLY_MSG_LOG;
  frame.data = bytes->data + TALLY_FRAME_HEADER_SIZE;
  for (gsize n = 0; n < size; n++)
    {
      frame.size = n;
      tally_assert_false (tally_protocol_log_parse (&frame, &index, &view));
    }

  longer = g_byte_array_new ();
  g_byte_array_append (longer, frame.data, size);
  g_byte_array_append (longer, (const guint8 *) "x", 1);
  frame.data = longer->data;
  frame.size = longer->len;
  tally_assert_false (tally_protocol_log_parse (&frame, &index, &view));

  /* The domain's NUL (after 28 fixed bytes, a length and "Dom"). */
  longer->data[28 + 4 + 3] = 'X';
  frame.size = size;
  tally_assert_false (tally_protocol_log_parse (&frame, &index, &view));

  /* A payload of another type is not a LOG. */
  frame.type = TALLY_MSG_FINISHED;
  frame.data = bytes->data + TALLY_FRAME_HEADER_SIZE;
  tally_assert_false (tally_protocol_log_parse (&frame, &index, &view));
}

/* CRASH, as the fatal-signal handler writes it: a round trip, and every
 * proper prefix or a frame count larger than the payload refused. */
static void
test_crash_round_trip (TallyTest *t, gconstpointer data)
{
  static const guint64 frames[] = { 0x1000, 0x2000, 0x30000000000 };
  static const char maps[] = "55d0-55d1 r-xp 00001000 08:01 42 /usr/bin/x\n";
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  TallyMessageType type = 0;
  TallyCrashInfo crash;
  TallyFrame frame;

  g_byte_array_set_size (bytes, tally_protocol_crash_size (G_N_ELEMENTS (frames), strlen (maps)));
  tally_protocol_crash_write (bytes->data, 11, 1, 0x10, frames, G_N_ELEMENTS (frames), maps, strlen (maps));
  payload = read_one_frame (bytes, &type, NULL);
  tally_assert_nonnull (payload);
  tally_assert_cmpint (type, ==, TALLY_MSG_CRASH);

  frame = frame_of (type, payload);
  tally_assert_true (tally_protocol_crash_parse (&frame, &crash));
  tally_assert_cmpint (crash.signum, ==, 11);
  tally_assert_cmpint (crash.code, ==, 1);
  tally_assert_cmpuint (crash.address, ==, 0x10);
  tally_assert_cmpuint (crash.n_frames, ==, 3);
  tally_assert_cmpuint (crash.frames[2], ==, 0x30000000000);
  tally_assert_cmpstr (crash.maps, ==, maps);
  tally_crash_info_clear (&crash);

  for (gsize n = 0; n < frame.size; n++)
    {
      TallyFrame shorter = frame;

      shorter.size = n;
      tally_assert_false (tally_protocol_crash_parse (&shorter, &crash));
    }
}

static void
test_frame_padding_must_be_zero (TallyTest *t, gconstpointer data)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  TallyMessageType type;

  g_byte_array_set_size (bytes, tally_protocol_started_size ());
  tally_protocol_started_write (bytes->data, 2, 12345);
  /* STARTED's 12-byte payload is padded with 4 zero bytes. */
  tally_assert_cmpuint (bytes->len, ==, TALLY_FRAME_HEADER_SIZE + 16);
  bytes->data[bytes->len - 1] = 1;

  payload = read_one_frame (bytes, &type, &error);
  tally_assert_null (payload);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL);
}

static void
test_frame_unknown_type (TallyTest *t, gconstpointer data)
{
  static const guint8 frame[16] = { 8, 0, 0, 0, 99, 0, 0, 0 };
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  TallyMessageType type;

  g_byte_array_append (bytes, frame, sizeof frame);
  payload = read_one_frame (bytes, &type, &error);
  tally_assert_null (payload);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL);
}

/* A GVariant message whose payload is not of its type is refused. */
static void
test_variant_of_wrong_type (TallyTest *t, gconstpointer data)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GError) error = NULL;
  TallyMessageType type = 0;
  TallyFrame frame;

  /* A RUN frame carrying a string instead of `(au)`: three bytes ("ab"
   * and its NUL) cannot be an array of 32-bit integers. */
  tally_frame_append (bytes, TALLY_MSG_RUN, g_variant_new ("(s)", "ab"));
  payload = read_one_frame (bytes, &type, NULL);
  tally_assert_nonnull (payload);
  frame = frame_of (type, payload);
  body = tally_frame_get_variant (&frame, &error);
  tally_assert_null (body);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL);
}

/* LATE (issue 19 item 14) round-trips, bytes that are not UTF-8 and
 * NULs included; a LATE too short for its type is refused. */
static void
test_late_round_trip (TallyTest *t, gconstpointer data)
{
  static const char text[] = "late\0\xff bytes";
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GByteArray) wrong = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GVariant) got = NULL;
  g_autoptr(GError) error = NULL;
  TallyMessageType type = 0;
  guint32 index, stream, level;
  guint64 n_bytes;
  gconstpointer got_text;
  gsize len = 0;
  TallyFrame frame;

  tally_assert_true (tally_message_is_known (TALLY_MSG_LATE));
  tally_frame_append (bytes, TALLY_MSG_LATE,
                      g_variant_new ("(uuut@ay)", 7, 2, G_LOG_LEVEL_INFO, G_GUINT64_CONSTANT (5000000000),
                                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, text,
                                                                sizeof text - 1, 1)));
  payload = read_one_frame (bytes, &type, NULL);
  tally_assert_cmpint (type, ==, TALLY_MSG_LATE);
  frame = frame_of (type, payload);
  body = tally_frame_get_variant (&frame, &error);
  tally_assert_no_error (error);
  g_variant_get (body, "(uuut@ay)", &index, &stream, &level, &n_bytes, &got);
  tally_assert_cmpuint (index, ==, 7);
  tally_assert_cmpuint (stream, ==, 2);
  tally_assert_cmpuint (level, ==, G_LOG_LEVEL_INFO);
  tally_assert_cmpuint (n_bytes, ==, G_GUINT64_CONSTANT (5000000000));
  got_text = g_variant_get_fixed_array (got, &len, 1);
  tally_assert_cmpmem (got_text, len, text, sizeof text - 1);

  g_clear_pointer (&payload, g_bytes_unref);
  g_clear_pointer (&body, g_variant_unref);
  tally_frame_append (wrong, TALLY_MSG_LATE, g_variant_new ("(u)", 7));
  payload = read_one_frame (wrong, &type, NULL);
  frame = frame_of (type, payload);
  body = tally_frame_get_variant (&frame, &error);
  tally_assert_null (body);
  tally_assert_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL);
}

static void
register_tests (void)
{
  tally_add ("/protocol/log/round-trip", test_log_round_trip, NULL);
  tally_add ("/protocol/log/empty-fields", test_log_empty_fields, NULL);
  tally_add ("/protocol/log/string-starting-with-nul", test_log_string_starting_with_nul, NULL);
  tally_add ("/protocol/log/malformed", test_log_malformed_payloads, NULL);
  tally_add ("/protocol/finished/round-trip", test_finished_round_trip, NULL);
  tally_add ("/protocol/crash/round-trip", test_crash_round_trip, NULL);
  tally_add ("/protocol/late/round-trip", test_late_round_trip, NULL);
  tally_add ("/protocol/frame/padding-must-be-zero", test_frame_padding_must_be_zero, NULL);
  tally_add ("/protocol/frame/unknown-type", test_frame_unknown_type, NULL);
  tally_add ("/protocol/frame/variant-of-wrong-type", test_variant_of_wrong_type, NULL);
}

TALLY_MAIN (register_tests)
