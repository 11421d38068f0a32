/* Helpers shared by the tests that kill or overload runs (test-faults.c,
 * test-hostile.c, test-load.c, test-runner.c, test-options.c): uniquely
 * named copies of sample programs, a run of `tally` whose peak memory
 * (VmHWM) is sampled while it runs, and checks that no process of a run
 * is left behind. Static, header-only: each test program includes it
 * once. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "tally-store-private.h"
#include "tally-test-util.h"

static G_GNUC_UNUSED char *
rel_tally_bin (void)
{
  return tally_util_build_path ("runner/tally");
}

static G_GNUC_UNUSED char *
rel_db_path (TallyTest *t)
{
  return g_build_filename (tally_test_get_tmpdir (t), "results.sqlite", NULL);
}

/* Orphans of this test's runs (workers of a killed runner) are reparented
 * to this process rather than to PID 1, which in a container may never
 * reap them: rel_find_processes() reaps them and so sees whether they
 * really exited. */
static G_GNUC_UNUSED void
rel_become_subreaper (void)
{
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/* Copies tests/samples/NAME into the test's tmpdir under a short name of
 * its own (≤ 15 bytes, so it is also the kernel's comm name): pgrep then
 * finds this run's processes only, zombies included. */
static G_GNUC_UNUSED char *
rel_unique_sample (TallyTest  *t,
                   const char *name,
                   const char *tag)
{
  g_autofree char *relative = g_build_filename ("tests", "samples", name, NULL);
  g_autofree char *original = tally_util_build_path (relative);
  g_autofree char *base = g_strdup_printf ("%.6s%06x", tag, g_random_int_range (0, 0xffffff));
  char *copy = g_build_filename (tally_test_get_tmpdir (t), base, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;

  rel_become_subreaper ();
  tally_assert_true (g_file_get_contents (original, &contents, &len, NULL));
  tally_assert_true (g_file_set_contents_full (copy, contents, len, G_FILE_SET_CONTENTS_NONE, 0755, NULL));
  return copy;
}

/* The pids of processes whose command line or comm name mentions the
 * copy's basename (a zombie has no command line, only its comm). Zombies
 * that are our own children (orphans we inherited as subreaper) have
 * exited: they are reaped and not counted. */
static G_GNUC_UNUSED char *
rel_find_processes (const char *program)
{
  g_autofree char *base = g_path_get_basename (program);
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  GString *found = g_string_new (NULL);
  const char *entry;

  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *cmdline_path = NULL, *comm_path = NULL, *status_path = NULL;
      g_autofree char *cmdline = NULL, *comm = NULL, *status = NULL;
      gsize len = 0;

      if (!g_ascii_isdigit (entry[0]) || atoi (entry) == getpid ())
        continue;
      cmdline_path = g_build_filename ("/proc", entry, "cmdline", NULL);
      comm_path = g_build_filename ("/proc", entry, "comm", NULL);
      status_path = g_build_filename ("/proc", entry, "status", NULL);
      g_file_get_contents (cmdline_path, &cmdline, &len, NULL);
      g_file_get_contents (comm_path, &comm, NULL, NULL);
      for (gsize i = 0; cmdline && i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if ((cmdline && strstr (cmdline, base)) || (comm && g_str_has_prefix (comm, base)))
        {
          const char *state = NULL;

          const char *ppid_line;

          g_file_get_contents (status_path, &status, NULL, NULL);
          state = status ? strstr (status, "State:") : NULL;
          ppid_line = status ? strstr (status, "PPid:") : NULL;
          if (state && strstr (state, "zombie") && ppid_line
              && atoi (ppid_line + 5) == getpid ()
              && waitpid (atoi (entry), NULL, WNOHANG) > 0)
            continue;
          g_string_append_printf (found, "%s%s (%.*s)", found->len ? ", " : "", entry,
                                  state ? (int) strcspn (state, "\n") : 0, state ? state : "");
        }
    }
  return g_string_free (found, FALSE);
}

/* Fails unless every process of @program is gone within @grace_us. */
static G_GNUC_UNUSED void
rel_assert_no_strays (const char *program,
                      gint64      grace_us)
{
  gint64 deadline = g_get_monotonic_time () + grace_us;

  for (;;)
    {
      g_autofree char *left = rel_find_processes (program);

      if (*left == '\0')
        return;
      if (g_get_monotonic_time () > deadline)
        tally_fail ("processes of %s left behind: %s", program, left);
      g_usleep (20 * 1000);
    }
}

static G_GNUC_UNUSED gint64
rel_read_hwm_kb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? g_ascii_strtoll (line + 6, NULL, 10) : -1;
}

typedef struct
{
  TallyRun *run;
  gint64 hwm_kb;          /* the runner's own peak RSS, sampled every 10 ms */
  gint64 elapsed_us;
} RelRun;


/* Like tally_util_run_argv() (cwd: the test's tmpdir; stdout and stderr
 * kept, --json events parsed), but samples the runner's VmHWM from /proc
 * while it runs. Output goes through files, so a flood cannot block it. */
static G_GNUC_UNUSED RelRun
rel_run_measured (TallyTest          *t,
                  const char * const *envp,
                  const char * const *argv)
{
  const char *tmpdir = tally_test_get_tmpdir (t);
  g_autofree char *out_path = g_build_filename (tmpdir, "runner-stdout", NULL);
  g_autofree char *err_path = g_build_filename (tmpdir, "runner-stderr", NULL);
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  RelRun result = { g_new0 (TallyRun, 1), 0, 0 };
  gint64 start = g_get_monotonic_time ();
  int out_fd, err_fd, wait_status = 0;
  GPid pid;

  for (guint i = 0; envp && envp[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (envp[i], "=", 2);
      env = g_environ_setenv (env, kv[0], kv[1], TRUE);
    }
  env = g_environ_unsetenv (env, "TALLY_DB");

  result.run->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  result.run->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) json_object_unref);
  out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  err_fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  tally_assert_cmpint (out_fd, >=, 0);
  tally_assert_cmpint (err_fd, >=, 0);
  if (!g_spawn_async_with_fds (tmpdir, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
                               NULL, NULL, &pid, -1, out_fd, err_fd, &error))
    tally_fail ("cannot run %s: %s", argv[0], error->message);
  close (out_fd);
  close (err_fd);

  for (;;)
    {
      gint64 hwm = rel_read_hwm_kb (pid);
      pid_t done;

      if (hwm > result.hwm_kb)
        result.hwm_kb = hwm;
      done = waitpid (pid, &wait_status, WNOHANG);
      if (done == pid)
        break;
      tally_assert_cmpint (done, ==, 0);
      g_usleep (10 * 1000);
    }
  result.elapsed_us = g_get_monotonic_time () - start;
  result.run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  g_file_get_contents (out_path, &result.run->out, NULL, NULL);
  g_file_get_contents (err_path, &result.run->err, NULL, NULL);
  tally_assert_nonnull (result.run->out);
  tally_assert_nonnull (result.run->err);
  tally_util_parse_events (result.run);
  return result;
}

