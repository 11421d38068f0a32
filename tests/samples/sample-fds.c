/* A test that no descriptor of its worker is the pipe named by
 * SAMPLE_FORBIDDEN_INODE: one the runner inherited from its own parent
 * (tests/test-runner.c, /runner/no-inherited-fds). */
#include <sys/stat.h>
#include <stdlib.h>

#include <tally.h>

static void
test_none_inherited (TallyTest *t, gconstpointer data)
{
  const char *inode = g_getenv ("SAMPLE_FORBIDDEN_INODE");
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint checked = 0;

  if (inode == NULL)
    tally_test_skip (t, "SAMPLE_FORBIDDEN_INODE is not set");

  dir = g_dir_open ("/proc/self/fd", 0, NULL);
  tally_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      struct stat st;

      if (fstat (atoi (name), &st) != 0)
        continue;   /* the directory's own descriptor, closed by now */
      checked++;
      if (S_ISFIFO (st.st_mode))
        tally_assert_cmpuint ((guint64) st.st_ino, !=, g_ascii_strtoull (inode, NULL, 10));
    }
  /* stdin, stdout, stderr and the two protocol pipes at least. */
  tally_assert_cmpuint (checked, >=, 5);
}

static void
register_tests (void)
{
  tally_add ("/fds/none-inherited", test_none_inherited, NULL);
}

TALLY_MAIN (register_tests)
