/* test-viewer-narrow.c — tally-viewer at a phone's width (360 px)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs under Xvfb (see viewer/meson.build), like test-viewer.c: the real
 * window, measured with gtk_widget_measure() and allocated at 360 and
 * 1360 px. Without a display every test skips, saying so, except under
 * CI (CI=true), where it fails. The database is written by the real
 * `tally run` on two sample programs (so the Program column has
 * something to say).
 */
#define G_LOG_DOMAIN "Tally-Test"

#include "config.h"

#include <adwaita.h>
#include <tally.h>

#include "viewer-test-util.h"

#include "tally-viewer-filter-bar-private.h"
#include "tally-viewer-results-view.h"
#include "tally-viewer-runner.h"
#include "tally-viewer-window-private.h"

#define MARKS "leaks=ignore timeout=120"

/* `tally run -q --db DB ARGS…` (a leading @ names a path in the build
 * tree) in the test's folder. */
static char *
run_tally (TallyTest  *t,
           const char *first_arg,
           ...)
{
  /* The samples' own criticals are what they record, not fatal. */
  static const char * const no_fatal[] = { "G_DEBUG", NULL, NULL };
  char *db = g_build_filename (tally_test_get_tmpdir (t), "results.sqlite", NULL);
  va_list args;

  va_start (args, first_arg);
  viewer_test_run_tallyv (t, db, no_fatal, first_arg, args);
  va_end (args);
  tally_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  return db;
}

/* Two sample programs: failures, passes, skips, markers, workers. */
static char *
write_db (TallyTest *t)
{
  return run_tally (t, "@tests/samples/sample-outcomes", "@tests/samples/sample-history", NULL);
}

/* --- spinning GTK's context from the test's ------------------------------ */

static TallyViewerWindow *
open_window (TallyTest  *t,
             const char *db,
             int         width)
{
  TallyViewerWindow *window = tally_viewer_window_new (NULL);
  g_autoptr(GError) error = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), width, 700);
  gtk_window_present (GTK_WINDOW (window));
  tally_assert_true (tally_viewer_window_open_path (window, db, &error));
  tally_assert_no_error (error);
  tally_assert_cmpstr (tally_viewer_window_get_page (window), ==, "results");
  viewer_test_wait_for (t, viewer_test_loaded, window);
  viewer_test_settle (t, 100);
  return window;
}

static int
min_width (GtkWidget *widget)
{
  int min = 0, nat = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  return min;
}

/* With TALLY_TEST_DUMP_WIDTHS set: each widget at least @floor wide at
 * its minimum, indented by depth (to find what holds a window wide). */
static void
dump_widths (GtkWidget *widget,
             int        floor,
             int        depth)
{
  int min = min_width (widget);

  if (min < floor || !gtk_widget_get_visible (widget))
    return;
  g_printerr ("%*s%s%s%s min %d\n", depth * 2, "", G_OBJECT_TYPE_NAME (widget),
              gtk_widget_get_css_classes (widget)[0] ? "." : "",
              gtk_widget_get_css_classes (widget)[0] ? gtk_widget_get_css_classes (widget)[0] : "", min);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    dump_widths (child, floor, depth + 1);
}

/* --- the table's columns ------------------------------------------------- */

static GtkColumnView *
table_of (TallyViewerWindow *window)
{
  GtkWidget *view = GTK_WIDGET (tally_viewer_window_get_results_view (window));

  for (GtkWidget *w = gtk_widget_get_first_child (view); w != NULL;)
    {
      if (GTK_IS_COLUMN_VIEW (w))
        return GTK_COLUMN_VIEW (w);
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != view && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          w = w == view ? NULL : gtk_widget_get_next_sibling (w);
        }
    }
  return NULL;
}

/* The width of each column shown, by title: from the left edge of its
 * header to the next one's (a header's own width leaves out its CSS
 * margins; GtkColumnViewColumn has no allocation of its own in GTK 4.8).
 * The last one ends where the row of headers does, less the margin the
 * first one starts with. */
static GHashTable *
column_widths (TallyViewerWindow *window)
{
  GtkWidget *header = gtk_widget_get_first_child (GTK_WIDGET (table_of (window)));
  GHashTable *widths = g_hash_table_new (g_str_hash, g_str_equal);
  const char *last = NULL;
  double last_x = 0, first_x = -1;

  for (GtkWidget *title = gtk_widget_get_first_child (header); title; title = gtk_widget_get_next_sibling (title))
    {
      GtkWidget *label = title;
      graphene_rect_t bounds;

      if (!gtk_widget_get_visible (title) || !gtk_widget_compute_bounds (title, header, &bounds))
        continue;
      while (label != NULL && !GTK_IS_LABEL (label))
        label = gtk_widget_get_first_child (label);
      g_assert (label != NULL);
      if (first_x < 0)
        first_x = bounds.origin.x;
      if (last != NULL)
        g_hash_table_insert (widths, (gpointer) last, GINT_TO_POINTER ((int) (bounds.origin.x - last_x)));
      last = gtk_label_get_text (GTK_LABEL (label));
      last_x = bounds.origin.x;
    }
  if (last != NULL)
    g_hash_table_insert (widths, (gpointer) last,
                         GINT_TO_POINTER ((int) (gtk_widget_get_width (header) - last_x + first_x)));
  return widths;
}

