/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of `tally`, shared by every subcommand. */
typedef enum
{
  TALLY_EXIT_OK = 0,
  TALLY_EXIT_TESTS_FAILED = 1,
  TALLY_EXIT_INTERRUPTED = 2,
  TALLY_EXIT_INTERNAL_ERROR = 3,
  TALLY_EXIT_USAGE = 4,
  TALLY_EXIT_NO_TESTS = 5,
} TallyExitStatus;

/* Each subcommand gets argv with argv[0] = "tally SUBCOMMAND" and returns
 * a TallyExitStatus. Errors are printed as one line on stderr:
 * "tally SUBCOMMAND: what went wrong (where)". */
int tally_cmd_run     (int argc, char **argv);
int tally_cmd_list    (int argc, char **argv);
int tally_cmd_show    (int argc, char **argv);
int tally_cmd_history (int argc, char **argv);
int tally_cmd_merge   (int argc, char **argv);
int tally_cmd_markers (int argc, char **argv);
int tally_cmd_view    (int argc, char **argv);
int tally_cmd_debug   (int argc, char **argv);

/* The database path from --db, else $TALLY_DB, else .tally/results.sqlite. */
char *tally_cmd_default_db_path (const char *option_value);

G_END_DECLS
