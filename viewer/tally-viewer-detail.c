/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tally-viewer-detail.c — the detail pane as a widget: its properties,
 * signal and accessors, and the GObject parts. The rest is split as the
 * window is: tally-viewer-detail-result.c (the result and its
 * attempts), tally-viewer-detail-pages.c (the tabs and what fills
 * them), tally-viewer-detail-actions.c (search, wrapping, copy, save,
 * locations, the log rows' menu), tally-viewer-detail-internal.h (the
 * struct they share). */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-viewer-detail-internal.h"

G_DEFINE_FINAL_TYPE (TallyViewerDetail, tally_viewer_detail, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_VISIBLE_PAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PROBLEM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
tally_viewer_detail_problem (TallyViewerDetail *self,
                             const char        *message)
{
  g_debug ("%s", message);
  g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, message);
}

static const char * const page_names[] = { "crash", "log", "stdout", "stderr", "console" };

const TallyResultRow *
tally_viewer_detail_shown_row (TallyViewerDetail *self)
{
  if (self->attempts == NULL || self->shown_attempt >= self->attempts->len)
    return NULL;
  return g_ptr_array_index (self->attempts, self->shown_attempt);
}

gint64
tally_viewer_detail_shown_id (TallyViewerDetail *self)
{
  const TallyResultRow *row = tally_viewer_detail_shown_row (self);

  return row ? row->id : 0;
}

/* For the tabs (tally-viewer-detail-pages.c). */
void
tally_viewer_detail_notify_visible_page (TallyViewerDetail *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_PAGE]);
}

void
tally_viewer_detail_set_store (TallyViewerDetail *self,
                               TallyStore        *store)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));

  if (self->store == NULL)
    return;
  self->store = store;
  tally_viewer_log_list_set_store (self->logs, store);
}

gint64
tally_viewer_detail_get_result_id (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  return self->result_id;
}

const char *
tally_viewer_detail_get_visible_page (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return gtk_stack_get_visible_child_name (self->content_stack);
}

void
tally_viewer_detail_set_visible_page (TallyViewerDetail *self,
                                      const char        *name)
{
  gboolean known = FALSE;

  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (page_names); i++)
    known |= strcmp (name, page_names[i]) == 0;
  if (!known)
    {
      g_warning ("No detail tab named “%s”", name ? name : "(null)");
      return;
    }
  g_free (self->preferred_page);
  self->preferred_page = g_strdup (name);
  if (tally_viewer_detail_page_available (self, name))
    gtk_stack_set_visible_child_name (self->content_stack, name);
}

/* --- for the tests and the benchmark ----------------------------------------- */

GListModel *
tally_viewer_detail_get_log_model (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return G_LIST_MODEL (self->logs);
}

char *
tally_viewer_detail_dup_output (TallyViewerDetail *self,
                                int                stream)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);

  buffer = gtk_text_view_get_buffer (stream == TALLY_STREAM_STDERR ? self->stderr_view : self->stdout_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

const char *
tally_viewer_detail_get_message (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return self->message;
}

guint
tally_viewer_detail_get_n_history (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  return self->durations->len;
}

guint
tally_viewer_detail_get_n_attempts (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  return self->attempts ? self->attempts->len : 0;
}

guint
tally_viewer_detail_get_shown_attempt (TallyViewerDetail *self)
{
  const TallyResultRow *row;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), 0);
  row = tally_viewer_detail_shown_row (self);
  return row ? row->attempt : 0;
}

const char *
tally_viewer_detail_get_page_title (TallyViewerDetail *self,
                                    const char        *name)
{
  GtkWidget *child;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  child = gtk_stack_get_child_by_name (self->content_stack, name);
  return child ? gtk_stack_page_get_title (gtk_stack_get_page (self->content_stack, child)) : NULL;
}

gboolean
tally_viewer_detail_has_page (TallyViewerDetail *self,
                              const char        *name)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), FALSE);
  return tally_viewer_detail_page_available (self, name);
}

char *
tally_viewer_detail_dup_crash_text (TallyViewerDetail *self)
{
  g_autofree char *signal = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *err = NULL;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  signal = g_strdup (gtk_label_get_text (self->crash_signal_label));
  frames = tally_viewer_detail_label_text (self->crash_frames_label);
  err = tally_viewer_detail_label_text (self->crash_stderr_label);
  return g_strconcat (signal, "\n", frames, "\n", err, NULL);
}

const char *
tally_viewer_detail_get_signal_text (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->signal_label)) ? gtk_label_get_text (self->signal_label) : NULL;
}

GtkEditable *
tally_viewer_detail_get_search_entry (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

guint
tally_viewer_detail_get_log_selected (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), GTK_INVALID_LIST_POSITION);
  return gtk_single_selection_get_selected (self->log_selection);
}

char *
tally_viewer_detail_dup_selected_text (TallyViewerDetail *self)
{
  GtkTextView *view;
  GtkTextIter start, end;

  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  view = tally_viewer_detail_page_text_view (self);
  if (view == NULL || !gtk_text_buffer_get_selection_bounds (gtk_text_view_get_buffer (view), &start, &end))
    return NULL;
  return gtk_text_iter_get_text (&start, &end);
}

