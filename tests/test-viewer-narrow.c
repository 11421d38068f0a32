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

#include "tally-viewer-results-view.h"
#include "tally-viewer-window-private.h"

#define MARKS "leaks=ignore timeout=120"

static gboolean have_display;

static void
require_display (TallyTest *t)
{
  if (have_display)
    return;
  if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
    tally_test_fail (t, "no display under CI=true: run under xvfb-run (GTK cannot start)");
  tally_test_skip (t, "no display: run under xvfb-run (GTK cannot start)");
}

static char *
build_path (const char *relative)
{
  const char *builddir = g_getenv ("TALLY_BUILDDIR");

  return g_build_filename (builddir ? builddir : ".", relative, NULL);
}

/* `tally run --db DB` on two sample programs: failures, passes, skips,
 * markers, several workers. */
static char *
write_db (TallyTest *t)
{
  g_autofree char *tally = build_path ("runner/tally");
  g_autofree char *outcomes = build_path ("tests/samples/sample-outcomes");
  g_autofree char *history = build_path ("tests/samples/sample-history");
  char *db = g_build_filename (tally_test_get_tmpdir (t), "results.sqlite", NULL);
  const char *argv[] = { tally, "run", "-q", "--db", db, outcomes, history, NULL };
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "TALLY_SAMPLE_DIR", tally_test_get_tmpdir (t), TRUE);
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_spawn_sync (tally_test_get_tmpdir (t), (char **) argv, envp, G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  tally_assert_no_error (error);
  tally_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  return db;
}

/* --- spinning GTK's context from the test's ------------------------------ */

typedef gboolean (*Check) (gpointer data);

typedef struct
{
  Check check;
  gpointer data;
  gint64 until;                 /* 0, or a monotonic time to wait for */
} Spin;

static gboolean
spin_cb (gpointer data)
{
  Spin *spin = data;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (spin->until != 0)
    return g_get_monotonic_time () >= spin->until;
  return spin->check (spin->data);
}

static void
wait_for (TallyTest *t,
          Check      check,
          gpointer   data)
{
  Spin spin = { check, data, 0 };

  tally_test_wait_until (t, spin_cb, &spin);
}

static void
settle (TallyTest *t,
        guint      ms)
{
  Spin spin = { NULL, NULL, g_get_monotonic_time () + ms * 1000 };

  tally_test_wait_until (t, spin_cb, &spin);
}

static gboolean
loaded (gpointer data)
{
  return !tally_viewer_window_is_loading (data);
}

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
  wait_for (t, loaded, window);
  settle (t, 100);
  return window;
}

static void
close_window (TallyTest         *t,
              TallyViewerWindow *window)
{
  tally_viewer_window_release_views (window);
  settle (t, 30);
  gtk_window_destroy (GTK_WINDOW (window));
  settle (t, 100);
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

static void
dump_columns (TallyViewerWindow *window)
{
  GListModel *columns = gtk_column_view_get_columns (table_of (window));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      g_printerr ("column %s visible %d\n", gtk_column_view_column_get_title (column),
                  gtk_column_view_column_get_visible (column));
    }
}

static void
test_min_width (TallyTest     *t,
                gconstpointer  data)
{
  g_autofree char *db = NULL;
  TallyViewerWindow *window;

  require_display (t);
  db = write_db (t);
  window = open_window (t, db, 360);
  settle (t, 300);
  if (g_getenv ("TALLY_TEST_DUMP_WIDTHS") != NULL)
    {
      dump_widths (GTK_WIDGET (window), 200, 0);
      dump_widths (GTK_WIDGET (tally_viewer_window_get_detail (window)), 100, 0);
      dump_widths (GTK_WIDGET (tally_viewer_window_get_filter_bar (window)), 10, 0);
      dump_widths (GTK_WIDGET (tally_viewer_window_get_results_view (window)), 10, 0);
      for (GtkWidget *w = GTK_WIDGET (window); w; w = gtk_widget_get_first_child (w))
        if (ADW_IS_HEADER_BAR (w))
          {
            dump_widths (w, 1, 0);
            break;
          }
      dump_columns (window);
    }
  tally_assert_cmpint (min_width (GTK_WIDGET (window)), <=, 360);
  close_window (t, window);
}

/* Before the tests: start libadwaita and let GTK create the sources it
 * keeps for the life of the process, so no test is charged with them. */
static void
warm_up (void)
{
  TallyViewerWindow *window;
  gint64 until;

  adw_init ();
  window = tally_viewer_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  until = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  gtk_window_destroy (GTK_WINDOW (window));
  until = g_get_monotonic_time () + 100 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  tally_init (&argc, &argv);
  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
    {
      have_display = gtk_init_check ();
      if (have_display)
        warm_up ();
    }

  tally_add ("/viewer/narrow/min-width", test_min_width, MARKS);

  return tally_run ();
}
