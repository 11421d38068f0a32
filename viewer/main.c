/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <locale.h>

#include "tally-viewer-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TallyViewerApplication) app = NULL;
  int status;

  setlocale (LC_ALL, "");

  app = tally_viewer_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : tally_viewer_application_get_exit_status (app);
}
