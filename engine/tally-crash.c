/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBDW
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#endif

#include "tally-crash-private.h"

/* Crash reports, made in the runner after the worker died. The worker's
 * fatal-signal handler can only send raw numbers (libcore/tally-worker.c);
 * here they become a backtrace with function names and file:line, read
 * from the worker's binaries' symbol tables and DWARF with elfutils'
 * libdwfl (docs/reliability.md says why libdw). */

static const char *
code_name (int signum,
           int code)
{
  switch (code)
    {
    case SI_USER:    return "SI_USER (sent by kill)";
    case SI_TKILL:   return "SI_TKILL (sent by raise/tgkill)";
    case SI_QUEUE:   return "SI_QUEUE";
    case SI_KERNEL:  return "SI_KERNEL";
    default: break;
    }

  switch (signum)
    {
    case SIGSEGV:
      return code == SEGV_MAPERR ? "SEGV_MAPERR (address not mapped)"
           : code == SEGV_ACCERR ? "SEGV_ACCERR (no permission)" : NULL;
    case SIGBUS:
      return code == BUS_ADRALN ? "BUS_ADRALN (misaligned address)"
           : code == BUS_ADRERR ? "BUS_ADRERR (no such physical address)"
           : code == BUS_OBJERR ? "BUS_OBJERR (object-specific error)" : NULL;
    case SIGFPE:
      return code == FPE_INTDIV ? "FPE_INTDIV (integer divide by zero)"
           : code == FPE_INTOVF ? "FPE_INTOVF (integer overflow)"
           : code == FPE_FLTDIV ? "FPE_FLTDIV (floating-point divide by zero)"
           : code == FPE_FLTINV ? "FPE_FLTINV (invalid floating-point operation)" : NULL;
    case SIGILL:
      return code == ILL_ILLOPC ? "ILL_ILLOPC (illegal opcode)"
           : code == ILL_ILLOPN ? "ILL_ILLOPN (illegal operand)"
           : code == ILL_PRVOPC ? "ILL_PRVOPC (privileged opcode)" : NULL;
    case SIGTRAP:
      return code == TRAP_BRKPT ? "TRAP_BRKPT (breakpoint)" : NULL;
    case SIGSYS:
      return code == 1 ? "SYS_SECCOMP (blocked system call)" : NULL;   /* SYS_SECCOMP */
    default:
      return NULL;
    }
}

/**
 * tally_crash_describe_signal:
 *
 * Returns: (transfer full): one line about the signal
 */
char *
tally_crash_describe_signal (int     signum,
                             int     code,
                             guint64 address)
{
  GString *out = g_string_new (NULL);
  const char *abbrev = sigabbrev_np (signum);
  const char *how = code_name (signum, code);

  g_string_append_printf (out, "SIG%s (%s)", abbrev ? abbrev : "?", g_strsignal (signum));
  if (how != NULL)
    g_string_append_printf (out, ", %s", how);
  else
    g_string_append_printf (out, ", si_code %d", code);
  /* The faulting address means something only when the kernel sent it. */
  if (code > 0 && (signum == SIGSEGV || signum == SIGBUS || signum == SIGILL || signum == SIGFPE))
    g_string_append_printf (out, " at address 0x%" G_GINT64_MODIFIER "x", address);

  return g_string_free (out, FALSE);
}

#ifdef HAVE_LIBDW

static char *debuginfo_path;

/* libdw, and the libraries it brings (libelf, liblzma, libbz2), are
 * opened the first time a crash is symbolized rather than at every start
 * of tally: mapping them cost each start 1–2 ms of CPU on a small VM.
 * Without them a backtrace has raw addresses. */
