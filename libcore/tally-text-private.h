/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes test-produced bytes safe to print on a terminal: control
 * characters (escape sequences included), NUL bytes and invalid UTF-8
 * become visible \xNN escapes; newlines and tabs are kept when
 * @keep_newlines is set. */
char *tally_text_inert (const char *data,
                        gssize      len,
                        gboolean    keep_newlines);

/* Appends @text to @out as a JSON string (bytes that are not UTF-8
 * become U+FFFD): the listing and caplog's extra fields write their JSON
 * by hand, so that test programs need no JSON library. */
void  tally_text_append_json_string (GString    *out,
                                     const char *text);

/* g_intern_string (@text), when @text differs from *@last (interned by
 * the call before, or NULL): tests registered or listed one after
 * another share their file, and a strcmp() costs less than the hash and
 * the global lock. Updates *@last. */
const char *tally_text_intern_after (const char **last,
                                     const char  *text);

/* Appends @data to @out with every line prefixed by @prefix. */
void  tally_text_append_prefixed (GString    *out,
                                  const char *prefix,
                                  const char *data);

G_END_DECLS
