/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-singletons.h"
#include "tally-singletons-private.h"

/* Process-wide singletons — g_network_monitor_get_default(), a bus
 * connection, GDK's display, GTK's accessibility root — create sources
 * the first time some test uses them, and keep them for the life of the
 * process. They are not that test's leftovers, and destroying them would
 * break the singleton for every later test. Two ways out: create them
 * before the tests (tally_add_process_setup()), so no test's range of
 * source ids holds them; or name them (tally_add_process_setup() cannot
 * help when a toolkit makes them lazily), so the leftover check passes
 * them by. */

/* Sources owned by GDK, GTK and GDBus singletons, by name. */
static const char * const builtin_sources[] = {
  "GDK * Event source (*)",                 /* the display's event source */
  "[gtk] sleep serial",                     /* GDK X11's, per display */
  "[gtk] ATSPI root registration",          /* the accessibility root */
  "[gtk] emit_manager_changed",             /* GTK's one-shot idle when a display opens */
  "g_dbus_connection_send_message_with_reply_unlocked", /* a bus call's timeout */
  /* A call from another process on an object exported before the tests
   * (GTK's accessible objects: the AT-SPI registry sets the application's
   * Id when it registers, at a time no test chooses), dispatched on the
   * context the object was exported on. */
  "[gio] invoke_get_property_in_idle_cb",
  "[gio] invoke_set_property_in_idle_cb",
  "[gio] invoke_get_all_properties_in_idle_cb",
  "[gio*] call_in_idle_cb",                 /* "[gio, …/gdbusconnection.c] …" */
};

/* One-time warnings of the same singletons, about the environment rather
 * than the test: GTK's accessibility bus when there is no session bus
 * (xvfb-run gives none). They stay in the test's log. */
static const struct
{
  const char *domain;
  const char *glob;
} builtin_warnings[] = {
  { "Gtk", "Unable to acquire session bus: *" },
  { "Gtk", "Unable to acquire the address of the accessibility bus: *" },
  { "Gtk", "Unable to connect to the accessibility bus at *" },
};

const char tally_singletons_hint[] =
  "if a process-wide singleton owns it (g_network_monitor_get_default (), a bus "
  "connection…), create that before the tests with tally_add_process_setup (), "
  "or allow its source by name with tally_allow_source () "
  "(docs/leftovers-and-caplog.md, “Singletons”)";

static GPtrArray *allowed_sources;      /* of GPatternSpec */
static GPtrArray *process_setups;       /* of TallyProcessSetupFunc */
static gboolean set_up;

/**
 * tally_allow_source:
 * @name_glob: a g_pattern_match_simple() glob of source names
 *
 * Declares that sources with a matching name belong to a process-wide
 * singleton: the leftover check neither reports nor destroys them on the
 * test's context or on the global default context. Call it where the
 * tests are registered, e.g. `tally_allow_source ("GSocket")` for a
 * library that keeps a socket watch for the life of the process.
 *
 * Tally already allows the sources of GDK's display, GTK's accessibility
 * root and GDBus calls in flight.
 */
void
tally_allow_source (const char *name_glob)
{
  g_return_if_fail (name_glob != NULL);

  if (allowed_sources == NULL)
    allowed_sources = g_ptr_array_new ();
  g_ptr_array_add (allowed_sources, g_pattern_spec_new (name_glob));
}

/**
 * tally_add_process_setup:
 * @func: (scope forever): creates the singletons
 *
 * Registers a function that runs once in each process that runs tests
 * (a worker of `tally run`, or the program standalone), before its first
 * test, on the main thread with no test context pushed: the singletons it
 * creates attach their sources to the global default context, outside
 * every test, so they are never anyone's leftovers. For example
 * `g_network_monitor_get_default ()` or `g_bus_get_sync ()`. Listing the
 * tests does not run it.
 */
void
tally_add_process_setup (TallyProcessSetupFunc func)
{
  g_return_if_fail (func != NULL);

  if (process_setups == NULL)
    process_setups = g_ptr_array_new ();
  g_ptr_array_add (process_setups, (gpointer) func);
}

void
tally_singletons_setup (void)
{
  if (set_up)
    return;
  set_up = TRUE;

  for (guint i = 0; process_setups != NULL && i < process_setups->len; i++)
    ((TallyProcessSetupFunc) g_ptr_array_index (process_setups, i)) ();
}

gboolean
tally_singletons_source_allowed (const char *name)
{
  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (builtin_sources); i++)
    if (g_pattern_match_simple (builtin_sources[i], name))
      return TRUE;

  for (guint i = 0; allowed_sources != NULL && i < allowed_sources->len; i++)
    if (g_pattern_spec_match_string (g_ptr_array_index (allowed_sources, i), name))
      return TRUE;

  return FALSE;
}

gboolean
tally_singletons_warning_allowed (const char *domain,
                                  const char *message)
{
  if (domain == NULL || message == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (builtin_warnings); i++)
    if (g_str_equal (builtin_warnings[i].domain, domain)
        && g_pattern_match_simple (builtin_warnings[i].glob, message))
      return TRUE;

  return FALSE;
}
