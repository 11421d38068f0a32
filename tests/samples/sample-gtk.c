/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GTK 4 widget tests written the GTK way: gtk_init() in the test, a
 * window presented, waited for with tally_test_wait_until() or with a
 * g_main_context_iteration (NULL, TRUE) loop, checked, destroyed. Run by
 * tests/test-gtk.c under Xvfb, several per worker. */
#include <gtk/gtk.h>
#include <tally.h>

typedef struct
{
  GtkWidget *window;
  GtkWidget *label;
} Shown;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static void
show_label (Shown      *shown,
            const char *text)
{
  gtk_init ();
  shown->window = gtk_window_new ();
  shown->label = gtk_label_new (text);
  gtk_window_set_child (GTK_WINDOW (shown->window), shown->label);
  gtk_window_present (GTK_WINDOW (shown->window));
}

static void
test_wait_until (TallyTest    *t,
                 gconstpointer data)
{
  Shown shown;

  show_label (&shown, "before");
  tally_test_wait_until (t, is_mapped, shown.window);
  gtk_label_set_text (GTK_LABEL (shown.label), "after");
  tally_assert_cmpstr (gtk_label_get_text (GTK_LABEL (shown.label)), ==, "after");
  tally_assert_true (gtk_widget_get_mapped (shown.label));
  gtk_window_destroy (GTK_WINDOW (shown.window));
}

static void
test_iterate_global (TallyTest    *t,
                     gconstpointer data)
{
  Shown shown;

  show_label (&shown, "before");
  while (!gtk_widget_get_mapped (shown.window))
    g_main_context_iteration (NULL, TRUE);
  gtk_label_set_text (GTK_LABEL (shown.label), "after");
  tally_assert_cmpstr (gtk_label_get_text (GTK_LABEL (shown.label)), ==, "after");
  gtk_window_destroy (GTK_WINDOW (shown.window));
}

static gboolean
has_width (gpointer data)
{
  return gtk_widget_get_width (data) > 0;
}

/* The frame clock runs while Tally waits: the label gets laid out. */
static void
test_frame_clock (TallyTest    *t,
                  gconstpointer data)
{
  Shown shown;

  show_label (&shown, "a label that takes some room");
  tally_test_wait_until (t, has_width, shown.label);
  tally_assert_cmpint (gtk_widget_get_width (shown.label), >, 10);
  tally_assert_true (tally_test_uses_global_context (t));
  tally_assert_true (tally_test_get_context (t) == g_main_context_default ());
  gtk_window_destroy (GTK_WINDOW (shown.window));
}

static void
on_load_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  tally_test_async_ready (source, result, data);
}

/* GIO async code in a GTK program completes on the same context. */
static void
test_await_with_window (TallyTest    *t,
                        gconstpointer data)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/proc/self/stat");
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  Shown shown;

  show_label (&shown, "loading");
  g_file_load_contents_async (file, tally_test_get_cancellable (t), on_load_cb, t);
  g_file_load_contents_finish (file, tally_test_await (t), &contents, NULL, NULL, &error);
  tally_assert_no_error (error);
  tally_test_wait_until (t, is_mapped, shown.window);
  gtk_label_set_text (GTK_LABEL (shown.label), "loaded");
  tally_assert_cmpstr (gtk_label_get_text (GTK_LABEL (shown.label)), ==, "loaded");
  gtk_window_destroy (GTK_WINDOW (shown.window));
}

/* A test with a context of its own in a GTK program: Tally's waits run
 * GTK's events and frame clock along with its context. */
static void
test_own_context (TallyTest    *t,
                  gconstpointer data)
{
  Shown shown;

  tally_assert_false (tally_test_uses_global_context (t));
  show_label (&shown, "own");
  tally_test_wait_until (t, is_mapped, shown.window);
  tally_test_wait_until (t, has_width, shown.label);
  tally_assert_cmpint (gtk_widget_get_width (shown.label), >, 0);
  gtk_window_destroy (GTK_WINDOW (shown.window));
}

static void
register_tests (void)
{
  /* What not to do: GTK before the listing, which then needs a display. */
  if (g_getenv ("SAMPLE_GTK_INIT_EARLY") != NULL)
    gtk_init ();

  tally_add ("/gtk/label/wait-until", test_wait_until, "timeout=20");
  tally_add ("/gtk/label/iterate-global", test_iterate_global, "timeout=20");
  tally_add ("/gtk/label/frame-clock", test_frame_clock, "timeout=20");
  tally_add ("/gtk/label/await", test_await_with_window, "timeout=20");
  tally_add ("/gtk/label/own-context", test_own_context, "own-context timeout=20");
}

TALLY_MAIN (register_tests)
