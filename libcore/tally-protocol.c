/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-error.h"
#include "tally-protocol-private.h"

const GVariantType *
tally_message_body_type (TallyMessageType type)
{
  switch (type)
    {
    case TALLY_MSG_HELLO:    return G_VARIANT_TYPE ("(uut)");
    case TALLY_MSG_BYE:      return G_VARIANT_TYPE ("(s)");
    case TALLY_MSG_FIXTURE:  return G_VARIANT_TYPE ("(sus)");
    case TALLY_MSG_RUN:      return G_VARIANT_TYPE ("(au)");
    case TALLY_MSG_QUIT:     return G_VARIANT_TYPE_UNIT;
    case TALLY_MSG_STARTED:
    case TALLY_MSG_LOG:
    case TALLY_MSG_FINISHED:
    case TALLY_MSG_CRASH:
    default:                 return NULL;
    }
}

gboolean
tally_message_is_known (guint32 type)
{
  return type == TALLY_MSG_STARTED || type == TALLY_MSG_LOG || type == TALLY_MSG_FINISHED
         || type == TALLY_MSG_CRASH
         || tally_message_body_type ((TallyMessageType) type) != NULL;
}

static void
put_u32 (guint8  *dest,
         guint32  value)
{
  value = GUINT32_TO_LE (value);
  memcpy (dest, &value, sizeof value);
}

static guint32
get_u32 (const guint8 *src)
{
  guint32 value;

  memcpy (&value, src, sizeof value);
  return GUINT32_FROM_LE (value);
}

/* Frames are padded to 8 bytes, so every body starts 8-aligned in a
 * buffer of frames: g_variant_store() needs its destination aligned. */
static gsize
padded (gsize size)
{
  return (size + 7) & ~(gsize) 7;
}

/* The size of the whole frame that carries @body, padding included. */
gsize
tally_frame_size (GVariant *body)
{
  return TALLY_FRAME_HEADER_SIZE + padded (g_variant_get_size (body));
}

/* Writes the frame into @dest, which has tally_frame_size() bytes. */
void
tally_frame_store (guint8           *dest,
                   TallyMessageType  type,
                   GVariant         *body)
{
  gsize size = g_variant_get_size (body);

  put_u32 (dest, (guint32) size);
  put_u32 (dest + 4, type);
  g_variant_store (body, dest + TALLY_FRAME_HEADER_SIZE);
  memset (dest + TALLY_FRAME_HEADER_SIZE + size, 0, padded (size) - size);
}

void
tally_frame_append (GByteArray       *buffer,
                    TallyMessageType  type,
                    GVariant         *body)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);
  guint old_len = buffer->len;

  g_byte_array_set_size (buffer, old_len + tally_frame_size (owned));
  tally_frame_store (buffer->data + old_len, type, owned);
}

struct _TallyFrameReader
{
  GByteArray *buffer;
  gsize offset;
  gboolean broken;
};

TallyFrameReader *
tally_frame_reader_new (void)
{
  TallyFrameReader *reader = g_new0 (TallyFrameReader, 1);

  reader->buffer = g_byte_array_sized_new (64 * 1024);
  return reader;
}

void
tally_frame_reader_free (TallyFrameReader *reader)
{
  if (reader == NULL)
    return;

  g_byte_array_unref (reader->buffer);
  g_free (reader);
}

void
tally_frame_reader_push (TallyFrameReader *reader,
                         const guint8     *data,
                         gsize             len)
{
  /* Drop consumed bytes before growing, so the buffer stays the size of
   * the largest frame rather than of the whole stream. */
  if (reader->offset > 0 && reader->offset == reader->buffer->len)
    {
      g_byte_array_set_size (reader->buffer, 0);
      reader->offset = 0;
    }
  else if (reader->offset > 1024 * 1024)
    {
      g_byte_array_remove_range (reader->buffer, 0, reader->offset);
      reader->offset = 0;
    }

  g_byte_array_append (reader->buffer, data, len);
}

gsize
tally_frame_reader_pending (TallyFrameReader *reader)
{
  return reader->buffer->len - reader->offset;
}

