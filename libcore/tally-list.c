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
print_node (JsonGenerator *generator,
            JsonNode      *node)
{
  g_autofree char *text = NULL;
  gsize len;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &len);
  fwrite (text, 1, len, stdout);
  fputc ('\n', stdout);
}

static void
print_header (JsonGenerator *generator)
{
  GPtrArray *declared = tally_registry_get_declared ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tally");
  json_builder_add_int_value (builder, TALLY_PROTOCOL_VERSION);
  json_builder_set_member_name (builder, "tests");
  json_builder_add_int_value (builder, tally_registry_get_tests ()->len);
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
  print_node (generator, root);
}

static void
print_test (JsonGenerator *generator,
            TallyTestCase *tc)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *markers = tally_markers_to_string (tc->markers);

  json_object_set_string_member (object, "path", tc->path);
  json_object_set_string_member (object, "file", tc->file);
  json_object_set_int_member (object, "line", tc->line);
  json_object_set_string_member (object, "markers", markers);
  json_node_set_object (node, object);
  print_node (generator, node);
}

int
tally_list_main (TallyProgramOptions *options)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  GPtrArray *tests = tally_registry_get_tests ();

  print_header (generator);
  for (guint i = 0; i < tests->len; i++)
    print_test (generator, g_ptr_array_index (tests, i));

  return fflush (stdout) == 0 ? 0 : 3;
}