static struct
{
  __typeof__ (dwarf_attr) *dwarf_attr;
  __typeof__ (dwarf_diename) *dwarf_diename;
  __typeof__ (dwarf_filesrc) *dwarf_filesrc;
  __typeof__ (dwarf_formudata) *dwarf_formudata;
  __typeof__ (dwarf_getscopes) *dwarf_getscopes;
  __typeof__ (dwarf_getsrcfiles) *dwarf_getsrcfiles;
  __typeof__ (dwarf_tag) *dwarf_tag;
  __typeof__ (dwfl_addrmodule) *dwfl_addrmodule;
  __typeof__ (dwfl_begin) *dwfl_begin;
  __typeof__ (dwfl_end) *dwfl_end;
  __typeof__ (dwfl_lineinfo) *dwfl_lineinfo;
  __typeof__ (dwfl_linux_proc_find_elf) *dwfl_linux_proc_find_elf;
  __typeof__ (dwfl_linux_proc_maps_report) *dwfl_linux_proc_maps_report;
  __typeof__ (dwfl_module_addrdie) *dwfl_module_addrdie;
  __typeof__ (dwfl_module_addrname) *dwfl_module_addrname;
  __typeof__ (dwfl_module_getsrc) *dwfl_module_getsrc;
  __typeof__ (dwfl_module_info) *dwfl_module_info;
  __typeof__ (dwfl_report_begin) *dwfl_report_begin;
  __typeof__ (dwfl_report_end) *dwfl_report_end;
  __typeof__ (dwfl_standard_find_debuginfo) *dwfl_standard_find_debuginfo;
} dw;

#define LIBDW_FUNCTIONS(X) \
  X (dwarf_attr) \
  X (dwarf_diename) \
  X (dwarf_filesrc) \
  X (dwarf_formudata) \
  X (dwarf_getscopes) \
  X (dwarf_getsrcfiles) \
  X (dwarf_tag) \
  X (dwfl_addrmodule) \
  X (dwfl_begin) \
  X (dwfl_end) \
  X (dwfl_lineinfo) \
  X (dwfl_linux_proc_find_elf) \
  X (dwfl_linux_proc_maps_report) \
  X (dwfl_module_addrdie) \
  X (dwfl_module_addrname) \
  X (dwfl_module_getsrc) \
  X (dwfl_module_info) \
  X (dwfl_report_begin) \
  X (dwfl_report_end) \
  X (dwfl_standard_find_debuginfo)

static Dwfl_Callbacks dwfl_callbacks = {
  .debuginfo_path = &debuginfo_path,
};

