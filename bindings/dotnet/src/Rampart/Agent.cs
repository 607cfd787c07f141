using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

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
            return RequestContext.Enter(this, request, clientIp, userAgent, requestId);
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
                line = ErrorLine(e, operation);
            }
            Write(line);
            context.RecordFinding(verdict, eventId);
            if (verdict.Action == VerdictAction.Block) throw new RampartBlockedException(eventId, verdict, operation);
        }

        /// <summary>
        /// A check itself failed (a bug in rampart): log it, then let the call proceed, or
        /// block it when the policy says <c>fail_closed</c>.
        /// </summary>
        internal void Failed(RampartException error, string operation)
        {
            Write(ErrorLine(error, operation));
            if (Engine.FailClosed) throw new RampartBlockedException(Engine.NewEventId(), default(Verdict), operation);
        }

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

        private static string ErrorLine(Exception error, string operation)
        {
            var json = new StringBuilder("{\"error\":");
            Json.AppendString(json, error.Message);
            json.Append(",\"operation\":");
            Json.AppendString(json, operation);
            return json.Append('}').ToString();
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
                json.Append(",\"stack\":[");
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
            return json.Append('}').ToString();
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
