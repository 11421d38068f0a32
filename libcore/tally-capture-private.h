/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Captures a file descriptor (1 or 2) at the descriptor level, so printf,
 * write(2) and child processes that inherit it are all caught: the fd is
 * pointed at an anonymous in-memory file until the capture ends. */
typedef struct
{
  int target_fd;
  int saved_fd;
  int file_fd;
} TallyCapture;

gboolean  tally_capture_begin (TallyCapture  *capture,
                               int            target_fd,
                               GError       **error);
GBytes   *tally_capture_end   (TallyCapture  *capture);
int       tally_memfd_new     (const char    *name,
                               GError       **error);
GBytes   *tally_fd_read_from  (int            fd,
                               goffset        offset,
                               gsize          max_len);

G_END_DECLS
