// The example shop (examples/dotnet-httplistener/Shop.cs) driven over loopback HTTP: without rampart, in
// block mode and in report mode. Attacks are blocked (block page, nothing executed) or
// reported (event, the call goes through); normal requests get the same answers in all three.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using ShopExample;

namespace Rampart.Tests
{
    internal static class AppTests
    {
        private sealed class Answer
        {
            public int Status;
            public string Body;
            public override string ToString() => Status + " " + Body;
        }

        private sealed class Fixture : IDisposable
        {
            public readonly string Files = Path.Combine(Path.GetTempPath(), "rampart-dotnet-app-" + Guid.NewGuid().ToString("N"));
            public readonly Upstream Upstream = new Upstream();
            public readonly List<string> Events = new List<string>();
            public readonly HttpClient Client = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(20) };
            public Shop App;
            public Agent Agent;

            public Fixture(string mode, string policy = null)
            {
                Directory.CreateDirectory(Path.Combine(Files, "public"));
                File.WriteAllText(Path.Combine(Files, "public", "report.txt"), "quarterly numbers");
                File.WriteAllText(Path.Combine(Files, "secret.txt"), "database password");
                if (policy != null) Agent = new Agent(Engine.FromJson(policy), line => { lock (Events) Events.Add(line); });
                else if (mode != null) Agent = ApiTests.NewAgent(mode, Events);
                // Every preview goes to the loopback stand-in, used as the HTTP proxy.
                var transport = new HttpClientHandler { Proxy = new WebProxy("http://127.0.0.1:" + Upstream.Port + "/"), UseProxy = true };
                App = new Shop(Agent, Files, Path.Combine(Files, "shop.db"), new LoopbackOnly(transport), Resolve);
            }

            // The names the preview resolves: a public-looking one and one that resolves to loopback.
            // The public address is only judged, never connected to (the proxy is on loopback).
            private static Task<IPAddress[]> Resolve(string host) => Task.FromResult(
                host == "news.example" ? new[] { IPAddress.Parse("93.184.216.34") }
                : host == "rebind.example" ? new[] { IPAddress.Loopback }
                : new IPAddress[0]);

            public Answer Get(string pathAndQuery) => Send(new HttpRequestMessage(HttpMethod.Get, Url(pathAndQuery)));

            public Answer PostForm(string path, params string[] fields)
            {
                var pairs = new List<KeyValuePair<string, string>>();
                for (int i = 0; i < fields.Length; i += 2) pairs.Add(new KeyValuePair<string, string>(fields[i], fields[i + 1]));
                return Send(new HttpRequestMessage(HttpMethod.Post, Url(path)) { Content = new FormUrlEncodedContent(pairs) });
            }

            private string Url(string pathAndQuery) => "http://127.0.0.1:" + App.Port + pathAndQuery;

            private Answer Send(HttpRequestMessage message)
            {
                message.Headers.Add("X-Request-Id", "test-" + Guid.NewGuid().ToString("N").Substring(0, 8));
                HttpResponseMessage response = Client.SendAsync(message).Result;
                return new Answer { Status = (int)response.StatusCode, Body = response.Content.ReadAsStringAsync().Result };
            }

            public string[] EventsNow()
            {
                lock (Events) return Events.ToArray();
            }

            // The events of the sinks' checks, without those of payload inspection.
            public string[] SinkEventsNow() => EventsNow().Where(e => !e.Contains("\"threat\":\"malicious_payload\"")).ToArray();

            public string[] PayloadEventsNow() => EventsNow().Where(e => e.Contains("\"threat\":\"malicious_payload\"")).ToArray();

            public void Dispose()
            {
                App.Dispose();
                Upstream.Dispose();
                Client.Dispose();
                Agent?.Dispose();
                Directory.Delete(Files, true);
            }
        }

        private static string Q(string value) => Uri.EscapeDataString(value);

        // The normal traffic: the same answers with and without rampart.
        private static string[] NormalTraffic(Fixture f) => new[]
        {
            f.PostForm("/login", "username", "alice", "password", "wonderland").ToString(),
            f.PostForm("/login", "username", "Zoë", "password", "mot de passe").ToString(),
            f.Get("/ping?host=127.0.0.1").ToString(),
            f.Get("/ping?host=localhost").ToString(),
            f.Get("/download?file=report.txt").ToString(),
            f.Get("/download?file=missing.txt").ToString(),
            f.Get("/preview?url=" + Q("http://news.example/article?id=7")).ToString(),
        };

