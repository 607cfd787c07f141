using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Rampart
{
    /// <summary>
    /// An <see cref="HttpClient"/> handler that checks every outgoing request for SSRF in the
    /// current HTTP request (<see cref="Request.CheckUrl"/>): a user input that points the
    /// client at a loopback, private, link-local or cloud metadata address, or at another
    /// scheme. When the URL's host name itself came from input, the handler also resolves it
    /// and checks each address (<see cref="Request.CheckResolvedIp"/>), which catches names
    /// that resolve inside.
    /// <code>var client = new HttpClient(new RampartHttpHandler(new HttpClientHandler()));</code>
    /// </summary>
    /// <remarks>
    /// The handler resolves the name itself, before the client connects; a resolver that
    /// answers differently the second time (DNS rebinding with a zero TTL) is not caught.
    /// </remarks>
    public sealed class RampartHttpHandler : DelegatingHandler
    {
        private const string Operation = "HttpClient.SendAsync";

        /// <summary>Resolves a host name to its addresses; the system resolver by default.</summary>
        public Func<string, Task<IPAddress[]>> Resolve { get; set; } = Dns.GetHostAddressesAsync;

        /// <summary>Whether host names that came from input are resolved and their addresses checked.</summary>
        public bool CheckResolvedAddresses { get; set; } = true;

        public RampartHttpHandler() : base(new HttpClientHandler()) { }

        public RampartHttpHandler(HttpMessageHandler innerHandler) : base(innerHandler) { }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            RequestContext context = RequestContext.Current;
            Uri uri = request.RequestUri;
            if (context == null || uri == null) return base.SendAsync(request, cancellationToken);
            try
            {
                context.Url(uri.IsAbsoluteUri ? uri.OriginalString : uri.ToString(), Operation);
            }
            catch (RampartBlockedException e)
            {
                return Task.FromException<HttpResponseMessage>(e);
            }
            if (!CheckResolvedAddresses || !uri.IsAbsoluteUri || uri.HostNameType != UriHostNameType.Dns || !HostFromInput(context, uri.IdnHost))
                return base.SendAsync(request, cancellationToken);
            return SendResolved(context, uri.IdnHost, request, cancellationToken);
        }

        // Whether the host came from an input: asked with a loopback address, which is always
        // internal, so an allow verdict means no input chose this host and no lookup is needed.
        private static bool HostFromInput(RequestContext context, string host)
        {
            try
            {
                return context.Request.CheckResolvedIp(host, "127.0.0.1").IsAttack;
            }
            catch (RampartException)
            {
                return true;
            }
        }

        private async Task<HttpResponseMessage> SendResolved(RequestContext context, string host, HttpRequestMessage request,
            CancellationToken cancellationToken)
        {
            IPAddress[] addresses;
            try
            {
                addresses = await Resolve(host).ConfigureAwait(false);
            }
            catch (Exception)
            {
                addresses = new IPAddress[0]; // the client will fail to resolve it too
            }
            foreach (IPAddress address in addresses) context.ResolvedIp(host, address.ToString(), Operation);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
