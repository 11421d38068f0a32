/* Scheduling samples: a group whose later steps take longer (history's
 * longest-first order would reverse it), singles to shuffle around it,
 * and a test that passes on its third try under its own retries=3. */
#define G_LOG_DOMAIN "SampleOrder"

#include <stdlib.h>

#include <tally.h>

/* Steps of one group run on one worker, in order: each checks that the
 * one before it ran just before. */
static guint last_step;

static void
test_step (TallyTest *t, gconstpointer data)
{
  guint step = GPOINTER_TO_UINT (data);

  g_usleep (step * 15 * 1000);
  tally_assert_cmpuint (last_step, ==, step - 1);
  last_step = step;
}

static void
test_single (TallyTest *t, gconstpointer data)
{
  tally_assert_true (TRUE);
}

/* Counts its attempts in $TALLY_SAMPLE_STATE (a file): passes on the
 * third. */
static void
test_third_time (TallyTest *t, gconstpointer data)
{
  const char *state = g_getenv ("TALLY_SAMPLE_STATE");
  g_autofree char *text = NULL;
  g_autofree char *next = NULL;
  guint attempts = 0;

  tally_assert_nonnull (state);
  if (g_file_get_contents (state, &text, NULL, NULL))
    attempts = atoi (text);
  attempts++;
  next = g_strdup_printf ("%u", attempts);
  tally_assert_true (g_file_set_contents (state, next, -1, NULL));
  tally_assert_cmpuint (attempts, >=, 3);
}

static void
register_tests (void)
{
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *single = g_strdup_printf ("/order/single/%u", i);
      g_autofree char *step = g_strdup_printf ("/order/steps/%u", i + 1);

      tally_add (single, test_single, NULL);
      tally_add_data (step, test_step, GUINT_TO_POINTER (i + 1), "group=steps");
    }
  tally_add ("/order/third-time", test_third_time, "retries=3");
}

TALLY_MAIN (register_tests)
