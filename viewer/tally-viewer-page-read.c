/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-viewer-page-read.h"
#include "tally-viewer-util.h"

static void
set_busy (TallyViewerPageRead *read,
          gboolean             busy)
{
  gtk_spinner_set_spinning (read->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (read->spinner), busy);
}

/* Returns the page's status line: a spinner before @summary. */
GtkWidget *
tally_viewer_page_read_init (TallyViewerPageRead *read,
                             GtkLabel            *summary)
{
  read->cancellable = NULL;
  read->summary = summary;
  return tally_viewer_page_status_new (summary, &read->spinner);
}

/* Cancels the read under way and starts @thread_func on a thread of
 * GTask's pool, for @page (the task's source object: alive until
 * @callback). The status line keeps what the page put in it. */
void
tally_viewer_page_read_start (TallyViewerPageRead *read,
                              gpointer             page,
                              gpointer             source_tag,
                              const char          *name,
                              gpointer             task_data,
                              GDestroyNotify       task_data_free,
                              GTaskThreadFunc      thread_func,
                              GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) task = NULL;

  if (read->cancellable != NULL)
    g_cancellable_cancel (read->cancellable);
  g_clear_object (&read->cancellable);
  set_busy (read, TRUE);
  read->cancellable = g_cancellable_new ();
  /* The callback comes on GTK's context, whatever context is pushed. */
  g_main_context_push_thread_default (g_main_context_default ());
  task = g_task_new (page, read->cancellable, callback, NULL);
  g_main_context_pop_thread_default (g_main_context_default ());
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);
  g_task_set_check_cancellable (task, TRUE);
  g_task_set_task_data (task, task_data, task_data_free);
  g_task_run_in_thread (task, thread_func);
}

/* In the read's callback: what the thread returned, or NULL with
 * @error set. *@superseded: the read was cancelled (another read, page
 * or database replaced it): the page belongs to what replaced it, and
 * @read was not touched. Otherwise the spinner stops. */
gpointer
tally_viewer_page_read_finish (GAsyncResult        *result,
                               TallyViewerPageRead *read,
                               gboolean            *superseded,
                               GError             **error)
{
  GError *local_error = NULL;
  gpointer value = g_task_propagate_pointer (G_TASK (result), &local_error);

  *superseded = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                || g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result)));
  if (!*superseded)
    {
      g_clear_object (&read->cancellable);
      set_busy (read, FALSE);
    }
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return value;
}

/* The page was left: the read stops and the status line is emptied. */
void
tally_viewer_page_read_cancel (TallyViewerPageRead *read)
{
  if (read->cancellable == NULL)
    return;
  g_cancellable_cancel (read->cancellable);
  g_clear_object (&read->cancellable);
  set_busy (read, FALSE);
  gtk_label_set_text (read->summary, "");
}

/* In the page's dispose. */
void
tally_viewer_page_read_clear (TallyViewerPageRead *read)
{
  if (read->cancellable != NULL)
    g_cancellable_cancel (read->cancellable);
  g_clear_object (&read->cancellable);
}

gboolean
tally_viewer_page_read_is_busy (TallyViewerPageRead *read)
{
  return read->cancellable != NULL;
}
