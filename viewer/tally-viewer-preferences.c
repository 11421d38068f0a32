/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include "tally-viewer-preferences.h"
#include "tally-viewer-settings.h"

struct _TallyViewerPreferences
{
  AdwPreferencesWindow parent_instance;

  /* Widgets */
  AdwEntryRow *editor_row;
};

G_DEFINE_FINAL_TYPE (TallyViewerPreferences, tally_viewer_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static void
on_editor_row_apply_cb (TallyViewerPreferences *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->editor_row))));
  g_auto(GStrv) argv = NULL;

  /* A command that cannot be split would fail at each location. */
  if (*command != '\0' && !g_shell_parse_argv (command, NULL, &argv, &error))
    {
      g_autofree char *text = g_strdup_printf ("Not a command line: %s", error->message);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
      return;
    }
  if (!tally_viewer_settings_set_editor (command, &error))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
      return;
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (*command ? "Editor saved" : "Locations open in the default application"));
}

static GtkWidget *
editor_group (TallyViewerPreferences *self)
{
  GtkWidget *group = adw_preferences_group_new ();
  g_autofree char *command = tally_viewer_settings_dup_editor ();
  const char *env = g_getenv ("TALLY_EDITOR");
  g_autofree char *description = NULL;

  if (env != NULL && *env != '\0')
    description = g_markup_printf_escaped ("$TALLY_EDITOR is set and overrides this: <tt>%s</tt>", env);
  else
    description = g_strdup ("A command line in which {file} and {line} are replaced, e.g. "
                            "<tt>code -g {file}:{line}</tt> or <tt>gnome-text-editor +{line} {file}</tt>. "
                            "Empty: the default application for the file, at its start.");
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), "Source Locations");
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);

  self->editor_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->editor_row), "Editor command");
  adw_entry_row_set_show_apply_button (self->editor_row, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->editor_row), command ? command : "");
  g_signal_connect_swapped (self->editor_row, "apply", G_CALLBACK (on_editor_row_apply_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->editor_row));
  return group;
}

GtkWidget *
tally_viewer_preferences_new (GtkWindow *parent)
{
  TallyViewerPreferences *self = g_object_new (TALLY_VIEWER_TYPE_PREFERENCES,
                                               "transient-for", parent,
                                               "modal", TRUE,
                                               "search-enabled", FALSE,
                                               "default-width", 560,
                                               "default-height", 320,
                                               NULL);
  GtkWidget *page = adw_preferences_page_new ();

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (editor_group (self)));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), ADW_PREFERENCES_PAGE (page));
  return GTK_WIDGET (self);
}

AdwEntryRow *
tally_viewer_preferences_get_editor_row (TallyViewerPreferences *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_PREFERENCES (self), NULL);
  return self->editor_row;
}

static void
tally_viewer_preferences_class_init (TallyViewerPreferencesClass *klass)
{
}

static void
tally_viewer_preferences_init (TallyViewerPreferences *self)
{
}
