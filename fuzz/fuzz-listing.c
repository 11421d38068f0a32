/* Fuzzes what the runner makes of a program's listing: the JSON of
 * `PROGRAM --tally-list` and the plain `-l` listing of GTest programs. */
/* needs: tally-program-private.h */
#include <stdint.h>

#include <glib.h>

#include "tally-program-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyProgram) program = NULL;
  g_autoptr(TallyProgram) gtest = NULL;
  g_autofree char *text = g_strndup ((const char *) data, size);

  program = tally_program_parse_listing ("/fuzz/program", (const char *) data, size, &error);
  g_assert ((program == NULL) == (error != NULL));
  gtest = tally_program_parse_gtest_listing ("/fuzz/gtest", text, size);
  return 0;
}
