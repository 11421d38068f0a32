/* tally-listing-cache.c — listings reused while the program is the same
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Listing GLib's 287 installed test programs runs each of them (7–9 s of
 * a rerun before the first test). A listing depends on the program's
 * file and on how it is started, so it is kept under a key made of the
 * flag, the canonical path and a checksum of arguments, environment and
 * working directory, with the file's size, mtime (ns) and ELF build id:
 * any of them changing (a rebuild, a touch, a reinstall) lists it again.
 * The build id is read from the file's PT_NOTE segments (a few reads of
 * small headers), so a rebuild that keeps size and mtime is still seen.
 */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tally-listing-cache-private.h"

struct _TallyListingId
{
  char *path;                   /* canonical */
  gint64 size;
  gint64 mtime_ns;
  char *build_id;               /* nullable */
};

struct _TallyListingCache
{
  GMutex lock;
  GHashTable *entries;          /* key → TallyStoredListing */
  GHashTable *dirty;            /* keys to write */
  GHashTable *forgotten;        /* keys to delete */
  guint hits;
  guint misses;
};

TallyListingCache *
tally_listing_cache_new (void)
{
  TallyListingCache *cache = g_new0 (TallyListingCache, 1);

  g_mutex_init (&cache->lock);
  cache->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) tally_stored_listing_free);
  cache->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  cache->forgotten = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return cache;
}

void
tally_listing_cache_free (TallyListingCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->entries);
  g_hash_table_unref (cache->dirty);
  g_hash_table_unref (cache->forgotten);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

void
tally_listing_id_free (TallyListingId *id)
{
  if (id == NULL)
    return;
  g_free (id->path);
  g_free (id->build_id);
  g_free (id);
}

gboolean
tally_listing_cache_load (TallyListingCache  *cache,
                          TallyStore         *store,
                          GError            **error)
{
  g_autoptr(GPtrArray) rows = tally_store_load_listings (store, error);

  if (rows == NULL)
    return FALSE;
  g_mutex_lock (&cache->lock);
  for (guint i = 0; i < rows->len; i++)
    {
      TallyStoredListing *row = g_steal_pointer (&rows->pdata[i]);

      g_hash_table_replace (cache->entries, row->key, row);
    }
  g_mutex_unlock (&cache->lock);
  return TRUE;
}

gboolean
tally_listing_cache_save (TallyListingCache  *cache,
                          TallyStore         *store,
                          GError            **error)
{
  GHashTableIter iter;
  gpointer key;
  gboolean ok = TRUE;

  g_mutex_lock (&cache->lock);
  g_hash_table_iter_init (&iter, cache->forgotten);
  while (ok && g_hash_table_iter_next (&iter, &key, NULL))
    ok = tally_store_delete_listing (store, key, error);
  g_hash_table_iter_init (&iter, cache->dirty);
  while (ok && g_hash_table_iter_next (&iter, &key, NULL))
    {
      TallyStoredListing *listing = g_hash_table_lookup (cache->entries, key);

      if (listing != NULL)
        ok = tally_store_put_listing (store, listing, error);
    }
  if (ok)
    {
      g_hash_table_remove_all (cache->forgotten);
      g_hash_table_remove_all (cache->dirty);
    }
  g_mutex_unlock (&cache->lock);
  return ok;
}

/* Variables that differ between shells and sessions without telling
 * anything to a test program's listing: left out of the key, or no
 * listing would outlive the terminal it was made in. */
static gboolean
is_volatile_variable (const char *assignment)
{
  static const char * const names[] = {
    "PWD", "OLDPWD", "SHLVL", "_", "TERM", "COLORTERM", "COLUMNS", "LINES", "LS_COLORS",
    "PS1", "PS2", "PROMPT_COMMAND", "HISTFILE", "HISTSIZE", "WINDOWID", "INVOCATION_ID",
    "JOURNAL_STREAM", "SSH_AUTH_SOCK", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY",
    "SSH_AGENT_PID", "GPG_AGENT_INFO", "TMUX", "TMUX_PANE", "STY", "MAIL",
    "XDG_SESSION_ID", "XDG_VTNR", "XDG_SEAT", "DISPLAY", "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS", "MALLOC_PERTURB_", "VTE_VERSION", "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION", "TERM_SESSION_ID", "KONSOLE_DBUS_SESSION", "GNOME_TERMINAL_SCREEN",
    "GNOME_TERMINAL_SERVICE", "LESSOPEN", "LESSCLOSE",
  };
  const char *eq = strchr (assignment, '=');
  gsize len = eq ? (gsize) (eq - assignment) : strlen (assignment);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strlen (names[i]) == len && strncmp (assignment, names[i], len) == 0)
      return TRUE;
  return FALSE;
}

static void
checksum_strv (GChecksum          *sum,
               const char * const *strv,
               gboolean            skip_volatile)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (!skip_volatile || !is_volatile_variable (strv[i]))
      g_checksum_update (sum, (const guchar *) strv[i], strlen (strv[i]) + 1);
  g_checksum_update (sum, (const guchar *) "\1", 1);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
tally_listing_cache_key (const char         *flag,
                         const char         *path,
                         const char * const *args,
                         const char * const *envp,
                         const char         *workdir)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autofree char *cwd = workdir ? g_strdup (workdir) : g_get_current_dir ();
  g_auto(GStrv) inherited = g_get_environ ();

  /* What the listing inherits counts as much as what it is given: a
   * program may list other tests under another environment (each part
   * with its NUL: "a" "bc" and "ab" "c" differ). */
  qsort (inherited, g_strv_length (inherited), sizeof (char *), compare_strings);
  checksum_strv (sum, args, FALSE);
  checksum_strv (sum, envp, FALSE);
  checksum_strv (sum, (const char * const *) inherited, TRUE);
  g_checksum_update (sum, (const guchar *) cwd, strlen (cwd) + 1);
  return g_strdup_printf ("%s %s %s", flag, g_checksum_get_string (sum), absolute);
}

