/* tally-markers.c — parsed marker strings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-markers-private.h"
#include "tally-scan-private.h"

#include <string.h>

#include "tally-error.h"

typedef struct
{
  char *name;
  char *value; /* NULL for a marker without a value */
} Marker;

struct _TallyMarkers
{
  grefcount  ref_count;
  GArray    *items; /* of Marker, in insertion order */
};

static const TallyMarkerInfo builtin_markers[] = {
  { "serial", "runs alone: no other test runs on any worker meanwhile" },
  { "slow", "takes long; deselect with -m \"not slow\"" },
  { "group", "group=NAME: all tests of the group run on one worker, in registration order" },
  { "timeout", "timeout=SECONDS: the test's deadline" },
  { "skip", "skip[=REASON]: do not run the test" },
  { "xfail", "xfail[=REASON]: expected to fail" },
  { "retries", "retries=N: rerun a failing test up to N times; a later pass is flaky" },
  { "leaks", "leaks=warn|ignore: relax leftover-source checks" },
  { "gtest", "a plain GTest test case" },
  { "global-context", "the test runs with the global default context as its context" },
  { "own-context", "in a program that links GTK, the test still gets a context of its own" },
  { "forked", "the test runs in a fresh process of its own" },
  { NULL, NULL },
};

/* What a built-in marker accepts as its value. */
typedef enum
{
  VALUE_NONE,     /* serial, slow, gtest, global-context, own-context, forked */
  VALUE_OPTIONAL, /* skip, xfail: any reason, or none */
  VALUE_NAME,     /* group: a non-empty name */
  VALUE_SECONDS,  /* timeout: a positive decimal number */
  VALUE_COUNT,    /* retries: a non-negative integer */
  VALUE_LEAKS,    /* leaks: fail, warn or ignore */
} ValueKind;

static const struct
{
  const char *name;
  ValueKind   kind;
} builtin_kinds[] = {
  { "serial", VALUE_NONE },
  { "slow", VALUE_NONE },
  { "group", VALUE_NAME },
  { "timeout", VALUE_SECONDS },
  { "skip", VALUE_OPTIONAL },
  { "xfail", VALUE_OPTIONAL },
  { "retries", VALUE_COUNT },
  { "leaks", VALUE_LEAKS },
  { "gtest", VALUE_NONE },
  { "global-context", VALUE_NONE },
  { "own-context", VALUE_NONE },
  { "forked", VALUE_NONE },
};

G_STATIC_ASSERT (G_N_ELEMENTS (builtin_kinds) + 1 == G_N_ELEMENTS (builtin_markers));

/**
 * tally_markers_builtin:
 * @n_markers: (out) (optional): return location for the number of markers
 *
 * Gets the built-in markers, in the order `tally markers` shows them.
 *
 * Returns: (transfer none) (array length=n_markers): the built-in markers;
 *   the array is also terminated by an element whose name is %NULL
 */
const TallyMarkerInfo *
tally_markers_builtin (guint *n_markers)
{
  if (n_markers != NULL)
    *n_markers = G_N_ELEMENTS (builtin_markers) - 1;

  return builtin_markers;
}

/**
 * tally_marker_is_builtin:
 * @name: a marker name
 *
 * Returns: %TRUE if @name is one of Tally's built-in markers
 */
gboolean
tally_marker_is_builtin (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (builtin_kinds); i++)
    if (strcmp (builtin_kinds[i].name, name) == 0)
      return TRUE;

  return FALSE;
}

static gboolean
is_valid_name (const char *name)
{
  if (!tally_scan_is_name_start (name[0]))
    return FALSE;

  for (const char *p = name + 1; *p != '\0'; p++)
    if (!tally_scan_is_name_char (*p))
      return FALSE;

  return TRUE;
}

static gboolean
is_decimal (const char *s)
{
  gboolean digits = FALSE;

  for (; g_ascii_isdigit (*s); s++)
    digits = TRUE;

  if (*s == '.')
    for (s++; g_ascii_isdigit (*s); s++)
      digits = TRUE;

  return digits && *s == '\0';
}

/* At most about 31 years, so that a deadline in microseconds never
 * overflows a gint64 downstream. */
#define MAX_TIMEOUT_SECONDS 1e9

static gboolean
is_valid_seconds (const char *value)
{
  double seconds;

  /* Only plain decimals: g_ascii_strtod() alone would also take "inf",
   * "nan", hexadecimal and exponents. */
  if (!is_decimal (value))
    return FALSE;

  seconds = g_ascii_strtod (value, NULL);
  return seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS;
}

static gboolean
is_valid_count (const char *value)
{
  guint64 n;

  return g_ascii_isdigit (value[0])
         && g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT, &n, NULL);
}

