/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-log-record.h"

/**
 * tally_log_record_new:
 *
 * Allocates a zero-filled record; free it with tally_log_record_free().
 *
 * Returns: (transfer full) (skip): an empty record. (Not a boxed type:
 *   language bindings cannot own it, hence skipped for them.)
 */
TallyLogRecord *
tally_log_record_new (void)
{
  return g_new0 (TallyLogRecord, 1);
}

/**
 * tally_log_record_copy:
 * @record: a #TallyLogRecord
 *
 * Copies a record and all its strings; free the copy with
 * tally_log_record_free().
 *
 * Returns: (transfer full) (skip): a deep copy of @record. (Not a boxed
 *   type: language bindings cannot own it, hence skipped for them.)
 */
TallyLogRecord *
tally_log_record_copy (const TallyLogRecord *record)
{
  TallyLogRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_new0 (TallyLogRecord, 1);
  *copy = *record;
  copy->domain = g_strdup (record->domain);
  /* The message may hold NUL bytes: copy by length, keep a terminator. */
  copy->message = g_malloc (record->message_len + 1);
  if (record->message_len > 0)
    memcpy (copy->message, record->message, record->message_len);
  copy->message[record->message_len] = '\0';
  copy->file = g_strdup (record->file);
  copy->func = g_strdup (record->func);
  copy->fields = g_strdup (record->fields);

  return copy;
}

/**
 * tally_log_record_free:
 * @record: (transfer full) (nullable): a #TallyLogRecord
 *
 * Frees a record and its strings. %NULL is ignored.
 */
void
tally_log_record_free (TallyLogRecord *record)
{
  if (record == NULL)
    return;

  g_free (record->domain);
  g_free (record->message);
  g_free (record->file);
  g_free (record->func);
  g_free (record->fields);
  g_free (record);
}

static const struct {
  GLogLevelFlags level;
  const char *name;
} level_names[] = {
  { G_LOG_LEVEL_ERROR, "error" },
  { G_LOG_LEVEL_CRITICAL, "critical" },
  { G_LOG_LEVEL_WARNING, "warning" },
  { G_LOG_LEVEL_MESSAGE, "message" },
  { G_LOG_LEVEL_INFO, "info" },
  { G_LOG_LEVEL_DEBUG, "debug" },
};

/**
 * tally_log_level_to_string:
 * @level: a level, or a mask of levels
 *
 * Names a log level as Tally's reporters, `--log-level` and the database
 * spell it.
 *
 * Returns: (transfer none): the name of the most severe level in @level
 *   ("error" … "debug"), "any" for %TALLY_LOG_LEVEL_ANY, "none" for 0
 */
const char *
tally_log_level_to_string (GLogLevelFlags level)
{
  if ((level & G_LOG_LEVEL_MASK) == G_LOG_LEVEL_MASK)
    return "any";

  for (guint i = 0; i < G_N_ELEMENTS (level_names); i++)
    if (level & level_names[i].level)
      return level_names[i].name;

  return "none";
}

/**
 * tally_log_level_from_string:
 * @text: a level name as tally_log_level_to_string() gives
 * @level: (out): the level
 *
 * Parses a level name, the inverse of tally_log_level_to_string().
 *
 * Returns: %TRUE if @text names a level
 */
gboolean
tally_log_level_from_string (const char     *text,
                             GLogLevelFlags *level)
{
  g_return_val_if_fail (level != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (level_names); i++)
    {
      if (g_ascii_strcasecmp (text, level_names[i].name) == 0)
        {
          *level = level_names[i].level;
          return TRUE;
        }
    }

  return FALSE;
}
