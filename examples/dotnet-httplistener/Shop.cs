// A small shop on HttpListener, vulnerable on purpose and protected by rampart's guards
// the way a real application uses them: a login that concatenates SQL (SQLite through
// RampartDbConnection), a ping that builds a shell command (ProcessGuard), a download that
// joins a user path (FileGuard) and a URL preview (HttpClient with RampartHttpHandler).
// Program.cs runs it; the .NET test suite drives it over loopback HTTP with an HttpClient
// transport that sends every preview to a loopback stand-in.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Mono.Data.Sqlite;
using Rampart;

namespace ShopExample
{
    public sealed class Shop : IDisposable
    {
        private readonly Agent agent; // null: the application without rampart
        private readonly string files;
        private readonly HttpListener listener = new HttpListener();
        private readonly HttpClient client;
        private readonly string database;

        public int Port { get; }

        /// <param name="agent">rampart's agent, or null for the unprotected shop.</param>
        /// <param name="files">the directory whose public/ subdirectory is offered for download.</param>
        /// <param name="database">the SQLite file (created with two users).</param>
        /// <param name="transport">what the preview's HttpClient sends with (an HttpClientHandler).</param>
        /// <param name="resolve">how the SSRF guard resolves host names (null: the system resolver).</param>
        /// <param name="port">the port on 127.0.0.1 (0: any free port).</param>
        public Shop(Agent agent, string files, string database, HttpMessageHandler transport,
            Func<string, Task<IPAddress[]>> resolve = null, int port = 0)
        {
            this.agent = agent;
            this.files = files;
            this.database = database;
            using (var db = new SqliteConnection("Data Source=" + database))
            {
                db.Open();
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, password TEXT);"
                                          + "INSERT OR IGNORE INTO users (name, password) VALUES ('alice', 'wonderland'), ('bob', 'builder');";
                    command.ExecuteNonQuery();
                }
            }
            HttpMessageHandler handler = transport;
            if (agent != null)
            {
                var guard = new RampartHttpHandler(transport);
                if (resolve != null) guard.Resolve = resolve;
                handler = guard;
            }
            client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            Port = port != 0 ? port : FreePort();
            listener.Prefixes.Add("http://127.0.0.1:" + Port + "/");
            listener.Start();
            Task.Run(AcceptLoop);
        }

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        private async Task AcceptLoop()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return; // stopped
                }
                _ = Task.Run(() => Serve(context)).ContinueWith(t => Console.Error.WriteLine(t.Exception), TaskContinuationOptions.OnlyOnFaulted);
            }
        }

        // What a framework integration does around the application: one rampart request per
        // HTTP request, its inputs added before the handler runs, a block turned into the
        // policy's block response.
        private async Task Serve(HttpListenerContext http)
        {
            HttpListenerRequest request = http.Request;
            string body = string.Empty;
            if (request.HasEntityBody)
                using (var reader = new StreamReader(request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync().ConfigureAwait(false);
            var form = ParseForm(body);
            var query = request.QueryString;
            if (agent == null)
            {
                Reply plain;
                try
                {
                    plain = await Handle(request.Url.AbsolutePath, query, form).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    plain = ServerError;
                }
                await Respond(http, plain).ConfigureAwait(false);
                return;
            }
            using (RequestContext rampart = agent.BeginRequest(request.HttpMethod, request.Url.AbsolutePath, host: request.UserHostName,
                       clientIp: request.RemoteEndPoint?.Address.ToString(), userAgent: request.UserAgent, requestId: request.Headers["X-Request-Id"]))
            {
                rampart.AddUrlEncoded(InputSource.Query, request.Url.Query);
                if ((request.ContentType ?? string.Empty).StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                    rampart.AddUrlEncoded(InputSource.Body, body);
                rampart.AddCookies(request.Headers["Cookie"]);
                Reply reply;
                try
                {
                    // Payload inspection of the request itself, before any code of the shop runs:
                    // reported by default, blocked when the policy blocks malicious_payload.
                    rampart.Inspect();
                    reply = await Handle(request.Url.AbsolutePath, query, form).ConfigureAwait(false);
                }
                catch (RampartBlockedException blocked)
                {
                    BlockResponse page = agent.Engine.BlockResponse(blocked.EventId);
                    reply = new Reply(page.StatusCode, page.Body, page.ContentType);
                }
                catch (Exception)
                {
                    reply = ServerError;
                }
                await Respond(http, reply).ConfigureAwait(false);
            }
        }

        private static readonly Reply ServerError = new Reply(500, "server error");

        private sealed class Reply
        {
            public readonly int Status;
            public readonly string Body, ContentType;

            public Reply(int status, string body, string contentType = "text/plain; charset=utf-8")
            {
                Status = status;
                Body = body;
                ContentType = contentType;
            }
        }

        private static async Task Respond(HttpListenerContext http, Reply reply)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(reply.Body);
            http.Response.StatusCode = reply.Status;
            http.Response.ContentType = reply.ContentType;
            http.Response.ContentLength64 = bytes.Length;
            await http.Response.OutputStream.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            http.Response.Close();
        }

        // ---- the application (vulnerable on purpose) ----

        private async Task<Reply> Handle(string path, System.Collections.Specialized.NameValueCollection query, Dictionary<string, string> form)
        {
            switch (path)
            {
                case "/login": return Login(Get(form, "username"), Get(form, "password"));
                case "/ping": return Ping(query["host"] ?? string.Empty);
                case "/download": return Download(query["file"] ?? string.Empty);
                case "/preview": return await Preview(query["url"] ?? string.Empty).ConfigureAwait(false);
                default: return new Reply(404, "not found");
            }
        }

        private Reply Login(string username, string password)
        {
            DbConnectionFactory factory = () => new SqliteConnection("Data Source=" + database);
            using (var db = agent != null ? (System.Data.Common.DbConnection)new RampartDbConnection(factory()) : factory())
            {
                db.Open();
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "SELECT name FROM users WHERE name = '" + username + "' AND password = '" + password + "'";
                    object name = command.ExecuteScalar();
                    return name == null ? new Reply(401, "invalid credentials") : new Reply(200, "welcome " + name);
                }
            }
        }

        private delegate System.Data.Common.DbConnection DbConnectionFactory();

        // A stand-in for ping that prints instead of sending ICMP; built as a shell command
        // string, as vulnerable apps build theirs.
        private Reply Ping(string host)
        {
            string command = "printf 'PING %s\\n' " + host;
            var info = ProcessGuard.StartInfo("/bin/sh", "-c", command);
            info.RedirectStandardOutput = true;
            using (var process = agent != null ? ProcessGuard.Start(info) : System.Diagnostics.Process.Start(info))
            {
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                return new Reply(200, output);
            }
        }

        private Reply Download(string file)
        {
            string path = Path.Combine(files, "public", file);
            try
            {
                return new Reply(200, agent != null ? FileGuard.ReadAllText(path) : File.ReadAllText(path));
            }
            catch (IOException)
            {
                return new Reply(404, "no such file");
            }
        }

        private async Task<Reply> Preview(string url)
        {
            try
            {
                string page = await client.GetStringAsync(url).ConfigureAwait(false);
                return new Reply(200, "preview: " + page);
            }
            catch (HttpRequestException e)
            {
                return new Reply(502, "preview failed: " + e.Message);
            }
        }

        private static string Get(Dictionary<string, string> form, string key)
        {
            string value;
            return form.TryGetValue(key, out value) ? value : string.Empty;
        }

        private static Dictionary<string, string> ParseForm(string body)
        {
            var form = new Dictionary<string, string>();
            foreach (string pair in body.Split('&'))
            {
                int equals = pair.IndexOf('=');
                if (equals <= 0) continue;
                form[Uri.UnescapeDataString(pair.Substring(0, equals).Replace('+', ' '))] = Uri.UnescapeDataString(pair.Substring(equals + 1).Replace('+', ' '));
            }
            return form;
        }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            client.Dispose();
        }
    }
}