static ValueKind
builtin_kind (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (builtin_kinds); i++)
    if (strcmp (builtin_kinds[i].name, name) == 0)
      return builtin_kinds[i].kind;

  return VALUE_OPTIONAL;
}

/* Checks the value of a built-in marker. Returns NULL when it is
 * acceptable, or a message (without column) that names the marker and the
 * bad value. User markers take anything. */
static char *
check_builtin_value (const char *name,
                     const char *value)
{
  switch (builtin_kind (name))
    {
    case VALUE_NONE:
      if (value != NULL)
        return g_strdup_printf ("marker '%s' takes no value, got '%s'", name, value);
      return NULL;

    case VALUE_OPTIONAL:
      return NULL;

    case VALUE_NAME:
      if (value == NULL || value[0] == '\0')
        return g_strdup_printf ("marker '%s' needs a name: %s=NAME", name, name);
      return NULL;

    case VALUE_SECONDS:
      if (value == NULL)
        return g_strdup_printf ("marker '%s' needs a number of seconds: %s=SECONDS", name, name);
      if (!is_valid_seconds (value))
        return g_strdup_printf ("marker '%s' needs a positive number of seconds "
                                "(at most %.0f), got '%s'",
                                name, MAX_TIMEOUT_SECONDS, value);
      return NULL;

    case VALUE_COUNT:
      if (value == NULL)
        return g_strdup_printf ("marker '%s' needs a count: %s=N", name, name);
      if (!is_valid_count (value))
        return g_strdup_printf ("marker '%s' needs a non-negative integer, got '%s'",
                                name, value);
      return NULL;

    case VALUE_LEAKS:
      if (value == NULL)
        return g_strdup_printf ("marker '%s' needs a policy: %s=fail|warn|ignore", name, name);
      if (g_strcmp0 (value, "fail") != 0 && g_strcmp0 (value, "warn") != 0
          && g_strcmp0 (value, "ignore") != 0)
        return g_strdup_printf ("marker '%s' must be fail, warn or ignore, got '%s'",
                                name, value);
      return NULL;

    default:
      g_assert_not_reached ();
    }
}

static void
marker_clear (gpointer data)
{
  Marker *marker = data;

  g_clear_pointer (&marker->name, g_free);
  g_clear_pointer (&marker->value, g_free);
}

/**
 * tally_markers_new:
 *
 * Creates an empty marker set.
 *
 * Returns: (transfer full): a new #TallyMarkers
 */
TallyMarkers *
tally_markers_new (void)
{
  TallyMarkers *markers = g_new0 (TallyMarkers, 1);

  g_ref_count_init (&markers->ref_count);
  markers->items = g_array_new (FALSE, FALSE, sizeof (Marker));
  g_array_set_clear_func (markers->items, marker_clear);

  return markers;
}

/**
 * tally_markers_ref:
 * @markers: a #TallyMarkers
 *
 * Returns: (transfer full): @markers
 */
TallyMarkers *
tally_markers_ref (TallyMarkers *markers)
{
  g_return_val_if_fail (markers != NULL, NULL);

  g_ref_count_inc (&markers->ref_count);
  return markers;
}

/**
 * tally_markers_dup:
 * @markers: a #TallyMarkers
 *
 * Returns: (transfer full): a copy that can be changed without changing
 *   @markers
 */
TallyMarkers *
tally_markers_dup (const TallyMarkers *markers)
{
  TallyMarkers *copy = tally_markers_new ();

  for (guint i = 0; i < tally_markers_get_n_markers (markers); i++)
    tally_markers_set (copy, tally_markers_get_name (markers, i),
                       tally_markers_get_value (markers, i));
  return copy;
}

/**
 * tally_markers_ensure_own:
 * @markers: (inout) (transfer full): a #TallyMarkers
 *
 * Makes *@markers safe to change: replaces it with a copy if other
 * holders share it (many tests share one parsed marker set).
 */
void
tally_markers_ensure_own (TallyMarkers **markers)
{
  if (g_ref_count_compare (&(*markers)->ref_count, 1))
    return;

  {
    TallyMarkers *copy = tally_markers_dup (*markers);

    tally_markers_unref (*markers);
    *markers = copy;
  }
}

/**
 * tally_markers_unref:
 * @markers: (transfer full): a #TallyMarkers
 *
 * Drops a reference; the last one frees the set.
 */
void
tally_markers_unref (TallyMarkers *markers)
{
  g_return_if_fail (markers != NULL);

  if (!g_ref_count_dec (&markers->ref_count))
    return;

  g_array_unref (markers->items);
  g_free (markers);
}

