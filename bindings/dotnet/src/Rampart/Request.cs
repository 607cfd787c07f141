using System;
using System.Collections.Generic;

namespace Rampart
{
    /// <summary>
    /// The user inputs of one HTTP request (<c>rampart_request</c>) and the checks run
    /// against them. One thread at a time; <see cref="Reset"/> it and reuse it for the next
    /// HTTP request, so steady state allocates nothing.
    /// </summary>
    /// <remarks>
    /// Strings cross to the library as UTF-8, encoded on the stack (or into a per-thread
    /// buffer for long ones): a check allocates nothing on the managed heap. Verdict spans
    /// are byte offsets into that UTF-8 form.
    /// </remarks>
    public sealed unsafe class Request : IDisposable
    {
        internal readonly RequestHandle Handle;

        /// <summary>The engine whose policy this request is checked against.</summary>
        public Engine Engine { get; }

        /// <summary>How many inputs were added since the last reset.</summary>
        public int InputCount { get; private set; }

        internal Request(Engine engine, RequestHandle handle)
        {
            Engine = engine;
            Handle = handle;
        }

        /// <summary>Adds one user input. Flatten nested bodies: each leaf is one input, each JSON object key one more.</summary>
        public void AddInput(InputSource source, string key, string value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            key = key ?? string.Empty;
            int max = checked(Utf8.MaxBytes(key) + Utf8.MaxBytes(value));
            if (max <= Utf8.StackLimit)
            {
                byte* buffer = stackalloc byte[max];
                AddInputInto(source, key, value, buffer, max);
            }
            else
            {
                fixed (byte* buffer = Utf8.Rent(max)) AddInputInto(source, key, value, buffer, max);
            }
        }

