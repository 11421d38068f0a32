/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <dlfcn.h>

#include "tally-global-context-private.h"
#include "tally-main-loop.h"
#include "tally-markers-private.h"

/* A test runs on a fresh context of its own, unless it asks for the
 * global default one (the `global-context` marker), or the program links
 * GTK 4. GTK keeps its display, event source, frame clocks and
 * accessibility root on the global default context, and makes some of
 * them lazily, on the thread-default context of the moment: a per-test
 * context would take them away with the first test that touched them.
 * So in a GTK program the global default context *is* the test's context:
 * tally_test_await() and tally_test_wait_until() run GTK's frame clock
 * and events, and the leftover check watches that context.
 *
 * A test on its own context that iterates the global one (a loop from
 * g_main_loop_new (NULL, FALSE), g_main_context_iteration (NULL, TRUE))
 * never sees its own deadline: a second deadline on the global context
 * ends it, saying what it was blocked in and what waits where. */

gboolean
tally_global_context_gtk_linked (void)
{
  static int linked = -1;

  /* libtally does not link GTK: look for it in the process. */
  if (linked < 0)
    linked = dlsym (RTLD_DEFAULT, "gtk_is_initialized") != NULL;
  return linked;
}

/* Whether GTK is linked and initialised in this process. */
gboolean
tally_global_context_gtk_running (void)
{
  static gboolean (*is_initialized) (void);
  static gsize looked_up;

  if (g_once_init_enter (&looked_up))
    {
      is_initialized = (gboolean (*) (void)) dlsym (RTLD_DEFAULT, "gtk_is_initialized");
      g_once_init_leave (&looked_up, 1);
    }
  return is_initialized != NULL && is_initialized ();
}

/* Prepares and queries @context into @fds from @n on, growing it. */
static gint
query_into (GMainContext *context,
            gint          max_priority,
            gint         *timeout,
            GArray       *fds,
            guint         n)
{
  gint wanted;

  for (;;)
    {
      wanted = g_main_context_query (context, max_priority, timeout,
                                     &g_array_index (fds, GPollFD, n), fds->len - n);
      if (wanted <= (gint) (fds->len - n))
        return wanted;
      g_array_set_size (fds, n + wanted);
    }
}

/* One blocking iteration of the test's own context and of the global
 * default one together, for a test with a context of its own while GTK
 * is initialised: one poll() over both contexts' descriptors with the
 * nearer timeout, then each context dispatches what is ready. */
void
tally_global_context_iterate_both (TallyTest *test)
{
  GMainContext *own = test->context, *global = g_main_context_default ();
  g_autoptr(GArray) fds = NULL;
  gint own_priority, global_priority, own_timeout, global_timeout, timeout;
  gboolean own_ready, global_ready;
  gint n_own, n_global;

  if (!g_main_context_acquire (global))
    {
      g_main_context_iteration (own, TRUE);
      return;
    }
  g_main_context_acquire (own);

  fds = g_array_sized_new (FALSE, TRUE, sizeof (GPollFD), 16);
  g_array_set_size (fds, 16);
  own_ready = g_main_context_prepare (own, &own_priority);
  global_ready = g_main_context_prepare (global, &global_priority);
  n_own = query_into (own, own_priority, &own_timeout, fds, 0);
  n_global = query_into (global, global_priority, &global_timeout, fds, n_own);

  if (own_ready || global_ready)
    timeout = 0;
  else if (own_timeout < 0 || global_timeout < 0)
    timeout = MAX (own_timeout, global_timeout);
  else
    timeout = MIN (own_timeout, global_timeout);

  g_poll ((GPollFD *) fds->data, n_own + n_global, timeout);

  own_ready = g_main_context_check (own, own_priority, (GPollFD *) fds->data, n_own);
  global_ready = g_main_context_check (global, global_priority,
                                       &g_array_index (fds, GPollFD, n_own), n_global);
  /* A callback that fails an assertion unwinds from a dispatch and
   * leaves the contexts acquired, as g_main_context_iteration() would:
   * the test is tainted, its worker retires. */
  if (own_ready)
    g_main_context_dispatch (own);
  if (global_ready)
    g_main_context_dispatch (global);
  g_main_context_release (own);
  g_main_context_release (global);
}

gboolean
tally_global_context_wanted (const TallyTestCase *tc)
{
  if (tally_markers_has (tc->markers, "global-context"))
    return TRUE;
  if (tally_markers_has (tc->markers, "own-context"))
    return FALSE;
  return tally_global_context_gtk_linked ();
}

