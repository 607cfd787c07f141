using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;

namespace Rampart
{
    /// <summary>
    /// What the integrations share: the engine, where events go, and a pool of reusable
    /// requests. One per application, built at start-up (<see cref="FromEnvironment"/> reads
    /// <c>RAMPART_POLICY</c> and <c>RAMPART_MODE</c> like every rampart agent).
    /// </summary>
    /// <remarks>
    /// Each HTTP request runs inside <see cref="BeginRequest"/>, which makes a
    /// <see cref="RequestContext"/> current for the code (and the async continuations) that
    /// serve it. The guards (<see cref="RampartDbCommand"/>, <see cref="ProcessGuard"/>,
    /// <see cref="FileGuard"/>, <see cref="RampartHttpHandler"/>) find it there: outside a
    /// request there is no user input, so they check nothing.
    /// </remarks>
    public sealed class Agent : IDisposable
    {
        private readonly ConcurrentBag<Request> pool = new ConcurrentBag<Request>();
        private const int PoolLimit = 256;

        /// <summary>The compiled policy.</summary>
        public Engine Engine { get; }

        /// <summary>Receives each event as one line of JSON (docs/events.md). Default: standard error.</summary>
        public Action<string> EventWriter { get; set; }

        /// <summary>How many stack frames an event carries (0: none).</summary>
        public int StackFrames { get; set; } = 16;

        public Agent(Engine engine, Action<string> eventWriter = null)
        {
            Engine = engine ?? throw new ArgumentNullException(nameof(engine));
            EventWriter = eventWriter ?? WriteToStandardError;
        }

        /// <summary>An agent over <see cref="Rampart.Engine.FromEnvironment"/>.</summary>
        public static Agent FromEnvironment(Action<string> eventWriter = null) => new Agent(Engine.FromEnvironment(), eventWriter);

        private static void WriteToStandardError(string line) => Console.Error.WriteLine(line);

        /// <summary>
        /// Starts serving one HTTP request: the returned context is current (in an AsyncLocal)
        /// until it is disposed. Add the request's inputs to it before the application runs.
        /// </summary>
        public RequestContext BeginRequest(string method, string path, string route = null, string host = null,
            string clientIp = null, string userAgent = null, string requestId = null)
        {
            Request request;
            if (!pool.TryTake(out request)) request = Engine.CreateRequest();
            request.SetMethod(method ?? string.Empty);
            request.SetPath(path ?? string.Empty);
            if (route != null) request.SetRoute(route);
            if (host != null) request.SetHost(host);
            return RequestContext.Enter(this, request, method ?? string.Empty, path ?? string.Empty, route, clientIp, userAgent, requestId);
        }

        internal void Return(Request request)
        {
            try
            {
                request.Reset();
            }
            catch (RampartException)
            {
                request.Dispose();
                return;
            }
            if (pool.Count < PoolLimit) pool.Add(request);
            else request.Dispose();
        }

        /// <summary>
        /// Acts on a verdict: nothing for allow; for a finding, writes the event, and on block
        /// throws <see cref="RampartBlockedException"/>. <paramref name="resource"/> is what the
        /// verdict's span points into.
        /// </summary>
        public void Enforce(RequestContext context, Verdict verdict, Sink sink, string resource, string operation)
        {
            if (!verdict.IsAttack) return;
            string eventId = Engine.NewEventId();
            string line;
            try
            {
                line = context.Request.EventJson(verdict, sink, resource, Meta(context, operation, eventId));
            }
            catch (RampartException e)
            {
                // The finding stands (a block still blocks); only its event could not be made.
                line = ErrorEvent(context, e, sink, operation, verdict.Action == VerdictAction.Block);
            }
            Write(line);
            context.RecordFinding(verdict, eventId);
            if (verdict.Action == VerdictAction.Block) throw new RampartBlockedException(eventId, verdict, operation);
        }

        /// <summary>
        /// A check itself failed (a bug in rampart): log it, then let the call proceed, or
        /// block it when the policy says <c>fail_closed</c>.
        /// </summary>
        internal void Failed(RequestContext context, RampartException error, Sink sink, string operation)
        {
            bool closed = Engine.FailClosed;
            string eventId;
            string line = ErrorEvent(context, error, sink, operation, closed, out eventId);
            if (Interlocked.Increment(ref errorEvents) <= MaxErrorEvents) Write(line);
            if (closed) throw new RampartBlockedException(eventId, default(Verdict), operation);
        }

        // A persistent fault must not flood the log: error events are bounded per agent.
        private const int MaxErrorEvents = 100;
        private int errorEvents;

