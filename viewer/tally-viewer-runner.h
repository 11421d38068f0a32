/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs `tally run … --json` as a GSubprocess (an argv, never a shell) and
 * reports its JSON event stream: "started" (run id, number of tests),
 * "progress" (tests done, tests in all), "finished" (status, exit status,
 * a message for the user). */
#define TALLY_VIEWER_TYPE_RUNNER (tally_viewer_runner_get_type ())
G_DECLARE_FINAL_TYPE (TallyViewerRunner, tally_viewer_runner, TALLY_VIEWER, RUNNER, GObject)

TallyViewerRunner *tally_viewer_runner_new        (void);
gboolean  tally_viewer_runner_start      (TallyViewerRunner   *self,
                                          const char * const  *argv,
                                          const char          *cwd,
                                          GError             **error);
void      tally_viewer_runner_stop       (TallyViewerRunner   *self);
gboolean  tally_viewer_runner_is_running (TallyViewerRunner   *self);
gint64    tally_viewer_runner_get_run_id (TallyViewerRunner   *self);

/* The `tally` to start: $TALLY_RUNNER, else the one next to this
 * executable (build tree or bindir), else the one in PATH. */
char     *tally_viewer_find_runner       (void);

/* A rerun of a stored run: [tally, "run", options…, "--db", @db_path,
 * "--json", @selection…, programs…] where options are @run_argv's
 * (starting at "run") without the options that choose tests, report or
 * pick the database. */
GStrv     tally_viewer_rerun_argv        (const char          *tally_path,
                                          const char * const  *run_argv,
                                          const char          *db_path,
                                          const char * const  *selection);

/* The lines of `tally run --tests-from`: "program::path\n" for each
 * result of @rows (TallyResultRow, nullable), each test once, in order. */
char     *tally_viewer_tests_from_list   (GPtrArray           *rows);
/* Writes @list to a new file (mode 0600) in the temporary directory;
 * returns its path, which the caller removes when done. */
char     *tally_viewer_write_tests_file  (const char          *list,
                                          GError             **error);

/* The directory to run from so the program names stored in the database
 * (relative to the first run's directory) resolve, or NULL with @error
 * set when the programs no longer exist. */
char     *tally_viewer_guess_run_dir     (const char          *db_path,
                                          const char * const  *run_argv,
                                          GPtrArray           *programs,
                                          GError             **error);

G_END_DECLS
