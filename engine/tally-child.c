/* tally-child.c — starting test processes in their own process group
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "tally-child-private.h"

#define TALLY_CHILD_ENV_PREFIX "TALLY_CHILD_"

static char *exec_helper;

void
tally_child_set_exec_helper (const char *path)
{
  g_free (exec_helper);
  exec_helper = g_strdup (path);
}

GStrv
tally_child_wrap_argv (const char * const *argv)
{
  g_autoptr(GStrvBuilder) wrapped = g_strv_builder_new ();

  if (exec_helper != NULL)
    {
      g_autofree char *parent = g_strdup_printf ("%d", (int) getpid ());

      g_strv_builder_add_many (wrapped, exec_helper, TALLY_EXEC_CHILD_ARG, parent, NULL);
    }
  g_strv_builder_addv (wrapped, (const char **) argv);
  return g_strv_builder_end (wrapped);
}

const char *
tally_child_env_name (const char *name)
{
  g_autofree char *prefixed = NULL;

  if (exec_helper == NULL)
    return name;
  prefixed = g_strconcat (TALLY_CHILD_ENV_PREFIX, name, NULL);
  return g_intern_string (prefixed);
}

/* Gives the program the variables meant for it under their own names. */
static void
rename_child_env (void)
{
  g_auto(GStrv) names = g_listenv ();

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], TALLY_CHILD_ENV_PREFIX))
      {
        setenv (names[i] + strlen (TALLY_CHILD_ENV_PREFIX), g_getenv (names[i]), 1);
        unsetenv (names[i]);
      }
}

int
tally_child_exec (int    argc,
                  char **argv)
{
  long parent;

  if (argc < 4 || (parent = strtol (argv[2], NULL, 10)) <= 0)
    {
      fprintf (stderr, "tally: %s is for tally run: %s PARENT_PID PROGRAM [ARG…]\n",
               TALLY_EXEC_CHILD_ARG, TALLY_EXEC_CHILD_ARG);
      _exit (127);
    }

  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The runner may have died before the line above: then nobody waits. */
  if (getppid () != (pid_t) parent)
    _exit (127);

  rename_child_env ();
  execvp (argv[3], argv + 3);
  fprintf (stderr, "tally: cannot execute %s: %s\n", argv[3], g_strerror (errno));
  _exit (127);
}

void
tally_child_signal (GSubprocess *process,
                    int          signum)
{
  const char *identifier = g_subprocess_get_identifier (process);
  pid_t pid;

  if (identifier == NULL)
    return;
  pid = (pid_t) atoi (identifier);
  if (getpgid (pid) == pid)
    kill (-pid, signum);
  else
    kill (pid, signum);
}