        private void Write(string line)
        {
            try
            {
                EventWriter(line);
            }
            catch (Exception)
            {
                // A broken log sink must not break the application's call.
            }
        }

        private string ErrorEvent(RequestContext context, RampartException error, Sink sink, string operation, bool closed)
        {
            string unused;
            return ErrorEvent(context, error, sink, operation, closed, out unused);
        }

        /// <summary>The error event of docs/events.md ("Error events"): the finding's envelope, no threat, an error object.</summary>
        private string ErrorEvent(RequestContext context, RampartException error, Sink sink, string operation, bool closed, out string eventId)
        {
            eventId = Engine.NewEventId();
            string message = error.Message.Length > 512 ? error.Message.Substring(0, 512) : error.Message;
            int colon = message.IndexOf(':');
            string kind = colon > 0 && error.Status != 0 ? message.Substring(0, colon) : "internal";
            var json = new StringBuilder(512);
            json.Append("{\"time\":\"").Append(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.Append("\",\"event_id\":\"").Append(eventId).Append("\",\"threat\":null,\"action\":\"");
            json.Append(closed ? "failed_closed" : "failed_open").Append("\",\"error\":{\"kind\":");
            Json.AppendString(json, kind);
            json.Append(",\"message\":");
            Json.AppendString(json, message);
            json.Append("},\"sink\":{\"kind\":\"").Append(SinkName(sink)).Append("\",\"operation\":");
            Json.AppendString(json, operation ?? string.Empty);
            json.Append("},\"request\":{\"method\":");
            Json.AppendString(json, context.Method);
            json.Append(",\"path\":");
            Json.AppendString(json, context.RequestPath);
            json.Append(",\"route\":");
            Json.AppendString(json, context.Route ?? string.Empty);
            json.Append(",\"client_ip\":");
            Json.AppendString(json, context.ClientIp ?? string.Empty);
            json.Append(",\"user_agent\":");
            Json.AppendString(json, context.UserAgent ?? string.Empty);
            json.Append(",\"request_id\":");
            Json.AppendString(json, context.RequestId ?? string.Empty);
            json.Append("},\"stack\":");
            AppendStack(json);
            json.Append(",\"engine\":{\"version\":");
            Json.AppendString(json, Library.Version);
            return json.Append("}}").ToString();
        }

        private static string SinkName(Sink sink)
        {
            switch (sink)
            {
                case Sink.Sql: return "sql";
                case Sink.Shell: return "shell";
                case Sink.Exec: return "exec";
                case Sink.Path: return "path";
                case Sink.Url: return "url";
                case Sink.NoSql: return "nosql";
                case Sink.Redirect: return "redirect";
                case Sink.Request: return "request";
                default: return "header";
            }
        }

        private string Meta(RequestContext context, string operation, string eventId)
        {
            var json = new StringBuilder(256);
            json.Append("{\"operation\":");
            Json.AppendString(json, operation ?? string.Empty);
            json.Append(",\"event_id\":\"").Append(eventId).Append('"');
            if (context.ClientIp != null) { json.Append(",\"client_ip\":"); Json.AppendString(json, context.ClientIp); }
            if (context.UserAgent != null) { json.Append(",\"user_agent\":"); Json.AppendString(json, context.UserAgent); }
            if (context.RequestId != null) { json.Append(",\"request_id\":"); Json.AppendString(json, context.RequestId); }
            if (StackFrames > 0)
            {
                json.Append(",\"stack\":");
                AppendStack(json);
            }
            return json.Append('}').ToString();
        }

        // The application's frames (rampart's own are left out), as "Namespace.Type.Method".
        private void AppendStack(StringBuilder json)
        {
            json.Append('[');
            var trace = new StackTrace(2, false);
            int written = 0;
            for (int i = 0; i < trace.FrameCount && written < StackFrames; i++)
            {
                var method = trace.GetFrame(i).GetMethod();
                if (method == null || method.DeclaringType == null) continue;
                Type declaring = method.DeclaringType;
                // A generic type's FullName spells out its arguments' assemblies: keep it short.
                string type = declaring.IsGenericType || declaring.FullName == null
                    ? declaring.Namespace + "." + declaring.Name
                    : declaring.FullName;
                if (type.StartsWith("Rampart.", StringComparison.Ordinal) && !type.StartsWith("Rampart.Tests", StringComparison.Ordinal)) continue;
                if (written++ > 0) json.Append(',');
                Json.AppendString(json, type + "." + method.Name);
            }
            json.Append(']');
        }

        /// <summary>Releases the pooled requests and this reference to the engine.</summary>
        public void Dispose()
        {
            Request request;
            while (pool.TryTake(out request)) request.Dispose();
            Engine.Dispose();
        }
    }
}
