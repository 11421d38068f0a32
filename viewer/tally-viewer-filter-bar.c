/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally-Viewer"

#include "config.h"

#include <string.h>

#include <tally.h>

#include "tally-markers-private.h"
#include "tally-viewer-filter-bar-private.h"
#include "tally-viewer-util.h"
#include "tally-viewer-results-tree.h"

/* The outcome groups, in the order of their toggles and properties. */
static const struct
{
  const char *property;
  const char *label;
  guint mask;
} outcome_groups[] = {
  { "show-failed", "Failed", TALLY_VIEWER_FAILED_MASK },
  { "show-passed", "Passed", TALLY_VIEWER_PASSED_MASK },
  { "show-flaky", "Flaky", TALLY_VIEWER_FLAKY_MASK },
  { "show-skipped", "Skipped", TALLY_VIEWER_SKIPPED_MASK },
  { "show-other", "Other", TALLY_VIEWER_OTHER_MASK },
};

#define N_GROUPS G_N_ELEMENTS (outcome_groups)

struct _TallyViewerFilterBar
{
  AdwBin parent_instance;

  /* Template widgets */
  GtkToggleButton *failed_toggle;
  GtkToggleButton *flaky_toggle;
  GtkBox *marker_checks;
  GtkEntry *marker_entry;
  GtkToggleButton *other_toggle;
  GtkToggleButton *passed_toggle;
  GtkSearchEntry *search_entry;
  GtkToggleButton *skipped_toggle;

  /* Owned */
  TallyViewerDocument *document;
  GArray *marker_ids;           /* nullable: tests the marker filter keeps */
  char *marker_expr;
  gboolean shown[N_GROUPS];
  gboolean markers_filled;      /* marker_checks reflect the run */
};

enum {
  PROP_0,
  PROP_SHOW_FAILED,
  N_PROPS = PROP_SHOW_FAILED + N_GROUPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TallyViewerFilterBar, tally_viewer_filter_bar, ADW_TYPE_BIN)

static gboolean
has_run (TallyViewerFilterBar *self)
{
  return self->document != NULL && tally_viewer_document_get_run_id (self->document) != 0;
}

static guint
outcome_mask (TallyViewerFilterBar *self)
{
  guint mask = 0;

  for (guint i = 0; i < N_GROUPS; i++)
    if (self->shown[i])
      mask |= outcome_groups[i].mask;
  return mask;
}

static void
apply_filters (TallyViewerFilterBar *self)
{
  if (!has_run (self))
    return;
  tally_viewer_document_set_filter (self->document, outcome_mask (self),
                                    gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                                    self->marker_ids);
}

static void
update_counts (TallyViewerFilterBar *self)
{
  GtkToggleButton *toggles[] = { self->failed_toggle, self->passed_toggle, self->flaky_toggle,
                                 self->skipped_toggle, self->other_toggle };

  for (guint i = 0; i < N_GROUPS; i++)
    {
      guint n = tally_viewer_document_count (self->document, outcome_groups[i].mask);
      g_autofree char *count = tally_viewer_format_count (n);
      g_autofree char *label = g_strdup_printf ("%s  %s", outcome_groups[i].label, count);
      g_autofree char *spoken = g_strdup_printf ("Show %s: %s", outcome_groups[i].label, count);

      gtk_button_set_label (GTK_BUTTON (toggles[i]), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggles[i]), GTK_ACCESSIBLE_PROPERTY_LABEL, spoken, -1);
      gtk_widget_set_visible (GTK_WIDGET (toggles[i]), n > 0 || self->shown[i] || i < 2);
    }
}

/* --- marker expression ------------------------------------------------- */

static void
set_marker_error (TallyViewerFilterBar *self,
                  const char           *message)
{
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->marker_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->marker_entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->marker_entry),
                               message ? message : "A marker expression, as for tally run -m: serial and not (slow or net)");
}

/* Parses the expression; a valid one (or none) filters, a malformed one
 * marks the entry and says where. Returns FALSE for a malformed one. */
static gboolean
update_marker_filter (TallyViewerFilterBar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->marker_entry));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    {
      set_marker_error (self, NULL);
      g_clear_pointer (&self->marker_ids, g_array_unref);
      g_clear_pointer (&self->marker_expr, g_free);
      return TRUE;
    }
  if (g_strcmp0 (stripped, self->marker_expr) == 0 && self->marker_ids != NULL)
    return TRUE;

  ids = tally_store_select_tests (tally_viewer_document_get_store (self->document),
                                  tally_viewer_document_get_run_id (self->document), stripped, &error);
  if (ids == NULL)
    {
      set_marker_error (self, error->message);
      return FALSE;
    }
  set_marker_error (self, NULL);
  g_clear_pointer (&self->marker_ids, g_array_unref);
  self->marker_ids = g_steal_pointer (&ids);
  g_free (self->marker_expr);
  self->marker_expr = g_steal_pointer (&stripped);
  return TRUE;
}

