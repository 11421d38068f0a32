/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-log-record.h"
#include "tally-result-private.h"

G_BEGIN_DECLS

/* The worker protocol. `PROGRAM --tally-worker` reads commands on fd 3 and
 * writes events on fd 4; its stdout and stderr belong to the tests. Each
 * frame is an 8-byte header (payload length, message type; both 32-bit
 * little-endian) followed by the payload, then zero padding to a multiple
 * of 8 bytes.
 *
 * Rare messages carry a GVariant in normal form. The per-test ones
 * (STARTED, LOG, FINISHED) are on the hot path — a test that logs 50
 * records sends 52 frames — and use a fixed little-endian layout instead:
 * integers back to back, and byte strings as a 32-bit length, the bytes
 * and a NUL (so the runner reads them in place, without copying). Text
 * travels as bytes: log messages may hold invalid UTF-8 and NUL bytes.
 * Anything else on the wire (an unknown type, an oversized frame, a
 * payload that does not parse exactly) is a protocol error and the worker
 * is treated as crashed. */

#define TALLY_PROTOCOL_IN_FD  3
#define TALLY_PROTOCOL_OUT_FD 4
#define TALLY_FRAME_HEADER_SIZE 8
#define TALLY_FRAME_MAX_SIZE (256u * 1024 * 1024)

typedef enum
{
  /* worker → runner */
  TALLY_MSG_HELLO = 1,     /* (uut)  protocol version, number of tests, pid */
  TALLY_MSG_STARTED,       /* packed: u32 index, i64 started at (µs, wall clock) */
  TALLY_MSG_LOG,           /* packed: u32 index, u32 level, i32 line, i64 time,
                              u64 thread, then domain, message, file, func and
                              fields as byte strings */
  TALLY_MSG_FINISHED,      /* packed: u32 index, u8 outcome, u8 tainted,
                              i64 started at, i64 duration, i32 line, u64 and
                              u64 the sizes of stdout and stderr when the test
                              ended (with tests pipelined, the runner reads the
                              output of test N while N+1 already writes), i64
                              CPU µs and i64 peak RSS KiB (-1: unknown;
                              protocol 4), then message and file as byte
                              strings */
  TALLY_MSG_BYE,           /* (s)    why the worker leaves */
  TALLY_MSG_FIXTURE,       /* (sus)  a worker fixture's name, what happened
                              (TallyFixtureEvent) and a message */
  TALLY_MSG_CRASH,         /* packed: u32 signal, i32 si_code, u64 faulting
                              address, u32 number of frames, the frames as
                              u64 addresses (innermost first), then the
                              file-backed lines of /proc/self/maps as a byte
                              string. Written by the fatal-signal handler,
                              just before the worker dies. */
  /* runner → worker */
  TALLY_MSG_RUN = 64,      /* (au)   test indices to run, in order */
  TALLY_MSG_QUIT,          /* ()     finish the queue, then exit */
} TallyMessageType;

/* What a TALLY_MSG_FIXTURE reports. */
typedef enum
{
  TALLY_FIXTURE_SET_UP = 0,        /* it will be torn down when the worker quits */
  TALLY_FIXTURE_TEARDOWN_ERROR,    /* its teardown logged a warning or failed */
} TallyFixtureEvent;

/* The GVariant type of a message's payload; NULL for the packed ones and
 * for unknown types (see tally_message_is_known()). */
const GVariantType *tally_message_body_type (TallyMessageType type);
gboolean            tally_message_is_known  (guint32          type);

/* One frame, as the reader returns it: @data points into the reader's
 * buffer and stays valid until the next tally_frame_reader_push(). */
typedef struct
{
  TallyMessageType type;
  const guint8 *data;
  gsize size;
} TallyFrame;

/* Appends one GVariant frame; @body is consumed if floating. */
void      tally_frame_append      (GByteArray       *buffer,
                                   TallyMessageType  type,
                                   GVariant         *body);
gsize     tally_frame_size        (GVariant         *body);
void      tally_frame_store       (guint8           *dest,
                                   TallyMessageType  type,
                                   GVariant         *body);

