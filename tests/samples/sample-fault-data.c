/* Faults by volume and by bytes: 100 MB of stdout, 1 MB and 10 MB log
 * messages, invalid UTF-8 and NUL bytes in logs, output and failure
 * messages, and ten thousand leftover sources. The bytes each test emits
 * are deterministic so the caller can compare what the database holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tally.h>

/* Messages with invalid UTF-8, NUL bytes, a lone continuation byte, an
 * overlong encoding and a surrogate. */
static const char binary[] = "a\0b\xff\xfe\x80 \xc0\xaf \xed\xa0\x80 end\0";

static void
test_ok (TallyTest *t, gconstpointer data)
{
  g_message ("fine: %s", tally_test_get_path (t));
}

static void
test_flood (TallyTest *t, gconstpointer data)
{
  static char block[64 * 1024];
  guint mb = atoi (g_getenv ("TALLY_SAMPLE_FLOOD_MB") ? g_getenv ("TALLY_SAMPLE_FLOOD_MB") : "100");

  memset (block, 'x', sizeof block);
  block[sizeof block - 1] = '\n';
  memcpy (block, "HEAD", 4);
  for (guint i = 0; i < mb * 16; i++)
    {
      gsize done = 0;
      if (i == mb * 16 - 1)
        memcpy (block + sizeof block - 5, "TAIL", 4);
      while (done < sizeof block)
        {
          gssize n = write (1, block + done, sizeof block - done);
          if (n <= 0)
            tally_fail ("write failed");
          done += n;
        }
    }
}

static char *
big_message (gsize size)
{
  char *message = g_malloc (size + 1);

  for (gsize i = 0; i < size; i++)
    message[i] = 'a' + (i * 7 + i / 1000) % 26;
  memcpy (message, "BEGIN", 5);
  memcpy (message + size - 3, "END", 3);
  message[size] = '\0';
  return message;
}

static void
test_log_big (TallyTest *t, gconstpointer data)
{
  gsize size = GPOINTER_TO_SIZE (data);
  g_autofree char *message = big_message (size);

  g_message ("before the big one");
  g_message ("%s", message);
  g_message ("after the big one");
}

static void
test_log_binary (TallyTest *t, gconstpointer data)
{
  const GLogField fields[] = {
    { "MESSAGE", binary, sizeof binary - 1 },
    { "GLIB_DOMAIN", "Bin", -1 },
    { "PRIORITY", "5", -1 },
  };

  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
  /* and printf-style invalid UTF-8 through the classic API */
  g_message ("classic \xff\xfe caf\xc3\xa9 \xe2\x82");
}

static void
test_output_binary (TallyTest *t, gconstpointer data)
{
  if (write (1, binary, sizeof binary - 1) != sizeof binary - 1
      || write (2, binary, sizeof binary - 1) != sizeof binary - 1)
    tally_fail ("write failed");
}

static void
test_fail_binary (TallyTest *t, gconstpointer data)
{
  tally_fail ("broken \xff\xfe bytes \xc0\xaf");
}

static gboolean
never_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_sources (TallyTest *t, gconstpointer data)
{
  gboolean global = GPOINTER_TO_INT (data);

  for (guint i = 0; i < 10000; i++)
    {
      GSource *source = g_timeout_source_new_seconds (3600);
      char name[32];

      g_snprintf (name, sizeof name, "leak-%05u", i);
      g_source_set_name (source, name);
      g_source_set_callback (source, never_cb, NULL, NULL);
      g_source_attach (source, global ? NULL : g_main_context_get_thread_default ());
      g_source_unref (source);
    }
}

static void
register_tests (void)
{
  /* One 40 MiB log record, alone (tests/test-faults.c, huge-log-record). */
  if (g_getenv ("TALLY_SAMPLE_HUGE_LOG") != NULL)
    {
      tally_add_data ("/data/log-40mb", test_log_big, GSIZE_TO_POINTER (40 * 1024 * 1024), NULL);
      return;
    }
  tally_add ("/data/a-ok", test_ok, NULL);
  tally_add ("/data/flood", test_flood, "timeout=60");
  tally_add ("/data/b-ok", test_ok, NULL);
  tally_add_data ("/data/log-1mb", test_log_big, GSIZE_TO_POINTER (1024 * 1024), NULL);
  tally_add ("/data/c-ok", test_ok, NULL);
  tally_add_data ("/data/log-10mb", test_log_big, GSIZE_TO_POINTER (10 * 1024 * 1024), NULL);
  tally_add ("/data/d-ok", test_ok, NULL);
  tally_add ("/data/log-binary", test_log_binary, NULL);
  tally_add ("/data/output-binary", test_output_binary, NULL);
  tally_add ("/data/fail-binary", test_fail_binary, NULL);
  tally_add ("/data/e-ok", test_ok, NULL);
  tally_add_data ("/data/sources-context", test_sources, GINT_TO_POINTER (FALSE), "timeout=20");
  tally_add ("/data/f-ok", test_ok, NULL);
  tally_add_data ("/data/sources-global", test_sources, GINT_TO_POINTER (TRUE), "timeout=20");
  tally_add ("/data/g-ok", test_ok, NULL);
}

TALLY_MAIN (register_tests)
