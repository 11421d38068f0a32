/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Worker fixtures that fail to set up or complain at teardown, and tests
 * that want a process of their own (tests/test-isolation.c runs it). */
#include <unistd.h>

#include <tally.h>

static gpointer
broken_setup (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "the database is not running");
  return NULL;
}

static gpointer
noisy_setup (GError **error)
{
  return g_strdup ("noisy");
}

static void
noisy_teardown (gpointer value)
{
  g_warning ("closing %s: connection reset by peer", (char *) value);
  g_free (value);
}

static gpointer
strict_setup (GError **error)
{
  return g_new0 (int, 1);
}

static void
strict_teardown (gpointer value)
{
  int open_handles = 2;

  g_free (value);
  tally_assert_cmpint (open_handles, ==, 0);
}

static void
test_uses_broken (TallyTest    *t,
                  gconstpointer data)
{
  tally_test_use_worker_fixture (t, "broken");
  tally_fail ("not reached: the fixture failed to set up");
}

static void
test_uses_noisy (TallyTest    *t,
                 gconstpointer data)
{
  tally_assert_cmpstr (tally_test_use_worker_fixture (t, "noisy"), ==, "noisy");
}

static void
test_uses_strict (TallyTest    *t,
                  gconstpointer data)
{
  tally_assert_nonnull (tally_test_use_worker_fixture (t, "strict"));
}

/* Static state: what pytest-forked is for. */
static int counter;

static void
test_counts (TallyTest    *t,
             gconstpointer data)
{
  counter++;
  g_message ("pid %d counter %d", (int) getpid (), counter);
  tally_assert_cmpint (counter, ==, 1);
}

static void
test_crash (TallyTest    *t,
            gconstpointer data)
{
  g_message ("about to crash in pid %d", (int) getpid ());
  abort ();
}

static void
register_tests (void)
{
  const char *which = g_getenv ("SAMPLE_ISOLATION");

  tally_add_worker_fixture ("broken", broken_setup, NULL);
  tally_add_worker_fixture ("noisy", noisy_setup, noisy_teardown);
  tally_add_worker_fixture ("strict", strict_setup, strict_teardown);

  if (g_strcmp0 (which, "fixtures") == 0)
    {
      tally_add ("/fixture/broken/a", test_uses_broken, NULL);
      tally_add ("/fixture/broken/b", test_uses_broken, NULL);
      tally_add ("/fixture/noisy", test_uses_noisy, NULL);
      tally_add ("/fixture/strict", test_uses_strict, NULL);
    }
  else
    {
      /* Each must be the first test of its process to pass. */
      const char *markers = g_strcmp0 (which, "forked") == 0 ? "forked" : NULL;

      tally_add ("/static/a", test_counts, markers);
      tally_add ("/static/b", test_counts, markers);
      tally_add ("/static/c", test_counts, markers);
      tally_add ("/static/d", test_counts, markers);
      if (markers != NULL)
        {
          /* A forked test that crashes costs its own process only: the
           * worker's next test runs in the worker (group: same worker). */
          tally_add ("/forked/crash", test_crash, "forked group=crash");
          tally_add ("/forked/after", test_counts, "group=crash");
        }
    }
}

TALLY_MAIN (register_tests)