GtkTextView *
tally_viewer_detail_get_text_view (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return tally_viewer_detail_page_text_view (self);
}

GtkWidget *
tally_viewer_detail_get_log_menu (TallyViewerDetail *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_DETAIL (self), NULL);
  return self->log_menu;
}

void
tally_viewer_detail_popup_log_menu (TallyViewerDetail *self,
                                    guint              position)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));
  tally_viewer_detail_popup_log_menu_at (self, position, 0, 0);
}

void
tally_viewer_detail_release_views (TallyViewerDetail *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_DETAIL (self));
  gtk_list_view_set_model (self->log_view, NULL);
}

/* --- GObject ------------------------------------------------------------ */

static void
tally_viewer_detail_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE:
      g_value_set_string (value, tally_viewer_detail_get_visible_page (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_viewer_detail_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE:
      tally_viewer_detail_set_visible_page (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* One child, the stack, as a GtkBinLayout would; and the log menu, a
 * popover of the detail, placed whenever the detail is allocated (a
 * layout manager would not let the widget do that). */
static void
tally_viewer_detail_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_widget_measure (GTK_WIDGET (self->stack), orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

static GtkSizeRequestMode
tally_viewer_detail_get_request_mode (GtkWidget *widget)
{
  return gtk_widget_get_request_mode (GTK_WIDGET (TALLY_VIEWER_DETAIL (widget)->stack));
}

static void
tally_viewer_detail_size_allocate (GtkWidget *widget,
                                   int        width,
                                   int        height,
                                   int        baseline)
{
  TallyViewerDetail *self = TALLY_VIEWER_DETAIL (widget);

  gtk_widget_allocate (GTK_WIDGET (self->stack), width, height, baseline, NULL);
  if (self->log_menu != NULL && gtk_widget_get_visible (self->log_menu))
    gtk_popover_present (GTK_POPOVER (self->log_menu));
}

static void
tally_viewer_detail_dispose (GObject *object)
{
  TallyViewerDetail *self = (TallyViewerDetail *) object;

  /* Let the view drop its rows while the widget tree is whole. */
  if (self->log_view != NULL)
    gtk_list_view_set_model (self->log_view, NULL);
  g_clear_pointer (&self->log_menu, gtk_widget_unparent);
  g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_DETAIL);

  G_OBJECT_CLASS (tally_viewer_detail_parent_class)->dispose (object);
}

static void
tally_viewer_detail_finalize (GObject *object)
{
  TallyViewerDetail *self = (TallyViewerDetail *) object;

  g_clear_object (&self->log_selection);
  g_clear_object (&self->logs);
  for (int i = 0; i < N_PALETTE; i++)
    g_clear_pointer (&self->palette[i], pango_attr_list_unref);
  g_clear_pointer (&self->durations, g_array_unref);
  g_clear_pointer (&self->attempts, g_ptr_array_unref);
  g_clear_pointer (&self->run_cwd, g_free);
  g_clear_pointer (&self->cwd_key, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->rerun_command, g_free);
  g_clear_pointer (&self->debug_command, g_free);
  g_clear_pointer (&self->preferred_page, g_free);

  G_OBJECT_CLASS (tally_viewer_detail_parent_class)->finalize (object);
}

static void
tally_viewer_detail_class_init (TallyViewerDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tally_viewer_detail_get_property;
  object_class->set_property = tally_viewer_detail_set_property;
  object_class->dispose = tally_viewer_detail_dispose;
  object_class->finalize = tally_viewer_detail_finalize;
  widget_class->get_request_mode = tally_viewer_detail_get_request_mode;
  widget_class->measure = tally_viewer_detail_measure;
  widget_class->size_allocate = tally_viewer_detail_size_allocate;

  /**
   * TallyViewerDetail:visible-page:
   *
   * The tab shown; see tally_viewer_detail_set_visible_page().
   */
  properties[PROP_VISIBLE_PAGE] =
    g_param_spec_string ("visible-page", NULL, NULL, "log",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TallyViewerDetail::problem:
   * @message: one line for a toast
   *
   * Something the user asked for failed: a location could not be
   * opened, a tab could not be saved.
   */
  signals[SIGNAL_PROBLEM] =
    g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, attempts_box);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, attempts_buttons);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, console_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_frames_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_frames_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_log_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_log_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_message_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_signal_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_stderr_heading);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, crash_stderr_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, failure_box);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, history_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, history_strip);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, level_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, location_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, log_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, log_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, match_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, message_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, meta_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, no_records_page);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, outcome_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, path_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, program_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, search_button);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, signal_label);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stderr_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, stdout_view);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, trend_area);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerDetail, wrap_button);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_content_stack_notify_visible_child_name_cb",
                                                G_CALLBACK (tally_viewer_detail_on_content_stack_notify_visible_child_name_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_level_dropdown_notify_selected_cb",
                                                G_CALLBACK (tally_viewer_detail_on_level_dropdown_notify_selected_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_link_activate_cb",
                                                G_CALLBACK (tally_viewer_detail_on_link_activate_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_search_button_toggled_cb",
                                                G_CALLBACK (tally_viewer_detail_on_search_button_toggled_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_search_entry_activate_cb",
                                                G_CALLBACK (tally_viewer_detail_on_search_entry_activate_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_search_entry_next_match_cb",
                                                G_CALLBACK (tally_viewer_detail_on_search_entry_next_match_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_search_entry_previous_match_cb",
                                                G_CALLBACK (tally_viewer_detail_on_search_entry_previous_match_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_search_entry_search_changed_cb",
                                                G_CALLBACK (tally_viewer_detail_on_search_entry_search_changed_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_search_entry_stop_search_cb",
                                                G_CALLBACK (tally_viewer_detail_on_search_entry_stop_search_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_wrap_button_toggled_cb",
                                                G_CALLBACK (tally_viewer_detail_on_wrap_button_toggled_cb));

  gtk_widget_class_install_action (widget_class, "detail.copy-rerun", NULL, tally_viewer_detail_copy_rerun_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-debug", NULL, tally_viewer_detail_copy_debug_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-all", NULL, tally_viewer_detail_copy_all_action);
  gtk_widget_class_install_action (widget_class, "detail.save", NULL, tally_viewer_detail_save_action);
  gtk_widget_class_install_action (widget_class, "detail.search", NULL, tally_viewer_detail_toggle_search_action);
  gtk_widget_class_install_action (widget_class, "detail.toggle-wrap", NULL, tally_viewer_detail_toggle_wrap_action);
  gtk_widget_class_install_action (widget_class, "detail.find-next", NULL, tally_viewer_detail_find_next_action);
  gtk_widget_class_install_action (widget_class, "detail.find-previous", NULL, tally_viewer_detail_find_previous_action);
  gtk_widget_class_install_action (widget_class, "detail.open-location", "s", tally_viewer_detail_open_location_action);
  gtk_widget_class_install_action (widget_class, "detail.show-attempt", "u", tally_viewer_detail_show_attempt_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-log-message", NULL, tally_viewer_detail_copy_log_message_action);
  gtk_widget_class_install_action (widget_class, "detail.copy-log-location", NULL, tally_viewer_detail_copy_log_location_action);
  gtk_widget_class_install_action (widget_class, "detail.open-log-location", NULL, tally_viewer_detail_open_log_location_action);
  gtk_widget_class_install_action (widget_class, "detail.log-menu", NULL, tally_viewer_detail_log_menu_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "detail.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "detail.log-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "detail.log-menu", NULL);
}

static void
tally_viewer_detail_init (TallyViewerDetail *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkEventController *shortcuts;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->logs = tally_viewer_log_list_new ();
  self->durations = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->preferred_page = g_strdup ("log");

  self->log_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->logs)));
  gtk_single_selection_set_autoselect (self->log_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->log_selection, TRUE);
  g_signal_connect (factory, "setup", G_CALLBACK (tally_viewer_detail_on_log_row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (tally_viewer_detail_on_log_row_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (tally_viewer_detail_on_log_row_unbind_cb), self);
  gtk_list_view_set_factory (self->log_view, factory);
  gtk_list_view_set_model (self->log_view, GTK_SELECTION_MODEL (self->log_selection));

  g_menu_append (menu, "Copy Message", "detail.copy-log-message");
  g_menu_append (menu, "Copy Path", "detail.copy-log-location");
  g_menu_append (menu, "Open Location", "detail.open-log-location");
  self->log_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->log_menu), FALSE);
  gtk_widget_set_halign (self->log_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->log_menu, GTK_WIDGET (self));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (tally_viewer_detail_on_log_view_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->log_view), GTK_EVENT_CONTROLLER (click));

  /* Shift+Enter in the search goes back (Enter goes on: "activate"). */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Shift>Return|<Shift>KP_Enter"),
                                                          gtk_named_action_new ("detail.find-previous")));
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), shortcuts);

  /* GtkBuilder's <accessibility> does not reach a GtkSearchEntry in 4.8. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Search the log and output", -1);
  for (GtkWidget *w = GTK_WIDGET (self->search_bar); w != NULL;)
    {
      /* The search bar's own close button: GTK 4.8 gives it no name. */
      if (GTK_IS_BUTTON (w) && gtk_button_get_label (GTK_BUTTON (w)) == NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL, "Close search", -1);
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != GTK_WIDGET (self->search_bar) && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == GTK_WIDGET (self->search_bar) ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled",
                            G_CALLBACK (tally_viewer_detail_on_search_bar_notify_search_mode_enabled_cb), self);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (tally_viewer_detail_on_dark_changed_cb), self);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::high-contrast",
                            G_CALLBACK (tally_viewer_detail_on_dark_changed_cb), self);

  gtk_toggle_button_set_active (self->wrap_button, TRUE);
  tally_viewer_detail_sync_toolbar (self);
  gtk_drawing_area_set_draw_func (self->trend_area, tally_viewer_detail_trend_draw, self, NULL);
  tally_viewer_detail_set_commands (self, NULL);
}