/* ------------------------------------------------------------------ */
/* ELF build id                                                        */

static gboolean
read_at (int     fd,
         void   *buf,
         gsize   len,
         guint64 offset)
{
  return pread (fd, buf, len, (off_t) offset) == (gssize) len;
}

/* The GNU build-id note among the notes of one PT_NOTE segment. */
static char *
find_build_id (const guint8 *notes,
               gsize         len)
{
  gsize at = 0;

  while (at + sizeof (Elf64_Nhdr) <= len)
    {
      const Elf64_Nhdr *note = (const Elf64_Nhdr *) (notes + at);
      gsize name_at = at + sizeof *note;
      gsize desc_at = name_at + ((note->n_namesz + 3) & ~3u);
      gsize next = desc_at + ((note->n_descsz + 3) & ~3u);

      if (next > len || desc_at > len)
        return NULL;
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4
          && memcmp (notes + name_at, "GNU", 4) == 0 && note->n_descsz > 0)
        {
          GString *hex = g_string_sized_new (note->n_descsz * 2);

          for (guint i = 0; i < note->n_descsz; i++)
            g_string_append_printf (hex, "%02x", notes[desc_at + i]);
          return g_string_free (hex, FALSE);
        }
      at = next;
    }
  return NULL;
}

char *
tally_elf_build_id (const char *path)
{
  Elf64_Ehdr header;
  char *id = NULL;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return NULL;
  /* 64-bit ELF of this machine's byte order (what runs here). */
  if (!read_at (fd, &header, sizeof header, 0) || memcmp (header.e_ident, ELFMAG, SELFMAG) != 0
      || header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_phentsize != sizeof (Elf64_Phdr)
      || header.e_phnum > 256)
    {
      close (fd);
      return NULL;
    }
  for (guint i = 0; i < header.e_phnum && id == NULL; i++)
    {
      Elf64_Phdr segment;
      g_autofree guint8 *notes = NULL;

      if (!read_at (fd, &segment, sizeof segment, header.e_phoff + (guint64) i * sizeof segment))
        break;
      if (segment.p_type != PT_NOTE || segment.p_filesz == 0 || segment.p_filesz > 64 * 1024)
        continue;
      notes = g_malloc (segment.p_filesz);
      if (read_at (fd, notes, segment.p_filesz, segment.p_offset))
        id = find_build_id (notes, segment.p_filesz);
    }
  close (fd);
  return id;
}

/* ------------------------------------------------------------------ */

static TallyListingId *
identify (const char *path)
{
  TallyListingId *id;
  struct stat st;

  if (stat (path, &st) < 0)
    return NULL;
  id = g_new0 (TallyListingId, 1);
  id->path = g_canonicalize_filename (path, NULL);
  id->size = st.st_size;
  id->mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
  id->build_id = tally_elf_build_id (path);
  return id;
}

GBytes *
tally_listing_cache_lookup (TallyListingCache  *cache,
                            const char         *key,
                            const char         *path,
                            TallyListingId    **id_out)
{
  TallyListingId *id = identify (path);
  TallyStoredListing *entry;
  GBytes *data = NULL;

  g_mutex_lock (&cache->lock);
  entry = g_hash_table_lookup (cache->entries, key);
  if (id != NULL && entry != NULL && !g_hash_table_contains (cache->forgotten, key)
      && entry->size == id->size && entry->mtime_ns == id->mtime_ns
      && g_strcmp0 (entry->build_id, id->build_id) == 0 && g_strcmp0 (entry->path, id->path) == 0)
    data = g_bytes_ref (entry->data);
  if (data != NULL)
    cache->hits++;
  else
    cache->misses++;
  g_mutex_unlock (&cache->lock);

  *id_out = id;
  return data;
}

/* Takes @id. */
void
tally_listing_cache_store (TallyListingCache *cache,
                           const char        *key,
                           TallyListingId    *id,
                           GBytes            *data)
{
  TallyStoredListing *entry;

  if (id == NULL)
    return;
  entry = g_new0 (TallyStoredListing, 1);
  entry->key = g_strdup (key);
  entry->path = g_strdup (id->path);
  entry->size = id->size;
  entry->mtime_ns = id->mtime_ns;
  entry->build_id = g_strdup (id->build_id);
  entry->data = g_bytes_ref (data);
  tally_listing_id_free (id);

  g_mutex_lock (&cache->lock);
  g_hash_table_remove (cache->forgotten, key);
  g_hash_table_replace (cache->entries, entry->key, entry);
  g_hash_table_add (cache->dirty, g_strdup (key));
  g_mutex_unlock (&cache->lock);
}

void
tally_listing_cache_forget (TallyListingCache *cache,
                            const char        *key)
{
  g_mutex_lock (&cache->lock);
  g_hash_table_add (cache->forgotten, g_strdup (key));
  g_hash_table_remove (cache->dirty, key);
  g_mutex_unlock (&cache->lock);
}

void
tally_listing_cache_get_stats (TallyListingCache *cache,
                               guint             *hits,
                               guint             *misses)
{
  g_mutex_lock (&cache->lock);
  *hits = cache->hits;
  *misses = cache->misses;
  g_mutex_unlock (&cache->lock);
}
