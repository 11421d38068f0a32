/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A parsed marker string such as `serial slow timeout=5 group=db
 * skip="needs network"`: an ordered set of names, each with an optional
 * value. Names are [A-Za-z_][A-Za-z0-9_.-]*; a value is a bare word
 * (no whitespace, no quotes) or a double-quoted string with \" and \\
 * escapes. A name given twice is an error. */
typedef struct _TallyMarkers TallyMarkers;

/* The built-in markers, with what they mean; the runner prints them in
 * `tally markers` and never rejects them under --strict-markers. */
typedef struct
{
  const char *name;
  const char *description;
} TallyMarkerInfo;

const TallyMarkerInfo *tally_markers_builtin        (guint              *n_markers);
gboolean               tally_marker_is_builtin      (const char         *name);

TallyMarkers *tally_markers_new            (void);
TallyMarkers *tally_markers_parse          (const char         *text,
                                            GError            **error);
TallyMarkers *tally_markers_ref            (TallyMarkers       *markers);
TallyMarkers *tally_markers_dup            (const TallyMarkers *markers);
void          tally_markers_ensure_own     (TallyMarkers      **markers);
void          tally_markers_unref          (TallyMarkers       *markers);
guint         tally_markers_get_n_markers  (const TallyMarkers *markers);
const char   *tally_markers_get_name       (const TallyMarkers *markers,
                                            guint               position);
const char   *tally_markers_get_value      (const TallyMarkers *markers,
                                            guint               position);
gboolean      tally_markers_has            (const TallyMarkers *markers,
                                            const char         *name);
const char   *tally_markers_lookup         (const TallyMarkers *markers,
                                            const char         *name);
void          tally_markers_set            (TallyMarkers       *markers,
                                            const char         *name,
                                            const char         *value);
char         *tally_markers_to_string      (const TallyMarkers *markers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyMarkers, tally_markers_unref)

G_END_DECLS
