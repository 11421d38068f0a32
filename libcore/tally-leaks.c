/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <string.h>

#include "tally-global-context-private.h"
#include "tally-singletons-private.h"
#include "tally-test-private.h"

/* Leftover detection. GLib has no API to list a context's sources, but
 * source ids are allocated per context in increasing order: the ids a test
 * could have used lie between the next id before the test and the next id
 * after it, and g_main_context_find_source_by_id() tells which of those
 * are still attached. */

/* A source that is never dispatched: attached and destroyed at once.
 * No callback, no name: a third of an idle source's cost (three probes
 * per test). */
static gboolean
probe_prepare (GSource *source,
               gint    *timeout)
{
  *timeout = -1;
  return FALSE;
}

static GSourceFuncs probe_funcs = { probe_prepare, NULL, NULL, NULL, NULL, NULL };

/* Source ids are allocated per context in increasing order: the id a
 * source gets now is the next one. */
guint
tally_leaks_next_source_id (GMainContext *context)
{
  GSource *probe = g_source_new (&probe_funcs, sizeof (GSource));
  guint id;

  id = g_source_attach (probe, context);
  g_source_destroy (probe);
  g_source_unref (probe);

  return id;
}

void
tally_leaks_begin (TallyTest      *test,
                   TallyLeakProbe *probe)
{
  /* A test on its own context has a deadline on the global one, attached
   * just now (tally-global-context.c): its id is the one a probe gets. */
  probe->default_next_id = test->global_deadline != NULL
                           ? g_source_get_id (test->global_deadline)
                           : tally_leaks_next_source_id (g_main_context_default ());
  /* A test on the global default context starts where it stands. */
  probe->context_next_id = test->on_global ? probe->default_next_id : 1;
  test->global_first_id = probe->default_next_id;
}

static const char *
source_kind (GSource *source)
{
  const GSourceFuncs *funcs = source->source_funcs;

  if (funcs == &g_timeout_funcs)
    return "timeout";
  if (funcs == &g_idle_funcs)
    return "idle";
  if (funcs == &g_child_watch_funcs)
    return "child watch";
  if (funcs == &g_io_watch_funcs)
    return "I/O watch";
  if (funcs == &g_unix_signal_funcs)
    return "unix signal";
  return "custom";
}

/* Past this many, leftovers are counted rather than named one by one. */
#define MAX_NAMED_LEFTOVERS 20

static void
describe (GString    *leaks,
          const char *where,
          GSource    *source,
          guint       id)
{
  const char *name = g_source_get_name (source);

  if (leaks->len)
    g_string_append (leaks, "\n");
  g_string_append_printf (leaks, "leftover %s source %s%s%s(id %u, priority %d) on %s",
                          source_kind (source),
                          name ? "“" : "", name ? name : "", name ? "” " : "",
                          id, g_source_get_priority (source), where);
}

/* Tally's own sources, and those of process-wide singletons. */
static gboolean
is_exempt (GSource *source)
{
  const char *name = g_source_get_name (source);

  return name != NULL && (g_str_has_prefix (name, "[tally]")
                          || tally_singletons_source_allowed (name));
}

/* Past this many, pending sources are counted, not named. */
#define MAX_NAMED_PENDING 5

guint
tally_leaks_describe_pending (GMainContext *context,
                              guint         first,
                              GString      *out)
{
  guint end = tally_leaks_next_source_id (context), found = 0;

  for (guint id = first; id < end; id++)
    {
      GSource *source = g_main_context_find_source_by_id (context, id);
      const char *name;
      gint64 ready_time;
      gboolean ready;

      if (source == NULL || is_exempt (source))
        continue;

      if (++found > MAX_NAMED_PENDING)
        continue;

      name = g_source_get_name (source);
      ready_time = g_source_get_ready_time (source);
      ready = source->source_funcs == &g_idle_funcs
              || (ready_time >= 0 && ready_time <= g_source_get_time (source));
      /* GLib names a task's completion idle after the task (its name,
       * its source tag) or "[gio] (unnamed) complete_in_idle_cb". */
      g_string_append_printf (out, "%s%s %s%s%s(id %u%s)", found > 1 ? ", " : "",
                              name && g_str_has_suffix (name, "complete_in_idle_cb")
                              ? "GTask callback" : source_kind (source),
                              name ? "“" : "", name ? name : "", name ? "” " : "",
                              id, ready ? ", ready" : "");
    }

  if (found > MAX_NAMED_PENDING)
    g_string_append_printf (out, " and %u more", found - MAX_NAMED_PENDING);
  return found;
}

static void
collect_range (TallyTest    *test,
               GMainContext *context,
               const char   *where,
               guint         first,
               guint         end,
               gboolean      destroy,
               GString      *leaks)
{
  guint found = 0;

  for (guint id = first; id < end; id++)
    {
      GSource *source = g_main_context_find_source_by_id (context, id);

      if (source == NULL || is_exempt (source))
        continue;

      if (++found <= MAX_NAMED_LEFTOVERS)
        describe (leaks, where, source, id);
      /* Never let a leftover run later, in another test. Its owner may be
       * a singleton the next test relies on: the worker retires (unless
       * the test said its leftovers are expected: leaks=ignore). */
      if (destroy)
        {
          g_source_destroy (source);
          if (test->leak_policy != TALLY_LEAKS_IGNORE)
            test->retire = TRUE;
        }
    }

  if (found > MAX_NAMED_LEFTOVERS)
    g_string_append_printf (leaks, "\n… and %u more leftover sources on %s",
                            found - MAX_NAMED_LEFTOVERS, where);
}

/* Appends one line per leftover source to @leaks and destroys them. Call
 * after teardown, once ready sources have been dispatched. */
void
tally_leaks_collect (TallyTest            *test,
                     const TallyLeakProbe *probe,
                     GString              *leaks)
{
  GMainContext *global = g_main_context_default ();

  /* The test's context goes away with the test: its leftovers always
   * go with it. The global default context, as the test's context,
   * stays: the global context's rules below apply to it. */
  if (test->on_global)
    {
      if (test->leak_policy != TALLY_LEAKS_IGNORE)
        collect_range (test, global, "the global default context (the test's context)",
                       probe->context_next_id, tally_leaks_next_source_id (global),
                       test->leak_policy == TALLY_LEAKS_FAIL, leaks);
    }
  else
    collect_range (test, test->context, "the test's context", probe->context_next_id,
                   tally_leaks_next_source_id (test->context), TRUE, leaks);

  /* Sources on the global context may belong to a toolkit the test
   * started (GTK's frame clock, say): they are reported, and destroyed
   * only when they fail the test. With leaks=ignore, they are not even
   * looked at. */
  if (global != test->context && test->leak_policy != TALLY_LEAKS_IGNORE)
    collect_range (test, global, "the global default context", probe->default_next_id,
                   tally_leaks_next_source_id (global), test->leak_policy == TALLY_LEAKS_FAIL, leaks);

  if (leaks->len > 0)
    g_string_append_printf (leaks, "\n(%s)", tally_singletons_hint);
}
