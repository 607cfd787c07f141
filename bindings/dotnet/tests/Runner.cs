// A small test runner: NUnit is not reachable from this machine kind (no NuGet registry),
// and the suite must fail properly, so tests are plain methods registered by name.
//
//   Rampart.Tests.exe api                 the API and integration tests
//   Rampart.Tests.exe app                 the HttpListener application, block and report mode
//   Rampart.Tests.exe vectors --expect N [--skip FILE] FILE.jsonl...
//   Rampart.Tests.exe bench               overhead of a wrapped ADO.NET command
//   Rampart.Tests.exe abi-probe           builds an engine (run against a mismatched library)
//
// Each run ends with "N passed, M failed" and exits non-zero when anything failed.
using System;
using System.Collections.Generic;
using System.Linq;

namespace Rampart.Tests
{
    internal sealed class AssertionException : Exception
    {
        public AssertionException(string message) : base(message) { }
    }

    internal static class Assert
    {
        public static void True(bool condition, string what)
        {
            if (!condition) throw new AssertionException(what);
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new AssertionException(what + ": expected <" + expected + ">, got <" + actual + ">");
        }

        public static void Contains(string needle, string haystack, string what)
        {
            if (haystack == null || haystack.IndexOf(needle, StringComparison.Ordinal) < 0)
                throw new AssertionException(what + ": <" + needle + "> not in <" + Excerpt(haystack) + ">");
        }

        public static void NotContains(string needle, string haystack, string what)
        {
            if (haystack != null && haystack.IndexOf(needle, StringComparison.Ordinal) >= 0)
                throw new AssertionException(what + ": <" + needle + "> unexpectedly in <" + Excerpt(haystack) + ">");
        }

        public static TException Throws<TException>(Action action, string what) where TException : Exception
        {
            try
            {
                action();
            }
            catch (TException e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionException(what + ": expected " + typeof(TException).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionException(what + ": expected " + typeof(TException).Name + ", nothing was thrown");
        }

        private static string Excerpt(string text) => text == null ? "null" : text.Length > 400 ? text.Substring(0, 400) + "..." : text;
    }

    internal sealed class Suite
    {
        private readonly List<KeyValuePair<string, Action>> tests = new List<KeyValuePair<string, Action>>();

        public void Add(string name, Action test) => tests.Add(new KeyValuePair<string, Action>(name, test));

        public int Run(string title)
        {
            int passed = 0, failed = 0;
            foreach (var test in tests)
            {
                try
                {
                    test.Value();
                    passed++;
                    Console.WriteLine("ok   " + test.Key);
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine("FAIL " + test.Key + ": " + (e is AssertionException ? e.Message : e.ToString()));
                }
            }
            Console.WriteLine(title + ": " + passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }
    }

    internal static class Program
    {
        private static int Main(string[] args)
        {
            string command = args.Length > 0 ? args[0] : string.Empty;
            string[] rest = args.Skip(1).ToArray();
            try
            {
                switch (command)
                {
                    case "api": return ApiTests.Run();
                    case "app": return AppTests.Run();
                    case "vectors": return VectorTests.Run(rest);
                    case "bench": return Bench.Run(rest);
                    case "abi-probe":
                        using (Engine.FromJson("{}")) Console.WriteLine("engine built");
                        return 0;
                    default:
                        Console.Error.WriteLine("usage: Rampart.Tests.exe api|app|vectors|bench ...");
                        return 2;
                }
            }
            catch (NativeLibraryException e)
            {
                Console.Error.WriteLine(e.Message);
                return 3;
            }
        }
    }
}
