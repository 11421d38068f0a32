/* A sample test program whose tests end every way a test can end. Tally's
 * own tests run it standalone and under `tally run` and check what each
 * test came to. */
#include <stdio.h>
#include <unistd.h>

#include <tally.h>

static void
test_pass (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpint (1 + 1, ==, 2);
}

static void
test_fail (TallyTest *t, gconstpointer data)
{
  printf ("about to fail\n");
  g_message ("a message before failing");
  tally_assert_cmpstr ("left", ==, "right");
}

static void
test_skip (TallyTest *t, gconstpointer data)
{
  tally_test_skip (t, "not on %s", "this machine");
}

static void
test_xfail (TallyTest *t, gconstpointer data)
{
  tally_assert_cmpint (2, <, 1);
}

static gboolean
never_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_leak_timeout (TallyTest *t, gconstpointer data)
{
  GSource *source = g_timeout_source_new_seconds (100);

  g_source_set_name (source, "forgotten-timer");
  g_source_set_callback (source, never_cb, NULL, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
test_leak_global (TallyTest *t, gconstpointer data)
{
  g_timeout_add_seconds (100, never_cb, NULL);
}

static void
test_await_timeout (TallyTest *t, gconstpointer data)
{
  tally_test_await (t);
}

static void
test_unexpected_warning (TallyTest *t, gconstpointer data)
{
  g_warning ("something is off: %d", 42);
}

static void
test_error_in_setup (TallyTest *t, gpointer fixture, gconstpointer data)
{
  tally_fail ("setup could not get its resource");
}

static void
test_body_never_runs (TallyTest *t, gpointer fixture, gconstpointer data)
{
  g_assert_not_reached ();
}

typedef struct { int x; } Fixture;

static void
register_tests (void)
{
  tally_add ("/outcomes/pass", test_pass, NULL);
  tally_add ("/outcomes/fail", test_fail, NULL);
  tally_add ("/outcomes/skip-call", test_skip, NULL);
  tally_add ("/outcomes/skip-marker", test_pass, "skip=\"not today\"");
  tally_add ("/outcomes/xfail", test_xfail, "xfail=\"known bug\"");
  tally_add ("/outcomes/xpass", test_pass, "xfail");
  tally_add ("/outcomes/leak-context", test_leak_timeout, NULL);
  tally_add ("/outcomes/leak-global", test_leak_global, NULL);
  tally_add ("/outcomes/leak-warn", test_leak_timeout, "leaks=warn");
  tally_add ("/outcomes/await-timeout", test_await_timeout, "timeout=0.2");
  tally_add ("/outcomes/unexpected-warning", test_unexpected_warning, NULL);
  tally_add_fixture ("/outcomes/setup-error", Fixture, NULL,
                     test_error_in_setup, test_body_never_runs, NULL, NULL);
}

TALLY_MAIN (register_tests)
