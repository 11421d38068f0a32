/* example-network.c — a TCP service and its clients, tested with Tally.
 *
 * Shows a GSocketService listening on 127.0.0.1, port 0 (the kernel picks a
 * free port, so parallel tests never collide), a GSocketClient talking to
 * it, and a clean shutdown that leaves no source behind; a per-worker
 * fixture (tally_add_worker_fixture()) running an echo server on its own
 * thread for several tests; a `serial` test for a machine-wide resource;
 * and a user marker, `net`, declared with tally_declare_marker(), so that
 * `-m "not net"` deselects the network tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Example"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>

#include <tally.h>

/* Adds 127.0.0.1:0 to @listener and returns the port the kernel chose. */
static gboolean
listen_on_loopback (GSocketListener  *listener,
                    guint16          *port,
                    GError          **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (!g_socket_listener_add_address (listener, any_port, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, error))
    return FALSE;

  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return TRUE;
}

/* ------------------------------------------------------------------------
 * A line-based client, every call awaited on the test's context
 * --------------------------------------------------------------------- */

typedef struct
{
  GSocketConnection *connection;
  GDataInputStream  *input;
} Client;

static Client *
client_connect (TallyTest *t,
                guint16    port)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  Client *client = g_new0 (Client, 1);

  g_socket_client_connect_to_host_async (socket_client, "127.0.0.1", port,
                                         tally_test_get_cancellable (t),
                                         tally_test_async_ready, t);
  client->connection = g_socket_client_connect_to_host_finish (socket_client,
                                                               tally_test_await (t),
                                                               &error);
  tally_assert_no_error (error);

  client->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (client->connection)));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (client->input), FALSE);

  return client;
}

static void
client_send (TallyTest  *t,
             Client     *client,
             const char *text)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_async (output, text, strlen (text), G_PRIORITY_DEFAULT,
                                   tally_test_get_cancellable (t),
                                   tally_test_async_ready, t);
  g_output_stream_write_all_finish (output, tally_test_await (t), NULL, &error);
  tally_assert_no_error (error);
}

/* Returns the next line without its newline, or NULL at end of stream. */
static char *
client_receive_line (TallyTest *t,
                     Client    *client)
{
  g_autoptr(GError) error = NULL;
  char *line;

  g_data_input_stream_read_line_async (client->input, G_PRIORITY_DEFAULT,
                                       tally_test_get_cancellable (t),
                                       tally_test_async_ready, t);
  line = g_data_input_stream_read_line_finish_utf8 (client->input, tally_test_await (t),
                                                    NULL, &error);
  tally_assert_no_error (error);

  return line;
}

static void
client_close (TallyTest *t,
              Client    *client)
{
  g_autoptr(GError) error = NULL;

  g_io_stream_close_async (G_IO_STREAM (client->connection), G_PRIORITY_DEFAULT,
                           tally_test_get_cancellable (t),
                           tally_test_async_ready, t);
  g_io_stream_close_finish (G_IO_STREAM (client->connection), tally_test_await (t), &error);
  tally_assert_no_error (error);

  g_object_unref (client->input);
  g_object_unref (client->connection);
  g_free (client);
}

/* ------------------------------------------------------------------------
 * A greeter service on the test's own context, as a per-test fixture:
 * it reads one line, NAME, answers "Hello, NAME!" and hangs up.
 * --------------------------------------------------------------------- */

typedef struct
{
  GSocketService *service;
  guint16         port;
  guint           accepted;   /* connections accepted so far */
  guint           sessions;   /* connections still being served */
} Greeter;

typedef struct
{
  Greeter           *greeter;
  GSocketConnection *connection;
  GDataInputStream  *input;
  char              *reply;
} Session;

static void
session_end (Session *session)
{
  session->greeter->sessions--;
  g_object_unref (session->input);
  g_object_unref (session->connection);
  g_free (session->reply);
  g_free (session);
}

static void
on_session_closed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  session_end (user_data);
}