        public static int Run()
        {
            var suite = new Suite();
            string[] baseline = null;
            suite.Add("without rampart: the application works, and its bugs are exploitable", () =>
            {
                using (var f = new Fixture(null))
                {
                    baseline = NormalTraffic(f);
                    Assert.Equal("200 welcome alice", baseline[0], "login");
                    Assert.Equal("401 invalid credentials", baseline[1], "failed login");
                    Assert.Equal("200 PING 127.0.0.1\n", baseline[2], "ping");
                    Assert.Equal("200 quarterly numbers", baseline[4], "download");
                    Assert.Equal("200 preview: upstream page for http://news.example/article?id=7", baseline[6], "preview through the loopback proxy");
                    Assert.Equal("200 welcome alice", f.PostForm("/login", "username", "alice' --", "password", "?").ToString(), "SQL injection works");
                    Assert.Equal("200 database password", f.Get("/download?file=" + Q("../secret.txt")).ToString(), "traversal works");
                }
            });
            suite.Add("block mode: normal requests unchanged, no event", () =>
            {
                using (var f = new Fixture("block"))
                {
                    Assert.True(baseline != null, "baseline recorded");
                    string[] answers = NormalTraffic(f);
                    for (int i = 0; i < answers.Length; i++) Assert.Equal(baseline[i], answers[i], "normal request " + i);
                    Assert.Equal(0, f.EventsNow().Length, "events for normal traffic: " + string.Join("\n", f.EventsNow()));
                }
            });
            suite.Add("block mode: attacks get the block page and never reach their sink", () =>
            {
                using (var f = new Fixture("block"))
                {
                    string marker = Path.Combine(f.Files, "pwned");
                    var attacks = new[]
                    {
                        Tuple.Create("sql_injection", f.PostForm("/login", "username", "alice' --", "password", "?")),
                        Tuple.Create("sql_injection", f.PostForm("/login", "username", "x", "password", "' OR '1'='1")),
                        Tuple.Create("command_injection", f.Get("/ping?host=" + Q("127.0.0.1; touch " + marker))),
                        Tuple.Create("command_injection", f.Get("/ping?host=" + Q("$(touch " + marker + ")"))),
                        Tuple.Create("path_traversal", f.Get("/download?file=" + Q("../secret.txt"))),
                        Tuple.Create("path_traversal", f.Get("/download?file=" + Q("/etc/passwd"))),
                        Tuple.Create("ssrf", f.Get("/preview?url=" + Q("http://127.0.0.1:" + f.Upstream.Port + "/latest/meta-data/"))),
                        Tuple.Create("ssrf", f.Get("/preview?url=" + Q("http://169.254.169.254/latest/meta-data/iam/"))),
                        Tuple.Create("ssrf", f.Get("/preview?url=" + Q("http://rebind.example/latest/meta-data/"))),
                    };
                    string[] events = f.SinkEventsNow();
                    Assert.Equal(attacks.Length, events.Length, "one sink event per attack: " + string.Join("\n", events));
                    // Payload inspection saw the same requests first, and only reported (its default).
                    string[] payloads = f.PayloadEventsNow();
                    Assert.True(payloads.Length > 0 && payloads.All(e => e.Contains("\"action\":\"reported\"")), "payloads reported: " + string.Join("\n", payloads));
                    for (int i = 0; i < attacks.Length; i++)
                    {
                        Answer answer = attacks[i].Item2;
                        Assert.Equal(403, answer.Status, "attack " + i + " status (" + answer.Body + ")");
                        Assert.Contains("Request blocked", answer.Body, "attack " + i + " block page");
                        string eventLine = events.FirstOrDefault(e => answer.Body.Contains(EventId(e)));
                        Assert.True(eventLine != null, "attack " + i + ": the block page quotes its event id");
                        Assert.Contains("\"threat\":\"" + attacks[i].Item1 + "\"", eventLine, "attack " + i + " threat");
                        Assert.Contains("\"action\":\"blocked\"", eventLine, "attack " + i + " action");
                        Assert.Contains("\"request_id\":\"test-", eventLine, "attack " + i + " request id");
                    }
                    Assert.True(!File.Exists(marker), "the injected command never ran");
                    Assert.Equal(0, f.Upstream.Seen.Length, "no outgoing request was made: " + string.Join(", ", f.Upstream.Seen));
                    Assert.Equal("200 welcome alice", f.PostForm("/login", "username", "alice", "password", "wonderland").ToString(), "the app still serves");
                }
            });
            suite.Add("report mode: attacks are logged and go through; normal requests unchanged", () =>
            {
                using (var f = new Fixture("report"))
                {
                    string[] answers = NormalTraffic(f);
                    for (int i = 0; i < answers.Length; i++) Assert.Equal(baseline[i], answers[i], "normal request " + i);
                    Assert.Equal(0, f.EventsNow().Length, "no event for normal traffic");
                    string marker = Path.Combine(f.Files, "pwned");
                    Assert.Equal("200 welcome alice", f.PostForm("/login", "username", "alice' --", "password", "?").ToString(), "login attack went through");
                    Assert.Equal(200, f.Get("/ping?host=" + Q("127.0.0.1; touch " + marker)).Status, "ping attack went through");
                    Assert.True(File.Exists(marker), "the injected command ran (report mode)");
                    Assert.Equal("200 database password", f.Get("/download?file=" + Q("../secret.txt")).ToString(), "traversal went through");
                    // Only the loopback stand-in is fetched in report mode: nothing leaves the machine.
                    Assert.Equal("200 preview: instance-secret-token",
                        f.Get("/preview?url=" + Q("http://127.0.0.1:" + f.Upstream.Port + "/latest/meta-data/")).ToString(), "SSRF went through");
                    Assert.Equal(200, f.Get("/preview?url=" + Q("http://rebind.example/latest/meta-data/")).Status, "rebinding went through");
                    string[] events = f.SinkEventsNow();
                    Assert.Equal(5, events.Length, "one sink event per attack: " + string.Join("\n", events));
                    Assert.True(events.All(e => e.Contains("\"action\":\"reported\"")), "all reported");
                    foreach (string threat in new[] { "sql_injection", "command_injection", "path_traversal", "ssrf" })
                        Assert.True(events.Any(e => e.Contains("\"threat\":\"" + threat + "\"")), threat + " reported");
                    Assert.True(events.Any(e => e.Contains("\"reason\":\"ssrf_resolved_internal\"")), "the resolved address was judged");
                }
            });
            suite.Add("payload inspection: a payload that reaches no sink is reported, or blocked when the policy says so", () =>
            {
                // /download serves a public file: the payload in `q` reaches no sink, only inspection sees it.
                string attack = "/download?file=report.txt&q=" + Q("<script>alert(document.cookie)</script>");
                using (var f = new Fixture("block"))
                {
                    Assert.Equal("200 quarterly numbers", f.Get(attack).ToString(), "reported, served");
                    string[] events = f.EventsNow();
                    Assert.Equal(1, events.Length, "one event: " + string.Join("\n", events));
                    Assert.Contains("\"threat\":\"malicious_payload\"", events[0], "threat");
                    Assert.Contains("\"reason\":\"payload_xss\"", events[0], "reason");
                    Assert.Contains("\"action\":\"reported\"", events[0], "action");
                    Assert.Contains("\"kind\":\"request\"", events[0], "sink kind");
                    Assert.Contains("\"key\":\"q\"", events[0], "input");
                }
                using (var f = new Fixture(null, "{\"mode\": \"block\", \"protections\": {\"malicious_payload\": {\"action\": \"block\"}}}"))
                {
                    Assert.Equal("200 quarterly numbers", f.Get("/download?file=report.txt").ToString(), "normal request served");
                    Assert.Equal(0, f.EventsNow().Length, "no event for a normal request");
                    Answer answer = f.Get(attack);
                    Assert.Equal(403, answer.Status, "blocked (" + answer.Body + ")");
                    Assert.Contains("Request blocked", answer.Body, "block page");
                    string[] events = f.EventsNow();
                    Assert.Equal(1, events.Length, "one event: " + string.Join("\n", events));
                    Assert.Contains("\"action\":\"blocked\"", events[0], "action");
                    Assert.Contains(EventId(events[0]), answer.Body, "the block page quotes the event id");
                    // A sink attack is stopped at the door too, before the shop's code runs.
                    Assert.Equal(403, f.Get("/download?file=" + Q("../../../../etc/passwd")).Status, "traversal payload blocked");
                    Assert.True(f.EventsNow().Skip(1).All(e => e.Contains("\"threat\":\"malicious_payload\"")), "by inspection");
                }
            });
            return suite.Run("app");
        }

        private static string EventId(string eventLine)
        {
            const string key = "\"event_id\":\"";
            int start = eventLine.IndexOf(key, StringComparison.Ordinal) + key.Length;
            return eventLine.Substring(start, 32);
        }
    }
}
