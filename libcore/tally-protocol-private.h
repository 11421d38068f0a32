/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-log-record.h"
#include "tally-result-private.h"

G_BEGIN_DECLS

/* The worker protocol. `PROGRAM --tally-worker` reads commands on fd 3 and
 * writes events on fd 4; its stdout and stderr belong to the tests. Each
 * frame is an 8-byte header (payload length, message type; both 32-bit
 * little-endian) followed by a GVariant in normal form whose type depends
 * on the message type, then zero padding to a multiple of 8 bytes. Text travels as `ay`: log messages may hold
 * invalid UTF-8 and NUL bytes. Anything else on the wire (an unknown type,
 * an oversized frame, a body of the wrong type) is a protocol error and
 * the worker is treated as crashed. */

#define TALLY_PROTOCOL_IN_FD  3
#define TALLY_PROTOCOL_OUT_FD 4
#define TALLY_FRAME_HEADER_SIZE 8
#define TALLY_FRAME_MAX_SIZE (256u * 1024 * 1024)

typedef enum
{
  /* worker → runner */
  TALLY_MSG_HELLO = 1,     /* (uut)  protocol version, number of tests, pid */
  TALLY_MSG_STARTED,       /* (ux)   test index, started at (µs, wall clock) */
  TALLY_MSG_LOG,           /* (uuayayayiayxtay) index, level, domain, message,
                              file, line, func, time, thread, fields */
  TALLY_MSG_FINISHED,      /* (uyxxayayibtt) index, outcome, started at, duration,
                              message, file, line, tainted, and the sizes of
                              stdout and stderr when the test ended: with
                              tests pipelined, the runner reads the output of
                              test N while N+1 already writes */
  TALLY_MSG_BYE,           /* (s)    why the worker leaves */
  /* runner → worker */
  TALLY_MSG_RUN = 64,      /* (au)   test indices to run, in order */
  TALLY_MSG_QUIT,          /* ()     finish the queue, then exit */
} TallyMessageType;

const GVariantType *tally_message_body_type (TallyMessageType type);

/* Appends one frame; @body is consumed if floating. */
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
 * or malformed (TALLY_ERROR_PROTOCOL; the reader is then unusable). */
gboolean          tally_frame_reader_next (TallyFrameReader *reader,
                                           TallyMessageType *type,
                                           GVariant        **body,
                                           GError          **error);
gsize             tally_frame_reader_pending (TallyFrameReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyFrameReader, tally_frame_reader_free)

GVariant       *tally_protocol_log_new       (guint                 index,
                                              const TallyLogRecord *record);
TallyLogRecord *tally_protocol_log_parse     (GVariant             *body,
                                              guint                *index);
void            tally_protocol_finished_parse (GVariant            *body,
                                               guint               *index,
                                               TallyResult         *result,
                                               gboolean            *tainted,
                                               guint64             *out_end,
                                               guint64             *err_end);
char           *tally_variant_dup_bytes      (GVariant             *bytes,
                                              gsize                *len);

G_END_DECLS
