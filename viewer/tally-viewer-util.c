/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <locale.h>

#include <string.h>
#include <time.h>

#include "tally-viewer-util.h"

char *
tally_viewer_text_for_display (const char *text,
                               gssize      len,
                               gssize      max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  const char *p;
  gssize n = 0;

  if (text == NULL)
    return g_strdup ("");

  /* Bytes beyond 4 per character can never show: cut before validating. */
  if (len < 0)
    len = strlen (text);
  if (max_chars >= 0 && len > max_chars * 4 + 4)
    len = max_chars * 4 + 4;
  valid = g_utf8_make_valid (text, len);
  /* NUL bytes would end the string early: show them as U+FFFD. */
  out = g_string_sized_new (strlen (valid) + 8);
  for (p = valid; *p != '\0' && (max_chars < 0 || n < max_chars); p = g_utf8_next_char (p), n++)
    g_string_append_unichar (out, g_utf8_get_char (p));
  if (*p != '\0')
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

char *
tally_viewer_first_line (const char *text,
                         gssize      len,
                         gssize      max_chars)
{
  const char *nl;

  if (text == NULL)
    return g_strdup ("");
  if (len < 0)
    len = strlen (text);
  nl = memchr (text, '\n', len);
  if (nl != NULL)
    {
      g_autofree char *line = tally_viewer_text_for_display (text, nl - text, max_chars);
      return g_strconcat (line, " …", NULL);
    }
  return tally_viewer_text_for_display (text, len, max_chars);
}

char *
tally_viewer_format_duration (gint64 duration_us)
{
  if (duration_us < 0)
    return g_strdup ("–");
  if (duration_us < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT " µs", duration_us);
  if (duration_us < 1000000)
    return g_strdup_printf ("%.1f ms", duration_us / 1000.0);
  if (duration_us < 60 * G_USEC_PER_SEC)
    return g_strdup_printf ("%.2f s", duration_us / (double) G_USEC_PER_SEC);
  return g_strdup_printf ("%" G_GINT64_FORMAT " min %02" G_GINT64_FORMAT " s",
                          duration_us / (60 * G_USEC_PER_SEC),
                          (duration_us / G_USEC_PER_SEC) % 60);
}

char *
tally_viewer_format_offset (gint64 offset_us)
{
  if (offset_us < 0)
    return g_strdup_printf ("−%.3f ms", -offset_us / 1000.0);
  if (offset_us < 10 * G_USEC_PER_SEC)
    return g_strdup_printf ("+%.3f ms", offset_us / 1000.0);
  return g_strdup_printf ("+%.3f s", offset_us / (double) G_USEC_PER_SEC);
}

char *
tally_viewer_format_time (gint64 time_us)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (when == NULL)
    return g_strdup ("?");
  if (g_date_time_get_year (when) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    return g_date_time_format (when, "Today %H:%M:%S");
  return g_date_time_format (when, "%-d %b %Y %H:%M");
}

char *
tally_viewer_format_count (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  const char *sep = localeconv ()->thousands_sep;
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  /* The locale's separator; "," where it has none (the C locale). */
  if (sep == NULL || *sep == '\0')
    sep = ",";
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, sep);
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

/* Options of `tally run` that say which tests ran, and whether they take
 * a value (given as the next word, or after "=" for long options). */
static const struct { const char *name; gboolean value; const char *label; } kind_options[] = {
  { "--lf", FALSE, "--lf" },
  { "--last-failed", FALSE, "--lf" },
  { "--ff", FALSE, "--ff" },
  { "--failed-first", FALSE, "--ff" },
  { "--sw", FALSE, "--sw" },
  { "--stepwise", FALSE, "--sw" },
  { "-m", TRUE, "-m" },
  { "--markers", TRUE, "-m" },
  { "-k", TRUE, "-k" },
  { "--keyword", TRUE, "-k" },
  { "--tests-from", TRUE, NULL },
  { "--shard", TRUE, "--shard" },
  { "--repeat", TRUE, "--repeat" },
};

char *
tally_viewer_describe_run (const char * const *argv,
                           gint64              parent_id)
{
  GString *out = g_string_new (NULL);

  if (parent_id > 0)
    g_string_append_printf (out, "Rerun of #%" G_GINT64_FORMAT, parent_id);
  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    for (guint k = 0; k < G_N_ELEMENTS (kind_options); k++)
      {
        gsize n = strlen (kind_options[k].name);
        const char *value = NULL;

        if (strcmp (argv[i], kind_options[k].name) == 0)
          value = kind_options[k].value ? argv[i + 1] : "";
        else if (kind_options[k].value && strncmp (argv[i], kind_options[k].name, n) == 0
                 && (argv[i][n] == '=' || (n == 2 && argv[i][n] != '\0')))
          value = argv[i] + n + (argv[i][n] == '=');
        if (value == NULL)
          continue;
        /* A rerun from the viewer is named by its parent, not its list. */
        if (kind_options[k].label == NULL && parent_id > 0)
          break;
        if (out->len > 0)
          g_string_append (out, " · ");
        if (kind_options[k].label == NULL)
          g_string_append (out, "listed tests");
        else if (kind_options[k].value)
          g_string_append_printf (out, "%s %s", kind_options[k].label, value);
        else
          g_string_append (out, kind_options[k].label);
        break;
      }
  return g_string_free (out, out->len == 0);
}

const char *
tally_viewer_level_class (int level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

const char *
tally_viewer_level_label (int level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "ERROR";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "CRITICAL";
  if (level & G_LOG_LEVEL_WARNING)
    return "WARNING";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "MESSAGE";
  if (level & G_LOG_LEVEL_INFO)
    return "INFO";
  return "DEBUG";
}

#define TOOLTIP_KEY "tally-viewer-tooltip"

static gboolean
on_query_tooltip_cb (GtkWidget  *widget,
                     int         x,
                     int         y,
                     gboolean    keyboard_mode,
                     GtkTooltip *tooltip,
                     gpointer    data)
{
  const char *text = g_object_get_data (G_OBJECT (widget), TOOLTIP_KEY);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
tally_viewer_set_tooltip (GtkWidget  *widget,
                          const char *text)
{
  static GQuark connected_quark;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (connected_quark == 0)
    connected_quark = g_quark_from_static_string ("tally-viewer-tooltip-connected");
  if (g_object_get_qdata (G_OBJECT (widget), connected_quark) == NULL)
    {
      g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), NULL);
      g_object_set_qdata (G_OBJECT (widget), connected_quark, GINT_TO_POINTER (TRUE));
    }

  if (text != NULL && *text == '\0')
    text = NULL;
  g_object_set_data_full (G_OBJECT (widget), TOOLTIP_KEY, g_strdup (text), g_free);
  gtk_widget_set_has_tooltip (widget, text != NULL);
}

GtkWidget *
tally_viewer_page_bar_new (const char  *title,
                           GtkLabel   **title_label)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *back = gtk_button_new_from_icon_name ("go-previous-symbolic");
  GtkWidget *label = gtk_label_new (title);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (back), "win.show-results");
  gtk_widget_set_tooltip_text (back, "Back to the Results");
  tally_viewer_set_label (back, "Back to the Results");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "title-3");
  gtk_box_append (GTK_BOX (bar), back);
  gtk_box_append (GTK_BOX (bar), label);
  gtk_widget_add_css_class (bar, "page-bar");
  gtk_widget_set_margin_start (bar, 6);
  gtk_widget_set_margin_end (bar, 6);
  gtk_widget_set_margin_top (bar, 6);
  gtk_widget_set_margin_bottom (bar, 6);
  if (title_label != NULL)
    *title_label = GTK_LABEL (label);
  return bar;
}

void
tally_viewer_set_label (GtkWidget  *widget,
                        const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

GtkWidget *
tally_viewer_page_status_new (GtkLabel    *label,
                              GtkSpinner **spinner)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *spin = gtk_spinner_new ();

  tally_viewer_set_label (spin, "Reading the database");
  gtk_widget_set_visible (spin, FALSE);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (GTK_WIDGET (label), TRUE);
  gtk_box_append (GTK_BOX (box), spin);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (label));
  *spinner = GTK_SPINNER (spin);
  return box;
}

gint64
tally_viewer_thread_cpu_time (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void
tally_viewer_measure_digits (GtkWidget *widget,
                             int       *line_height,
                             int       *digit_width)
{
  g_autoptr(PangoLayout) probe = gtk_widget_create_pango_layout (widget, "0123456789");
  int width = 0, height = 0;

  pango_layout_get_pixel_size (probe, &width, &height);
  *line_height = MAX (height, 1);
  *digit_width = MAX (width / 10, 1);
}
