/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "tally-store-private.h"

G_BEGIN_DECLS

/* Listings kept in the results database (the `listings` table) and
 * reused while the program's file is the same: path, size, mtime and ELF
 * build id (see tally-listing-cache.c). Lookups and stores are
 * thread-safe (discovery lists programs in a thread pool); loading and
 * saving use the store on the caller's thread. */
typedef struct _TallyListingCache TallyListingCache;
/* What identified a program's file when it was looked up. */
typedef struct _TallyListingId TallyListingId;

TallyListingCache *tally_listing_cache_new    (void);
void               tally_listing_cache_free   (TallyListingCache *cache);
gboolean           tally_listing_cache_load   (TallyListingCache *cache,
                                               TallyStore        *store,
                                               GError           **error);
/* Writes what was listed anew and drops what was found corrupt. */
gboolean           tally_listing_cache_save   (TallyListingCache *cache,
                                               TallyStore        *store,
                                               GError           **error);

/* The key of a listing: the flag, the program and how it is started
 * (arguments, environment, working directory, as a checksum). */
char              *tally_listing_cache_key    (const char         *flag,
                                               const char         *path,
                                               const char * const *args,
                                               const char * const *envp,
                                               const char         *workdir);
/* The cached listing of @key if @path is still the file it was listed
 * from, else NULL. *@id (free with tally_listing_id_free(); NULL when
 * @path cannot be read) is the file's identity now, for a store. */
GBytes            *tally_listing_cache_lookup (TallyListingCache  *cache,
                                               const char         *key,
                                               const char         *path,
                                               TallyListingId    **id);
/* Keeps @data under @key for the file @id (taken) identified. */
void               tally_listing_cache_store  (TallyListingCache  *cache,
                                               const char         *key,
                                               TallyListingId     *id,
                                               GBytes             *data);
/* A cached listing that did not parse: never used again. */
void               tally_listing_cache_forget (TallyListingCache  *cache,
                                               const char         *key);
void               tally_listing_id_free      (TallyListingId     *id);
/* Lookups answered from the cache, and lookups that were not. */
void               tally_listing_cache_get_stats (TallyListingCache *cache,
                                                  guint             *hits,
                                                  guint             *misses);
/* The hex build id of an ELF file (.note.gnu.build-id), or NULL. */
char              *tally_elf_build_id         (const char         *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyListingCache, tally_listing_cache_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyListingId, tally_listing_id_free)

G_END_DECLS
