/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "tally-processes-private.h"
#include "tally-test-private.h"

/* Which test started a thread. A thread a test started can outlive it and
 * log (or fail an assertion) while a later test runs: that must not fail
 * the later test. GLib offers no hook on thread creation, so the threads
 * of the process are listed (/proc/self/task) when a test ends, and the
 * new ones are taken as the ending test's. Listing costs ~8 µs, so it is
 * done only when the number of threads changed: fstat() of the open
 * /proc/self/task directory gives it as the link count, for well under a
 * microsecond; and when a thread an earlier test started has ended
 * (tgkill() with signal 0 says so), since a test may lose one thread and
 * start another. (A shared thread, a pool's, that ends while a test starts
 * one is missed: that test's thread then counts as nobody's.)
 *
 * Threads that exist before the first test, and GLib's shared threads
 * (thread pools, "gmain", "gdbus", …) and Tally's own ("tally-fixtures"),
 * belong to no test: what they log
 * goes to the running test, as it always did. */

static GMutex threads_lock;
static int task_fd = -1;
static nlink_t last_links;
/* tid → interned path of the test that started it, or "" for none */
static GHashTable *owners;
/* A new thread names itself (GLib sets "gmain", "pool-…" from inside it),
 * so it can still bear the process's name when it is listed: such threads
 * are looked at again at the next tests' ends, until they have a name of
 * their own or UNNAMED_PATIENCE_US passed (a raw pthread keeps the
 * process's name: it is the test's). tid → when it was listed. */
#define UNNAMED_PATIENCE_US (2 * G_USEC_PER_SEC)
static char main_comm[32];
static GHashTable *unnamed;
/* How many threads in owners are a test's (owner not ""): none, and the
 * helper checks cost nothing. */
static guint n_owned;
/* Threads that Tally ends (a failed assertion in them): watched until
 * they are gone, since a pool's thread belongs to nobody otherwise. */
static GHashTable *dying;
/* A test's threads that still ran after the wait at its end (a set of
 * tids): while one of them runs, the worker runs the next tests in
 * processes of their own (tally_threads_running_owner()). */
static GHashTable *lingering;

/* Threads of GLib's and of the libraries GTK loads, which live as long
 * as the process: Mesa's rasterizer ("llvmpipe-N") and its queues, named
 * "<process>:<queue>$N" ("sample-:disk$0"), start with a test's first
 * window and never end. */
static gboolean
is_shared_thread (const char *comm)
{
  static const char * const shared[] = {
    "pool", "gmain", "gdbus", "dconf worker", "gvfs", "tally-", "llvmpipe-", NULL
  };
  const char *colon = strchr (comm, ':');

  for (guint i = 0; shared[i] != NULL; i++)
    if (g_str_has_prefix (comm, shared[i]))
      return TRUE;
  return colon != NULL && strchr (colon, '$') != NULL;
}

static void
read_comm (const char *tid,
           char       *comm,
           gsize       size)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read (fd, comm, size - 1) : -1;

  if (fd >= 0)
    close (fd);
  comm[MAX (n, 0)] = '\0';
  comm[strcspn (comm, "\n")] = '\0';
}

/* Re-lists the threads; new ones become @owner's (NULL: nobody's).
 * Called with the lock held. */
static void
relist (const char *owner)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;
  DIR *dir;
  struct dirent *entry;
  int fd = dup (task_fd);

  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  rewinddir (dir);

  while ((entry = readdir (dir)) != NULL)
    {
      guint64 tid = g_ascii_strtoull (entry->d_name, NULL, 10);
      char comm[32];

      if (tid == 0)
        continue;
      g_hash_table_add (seen, GSIZE_TO_POINTER (tid));
      if (g_hash_table_contains (owners, GSIZE_TO_POINTER (tid)))
        continue;

      read_comm (entry->d_name, comm, sizeof comm);
      g_hash_table_insert (owners, GSIZE_TO_POINTER (tid),
                           (gpointer) (owner != NULL && !is_shared_thread (comm) ? owner : ""));
      if (owner != NULL && strcmp (comm, main_comm) == 0)
        g_hash_table_insert (unnamed, GSIZE_TO_POINTER (tid),
                             GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
    }
  closedir (dir);

  /* Threads that ended: their ids may come back for new threads. */
  n_owned = 0;
  g_hash_table_iter_init (&iter, owners);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      {
        g_hash_table_remove (unnamed, key);
        g_hash_table_iter_remove (&iter);
      }
    else if (((const char *) value)[0] != '\0')
      n_owned++;
}

/* @tid now has a name: a shared thread's is nobody's after all. */
static void
set_shared (gpointer key)
{
  const char *owner = g_hash_table_lookup (owners, key);

  if (owner != NULL && owner[0] != '\0')
    {
      g_hash_table_insert (owners, key, (gpointer) "");
      n_owned--;
    }
}

