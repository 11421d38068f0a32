/* viewer-test-util.h — what the viewer's test programs share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tests/test-viewer.c and tests/test-viewer-narrow.c run the real window
 * under Xvfb: GTK on the global default context, each test on a context
 * of its own.
 */
#pragma once

#include <gtk/gtk.h>
#include <tally.h>

#include "tally-viewer-window-private.h"

G_BEGIN_DECLS

typedef gboolean (*ViewerCheck) (gpointer data);

gboolean viewer_test_init_display (void);
void     viewer_test_require_display (TallyTest *t);
char    *viewer_test_build_path (const char *relative);
void     viewer_test_wait_for (TallyTest   *t,
                               ViewerCheck  check,
                               gpointer     data);
void     viewer_test_settle (TallyTest *t,
                             guint      ms);
gboolean viewer_test_loaded (gpointer window);
void     viewer_test_close_window (TallyTest         *t,
                                   TallyViewerWindow *window);
int      viewer_test_run_tally  (TallyTest          *t,
                                 const char         *db,
                                 const char * const *envp_extra,
                                 const char         *first_arg,
                                 ...) G_GNUC_NULL_TERMINATED;
int      viewer_test_run_tallyv (TallyTest          *t,
                                 const char         *db,
                                 const char * const *envp_extra,
                                 const char         *first_arg,
                                 va_list             args);

G_END_DECLS
