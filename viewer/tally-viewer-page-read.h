/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A page's read of the database on a GTask thread (compare, history,
 * flaky): one at a time, a spinner meanwhile, cancelled when a newer
 * read, another page or another database replaces it. */
typedef struct
{
  GCancellable *cancellable;   /* the read under way, or NULL */
  GtkSpinner *spinner;
  GtkLabel *summary;           /* the page's status line */
} TallyViewerPageRead;

GtkWidget *tally_viewer_page_read_init    (TallyViewerPageRead *read,
                                           GtkLabel            *summary);
void       tally_viewer_page_read_start   (TallyViewerPageRead *read,
                                           gpointer             page,
                                           gpointer             source_tag,
                                           const char          *name,
                                           gpointer             task_data,
                                           GDestroyNotify       task_data_free,
                                           GTaskThreadFunc      thread_func,
                                           GAsyncReadyCallback  callback);
gpointer   tally_viewer_page_read_finish  (GAsyncResult        *result,
                                           TallyViewerPageRead *read,
                                           gboolean            *superseded,
                                           GError             **error);
void       tally_viewer_page_read_cancel  (TallyViewerPageRead *read);
void       tally_viewer_page_read_clear   (TallyViewerPageRead *read);
gboolean   tally_viewer_page_read_is_busy (TallyViewerPageRead *read);

G_END_DECLS