static void
session_hang_up (Session *session)
{
  g_io_stream_close_async (G_IO_STREAM (session->connection), G_PRIORITY_DEFAULT,
                           NULL, on_session_closed_cb, session);
}

static void
on_reply_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  session_hang_up (user_data);
}

static void
on_request_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Session *session = user_data;
  g_autofree char *name = NULL;
  GOutputStream *output;

  name = g_data_input_stream_read_line_finish_utf8 (session->input, result, NULL, NULL);
  if (name == NULL)
    {
      /* The client hung up without a word. */
      session_hang_up (session);
      return;
    }

  session->reply = g_strdup_printf ("Hello, %s!\n", name);
  output = g_io_stream_get_output_stream (G_IO_STREAM (session->connection));
  g_output_stream_write_all_async (output, session->reply, strlen (session->reply),
                                   G_PRIORITY_DEFAULT, NULL, on_reply_written_cb, session);
}

static gboolean
on_greeter_incoming_cb (GSocketService    *service,
                        GSocketConnection *connection,
                        GObject           *source_object,
                        gpointer           user_data)
{
  Greeter *greeter = user_data;
  Session *session = g_new0 (Session, 1);

  session->greeter = greeter;
  session->connection = g_object_ref (connection);
  session->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (session->input), FALSE);
  greeter->accepted++;
  greeter->sessions++;

  g_data_input_stream_read_line_async (session->input, G_PRIORITY_DEFAULT, NULL,
                                       on_request_read_cb, session);
  return TRUE;
}

static void
greeter_setup (TallyTest     *t,
               Greeter       *greeter,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Created while the test's context is thread-default, the service
   * accepts connections on it. */
  greeter->service = g_socket_service_new ();
  listen_on_loopback (G_SOCKET_LISTENER (greeter->service), &greeter->port, &error);
  tally_assert_no_error (error);

  g_signal_connect (greeter->service, "incoming", G_CALLBACK (on_greeter_incoming_cb), greeter);
}

static gboolean
greeter_is_idle (gpointer user_data)
{
  Greeter *greeter = user_data;

  return greeter->sessions == 0;
}

static void
greeter_teardown (TallyTest     *t,
                  Greeter       *greeter,
                  gconstpointer  data)
{
  /* Let the server finish its hang-ups, then stop accepting and close
   * the listening socket. Skip any of this and Tally reports the
   * sources left on the test's context. */
  tally_test_wait_until (t, greeter_is_idle, greeter);
  g_socket_service_stop (greeter->service);
  g_socket_listener_close (G_SOCKET_LISTENER (greeter->service));
  g_clear_object (&greeter->service);
}

static void
test_greeter_request_response (TallyTest     *t,
                               Greeter       *greeter,
                               gconstpointer  data)
{
  Client *client = client_connect (t, greeter->port);
  g_autofree char *reply = NULL;
  g_autofree char *after = NULL;

  client_send (t, client, "GLib\n");
  reply = client_receive_line (t, client);
  tally_assert_cmpstr (reply, ==, "Hello, GLib!");

  /* Then the server hangs up: end of stream. */
  after = client_receive_line (t, client);
  tally_assert_null (after);

  client_close (t, client);
}

static void
test_greeter_two_clients (TallyTest     *t,
                          Greeter       *greeter,
                          gconstpointer  data)
{
  Client *alice = client_connect (t, greeter->port);
  Client *bob = client_connect (t, greeter->port);
  g_autofree char *to_bob = NULL;
  g_autofree char *to_alice = NULL;

  /* Both connected at once; answered in the order they ask. */
  client_send (t, bob, "Bob\n");
  to_bob = client_receive_line (t, bob);
  client_send (t, alice, "Alice\n");
  to_alice = client_receive_line (t, alice);

  tally_assert_cmpstr (to_bob, ==, "Hello, Bob!");
  tally_assert_cmpstr (to_alice, ==, "Hello, Alice!");
  tally_assert_cmpuint (greeter->accepted, ==, 2);

  client_close (t, alice);
  client_close (t, bob);
}

