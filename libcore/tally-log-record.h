/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * TallyLogRecord:
 * @level: the log level (one %G_LOG_LEVEL_* bit)
 * @domain: (nullable): the log domain
 * @message: the message; may hold invalid UTF-8 and NUL bytes
 * @message_len: the length of @message in bytes
 * @file: (nullable): CODE_FILE, when the caller gave one
 * @line: CODE_LINE, or 0
 * @func: (nullable): CODE_FUNC, when the caller gave one
 * @time_us: wall-clock time of the call, in µs since the epoch
 * @thread_id: the kernel thread id of the logging thread
 * @fields: (nullable): any other structured fields, as a JSON object
 *
 * One captured log message. Records are what caplog gives a test, what
 * the worker streams to `tally run`, and what the database stores.
 */
typedef struct _TallyLogRecord
{
  GLogLevelFlags level;
  char *domain;
  char *message;
  gsize message_len;
  char *file;
  int line;
  char *func;
  gint64 time_us;
  guint64 thread_id;
  char *fields;
} TallyLogRecord;

TallyLogRecord *tally_log_record_new           (void);
TallyLogRecord *tally_log_record_copy          (const TallyLogRecord *record);
void            tally_log_record_free          (TallyLogRecord       *record);
const char     *tally_log_level_to_string      (GLogLevelFlags        level);
gboolean        tally_log_level_from_string    (const char           *text,
                                                GLogLevelFlags       *level);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyLogRecord, tally_log_record_free)

G_END_DECLS