gboolean
tally_frame_reader_next (TallyFrameReader  *reader,
                         TallyFrame        *frame,
                         GError           **error)
{
  const guint8 *head = reader->buffer->data + reader->offset;
  gsize available = reader->buffer->len - reader->offset;
  guint32 size, kind;

  if (reader->broken)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL, "protocol stream is broken");
      return FALSE;
    }

  if (available < TALLY_FRAME_HEADER_SIZE)
    return FALSE;

  size = get_u32 (head);
  kind = get_u32 (head + 4);

  if (!tally_message_is_known (kind) || size > TALLY_FRAME_MAX_SIZE)
    {
      reader->broken = TRUE;
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                   "malformed frame on the protocol descriptor (type %u, %u bytes)",
                   kind, size);
      return FALSE;
    }

  if (available < TALLY_FRAME_HEADER_SIZE + padded (size))
    return FALSE;

  /* Padding is zero: a frame is read the way it was written, or not. */
  for (gsize i = TALLY_FRAME_HEADER_SIZE + size; i < TALLY_FRAME_HEADER_SIZE + padded (size); i++)
    if (head[i] != 0)
      {
        reader->broken = TRUE;
        g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                     "malformed padding in a frame of type %u", kind);
        return FALSE;
      }

  frame->type = (TallyMessageType) kind;
  frame->data = head + TALLY_FRAME_HEADER_SIZE;
  frame->size = size;
  reader->offset += TALLY_FRAME_HEADER_SIZE + padded (size);
  return TRUE;
}

GVariant *
tally_frame_get_variant (const TallyFrame  *frame,
                         GError           **error)
{
  const GVariantType *body_type = tally_message_body_type (frame->type);
  g_autoptr(GBytes) bytes = NULL;
  GVariant *body;

  if (body_type == NULL)
    {
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                   "a frame of type %u carries no GVariant", frame->type);
      return NULL;
    }

  /* Untrusted: GVariant checks every access against the serialised data,
   * and the normal-form check rejects frames that were not made by us. */
  bytes = g_bytes_new (frame->data, frame->size);
  body = g_variant_ref_sink (g_variant_new_from_bytes (body_type, bytes, FALSE));
  if (!g_variant_is_normal_form (body))
    {
      g_variant_unref (body);
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                   "malformed body in a frame of type %u", frame->type);
      return NULL;
    }

  return body;
}

/* ------------------------------------------------------------------ */
/* Packed payloads                                                     */

typedef struct
{
  guint8 *p;
} Writer;

static void
put_bytes (Writer     *w,
           const void *data,
           gsize       len)
{
  if (len > 0)
    memcpy (w->p, data, len);
  w->p += len;
}

static void
put_u8 (Writer *w,
        guint8  value)
{
  *w->p++ = value;
}

static void
put_u32_le (Writer  *w,
            guint32  value)
{
  put_u32 (w->p, value);
  w->p += 4;
}

static void
put_u64_le (Writer  *w,
            guint64  value)
{
  value = GUINT64_TO_LE (value);
  put_bytes (w, &value, sizeof value);
}

/* A byte string: length, bytes, NUL. */
static void
put_string (Writer     *w,
            const char *data,
            gsize       len)
{
  put_u32_le (w, (guint32) len);
  put_bytes (w, data, len);
  put_u8 (w, 0);
}

static gsize
string_size (gsize len)
{
  return 4 + len + 1;
}

static gsize
cstr_len (const char *s)
{
  return s ? strlen (s) : 0;
}

/* Starts a frame of @payload bytes at @dest; returns the writer for the
 * payload. The padding is written now, so the frame is complete once the
 * payload is. */
static Writer
frame_begin (guint8           *dest,
             TallyMessageType  type,
             gsize             payload)
{
  Writer w = { dest + TALLY_FRAME_HEADER_SIZE };

  put_u32 (dest, (guint32) payload);
  put_u32 (dest + 4, type);
  memset (dest + TALLY_FRAME_HEADER_SIZE + payload, 0, padded (payload) - payload);
  return w;
}

#define STARTED_PAYLOAD (4 + 8)
#define LOG_FIXED (4 + 4 + 4 + 8 + 8)
#define FINISHED_FIXED (4 + 1 + 1 + 8 + 8 + 4 + 8 + 8 + 8 + 8)

gsize
tally_protocol_started_size (void)
{
  return TALLY_FRAME_HEADER_SIZE + padded (STARTED_PAYLOAD);
}

void
tally_protocol_started_write (guint8 *dest,
                              guint   index,
                              gint64  started_at_us)
{
  Writer w = frame_begin (dest, TALLY_MSG_STARTED, STARTED_PAYLOAD);

  put_u32_le (&w, index);
  put_u64_le (&w, (guint64) started_at_us);
}

static gsize
log_payload (const TallyLogRecord *record)
{
  return LOG_FIXED
         + string_size (cstr_len (record->domain))
         + string_size (record->message ? record->message_len : 0)
         + string_size (cstr_len (record->file))
         + string_size (cstr_len (record->func))
         + string_size (cstr_len (record->fields));
}

gsize
tally_protocol_log_size (const TallyLogRecord *record)
{
  return TALLY_FRAME_HEADER_SIZE + padded (log_payload (record));
}

