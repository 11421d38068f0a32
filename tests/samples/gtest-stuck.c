/* A GTest binary that deadlocks the way libsoup's tests did under load
 * (docs/legacy-tests.md): a thread waits for a mutex that the main
 * thread holds while the main thread waits on a pipe nobody writes. For
 * the description of a timed-out test's threads (tests/test-gtest.c). */
#include <unistd.h>

#include <glib.h>

static GMutex lock;

static gpointer
locker (gpointer data)
{
  g_mutex_lock (&lock);   /* never: the main thread keeps it */
  g_mutex_unlock (&lock);
  return NULL;
}

static void
test_deadlock (void)
{
  int fds[2];
  char byte;

  g_assert_cmpint (pipe (fds), ==, 0);
  g_mutex_lock (&lock);
  g_thread_unref (g_thread_new ("stuck-locker", locker, NULL));
  g_assert_cmpint (read (fds[0], &byte, 1), ==, 1);   /* fds[1] stays open: never */
}

static void
test_pass (void)
{
  g_assert_true (TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stuck/deadlock", test_deadlock);
  g_test_add_func ("/stuck/zz-after", test_pass);

  return g_test_run ();
}