static gboolean
libdw_load (void)
{
  static gsize loaded;
  static gboolean usable;

  if (g_once_init_enter (&loaded))
    {
      void *handle = dlopen ("libdw.so.1", RTLD_NOW | RTLD_LOCAL);

      usable = handle != NULL;
#define LOAD_ONE(name) \
      if (usable && (dw.name = (__typeof__ (dw.name)) dlsym (handle, #name)) == NULL) \
        usable = FALSE;
      LIBDW_FUNCTIONS (LOAD_ONE)
#undef LOAD_ONE
      dwfl_callbacks.find_elf = dw.dwfl_linux_proc_find_elf;
      dwfl_callbacks.find_debuginfo = dw.dwfl_standard_find_debuginfo;
      g_once_init_leave (&loaded, 1);
    }
  return usable;
}

/* The lines of @crash's maps that belong to a file some frame is in:
 * reporting only those modules spares libdwfl the others (a worker maps
 * dozens of libraries; a backtrace touches a few). */
static char *
maps_of_frames (const TallyCrashInfo *crash)
{
  g_auto(GStrv) lines = g_strsplit (crash->maps ? crash->maps : "", "\n", -1);
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  GString *kept = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 start, end;
      const char *path = strchr (lines[i], '/');

      if (path == NULL || sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x", &start, &end) != 2)
        continue;
      for (guint f = 0; f < crash->n_frames; f++)
        if (crash->frames[f] >= start && crash->frames[f] < end)
          g_hash_table_add (paths, (gpointer) path);
    }
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *path = strchr (lines[i], '/');

      if (path != NULL && g_hash_table_contains (paths, path))
        g_string_append_printf (kept, "%s\n", lines[i]);
    }
  return g_string_free (kept, FALSE);
}

static Dwfl *
dwfl_for_crash (const TallyCrashInfo *crash)
{
  g_autofree char *maps = NULL;
  Dwfl *dwfl;
  FILE *stream;

  if (!libdw_load ())
    return NULL;
  maps = maps_of_frames (crash);

  /* Debug info comes from this machine only: never ask a debuginfod
   * server (one request per library, over the network) for it. */
  if (g_getenv ("DEBUGINFOD_URLS") != NULL)
    g_unsetenv ("DEBUGINFOD_URLS");

  dwfl = dw.dwfl_begin (&dwfl_callbacks);
  if (dwfl == NULL)
    return NULL;
  stream = fmemopen (maps, strlen (maps), "r");
  if (stream == NULL)
    {
      dw.dwfl_end (dwfl);
      return NULL;
    }
  dw.dwfl_report_begin (dwfl);
  dw.dwfl_linux_proc_maps_report (dwfl, stream);
  dw.dwfl_report_end (dwfl, NULL, NULL);
  fclose (stream);

  return dwfl;
}

typedef struct
{
  GString *out;
  guint number;
  char *file;               /* the crash's place: see is_own_code() */
  int line;
} Backtrace;

/* Frames in these are GLib's, the C library's or Tally's, not the code
 * under test: a crash's place is the innermost frame outside them. */
static gboolean
is_own_code (const char *module)
{
  static const char * const others[] = {
    "libc.so", "ld-linux", "libglib-2.0.so", "libgobject-2.0.so", "libgio-2.0.so",
    "libtally-1.so", "libasan.so", "libubsan.so", "libstdc++.so", "libgcc_s.so",
  };

  if (module == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    if (g_str_has_prefix (module, others[i]))
      return FALSE;
  return TRUE;
}

static void
append_line (Backtrace  *bt,
             const char *function,
             const char *file,
             int         line,
             const char *module,
             guint64     offset)
{
  GString *out = bt->out;

  if (bt->file == NULL && file != NULL && line > 0 && is_own_code (module))
    {
      bt->file = g_strdup (file);
      bt->line = line;
    }
  g_string_append_printf (out, "#%-2u %s", bt->number++, function ? function : "??");
  if (file != NULL && line > 0)
    g_string_append_printf (out, " at %s:%d", file, line);
  if (module != NULL)
    g_string_append_printf (out, " (%s+0x%" G_GINT64_MODIFIER "x)", module, offset);
  g_string_append_c (out, '\n');
}

/* The functions inlined at @pc, innermost first, each shown where the
 * code is, then its caller where the call was: what gdb shows, so that a
 * static helper the compiler inlined keeps its own name and line. Returns
 * the outermost function's name and call site, for the real frame. */
static void
append_inlined (Backtrace   *bt,
                Dwfl_Module *module,
                Dwarf_Addr   pc,
                const char **file,
                int         *line,
                const char  *module_name,
                guint64      offset)
{
  Dwarf_Addr bias = 0;
  Dwarf_Die *cudie = dw.dwfl_module_addrdie (module, pc, &bias);
  Dwarf_Die *scopes = NULL;
  Dwarf_Files *files = NULL;
  int n = cudie ? dw.dwarf_getscopes (cudie, pc - bias, &scopes) : 0;

  if (n <= 0 || dw.dwarf_getsrcfiles (cudie, &files, NULL) != 0)
    {
      free (scopes);
      return;
    }
  for (int i = 0; i < n; i++)
    {
      Dwarf_Attribute attr;
      Dwarf_Word call_file = 0, call_line = 0;

      if (dw.dwarf_tag (&scopes[i]) != DW_TAG_inlined_subroutine)
        continue;
      append_line (bt, dw.dwarf_diename (&scopes[i]), *file, *line, module_name, offset);
      /* The caller's frame is at this inlined call. */
      if (dw.dwarf_formudata (dw.dwarf_attr (&scopes[i], DW_AT_call_file, &attr), &call_file) == 0
          && dw.dwarf_formudata (dw.dwarf_attr (&scopes[i], DW_AT_call_line, &attr), &call_line) == 0)
        {
          *file = dw.dwarf_filesrc (files, call_file, NULL, NULL);
          *line = (int) call_line;
        }
    }
  free (scopes);
}

static void
append_frame (Backtrace *bt,
              Dwfl      *dwfl,
              guint64    address,
              gboolean   exact)
{
  /* A return address points after the call: look up the call itself. */
  Dwarf_Addr pc = exact ? address : address - 1;
  Dwfl_Module *module = dwfl ? dw.dwfl_addrmodule (dwfl, pc) : NULL;
  const char *function = module ? dw.dwfl_module_addrname (module, pc) : NULL;
  Dwfl_Line *line = module ? dw.dwfl_module_getsrc (module, pc) : NULL;
  const char *module_name = NULL;
  const char *file = NULL;
  Dwarf_Addr start = 0;
  int lineno = 0;

  if (module == NULL)
    {
      g_string_append_printf (bt->out, "#%-2u ?? (0x%" G_GINT64_MODIFIER "x)\n", bt->number++, address);
      return;
    }
  module_name = dw.dwfl_module_info (module, NULL, &start, NULL, NULL, NULL, NULL, NULL);
  if (module_name != NULL && strrchr (module_name, '/') != NULL)
    module_name = strrchr (module_name, '/') + 1;
  if (line != NULL)
    file = dw.dwfl_lineinfo (line, NULL, &lineno, NULL, NULL, NULL);
  append_inlined (bt, module, pc, &file, &lineno, module_name, address - start);
  append_line (bt, function, file, lineno, module_name, address - start);
}

#endif

/**
 * tally_crash_symbolize:
 * @crash: a crash report
 * @file: (out) (optional) (transfer full) (nullable): where the crash
 *   happened: the innermost frame with a source location outside GLib,
 *   the C library and Tally
 * @line: (out) (optional): its line
 *
 * Returns: (transfer full): the backtrace, one frame a line
 */
char *
tally_crash_symbolize (const TallyCrashInfo  *crash,
                       char                 **file,
                       int                   *line)
{
  Backtrace bt = { g_string_new (NULL), 0, NULL, 0 };
#ifdef HAVE_LIBDW
  Dwfl *dwfl = dwfl_for_crash (crash);

  for (guint i = 0; i < crash->n_frames; i++)
    append_frame (&bt, dwfl, crash->frames[i], i == 0);
  if (dwfl != NULL)
    dw.dwfl_end (dwfl);
#else
  for (guint i = 0; i < crash->n_frames; i++)
    g_string_append_printf (bt.out, "#%-2u 0x%" G_GINT64_MODIFIER "x\n", i, crash->frames[i]);
#endif

  if (file != NULL)
    *file = g_steal_pointer (&bt.file);
  if (line != NULL)
    *line = bt.line;
  g_free (bt.file);
  return g_string_free (bt.out, FALSE);
}

/**
 * tally_crash_preload_library:
 *
 * This build's libtally-1 for a `tally` run from its build directory,
 * else the installed one; NULL when there is none, and in sanitizer
 * builds (an instrumented library preloaded ahead of the sanitizer's
 * runtime makes it refuse to start).
 *
 * Returns: (nullable): the path
 */
const char *
tally_crash_preload_library (void)
{
  static gsize done;
  static char *path;

  if (g_once_init_enter (&done))
    {
#if !defined(__SANITIZE_ADDRESS__)
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      gboolean in_build = self != NULL && g_str_has_prefix (self, TALLY_BUILD_ROOT "/");
      g_autofree char *candidate = g_build_filename (in_build ? TALLY_BUILD_LIBDIR : TALLY_LIBDIR,
                                                     "libtally-1.so.0", NULL);

      if (g_file_test (candidate, G_FILE_TEST_EXISTS))
        path = g_steal_pointer (&candidate);
#endif
      g_once_init_leave (&done, 1);
    }
  return path;
}
