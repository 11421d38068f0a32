/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "tally-executor-private.h"

G_BEGIN_DECLS

/* What a test program was asked to do on its command line. */
typedef struct
{
  const char *program;      /* argv[0] */
  char **argv;              /* the command line as given, for a forked test's process */
  gboolean list_paths;      /* -l */
  gboolean tally_list;      /* --tally-list */
  gboolean tally_worker;    /* --tally-worker */
  gboolean verbose;
  gboolean quiet;
  char **only_paths;        /* -p */
  char **skip_paths;        /* -s */
  char *marker_expr;        /* -m */
  char *keyword_expr;       /* -k */
  TallyExecOptions exec;
} TallyProgramOptions;

#define TALLY_DEFAULT_TIMEOUT_S 60.0

int tally_standalone_main (TallyProgramOptions *options);

/* The `forked` marker in standalone mode (tally-standalone-forked.c). */
gboolean     tally_standalone_wants_fork (TallyTestCase       *tc);
TallyOutcome tally_standalone_run_forked (TallyProgramOptions *options,
                                          TallyTestCase       *tc,
                                          guint                number,
                                          GString             *tap);
int tally_worker_main     (TallyProgramOptions *options);
int tally_list_main       (TallyProgramOptions *options);
gboolean tally_list_write (FILE                *out);

/* Selects the registered tests that -p, -s, -m and -k leave, in
 * registration order, as their positions (guint); returns NULL with an
 * error for a bad expression or an unknown -p path. */
GArray    *tally_program_select (TallyProgramOptions *options,
                                 GError             **error);

G_END_DECLS
