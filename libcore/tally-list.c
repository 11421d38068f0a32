/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "tally-main-private.h"
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
print_node (FILE          *out,
            JsonGenerator *generator,
            JsonNode      *node)
{
  g_autofree char *text = NULL;
  gsize len;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &len);
  fwrite (text, 1, len, out);
  fputc ('\n', out);
}

static void
print_header (FILE          *out,
              JsonGenerator *generator)
{
  GPtrArray *declared = tally_registry_get_declared ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tally");
  json_builder_add_int_value (builder, TALLY_PROTOCOL_VERSION);
  json_builder_set_member_name (builder, "tests");
  json_builder_add_int_value (builder, tally_registry_get_n_tests ());
  json_builder_set_member_name (builder, "markers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < declared->len; i++)
    {
      TallyDeclaredMarker *marker = g_ptr_array_index (declared, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, marker->name);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, marker->description ? marker->description : "");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  print_node (out, generator, root);
}

/* A JSON string: the listing's lines are written by hand, json-glib's
 * objects cost 2 µs a test (a million tests list in under a second). */
static void
put_json_string (GString    *out,
                 const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text ? text : ""; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

typedef struct
{
  FILE *out;
  GString *line;
  const TallyMarkers *markers;  /* the last test's, whose text is below */
  char *markers_text;
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

  g_string_truncate (out, 0);
  g_string_append (out, "{\"path\":");
  put_json_string (out, tc->path);
  g_string_append (out, ",\"file\":");
  put_json_string (out, tc->file);
  g_string_append_printf (out, ",\"line\":%d,\"markers\":", tc->line);
  put_json_string (out, printer->markers_text);
  g_string_append (out, "}\n");
  fwrite (out->str, 1, out->len, printer->out);
}

/* Writes the listing on @out; FALSE if it could not all be written. */
gboolean
tally_list_write (FILE *out)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  guint n_tests = tally_registry_get_n_tests ();
  Printer printer = { out, g_string_sized_new (256), NULL, NULL };
  print_header (out, generator);
  for (guint i = 0; i < n_tests; i++)
    {
      TallyTestCase tc;

      tally_registry_get_test (i, &tc);
      print_test (&printer, &tc);
    }
  g_string_free (printer.line, TRUE);
  g_free (printer.markers_text);

  return fflush (out) == 0 && !ferror (out);
}

int
tally_list_main (TallyProgramOptions *options)
{
  return tally_list_write (stdout) ? 0 : 3;
}
