// Runs every conformance vector (testdata/vectors/*.jsonl) through the public C# API and
// checks the verdict against the case's `expect`, as the C runner does for the C ABI.
// Every kind of the vectors must have a row in Kinds: a case of another kind counts as
// unsupported and fails the run. The number of cases run, in total and per kind, must
// equal the counts the suite computed independently (--expect, --expect-kind).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Rampart.Tests
{
    internal static class VectorTests
    {
        private enum SpanRule { Value, ValueOrDecoded, InValue, Any }

        private sealed class Kind
        {
            public Sink Sink;
            public Threat Threat;
            public SpanRule Span;
            // What the vectors' policy ({"mode": "block"}) does about an attack of this kind.
            public VerdictAction Action = VerdictAction.Block;
            // Runs the case; returns the verdict and the text its span points into.
            public Func<Request, Dictionary<string, object>, Tuple<Verdict, string>> Check;
        }

        private static readonly Dictionary<string, Kind> Kinds = new Dictionary<string, Kind>
        {
            ["sql"] = new Kind { Sink = Sink.Sql, Threat = Threat.SqlInjection, Span = SpanRule.Value, Check = (r, v) =>
                Tuple.Create(r.CheckSql(v.ContainsKey("dialect") ? Names.Dialect((string)v["dialect"]) : SqlDialect.Generic, Text(v)), Text(v)) },
            ["shell"] = new Kind { Sink = Sink.Shell, Threat = Threat.CommandInjection, Span = SpanRule.Value, Check = (r, v) =>
                Tuple.Create(r.CheckShell(Text(v)), Text(v)) },
            ["exec"] = new Kind { Sink = Sink.Exec, Threat = Threat.CommandInjection, Span = SpanRule.Value, Check = (r, v) =>
            {
                var argv = ((List<object>)v["resource"]).Cast<string>().ToArray();
                return Tuple.Create(r.CheckExec(argv), string.Join(" ", argv));
            } },
            ["nosql"] = new Kind { Sink = Sink.NoSql, Threat = Threat.NoSqlInjection, Span = SpanRule.Any, Check = (r, v) =>
                Tuple.Create(r.CheckNoSql(Text(v)), Text(v)) },
            ["path"] = new Kind { Sink = Sink.Path, Threat = Threat.PathTraversal, Span = SpanRule.ValueOrDecoded, Check = (r, v) =>
                Tuple.Create(r.CheckPath(Text(v)), Text(v)) },
            ["url"] = new Kind { Sink = Sink.Url, Threat = Threat.Ssrf, Span = SpanRule.InValue, Check = (r, v) =>
            {
                // The URL, then (as a client does at connect time) the address its host resolved to.
                Verdict verdict = r.CheckUrl(Text(v));
                if (verdict.IsAttack || !v.ContainsKey("ip")) return Tuple.Create(verdict, Text(v));
                string host = (string)v["host"];
                return Tuple.Create(r.CheckResolvedIp(host, (string)v["ip"]), host);
            } },
            ["redirect"] = new Kind { Sink = Sink.Redirect, Threat = Threat.OpenRedirect, Span = SpanRule.Value, Check = (r, v) =>
                Tuple.Create(r.CheckRedirect(Text(v)), Text(v)) },
            ["header"] = new Kind { Sink = Sink.Header, Threat = Threat.HeaderInjection, Span = SpanRule.Value, Check = (r, v) =>
            {
                string name = (string)v["name"];
                Verdict verdict = r.CheckHeader(name, Text(v));
                return Tuple.Create(verdict, verdict.Reason == Reason.HeaderNameInjection ? name : Text(v));
            } },
            // Payload inspection judges the request itself (RunCase sets its method and path); the span
            // covers the offending input's value. malicious_payload reports by default, even in block mode.
            ["payload"] = new Kind { Sink = Sink.Request, Threat = Threat.MaliciousPayload, Span = SpanRule.Value, Action = VerdictAction.Report,
                Check = (r, v) =>
            {
                Verdict verdict = r.Engine.Inspect(r);
                var inputs = v.ContainsKey("inputs") ? (List<object>)v["inputs"] : new List<object>();
                string spanned = verdict.InputIndex >= 0 && verdict.InputIndex < inputs.Count
                    ? (string)((Dictionary<string, object>)inputs[verdict.InputIndex])["value"]
                    : Text(v);
                return Tuple.Create(verdict, spanned);
            } },
        };

        private static string Text(Dictionary<string, object> vector) =>
            vector["resource"] as string ?? throw new InvalidDataException("resource is not a string");

        private sealed class Tally
        {
            public int Checked, Unsupported, Failed, SkippedFailing;
        }

        public static int Run(string[] args)
        {
            long expected = -1;
            string skipPath = null;
            var expectedPerKind = new Dictionary<string, int>();
            // Kinds of the contract this API does not offer (none today; a kind new in the vectors
            // may be listed until it is bound): counted, not run, their count pinned like the others.
            var unsupportedKinds = new HashSet<string>();
            var files = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--expect") expected = long.Parse(args[++i]);
                else if (args[i] == "--skip") skipPath = args[++i];
                else if (args[i] == "--expect-kind")
                {
                    string[] pair = args[++i].Split('=');
                    expectedPerKind[pair[0]] = int.Parse(pair[1]);
                }
                else if (args[i] == "--unsupported-kind") unsupportedKinds.Add(args[++i]);
                else files.Add(args[i]);
            }
            if (expected < 0 || files.Count == 0)
            {
                Console.Error.WriteLine("usage: vectors --expect N [--expect-kind KIND=N]... [--unsupported-kind KIND]... [--skip FILE] FILE.jsonl...");
                return 2;
            }
            var skip = new HashSet<string>();
            if (skipPath != null && File.Exists(skipPath))
                foreach (string line in Lines(skipPath))
                    skip.Add((string)((Dictionary<string, object>)MiniJson.Parse(line))["id"]);

            var tallies = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
            int total = 0, broken = 0;
            using (Engine engine = Engine.FromJson("{\"mode\": \"block\"}"))
            using (Request request = engine.CreateRequest())
            {
                foreach (string file in files)
                {
                    int number = 0;
                    foreach (string line in Lines(file))
                    {
                        number++;
                        if (line.Trim().Length == 0) continue;
                        total++;
                        string where = file + ":" + number;
                        Dictionary<string, object> vector;
                        try
                        {
                            vector = (Dictionary<string, object>)MiniJson.Parse(line);
                        }
                        catch (Exception e)
                        {
                            Console.WriteLine(where + ": " + e.Message);
                            broken++;
                            continue;
                        }
                        RunCase(request, vector, where, tallies, skip, ref broken);
                    }
                }
            }

            int failed = broken, checkedCount = 0;
            foreach (var pair in tallies)
            {
                Tally t = pair.Value;
                Console.WriteLine("vectors: {0,-9} {1,5} checked, {2,5} unsupported, {3} failed, {4} on the skip list",
                    pair.Key, t.Checked, t.Unsupported, t.Failed, t.SkippedFailing);
                checkedCount += t.Checked;
                bool unsupportedKind = unsupportedKinds.Contains(pair.Key);
                failed += t.Failed + (unsupportedKind ? 0 : t.Unsupported);
                int want;
                if (!expectedPerKind.TryGetValue(pair.Key, out want))
                {
                    Console.WriteLine("vectors: kind " + pair.Key + " was not expected");
                    failed++;
                }
                else if (unsupportedKind ? want != t.Unsupported || t.Checked != 0 : want != t.Checked)
                {
                    Console.WriteLine("vectors: kind " + pair.Key + ": expected " + want + " cases, ran " + t.Checked);
                    failed++;
                }
            }
            foreach (string kind in expectedPerKind.Keys.Where(k => !tallies.ContainsKey(k)))
            {
                Console.WriteLine("vectors: kind " + kind + " expected, none read");
                failed++;
            }
            if (total != expected)
            {
                Console.WriteLine("vectors: read " + total + " cases, expected " + expected);
                failed++;
            }
            Console.WriteLine("vectors: " + total + " cases read, " + checkedCount + " checked through the C# API");
            Console.WriteLine("vectors: " + (checkedCount - Math.Min(checkedCount, failed)) + " passed, " + failed + " failed");
            return failed == 0 && checkedCount > 0 ? 0 : 1;
        }

        // JSON Lines split on '\n' only: U+2028 and a lone '\r' are text, not line ends.
        private static IEnumerable<string> Lines(string path)
        {
            string content = File.ReadAllText(path, new UTF8Encoding(false, true));
            return content.Split('\n');
        }

        private static void RunCase(Request request, Dictionary<string, object> vector, string where,
            SortedDictionary<string, Tally> tallies, HashSet<string> skip, ref int broken)
        {
            object idValue, kindValue, expectValue;
            if (!vector.TryGetValue("id", out idValue) || !vector.TryGetValue("kind", out kindValue)
                || !vector.TryGetValue("expect", out expectValue) || !vector.ContainsKey("resource"))
            {
                Console.WriteLine(where + ": not a vector (needs id, kind, resource, expect)");
                broken++;
                return;
            }
            string id = (string)idValue, kindName = (string)kindValue, expect = (string)expectValue;
            Tally tally;
            if (!tallies.TryGetValue(kindName, out tally)) tallies[kindName] = tally = new Tally();
            Kind kind;
            if (!Kinds.TryGetValue(kindName, out kind))
            {
                tally.Unsupported++;
                return;
            }
            var inputs = vector.ContainsKey("inputs") ? (List<object>)vector["inputs"] : new List<object>();
            bool ok;
            Verdict verdict = default(Verdict);
            string detail = string.Empty;
            try
            {
                request.Reset();
                // A redirect case's host is the request's own (the Host header).
                if (kindName == "redirect" && vector.ContainsKey("host")) request.SetHost((string)vector["host"]);
                if (kindName == "payload")
                {
                    request.SetPath(Text(vector));
                    request.SetMethod(vector.ContainsKey("method") ? (string)vector["method"] : "GET");
                }
                foreach (Dictionary<string, object> input in inputs)
                {
                    object key;
                    input.TryGetValue("key", out key);
                    request.AddInput(Names.Source((string)input["source"]), (string)key ?? string.Empty, (string)input["value"]);
                }
                var outcome = kind.Check(request, vector);
                verdict = outcome.Item1;
                tally.Checked++;
                if (expect == "attack") ok = verdict.IsAttack && Consistent(kind, request, verdict, inputs, outcome.Item2, out detail);
                else ok = expect == "safe" && !verdict.IsAttack && verdict.Action == VerdictAction.Allow && verdict.InputIndex == -1;
            }
            catch (RampartException e)
            {
                tally.Checked++;
                ok = false;
                detail = e.GetType().Name + ": " + e.Message;
            }
            bool skipped = skip.Contains(id);
            if (!ok && skipped) tally.SkippedFailing++;
            else if (!ok)
            {
                tally.Failed++;
                object note;
                vector.TryGetValue("note", out note);
                Console.WriteLine("FAIL " + id + " (" + where + "): expected " + expect + ", got " + verdict + " " + detail + " -- " + note);
            }
            else if (skipped)
            {
                tally.Failed++;
                Console.WriteLine(id + " passes: remove it from the skip list");
            }
        }

        // Beyond attack/safe: the finding names an input of the case, has the kind's action (the
        // engine is in block mode), its span sits inside the text it points into (for most kinds exactly at
        // the input's value), and it formats into an event.
        private static bool Consistent(Kind kind, Request request, Verdict verdict, List<object> inputs, string spanned, out string detail)
        {
            detail = string.Empty;
            if (verdict.Action != kind.Action || verdict.Threat != kind.Threat || verdict.Reason == Reason.None)
            {
                detail = "(wrong action, threat or reason)";
                return false;
            }
            string action = kind.Action == VerdictAction.Block ? "\"action\":\"blocked\"" : "\"action\":\"reported\"";
            // A request has no resource: its event quotes the offending value (or the path).
            string resource = kind.Sink == Sink.Request ? string.Empty : spanned;
            if (verdict.InputIndex < 0 && kind.Sink == Sink.Request)
            {
                // Only a rule on the method or path names no input.
                if (verdict.Reason != Reason.RuleMatch || verdict.RuleId == 0) { detail = "(no input, no rule)"; return false; }
                return EventFits(request, verdict, kind, resource, action, out detail);
            }
            if (verdict.InputIndex < 0 || verdict.InputIndex >= inputs.Count) { detail = "(no input)"; return false; }
            byte[] text = Encoding.UTF8.GetBytes(spanned);
            if (verdict.SpanStart < 0 || verdict.SpanStart > verdict.SpanEnd || verdict.SpanEnd > text.Length) { detail = "(span out of range)"; return false; }
            byte[] span = text.Skip(verdict.SpanStart).Take(verdict.SpanEnd - verdict.SpanStart).ToArray();
            string valueText = (string)((Dictionary<string, object>)inputs[verdict.InputIndex])["value"];
            byte[] value = Encoding.UTF8.GetBytes(valueText);
            bool fits;
            switch (kind.Span)
            {
                case SpanRule.Value: fits = span.SequenceEqual(value); break;
                case SpanRule.ValueOrDecoded: fits = span.SequenceEqual(value) || (span.Length > 0 && valueText.Contains("%")); break;
                case SpanRule.InValue: fits = span.Length > 0 && IndexOf(value, span) >= 0; break;
                default: fits = true; break;
            }
            if (!fits) { detail = "(span does not cover the input)"; return false; }
            return EventFits(request, verdict, kind, resource, action, out detail);
        }

        private static bool EventFits(Request request, Verdict verdict, Kind kind, string resource, string action, out string detail)
        {
            detail = string.Empty;
            string json = request.EventJson(verdict, kind.Sink, resource);
            if (!json.Contains(action) || !json.Contains("\"threat\":\"" + kind.Threat.EventName() + "\""))
            {
                detail = "(event: " + json + ")";
                return false;
            }
            return true;
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }
    }
}
