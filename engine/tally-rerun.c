/* tally-rerun.c — the command line that reruns one test alone
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-rerun-private.h"
#include "tally-text-private.h"

GStrv
tally_rerun_argv (const char *program,
                  const char *path)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder, program, "-p", path, NULL);
  return g_strv_builder_end (builder);
}

static gboolean
needs_quoting (const char *word)
{
  if (*word == '\0')
    return TRUE;
  for (const char *p = word; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/._+-=:,@%", *p) == NULL)
      return TRUE;
  return FALSE;
}

/* Whether @word has bytes a terminal would act on (control characters,
 * C1 controls, text that is not UTF-8): they are written $'\xNN'. */
static gboolean
needs_escapes (const char *word)
{
  g_autofree char *inert = tally_text_inert (word, -1, FALSE);

  return strcmp (inert, word) != 0;
}

/* Bash's $'…' quoting: the word comes back exactly, and the line shows
 * no raw control byte. */
static char *
escape_quote (const char *word)
{
  GString *out = g_string_new ("$'");
  const char *p = word, *end = word + strlen (word);

  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      const char *next = (c == (gunichar) -1 || c == (gunichar) -2) ? p + 1 : g_utf8_next_char (p);

      if (c == (gunichar) -1 || c == (gunichar) -2 || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        for (const char *q = p; q < next; q++)
          g_string_append_printf (out, "\\x%02x", (guint8) *q);
      else if (c == '\'' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

char *
tally_shell_join (const char * const *argv)
{
  GString *line = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *quoted = needs_escapes (argv[i]) ? escape_quote (argv[i])
                                : needs_quoting (argv[i]) ? g_shell_quote (argv[i]) : g_strdup (argv[i]);

      if (i > 0)
        g_string_append_c (line, ' ');
      g_string_append (line, quoted);
    }
  return g_string_free (line, FALSE);
}

char *
tally_rerun_command (const char *program,
                     const char *cwd,
                     const char *path)
{
  g_autofree char *resolved = NULL;
  g_auto(GStrv) argv = NULL;

  if (g_path_is_absolute (program))
    resolved = g_strdup (program);
  else if (cwd != NULL && strchr (program, '/') != NULL)
    resolved = g_build_filename (cwd, program, NULL);
  if (resolved == NULL || !g_file_test (resolved, G_FILE_TEST_IS_EXECUTABLE)
      || g_file_test (resolved, G_FILE_TEST_IS_DIR))
    return NULL;

  argv = tally_rerun_argv (resolved, path);
  return tally_shell_join ((const char * const *) argv);
}