/* The Test column is wider than every other column shown and takes the
 * room the others leave (within a pixel or two of rounding). */
static void
assert_test_takes_room (TallyViewerWindow *window)
{
  g_autoptr(GHashTable) widths = column_widths (window);
  int test = GPOINTER_TO_INT (g_hash_table_lookup (widths, "Test"));
  int table = gtk_widget_get_width (GTK_WIDGET (table_of (window)));
  int others = 0;
  GHashTableIter iter;
  gpointer key, value;

  tally_assert_cmpint (test, >, 0);
  g_hash_table_iter_init (&iter, widths);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_str_equal (key, "Test"))
        continue;
      g_debug ("%s: %d px beside Test's %d px (table: %d px)", (char *) key, GPOINTER_TO_INT (value), test, table);
      tally_assert_cmpint (test, >, GPOINTER_TO_INT (value));
      others += GPOINTER_TO_INT (value);
    }
  tally_assert_cmpint (test + others, >=, table - 2);
}

static gboolean
shows_columns (gpointer data)
{
  g_autoptr(GHashTable) widths = column_widths (data);

  return g_hash_table_size (widths) == GPOINTER_TO_UINT (g_object_get_data (data, "n-columns"));
}

static void
wait_for_columns (TallyTest         *t,
                  TallyViewerWindow *window,
                  guint              n)
{
  g_object_set_data (G_OBJECT (window), "n-columns", GUINT_TO_POINTER (n));
  viewer_test_wait_for (t, shows_columns, window);
  viewer_test_settle (t, 100);
}

/* Whether the filter bar's search entry is on a row below the outcome
 * toggles (the bar's first child, their scroller). */
static gboolean
filter_bar_wrapped (TallyViewerWindow *window)
{
  GtkWidget *bar = GTK_WIDGET (tally_viewer_window_get_filter_bar (window));
  GtkWidget *toggles = gtk_widget_get_first_child (gtk_widget_get_first_child (bar));
  GtkWidget *search = GTK_WIDGET (tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window)));
  graphene_rect_t toggles_box, search_box;

  g_assert (GTK_IS_SCROLLED_WINDOW (toggles));
  g_assert (gtk_widget_compute_bounds (toggles, bar, &toggles_box));
  g_assert (gtk_widget_compute_bounds (search, bar, &search_box));
  return search_box.origin.y >= toggles_box.origin.y + toggles_box.size.height;
}

static gboolean
shows_part (gpointer data)
{
  guint n = g_list_model_get_n_items (tally_viewer_window_get_results (data));

  return !tally_viewer_window_is_loading (data) && n > 0
         && n < GPOINTER_TO_UINT (g_object_get_data (data, "n-results"));
}

/* --- the tests ----------------------------------------------------------- */

/* Nothing in the window (header bar, filter bar, table, detail, status
 * line) holds it wider than a phone's 360 px. */
static void
test_min_width (TallyTest     *t,
                gconstpointer  data)
{
  g_autofree char *db = NULL;
  TallyViewerWindow *window;
  GtkWidget *detail;

  viewer_test_require_display (t);
  db = write_db (t);
  window = open_window (t, db, 360);
  viewer_test_settle (t, 200);
  if (g_getenv ("TALLY_TEST_DUMP_WIDTHS") != NULL)
    dump_widths (GTK_WIDGET (window), 200, 0);
  g_info ("minimum width: %d px", min_width (GTK_WIDGET (window)));
  tally_assert_cmpint (min_width (GTK_WIDGET (window)), <=, 360);
  tally_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 360);
  /* The runs fold over the results; the detail stays below the table. */
  tally_assert_true (adw_flap_get_folded (tally_viewer_window_get_flap (window)));
  detail = GTK_WIDGET (tally_viewer_window_get_detail (window));
  tally_assert_true (gtk_widget_get_mapped (detail));
  tally_assert_cmpint (gtk_widget_get_height (detail), >, 100);
  tally_assert_cmpint (gtk_widget_get_width (detail), <=, 360);
  /* The outcome toggles get a row of their own above the entries. */
  tally_assert_true (filter_bar_wrapped (window));
  /* A search: the status line's "Showing 2 of 21 results" wraps. */
  g_object_set_data (G_OBJECT (window), "n-results",
                     GUINT_TO_POINTER (g_list_model_get_n_items (tally_viewer_window_get_results (window))));
  gtk_editable_set_text (tally_viewer_filter_bar_get_search (tally_viewer_window_get_filter_bar (window)), "leak");
  viewer_test_wait_for (t, shows_part, window);
  viewer_test_settle (t, 100);
  tally_assert_cmpint (min_width (GTK_WIDGET (window)), <=, 360);
  viewer_test_close_window (t, window);
}