static void
on_marker_entry_changed_cb (TallyViewerFilterBar *self,
                            GtkEntry             *entry)
{
  if (has_run (self) && update_marker_filter (self))
    apply_filters (self);
}

static gboolean
is_bare_word (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
      return FALSE;
  return TRUE;
}

static void
on_marker_check_toggled_cb (TallyViewerFilterBar *self,
                            GtkCheckButton       *check)
{
  g_autoptr(GString) expr = g_string_new (NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->marker_checks));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (child)))
        continue;
      if (expr->len > 0)
        g_string_append (expr, " or ");
      g_string_append (expr, g_object_get_data (G_OBJECT (child), "term"));
    }
  gtk_editable_set_text (GTK_EDITABLE (self->marker_entry), expr->str);
}

/* Terms in the order people count: group=2 before group=10. */
static int
compare_terms (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  GHashTable *keys = user_data;

  return strcmp (g_hash_table_lookup (keys, *(const char * const *) a),
                 g_hash_table_lookup (keys, *(const char * const *) b));
}

static const char *
builtin_description (const char *name)
{
  guint n = 0;
  const TallyMarkerInfo *info = tally_markers_builtin (&n);

  for (guint i = 0; i < n; i++)
    if (strcmp (info[i].name, name) == 0)
      return info[i].description;
  return NULL;
}

static void
count_term (GHashTable *terms,
            char       *term)
{
  gpointer old = NULL;

  if (g_hash_table_lookup_extended (terms, term, NULL, &old))
    {
      g_hash_table_insert (terms, term, GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
      return;
    }
  g_hash_table_insert (terms, term, GUINT_TO_POINTER (1));
}

/* A check button for @term: the term, how many tests carry it, and what
 * a built-in marker means. */
static GtkWidget *
marker_check_new (const char *term,
                  guint       n_tests)
{
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (term);
  g_autofree char *n = tally_viewer_format_count (n_tests);
  g_autofree char *count_text = g_strdup_printf (g_dngettext (NULL, "%s test", "%s tests", n_tests), n);
  GtkWidget *count = gtk_label_new (count_text);
  const char *description = strchr (term, '=') == NULL ? builtin_description (term) : NULL;
  g_autofree char *spoken = NULL;

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (top), name);
  gtk_box_append (GTK_BOX (top), count);
  gtk_box_append (GTK_BOX (box), top);
  if (description != NULL)
    {
      GtkWidget *about = gtk_label_new (description);

      gtk_label_set_xalign (GTK_LABEL (about), 0);
      gtk_label_set_wrap (GTK_LABEL (about), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (about), 40);
      gtk_widget_add_css_class (about, "caption");
      gtk_widget_add_css_class (about, "dim-label");
      gtk_box_append (GTK_BOX (box), about);
    }
  gtk_check_button_set_child (GTK_CHECK_BUTTON (check), box);
  spoken = g_strdup_printf ("%s, %s", term, count_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, spoken,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description ? description : "", -1);
  g_object_set_data_full (G_OBJECT (check), "term", g_strdup (term), g_free);
  g_object_set_data (G_OBJECT (check), "n-tests", GUINT_TO_POINTER (n_tests));
  return check;
}

/* One check button per marker name, and per name=value, in the run,
 * with the number of its tests that carry it. */
