/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * TALLY_ERROR:
 *
 * The error domain of Tally.
 */
#define TALLY_ERROR (tally_error_quark ())

/**
 * TallyError:
 * @TALLY_ERROR_FAILED: a generic failure
 * @TALLY_ERROR_PARSE: text that does not parse (markers, expressions, listings)
 * @TALLY_ERROR_INVALID: a valid-looking but unacceptable value
 * @TALLY_ERROR_NOT_FOUND: a test, run or file that does not exist
 * @TALLY_ERROR_PROTOCOL: a peer broke the worker protocol
 * @TALLY_ERROR_TIMED_OUT: a deadline passed
 * @TALLY_ERROR_CANCELLED: the operation was cancelled
 * @TALLY_ERROR_DATABASE: the results database failed or was refused
 * @TALLY_ERROR_NOT_A_TEST: a program that is not a test program
 *
 * Error codes in the %TALLY_ERROR domain.
 */
typedef enum
{
  TALLY_ERROR_FAILED,
  TALLY_ERROR_PARSE,
  TALLY_ERROR_INVALID,
  TALLY_ERROR_NOT_FOUND,
  TALLY_ERROR_PROTOCOL,
  TALLY_ERROR_TIMED_OUT,
  TALLY_ERROR_CANCELLED,
  TALLY_ERROR_DATABASE,
  TALLY_ERROR_NOT_A_TEST,
} TallyError;

/**
 * tally_error_quark:
 *
 * Gets the quark of the %TALLY_ERROR domain.
 *
 * Returns: the error domain of Tally
 */
GQuark tally_error_quark (void);

G_END_DECLS