static int
find_marker (const TallyMarkers *markers,
             const char         *name)
{
  for (guint i = 0; i < markers->items->len; i++)
    if (strcmp (g_array_index (markers->items, Marker, i).name, name) == 0)
      return i;

  return -1;
}

static void
append_marker (TallyMarkers *markers,
               const char   *name,
               char         *value)
{
  Marker marker = { g_strdup (name), value };

  g_array_append_val (markers->items, marker);
}

/**
 * tally_markers_get_n_markers:
 * @markers: a #TallyMarkers
 *
 * Returns: the number of markers in the set
 */
guint
tally_markers_get_n_markers (const TallyMarkers *markers)
{
  g_return_val_if_fail (markers != NULL, 0);

  return markers->items->len;
}

/**
 * tally_markers_get_name:
 * @markers: a #TallyMarkers
 * @position: an index below tally_markers_get_n_markers()
 *
 * Returns: (transfer none): the name of the marker at @position
 */
const char *
tally_markers_get_name (const TallyMarkers *markers,
                        guint               position)
{
  g_return_val_if_fail (markers != NULL, NULL);
  g_return_val_if_fail (position < markers->items->len, NULL);

  return g_array_index (markers->items, Marker, position).name;
}

/**
 * tally_markers_get_value:
 * @markers: a #TallyMarkers
 * @position: an index below tally_markers_get_n_markers()
 *
 * Returns: (transfer none) (nullable): the value of the marker at
 *   @position, or %NULL if it has none
 */
const char *
tally_markers_get_value (const TallyMarkers *markers,
                         guint               position)
{
  g_return_val_if_fail (markers != NULL, NULL);
  g_return_val_if_fail (position < markers->items->len, NULL);

  return g_array_index (markers->items, Marker, position).value;
}

/**
 * tally_markers_has:
 * @markers: a #TallyMarkers
 * @name: a marker name
 *
 * Returns: %TRUE if the set holds a marker called @name, with or without
 *   a value
 */
