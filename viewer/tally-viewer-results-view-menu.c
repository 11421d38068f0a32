/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-results-view-internal.h"
#include "tally-viewer-util.h"

/* The results view's row menu (right click, Menu, Shift+F10) and its
 * actions. */

/* --- the context menu -------------------------------------------------- */

static gpointer
find_row_data (GtkWidget  *widget,
               const char *key)
{
  gpointer data = g_object_get_data (G_OBJECT (widget), key);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); data == NULL && child != NULL;
       child = gtk_widget_get_next_sibling (child))
    data = find_row_data (child, key);
  return data;
}

/* What a right click at (@x, @y) in @view is on: the list row widget
 * above the picked one, and the data its cells were bound with. */
static gpointer
row_data_at (GtkWidget  *view,
             double      x,
             double      y,
             const char *key)
{
  GtkWidget *picked = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);

  for (GtkWidget *w = picked; w != NULL && w != view; w = gtk_widget_get_parent (w))
    if (g_strcmp0 (gtk_widget_get_css_name (w), "row") == 0)
      return find_row_data (w, key);
  return NULL;
}

static TallyResultRow *
read_row (TallyViewerResultsView *self,
          gint64                  id)
{
  TallyStore *store = tally_viewer_result_list_get_store (self->results);
  g_autoptr(GPtrArray) rows = NULL;

  if (store == NULL || id == 0)
    return NULL;
  rows = tally_store_get_result_rows (store, &id, 1, NULL);
  if (rows == NULL || rows->len != 1)
    return NULL;
  return g_steal_pointer (&rows->pdata[0]);
}

static void
update_context_actions (TallyViewerResultsView *self)
{
  g_autoptr(TallyResultRow) row = read_row (self, self->context_id);
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "results.copy-path", row != NULL || self->context_item != NULL);
  gtk_widget_action_set_enabled (widget, "results.copy-message", row != NULL && row->message != NULL);
  gtk_widget_action_set_enabled (widget, "results.open-location", row != NULL && row->file != NULL);
  gtk_widget_action_set_enabled (widget, "results.rerun", row != NULL || self->context_item != NULL);
}

/* Opens the row menu on the row at (@x, @y) of @view: that row is
 * selected first (alone) unless it already is, as file managers do. */
gboolean
tally_viewer_results_view_menu_open (TallyViewerResultsView *self,
                                     GtkWidget              *view,
                                     double                  x,
                                     double                  y)
{
  GdkRectangle rect = { 0, 0, 1, 1 };
  double sx, sy;

  self->context_id = 0;
  g_clear_object (&self->context_item);
  if (view == GTK_WIDGET (self->tree_view))
    {
      GtkTreeListRow *row = row_data_at (view, x, y, "tally-tree-row");
      guint position;

      if (row == NULL)
        return FALSE;
      position = gtk_tree_list_row_get_position (row);
      if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->tree_selection), position))
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->tree_selection), position, TRUE);
      self->context_item = gtk_tree_list_row_get_item (row);
      self->context_id = tally_viewer_tree_item_get_result_id (self->context_item);
    }
  else
    {
      TallyViewerResult *result = row_data_at (view, x, y, "tally-row");
      guint position;

      if (result == NULL)
        return FALSE;
      position = tally_viewer_row_get_position (TALLY_VIEWER_ROW (result));
      if (!gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
        tally_viewer_results_view_select_position (self, position);
      self->context_id = tally_viewer_result_list_get_id_at (self->results, position);
    }
  update_context_actions (self);
  if (!gtk_widget_translate_coordinates (view, GTK_WIDGET (self), x, y, &sx, &sy))
    sx = x, sy = y;
  rect.x = (int) sx;
  rect.y = (int) sy;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->row_popover), &rect);
  gtk_popover_popup (GTK_POPOVER (self->row_popover));
  return TRUE;
}