/* Appends what waits on the test's context and on the global default
 * one (the sources added since the test began). */
void
tally_global_context_explain (TallyTest *test,
                              GString   *message)
{
  g_autoptr(GString) own = g_string_new (NULL);
  g_autoptr(GString) global = g_string_new (NULL);
  guint n_own, n_global;

  if (test->on_global)
    return;

  n_own = tally_leaks_describe_pending (test->context, 1, own);
  n_global = tally_leaks_describe_pending (g_main_context_default (), test->global_first_id, global);

  if (n_own > 0)
    g_string_append_printf (message, "; %u source%s waiting on the test's context: %s",
                            n_own, n_own == 1 ? " is" : "s are", own->str);
  if (n_global > 0)
    g_string_append_printf (message, "; %u source%s added during the test %s waiting on the "
                            "global default context: %s (g_idle_add () and g_timeout_add () "
                            "target that context: use tally_test_idle_add () and "
                            "tally_test_timeout_add (), or mark the test global-context)",
                            n_global, n_global == 1 ? "" : "s", n_global == 1 ? "is" : "are",
                            global->str);
}

static gboolean
on_global_deadline_cb (gpointer data)
{
  TallyTest *test = data;
  GString *message;
  char *text;

  g_clear_pointer (&test->global_deadline, g_source_unref);
  test->deadline_passed = TRUE;
  tally_test_cancel (test);

  /* Tally's own wait, iterating both contexts: it ends the test. */
  if (test->in_iterate)
    return G_SOURCE_REMOVE;

  /* No g_autoptr: the unwind does not return here. */
  message = g_string_new (NULL);
  g_string_append_printf (message,
                          "timed out after %.3g s: the test iterated the global default "
                          "context (g_main_loop_run () on g_main_loop_new (NULL, …), or "
                          "g_main_context_iteration (NULL, …)), not its own",
                          test->timeout_s);
  tally_global_context_explain (test, message);
  g_string_append (message, "; iterate the test's context (tally_test_await (), "
                            "tally_test_run_loop ()), or mark the test global-context");
  text = g_string_free (message, FALSE);
  tally_test_set_failure (test, TALLY_OUTCOME_TIMEOUT, NULL, 0, text);
  g_free (text);

  if (test->phase <= TALLY_PHASE_TEARDOWN)
    tally_test_unwind (test);
  return G_SOURCE_REMOVE;
}

/* The deadline of a test on the global context fired in a loop of the
 * test's own (g_main_context_iteration (NULL, TRUE) until a widget
 * maps): nothing would look at it there, so the test ends here. */
void
tally_global_context_check_loop (TallyTest *test)
{
  char *message;

  if (!test->on_global || test->in_iterate || test->phase > TALLY_PHASE_TEARDOWN)
    return;

  /* Freed by hand: the unwind does not return here. */
  message = g_strdup_printf ("timed out after %.3g s in a loop of the test's own on the "
                             "global default context (g_main_loop_run () or "
                             "g_main_context_iteration (NULL, …)); its condition never "
                             "came true", test->timeout_s);
  tally_test_set_failure (test, TALLY_OUTCOME_TIMEOUT, NULL, 0, message);
  g_free (message);
  tally_test_unwind (test);
}

void
tally_global_context_begin (TallyTest *test)
{
  if (test->on_global || test->timeout_s <= 0)
    return;

  test->global_deadline = g_timeout_source_new ((guint) (test->timeout_s * 1000));
  g_source_set_static_name (test->global_deadline, "[tally] test deadline (global default context)");
  g_source_set_callback (test->global_deadline, on_global_deadline_cb, test, NULL);
  g_source_attach (test->global_deadline, g_main_context_default ());
}

void
tally_global_context_end (TallyTest *test)
{
  if (test->global_deadline == NULL)
    return;

  g_source_destroy (test->global_deadline);
  g_clear_pointer (&test->global_deadline, g_source_unref);
}

/**
 * tally_test_uses_global_context:
 * @test: a #TallyTest
 *
 * Whether the test runs with the global default context as its context:
 * it has the `global-context` marker, or the program links GTK 4 (and
 * the test is not marked `own-context`). tally_test_get_context() then
 * returns g_main_context_default().
 *
 * Returns: %TRUE if the test's context is the global default context
 */
gboolean
tally_test_uses_global_context (TallyTest *test)
{
  g_return_val_if_fail (test != NULL, FALSE);
  return test->on_global;
}
