using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Mono.Data.Sqlite;

namespace Rampart.Tests
{
    internal static class ApiTests
    {
        private static readonly string Root = Environment.GetEnvironmentVariable("RAMPART_ROOT") ?? Directory.GetCurrentDirectory();

        private const string AttackSql = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";
        private const string AttackInput = "' OR 1=1-- ";

        public static int Run()
        {
            var suite = new Suite();
            suite.Add("header: ABI version and every enum value match include/rampart.h", HeaderMatches);
            suite.Add("packaging: project files parse, pack librampart.so at runtimes/linux-x64/native/, version from Cargo.toml", Packaging);
            suite.Add("library: version is MAJOR.MINOR.PATCH", () => Assert.True(Regex.IsMatch(Library.Version, @"^\d+\.\d+\.\d+$"), "version " + Library.Version));
            suite.Add("errors: one exception class per status", ExceptionPerStatus);
            suite.Add("errors: an invalid policy names the field", InvalidPolicy);
            suite.Add("errors: an unreadable RAMPART_POLICY is PolicyIOException", PolicyIo);
            suite.Add("errors: unknown dialect and source names", UnknownNames);
            suite.Add("errors: an event for an allow verdict is NoEventException", NoEvent);
            suite.Add("check: SQL attack and safe query", SqlVerdicts);
            suite.Add("check: spans are UTF-8 byte offsets", Utf8Spans);
            suite.Add("utf-8: the encoder's ASCII fast path agrees with Encoding.UTF8", Utf8Encoder);
            suite.Add("check: resources beyond the stack and pool limits", LongResources);
            suite.Add("check: exec beyond the inline argument count", LongArgv);
            suite.Add("check: every check of the C ABI is reachable", EveryCheck);
            suite.Add("check: no managed allocation per check in steady state", NoAllocation);
            suite.Add("handles: a request outlives its disposed engine", RequestOutlivesEngine);
            suite.Add("handles: a disposed request refuses checks", DisposedRequest);
            suite.Add("events: JSON names operation, event id and the caller's frames", EventFields);
            suite.Add("block response: policy body with the event id", BlockPage);
            suite.Add("failures: a failing check is logged and fails open, or closed when the policy says so", FailOpenOrClosed);
            suite.Add("context: AsyncLocal follows awaits and tasks, and ends on dispose", ContextFlows);
            suite.Add("context: query strings, forms, cookies and JSON bodies become inputs", InputHelpers);
            suite.Add("context: input count is bounded", InputLimit);
            suite.Add("inspect: a payload is reported by default, blocked or ignored as the policy says", Inspect);
            suite.Add("inspect: uploads and rules on the method, events quote the offending value", InspectRules);
            suite.Add("request: the core's collection of query strings, cookies, headers and JSON", RequestCollection);
            suite.Add("request: collection is bounded and survives hostile data", RequestCollectionLimits);
            suite.Add("ado.net: concatenated attack blocked before SQLite sees it", DbBlocks);
            suite.Add("ado.net: parameters and normal queries run unchanged", DbAllows);
            suite.Add("ado.net: report mode logs and runs the query", DbReports);
            suite.Add("ado.net: async execution fails with a faulted task", DbAsync);
            suite.Add("process: arguments reach the program unchanged", ProcessRoundTrip);
            suite.Add("process: injected shell command blocked before it runs", ProcessBlocks);
            suite.Add("process: ProcessStartInfo.Arguments split as the runtime splits them", ProcessStartInfoArgv);
            suite.Add("file: traversal blocked, normal file read", FileGuardChecks);
            return suite.Run("api");
        }

        internal static Agent NewAgent(string mode, List<string> events) =>
            new Agent(Engine.FromJson("{\"mode\": \"" + mode + "\"}"), line => { lock (events) events.Add(line); });

        // ---- header drift ----

        private static void HeaderMatches()
        {
            string header = File.ReadAllText(Path.Combine(Root, "include", "rampart.h"));
            var abi = Regex.Match(header, @"#define RAMPART_ABI_VERSION (\d+)");
            Assert.Equal(uint.Parse(abi.Groups[1].Value), Library.ExpectedAbiVersion, "RAMPART_ABI_VERSION");
            Assert.Equal(uint.Parse(abi.Groups[1].Value), Native.rampart_abi_version(), "loaded library's ABI");
            Assert.Equal(int.Parse(Regex.Match(header, @"#define RAMPART_EVENT_ID_LEN (\d+)").Groups[1].Value), Native.EventIdLength, "RAMPART_EVENT_ID_LEN");
            Assert.Equal(int.Parse(Regex.Match(header, @"#define RAMPART_EXEC_INLINE_ARGS (\d+)").Groups[1].Value), Native.ExecInlineArgs, "RAMPART_EXEC_INLINE_ARGS");
            Assert.Equal(int.Parse(Regex.Match(header, @"#define RAMPART_MAX_INPUTS (\d+)").Groups[1].Value), Request.MaxInputs, "RAMPART_MAX_INPUTS");
            CompareEnum<VerdictAction>(header, "ACTION");
            CompareEnum<Threat>(header, "THREAT");
            CompareEnum<Reason>(header, "REASON");
            CompareEnum<InputSource>(header, "SOURCE");
            CompareEnum<SqlDialect>(header, "DIALECT");
            CompareEnum<Sink>(header, "SINK");
            // Statuses: each has its own exception class (and no two share one).
            var classes = new HashSet<Type>();
            foreach (Match m in Regex.Matches(header, @"RAMPART_STATUS_(\w+) = (\d+)"))
            {
                uint code = uint.Parse(m.Groups[2].Value);
                if (code == 0) continue;
                Type type = RampartException.FromStatus(code).GetType();
                string want = Pascal(m.Groups[1].Value).Replace("Panic", "InternalError") + "Exception";
                Assert.Equal(want.ToLowerInvariant(), type.Name.ToLowerInvariant(), "exception for status " + m.Groups[1].Value);
                Assert.True(classes.Add(type), "status " + code + " shares " + type.Name);
            }
            Assert.True(classes.Count >= 8, "statuses found in the header: " + classes.Count);
        }

