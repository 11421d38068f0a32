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
    case TALLY_MSG_STARTED:  return G_VARIANT_TYPE ("(ux)");
    case TALLY_MSG_LOG:      return G_VARIANT_TYPE ("(uuayayayiayxtay)");
    case TALLY_MSG_FINISHED: return G_VARIANT_TYPE ("(uyxxayayibtt)");
    case TALLY_MSG_BYE:      return G_VARIANT_TYPE ("(s)");
    case TALLY_MSG_RUN:      return G_VARIANT_TYPE ("(au)");
    case TALLY_MSG_QUIT:     return G_VARIANT_TYPE_UNIT;
    default:                 return NULL;
    }
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
                         TallyMessageType  *type,
                         GVariant         **body,
                         GError           **error)
{
  const guint8 *head = reader->buffer->data + reader->offset;
  gsize available = reader->buffer->len - reader->offset;
  const GVariantType *body_type;
  g_autoptr(GBytes) bytes = NULL;
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
  body_type = tally_message_body_type ((TallyMessageType) kind);

  if (body_type == NULL || size > TALLY_FRAME_MAX_SIZE)
    {
      reader->broken = TRUE;
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                   "malformed frame on the protocol descriptor (type %u, %u bytes)",
                   kind, size);
      return FALSE;
    }

  if (available < TALLY_FRAME_HEADER_SIZE + padded (size))
    return FALSE;

  bytes = g_bytes_new (head + TALLY_FRAME_HEADER_SIZE, size);
  reader->offset += TALLY_FRAME_HEADER_SIZE + padded (size);

  /* Untrusted: GVariant checks every access against the serialised data,
   * and the normal-form check rejects frames that were not made by us. */
  *body = g_variant_ref_sink (g_variant_new_from_bytes (body_type, bytes, FALSE));
  if (!g_variant_is_normal_form (*body))
    {
      g_clear_pointer (body, g_variant_unref);
      reader->broken = TRUE;
      g_set_error (error, TALLY_ERROR, TALLY_ERROR_PROTOCOL,
                   "malformed body in a frame of type %u", kind);
      return FALSE;
    }

  *type = (TallyMessageType) kind;
  return TRUE;
}

static GVariant *
bytes_variant (const char *data,
               gsize       len)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data ? data : "", data ? len : 0, 1);
}

static GVariant *
cstr_variant (const char *s)
{
  return bytes_variant (s, s ? strlen (s) : 0);
}

/* Returns a NUL-terminated copy of an `ay` (which may itself hold NULs),
 * or NULL for an empty one when @len is NULL. */
char *
tally_variant_dup_bytes (GVariant *bytes,
                         gsize    *len)
{
  gsize n = 0;
  const char *data = g_variant_get_fixed_array (bytes, &n, 1);
  char *copy;

  if (len == NULL && n == 0)
    return NULL;

  copy = g_malloc (n + 1);
  if (n > 0)
    memcpy (copy, data, n);
  copy[n] = '\0';
  if (len)
    *len = n;

  return copy;
}

GVariant *
tally_protocol_log_new (guint                 index,
                        const TallyLogRecord *record)
{
  GVariant *children[] = {
    g_variant_new_uint32 (index),
    g_variant_new_uint32 (record->level),
    cstr_variant (record->domain),
    bytes_variant (record->message, record->message_len),
    cstr_variant (record->file),
    g_variant_new_int32 (record->line),
    cstr_variant (record->func),
    g_variant_new_int64 (record->time_us),
    g_variant_new_uint64 (record->thread_id),
    cstr_variant (record->fields),
  };

  return g_variant_new_tuple (children, G_N_ELEMENTS (children));
}

/* Takes an `ay` and returns a NUL-terminated copy (NULL if empty and
 * @len is NULL). */
static char *
take_bytes (GVariant *bytes,
            gsize    *len)
{
  char *copy = tally_variant_dup_bytes (bytes, len);

  g_variant_unref (bytes);
  return copy;
}

/* One g_variant_get() per frame: unpacking field by field made child
 * values for every field and cost the runner more than the test did. */
TallyLogRecord *
tally_protocol_log_parse (GVariant *body,
                          guint    *index)
{
  TallyLogRecord *record = tally_log_record_new ();
  GVariant *domain, *message, *file, *func, *fields;
  guint32 level;

  g_variant_get (body, "(uu@ay@ay@ayi@ayxt@ay)", index, &level, &domain, &message,
                 &file, &record->line, &func, &record->time_us, &record->thread_id,
                 &fields);
  record->level = level;
  record->domain = take_bytes (domain, NULL);
  record->message = take_bytes (message, &record->message_len);
  record->file = take_bytes (file, NULL);
  record->func = take_bytes (func, NULL);
  record->fields = take_bytes (fields, NULL);

  return record;
}

void
tally_protocol_finished_parse (GVariant    *body,
                               guint       *index,
                               TallyResult *result,
                               gboolean    *tainted,
                               guint64     *out_end,
                               guint64     *err_end)
{
  GVariant *message, *file;
  guint8 outcome;

  g_variant_get (body, "(uyxx@ay@ayibtt)", index, &outcome, &result->started_at_us,
                 &result->duration_us, &message, &file, &result->line, tainted,
                 out_end, err_end);
  result->outcome = outcome < TALLY_N_OUTCOMES ? (TallyOutcome) outcome : TALLY_OUTCOME_ERROR;
  g_free (result->message);
  result->message = take_bytes (message, NULL);
  g_free (result->file);
  result->file = take_bytes (file, NULL);
}