/* The stored bytes of one output stream of a result ("" when none). */
static G_GNUC_UNUSED GBytes *
rel_output (TallyStore  *store,
            gint64       result_id,
            TallyStream  stream)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = tally_store_get_output (store, result_id, stream, &error);

  tally_assert_no_error (error);
  return bytes ? bytes : g_bytes_new (NULL, 0);
}

static G_GNUC_UNUSED gboolean
rel_bytes_contain (GBytes     *bytes,
                   const char *needle)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  return data != NULL && memmem (data, len, needle, strlen (needle)) != NULL;
}

/* Checks that hold after any run: the file is sound, nothing is left
 * `running` (after a read-write open, which marks a dead runner's rows
 * interrupted) and every outcome is one Tally knows. */
static G_GNUC_UNUSED void
rel_assert_db_sound (const char *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyStore) store = tally_store_open (db, &error);

  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'", &error), ==, 1);
  tally_assert_no_error (error);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM results WHERE outcome = 'running'", &error), ==, 0);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM runs WHERE status = 'running'", &error), ==, 0);
  tally_assert_cmpint (tally_store_debug_query_int (store,
                         "SELECT count(*) FROM results WHERE outcome NOT IN ('passed', 'failed', 'skipped',"
                         " 'xfailed', 'xpassed', 'crashed', 'timeout', 'error', 'flaky', 'interrupted')"
                         " OR started_at IS NULL OR test_id NOT IN (SELECT id FROM tests)"
                         " OR run_id NOT IN (SELECT id FROM runs)", &error), ==, 0);
  tally_assert_cmpint (tally_store_debug_query_int (store,
                         "SELECT count(*) FROM results WHERE outcome NOT IN ('interrupted')"
                         " AND duration_us IS NULL", &error), ==, 0);
  tally_assert_cmpint (tally_store_debug_query_int (store, "SELECT count(*) FROM pragma_foreign_key_check", &error), ==, 0);
  tally_assert_no_error (error);
}

/* Byte-exact comparison, saying where the first difference is. */
#define rel_assert_cmpmem(a, alen, b, blen) G_STMT_START {                   \
  const guint8 *rel_a_ = (const guint8 *) (a), *rel_b_ = (const guint8 *) (b); \
  gsize rel_al_ = (alen), rel_bl_ = (blen), rel_i_ = 0;                     \
  while (rel_i_ < rel_al_ && rel_i_ < rel_bl_ && rel_a_[rel_i_] == rel_b_[rel_i_]) \
    rel_i_++;                                                               \
  if (rel_al_ != rel_bl_ || rel_i_ != rel_al_)                              \
    tally_fail ("%s (%" G_GSIZE_FORMAT " bytes) differs from %s (%" G_GSIZE_FORMAT \
                " bytes) at byte %" G_GSIZE_FORMAT, #a, rel_al_, #b, rel_bl_, rel_i_); \
} G_STMT_END