        // The SDK is not on this machine kind: check what can be checked without it.
        private static void Packaging()
        {
            string dotnet = Path.Combine(Root, "bindings", "dotnet");
            var props = new System.Xml.XmlDocument();
            props.Load(Path.Combine(dotnet, "Directory.Build.props"));
            var project = new System.Xml.XmlDocument();
            project.Load(Path.Combine(dotnet, "src", "Rampart", "Rampart.csproj"));
            new System.Xml.XmlDocument().Load(Path.Combine(dotnet, "src", "Rampart.AspNetCore", "Rampart.AspNetCore.csproj"));
            Assert.Equal("netstandard2.0", project.SelectSingleNode("/Project/PropertyGroup/TargetFramework").InnerText, "target framework");
            Assert.Equal("true", project.SelectSingleNode("/Project/PropertyGroup/AllowUnsafeBlocks").InnerText, "unsafe code");
            var native = (System.Xml.XmlElement)project.SelectSingleNode("/Project/ItemGroup/None[@Pack='true']");
            Assert.Equal("$(RampartNativeDir)librampart.so", native.GetAttribute("Include"), "native library item");
            Assert.Equal("runtimes/linux-x64/native/", native.GetAttribute("PackagePath"), "NuGet layout");
            // The MSBuild property function reads the version with this pattern; it must find Cargo's.
            string versionExpression = props.SelectSingleNode("/Project/PropertyGroup/Version").InnerText;
            string pattern = Regex.Match(versionExpression, @"'(\(\?m\)[^']+)'").Groups[1].Value;
            string cargoVersion = Regex.Match(File.ReadAllText(Path.Combine(Root, "Cargo.toml")), pattern).Groups[1].Value;
            Assert.Equal(Library.Version, cargoVersion, "package version from Cargo.toml");
        }

        private static string Pascal(string upper) =>
            string.Concat(upper.Split('_').Select(w => w.Substring(0, 1) + w.Substring(1).ToLowerInvariant()));

        private static void CompareEnum<T>(string header, string prefix) where T : struct
        {
            var declared = Regex.Matches(header, @"RAMPART_" + prefix + @"_(\w+) = (\d+)").Cast<Match>()
                .ToDictionary(m => m.Groups[1].Value.Replace("_", string.Empty), m => ulong.Parse(m.Groups[2].Value));
            Assert.True(declared.Count > 0, prefix + " found in the header");
            var ours = Enum.GetValues(typeof(T)).Cast<object>()
                .ToDictionary(v => v.ToString().ToUpperInvariant(), v => Convert.ToUInt64(v));
            foreach (var pair in declared)
            {
                ulong value;
                Assert.True(ours.TryGetValue(pair.Key, out value), typeof(T).Name + " lacks " + pair.Key);
                Assert.Equal(pair.Value, value, typeof(T).Name + "." + pair.Key);
            }
            Assert.Equal(declared.Count, ours.Count, typeof(T).Name + " member count");
        }

        // ---- errors ----

        private static void ExceptionPerStatus()
        {
            Assert.True(RampartException.FromStatus(1) is InvalidPolicyException, "1");
            Assert.True(RampartException.FromStatus(2) is PolicyIOException, "2");
            Assert.True(RampartException.FromStatus(3) is InvalidArgumentException, "3");
            Assert.True(RampartException.FromStatus(100) is NullArgumentException, "100");
            Assert.True(RampartException.FromStatus(101) is BufferTooSmallException, "101");
            Assert.True(RampartException.FromStatus(102) is NoEventException, "102");
            Assert.True(RampartException.FromStatus(198) is UnknownErrorException, "198");
            Assert.True(RampartException.FromStatus(199) is InternalErrorException, "199");
            var unknown = RampartException.FromStatus(4242);
            Assert.True(unknown is UnknownErrorException && unknown.Status == 4242, "an unknown status keeps its code");
            Assert.Contains("buffer_too_small", RampartException.FromStatus(101).Message, "message from rampart_status_str");
        }

        private static void InvalidPolicy()
        {
            var e = Assert.Throws<InvalidPolicyException>(() => Engine.FromJson("{\"protections\": {\"sql_injection\": {\"action\": \"blok\"}}}"), "bad action");
            Assert.Equal(1u, e.Status, "status");
            Assert.Contains("protections.sql_injection.action", e.Message, "message names the field");
            Assert.Throws<InvalidPolicyException>(() => Engine.FromJson(""), "empty document");
            Assert.Throws<ArgumentNullException>(() => Engine.FromJson(null), "null document");
        }

        private static void PolicyIo()
        {
            string saved = Environment.GetEnvironmentVariable("RAMPART_POLICY");
            try
            {
                Environment.SetEnvironmentVariable("RAMPART_POLICY", "/nonexistent/rampart-policy.json");
                var e = Assert.Throws<PolicyIOException>(() => Engine.FromEnvironment(), "missing file");
                Assert.Contains("rampart-policy.json", e.Message, "message names the file");
            }
            finally
            {
                Environment.SetEnvironmentVariable("RAMPART_POLICY", saved);
            }
        }

