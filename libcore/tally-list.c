/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "tally-main-private.h"
#include "tally-version.h"

/* `PROGRAM --tally-list`: the program's tests and declared markers as one
 * JSON document on stdout, for `tally list` and `tally run`:
 *
 *   { "tally": PROTOCOL, "tests": [ { "path", "file", "line", "markers" } ],
 *     "markers": [ { "name", "description" } ] }
 *
 * A test's position in "tests" is its index on the worker protocol. */

static void
add_tests (JsonBuilder *builder)
{
  GPtrArray *tests = tally_registry_get_tests ();

  json_builder_set_member_name (builder, "tests");
  json_builder_begin_array (builder);
  for (guint i = 0; i < tests->len; i++)
    {
      TallyTestCase *tc = g_ptr_array_index (tests, i);
      g_autofree char *markers = tally_markers_to_string (tc->markers);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, tc->path);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, tc->file);
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, tc->line);
      json_builder_set_member_name (builder, "markers");
      json_builder_add_string_value (builder, markers);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_declared_markers (JsonBuilder *builder)
{
  GPtrArray *declared = tally_registry_get_declared ();

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
}

int
tally_list_main (TallyProgramOptions *options)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize len;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tally");
  json_builder_add_int_value (builder, TALLY_PROTOCOL_VERSION);
  add_tests (builder);
  add_declared_markers (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  fwrite (text, 1, len, stdout);
  fputc ('\n', stdout);

  return fflush (stdout) == 0 ? 0 : 3;
}
