/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of the detail pane (tally-viewer-detail.c, the
 * widget; tally-viewer-detail-result.c, the result and its attempts;
 * tally-viewer-detail-pages.c, the tabs; tally-viewer-detail-actions.c,
 * search, copy, save, locations and the log menu); never included
 * elsewhere. */

#include "tally-viewer-detail-private.h"
#include "tally-viewer-log-list.h"

G_BEGIN_DECLS

typedef enum
{
  PALETTE_ERROR,
  PALETTE_CRITICAL,
  PALETTE_WARNING,
  PALETTE_MESSAGE,
  PALETTE_INFO,
  PALETTE_DEBUG,
  N_PALETTE,
} Palette;

struct _TallyViewerDetail
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkBox *attempts_box;
  GtkBox *attempts_buttons;
  GtkTextView *console_view;
  GtkLabel *crash_frames_heading;
  GtkLabel *crash_frames_label;
  GtkLabel *crash_log_heading;
  GtkLabel *crash_log_label;
  GtkLabel *crash_message_label;
  GtkLabel *crash_signal_label;
  GtkLabel *crash_stderr_heading;
  GtkLabel *crash_stderr_label;
  GtkStack *content_stack;
  GtkBox *failure_box;
  GtkBox *history_strip;
  GtkLabel *history_label;
  GtkDropDown *level_dropdown;
  GtkLabel *location_label;
  GtkStack *log_stack;
  GtkListView *log_view;
  GtkLabel *match_label;
  GtkLabel *message_label;
  GtkLabel *meta_label;
  AdwStatusPage *no_records_page;
  GtkLabel *outcome_label;
  GtkLabel *path_label;
  GtkLabel *program_label;
  GtkSearchBar *search_bar;
  GtkToggleButton *search_button;
  GtkSearchEntry *search_entry;
  GtkLabel *signal_label;
  GtkStack *stack;
  GtkTextView *stderr_view;
  GtkTextView *stdout_view;
  GtkDrawingArea *trend_area;
  GtkToggleButton *wrap_button;

  /* Borrowed */
  TallyStore *store;

  /* Owned */
  TallyViewerLogList *logs;
  GtkSingleSelection *log_selection;
  GtkWidget *log_menu;          /* a GtkPopoverMenu parented to the detail */
  guint menu_position;          /* the log record the menu is about */
  PangoAttrList *palette[N_PALETTE];
  GArray *durations;            /* gint64, oldest first */
  GPtrArray *attempts;          /* TallyResultRow, first attempt first */
  guint shown_attempt;          /* index into attempts */
  gint64 run_id;
  char *run_cwd;                /* nullable */
  char *cwd_key;                /* the database and run run_cwd is of */
  gint64 result_id;             /* the row shown: the final attempt */
  guint n_logs;                 /* the shown attempt's records, all levels */
  gint64 started_at_us;
  GLogLevelFlags max_level;
  char *message;
  char *rerun_command;          /* nullable: the program is not runnable */
  char *debug_command;
  char *preferred_page;         /* the tab last chosen, by the user or visible-page */
  gboolean choosing_page;       /* the detail switches tabs itself */
  gboolean console_loaded;
};

/* Lines of log records as text (tally_viewer_detail_append_record_line()). */
typedef struct
{
  GString *out;
  gint64 started_at_us;
} TallyViewerDetailLines;

/* tally-viewer-detail.c */
void                  tally_viewer_detail_problem             (TallyViewerDetail    *self,
                                                               const char           *message);
/* The attempt shown, NULL (or 0) before a result is. */
const TallyResultRow *tally_viewer_detail_shown_row           (TallyViewerDetail    *self);
gint64                tally_viewer_detail_shown_id            (TallyViewerDetail    *self);
void                  tally_viewer_detail_notify_visible_page (TallyViewerDetail    *self);

/* tally-viewer-detail-pages.c */
void     tally_viewer_detail_on_dark_changed_cb       (TallyViewerDetail        *self);
void     tally_viewer_detail_on_log_row_setup_cb      (GtkSignalListItemFactory *factory,
                                                       GtkListItem              *item,
                                                       gpointer                  data);
void     tally_viewer_detail_on_log_row_bind_cb       (GtkSignalListItemFactory *factory,
                                                       GtkListItem              *item,
                                                       gpointer                  data);
void     tally_viewer_detail_on_log_row_unbind_cb     (GtkSignalListItemFactory *factory,
                                                       GtkListItem              *item,
                                                       gpointer                  data);
void     tally_viewer_detail_clear_box                (GtkBox                   *box);
void     tally_viewer_detail_trend_draw               (GtkDrawingArea           *area,
                                                       cairo_t                  *cr,
                                                       int                       width,
                                                       int                       height,
                                                       gpointer                  user_data);
void     tally_viewer_detail_load_history             (TallyViewerDetail        *self,
                                                       gint64                    run_id,
                                                       const TallyResultRow     *row);
void     tally_viewer_detail_set_page_title           (TallyViewerDetail        *self,
                                                       const char               *name,
                                                       const char               *title,
                                                       gint64                    count);
gboolean tally_viewer_detail_page_available           (TallyViewerDetail        *self,
                                                       const char               *name);
void     tally_viewer_detail_sync_toolbar             (TallyViewerDetail        *self);
void     tally_viewer_detail_on_content_stack_notify_visible_child_name_cb (TallyViewerDetail *self,
                                                                            GParamSpec        *pspec,
                                                                            GtkStack          *stack);
void     tally_viewer_detail_choose_page              (TallyViewerDetail        *self,
                                                       gboolean                  crashed);
