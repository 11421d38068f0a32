/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _TallyStoreCheckpointer TallyStoreCheckpointer;

TallyStoreCheckpointer *tally_store_checkpointer_new  (sqlite3                *db,
                                                       const char             *path);
void                    tally_store_checkpointer_poke (TallyStoreCheckpointer *self,
                                                       sqlite3                *db);
void                    tally_store_checkpointer_wake (TallyStoreCheckpointer *self);
void                    tally_store_checkpointer_free (TallyStoreCheckpointer *self);

G_END_DECLS