/* Before the first test: the threads that exist now are nobody's. */
void
tally_threads_begin (void)
{
  struct stat st;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&threads_lock);

  if (owners != NULL)
    return;

  owners = g_hash_table_new (NULL, NULL);
  unnamed = g_hash_table_new (NULL, NULL);
  dying = g_hash_table_new (NULL, NULL);
  lingering = g_hash_table_new (NULL, NULL);
  {
    char main_tid[32];

    g_snprintf (main_tid, sizeof main_tid, "%d", (int) getpid ());
    read_comm (main_tid, main_comm, sizeof main_comm);
  }
  task_fd = open ("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (task_fd < 0 || fstat (task_fd, &st) != 0)
    return;
  last_links = st.st_nlink;
  relist (NULL);
}

/* Whether a thread that a test started has ended (one that ended as
 * another began leaves the count as it was). One tgkill(0) per such
 * thread still known: none in a worker whose tests start no threads. */
static gboolean
test_thread_ended (void)
{
  static pid_t pid;
  GHashTableIter iter;
  gpointer key, owner;
  gboolean ended = FALSE;

  if (pid == 0)
    pid = getpid ();

  g_hash_table_iter_init (&iter, dying);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (syscall (SYS_tgkill, pid, (pid_t) GPOINTER_TO_SIZE (key), 0) != 0 && errno == ESRCH)
      {
        g_hash_table_iter_remove (&iter);
        ended = TRUE;
      }
  if (ended)
    return TRUE;

  g_hash_table_iter_init (&iter, owners);
  while (g_hash_table_iter_next (&iter, &key, &owner))
    {
      pid_t tid = (pid_t) GPOINTER_TO_SIZE (key);

      if (((const char *) owner)[0] != '\0'
          && syscall (SYS_tgkill, pid, tid, 0) != 0 && errno == ESRCH)
        return TRUE;
    }
  return FALSE;
}

/* Looks at a thread listed before it had named itself again: a shared
 * one (GLib's "gmain", say) belongs to nobody after all. Returns TRUE
 * once it need not be looked at any more. */
static gboolean
recheck_one (gpointer key,
             gpointer listed_at)
{
  char tid[32];
  char comm[32];

  g_snprintf (tid, sizeof tid, "%" G_GSIZE_FORMAT, GPOINTER_TO_SIZE (key));
  read_comm (tid, comm, sizeof comm);
  if (is_shared_thread (comm))
    set_shared (key);
  return strcmp (comm, main_comm) != 0
         || g_get_monotonic_time () - (gint64) GPOINTER_TO_SIZE (listed_at) > UNNAMED_PATIENCE_US;
}

/* The threads listed before they had named themselves. Before, one look
 * at the next test's end dropped them: a "gmain" that had not named
 * itself by then stayed its test's for good (and was asked with tgkill()
 * after every test whether it still ran). */
static void
recheck_unnamed (void)
{
  GHashTableIter iter;
  gpointer key, listed_at;

  g_hash_table_iter_init (&iter, unnamed);
  while (g_hash_table_iter_next (&iter, &key, &listed_at))
    if (recheck_one (key, listed_at))
      g_hash_table_iter_remove (&iter);
}

/* Whether a thread that @owner (interned) started still runs. Called
 * with the lock held. */
static gboolean
own_thread_running (const char *owner)
{
  static pid_t pid;
  GHashTableIter iter;
  gpointer key, value, listed_at;

  if (pid == 0)
    pid = getpid ();
again:
  g_hash_table_iter_init (&iter, owners);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (value != owner
          || (syscall (SYS_tgkill, pid, (pid_t) GPOINTER_TO_SIZE (key), 0) != 0 && errno == ESRCH))
        continue;
      if (g_hash_table_lookup_extended (unnamed, key, NULL, &listed_at))
        {
          if (recheck_one (key, listed_at))
            g_hash_table_remove (unnamed, key);
          /* set_shared() may have changed the table: look again */
          if (g_hash_table_lookup (owners, key) != owner)
            goto again;
        }
      return TRUE;
    }
  return FALSE;
}

/* @owner's threads that still run. Called with the lock held. */
static void
watch_lingering (const char *owner)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, owners);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (value == owner)
      g_hash_table_add (lingering, key);
}

/* As @test ends: the threads that appeared during it are its own. A test
 * that left threads of its own running waits up to OWN_THREADS_GRACE_US
 * for them to end, so what a short-lived helper still writes to stdout
 * and stderr is its test's, not the next test's (issue 19 item 14); the
 * records they log meanwhile are late records of the test (caplog). A
 * thread that runs on (a library's own, Mesa's llvmpipe-N, say) costs
 * this once, when it is new. */
