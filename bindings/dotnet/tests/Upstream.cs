// The loopback stand-ins of the application tests: every preview the shop fetches goes
// through an HTTP proxy on 127.0.0.1 (Upstream), and LoopbackOnly refuses anything else.
// No connection leaves the machine, not even in report mode, where attacks go through.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Rampart.Tests
{
    /// <summary>A last line of defence in the tests: only the loopback stand-ins may be asked for.</summary>
    internal sealed class LoopbackOnly : DelegatingHandler
    {
        public LoopbackOnly(HttpMessageHandler inner) : base(inner) { }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string host = request.RequestUri.Host;
            if (host != "127.0.0.1" && host != "news.example" && host != "rebind.example")
                throw new InvalidOperationException("test app: refusing to send a request to " + host);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>
    /// The loopback stand-in for everything the app's HttpClient reaches: it answers as an HTTP
    /// proxy (absolute request targets) and as a plain server, and records every request target.
    /// </summary>
    internal sealed class Upstream : IDisposable
    {
        private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly List<string> seen = new List<string>();

        public int Port { get; }

        public Upstream()
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Task.Run(AcceptLoop);
        }

        public string[] Seen
        {
            get { lock (seen) return seen.ToArray(); }
        }

        private async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient connection;
                try
                {
                    connection = await listener.AcceptTcpClientAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return;
                }
                _ = Task.Run(() => Serve(connection));
            }
        }

        private void Serve(TcpClient connection)
        {
            using (connection)
            using (var stream = connection.GetStream())
            {
                var reader = new StreamReader(stream, Encoding.ASCII);
                string requestLine = reader.ReadLine() ?? string.Empty;
                while (!string.IsNullOrEmpty(reader.ReadLine())) { } // the headers
                string[] parts = requestLine.Split(' ');
                string target = parts.Length > 1 ? parts[1] : string.Empty;
                lock (seen) seen.Add(target);
                string body = target.Contains("/latest/meta-data") ? "instance-secret-token" : "upstream page for " + target;
                byte[] bytes = Encoding.UTF8.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                                                      + Encoding.UTF8.GetByteCount(body) + "\r\nConnection: close\r\n\r\n" + body);
                stream.Write(bytes, 0, bytes.Length);
            }
        }

        public void Dispose() => listener.Stop();
    }
}
