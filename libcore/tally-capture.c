/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <gio/gio.h>

#include "tally-capture-private.h"
#include "tally-error.h"

/* An anonymous file in memory, opened for appending: writers that share
 * it (a test, the children it spawns) always add at the end, so a reader
 * can take what is new by offset. */
int
tally_memfd_new (const char  *name,
                 GError     **error)
{
  int fd = memfd_create (name, MFD_CLOEXEC);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "memfd_create: %s", g_strerror (saved));
      return -1;
    }

  if (fcntl (fd, F_SETFL, O_APPEND) < 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "fcntl: %s", g_strerror (saved));
      return -1;
    }

  return fd;
}

/* Reads from @offset to the end (at most @max_len bytes). */
GBytes *
tally_fd_read_from (int     fd,
                    goffset offset,
                    gsize   max_len)
{
  GByteArray *data = g_byte_array_new ();
  guint8 chunk[65536];

  while (data->len < max_len)
    {
      ssize_t n = pread (fd, chunk, MIN (sizeof chunk, max_len - data->len), offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_byte_array_append (data, chunk, n);
      offset += n;
    }

  return g_byte_array_free_to_bytes (data);
}

gboolean
tally_capture_begin (TallyCapture  *capture,
                     int            target_fd,
                     GError       **error)
{
  capture->target_fd = target_fd;
  capture->saved_fd = -1;
  capture->file_fd = tally_memfd_new (target_fd == 1 ? "tally-stdout" : "tally-stderr", error);
  if (capture->file_fd < 0)
    return FALSE;

  fflush (target_fd == 1 ? stdout : stderr);
  capture->saved_fd = fcntl (target_fd, F_DUPFD_CLOEXEC, 3);
  if (capture->saved_fd < 0 || dup2 (capture->file_fd, target_fd) < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot redirect fd %d: %s", target_fd, g_strerror (saved));
      close (capture->file_fd);
      if (capture->saved_fd >= 0)
        close (capture->saved_fd);
      capture->file_fd = capture->saved_fd = -1;
      return FALSE;
    }

  return TRUE;
}

/* Restores the descriptor and returns what was written meanwhile. */
GBytes *
tally_capture_end (TallyCapture *capture)
{
  GBytes *bytes;

  if (capture->file_fd < 0)
    return g_bytes_new (NULL, 0);

  fflush (capture->target_fd == 1 ? stdout : stderr);
  dup2 (capture->saved_fd, capture->target_fd);
  close (capture->saved_fd);

  bytes = tally_fd_read_from (capture->file_fd, 0, G_MAXSIZE);
  close (capture->file_fd);
  capture->file_fd = capture->saved_fd = -1;

  return bytes;
}