#define OWN_THREADS_GRACE_US (100 * 1000)

void
tally_threads_end (TallyTest *test)
{
  struct stat st;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&threads_lock);
  const char *owner;
  gint64 deadline;

  if (task_fd < 0 || fstat (task_fd, &st) != 0)
    return;
  if (g_hash_table_size (unnamed) > 0)
    recheck_unnamed ();
  if (st.st_nlink == last_links && !test_thread_ended ())
    return;
  last_links = st.st_nlink;
  owner = g_intern_string (tally_test_get_path (test));
  relist (owner);

  deadline = g_get_monotonic_time () + OWN_THREADS_GRACE_US;
  while (own_thread_running (owner) && g_get_monotonic_time () < deadline)
    {
      g_mutex_unlock (&threads_lock);
      g_usleep (2 * 1000);
      g_mutex_lock (&threads_lock);
      /* What the threads start meanwhile is not the next test's. */
      tally_processes_forget ();
    }
  if (g_get_monotonic_time () >= deadline)
    watch_lingering (owner);
  if (fstat (task_fd, &st) == 0)
    last_links = st.st_nlink;
}

/* Called by a thread that Tally is about to end (g_thread_exit()). */
void
tally_threads_note_exiting (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&threads_lock);

  if (dying != NULL)
    g_hash_table_add (dying, GSIZE_TO_POINTER ((gsize) syscall (SYS_gettid)));
}

/* The path of the ended test that started thread @tid, if @tid is such a
 * thread and @test (the running one) is another test; else NULL. */
const char *
tally_threads_late_owner (TallyTest *test,
                          guint64    tid)
{
  const char *owner;
  gpointer listed_at;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&threads_lock);

  if (owners == NULL)
    return NULL;
  owner = g_hash_table_lookup (owners, GSIZE_TO_POINTER (tid));
  if (owner == NULL || owner[0] == '\0' || (test != NULL && owner == g_intern_string (test->tc->path)))
    return NULL;

  /* Listed before it named itself: it may be a pool's thread, now at work
   * for the running test. Look now rather than at the test's end. */
  if (g_hash_table_lookup_extended (unnamed, GSIZE_TO_POINTER (tid), NULL, &listed_at))
    {
      if (recheck_one (GSIZE_TO_POINTER (tid), listed_at))
        g_hash_table_remove (unnamed, GSIZE_TO_POINTER (tid));
      owner = g_hash_table_lookup (owners, GSIZE_TO_POINTER (tid));
      if (owner[0] == '\0')
        return NULL;
    }
  return owner;
}

/* Between tests: the path of an ended test whose thread of its own
 * still runs after the wait at its end, or NULL. The worker then runs
 * the next tests in processes of their own, so that what the thread
 * writes to fds 1 and 2 is late output, never a later test's
 * (tally-worker.c), for as long as it runs: a thread that runs for good
 * makes every later test of this worker pay a fork and exec (start it
 * in tally_add_process_setup(), which belongs to no test; the threads
 * of GLib and of the libraries GTK loads are known: is_shared_thread()).
 * No system call while no such thread is watched; one tgkill(0) per
 * thread otherwise. */
const char *
tally_threads_running_owner (void)
{
  static pid_t pid;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&threads_lock);
  GHashTableIter iter;
  gpointer key, listed_at;

  if (lingering == NULL || g_hash_table_size (lingering) == 0)
    return NULL;
  if (pid == 0)
    pid = getpid ();
  g_hash_table_iter_init (&iter, lingering);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *owner = g_hash_table_lookup (owners, key);

      if (owner != NULL && owner[0] != '\0'
          && g_hash_table_lookup_extended (unnamed, key, NULL, &listed_at))
        {
          /* Listed before it named itself: a pool's thread, maybe. */
          if (recheck_one (key, listed_at))
            g_hash_table_remove (unnamed, key);
          owner = g_hash_table_lookup (owners, key);
        }
      if (owner == NULL || owner[0] == '\0'
          || (syscall (SYS_tgkill, pid, (pid_t) GPOINTER_TO_SIZE (key), 0) != 0 && errno == ESRCH))
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      return owner;
    }
  return NULL;
}

/* The path of a test that started a thread of its own, running or not
 * (until the next test's end looks), or NULL: what was written between
 * two tests is attributed to it. */
const char *
tally_threads_any_owner (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&threads_lock);
  GHashTableIter iter;
  gpointer owner;

  if (owners == NULL || n_owned == 0)
    return NULL;
  g_hash_table_iter_init (&iter, owners);
  while (g_hash_table_iter_next (&iter, NULL, &owner))
    if (((const char *) owner)[0] != '\0')
      return owner;
  return NULL;
}

