using System;
using System.Collections.Generic;
using System.Threading;

namespace Rampart
{
    /// <summary>
    /// The HTTP request being served, as the guards see it: its inputs (a pooled
    /// <see cref="Rampart.Request"/>) and what events say about it. Made current by
    /// <see cref="Agent.BeginRequest"/> in an <see cref="AsyncLocal{T}"/>, so it follows the
    /// request through <c>await</c>s and into tasks it starts; disposing it ends the request.
    /// </summary>
    public sealed class RequestContext : IDisposable
    {
        private static readonly AsyncLocal<RequestContext> CurrentContext = new AsyncLocal<RequestContext>();

        /// <summary>The request being served on this logical flow, or null outside one.</summary>
        public static RequestContext Current => CurrentContext.Value;

        private readonly RequestContext previous;
        private bool disposed;

        /// <summary>The agent that began this request.</summary>
        public Agent Agent { get; }

        /// <summary>The inputs, for adding more or for checks of sinks the guards do not cover.</summary>
        public Request Request { get; }

        // What events say about the request, as given to Agent.BeginRequest.

        /// <summary>The HTTP method.</summary>
        public string Method { get; }

        /// <summary>The request path as received (without the query string).</summary>
        public string RequestPath { get; }

        /// <summary>The framework's route template, or null.</summary>
        public string Route { get; }

        /// <summary>The client's address, or null.</summary>
        public string ClientIp { get; }

        /// <summary>The User-Agent header, or null.</summary>
        public string UserAgent { get; }

        /// <summary>The request id (a tracing or X-Request-Id value), or null.</summary>
        public string RequestId { get; }

        /// <summary>Set when a helper dropped inputs past <see cref="Rampart.Request.MaxInputs"/> (or JSON nested deeper than 32 levels).</summary>
        public bool InputsTruncated { get; private set; }

        private int findings;

        /// <summary>How many findings (reported or blocked) this request had.</summary>
        public int Findings => Volatile.Read(ref findings);

        /// <summary>The event id of the last blocked call, for the block page.</summary>
        public string BlockedEventId { get; private set; }

        private RequestContext(Agent agent, Request request, string method, string path, string route, string clientIp,
            string userAgent, string requestId)
        {
            Agent = agent;
            Request = request;
            Method = method;
            RequestPath = path;
            Route = route;
            ClientIp = clientIp;
            UserAgent = userAgent;
            RequestId = requestId;
            previous = CurrentContext.Value;
        }

        internal static RequestContext Enter(Agent agent, Request request, string method, string path, string route,
            string clientIp, string userAgent, string requestId)
        {
            var context = new RequestContext(agent, request, method, path, route, clientIp, userAgent, requestId);
            CurrentContext.Value = context;
            return context;
        }

        internal void RecordFinding(Verdict verdict, string eventId)
        {
            // Tasks of one HTTP request may run guarded calls in parallel: checks only read
            // the request, and this count is the one thing they write.
            Interlocked.Increment(ref findings);
            if (verdict.Action == VerdictAction.Block) BlockedEventId = eventId;
        }

        // ---- inputs ----

        /// <summary>Adds one input, unless <see cref="Rampart.Request.MaxInputs"/> were added already.</summary>
        public bool AddInput(InputSource source, string key, string value)
        {
            if (value == null) return true;
            if (Request.InputCount >= Request.MaxInputs)
            {
                InputsTruncated = true;
                return false;
            }
            Request.AddInput(source, key, value);
            return true;
        }

        // The helpers below hand the raw text to the core (rampart_request_add_*), so that every
        // agent turns a request into the same inputs.

        /// <summary>Adds the fields of a query string or form body (<c>a=1&amp;b=%27x</c>; a leading <c>?</c> is skipped).</summary>
        public void AddUrlEncoded(InputSource source, string encoded)
        {
            if (string.IsNullOrEmpty(encoded)) return;
            if (Request.AddUrlEncoded(source, encoded[0] == '?' ? encoded.Substring(1) : encoded)) InputsTruncated = true;
        }

