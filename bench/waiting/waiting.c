/* A waiting-heavy GTest program for bench/compare-installed-tests
 * (docs/performance.md): its cases spend their time waiting the way
 * GLib projects' tests do, on sockets, timeouts, child processes or a
 * private D-Bus bus, and use little CPU. Built 8 times per kind with
 * WAIT_KIND (0 socket, 1 timeout, 2 subprocess, 3 D-Bus) and
 * WAIT_VARIANT (0–7: longer waits). */
#include <gio/gio.h>

#define DELAY_MS (150 + 25 * WAIT_VARIANT)

/* Iterates a loop on a context of the case's own until @done. */
static G_GNUC_UNUSED void
wait_for (GMainContext *context,
          gboolean     *done)
{
  while (!*done)
    g_main_context_iteration (context, TRUE);
}

#if WAIT_KIND == 0
/* A server that answers each line after DELAY_MS, on localhost. */
typedef struct
{
  GSocketConnection *connection;
  char buf[64];
} Peer;

static gboolean
on_reply_cb (gpointer data)
{
  Peer *peer = data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (peer->connection));

  g_output_stream_write_all (out, "pong\n", 5, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (peer->connection), NULL, NULL);
  g_object_unref (peer->connection);
  g_free (peer);
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming_cb (GSocketService     *service,
                GSocketConnection  *connection,
                GObject            *source,
                gpointer            data)
{
  Peer *peer = g_new0 (Peer, 1);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));

  peer->connection = g_object_ref (connection);
  g_input_stream_read (in, peer->buf, 5, NULL, NULL);
  g_timeout_add (DELAY_MS, on_reply_cb, peer);
  return TRUE;
}

static void
on_read_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  *done = TRUE;
}

static void
test_round_trip (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  char buf[16];
  gboolean done = FALSE;
  guint16 port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);

  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_cb), NULL);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             "ping\n", 5, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             buf, sizeof buf, G_PRIORITY_DEFAULT, NULL, on_read_cb, &done);
  wait_for (NULL, &done);
  g_socket_service_stop (service);
}
#define N_CASES 4
#define TEST_FUNC test_round_trip

#elif WAIT_KIND == 1
static gboolean
on_quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* A loop that waits for a timeout, as tests of timeouts and retries do. */
static void
test_timeout (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (DELAY_MS + 50, on_quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, (DELAY_MS + 50) * 1000);
}
#define N_CASES 5
#define TEST_FUNC test_timeout

#elif WAIT_KIND == 2
/* A child that takes its time, waited for asynchronously. */
static void
on_waited_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_child (void)
{
  g_autofree char *seconds = g_strdup_printf ("%.3f", DELAY_MS / 1000.0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                                   "sh", "-c", "sleep \"$0\"; echo done", seconds, NULL);
  gboolean done = FALSE;

  g_assert_no_error (error);
  g_subprocess_wait_check_async (child, NULL, on_waited_cb, &done);
  wait_for (NULL, &done);
}
#define N_CASES 4
#define TEST_FUNC test_child

#else
/* A service on a private bus (GTestDBus starts a dbus-daemon) that
 * answers after DELAY_MS. */
static GTestDBus *bus;

static const char introspection[] =
  "<node><interface name='org.tally.Bench'><method name='Ping'>"
  "<arg type='s' direction='out'/></method></interface></node>";

static gboolean
on_answer_cb (gpointer data)
{
  g_dbus_method_invocation_return_value (data, g_variant_new ("(s)", "pong"));
  return G_SOURCE_REMOVE;
}

static void
on_method_call (GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *method, GVariant *parameters,
                GDBusMethodInvocation *invocation, gpointer data)
{
  g_timeout_add (DELAY_MS, on_answer_cb, invocation);
}

static const GDBusInterfaceVTable vtable = { on_method_call, NULL, NULL, { 0 } };

static void
on_called_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reply);
  *done = TRUE;
}

static void
test_call (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) service = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_autoptr(GDBusConnection) client = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, &error);
  gboolean done = FALSE;
  guint id;

  g_assert_no_error (error);
  id = g_dbus_connection_register_object (service, "/bench", info->interfaces[0], &vtable,
                                          NULL, NULL, &error);
  g_assert_no_error (error);
  client = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_call (client, g_dbus_connection_get_unique_name (service), "/bench",
                          "org.tally.Bench", "Ping", NULL, G_VARIANT_TYPE ("(s)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_called_cb, &done);
  wait_for (NULL, &done);
  g_dbus_connection_unregister_object (service, id);
}
#define N_CASES 4
#define TEST_FUNC test_call
#endif

int
main (int argc, char **argv)
{
  int status;
  gboolean listing = FALSE;

  for (int i = 1; i < argc; i++)
    listing |= g_str_equal (argv[i], "-l");
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < N_CASES; i++)
    {
      g_autofree char *path = g_strdup_printf ("/waiting/%d/%d/%02u", WAIT_KIND, WAIT_VARIANT, i);
      g_test_add_func (path, TEST_FUNC);
    }
#if WAIT_KIND == 3
  if (listing)
    return g_test_run ();
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
#endif
  status = g_test_run ();
#if WAIT_KIND == 3
  g_test_dbus_down (bus);
  g_clear_object (&bus);
#endif
  (void) listing;
  return status;
}