        private static void UnknownNames()
        {
            Assert.Equal(SqlDialect.PostgreSql, Names.Dialect("Postgres"), "postgres");
            Assert.Equal(SqlDialect.MsSql, Names.Dialect("sqlserver"), "sqlserver");
            Assert.Equal(InputSource.Cookie, Names.Source("cookie"), "cookie");
            Assert.Equal(3u, Assert.Throws<InvalidArgumentException>(() => Names.Dialect("dbase"), "dialect").Status, "status");
            Assert.Throws<InvalidArgumentException>(() => Names.Source("bodyy"), "source");
        }

        private static void NoEvent()
        {
            using (var engine = Engine.FromJson("{}"))
            using (var request = engine.CreateRequest())
            {
                Verdict allow = request.CheckSql(SqlDialect.MySql, "SELECT 1");
                Assert.Throws<NoEventException>(() => request.EventJson(allow, Sink.Sql, "SELECT 1"), "no event");
            }
        }

        // ---- checks ----

        private static void SqlVerdicts()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                request.AddInput(InputSource.Body, "name", "alice");
                request.AddInput(InputSource.Body, "email", AttackInput);
                Verdict v = request.CheckSql(SqlDialect.MySql, AttackSql);
                Assert.True(v.IsAttack, "attack found");
                Assert.Equal(VerdictAction.Block, v.Action, "action");
                Assert.Equal(Threat.SqlInjection, v.Threat, "threat");
                Assert.Equal(1, v.InputIndex, "input index");
                Assert.Equal(AttackSql.IndexOf(AttackInput, StringComparison.Ordinal), v.SpanStart, "span start");
                Assert.Equal(v.SpanStart + AttackInput.Length, v.SpanEnd, "span end");
                Verdict safe = request.CheckSql(SqlDialect.MySql, "SELECT * FROM users WHERE name = 'alice'");
                Assert.True(!safe.IsAttack && safe.Action == VerdictAction.Allow && safe.InputIndex == -1 && safe.SpanStart == -1, "safe: " + safe);
            }
            using (var engine = Engine.FromJson("{\"mode\": \"report\"}"))
            using (var request = engine.CreateRequest())
            {
                request.AddInput(InputSource.Query, "email", AttackInput);
                Assert.Equal(VerdictAction.Report, request.CheckSql(SqlDialect.Generic, AttackSql).Action, "report mode");
            }
        }

        private static void Utf8Spans()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                const string input = "ü' OR 'ß'='ß";
                string query = "SELECT * FROM t WHERE name = 'ñandú' AND city = '" + input + "'";
                request.AddInput(InputSource.Query, "city", input);
                Verdict v = request.CheckSql(SqlDialect.PostgreSql, query);
                Assert.True(v.IsAttack, "attack with non-ASCII text");
                byte[] bytes = Encoding.UTF8.GetBytes(query);
                Assert.Equal(input, Encoding.UTF8.GetString(bytes, v.SpanStart, v.SpanEnd - v.SpanStart), "span in UTF-8 bytes");
            }
        }


        private static unsafe void Utf8Encoder()
        {
            var samples = new List<string> { "", "a", "abc", "abcd", "abcde", "é", "aé", "abcdé", "abcdefgé€", "😀", "abc😀", "abcd😀x",
                "\ud800", "abc\ud800", "abcd\udc00e", "\u0000\u007f\u0080", new string('x', 1000) + "ß" + new string('y', 7) };
            for (int shift = 0; shift < 9; shift++) samples.Add(new string('q', shift) + "Köln 東京 😀 ok");
            byte[] buffer = new byte[8192];
            foreach (string sample in samples)
            {
                byte[] expected = new UTF8Encoding(false, false).GetBytes(sample);
                int length;
                fixed (byte* dest = buffer) length = Utf8.Encode(sample, dest, Utf8.MaxBytes(sample));
                Assert.Equal(Convert.ToBase64String(expected), Convert.ToBase64String(buffer, 0, length), "encoding of " + sample);
            }
        }

        private static void LongResources()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                request.AddInput(InputSource.Body, "email", AttackInput);
                foreach (int padding in new[] { 300, 5000, 2 * 1024 * 1024 })
                {
                    string query = "SELECT '" + new string('x', padding) + "' FROM users WHERE email = '" + AttackInput + "'";
                    Verdict v = request.CheckSql(SqlDialect.Sqlite, query);
                    Assert.True(v.IsAttack, "attack after " + padding + " bytes");
                    Assert.Equal(query.IndexOf(AttackInput, StringComparison.Ordinal), v.SpanStart, "span after " + padding + " bytes");
                    Assert.True(!request.CheckSql(SqlDialect.Sqlite, query.Replace(AttackInput, "bob")).IsAttack, "safe after " + padding + " bytes");
                }
                string longInput = new string('é', 3000) + "' OR 1=1 --";
                request.AddInput(InputSource.Body, "long", longInput);
                Assert.True(request.CheckSql(SqlDialect.MySql, "SELECT 1 FROM t WHERE a = '" + longInput + "'").IsAttack, "long input");
            }
        }

        private static void LongArgv()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                request.AddInput(InputSource.Query, "cmd", "touch /tmp/pwned");
                var argv = new List<string> { "sh", "-c", "touch /tmp/pwned" };
                Verdict small = request.CheckExec(argv);
                Assert.True(small.IsAttack, "sh -c with input: " + small);
                // sh -c SCRIPT NAME ARG...: the script's positional parameters, past the inline count.
                var longArgv = new List<string> { "sh", "-c", "touch /tmp/pwned", "sh" };
                for (int i = 0; i < 100; i++) longArgv.Add("file" + i);
                Verdict big = request.CheckExec(longArgv);
                Assert.True(big.IsAttack, "attack after 100 arguments: " + big);
                string joined = string.Join(" ", longArgv);
                Assert.Equal("touch /tmp/pwned", joined.Substring(big.SpanStart, big.SpanEnd - big.SpanStart), "span in the joined argv");
                Assert.True(!request.CheckExec(new[] { "ls", "-l", "docs" }).IsAttack, "plain argv");
                Assert.True(!request.CheckExec(new string[0]).IsAttack, "empty argv");
            }
        }

        private static void EveryCheck()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                request.SetHost("shop.example.com");
                request.AddInput(InputSource.Query, "host", "x; id");
                request.AddInput(InputSource.Query, "file", "../../etc/passwd");
                request.AddInput(InputSource.Query, "url", "http://169.254.169.254/latest/meta-data/");
                request.AddInput(InputSource.Query, "next", "https://evil.example/");
                request.AddInput(InputSource.Query, "lang", "en\r\nSet-Cookie: a=b");
                request.AddInput(InputSource.Query, "hook", "rebind.example");
                request.AddInput(InputSource.Body, "$ne", "$ne");
                Assert.Equal(Threat.CommandInjection, request.CheckShell("ping -c 1 x; id").Threat, "shell");
                Assert.Equal(Threat.PathTraversal, request.CheckPath("/srv/files/../../etc/passwd").Threat, "path");
                Assert.Equal(Reason.SsrfCloudMetadata, request.CheckUrl("http://169.254.169.254/latest/meta-data/").Reason, "url");
                Assert.Equal(Reason.SsrfResolvedInternal, request.CheckResolvedIp("rebind.example", "10.0.0.7").Reason, "resolved ip");
                Assert.True(!request.CheckResolvedIp("rebind.example", "93.184.216.34").IsAttack, "resolved public ip");
                Assert.Equal(Threat.OpenRedirect, request.CheckRedirect("https://evil.example/").Threat, "redirect");
                Assert.True(!request.CheckRedirect("/account").IsAttack, "local redirect");
                Assert.Equal(Reason.HeaderLineBreak, request.CheckHeader("Content-Language", "en\r\nSet-Cookie: a=b").Reason, "header");
                Assert.Equal(Threat.NoSqlInjection, request.CheckNoSql("{\"password\": {\"$ne\": null}}").Threat, "nosql");
            }
        }

        private static void NoAllocation()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                string shortQuery = "SELECT * FROM users WHERE email = 'alice@example.com' AND pw = 'x'";
                string longQuery = "SELECT '" + new string('y', 20000) + "' FROM users WHERE email = 'alice@example.com'";
                string[] argv = { "git", "log", "--oneline" };
                Action round = () =>
                {
                    request.Reset();
                    request.AddInput(InputSource.Body, "email", "alice@example.com");
                    request.AddInput(InputSource.Body, "name", "O'Brien");
                    request.SetPath("/login");
                    request.CheckSql(SqlDialect.MySql, shortQuery);
                    request.CheckSql(SqlDialect.MySql, longQuery);
                    request.CheckShell("ls -l alice@example.com");
                    request.CheckExec(argv);
                    request.CheckPath("/srv/files/report.pdf");
                    request.CheckUrl("https://api.example.com/v1/items");
                    request.CheckHeader("X-Name", "O'Brien");
                };
                for (int i = 0; i < 100; i++) round();
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++) round();
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.Equal(0L, allocated, "bytes allocated over 1000 requests of 7 checks");
            }
        }

        // ---- handles ----

        private static void RequestOutlivesEngine()
        {
            var engine = Engine.FromJson("{\"mode\": \"block\"}");
            var request = engine.CreateRequest();
            engine.Dispose();
            engine.Dispose();
            request.AddInput(InputSource.Body, "email", AttackInput);
            Assert.True(request.CheckSql(SqlDialect.MySql, AttackSql).IsAttack, "request works after the engine is disposed");
            request.Dispose();
        }

        private static void DisposedRequest()
        {
            using (var engine = Engine.FromJson("{}"))
            {
                var request = engine.CreateRequest();
                request.Dispose();
                Assert.Throws<ObjectDisposedException>(() => request.CheckSql(SqlDialect.MySql, "SELECT 1"), "check after dispose");
            }
        }

        // ---- events ----

        private static void EventFields()
        {
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var context = agent.BeginRequest("POST", "/login", clientIp: "127.0.0.1", userAgent: "tests/1.0", requestId: "req-7"))
            {
                context.AddInput(InputSource.Body, "email", AttackInput);
                var blocked = Assert.Throws<RampartBlockedException>(() => context.Sql(SqlDialect.MySql, AttackSql, "test.query"), "blocked");
                Assert.Equal(Threat.SqlInjection, blocked.Threat, "exception threat");
                Assert.Equal(1, events.Count, "one event");
                string line = events[0];
                Assert.Contains("\"event_id\":\"" + blocked.EventId + "\"", line, "event id shared with the exception");
                Assert.Contains("\"operation\":\"test.query\"", line, "operation");
                Assert.Contains("\"client_ip\":\"127.0.0.1\"", line, "client ip");
                Assert.Contains("\"request_id\":\"req-7\"", line, "request id");
                Assert.Contains("\"method\":\"POST\"", line, "method");
                Assert.Contains("\"path\":\"/login\"", line, "path");
                Assert.Contains("Rampart.Tests.ApiTests", line, "the caller's frames in the stack");
                Assert.Equal(blocked.EventId, context.BlockedEventId, "context remembers the blocked event");
            }
        }

        private static void BlockPage()
        {
            using (var engine = Engine.FromJson("{\"block_response\": {\"status\": 451, \"content_type\": \"text/plain; charset=utf-8\", \"body\": \"ブロック id={{event_id}}\"}}"))
            {
                string id = Engine.NewEventId();
                Assert.True(Regex.IsMatch(id, "^[0-9a-f]{32}$"), "event id " + id);
                BlockResponse page = engine.BlockResponse(id);
                Assert.Equal(451, page.StatusCode, "status");
                Assert.Equal("text/plain; charset=utf-8", page.ContentType, "content type");
                Assert.Equal("ブロック id=" + id, page.Body, "body");
                Assert.Throws<InvalidArgumentException>(() => engine.BlockResponse("<script>"), "malformed event id");
            }
        }

        private static void FailOpenOrClosed()
        {
            const SqlDialect unknown = (SqlDialect)99; // the library refuses it: InvalidArgumentException
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var context = agent.BeginRequest("GET", "/"))
            {
                Assert.True(!agent.Engine.FailClosed, "fails open by default");
                context.AddInput(InputSource.Query, "q", AttackInput);
                context.Sql(unknown, AttackSql, "test.query");
                Assert.Equal(1, events.Count, "one error event");
                var error = (Dictionary<string, object>)MiniJson.Parse(events[0]);
                Assert.Equal("failed_open", (string)error["action"], "action");
                Assert.True(error["threat"] == null, "no threat");
                Assert.Equal("invalid_argument", (string)((Dictionary<string, object>)error["error"])["kind"], "error kind");
                var sink = (Dictionary<string, object>)error["sink"];
                Assert.Equal("sql", (string)sink["kind"], "sink kind");
                Assert.Equal("test.query", (string)sink["operation"], "operation");
                Assert.Equal("GET", (string)((Dictionary<string, object>)error["request"])["method"], "request method");
                Assert.True(Regex.IsMatch((string)error["event_id"], "^[0-9a-f]{32}$"), "event id");
            }
            events.Clear();
            using (var agent = new Agent(Engine.FromJson("{\"mode\": \"block\", \"fail_closed\": true}"), events.Add))
            using (var context = agent.BeginRequest("GET", "/"))
            {
                Assert.True(agent.Engine.FailClosed, "fail_closed read from the policy");
                var e = Assert.Throws<RampartBlockedException>(() => context.Sql(unknown, "SELECT 1", "test.query"), "fails closed");
                Assert.Equal(Threat.None, e.Threat, "no threat: rampart failed");
                Assert.Equal(1, events.Count, "the error is logged");
                Assert.Contains("\"action\":\"failed_closed\"", events[0], "failed closed");
                Assert.Contains("\"event_id\":\"" + e.EventId + "\"", events[0], "the exception quotes the event");
            }
        }

        // ---- context ----

        private static void ContextFlows()
        {
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            {
                Assert.True(RequestContext.Current == null, "no context outside a request");
                Func<string, Task<string>> serve = async name =>
                {
                    using (var context = agent.BeginRequest("GET", "/" + name))
                    {
                        context.AddInput(InputSource.Query, "q", name + "' OR 1=1 --");
                        await Task.Delay(20).ConfigureAwait(false);
                        string seen = await Task.Run(() => RequestContext.Current?.Request.CheckSql(SqlDialect.Sqlite,
                            "SELECT 1 WHERE a = '" + name + "' OR 1=1 --'").IsAttack == true ? RequestContext.Current.ClientIp ?? name : "none").ConfigureAwait(false);
                        Assert.True(RequestContext.Current == context, "same context after awaits");
                        return seen;
                    }
                };
                var first = serve("first");
                var second = serve("second");
                Task.WaitAll(first, second);
                Assert.Equal("first", first.Result, "first request saw its own input");
                Assert.Equal("second", second.Result, "second request saw its own input");
                Assert.True(RequestContext.Current == null, "no context after the requests");
            }
        }

        private static void InputHelpers()
        {
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var context = agent.BeginRequest("POST", "/search"))
            {
                context.AddUrlEncoded(InputSource.Query, "?q=caf%C3%A9+au+lait&sort=name%27--&flag");
                context.AddUrlEncoded(InputSource.Body, "user%5Bname%5D=bob&empty=");
                context.AddCookies("session=abc123; theme=dark");
                context.AddJson("{\"user\": {\"address\": {\"city\": \"Köln\"}}, \"ids\": [1, 2, \"3' OR 1=1\"], \"ok\": true, \"none\": null}");
                Assert.True(!context.InputsTruncated, "nothing truncated");
                var sql = context.Request;
                Assert.True(sql.CheckSql(SqlDialect.MySql, "SELECT * FROM t ORDER BY name'--").IsAttack, "query value decoded");
                Assert.True(sql.CheckSql(SqlDialect.MySql, "SELECT * FROM t WHERE id IN (1, 2, 3' OR 1=1)").IsAttack, "JSON array leaf");
                Assert.True(!sql.CheckSql(SqlDialect.MySql, "SELECT * FROM t WHERE q = 'café au lait'").IsAttack, "plus and percent decoded, inside a literal");
                Verdict keyAttack = sql.CheckSql(SqlDialect.MySql, "SELECT user[name] FROM t");
                Assert.True(keyAttack.IsAttack, "a non-word form key is an input: " + keyAttack);
                // inputs: q, sort, flag, user[name] (key) + user[name], empty, session, theme,
                // user.address.city, ids[0..2] (plain-word keys and true/null leaves are no inputs)
                Assert.Equal(12, sql.InputCount, "input count");
                context.AddJson("{\"broken\": ");
                Assert.Equal(12, sql.InputCount, "malformed JSON adds nothing");
            }
        }

        private static void InputLimit()
        {
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var context = agent.BeginRequest("GET", "/"))
            {
                context.AddUrlEncoded(InputSource.Query, string.Join("&", Enumerable.Range(0, Request.MaxInputs + 50).Select(i => "k" + i + "=v" + i)));
                Assert.Equal(Request.MaxInputs, context.Request.InputCount, "inputs kept");
                Assert.True(context.InputsTruncated, "truncation noted");
                Assert.True(!context.AddInput(InputSource.Query, "k", "v"), "no room for one more");
            }
            using (var agent = NewAgent("block", events))
            using (var context = agent.BeginRequest("POST", "/"))
            {
                string deep = "{\"a\": " + new string('[', 100000) + "\"x\"" + new string(']', 100000) + "}";
                context.AddJson(deep);
                Assert.Equal(0, context.Request.InputCount, "deep JSON adds nothing, without a stack overflow");
            }
        }

        // ---- payload inspection and the core's collection ----

        private const string SqlPayload = "' OR 1=1-- ";

        private static void Inspect()
        {
            foreach (var policy in new[]
            {
                Tuple.Create("{\"mode\": \"block\"}", VerdictAction.Report),
                Tuple.Create("{\"mode\": \"block\", \"protections\": {\"malicious_payload\": {\"action\": \"block\"}}}", VerdictAction.Block),
                Tuple.Create("{\"mode\": \"report\", \"protections\": {\"malicious_payload\": {\"action\": \"block\"}}}", VerdictAction.Report),
                Tuple.Create("{\"mode\": \"block\", \"protections\": {\"malicious_payload\": {\"action\": \"off\"}}}", VerdictAction.Allow),
            })
            using (var engine = Engine.FromJson(policy.Item1))
            using (var request = engine.CreateRequest())
            {
                request.SetMethod("GET");
                request.SetPath("/search");
                Assert.Equal(VerdictAction.Allow, engine.Inspect(request).Action, "empty request");
                Assert.True(!request.AddUrlEncoded(InputSource.Query, "page=2&q=" + Uri.EscapeDataString(SqlPayload)), "nothing left out");
                Verdict verdict = engine.Inspect(request);
                Assert.Equal(policy.Item2, verdict.Action, policy.Item1);
                if (policy.Item2 == VerdictAction.Allow) { Assert.True(!verdict.IsAttack, "off"); continue; }
                Assert.Equal(Threat.MaliciousPayload, verdict.Threat, "threat");
                Assert.Equal(Reason.PayloadSqlInjection, verdict.Reason, "reason");
                Assert.Equal(1, verdict.InputIndex, "input");
                string json = request.EventJson(verdict, Sink.Request, string.Empty);
                Assert.Contains("\"kind\":\"request\"", json, "sink kind");
                Assert.Contains("\"resource\":\"' OR 1=1-- \"", json, "the event quotes the value");
                Assert.Contains("\"threat\":\"malicious_payload\"", json, "event threat");
            }
            using (var engine = Engine.FromJson("{}"))
            using (var other = Engine.FromJson("{}"))
            using (var request = other.CreateRequest())
            {
                Assert.Throws<ArgumentException>(() => engine.Inspect(request), "a request of another engine");
                Assert.Throws<ArgumentNullException>(() => engine.Inspect(null), "null request");
            }
        }

        private static void InspectRules()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                request.SetMethod("POST");
                request.SetPath("/upload");
                request.AddFile("avatar", "holiday photo.jpg", "image/jpeg", new byte[] { 0xff, 0xd8, 0xff, 0xe0 });
                Assert.True(!engine.Inspect(request).IsAttack, "an image upload");
                request.AddFile("avatar", "shell.php", "image/jpeg", new byte[4096]);
                Assert.Equal(2, request.InputCount, "a file is one input");
                Verdict verdict = engine.Inspect(request);
                Assert.Equal(Reason.RuleMatch, verdict.Reason, "script upload");
                Assert.Equal(1, verdict.InputIndex, "the upload");
                Assert.True(verdict.RuleId != 0, "rule id");
                request.Reset();
                request.SetMethod("TRACE");
                request.SetPath("/");
                verdict = engine.Inspect(request);
                Assert.Equal(Reason.RuleMatch, verdict.Reason, "TRACE");
                Assert.Equal(-1, verdict.InputIndex, "no input");
                Assert.Contains("\"resource\":\"/\"", request.EventJson(verdict, Sink.Request, string.Empty), "the path is quoted");
            }
        }

        // The SQL check of a query that embeds the payload: where the collected input landed.
        private static Tuple<int, string> SqlFinding(Request request)
        {
            string query = "SELECT * FROM users WHERE email = '" + SqlPayload + "'";
            Verdict verdict = request.CheckSql(SqlDialect.MySql, query);
            if (!verdict.IsAttack) return Tuple.Create(-1, string.Empty);
            string json = request.EventJson(verdict, Sink.Sql, query);
            int at = json.IndexOf("\"input\":{", StringComparison.Ordinal);
            return Tuple.Create(verdict.InputIndex, json.Substring(at, Math.Min(90, json.Length - at)));
        }

        private static void RequestCollection()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                Assert.True(!request.AddUrlEncoded(InputSource.Body, "a=1&f%5Bx%27%5D=2&email=" + Uri.EscapeDataString(SqlPayload)), "form");
                Assert.Equal(4, request.InputCount, "a non-word name is an input too");
                var found = SqlFinding(request);
                Assert.Equal(3, found.Item1, "form field index");
                string formInput = found.Item2;
                Assert.Contains("\"source\":\"body\"", formInput, "form field source");
                Assert.Contains("\"key\":\"email\"", formInput, "form field key");

                request.Reset();
                request.AddHeader("Content-Type", SqlPayload);
                request.AddHeader("sec-fetch-site", SqlPayload);
                Assert.Equal(0, request.InputCount, "protocol headers are skipped");
                request.AddHeader("X-Search", SqlPayload);
                string headerInput = SqlFinding(request).Item2;
                Assert.Contains("\"source\":\"header\"", headerInput, "header, lower case source");
                Assert.Contains("\"key\":\"x-search\"", headerInput, "header, lower case key");
                request.Reset();
                request.AddHeader("Cookie", "sid=abc; email=\"" + SqlPayload + "\"");
                Assert.Equal(1, SqlFinding(request).Item1, "Cookie is split into cookies");
                request.Reset();
                request.AddCookies("sid=abc; broken; email=" + SqlPayload);
                string cookieInput = SqlFinding(request).Item2;
                Assert.Contains("\"source\":\"cookie\"", cookieInput, "cookie source");
                Assert.Contains("\"key\":\"email\"", cookieInput, "cookie key");

                request.Reset();
                Assert.True(!request.AddJson("{\"user\": {\"ok\": true, \"tags\": [1, \"" + SqlPayload + "\"]}}"), "json");
                Assert.Contains("\"key\":\"user.tags[1]\"", SqlFinding(request).Item2, "dotted JSON path");
                request.Reset();
                Assert.True(!request.AddJson(System.Text.Encoding.UTF8.GetBytes("[\"" + SqlPayload + "\"]")), "json bytes");
                Assert.Equal(0, SqlFinding(request).Item1, "JSON from bytes");
            }
        }

        private static void RequestCollectionLimits()
        {
            using (var engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (var request = engine.CreateRequest())
            {
                string fields = string.Join("&", Enumerable.Range(0, Request.MaxInputs + 5).Select(i => "k" + i + "=v"));
                Assert.True(request.AddUrlEncoded(InputSource.Query, fields), "left out past the limit");
                Assert.Equal(Request.MaxInputs, request.InputCount, "inputs kept");
                Assert.True(request.AddJson("{\"q\": \"" + SqlPayload + "\"}"), "a full request adds nothing");
                Assert.Equal(-1, SqlFinding(request).Item1, "the payload past the limit is not an input");
                request.Reset();
                Assert.True(request.AddJson(new string('[', 100000) + new string(']', 100000)), "deep JSON: cut at the depth limit, no stack overflow");
                Assert.True(request.AddJson(new string('[', 40) + "\"x\"" + new string(']', 40)), "past 32 levels: left out");
                Assert.True(!request.AddJson(new byte[] { (byte)'"', 0xff, 0xfe, (byte)'"' }), "invalid UTF-8: no input, no error");
                string big = new string('a', 1 << 20);
                Assert.True(!request.AddUrlEncoded(InputSource.Body, "q=" + big), "a megabyte value");
                request.AddHeader("X-Big", big);
                Assert.Equal(2, request.InputCount, "both kept");
                Assert.True(!engine.Inspect(request).IsAttack, "a benign megabyte");
                Assert.True(!request.AddUrlEncoded(InputSource.Query, null), "null adds nothing");
            }
        }

        // ---- ADO.NET ----

        internal static RampartDbConnection OpenDatabase()
        {
            var connection = new RampartDbConnection(new SqliteConnection("Data Source=:memory:"));
            connection.Open();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, password TEXT);"
                                      + "INSERT INTO users (name, password) VALUES ('alice', 'wonderland'), ('bob', 'builder');";
                command.ExecuteNonQuery();
            }
            return connection;
        }

        private static long CountUsers(RampartDbConnection connection)
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT COUNT(*) FROM users";
                return Convert.ToInt64(command.ExecuteScalar());
            }
        }

        private static void DbBlocks()
        {
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var db = OpenDatabase())
            {
                Assert.Equal(SqlDialect.Sqlite, db.Dialect, "dialect guessed from SqliteConnection");
                using (var context = agent.BeginRequest("POST", "/users/delete"))
                {
                    const string name = "x'; DELETE FROM users; --";
                    context.AddInput(InputSource.Body, "name", name);
                    using (var command = db.CreateCommand())
                    {
                        command.CommandText = "DELETE FROM users WHERE name = '" + name + "'";
                        var e = Assert.Throws<RampartBlockedException>(() => command.ExecuteNonQuery(), "blocked");
                        Assert.Equal("DbCommand.ExecuteNonQuery", e.Operation, "operation");
                        Assert.Throws<RampartBlockedException>(() => command.ExecuteReader().Dispose(), "reader blocked");
                        Assert.Throws<RampartBlockedException>(() => command.ExecuteScalar(), "scalar blocked");
                    }
                }
                Assert.Equal(2L, CountUsers(db), "no row deleted");
                Assert.Equal(3, events.Count, "one event per blocked call");
                Assert.Contains("\"operation\":\"DbCommand.ExecuteNonQuery\"", events[0], "event operation");
            }
        }

        private static void DbAllows()
        {
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var db = OpenDatabase())
            using (var context = agent.BeginRequest("GET", "/users"))
            {
                const string name = "x' OR '1'='1";
                context.AddInput(InputSource.Query, "name", name);
                context.AddInput(InputSource.Query, "who", "alice");
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "SELECT COUNT(*) FROM users WHERE name = @name";
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@name";
                    parameter.Value = name;
                    command.Parameters.Add(parameter);
                    Assert.Equal(0L, Convert.ToInt64(command.ExecuteScalar()), "the parameter is data");
                }
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "SELECT password FROM users WHERE name = 'alice'";
                    Assert.Equal("wonderland", (string)command.ExecuteScalar(), "a normal concatenated query runs");
                }
                using (var transaction = db.BeginTransaction())
                using (var command = db.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = "UPDATE users SET password = 'x' WHERE name = 'bob'";
                    Assert.Equal(1, command.ExecuteNonQuery(), "update in a transaction");
                    transaction.Rollback();
                }
                Assert.Equal(0, events.Count, "no event");
            }
        }

        private static void DbReports()
        {
            var events = new List<string>();
            using (var agent = NewAgent("report", events))
            using (var db = OpenDatabase())
            using (var context = agent.BeginRequest("GET", "/users"))
            {
                const string name = "nobody' OR '1'='1";
                context.AddInput(InputSource.Query, "name", name);
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "SELECT COUNT(*) FROM users WHERE name = '" + name + "'";
                    Assert.Equal(2L, Convert.ToInt64(command.ExecuteScalar()), "report mode runs the query");
                }
                Assert.Equal(1, events.Count, "one event");
                Assert.Contains("\"action\":\"reported\"", events[0], "reported");
                Assert.Equal(1, context.Findings, "finding counted");
            }
        }

        private static void DbAsync()
        {
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var db = OpenDatabase())
            using (var context = agent.BeginRequest("GET", "/users"))
            {
                const string id = "1 OR 1=1";
                context.AddInput(InputSource.Query, "id", id);
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "SELECT name FROM users WHERE id = " + id;
                    var task = command.ExecuteReaderAsync();
                    var e = Assert.Throws<AggregateException>(() => task.Wait(), "faulted task");
                    Assert.True(e.InnerException is RampartBlockedException, "inner exception: " + e.InnerException);
                    Assert.True(RampartBlockedException.Find(new InvalidOperationException("wrapped", e)) == e.InnerException, "found when wrapped");
                    Assert.True(RampartBlockedException.Find(new InvalidOperationException("other")) == null, "not found");
                    command.CommandText = "SELECT name FROM users WHERE id = 1";
                    Assert.Equal("alice", (string)command.ExecuteScalarAsync().Result, "allowed async query");
                }
            }
        }

        // ---- processes ----

        private static void ProcessRoundTrip()
        {
            string[] args = { "%s|\n", "plain", "two words", "it's", "\"quoted\"", "back\\slash", "", "$HOME", "ü" };
            ProcessStartInfo info = ProcessGuard.StartInfo("printf", args);
            info.RedirectStandardOutput = true;
            Assert.Equal("printf|" + string.Join("|", args), string.Join("|", ProcessGuard.Argv(info)), "the argv checked is the argv started");
            using (Process process = ProcessGuard.Start(info))
            {
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                Assert.Equal(string.Join("", args.Skip(1).Select(a => a + "|\n")), output, "printf saw the same arguments");
            }
        }

        private static void ProcessBlocks()
        {
            var events = new List<string>();
            string marker = Path.Combine(Path.GetTempPath(), "rampart-dotnet-" + Guid.NewGuid().ToString("N"));
            using (var agent = NewAgent("block", events))
            using (var context = agent.BeginRequest("GET", "/ping"))
            {
                string host = "127.0.0.1; touch " + marker;
                context.AddInput(InputSource.Query, "host", host);
                var e = Assert.Throws<RampartBlockedException>(() => ProcessGuard.Start("/bin/sh", "-c", "printf 'PING %s\\n' " + host), "blocked");
                Assert.Equal(Threat.CommandInjection, e.Threat, "threat");
                Assert.True(!File.Exists(marker), "the command did not run");
                ProcessStartInfo info = ProcessGuard.StartInfo("/bin/sh", "-c", "printf 'PING %s\\n' 127.0.0.1");
                info.RedirectStandardOutput = true;
                using (Process safe = ProcessGuard.Start(info))
                {
                    Assert.Equal("PING 127.0.0.1\n", safe.StandardOutput.ReadToEnd(), "a normal command runs");
                    safe.WaitForExit();
                }
            }
        }

        private static void ProcessStartInfoArgv()
        {
            var info = new ProcessStartInfo("sh", "-c 'echo hi; touch /tmp/x' \"a b\" c\\ d");
            var argv = ProcessGuard.Argv(info);
            Assert.Equal("sh|-c|echo hi; touch /tmp/x|a b|c d", string.Join("|", argv), "argv");
            var events = new List<string>();
            using (var agent = NewAgent("block", events))
            using (var context = agent.BeginRequest("GET", "/run"))
            {
                context.AddInput(InputSource.Query, "cmd", "echo hi; touch /tmp/x");
                Assert.Throws<RampartBlockedException>(() => ProcessGuard.Check(info), "script from input");
            }
        }

        // ---- files ----

        private static void FileGuardChecks()
        {
            string directory = Path.Combine(Path.GetTempPath(), "rampart-dotnet-files-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(directory, "public"));
            File.WriteAllText(Path.Combine(directory, "public", "report.txt"), "quarterly numbers");
            File.WriteAllText(Path.Combine(directory, "secret.txt"), "the secret");
            var events = new List<string>();
            try
            {
                using (var agent = NewAgent("block", events))
                {
                    using (var context = agent.BeginRequest("GET", "/download"))
                    {
                        context.AddInput(InputSource.Query, "file", "../secret.txt");
                        var e = Assert.Throws<RampartBlockedException>(() => FileGuard.ReadAllText(Path.Combine(directory, "public", "../secret.txt")), "traversal");
                        Assert.Equal(Threat.PathTraversal, e.Threat, "threat");
                    }
                    using (var context = agent.BeginRequest("GET", "/download"))
                    {
                        context.AddInput(InputSource.Query, "file", "report.txt");
                        Assert.Equal("quarterly numbers", FileGuard.ReadAllText(Path.Combine(directory, "public", "report.txt")), "normal file");
                    }
                }
                Assert.Equal(1, events.Count, "one event");
            }
            finally
            {
                Directory.Delete(directory, true);
            }
        }
    }
}
