/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-test-private.h"

/* What a test left pending when a failure unwound it.
 *
 * A failed assertion leaves its function through siglongjmp(): the stack
 * frames of the body are gone, but callbacks the body scheduled may still
 * point into them (a GTask whose user data is a struct on the body's
 * stack, delivered from an idle). Dispatching them after the unwind writes
 * into dead frames. So once a phase was cut short, the sources it added to
 * the test's context are destroyed without being dispatched, and nothing
 * later in the test (the final dispatch of ready sources) runs them either.
 * The failure's message and file:line were recorded before the unwind
 * started, so nothing that runs later can lose them. */

/* Destroys, without dispatching, every source the unwound phases added to
 * the test's context, and notes what was dropped in the test's log. */
void
tally_unwind_drop_pending (TallyTest *test)
{
  g_autoptr(GString) dropped = g_string_new (NULL);
  guint end = tally_leaks_next_source_id (test->context);
  guint count = 0;

  for (guint id = test->body_first_id; id < end; id++)
    {
      GSource *source = g_main_context_find_source_by_id (test->context, id);
      const char *name;

      if (source == NULL || g_source_is_destroyed (source))
        continue;
      name = g_source_get_name (source);
      if (name != NULL && g_str_has_prefix (name, "[tally]"))
        continue;

      if (count++ < 10)
        g_string_append_printf (dropped, "%s%s%s%s", count > 1 ? ", " : "",
                                name ? "“" : "", name ? name : "unnamed source",
                                name ? "”" : "");
      g_source_destroy (source);
    }

  if (count > 10)
    g_string_append_printf (dropped, " and %u more", count - 10);

  if (count > 0)
    {
      g_autofree char *note =
        g_strdup_printf ("the test was unwound by its failure; %u pending source%s "
                         "it had scheduled %s destroyed without running: %s",
                         count, count == 1 ? "" : "s", count == 1 ? "was" : "were",
                         dropped->str);

      tally_caplog_note (test, G_LOG_LEVEL_INFO, note);
    }
}