        /// <summary>Flattens a JSON body into body inputs (<c>user.name</c>, <c>ids[2]</c>; keys that are not plain words too); invalid JSON adds nothing.</summary>
        public void AddJson(string json)
        {
            if (string.IsNullOrEmpty(json)) return;
            if (Request.AddJson(json)) InputsTruncated = true;
        }

        /// <summary>Adds each cookie of a <c>Cookie</c> header.</summary>
        public void AddCookies(string cookieHeader)
        {
            if (string.IsNullOrEmpty(cookieHeader)) return;
            if (Request.AddCookies(cookieHeader)) InputsTruncated = true;
        }

        /// <summary>The headers an attacker commonly fills and applications commonly store or log.</summary>
        public static readonly IReadOnlyList<string> InputHeaders = new[] { "user-agent", "referer", "x-forwarded-for", "x-forwarded-host" };


        // ---- checks: the verdict is enforced (event, block) by the agent ----

        /// <summary>
        /// Payload inspection of the request itself (<see cref="Engine.Inspect"/>), once its inputs are added and
        /// before the application handles it: a finding is an event; when the policy's <c>malicious_payload</c>
        /// protection blocks, throws <see cref="RampartBlockedException"/> (answer with the block page).
        /// </summary>
        public void Inspect()
        {
            Verdict verdict;
            try { verdict = Request.Engine.Inspect(Request); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Request, "inspect"); return; }
            Agent.Enforce(this, verdict, Sink.Request, string.Empty, "inspect");
        }

        /// <summary>Checks a SQL query before it is sent; throws <see cref="RampartBlockedException"/> on block.</summary>
        public void Sql(SqlDialect dialect, string query, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckSql(dialect, query); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Sql, operation); return; }
            Agent.Enforce(this, verdict, Sink.Sql, query, operation);
        }

        /// <summary>Checks a command string run by a shell.</summary>
        public void Shell(string command, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckShell(command); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Shell, operation); return; }
            Agent.Enforce(this, verdict, Sink.Shell, command, operation);
        }

        /// <summary>Checks an argv run without a shell.</summary>
        public void Exec(IReadOnlyList<string> argv, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckExec(argv); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Exec, operation); return; }
            if (verdict.IsAttack) Agent.Enforce(this, verdict, Sink.Exec, string.Join(" ", argv), operation);
        }

        /// <summary>Checks a file path about to be opened.</summary>
        public void Path(string path, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckPath(path); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Path, operation); return; }
            Agent.Enforce(this, verdict, Sink.Path, path, operation);
        }

        /// <summary>Checks an outgoing request's URL.</summary>
        public void Url(string url, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckUrl(url); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Url, operation); return; }
            Agent.Enforce(this, verdict, Sink.Url, url, operation);
        }

        /// <summary>Checks the address a host name resolved to, at connect time.</summary>
        public void ResolvedIp(string host, string ip, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckResolvedIp(host, ip); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Url, operation); return; }
            Agent.Enforce(this, verdict, Sink.Url, host, operation);
        }

        /// <summary>Checks a redirect's location.</summary>
        public void Redirect(string location, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckRedirect(location); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Redirect, operation); return; }
            Agent.Enforce(this, verdict, Sink.Redirect, location, operation);
        }

        /// <summary>Checks a response header.</summary>
        public void Header(string name, string value, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckHeader(name, value); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.Header, operation); return; }
            Agent.Enforce(this, verdict, Sink.Header, verdict.Reason == Reason.HeaderNameInjection ? name : value, operation);
        }

        /// <summary>Checks a MongoDB-style filter (JSON text).</summary>
        public void NoSql(string filterJson, string operation)
        {
            Verdict verdict;
            try { verdict = Request.CheckNoSql(filterJson); }
            catch (RampartException e) { Agent.Failed(this, e, Sink.NoSql, operation); return; }
            Agent.Enforce(this, verdict, Sink.NoSql, filterJson, operation);
        }

        /// <summary>Ends the request: the previous context (usually none) is current again, and the request is pooled.</summary>
        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            if (CurrentContext.Value == this) CurrentContext.Value = previous;
            Agent.Return(Request);
        }
    }
}