gboolean
tally_markers_has (const TallyMarkers *markers,
                   const char         *name)
{
  g_return_val_if_fail (markers != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return find_marker (markers, name) >= 0;
}

/**
 * tally_markers_lookup:
 * @markers: a #TallyMarkers
 * @name: a marker name
 *
 * Returns: (transfer none) (nullable): the value of marker @name, or %NULL
 *   if it is absent or has no value (tell those apart with
 *   tally_markers_has())
 */
const char *
tally_markers_lookup (const TallyMarkers *markers,
                      const char         *name)
{
  int i;

  g_return_val_if_fail (markers != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  i = find_marker (markers, name);
  if (i < 0)
    return NULL;

  return g_array_index (markers->items, Marker, i).value;
}

/**
 * tally_markers_set:
 * @markers: a #TallyMarkers
 * @name: a valid marker name
 * @value: (nullable): the value, or %NULL for none
 *
 * Adds marker @name, or replaces its value in place if it is already
 * there. The value must be valid UTF-8 and, for a built-in marker, one the
 * parser would accept, so that the set always has a string form.
 */
void
tally_markers_set (TallyMarkers *markers,
                   const char   *name,
                   const char   *value)
{
  g_autofree char *problem = NULL;
  int i;

  g_return_if_fail (markers != NULL);
  g_return_if_fail (name != NULL && is_valid_name (name));
  g_return_if_fail (value == NULL || g_utf8_validate (value, -1, NULL));

  problem = check_builtin_value (name, value);
  if (problem != NULL)
    {
      g_critical ("%s: %s", G_STRFUNC, problem);
      return;
    }

  i = find_marker (markers, name);
  if (i < 0)
    {
      append_marker (markers, name, g_strdup (value));
      return;
    }

  g_free (g_array_index (markers->items, Marker, i).value);
  g_array_index (markers->items, Marker, i).value = g_strdup (value);
}

/* True if @value cannot be written as a bare word. Parentheses are quoted
 * too, so that the canonical string also works in a `-m` expression. */
static gboolean
value_needs_quotes (const char *value)
{
  if (value[0] == '\0')
    return TRUE;

  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    if (*p <= ' ' || *p == 0x7f || strchr ("\"\\()", *p) != NULL)
      return TRUE;

  return FALSE;
}

static void
append_value (GString    *out,
              const char *value)
{
  if (!value_needs_quotes (value))
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * tally_markers_to_string:
 * @markers: a #TallyMarkers
 *
 * Writes the set in its canonical form: markers in order, separated by
 * one space, values quoted only where needed. Parsing the result gives an
 * equal set.
 *
 * Returns: (transfer full): the marker string, empty for an empty set
 */
char *
tally_markers_to_string (const TallyMarkers *markers)
{
  GString *out;

  g_return_val_if_fail (markers != NULL, NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < markers->items->len; i++)
    {
      const Marker *marker = &g_array_index (markers->items, Marker, i);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, marker->name);
      if (marker->value != NULL)
        {
          g_string_append_c (out, '=');
          append_value (out, marker->value);
        }
    }

  return g_string_free (out, FALSE);
}

/* Parsing */

typedef struct
{
  const char *text;
  const char *p;
} Scanner;

static void
skip_spaces (Scanner *s)
{
  while (tally_scan_is_space (*s->p))
    s->p++;
}

static gboolean
scan_name (Scanner  *s,
           char    **name,
           GError  **error)
{
  const char *start = s->p;

  while (tally_scan_is_name_char (*s->p))
    s->p++;

  if (s->p == start)
    {
      g_autofree char *what = tally_scan_describe_char (s->p);
      return tally_scan_fail (s->text, s->p, error, "expected a marker name, got %s", what);
    }

  if (!tally_scan_is_name_start (*start))
    return tally_scan_fail (s->text, start, error,
                    "invalid marker name '%.*s': a name starts with a letter or '_'",
                    (int) (s->p - start), start);

  *name = g_strndup (start, s->p - start);
  return TRUE;
}

static gboolean
scan_bare (Scanner     *s,
           const char  *name,
           char       **value,
           GError     **error)
{
  const char *start = s->p;

  while (*s->p != '\0' && !tally_scan_is_space (*s->p) && *s->p != '"')
    s->p++;

  if (*s->p == '"')
    return tally_scan_fail (s->text, s->p, error,
                    "unexpected '\"' in the value of '%s' (quote the whole value)", name);
  if (s->p == start)
    return tally_scan_fail (s->text, s->p, error, "expected a value after '%s='", name);

  *value = g_strndup (start, s->p - start);
  return TRUE;
}

static gboolean
scan_value (Scanner     *s,
            const char  *name,
            char       **value,
            GError     **error)
{
  if (*s->p == '"')
    return tally_scan_quoted (s->text, &s->p, "value", value, error);

  return scan_bare (s, name, value, error);
}

/* After a marker: the end of the text or whitespace before the next one. */
static gboolean
expect_separator (Scanner     *s,
                  const char  *name,
                  gboolean     had_value,
                  GError     **error)
{
  g_autofree char *what = NULL;

  if (*s->p == '\0' || tally_scan_is_space (*s->p))
    return TRUE;

  what = tally_scan_describe_char (s->p);
  if (had_value)
    return tally_scan_fail (s->text, s->p, error,
                    "expected whitespace after the value of '%s', got %s", name, what);

  return tally_scan_fail (s->text, s->p, error, "invalid character %s in marker name '%s'", what, name);
}

static gboolean
scan_marker (Scanner       *s,
             TallyMarkers  *markers,
             GError       **error)
{
  const char *start = s->p;
  const char *value_start;
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  g_autofree char *problem = NULL;

  if (!scan_name (s, &name, error))
    return FALSE;

  value_start = s->p + 1;
  if (*s->p == '=')
    {
      s->p++;
      if (!scan_value (s, name, &value, error))
        return FALSE;
    }

  if (!expect_separator (s, name, value != NULL, error))
    return FALSE;

  if (find_marker (markers, name) >= 0)
    return tally_scan_fail (s->text, start, error, "duplicate marker '%s'", name);

  problem = check_builtin_value (name, value);
  if (problem != NULL)
    return tally_scan_fail (s->text, value != NULL ? value_start : start, error, "%s", problem);

  append_marker (markers, name, g_steal_pointer (&value));
  return TRUE;
}

/**
 * tally_markers_parse:
 * @text: (nullable): a marker string such as `"serial timeout=5"`
 * @error: return location for a #GError
 *
 * Parses a marker string (see the grammar in tally-markers-private.h) and
 * checks the values of the built-in markers. %NULL or blank text gives an
 * empty set.
 *
 * Returns: (transfer full) (nullable): the markers, or %NULL with @error
 *   set to %TALLY_ERROR_PARSE, whose message names the 1-based column
 */
TallyMarkers *
tally_markers_parse (const char  *text,
                     GError     **error)
{
  g_autoptr(TallyMarkers) markers = tally_markers_new ();
  Scanner s = { text, text };
  const char *invalid;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL)
    return g_steal_pointer (&markers);

  if (!g_utf8_validate (text, -1, &invalid))
    {
      tally_scan_fail (s.text, invalid, error, "invalid UTF-8");
      return NULL;
    }

  for (skip_spaces (&s); *s.p != '\0'; skip_spaces (&s))
    if (!scan_marker (&s, markers, error))
      return NULL;

  return g_steal_pointer (&markers);
}