static void
on_context_pressed_cb (GtkGestureClick        *gesture,
                       int                     n_press,
                       double                  x,
                       double                  y,
                       TallyViewerResultsView *self)
{
  GtkWidget *view = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (n_press == 1 && tally_viewer_results_view_menu_open (self, view, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* Menu or Shift+F10: the menu of the row that has the focus. */
static gboolean
on_menu_key_cb (GtkWidget *view,
                GVariant  *args,
                gpointer   data)
{
  TallyViewerResultsView *self = data;
  GtkRoot *root = gtk_widget_get_root (view);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  graphene_point_t at;

  for (; focus != NULL && focus != view; focus = gtk_widget_get_parent (focus))
    if (g_strcmp0 (gtk_widget_get_css_name (focus), "row") == 0)
      break;
  if (focus == NULL || focus == view
      || !gtk_widget_compute_point (focus, view,
                                    &GRAPHENE_POINT_INIT (24, gtk_widget_get_height (focus) / 2.0), &at))
    return FALSE;
  return tally_viewer_results_view_menu_open (self, view, at.x, at.y);
}

void
tally_viewer_results_view_add_context_gesture (TallyViewerResultsView *self,
                                               GtkWidget              *view)
{
  GtkGesture *gesture = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_shortcut_controller_new ();
  GtkShortcutTrigger *trigger = gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Menu, 0),
                                                              gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_context_pressed_cb), self);
  gtk_widget_add_controller (view, GTK_EVENT_CONTROLLER (gesture));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (trigger, gtk_callback_action_new (on_menu_key_cb, self, NULL)));
  gtk_widget_add_controller (view, keys);
}

static void
copy_text (TallyViewerResultsView *self,
           const char             *text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

/* The selected tests' paths, one a line; a group of the tree: its path. */
static void
copy_path_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (widget);
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  TallyStore *store = tally_viewer_result_list_get_store (self->results);

  if (self->context_item != NULL && tally_viewer_tree_item_is_group (self->context_item))
    {
      g_autofree char *key = tally_viewer_tree_item_dup_key (self->context_item);
      const char *path = strstr (key, "::");

      copy_text (self, path != NULL ? path + 2 : key);
      return;
    }
  ids = tally_viewer_results_view_dup_selected_ids (self);
  if (ids->len == 0 && self->context_id != 0)
    g_array_append_val (ids, self->context_id);
  if (store != NULL && ids->len > 0)
    rows = tally_store_get_result_rows (store, (gint64 *) ids->data, ids->len, NULL);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "\n" : "", ((TallyResultRow *) rows->pdata[i])->path);
  copy_text (self, text->str);
}

static void
copy_message_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (widget);
  g_autoptr(TallyResultRow) row = read_row (self, self->context_id);
  g_autofree char *message = NULL;

  if (row == NULL || row->message == NULL)
    return;
  message = tally_viewer_text_for_display (row->message, row->message_len, -1);
  copy_text (self, message);
}

/* Reruns what is selected (the row or group the menu is on is): the
 * window's "win.rerun-selected" asks tally_viewer_results_view_dup_selected_ids(). */
static void
rerun_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  gtk_widget_activate_action (widget, "win.rerun-selected", NULL);
}

/* The failure's file, resolved against the run's directory, opened
 * with the desktop's handler for it. */
static void
open_location_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  TallyViewerResultsView *self = TALLY_VIEWER_RESULTS_VIEW (widget);
  g_autoptr(TallyResultRow) row = read_row (self, self->context_id);
  const TallyRunRow *run = tally_viewer_document_get_run (self->document);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;

  if (row == NULL || row->file == NULL)
    return;
  path = g_path_is_absolute (row->file) || run == NULL || run->cwd == NULL
         ? g_strdup (row->file) : g_build_filename (run->cwd, row->file, NULL);
  uri = g_filename_to_uri (path, NULL, &error);
  if (uri == NULL || !g_app_info_launch_default_for_uri (uri, NULL, &error))
    g_debug ("Cannot open %s: %s", path, error->message);
}

void
tally_viewer_results_view_class_add_menu_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "results.copy-path", NULL, copy_path_action);
  gtk_widget_class_install_action (widget_class, "results.copy-message", NULL, copy_message_action);
  gtk_widget_class_install_action (widget_class, "results.rerun", NULL, rerun_action);
  gtk_widget_class_install_action (widget_class, "results.open-location", NULL, open_location_action);
}
