/* example-gtk-form.c — testing a GTK 4 widget with Tally.
 *
 * The first half is the code under test: a sign-up form (an email entry,
 * an error label and a Submit button that is sensitive only while the
 * email looks valid). The second half tests it the GTK way: gtk_init(),
 * the window presented, waited for with tally_test_wait_until(), the
 * widgets driven and checked, the window destroyed. In a program that
 * links GTK every test runs on the global default context, where GTK
 * lives, so Tally's waits run GTK's events and frame clock
 * (docs/gtk.md). Run it under a display: `xvfb-run -a tally run -n 2
 * build/examples/example-gtk-form`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Example"

#include <string.h>

#include <gtk/gtk.h>
#include <tally.h>

/* ------------------------------------------------------------------------
 * The code under test
 * --------------------------------------------------------------------- */

typedef struct
{
  GtkWidget *window;
  GtkWidget *email;
  GtkWidget *error;
  GtkWidget *submit;
  guint submitted;
} SignupForm;

static gboolean
email_is_valid (const char *text)
{
  const char *at = strchr (text, '@');

  return at != NULL && at != text && strchr (at + 1, '.') != NULL
         && strchr (at + 1, '@') == NULL && text[strlen (text) - 1] != '.';
}

static void
on_email_changed_cb (GtkEditable *editable,
                     SignupForm  *form)
{
  const char *text = gtk_editable_get_text (editable);
  gboolean valid = email_is_valid (text);

  gtk_widget_set_sensitive (form->submit, valid);
  gtk_label_set_text (GTK_LABEL (form->error),
                      valid || *text == '\0' ? "" : "Enter an address like name@example.org");
}

static void
on_submit_clicked_cb (GtkButton  *button,
                      SignupForm *form)
{
  form->submitted++;
  g_message ("signed up %s", gtk_editable_get_text (GTK_EDITABLE (form->email)));
  gtk_editable_set_text (GTK_EDITABLE (form->email), "");
}

static void
signup_form_build (SignupForm *form)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  form->window = gtk_window_new ();
  form->email = gtk_entry_new ();
  form->error = gtk_label_new ("");
  form->submit = gtk_button_new_with_label ("Submit");
  gtk_widget_set_sensitive (form->submit, FALSE);
  gtk_box_append (GTK_BOX (box), form->email);
  gtk_box_append (GTK_BOX (box), form->error);
  gtk_box_append (GTK_BOX (box), form->submit);
  gtk_window_set_child (GTK_WINDOW (form->window), box);
  g_signal_connect (form->email, "changed", G_CALLBACK (on_email_changed_cb), form);
  g_signal_connect (form->submit, "clicked", G_CALLBACK (on_submit_clicked_cb), form);
}

/* ------------------------------------------------------------------------
 * The tests
 * --------------------------------------------------------------------- */

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static void
form_setup (TallyTest     *t,
            SignupForm    *form,
            gconstpointer  data)
{
  gtk_init ();
  signup_form_build (form);
  gtk_window_present (GTK_WINDOW (form->window));
  tally_test_wait_until (t, is_mapped, form->window);
}

static void
form_teardown (TallyTest     *t,
               SignupForm    *form,
               gconstpointer  data)
{
  if (form->window != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&form->window)));
}

static void
test_starts_disabled (TallyTest     *t,
                      SignupForm    *form,
                      gconstpointer  data)
{
  tally_assert_false (gtk_widget_get_sensitive (form->submit));
  tally_assert_cmpstr (gtk_label_get_text (GTK_LABEL (form->error)), ==, "");
}

static void
test_valid_email_enables_submit (TallyTest     *t,
                                 SignupForm    *form,
                                 gconstpointer  data)
{
  gtk_editable_set_text (GTK_EDITABLE (form->email), "ada@example.org");
  tally_assert_true (gtk_widget_get_sensitive (form->submit));
  tally_assert_cmpstr (gtk_label_get_text (GTK_LABEL (form->error)), ==, "");
}

static void
test_invalid_email_shows_error (TallyTest     *t,
                                SignupForm    *form,
                                gconstpointer  data)
{
  const char *text = data;

  gtk_editable_set_text (GTK_EDITABLE (form->email), text);
  tally_assert_false (gtk_widget_get_sensitive (form->submit));
  tally_assert_cmpstr (gtk_label_get_text (GTK_LABEL (form->error)), ==,
                       "Enter an address like name@example.org");
}

static gboolean
was_submitted (gpointer data)
{
  SignupForm *form = data;

  return form->submitted > 0;
}

static void
test_submit_clears (TallyTest     *t,
                    SignupForm    *form,
                    gconstpointer  data)
{
  gtk_editable_set_text (GTK_EDITABLE (form->email), "ada@example.org");
  /* A button activated from the keyboard shows itself pressed for a
   * moment, then emits "clicked" from a timeout: wait for it. */
  gtk_widget_activate (form->submit);
  tally_test_wait_until (t, was_submitted, form);

  tally_assert_cmpuint (form->submitted, ==, 1);
  tally_assert_logged (t, G_LOG_LEVEL_MESSAGE, "Example", "signed up ada@example.org");
  tally_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (form->email)), ==, "");
  tally_assert_false (gtk_widget_get_sensitive (form->submit));
}

static gboolean
has_size (gpointer widget)
{
  return gtk_widget_get_width (widget) > 0;
}

/* The frame clock runs while Tally waits: the error label is laid out. */
static void
test_error_is_laid_out (TallyTest     *t,
                        SignupForm    *form,
                        gconstpointer  data)
{
  gtk_editable_set_text (GTK_EDITABLE (form->email), "nope");
  tally_test_wait_until (t, has_size, form->error);
  tally_assert_cmpint (gtk_widget_get_width (form->error), >, 0);
}

static void
register_tests (void)
{
  tally_add_fixture ("/form/starts-disabled", SignupForm, NULL,
                     form_setup, test_starts_disabled, form_teardown, "timeout=20");
  tally_add_fixture ("/form/valid-email-enables-submit", SignupForm, NULL,
                     form_setup, test_valid_email_enables_submit, form_teardown, "timeout=20");
  tally_add_fixture ("/form/invalid-email/no-at", SignupForm, "ada.example.org",
                     form_setup, test_invalid_email_shows_error, form_teardown, "timeout=20");
  tally_add_fixture ("/form/invalid-email/no-domain", SignupForm, "ada@",
                     form_setup, test_invalid_email_shows_error, form_teardown, "timeout=20");
  tally_add_fixture ("/form/submit-clears", SignupForm, NULL,
                     form_setup, test_submit_clears, form_teardown, "timeout=20");
  tally_add_fixture ("/form/error-is-laid-out", SignupForm, NULL,
                     form_setup, test_error_is_laid_out, form_teardown, "timeout=20");
}

TALLY_MAIN (register_tests)