static gboolean
greeter_served_one (gpointer user_data)
{
  Greeter *greeter = user_data;

  return greeter->accepted == 1 && greeter->sessions == 0;
}

static void
test_greeter_client_hangs_up (TallyTest     *t,
                              Greeter       *greeter,
                              gconstpointer  data)
{
  Client *client = client_connect (t, greeter->port);

  client_close (t, client);

  /* The server notices the end of stream and closes its side too. */
  tally_test_wait_until (t, greeter_served_one, greeter);
}

/* `serial`: a machine-wide resource. Some services publish their address
 * in a well-known file (a pid file, a D-Bus address file). Two tests doing
 * that at once would overwrite each other's file, so the test is marked
 * serial: nothing else runs on any worker meanwhile. `serial` covers one
 * run; the flock() makes other runs on the machine (a second build
 * directory, say) take turns too. */

static void
close_fd (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

static void
test_greeter_rendezvous_file (TallyTest     *t,
                              Greeter       *greeter,
                              gconstpointer  data)
{
  g_autofree char *lock_path = g_build_filename (g_get_tmp_dir (), "tally-example-greeter.lock", NULL);
  g_autoptr(GFile) port_file = g_file_new_build_filename (g_get_tmp_dir (), "tally-example-greeter.port", NULL);
  g_autofree char *port_text = g_strdup_printf ("%u\n", greeter->port);
  g_autofree char *published = NULL;
  g_autofree char *reply = NULL;
  g_autoptr(GError) error = NULL;
  guint64 port = 0;
  Client *client;
  int fd;

  fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  tally_assert_cmpint (fd, >=, 0);
  tally_test_add_cleanup (t, close_fd, GINT_TO_POINTER (fd));
  tally_assert_cmpint (flock (fd, LOCK_EX), ==, 0);

  /* The server side publishes its port ... */
  g_file_replace_contents_async (port_file, port_text, strlen (port_text), NULL, FALSE,
                                 G_FILE_CREATE_NONE, tally_test_get_cancellable (t),
                                 tally_test_async_ready, t);
  g_file_replace_contents_finish (port_file, tally_test_await (t), NULL, &error);
  tally_assert_no_error (error);

  /* ... and the client finds it there. */
  g_file_load_contents_async (port_file, tally_test_get_cancellable (t),
                              tally_test_async_ready, t);
  g_file_load_contents_finish (port_file, tally_test_await (t), &published, NULL, NULL, &error);
  tally_assert_no_error (error);
  g_file_delete (port_file, NULL, NULL);

  g_strchomp (published);
  tally_assert_true (g_ascii_string_to_unsigned (published, 10, 1, G_MAXUINT16, &port, &error));

  client = client_connect (t, (guint16) port);
  client_send (t, client, "rendezvous\n");
  reply = client_receive_line (t, client);
  tally_assert_cmpstr (reply, ==, "Hello, rendezvous!");
  client_close (t, client);
}

/* ------------------------------------------------------------------------
 * An echo server as a per-worker fixture.
 *
 * This is what a session-scoped pytest fixture becomes under pytest-xdist:
 * set up at most once per worker process, on first use, and shared by
 * every test that worker runs; torn down when the worker is done. It runs
 * on a thread of its own whose main context keeps iterating while tests
 * run, so it answers tests that block in tally_test_await() on theirs.
 * Tests must not depend on its state: each test may get a fresh one (in
 * another worker) or one that earlier tests have used.
 * --------------------------------------------------------------------- */

typedef struct
{
  GSocketService *service;
  guint16         port;
} EchoServer;

static void
on_echo_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GIOStream *connection = user_data;

  /* The client hung up (or reset): nothing to report. */
  g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, NULL);
  g_io_stream_close (connection, NULL, NULL);
  g_object_unref (connection);
}