static void
fill_marker_checks (TallyViewerFilterBar *self)
{
  g_autoptr(GPtrArray) tests = NULL;
  g_autoptr(GHashTable) terms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) sort_keys = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree gpointer *keys = NULL;
  GtkWidget *child;
  guint n_keys;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->marker_checks))) != NULL)
    gtk_box_remove (self->marker_checks, child);

  tests = tally_store_list_run_tests (tally_viewer_document_get_store (self->document),
                                      tally_viewer_document_get_run_id (self->document), NULL);
  for (guint i = 0; tests != NULL && i < tests->len && g_hash_table_size (terms) < 200; i++)
    {
      TallyTestRow *test = g_ptr_array_index (tests, i);

      for (guint m = 0; m < tally_markers_get_n_markers (test->markers); m++)
        {
          const char *name = tally_markers_get_name (test->markers, m);
          const char *value = tally_markers_get_value (test->markers, m);

          count_term (terms, g_strdup (name));
          if (value != NULL && strlen (value) <= 40 && is_bare_word (value))
            count_term (terms, g_strdup_printf ("%s=%s", name, value));
        }
    }

  keys = g_hash_table_get_keys_as_array (terms, &n_keys);
  for (guint i = 0; i < n_keys; i++)
    g_hash_table_insert (sort_keys, keys[i], g_utf8_collate_key_for_filename (keys[i], -1));
  g_qsort_with_data (keys, n_keys, sizeof (gpointer), compare_terms, sort_keys);
  for (guint i = 0; i < n_keys; i++)
    {
      GtkWidget *check = marker_check_new (keys[i], GPOINTER_TO_UINT (g_hash_table_lookup (terms, keys[i])));

      g_signal_connect_swapped (check, "toggled", G_CALLBACK (on_marker_check_toggled_cb), self);
      gtk_box_append (self->marker_checks, check);
    }
  if (n_keys == 0)
    {
      GtkWidget *none = gtk_label_new ("No markers");

      gtk_widget_add_css_class (none, "dim-label");
      gtk_box_append (self->marker_checks, none);
    }
}

/* Reading every test's markers costs a pass over a large run: done when
 * the popover opens. */
static void
on_marker_popover_show_cb (TallyViewerFilterBar *self,
                           GtkPopover           *popover)
{
  if (self->markers_filled || !has_run (self))
    return;
  fill_marker_checks (self);
  self->markers_filled = TRUE;
}

