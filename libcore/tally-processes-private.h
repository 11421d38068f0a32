/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Processes a test leaves behind (worker mode). The worker becomes a
 * child subreaper, so helpers a test detaches with setsid or a double
 * fork come back to it as children; after each test, children of the
 * worker's main thread still running are the test's leftovers. */
void     tally_processes_track    (void);
/* At a test's start: what runs already is not the test's. */
void     tally_processes_begin    (void);
/* Appends "left N processes running: …" to @leaks and kills them (their
 * process groups too, for those that lead one). Nothing when tracking is
 * off or no process was left. Waits up to 100 ms first for children on
 * their way out (a teardown that sent SIGTERM). With @leaks NULL (a test
 * whose leftovers are not checked) the processes are left alone. */
void     tally_processes_collect  (GString    *leaks,    /* nullable */
                                   const char *path);
/* Between tests: the test whose unchecked children still run, or NULL. */
const char *tally_processes_helper_owner (void);
void     tally_processes_forget   (void);
/* At the worker's end: kills every child still running, of any thread. */
void     tally_processes_kill_all (void);

G_END_DECLS