void
tally_protocol_log_write (guint8               *dest,
                          guint                 index,
                          const TallyLogRecord *record)
{
  Writer w = frame_begin (dest, TALLY_MSG_LOG, log_payload (record));

  put_u32_le (&w, index);
  put_u32_le (&w, record->level);
  put_u32_le (&w, (guint32) record->line);
  put_u64_le (&w, (guint64) record->time_us);
  put_u64_le (&w, record->thread_id);
  put_string (&w, record->domain, cstr_len (record->domain));
  put_string (&w, record->message, record->message ? record->message_len : 0);
  put_string (&w, record->file, cstr_len (record->file));
  put_string (&w, record->func, cstr_len (record->func));
  put_string (&w, record->fields, cstr_len (record->fields));
}

void
tally_protocol_append_log (GByteArray           *buffer,
                           guint                 index,
                           const TallyLogRecord *record)
{
  guint old_len = buffer->len;

  g_byte_array_set_size (buffer, old_len + tally_protocol_log_size (record));
  tally_protocol_log_write (buffer->data + old_len, index, record);
}

gsize
tally_protocol_finished_size (const char *message,
                              const char *file)
{
  return TALLY_FRAME_HEADER_SIZE
         + padded (FINISHED_FIXED + string_size (cstr_len (message)) + string_size (cstr_len (file)));
}

void
tally_protocol_finished_write (guint8            *dest,
                               guint              index,
                               const TallyResult *result,
                               gboolean           tainted,
                               guint64            out_end,
                               guint64            err_end)
{
  gsize message_len = cstr_len (result->message), file_len = cstr_len (result->file);
  Writer w = frame_begin (dest, TALLY_MSG_FINISHED,
                          FINISHED_FIXED + string_size (message_len) + string_size (file_len));

  put_u32_le (&w, index);
  put_u8 (&w, (guint8) result->outcome);
  put_u8 (&w, tainted ? 1 : 0);
  put_u64_le (&w, (guint64) result->started_at_us);
  put_u64_le (&w, (guint64) result->duration_us);
  put_u32_le (&w, (guint32) result->line);
  put_u64_le (&w, out_end);
  put_u64_le (&w, err_end);
  put_u64_le (&w, (guint64) result->cpu_us);
  put_u64_le (&w, (guint64) result->max_rss_kb);
  put_string (&w, result->message, message_len);
  put_string (&w, result->file, file_len);
}

#define CRASH_FIXED (4 + 4 + 8 + 4)

static gsize
crash_payload (guint n_frames,
               gsize maps_len)
{
  return CRASH_FIXED + (gsize) n_frames * 8 + string_size (maps_len);
}

gsize
tally_protocol_crash_size (guint n_frames,
                           gsize maps_len)
{
  return TALLY_FRAME_HEADER_SIZE + padded (crash_payload (n_frames, maps_len));
}

/* Async-signal-safe: the fatal-signal handler calls it. */
void
tally_protocol_crash_write (guint8        *dest,
                            int            signum,
                            int            code,
                            guint64        address,
                            const guint64 *frames,
                            guint          n_frames,
                            const char    *maps,
                            gsize          maps_len)
{
  Writer w = frame_begin (dest, TALLY_MSG_CRASH, crash_payload (n_frames, maps_len));

  put_u32_le (&w, (guint32) signum);
  put_u32_le (&w, (guint32) code);
  put_u64_le (&w, address);
  put_u32_le (&w, n_frames);
  for (guint i = 0; i < n_frames; i++)
    put_u64_le (&w, frames[i]);
  put_string (&w, maps, maps_len);
}

/* Reading: every access is checked against what is left; the first short
 * read marks the reader failed and everything after it reads as zero. */
typedef struct
{
  const guint8 *p;
  gsize left;
  gboolean failed;
} Reader;

