/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One test line of a `--tally-list` listing, read without json-glib. */
typedef struct
{
  GString *path;
  GString *file;
  GString *markers;
  GString *key;              /* scratch */
  gint64 line;
  gboolean has_path;
  gboolean has_file;
  gboolean has_line;
  gboolean has_markers;
} TallyListingLine;

void     tally_listing_line_init  (TallyListingLine *line);
void     tally_listing_line_clear (TallyListingLine *line);
gboolean tally_listing_line_parse (TallyListingLine *line,
                                   const char       *text,
                                   gsize             len);

G_END_DECLS
