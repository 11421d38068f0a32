/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined (TALLY_INSIDE) && !defined (TALLY_COMPILATION)
# error "Only <tally.h> can be included directly."
#endif

#include "tally-test.h"

G_BEGIN_DECLS

/**
 * TallyTestFunc:
 * @test: the running test
 * @data: the data given at registration
 *
 * The body of a test without a fixture.
 */
typedef void (*TallyTestFunc) (TallyTest     *test,
                               gconstpointer  data);

/**
 * TallyFixtureFunc:
 * @test: the running test
 * @fixture: zero-filled memory of the size given at registration
 * @data: the data given at registration
 *
 * Setup, body or teardown of a test with a fixture.
 */
typedef void (*TallyFixtureFunc) (TallyTest     *test,
                                  gpointer       fixture,
                                  gconstpointer  data);

/**
 * TallyWorkerSetupFunc:
 * @error: return location for a #GError
 *
 * Sets up a per-worker fixture. It runs once in each process that runs
 * tests, on the fixture thread, whose thread-default #GMainContext keeps
 * running while tests run: a server set up here keeps serving.
 *
 * Returns: (transfer full) (nullable): the fixture, or %NULL with @error set
 */
typedef gpointer (*TallyWorkerSetupFunc) (GError **error);

/**
 * TallyParam:
 * @name: the name that goes between brackets in the test path
 * @data: the datum the test receives
 * @markers: (nullable): markers of this param's test only, added to the
 *   markers shared by all the params, e.g. `"slow"` or `"xfail=bug 12"`
 *
 * One datum of a parametrized test.
 */
typedef struct
{
  const char    *name;
  gconstpointer  data;
  const char    *markers;
} TallyParam;

void     tally_add_full             (const char           *path,
                                     gsize                 fixture_size,
                                     gconstpointer         data,
                                     TallyFixtureFunc      setup,
                                     TallyFixtureFunc      body,
                                     TallyFixtureFunc      teardown,
                                     const char           *markers,
                                     const char           *file,
                                     int                   line);
void     tally_add_func_full        (const char           *path,
                                     TallyTestFunc         func,
                                     gconstpointer         data,
                                     const char           *markers,
                                     const char           *file,
                                     int                   line);
void     tally_add_params_full      (const char           *path,
                                     TallyTestFunc         func,
                                     const TallyParam     *params,
                                     gsize                 n_params,
                                     const char           *markers,
                                     const char           *file,
                                     int                   line);
void     tally_add_params_fixture_full (const char        *path,
                                        gsize              fixture_size,
                                        TallyFixtureFunc   setup,
                                        TallyFixtureFunc   body,
                                        TallyFixtureFunc   teardown,
                                        const TallyParam  *params,
                                        gsize              n_params,
                                        const char        *markers,
                                        const char        *file,
                                        int                line);
void     tally_declare_marker       (const char           *name,
                                     const char           *description);
void     tally_add_worker_fixture   (const char           *name,
                                     TallyWorkerSetupFunc  setup,
                                     GDestroyNotify        teardown);
gpointer tally_test_use_worker_fixture (TallyTest         *test,
                                        const char        *name);

/**
 * tally_add:
 * @path: the test path, starting with `/`
 * @func: a #TallyTestFunc
 * @markers: (nullable): markers such as `"slow timeout=5 group=db"`
 *
 * Registers a test. The file and line of the call are recorded.
 */
#define tally_add(path, func, markers) \
  tally_add_func_full ((path), (func), NULL, (markers), __FILE__, __LINE__)

/**
 * tally_add_data:
 * @path: the test path, starting with `/`
 * @func: a #TallyTestFunc
 * @data: the datum @func receives
 * @markers: (nullable): markers
 *
 * Registers a test with data.
 */
#define tally_add_data(path, func, data, markers) \
  tally_add_func_full ((path), (func), (data), (markers), __FILE__, __LINE__)

/**
 * tally_add_fixture:
 * @path: the test path
 * @Fixture: the fixture type; zero-filled memory of its size is given to
 *   setup, body and teardown
 * @data: the datum the functions receive
 * @setup: (nullable): a #TallyFixtureFunc
 * @body: a #TallyFixtureFunc
 * @teardown: (nullable): a #TallyFixtureFunc; it runs whenever setup ran,
 *   even when the body failed
 * @markers: (nullable): markers
 *
 * Registers a test with a fixture, like g_test_add().
 */
#define tally_add_fixture(path, Fixture, data, setup, body, teardown, markers) \
  tally_add_full ((path), sizeof (Fixture), (data),                          \
                  (TallyFixtureFunc) (void (*) (TallyTest *, Fixture *, gconstpointer)) (setup), \
                  (TallyFixtureFunc) (void (*) (TallyTest *, Fixture *, gconstpointer)) (body), \
                  (TallyFixtureFunc) (void (*) (TallyTest *, Fixture *, gconstpointer)) (teardown), \
                  (markers), __FILE__, __LINE__)

/**
 * tally_add_params:
 * @path: the path prefix; each test is `PATH/[NAME]`
 * @func: a #TallyTestFunc, called with each param's data
 * @params: an array of #TallyParam
 * @markers: (nullable): markers shared by all the tests
 *
 * Registers one test per element of the static array @params.
 */
#define tally_add_params(path, func, params, markers) \
  tally_add_params_full ((path), (func), (params), G_N_ELEMENTS (params), \
                         (markers), __FILE__, __LINE__)

/**
 * tally_add_params_fixture:
 * @path: the path prefix; each test is `PATH/[NAME]`
 * @Fixture: the fixture type, as for tally_add_fixture()
 * @setup: (nullable): `void setup (TallyTest *, Fixture *, gconstpointer)`
 * @body: the test, called with each param's data
 * @teardown: (nullable): the teardown
 * @params: an array of #TallyParam
 * @markers: (nullable): markers shared by all the tests
 *
 * Registers one test with a fixture per element of the static array of
 * params; setup, body and teardown get the param's data.
 */
#define tally_add_params_fixture(path, Fixture, setup, body, teardown, params, markers) \
  tally_add_params_fixture_full ((path), sizeof (Fixture),                  \
                  (TallyFixtureFunc) (void (*) (TallyTest *, Fixture *, gconstpointer)) (setup), \
                  (TallyFixtureFunc) (void (*) (TallyTest *, Fixture *, gconstpointer)) (body), \
                  (TallyFixtureFunc) (void (*) (TallyTest *, Fixture *, gconstpointer)) (teardown), \
                  (params), G_N_ELEMENTS (params), (markers), __FILE__, __LINE__)

G_END_DECLS