static gboolean
take (Reader *r,
      gsize   n)
{
  if (r->failed || r->left < n)
    {
      r->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

static guint8
get_u8 (Reader *r)
{
  guint8 value;

  if (!take (r, 1))
    return 0;
  value = *r->p;
  r->p++, r->left--;
  return value;
}

static guint32
get_u32_le (Reader *r)
{
  guint32 value;

  if (!take (r, 4))
    return 0;
  value = get_u32 (r->p);
  r->p += 4, r->left -= 4;
  return value;
}

static guint64
get_u64_le (Reader *r)
{
  guint64 value;

  if (!take (r, 8))
    return 0;
  memcpy (&value, r->p, sizeof value);
  r->p += 8, r->left -= 8;
  return GUINT64_FROM_LE (value);
}

/* Returns the string in place (NUL-terminated by the sender, checked). */
static const char *
get_string (Reader *r,
            gsize  *len)
{
  guint32 n = get_u32_le (r);
  const char *s;

  *len = 0;
  if (r->failed || r->left < (gsize) n + 1 || r->p[n] != '\0')
    {
      r->failed = TRUE;
      return "";
    }
  s = (const char *) r->p;
  r->p += (gsize) n + 1, r->left -= (gsize) n + 1;
  *len = n;
  return s;
}

/* These fields are C strings: the part before a NUL is all a reader of
 * them sees, and an empty one is NULL. */
static char *
get_cstring (Reader *r)
{
  gsize len;
  const char *s = get_string (r, &len);

  return s[0] != '\0' ? (char *) s : NULL;
}

static Reader
reader_for (const TallyFrame *frame,
            TallyMessageType  type)
{
  Reader r = { frame->data, frame->size, frame->type != type };

  return r;
}

static gboolean
reader_done (Reader *r)
{
  return !r->failed && r->left == 0;
}

gboolean
tally_protocol_started_parse (const TallyFrame *frame,
                              guint            *index,
                              gint64           *started_at_us)
{
  Reader r = reader_for (frame, TALLY_MSG_STARTED);

  *index = get_u32_le (&r);
  *started_at_us = (gint64) get_u64_le (&r);
  return reader_done (&r);
}

gboolean
tally_protocol_log_parse (const TallyFrame *frame,
                          guint            *index,
                          TallyLogRecord   *view)
{
  Reader r = reader_for (frame, TALLY_MSG_LOG);
  gsize message_len;

  memset (view, 0, sizeof *view);
  *index = get_u32_le (&r);
  view->level = get_u32_le (&r);
  view->line = (gint32) get_u32_le (&r);
  view->time_us = (gint64) get_u64_le (&r);
  view->thread_id = get_u64_le (&r);
  view->domain = get_cstring (&r);
  view->message = (char *) get_string (&r, &message_len);
  view->message_len = message_len;
  view->file = get_cstring (&r);
  view->func = get_cstring (&r);
  view->fields = get_cstring (&r);
  return reader_done (&r);
}

static char *
dup_cstring (Reader *r)
{
  return g_strdup (get_cstring (r));
}

gboolean
tally_protocol_finished_parse (const TallyFrame *frame,
                               guint            *index,
                               TallyResult      *result,
                               gboolean         *tainted,
                               guint64          *out_end,
                               guint64          *err_end)
{
  Reader r = reader_for (frame, TALLY_MSG_FINISHED);
  guint8 outcome;
  gint64 rss;

  *index = get_u32_le (&r);
  outcome = get_u8 (&r);
  result->outcome = outcome < TALLY_N_OUTCOMES ? (TallyOutcome) outcome : TALLY_OUTCOME_ERROR;
  *tainted = get_u8 (&r) != 0;
  result->started_at_us = (gint64) get_u64_le (&r);
  result->duration_us = (gint64) get_u64_le (&r);
  result->line = (gint32) get_u32_le (&r);
  *out_end = get_u64_le (&r);
  *err_end = get_u64_le (&r);
  result->cpu_us = (gint64) get_u64_le (&r);
  rss = (gint64) get_u64_le (&r);   /* once: CLAMP evaluates it thrice */
  result->max_rss_kb = (gint32) CLAMP (rss, -1, G_MAXINT32);
  g_free (result->message);
  result->message = dup_cstring (&r);
  g_free (result->file);
  result->file = dup_cstring (&r);
  return reader_done (&r);
}

gboolean
tally_protocol_crash_parse (const TallyFrame *frame,
                            TallyCrashInfo   *crash)
{
  Reader r = reader_for (frame, TALLY_MSG_CRASH);
  const char *maps;
  gsize maps_len;

  memset (crash, 0, sizeof *crash);
  crash->signum = (int) get_u32_le (&r);
  crash->code = (gint32) get_u32_le (&r);
  crash->address = get_u64_le (&r);
  crash->n_frames = get_u32_le (&r);
  if (r.failed || crash->n_frames > r.left / 8)
    {
      crash->n_frames = 0;
      return FALSE;
    }
  crash->frames = g_new (guint64, MAX (crash->n_frames, 1));
  for (guint i = 0; i < crash->n_frames; i++)
    crash->frames[i] = get_u64_le (&r);
  maps = get_string (&r, &maps_len);
  crash->maps = g_strndup (maps, maps_len);
  if (!reader_done (&r))
    {
      tally_crash_info_clear (crash);
      return FALSE;
    }
  return TRUE;
}

void
tally_crash_info_clear (TallyCrashInfo *crash)
{
  g_clear_pointer (&crash->frames, g_free);
  g_clear_pointer (&crash->maps, g_free);
  crash->n_frames = 0;
}