/* At 360 px the table keeps Outcome, Test and Duration, and Test takes
 * the room: GTK 4.8 would keep it for the hidden columns. */
static void
test_test_column_narrow (TallyTest     *t,
                         gconstpointer  data)
{
  g_autofree char *db = NULL;
  TallyViewerWindow *window;

  viewer_test_require_display (t);
  db = write_db (t);
  window = open_window (t, db, 360);
  wait_for_columns (t, window, 3);
  assert_test_takes_room (window);
  viewer_test_close_window (t, window);
}

/* At 1360 px every column shows and Test takes the room; a column hidden
 * by the chooser gives its width to Test, and has it back when shown. */
static void
test_test_column_wide (TallyTest     *t,
                       gconstpointer  data)
{
  g_autofree char *db = NULL;
  TallyViewerWindow *window;
  TallyViewerResultsView *view;

  viewer_test_require_display (t);
  db = write_db (t);
  window = open_window (t, db, 1360);
  view = tally_viewer_window_get_results_view (window);
  wait_for_columns (t, window, 7);
  tally_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (table_of (window))), >, 900);
  tally_assert_false (filter_bar_wrapped (window));
  assert_test_takes_room (window);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "results.show-markers", NULL));
  wait_for_columns (t, window, 6);
  assert_test_takes_room (window);
  g_object_set (view, "show-markers", TRUE, NULL);
  wait_for_columns (t, window, 7);
  {
    g_autoptr(GHashTable) widths = column_widths (window);

    tally_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (widths, "Markers")), ==, 120);
  }
  assert_test_takes_room (window);
  viewer_test_close_window (t, window);
}

/* A failure message of many lines (sample-capture's repeated criticals,
 * the first failure selected) scrolls: the window still fits in 700 px
 * of height at 360 px of width. */
static void
test_long_message (TallyTest     *t,
                   gconstpointer  data)
{
  g_autofree char *db = NULL;
  TallyViewerWindow *window;
  int min = 0, nat = 0;

  viewer_test_require_display (t);
  db = run_tally (t, "@tests/samples/sample-capture", NULL);
  window = open_window (t, db, 360);
  viewer_test_settle (t, 200);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_VERTICAL, 360, &min, &nat, NULL, NULL);
  g_info ("minimum height at 360 px: %d px", min);
  tally_assert_cmpint (min, <=, 700);
  tally_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window)), <=, 700);
  viewer_test_close_window (t, window);
}

static gboolean
runner_idle (gpointer data)
{
  return !tally_viewer_runner_is_running (tally_viewer_window_get_runner (data));
}

/* A run in progress: the Stop button takes the rerun button's place, and
 * the window still fits in 360 px. */
static void
test_running (TallyTest     *t,
              gconstpointer  data)
{
  g_autofree char *db = NULL;
  g_autofree char *runner = viewer_test_build_path ("runner/tally");
  TallyViewerWindow *window;

  viewer_test_require_display (t);
  /* Quick to make; its argv (-n 1 --repeat 20) makes the rerun long. */
  db = run_tally (t, "-n", "1", "--repeat", "20", "-k", "serial/00", "@tests/samples/sample-sched", NULL);
  window = open_window (t, db, 360);
  g_setenv ("TALLY_RUNNER", runner, TRUE);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-marker-expression", "s", "not serial"));
  tally_assert_true (tally_viewer_runner_is_running (tally_viewer_window_get_runner (window)));
  viewer_test_settle (t, 200);
  g_info ("minimum width while running: %d px", min_width (GTK_WIDGET (window)));
  if (g_getenv ("TALLY_TEST_DUMP_WIDTHS") != NULL)
    dump_widths (GTK_WIDGET (window), 200, 0);
  tally_assert_cmpint (min_width (GTK_WIDGET (window)), <=, 360);
  tally_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop", NULL));
  viewer_test_wait_for (t, runner_idle, window);
  viewer_test_close_window (t, window);
}

int
main (int   argc,
      char *argv[])
{
  tally_init (&argc, &argv);
  viewer_test_init_display ();

  tally_add ("/viewer/narrow/min-width", test_min_width, MARKS);
  tally_add ("/viewer/narrow/test-column-360", test_test_column_narrow, MARKS);
  tally_add ("/viewer/narrow/test-column-1360", test_test_column_wide, MARKS);
  tally_add ("/viewer/narrow/running", test_running, MARKS);
  tally_add ("/viewer/narrow/long-message", test_long_message, MARKS);

  return tally_run ();
}
