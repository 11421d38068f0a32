/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The global default context, the test's-context helpers and process-wide
 * singletons, through `tally run` on tests/samples/sample-context.c. */
#include <string.h>

#include "tally-singletons-private.h"
#include "tally-test-util.h"

static TallyRun *
run_sample (TallyTest          *t,
            const char * const *envp)
{
  g_autofree char *tally = tally_util_tally_bin ();
  g_autofree char *program = tally_util_sample ("sample-context");

  return tally_util_run (t, envp, tally, "run", "-n", "2", "--no-db", "--json", program, NULL);
}

static void
assert_message_has (TallyRun   *run,
                    const char *path,
                    const char *needle)
{
  const char *message = tally_util_member_str (run, path, "message");

  tally_assert_nonnull (message);
  if (strstr (message, needle) == NULL)
    tally_fail ("%s: “%s” is not in its message: %s", path, needle, message);
}

/* A loop on the global context while the test's context holds the
 * GTask's callback: a timeout that says so and names the task. */
static void
test_global_loop_hint (TallyTest    *t,
                       gconstpointer data)
{
  g_autoptr(TallyRun) run = run_sample (t, NULL);
  const char *path = "/context/global-loop-waits-for-task";

  tally_assert_cmpstr (tally_util_outcome (run, path), ==, "timeout");
  assert_message_has (run, path, "the test iterated the global default context");
  assert_message_has (run, path, "2 sources are waiting on the test's context: idle “load-settings”");
  assert_message_has (run, path, "GTask callback “[gio] (unnamed) complete_in_idle_cb” (id 3, ready)");

  path = "/context/own-wait-for-global-idle";
  tally_assert_cmpstr (tally_util_outcome (run, path), ==, "timeout");
  assert_message_has (run, path, "waiting on the global default context: idle");
  assert_message_has (run, path, "tally_test_idle_add ()");
}

static void
test_helpers_and_marker (TallyTest    *t,
                         gconstpointer data)
{
  g_autoptr(TallyRun) run = run_sample (t, NULL);

  tally_assert_cmpstr (tally_util_outcome (run, "/context/helpers"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/context/global-marker"), ==, "passed");
  /* The global context as the test's: leftover checks still apply. */
  tally_assert_cmpstr (tally_util_outcome (run, "/context/global-marker-leftover"), ==, "failed");
  assert_message_has (run, "/context/global-marker-leftover",
                      "leftover timeout source “forgotten-retry”");
  assert_message_has (run, "/context/global-marker-leftover",
                      "on the global default context (the test's context)");
  /* leaks=warn: reported in the log, left in place, worker kept. */
  tally_assert_cmpstr (tally_util_outcome (run, "/context/warn/leak"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/context/warn/kept"), ==, "passed");
  /* A loop of the test's own on it still ends at the deadline, in the
   * worker, with a message. */
  tally_assert_cmpstr (tally_util_outcome (run, "/context/global-marker-own-loop"), ==, "timeout");
  assert_message_has (run, "/context/global-marker-own-loop",
                      "in a loop of the test's own on the global default context");
}

/* Without help, a singleton's source is the first test's leftover; the
 * message says how to allow it. */
static void
test_singleton_unhelped (TallyTest    *t,
                         gconstpointer data)
{
  g_autoptr(TallyRun) run = run_sample (t, NULL);

  tally_assert_cmpstr (tally_util_outcome (run, "/singleton/first"), ==, "failed");
  assert_message_has (run, "/singleton/first", "“example-singleton-watch”");
  assert_message_has (run, "/singleton/first", "tally_allow_source ()");
  assert_message_has (run, "/singleton/first", "tally_add_process_setup ()");
  /* The worker that destroyed it retired: the next test got a fresh
   * process, where the singleton is made again. */
  tally_assert_cmpstr (tally_util_outcome (run, "/singleton/later"), ==, "failed");
  assert_message_has (run, "/singleton/later", "example-singleton-watch");
  tally_assert_cmpstr (tally_util_outcome (run, "/singleton/monitor"), ==, "failed");
  assert_message_has (run, "/singleton/monitor", "“GSocket”");
}

/* Calls other processes make on objects exported before the tests (the
 * AT-SPI registry setting GTK's application Id, with accessibility on)
 * are nobody's leftovers, by GDBus's names for their dispatch; what a
 * subscription of the test's own receives still is. */
static void
test_singleton_incoming_calls (TallyTest    *t,
                               gconstpointer data)
{
  tally_assert_true (tally_singletons_source_allowed ("[gio] invoke_set_property_in_idle_cb"));
  tally_assert_true (tally_singletons_source_allowed ("[gio] invoke_get_property_in_idle_cb"));
  tally_assert_true (tally_singletons_source_allowed ("[gio] invoke_get_all_properties_in_idle_cb"));
  tally_assert_true (tally_singletons_source_allowed ("[gio, ../../../gio/gdbusconnection.c] call_in_idle_cb"));
  tally_assert_false (tally_singletons_source_allowed ("[gio] emit_signal_instance_in_idle_cb"));
  tally_assert_false (tally_singletons_source_allowed ("[gio] complete_in_idle_cb"));
}

/* tally_allow_source() and tally_add_process_setup(). */
static void
test_singleton_allowed (TallyTest    *t,
                        gconstpointer data)
{
  const char *envp[] = { "SAMPLE_CONTEXT_SETUP=1", "SAMPLE_CONTEXT_ALLOW=1", NULL };
  g_autoptr(TallyRun) run = run_sample (t, envp);

  tally_assert_cmpstr (tally_util_outcome (run, "/singleton/first"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/singleton/later"), ==, "passed");
  tally_assert_cmpstr (tally_util_outcome (run, "/singleton/monitor"), ==, "passed");
}

/* After Tally destroys a leftover, the worker is not used again. */
static void
test_retire_after_leftover (TallyTest    *t,
                            gconstpointer data)
{
  g_autoptr(TallyRun) run = run_sample (t, NULL);

  tally_assert_cmpstr (tally_util_outcome (run, "/retire/leak"), ==, "failed");
  /* Once, under AddressSanitizer at load 8-10, it crashed: say how. */
  if (g_strcmp0 (tally_util_outcome (run, "/retire/next"), "passed") != 0)
    g_message ("/retire/next: %s; stderr: %s", tally_util_member_str (run, "/retire/next", "message"),
               run->err);
  tally_assert_cmpstr (tally_util_outcome (run, "/retire/next"), ==, "passed");
}

static void
register_tests (void)
{
  tally_add ("/context/global-loop-hint", test_global_loop_hint, "timeout=30");
  tally_add ("/context/helpers-and-marker", test_helpers_and_marker, "timeout=30");
  tally_add ("/context/singleton/unhelped", test_singleton_unhelped, "timeout=30");
  tally_add ("/context/singleton/allowed", test_singleton_allowed, "timeout=30");
  tally_add ("/context/singleton/incoming-calls", test_singleton_incoming_calls, NULL);
  tally_add ("/context/retire-after-leftover", test_retire_after_leftover, "timeout=30");
}

TALLY_MAIN (register_tests)
