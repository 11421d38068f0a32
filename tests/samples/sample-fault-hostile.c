/* Hostile data: each test's path, marker value, failure message, log
 * message, stdout and stderr carry the same payload — quotes, SQL, shell
 * metacharacters, Pango markup, terminal escape sequences, odd Unicode.
 * Everything must come back from the database unchanged and be shown
 * inert. With TALLY_SAMPLE_BADPATH=1 a test path that is not valid UTF-8
 * is registered, which the registry must refuse. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tally.h>

#include "sample-fault-hostile.h"

static void
test_hostile (TallyTest *t, gconstpointer data)
{
  const char *payload = data;

  g_message ("%s", payload);
  fputs (payload, stdout);
  fputs ("\n", stdout);
  fputs (payload, stderr);
  fputs ("\n", stderr);
  fflush (stdout);
  tally_fail ("%s", payload);
}

static void
register_tests (void)
{
  tally_declare_marker ("note", "a hostile marker value");
  for (guint i = 0; i < G_N_ELEMENTS (hostile_payloads); i++)
    {
      g_autofree char *path = g_strdup_printf ("/hostile/%02u/%s", i, hostile_payloads[i].path_part);
      g_autofree char *markers = g_strdup_printf ("note=\"%s\"", hostile_payloads[i].marker);

      tally_add_func_full (path, test_hostile, hostile_payloads[i].payload, markers,
                           __FILE__, __LINE__);
    }
  if (g_getenv ("TALLY_SAMPLE_BADPATH"))
    tally_add ("/hostile/not-utf8-\xff\xfe", test_hostile, NULL);
}

TALLY_MAIN (register_tests)
