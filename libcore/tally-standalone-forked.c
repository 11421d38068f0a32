/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "tally-main-private.h"
#include "tally-markers-private.h"

/* Standalone mode and the `forked` marker: the test runs in a new process
 * of this program (`PROGRAM -p PATH`), whose TAP is relayed with the
 * test's number in this run. Set in that process, so it runs the test
 * itself. */
#define FORKED_ENV "TALLY_STANDALONE_FORKED"

gboolean
tally_standalone_wants_fork (TallyTestCase *tc)
{
  static int in_child = -1;

  if (in_child < 0)
    in_child = g_getenv (FORKED_ENV) != NULL;
  return !in_child && tally_markers_has (tc->markers, "forked");
}

/* The outcome a relayed TAP result line stands for. */
static TallyOutcome
outcome_of (const char *line)
{
  gboolean ok = g_str_has_prefix (line, "ok ");

  if (strstr (line, " # SKIP") != NULL)
    return TALLY_OUTCOME_SKIPPED;
  if (strstr (line, " # TODO") != NULL)
    return TALLY_OUTCOME_XFAILED;
  if (strstr (line, " # xpassed") != NULL)
    return TALLY_OUTCOME_XPASSED;
  if (ok)
    return TALLY_OUTCOME_PASSED;
  if (strstr (line, " # crashed") != NULL)
    return TALLY_OUTCOME_CRASHED;
  if (strstr (line, " # timeout") != NULL)
    return TALLY_OUTCOME_TIMEOUT;
  return TALLY_OUTCOME_FAILED;
}

/* Relays the child's TAP: its result line renumbered, its comments as
 * they are; its plan, summary and any "Bail out!" (the child's, not
 * ours) dropped or made a comment. */
static TallyOutcome
relay (const char *out,
       guint       number,
       GString    *tap)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  TallyOutcome outcome = TALLY_OUTCOME_RUNNING;
  guint passed, failed;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      gboolean ok = g_str_has_prefix (line, "ok 1 ");

      if (outcome == TALLY_OUTCOME_RUNNING && (ok || g_str_has_prefix (line, "not ok 1 ")))
        {
          outcome = outcome_of (line);
          g_string_append_printf (tap, "%s %u %s\n", ok ? "ok" : "not ok", number,
                                  line + strlen (ok ? "ok 1 " : "not ok 1 "));
        }
      else if (g_str_has_prefix (line, "Bail out!"))
        g_string_append_printf (tap, "# (in the test's own process) %s\n", line);
      else if (sscanf (line, "# %u passed, %u failed", &passed, &failed) == 2)
        continue;   /* the child's summary line */
      else if (line[0] == '#')
        g_string_append_printf (tap, "%s\n", line);
    }

  return outcome;
}

/* Runs @tc in a process of its own; appends its TAP to @tap. */
TallyOutcome
tally_standalone_run_forked (TallyProgramOptions *opts,
                             TallyTestCase       *tc,
                             guint                number,
                             GString             *tap)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), FORKED_ENV, "1", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  TallyOutcome outcome;
  int status = 0;

  g_ptr_array_add (argv, g_strdup ("/proc/self/exe"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup (tc->path));
  g_ptr_array_add (argv, g_strdup_printf ("--timeout=%g", opts->exec.default_timeout_s));
  g_ptr_array_add (argv, g_strdup (opts->exec.leaks == TALLY_LEAKS_WARN ? "--leaks=warn"
                                   : opts->exec.leaks == TALLY_LEAKS_IGNORE ? "--leaks=ignore"
                                   : "--leaks=fail"));
  if (opts->verbose)
    g_ptr_array_add (argv, g_strdup ("-v"));
  g_ptr_array_add (argv, NULL);

  /* Its stderr goes where ours does; its stdout is TAP for us to relay. */
  if (!g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_CHILD_INHERITS_STDERR,
                     NULL, NULL, &out, NULL, &status, &error))
    {
      g_string_append_printf (tap, "not ok %u %s # crashed: cannot start its own process: %s\n",
                              number, tc->path, error->message);
      return TALLY_OUTCOME_CRASHED;
    }

  outcome = relay (out, number, tap);
  if (outcome == TALLY_OUTCOME_RUNNING)
    {
      outcome = TALLY_OUTCOME_CRASHED;
      if (WIFSIGNALED (status))
        g_string_append_printf (tap, "not ok %u %s # crashed: its own process died of signal %d (%s)\n",
                                number, tc->path, WTERMSIG (status), g_strsignal (WTERMSIG (status)));
      else
        g_string_append_printf (tap, "not ok %u %s # crashed: its own process exited with status %d "
                                "without a result\n", number, tc->path,
                                WIFEXITED (status) ? WEXITSTATUS (status) : -1);
    }

  return outcome;
}
