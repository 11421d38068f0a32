/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-viewer-recent.h"

void
tally_viewer_recent_fill_menu (GMenu *menu)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  guint n = 0;

  g_menu_remove_all (menu);
  for (GList *l = items; l != NULL && n < 10; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autofree char *path = g_filename_from_uri (gtk_recent_info_get_uri (info), NULL, NULL);
      g_autofree char *label = NULL;
      g_autoptr(GMenuItem) item = NULL;

      if (path == NULL || !gtk_recent_info_has_application (info, "Tally Viewer")
          || !g_file_test (path, G_FILE_TEST_EXISTS))
        continue;

      label = g_filename_display_name (path);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (path));
      g_menu_append_item (menu, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

void
tally_viewer_recent_add (const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  GtkRecentData data = { 0 };

  if (uri == NULL)
    return;
  data.mime_type = (char *) "application/vnd.sqlite3";
  data.app_name = (char *) "Tally Viewer";
  data.app_exec = (char *) "tally-viewer %u";
  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

static void
on_file_chooser_response_cb (GtkNativeDialog   *dialog,
                             int                response,
                             gpointer           user_data)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          void (*open) (GtkWindow *, const char *) = user_data;

          open (gtk_native_dialog_get_transient_for (dialog), path);
        }
    }
  g_object_unref (dialog);
}

void
tally_viewer_choose_database (GtkWindow  *parent,
                              void      (*open) (GtkWindow *parent, const char *path))
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) any = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new ("Open Results Database", parent,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  gtk_file_filter_set_name (filter, "Tally Databases");
  gtk_file_filter_add_pattern (filter, "*.sqlite");
  gtk_file_filter_add_pattern (filter, "*.sqlite3");
  gtk_file_filter_add_pattern (filter, "*.db");
  gtk_file_filter_add_mime_type (filter, "application/vnd.sqlite3");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_filter_set_name (any, "All Files");
  gtk_file_filter_add_pattern (any, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), any);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response_cb), open);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