static gboolean
on_echo_incoming_cb (GSocketService    *service,
                     GSocketConnection *connection,
                     GObject           *source_object,
                     gpointer           user_data)
{
  GIOStream *stream = G_IO_STREAM (connection);

  /* Copies what comes in back out until the client hangs up. */
  g_output_stream_splice_async (g_io_stream_get_output_stream (stream),
                                g_io_stream_get_input_stream (stream),
                                G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT,
                                NULL, on_echo_done_cb, g_object_ref (stream));
  return TRUE;
}

static void
echo_server_free (gpointer data)
{
  EchoServer *server = data;

  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  g_free (server);
}

/* Runs on the fixture thread, once per worker. */
static gpointer
echo_server_new (GError **error)
{
  EchoServer *server = g_new0 (EchoServer, 1);

  server->service = g_socket_service_new ();
  if (!listen_on_loopback (G_SOCKET_LISTENER (server->service), &server->port, error))
    {
      echo_server_free (server);
      return NULL;
    }
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_echo_incoming_cb), NULL);

  return server;
}

static void
test_echo_one_line (TallyTest     *t,
                    gconstpointer  data)
{
  EchoServer *server = tally_test_use_worker_fixture (t, "echo-server");
  Client *client = client_connect (t, server->port);
  g_autofree char *line = NULL;

  client_send (t, client, "ping\n");
  line = client_receive_line (t, client);
  tally_assert_cmpstr (line, ==, "ping");

  client_close (t, client);
}

static void
test_echo_many_lines (TallyTest     *t,
                      gconstpointer  data)
{
  EchoServer *server = tally_test_use_worker_fixture (t, "echo-server");
  Client *client = client_connect (t, server->port);
  g_autoptr(GString) burst = g_string_new (NULL);

  /* 500 lines in one write; they come back in order, however the
   * server's reads happen to split them. */
  for (guint i = 0; i < 500; i++)
    g_string_append_printf (burst, "line %u\n", i);
  client_send (t, client, burst->str);

  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *expected = g_strdup_printf ("line %u", i);
      g_autofree char *line = client_receive_line (t, client);

      tally_assert_cmpstr (line, ==, expected);
    }

  client_close (t, client);
}

static void
test_echo_interleaved_clients (TallyTest     *t,
                               gconstpointer  data)
{
  EchoServer *server = tally_test_use_worker_fixture (t, "echo-server");
  Client *clients[3];

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    clients[i] = client_connect (t, server->port);

  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
      {
        g_autofree char *message = g_strdup_printf ("client %u round %u\n", i, round);
        g_autofree char *line = NULL;

        client_send (t, clients[i], message);
        line = client_receive_line (t, clients[i]);
        tally_assert_cmpstr (line, ==, g_strchomp (message));
      }

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    client_close (t, clients[i]);
}

static void
register_tests (void)
{
  tally_declare_marker ("net", "talks TCP on the loopback interface");
  tally_add_worker_fixture ("echo-server", echo_server_new, echo_server_free);

  tally_add_fixture ("/examples/network/greeter/request-response", Greeter, NULL,
                     greeter_setup, test_greeter_request_response, greeter_teardown, "net");
  tally_add_fixture ("/examples/network/greeter/two-clients", Greeter, NULL,
                     greeter_setup, test_greeter_two_clients, greeter_teardown, "net");
  tally_add_fixture ("/examples/network/greeter/client-hangs-up", Greeter, NULL,
                     greeter_setup, test_greeter_client_hangs_up, greeter_teardown, "net");
  tally_add_fixture ("/examples/network/greeter/rendezvous-file", Greeter, NULL,
                     greeter_setup, test_greeter_rendezvous_file, greeter_teardown,
                     "serial net");

  tally_add ("/examples/network/echo/one-line", test_echo_one_line, "net");
  tally_add ("/examples/network/echo/many-lines", test_echo_many_lines, "net");
  tally_add ("/examples/network/echo/interleaved-clients", test_echo_interleaved_clients, "net");
}

TALLY_MAIN (register_tests)
