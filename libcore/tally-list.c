/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>

#include "tally-main-private.h"
#include "tally-text-private.h"
#include "tally-version.h"

/* `PROGRAM --tally-list`: the program's tests and declared markers as
 * JSON Lines on stdout, for `tally list` and `tally run`: a header
 *
 *   { "tally": PROTOCOL, "tests": N, "markers": [ { "name", "description" } ] }
 *
 * then one line per test, in registration order (its line number, from
 * 0, is its index on the worker protocol):
 *
 *   { "path", "file", "line", "markers" }
 *
 * One document per line keeps both ends' memory flat in the number of
 * tests: neither holds a tree of the whole listing. */

static void
print_header (FILE *out)
{
  GPtrArray *declared = tally_registry_get_declared ();
  g_autoptr(GString) line = g_string_new (NULL);

  g_string_append_printf (line, "{\"tally\":%d,\"tests\":%u,\"markers\":[",
                          TALLY_PROTOCOL_VERSION, tally_registry_get_n_tests ());
  for (guint i = 0; i < declared->len; i++)
    {
      TallyDeclaredMarker *marker = g_ptr_array_index (declared, i);

      g_string_append (line, i > 0 ? ",{\"name\":" : "{\"name\":");
      tally_text_append_json_string (line, marker->name);
      g_string_append (line, ",\"description\":");
      tally_text_append_json_string (line, marker->description);
      g_string_append_c (line, '}');
    }
  g_string_append (line, "]}\n");
  fwrite (line->str, 1, line->len, out);
}

typedef struct
{
  FILE *out;
  GString *line;
  const TallyMarkers *markers;  /* the last test's, whose text is below */
  char *markers_text;
  const char *file;             /* the last test's (interned), and as JSON */
  GString *file_json;
} Printer;

static void
print_test (Printer             *printer,
            const TallyTestCase *tc)
{
  GString *out = printer->line;

  /* Tests share marker sets (tally-registry.c): write each once. */
  if (tc->markers != printer->markers || printer->markers_text == NULL)
    {
      g_free (printer->markers_text);
      printer->markers_text = tally_markers_to_string (tc->markers);
      printer->markers = tc->markers;
    }

  /* And a file (interned: the same file, the same pointer). */
  if (tc->file != printer->file || printer->file_json->len == 0)
    {
      g_string_truncate (printer->file_json, 0);
      tally_text_append_json_string (printer->file_json, tc->file);
      printer->file = tc->file;
    }

  g_string_truncate (out, 0);
  g_string_append (out, "{\"path\":");
  tally_text_append_json_string (out, tc->path);
  g_string_append (out, ",\"file\":");
  g_string_append_len (out, printer->file_json->str, printer->file_json->len);
  g_string_append_printf (out, ",\"line\":%d,\"markers\":", tc->line);
  tally_text_append_json_string (out, printer->markers_text);
  g_string_append (out, "}\n");
  fwrite (out->str, 1, out->len, printer->out);
}

/* Writes the listing on @out; FALSE if it could not all be written. */
gboolean
tally_list_write (FILE *out)
{
  guint n_tests = tally_registry_get_n_tests ();
  Printer printer = { out, g_string_sized_new (256), NULL, NULL, NULL, g_string_new (NULL) };
  print_header (out);
  for (guint i = 0; i < n_tests; i++)
    {
      TallyTestCase tc;

      tally_registry_get_test (i, &tc);
      print_test (&printer, &tc);
    }
  g_string_free (printer.line, TRUE);
  g_string_free (printer.file_json, TRUE);
  g_free (printer.markers_text);

  return fflush (out) == 0 && !ferror (out);
}

int
tally_list_main (TallyProgramOptions *options)
{
  return tally_list_write (stdout) ? 0 : 3;
}