typedef struct _TallyFrameReader TallyFrameReader;

TallyFrameReader *tally_frame_reader_new  (void);
void              tally_frame_reader_free (TallyFrameReader *reader);
void              tally_frame_reader_push (TallyFrameReader *reader,
                                           const guint8     *data,
                                           gsize             len);
/* Returns TRUE with a frame, FALSE without one: incomplete (error unset)
 * or malformed framing (TALLY_ERROR_PROTOCOL; the reader is then
 * unusable). The payload itself is checked by whoever decodes it. */
gboolean          tally_frame_reader_next (TallyFrameReader *reader,
                                           TallyFrame       *frame,
                                           GError          **error);
gsize             tally_frame_reader_pending (TallyFrameReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyFrameReader, tally_frame_reader_free)

/* The payload of a GVariant frame, checked to be of the message's type and
 * in normal form; NULL with TALLY_ERROR_PROTOCOL otherwise. */
GVariant *tally_frame_get_variant (const TallyFrame *frame,
                                   GError          **error);

/* Packed frames. Each _size() is the whole frame's (header and padding
 * included); each _write() fills exactly that many bytes at @dest. */
gsize     tally_protocol_started_size  (void);
void      tally_protocol_started_write (guint8               *dest,
                                        guint                 index,
                                        gint64                started_at_us);
gsize     tally_protocol_log_size      (const TallyLogRecord *record);
void      tally_protocol_log_write     (guint8               *dest,
                                        guint                 index,
                                        const TallyLogRecord *record);
gsize     tally_protocol_finished_size (const char           *message,
                                        const char           *file);
void      tally_protocol_finished_write (guint8              *dest,
                                         guint                index,
                                         const TallyResult   *result,
                                         gboolean             tainted,
                                         guint64              out_end,
                                         guint64              err_end);
/* Appends a packed frame made by one of the _write() functions. */
void      tally_protocol_append_log    (GByteArray           *buffer,
                                        guint                 index,
                                        const TallyLogRecord *record);

/* Decoders of packed payloads. They return FALSE for a payload that does
 * not parse exactly (short, trailing bytes, a string without its NUL).
 * The log decoder fills @view with pointers into the frame: empty domain,
 * file, func and fields become NULL, the message is never NULL. */
gboolean  tally_protocol_started_parse  (const TallyFrame *frame,
                                         guint            *index,
                                         gint64           *started_at_us);
gboolean  tally_protocol_log_parse      (const TallyFrame *frame,
                                         guint            *index,
                                         TallyLogRecord   *view);
/* Sets @result's outcome, times, line, and copies of its message and file
 * (NULL when empty). */
gboolean  tally_protocol_finished_parse (const TallyFrame *frame,
                                         guint            *index,
                                         TallyResult      *result,
                                         gboolean         *tainted,
                                         guint64          *out_end,
                                         guint64          *err_end);

/* A fatal signal's details, as the worker's handler sends them. Every
 * call here is async-signal-safe on the writing side (memcpy and
 * arithmetic only). */
typedef struct
{
  int signum;
  int code;               /* si_code */
  guint64 address;        /* si_addr */
  guint64 *frames;        /* owned by the parsed copy */
  guint n_frames;
  char *maps;             /* owned, NUL-terminated */
} TallyCrashInfo;

gsize     tally_protocol_crash_size     (guint                 n_frames,
                                         gsize                 maps_len);
void      tally_protocol_crash_write    (guint8               *dest,
                                         int                   signum,
                                         int                   code,
                                         guint64               address,
                                         const guint64        *frames,
                                         guint                 n_frames,
                                         const char           *maps,
                                         gsize                 maps_len);
/* Fills @crash with copies (free them with tally_crash_info_clear()). */
gboolean  tally_protocol_crash_parse    (const TallyFrame     *frame,
                                         TallyCrashInfo       *crash);
void      tally_crash_info_clear        (TallyCrashInfo       *crash);

G_END_DECLS