GBytes  *tally_viewer_detail_read_output              (TallyViewerDetail        *self,
                                                       TallyStream               stream,
                                                       GError                  **error);
guint    tally_viewer_detail_load_output              (TallyViewerDetail        *self,
                                                       GtkTextView              *view,
                                                       TallyStream               stream,
                                                       GBytes                  **tail_source);
void     tally_viewer_detail_load_logs                (TallyViewerDetail        *self);
void     tally_viewer_detail_on_level_dropdown_notify_selected_cb (TallyViewerDetail *self,
                                                                   GParamSpec        *pspec,
                                                                   GtkDropDown       *dropdown);
/* A GFunc: appends the log record @data and a newline to the
 * TallyViewerDetailLines @user_data. */
void     tally_viewer_detail_append_record_line       (gpointer                  data,
                                                       gpointer                  user_data);
gboolean tally_viewer_detail_load_crash               (TallyViewerDetail        *self,
                                                       const TallyResultRow     *row,
                                                       const char               *signal_text,
                                                       const char               *head,
                                                       const char               *frames,
                                                       GBytes                   *stderr_bytes);
void     tally_viewer_detail_load_console             (TallyViewerDetail        *self);

/* tally-viewer-detail-result.c (with its actions, installed in
 * tally_viewer_detail_class_init()) */
void tally_viewer_detail_set_commands      (TallyViewerDetail    *self,
                                            const TallyResultRow *row);
void tally_viewer_detail_copy_rerun_action (GtkWidget  *widget,
                                            const char *action_name,
                                            GVariant   *parameter);
void tally_viewer_detail_copy_debug_action (GtkWidget  *widget,
                                            const char *action_name,
                                            GVariant   *parameter);
void tally_viewer_detail_show_attempt_action (GtkWidget  *widget,
                                              const char *action_name,
                                              GVariant   *parameter);

/* tally-viewer-detail-actions.c */
GtkTextView *tally_viewer_detail_page_text_view (TallyViewerDetail *self);
void         tally_viewer_detail_update_search  (TallyViewerDetail *self);
void         tally_viewer_detail_copy_text      (GtkWidget         *widget,
                                                 const char        *text);
char        *tally_viewer_detail_label_text     (GtkLabel          *label);
void         tally_viewer_detail_popup_log_menu_at (TallyViewerDetail *self,
                                                    guint              position,
                                                    double             x,
                                                    double             y);
void     tally_viewer_detail_on_log_view_pressed_cb (GtkGestureClick   *gesture,
                                                     int                n_press,
                                                     double             x,
                                                     double             y,
                                                     TallyViewerDetail *self);
void     tally_viewer_detail_on_search_bar_notify_search_mode_enabled_cb (TallyViewerDetail *self,
                                                                          GParamSpec        *pspec,
                                                                          GtkSearchBar      *bar);
/* Template callbacks: tally_viewer_detail_class_init() binds them under
 * the names the .ui gives them, without the prefix (as do the two in
 * tally-viewer-detail-pages.c). */
gboolean tally_viewer_detail_on_link_activate_cb (TallyViewerDetail *self,
                                                  const char        *uri,
                                                  GtkLabel          *label);
void     tally_viewer_detail_on_search_button_toggled_cb (TallyViewerDetail *self,
                                                          GtkToggleButton   *button);
void     tally_viewer_detail_on_search_entry_search_changed_cb (TallyViewerDetail *self,
                                                                GtkSearchEntry    *entry);
void     tally_viewer_detail_on_search_entry_activate_cb (TallyViewerDetail *self,
                                                          GtkSearchEntry    *entry);
void     tally_viewer_detail_on_search_entry_next_match_cb (TallyViewerDetail *self,
                                                            GtkSearchEntry    *entry);
void     tally_viewer_detail_on_search_entry_previous_match_cb (TallyViewerDetail *self,
                                                                GtkSearchEntry    *entry);
void     tally_viewer_detail_on_search_entry_stop_search_cb (TallyViewerDetail *self,
                                                             GtkSearchEntry    *entry);
void     tally_viewer_detail_on_wrap_button_toggled_cb (TallyViewerDetail *self,
                                                        GtkToggleButton   *button);
/* Actions, installed in tally_viewer_detail_class_init(). */
void tally_viewer_detail_copy_all_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter);
void tally_viewer_detail_save_action (GtkWidget  *widget,
                                      const char *action_name,
                                      GVariant   *parameter);
void tally_viewer_detail_toggle_search_action (GtkWidget  *widget,
                                               const char *action_name,
                                               GVariant   *parameter);
void tally_viewer_detail_toggle_wrap_action (GtkWidget  *widget,
                                             const char *action_name,
                                             GVariant   *parameter);
void tally_viewer_detail_find_next_action (GtkWidget  *widget,
                                           const char *action_name,
                                           GVariant   *parameter);
void tally_viewer_detail_find_previous_action (GtkWidget  *widget,
                                               const char *action_name,
                                               GVariant   *parameter);
void tally_viewer_detail_open_location_action (GtkWidget  *widget,
                                               const char *action_name,
                                               GVariant   *parameter);
void tally_viewer_detail_copy_log_message_action (GtkWidget  *widget,
                                                  const char *action_name,
                                                  GVariant   *parameter);
void tally_viewer_detail_copy_log_location_action (GtkWidget  *widget,
                                                   const char *action_name,
                                                   GVariant   *parameter);
void tally_viewer_detail_open_log_location_action (GtkWidget  *widget,
                                                   const char *action_name,
                                                   GVariant   *parameter);
void tally_viewer_detail_log_menu_action (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *parameter);

G_END_DECLS