static void
on_search_entry_search_changed_cb (TallyViewerFilterBar *self,
                                   GtkSearchEntry       *entry)
{
  if (has_run (self))
    tally_viewer_document_set_text (self->document, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

/* Another run: its markers, and its ids for the expression, before the
 * document reads it. */
static void
on_document_run_id_cb (TallyViewerFilterBar *self)
{
  g_clear_pointer (&self->marker_ids, g_array_unref);
  g_clear_pointer (&self->marker_expr, g_free);
  self->markers_filled = FALSE;
  if (!has_run (self))
    return;
  update_marker_filter (self);
  apply_filters (self);
}

/* --- layout ------------------------------------------------------------ */

#define BAR_SPACING 6
#define BAR_MAX_CHILDREN 8

/* The bar's children that take part in the layout: the toggles' scroller
 * first, then the marker button and the two entries. */
static int
bar_children (GtkWidget *widget,
              GtkWidget *children[BAR_MAX_CHILDREN])
{
  int n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL && n < BAR_MAX_CHILDREN;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_should_layout (child))
      children[n++] = child;
  return n;
}

/* The sum of the children's widths in one row, with the spacing. */
static void
row_width (GtkWidget **children,
           int         n,
           int        *minimum,
           int        *natural)
{
  *minimum = *natural = n > 1 ? (n - 1) * BAR_SPACING : 0;
  for (int i = 0; i < n; i++)
    {
      int min = 0, nat = 0;

      gtk_widget_measure (children[i], GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
      *minimum += min;
      *natural += nat;
    }
}

static void
row_height (GtkWidget **children,
            int         n,
            int        *minimum,
            int        *natural)
{
  *minimum = *natural = 0;
  for (int i = 0; i < n; i++)
    {
      int min = 0, nat = 0;

      gtk_widget_measure (children[i], GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
      *minimum = MAX (*minimum, min);
      *natural = MAX (*natural, nat);
    }
}

/* Too narrow for every toggle beside the entries (a phone's window): the
 * toggles get a row of their own, above the marker button and entries. */
static gboolean
bar_wraps (GtkWidget **children,
           int         n,
           int         width)
{
  int toggles_min, toggles_nat, rest_min, rest_nat;

  if (n < 2 || width < 0)
    return FALSE;
  row_width (children, 1, &toggles_min, &toggles_nat);
  row_width (children + 1, n - 1, &rest_min, &rest_nat);
  return width < toggles_nat + BAR_SPACING + rest_min;
}

/* One row: the outcome toggles (in a scroller) get their natural width
 * first, then the marker button; the two entries share the rest. A
 * GtkBox would grow the entries toward their placeholders' width first
 * and cut the toggles in a window that has room for them. Two rows when
 * bar_wraps(). */
static void
bar_measure (GtkWidget      *widget,
             GtkOrientation  orientation,
             int             for_size,
             int            *minimum,
             int            *natural,
             int            *minimum_baseline,
             int            *natural_baseline)
{
  GtkWidget *children[BAR_MAX_CHILDREN];
  int n = bar_children (widget, children);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int rest_min = 0, rest_nat = 0;

      row_width (children, n, minimum, natural);
      /* Two rows need no more than the wider of them. */
      if (n > 1)
        {
          int toggles_min, toggles_nat;

          row_width (children, 1, &toggles_min, &toggles_nat);
          row_width (children + 1, n - 1, &rest_min, &rest_nat);
          *minimum = MAX (toggles_min, rest_min);
        }
    }
  else if (bar_wraps (children, n, for_size))
    {
      int rest_min, rest_nat;

      row_height (children, 1, minimum, natural);
      row_height (children + 1, n - 1, &rest_min, &rest_nat);
      *minimum += BAR_SPACING + rest_min;
      *natural += BAR_SPACING + rest_nat;
    }
  else
    row_height (children, n, minimum, natural);
}

static void
allocate_row (GtkWidget **children,
              int         n,
              int         width,
              int         y,
              int         height)
{
  int min[BAR_MAX_CHILDREN], nat[BAR_MAX_CHILDREN], size[BAR_MAX_CHILDREN];
  int left, x = 0, n_expand = 0;

  for (int i = 0; i < n; i++)
    {
      gtk_widget_measure (children[i], GTK_ORIENTATION_HORIZONTAL, -1, &min[i], &nat[i], NULL, NULL);
      size[i] = min[i];
    }
  left = width - (n > 1 ? (n - 1) * BAR_SPACING : 0);
  for (int i = 0; i < n; i++)
    left -= min[i];
  /* In order: the toggles, the marker button… */
  for (int i = 0; i < n && left > 0; i++)
    {
      int give;

      if (gtk_widget_get_hexpand (children[i]))
        {
          n_expand++;
          continue;
        }
      give = MIN (left, nat[i] - min[i]);
      size[i] += give;
      left -= give;
    }
  /* …then the entries, evenly. */
  for (int i = 0, k = 0; i < n && left > 0 && n_expand > 0; i++)
    if (gtk_widget_get_hexpand (children[i]))
      {
        int give = left / (n_expand - k);

        size[i] += give;
        left -= give;
        k++;
      }
  for (int i = 0; i < n; i++)
    {
      int child_height = height;

      if (!gtk_widget_get_vexpand (children[i]) && gtk_widget_get_valign (children[i]) != GTK_ALIGN_FILL)
        gtk_widget_measure (children[i], GTK_ORIENTATION_VERTICAL, size[i], NULL, &child_height, NULL, NULL);
      child_height = MIN (child_height, height);
      gtk_widget_size_allocate (children[i],
                                &(GtkAllocation) { x, y + (height - child_height) / 2, size[i], child_height }, -1);
      x += size[i] + BAR_SPACING;
    }
}

static void
bar_allocate (GtkWidget *widget,
              int        width,
              int        height,
              int        baseline)
{
  GtkWidget *children[BAR_MAX_CHILDREN];
  int n = bar_children (widget, children);
  int toggles_min, toggles_nat;

  if (!bar_wraps (children, n, width))
    {
      allocate_row (children, n, width, 0, height);
      return;
    }
  row_height (children, 1, &toggles_min, &toggles_nat);
  toggles_nat = MIN (toggles_nat, height);
  allocate_row (children, 1, width, 0, toggles_nat);
  allocate_row (children + 1, n - 1, width, toggles_nat + BAR_SPACING,
                MAX (height - toggles_nat - BAR_SPACING, 0));
}

static GtkSizeRequestMode
bar_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* --- public ------------------------------------------------------------ */

void
tally_viewer_filter_bar_set_document (TallyViewerFilterBar *self,
                                      TallyViewerDocument  *document)
{
  g_return_if_fail (TALLY_VIEWER_IS_FILTER_BAR (self));
  g_return_if_fail (self->document == NULL);

  self->document = g_object_ref (document);
  g_signal_connect_object (document, "counts-changed", G_CALLBACK (update_counts), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (document, "notify::run-id", G_CALLBACK (on_document_run_id_cb), self,
                           G_CONNECT_SWAPPED);
  update_counts (self);
}

void
tally_viewer_filter_bar_set_key_capture_widget (TallyViewerFilterBar *self,
                                                GtkWidget            *widget)
{
  g_return_if_fail (TALLY_VIEWER_IS_FILTER_BAR (self));
  gtk_search_entry_set_key_capture_widget (self->search_entry, widget);
}

void
tally_viewer_filter_bar_focus_search (TallyViewerFilterBar *self)
{
  g_return_if_fail (TALLY_VIEWER_IS_FILTER_BAR (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

const char *
tally_viewer_filter_bar_get_marker_text (TallyViewerFilterBar *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_FILTER_BAR (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->marker_entry));
}

GtkEditable *
tally_viewer_filter_bar_get_search (TallyViewerFilterBar *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_FILTER_BAR (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

GtkEditable *
tally_viewer_filter_bar_get_marker_entry (TallyViewerFilterBar *self)
{
  g_return_val_if_fail (TALLY_VIEWER_IS_FILTER_BAR (self), NULL);
  return GTK_EDITABLE (self->marker_entry);
}

GPtrArray *
tally_viewer_filter_bar_dup_marker_terms (TallyViewerFilterBar *self)
{
  GPtrArray *terms = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (TALLY_VIEWER_IS_FILTER_BAR (self), NULL);

  if (!self->markers_filled && has_run (self))
    {
      fill_marker_checks (self);
      self->markers_filled = TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->marker_checks));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (g_object_get_data (G_OBJECT (child), "term") != NULL)
      g_ptr_array_add (terms, g_strdup_printf ("%s %u", (const char *) g_object_get_data (G_OBJECT (child), "term"),
                                               GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (child), "n-tests"))));
  return terms;
}

/* --- GObject ----------------------------------------------------------- */

static void
tally_viewer_filter_bar_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  TallyViewerFilterBar *self = TALLY_VIEWER_FILTER_BAR (object);

  if (prop_id >= PROP_SHOW_FAILED && prop_id < N_PROPS)
    g_value_set_boolean (value, self->shown[prop_id - PROP_SHOW_FAILED]);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
tally_viewer_filter_bar_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  TallyViewerFilterBar *self = TALLY_VIEWER_FILTER_BAR (object);
  gboolean shown = g_value_get_boolean (value);

  if (prop_id < PROP_SHOW_FAILED || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  if (self->shown[prop_id - PROP_SHOW_FAILED] == shown)
    return;
  self->shown[prop_id - PROP_SHOW_FAILED] = shown;
  g_object_notify_by_pspec (object, pspec);
  apply_filters (self);
}

static void
tally_viewer_filter_bar_dispose (GObject *object)
{
  TallyViewerFilterBar *self = (TallyViewerFilterBar *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_VIEWER_TYPE_FILTER_BAR);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (tally_viewer_filter_bar_parent_class)->dispose (object);
}

static void
tally_viewer_filter_bar_finalize (GObject *object)
{
  TallyViewerFilterBar *self = (TallyViewerFilterBar *) object;

  g_clear_pointer (&self->marker_ids, g_array_unref);
  g_free (self->marker_expr);

  G_OBJECT_CLASS (tally_viewer_filter_bar_parent_class)->finalize (object);
}

static void
tally_viewer_filter_bar_class_init (TallyViewerFilterBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tally_viewer_filter_bar_get_property;
  object_class->set_property = tally_viewer_filter_bar_set_property;
  object_class->dispose = tally_viewer_filter_bar_dispose;
  object_class->finalize = tally_viewer_filter_bar_finalize;

  for (guint i = 0; i < N_GROUPS; i++)
    properties[PROP_SHOW_FAILED + i] =
      g_param_spec_boolean (outcome_groups[i].property, NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tally/Viewer/tally-viewer-filter-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, failed_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, flaky_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, marker_checks);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, marker_entry);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, other_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, passed_toggle);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TallyViewerFilterBar, skipped_toggle);
  gtk_widget_class_bind_template_callback (widget_class, on_marker_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_marker_popover_show_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);

  gtk_widget_class_install_property_action (widget_class, "filter.show-failed", "show-failed");
  gtk_widget_class_install_property_action (widget_class, "filter.show-passed", "show-passed");
  gtk_widget_class_install_property_action (widget_class, "filter.show-flaky", "show-flaky");
  gtk_widget_class_install_property_action (widget_class, "filter.show-skipped", "show-skipped");
  gtk_widget_class_install_property_action (widget_class, "filter.show-other", "show-other");
}

static void
tally_viewer_filter_bar_init (TallyViewerFilterBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The bin's child, not a bound one: AdwBin unparents its child itself. */
  gtk_widget_set_layout_manager (adw_bin_get_child (ADW_BIN (self)),
                                 gtk_custom_layout_new (bar_request_mode, bar_measure, bar_allocate));
}