        private void AddInputInto(InputSource source, string key, string value, byte* buffer, int capacity)
        {
            int keyLength = Utf8.Encode(key, buffer, capacity);
            int valueLength = Utf8.Encode(value, buffer + keyLength, capacity - keyLength);
            bool added = false;
            try
            {
                IntPtr pointer = Acquire(ref added);
                RampartException.Check(Native.rampart_request_add_input(pointer, (uint)source, buffer, (UIntPtr)keyLength,
                    buffer + keyLength, (UIntPtr)valueLength));
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            InputCount++;
        }

        /// <summary>Adds one user input whose value is raw bytes (a file name from multipart, a binary field).</summary>
        public void AddInput(InputSource source, string key, byte[] value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            byte[] keyBytes = Utf8.Encoding.GetBytes(key ?? string.Empty);
            bool added = false;
            try
            {
                IntPtr pointer = Acquire(ref added);
                fixed (byte* k = keyBytes)
                fixed (byte* v = value)
                {
                    RampartException.Check(Native.rampart_request_add_input(pointer, (uint)source, k, (UIntPtr)keyBytes.Length,
                        v, (UIntPtr)value.Length));
                }
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            InputCount++;
        }

        // ---- collection: the core's rules (rampart_request_add_<format>), shared by every agent ----

        /// <summary>The most inputs the collection helpers below let a request hold (<c>RAMPART_MAX_INPUTS</c>).</summary>
        public const int MaxInputs = 1000;

        /// <summary>
        /// Adds the fields of a query string (without the <c>?</c>) or a form body (<c>a=1&amp;b=%27+x</c>),
        /// percent-decoded (<c>+</c> is a space); a name that is not a plain word is an input too.
        /// Returns true when inputs were left out because the request reached <see cref="MaxInputs"/>.
        /// </summary>
        public bool AddUrlEncoded(InputSource source, string data) => Collect(Collector.UrlEncoded, source, data, null);

        /// <summary>Adds each cookie of a <c>Cookie</c> header (<c>sid=abc; theme="dark"</c>). Returns true when inputs were left out.</summary>
        public bool AddCookies(string cookieHeader) => Collect(Collector.Cookies, InputSource.Cookie, cookieHeader, null);

        /// <summary>
        /// Adds one request header, by its name in any case: <c>Cookie</c> is split into cookies, headers the
        /// protocol consumes (<c>Content-Length</c>, <c>Accept-Encoding</c>, <c>Sec-Fetch-*</c>, ...) are skipped,
        /// any other is an input keyed by its lower-case name. Returns true when inputs were left out.
        /// </summary>
        public bool AddHeader(string name, string value) => Collect(Collector.Header, InputSource.Header, name, value);

        /// <summary>
        /// Adds the values of a JSON body under their dotted paths (<c>user.address.city</c>, <c>ids[2]</c>);
        /// invalid JSON adds nothing. Returns true when inputs were left out (<see cref="MaxInputs"/>, or
        /// nesting deeper than 32 levels).
        /// </summary>
        public bool AddJson(string json) => Collect(Collector.Json, InputSource.Body, json, null);

        /// <summary>As <see cref="AddJson(string)"/>, for the body's bytes as received.</summary>
        public bool AddJson(byte[] json)
        {
            if (json == null) throw new ArgumentNullException(nameof(json));
            fixed (byte* data = json) return CollectBytes(Collector.Json, InputSource.Body, data, json.Length, null, 0);
        }

        /// <summary>
        /// Adds an uploaded file: an input (source <see cref="InputSource.File"/>, key the form field, value the
        /// file name), its declared content type and its first bytes (512 are kept) for the upload rules of
        /// <see cref="Engine.Inspect"/>.
        /// </summary>
        public void AddFile(string field, string fileName, string contentType, byte[] head)
        {
            byte[] fieldBytes = Utf8.Encoding.GetBytes(field ?? string.Empty);
            byte[] nameBytes = Utf8.Encoding.GetBytes(fileName ?? throw new ArgumentNullException(nameof(fileName)));
            byte[] typeBytes = Utf8.Encoding.GetBytes(contentType ?? string.Empty);
            head = head ?? new byte[0];
            bool added = false;
            try
            {
                IntPtr pointer = Acquire(ref added);
                fixed (byte* f = fieldBytes)
                fixed (byte* n = nameBytes)
                fixed (byte* t = typeBytes)
                fixed (byte* h = head)
                {
                    RampartException.Check(Native.rampart_request_add_file(pointer, f, (UIntPtr)fieldBytes.Length, n,
                        (UIntPtr)nameBytes.Length, t, (UIntPtr)typeBytes.Length, h, (UIntPtr)head.Length));
                }
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            InputCount++;
        }

        private enum Collector { UrlEncoded, Cookies, Header, Json }

        private bool Collect(Collector collector, InputSource source, string first, string second)
        {
            if (first == null) return false;
            second = second ?? string.Empty;
            int max = checked(Utf8.MaxBytes(first) + Utf8.MaxBytes(second));
            if (max <= Utf8.StackLimit)
            {
                byte* buffer = stackalloc byte[Math.Max(max, 1)];
                return CollectInto(collector, source, first, second, buffer, max);
            }
            fixed (byte* buffer = Utf8.Rent(max)) return CollectInto(collector, source, first, second, buffer, max);
        }

        private bool CollectInto(Collector collector, InputSource source, string first, string second, byte* buffer, int capacity)
        {
            int firstLength = Utf8.Encode(first, buffer, capacity);
            int secondLength = Utf8.Encode(second, buffer + firstLength, capacity - firstLength);
            return CollectBytes(collector, source, buffer, firstLength, buffer + firstLength, secondLength);
        }

        private bool CollectBytes(Collector collector, InputSource source, byte* first, int firstLength, byte* second, int secondLength)
        {
            byte truncated = 0;
            uint status;
            UIntPtr count;
            bool added = false;
            try
            {
                IntPtr pointer = Acquire(ref added);
                UIntPtr length = (UIntPtr)firstLength;
                switch (collector)
                {
                    case Collector.UrlEncoded: status = Native.rampart_request_add_urlencoded(pointer, (uint)source, first, length, &truncated); break;
                    case Collector.Cookies: status = Native.rampart_request_add_cookies(pointer, first, length, &truncated); break;
                    case Collector.Header:
                        status = Native.rampart_request_add_header(pointer, first, length, second, (UIntPtr)secondLength, &truncated);
                        break;
                    default: status = Native.rampart_request_add_json(pointer, first, length, &truncated); break;
                }
                RampartException.Check(status);
                RampartException.Check(Native.rampart_request_input_count(pointer, out count));
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            InputCount = (int)count.ToUInt64();
            return truncated != 0;
        }

        /// <summary>Payload inspection of this request: see <see cref="Engine.Inspect"/>.</summary>
        internal Verdict Inspect()
        {
            Verdict verdict;
            uint status;
            bool added = false;
            try
            {
                status = Native.rampart_inspect(Acquire(ref added), out verdict);
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            RampartException.Check(status);
            return verdict;
        }

        /// <summary>Sets the HTTP method (shown in events).</summary>
        public void SetMethod(string method) => SetText(Field.Method, method);

        /// <summary>Sets the request path without the query string; route exclusions match it.</summary>
        public void SetPath(string path) => SetText(Field.Path, path);

        /// <summary>Sets the framework's route template (<c>/users/{id}</c>); route exclusions match it.</summary>
        public void SetRoute(string route) => SetText(Field.Route, route);

        /// <summary>Sets the request's own host (the Host header); redirects there are not foreign.</summary>
        public void SetHost(string host) => SetText(Field.Host, host);

        /// <summary>Forgets every input and routing fact, keeping the memory for the next HTTP request.</summary>
        public void Reset()
        {
            bool added = false;
            try
            {
                RampartException.Check(Native.rampart_request_reset(Acquire(ref added)));
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            InputCount = 0;
        }

        /// <summary>Did an input change the structure of this SQL query? Call right before it is sent.</summary>
        public Verdict CheckSql(SqlDialect dialect, string query) => CheckText(Sink.Sql, (uint)dialect, query);

        /// <summary>Did an input change the structure of this command, about to be run by a shell?</summary>
        public Verdict CheckShell(string command) => CheckText(Sink.Shell, 0, command);

        /// <summary>Did an input choose the program, inject an option, or reach a shell through this argv (no shell)?</summary>
        /// <remarks>The verdict's span is in the arguments joined by one space.</remarks>
        public Verdict CheckExec(IReadOnlyList<string> argv)
        {
            if (argv == null) throw new ArgumentNullException(nameof(argv));
            int count = argv.Count;
            int max = 0;
            for (int i = 0; i < count; i++)
            {
                string arg = argv[i] ?? throw new ArgumentNullException(nameof(argv), "argv[" + i + "] is null");
                max = checked(max + Utf8.MaxBytes(arg));
            }
            if (count <= Native.ExecInlineArgs && max <= Utf8.StackLimit)
            {
                NativeBytes* args = stackalloc NativeBytes[Math.Max(count, 1)];
                byte* buffer = stackalloc byte[Math.Max(max, 1)];
                return ExecInto(argv, args, buffer, max);
            }
            NativeBytes[] argArray = new NativeBytes[count];
            fixed (NativeBytes* args = argArray)
            fixed (byte* buffer = Utf8.Rent(Math.Max(max, 1)))
            {
                return ExecInto(argv, args, buffer, max);
            }
        }

        private Verdict ExecInto(IReadOnlyList<string> argv, NativeBytes* args, byte* buffer, int capacity)
        {
            int at = 0;
            for (int i = 0; i < argv.Count; i++)
            {
                int length = Utf8.Encode(argv[i], buffer + at, capacity - at);
                args[i].Data = buffer + at;
                args[i].Length = (UIntPtr)length;
                at += length;
            }
            Verdict verdict;
            bool added = false;
            try
            {
                RampartException.Check(Native.rampart_check_exec(Acquire(ref added), args, (UIntPtr)argv.Count, out verdict));
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            return verdict;
        }

        /// <summary>Did a user-supplied object bring a query operator into this MongoDB-style filter (JSON text)?</summary>
        public Verdict CheckNoSql(string filterJson) => CheckText(Sink.NoSql, 0, filterJson);

        /// <summary>Did an input take this file path out of the directory the application meant?</summary>
        public Verdict CheckPath(string path) => CheckText(Sink.Path, 0, path);

        /// <summary>Did an input point this outgoing request inside (loopback, private, metadata) or to another scheme?</summary>
        public Verdict CheckUrl(string url) => CheckText(Sink.Url, 0, url);

        /// <summary>At connect time: did <paramref name="host"/> come from an input and resolve to the internal <paramref name="ip"/>?</summary>
        /// <remarks>The verdict's span is in <paramref name="host"/>.</remarks>
        public Verdict CheckResolvedIp(string host, string ip) => CheckPair(Sink.Url, host, ip);

        /// <summary>Did an input send this redirect to another site, or make it a script URL?</summary>
        public Verdict CheckRedirect(string location) => CheckText(Sink.Redirect, 0, location);

        /// <summary>Did an input bring a line break or NUL into this response header?</summary>
        /// <remarks>The span is in <paramref name="value"/>, or in <paramref name="name"/> for <see cref="Reason.HeaderNameInjection"/>.</remarks>
        public Verdict CheckHeader(string name, string value) => CheckPair(Sink.Header, name, value);

        private Verdict CheckText(Sink sink, uint dialect, string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            int max = Utf8.MaxBytes(text);
            if (max <= Utf8.StackLimit)
            {
                byte* buffer = stackalloc byte[max];
                return CheckBytes(sink, dialect, buffer, Utf8.Encode(text, buffer, max));
            }
            fixed (byte* buffer = Utf8.Rent(max))
            {
                return CheckBytes(sink, dialect, buffer, Utf8.Encode(text, buffer, max));
            }
        }

        private Verdict CheckBytes(Sink sink, uint dialect, byte* data, int length)
        {
            Verdict verdict;
            uint status;
            UIntPtr size = (UIntPtr)length;
            bool added = false;
            try
            {
                IntPtr pointer = Acquire(ref added);
                switch (sink)
                {
                    case Sink.Sql: status = Native.rampart_check_sql(pointer, dialect, data, size, out verdict); break;
                    case Sink.Shell: status = Native.rampart_check_shell(pointer, data, size, out verdict); break;
                    case Sink.NoSql: status = Native.rampart_check_nosql(pointer, data, size, out verdict); break;
                    case Sink.Path: status = Native.rampart_check_path(pointer, data, size, out verdict); break;
                    case Sink.Url: status = Native.rampart_check_url(pointer, data, size, out verdict); break;
                    case Sink.Redirect: status = Native.rampart_check_redirect(pointer, data, size, out verdict); break;
                    default: throw new ArgumentOutOfRangeException(nameof(sink));
                }
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            RampartException.Check(status);
            return verdict;
        }

        private Verdict CheckPair(Sink sink, string first, string second)
        {
            if (first == null) throw new ArgumentNullException(nameof(first));
            if (second == null) throw new ArgumentNullException(nameof(second));
            int max = checked(Utf8.MaxBytes(first) + Utf8.MaxBytes(second));
            if (max <= Utf8.StackLimit)
            {
                byte* buffer = stackalloc byte[max];
                return PairInto(sink, first, second, buffer, max);
            }
            fixed (byte* buffer = Utf8.Rent(max)) return PairInto(sink, first, second, buffer, max);
        }

        private Verdict PairInto(Sink sink, string first, string second, byte* buffer, int capacity)
        {
            int firstLength = Utf8.Encode(first, buffer, capacity);
            byte* secondStart = buffer + firstLength;
            int secondLength = Utf8.Encode(second, secondStart, capacity - firstLength);
            Verdict verdict;
            uint status;
            bool added = false;
            try
            {
                IntPtr pointer = Acquire(ref added);
                status = sink == Sink.Header
                    ? Native.rampart_check_header(pointer, buffer, (UIntPtr)firstLength, secondStart, (UIntPtr)secondLength, out verdict)
                    : Native.rampart_check_resolved_ip(pointer, buffer, (UIntPtr)firstLength, secondStart, (UIntPtr)secondLength, out verdict);
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            RampartException.Check(status);
            return verdict;
        }

        /// <summary>
        /// The event of a finding as one line of JSON (docs/events.md). <paramref name="resource"/>
        /// is what the verdict's span points into (the checked text; for exec, the argv joined by
        /// spaces; for a resolved IP, the host). <paramref name="metaJson"/>: optional JSON object with
        /// <c>operation</c>, <c>event_id</c>, <c>client_ip</c>, <c>user_agent</c>, <c>request_id</c>, <c>stack</c>.
        /// </summary>
        /// <exception cref="NoEventException">The verdict found nothing.</exception>
        public string EventJson(Verdict verdict, Sink sink, string resource, string metaJson = null)
        {
            byte[] resourceBytes = Utf8.Encoding.GetBytes(resource ?? string.Empty);
            byte[] metaBytes = Utf8.Encoding.GetBytes(metaJson ?? string.Empty);
            byte[] output = new byte[1024];
            while (true)
            {
                UIntPtr length;
                uint status;
                fixed (byte* r = resourceBytes)
                fixed (byte* m = metaBytes)
                fixed (byte* o = output)
                {
                    status = Native.rampart_event_json(Handle, ref verdict, (uint)sink, r, (UIntPtr)resourceBytes.Length,
                        m, (UIntPtr)metaBytes.Length, o, (UIntPtr)output.Length, out length);
                    if (status == 0) return Utf8.Decode(o, (int)length.ToUInt64());
                }
                if (status != 101) throw RampartException.FromStatus(status);
                output = new byte[(int)length.ToUInt64() + 1];
            }
        }

        // Holds a reference on the handle for the duration of one native call, so that a
        // Dispose on another thread cannot free the request under it (the call then throws
        // ObjectDisposedException instead). Pair with Handle.DangerousRelease in a finally.
        private IntPtr Acquire(ref bool added)
        {
            Handle.DangerousAddRef(ref added);
            return Handle.DangerousGetHandle();
        }

        /// <summary>Releases the native request.</summary>
        public void Dispose() => Handle.Dispose();

        private enum Field { Method, Path, Route, Host }

        private void SetText(Field field, string text)
        {
            text = text ?? string.Empty;
            int max = Utf8.MaxBytes(text);
            if (max <= Utf8.StackLimit)
            {
                byte* buffer = stackalloc byte[max];
                SetBytes(field, buffer, Utf8.Encode(text, buffer, max));
            }
            else
            {
                fixed (byte* buffer = Utf8.Rent(max)) SetBytes(field, buffer, Utf8.Encode(text, buffer, max));
            }
        }

        private void SetBytes(Field field, byte* data, int length)
        {
            UIntPtr size = (UIntPtr)length;
            uint status;
            bool added = false;
            try
            {
                IntPtr pointer = Acquire(ref added);
                switch (field)
                {
                    case Field.Method: status = Native.rampart_request_set_method(pointer, data, size); break;
                    case Field.Path: status = Native.rampart_request_set_path(pointer, data, size); break;
                    case Field.Route: status = Native.rampart_request_set_route(pointer, data, size); break;
                    default: status = Native.rampart_request_set_host(pointer, data, size); break;
                }
            }
            finally
            {
                if (added) Handle.DangerousRelease();
            }
            RampartException.Check(status);
        }
    }

    /// <summary>Names as configuration files and other agents spell them.</summary>
    public static unsafe class Names
    {
        /// <summary>The dialect named <paramref name="name"/> (<c>mysql</c>, <c>postgres</c>, <c>sqlite</c>, <c>sqlserver</c>, ...; any case).</summary>
        public static SqlDialect Dialect(string name)
        {
            Library.EnsureLoaded();
            byte[] bytes = Utf8.Encoding.GetBytes(name ?? string.Empty);
            uint code;
            fixed (byte* data = bytes) RampartException.Check(Native.rampart_dialect_from_name(data, (UIntPtr)bytes.Length, out code));
            return (SqlDialect)code;
        }

        /// <summary>The source named <paramref name="name"/> (<c>query</c>, <c>body</c>, <c>path</c>, <c>header</c>, <c>cookie</c>, <c>other</c>).</summary>
        public static InputSource Source(string name)
        {
            Library.EnsureLoaded();
            byte[] bytes = Utf8.Encoding.GetBytes(name ?? string.Empty);
            uint code;
            fixed (byte* data = bytes) RampartException.Check(Native.rampart_source_from_name(data, (UIntPtr)bytes.Length, out code));
            return (InputSource)code;
        }
    }
}
