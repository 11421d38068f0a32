/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Tally"

#include "config.h"

#include "tally-error.h"

G_DEFINE_QUARK (tally-error-quark, tally_error)
