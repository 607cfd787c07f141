// The ASP.NET Core middleware: one rampart request per HTTP request, made current (in an
// AsyncLocal) for the guards the application uses (RampartDbConnection, ProcessGuard,
// FileGuard, RampartHttpHandler), with the request's inputs; a blocked call becomes the
// policy's block page.
//
//   builder.Services.AddRampart();        // Agent.FromEnvironment(): RAMPART_POLICY, RAMPART_MODE
//   var app = builder.Build();
//   app.UseRouting();
//   app.UseRampart();                     // after UseRouting: route values are inputs too
using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Rampart.AspNetCore
{
    public static class RampartExtensions
    {
        /// <summary>Registers one <see cref="Agent"/> for the application (from the environment unless given).</summary>
        public static IServiceCollection AddRampart(this IServiceCollection services, Agent agent = null)
        {
            if (agent != null) return services.AddSingleton(agent);
            return services.AddSingleton(_ => Agent.FromEnvironment());
        }

        /// <summary>Protects every request that passes this point of the pipeline.</summary>
        public static IApplicationBuilder UseRampart(this IApplicationBuilder app, RampartOptions options = null)
        {
            Agent agent = app.ApplicationServices.GetService<Agent>() ?? Agent.FromEnvironment();
            return app.UseMiddleware<RampartMiddleware>(agent, options ?? new RampartOptions());
        }
    }

    /// <summary>What the middleware reads from a request.</summary>
    public sealed class RampartOptions
    {
        /// <summary>Form and JSON bodies up to this size become inputs; larger ones are left to the application.</summary>
        public int MaxBodyBytes { get; set; } = 1 << 20;
    }

    public sealed class RampartMiddleware
    {
        private readonly RequestDelegate next;
        private readonly Agent agent;
        private readonly RampartOptions options;

        public RampartMiddleware(RequestDelegate next, Agent agent, RampartOptions options)
        {
            this.next = next;
            this.agent = agent;
            this.options = options;
        }

        public async Task InvokeAsync(HttpContext http)
        {
            HttpRequest request = http.Request;
            using (RequestContext context = agent.BeginRequest(request.Method, request.PathBase.Add(request.Path).Value,
                       host: request.Host.Value, clientIp: http.Connection.RemoteIpAddress?.ToString(),
                       userAgent: request.Headers["User-Agent"].ToString(), requestId: http.TraceIdentifier))
            {
                await CollectInputs(http, context).ConfigureAwait(false);
                try
                {
                    // Payload inspection of the request itself, before the application runs: the policy's
                    // malicious_payload protection reports (the default) or blocks.
                    context.Inspect();
                    await next(http).ConfigureAwait(false);
                }
                catch (Exception e) when (RampartBlockedException.Find(e) != null && !http.Response.HasStarted)
                {
                    await WriteBlockPage(http, RampartBlockedException.Find(e).EventId).ConfigureAwait(false);
                    return;
                }
                // The application caught the exception itself (and answered with its own error page):
                // the client still gets the block page, as long as nothing was sent yet.
                if (context.BlockedEventId != null && !http.Response.HasStarted)
                    await WriteBlockPage(http, context.BlockedEventId).ConfigureAwait(false);
            }
        }

        private async Task CollectInputs(HttpContext http, RequestContext context)
        {
            HttpRequest request = http.Request;
            context.AddUrlEncoded(InputSource.Query, request.QueryString.Value);
            context.AddCookies(request.Headers["Cookie"].ToString());
            foreach (string name in RequestContext.InputHeaders)
            {
                StringValues values;
                if (request.Headers.TryGetValue(name, out values))
                    foreach (string value in values) context.AddInput(InputSource.Header, name, value);
            }
            foreach (var pair in request.RouteValues)
                if (pair.Value is string value) context.AddInput(InputSource.Path, pair.Key, value);

            string type = (request.ContentType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();
            bool form = type == "application/x-www-form-urlencoded";
            bool json = type == "application/json" || (type.StartsWith("application/") && type.EndsWith("+json"));
            if (!form && !json) return;
            if (request.ContentLength == null || request.ContentLength > options.MaxBodyBytes) return;
            // Buffered so that the application reads the same body after us.
            request.EnableBuffering();
            string body;
            using (var reader = new StreamReader(request.Body, Encoding.UTF8, false, 4096, leaveOpen: true))
                body = await reader.ReadToEndAsync().ConfigureAwait(false);
            request.Body.Position = 0;
            if (form) context.AddUrlEncoded(InputSource.Body, body);
            else context.AddJson(body);
        }

        private async Task WriteBlockPage(HttpContext http, string eventId)
        {
            BlockResponse page = agent.Engine.BlockResponse(eventId);
            http.Response.Clear();
            http.Response.StatusCode = page.StatusCode;
            http.Response.ContentType = page.ContentType;
            await http.Response.WriteAsync(page.Body, Encoding.UTF8).ConfigureAwait(false);
        }
    }
}
