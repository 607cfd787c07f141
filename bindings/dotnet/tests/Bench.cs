// Overhead of the .NET binding, measured as docs/performance.md reports it:
//
//   mono Rampart.Tests.exe bench [--rounds N]
//
// Pairs are alternated in short batches and each keeps its fastest batch (the machine is
// shared; the fastest batch is the one least disturbed). The fixture is the one of
// benches/lib.rs: 10 typical inputs and a ~200-byte query, SQLite dialect here.
using System;
using System.Diagnostics;
using System.Globalization;
using Mono.Data.Sqlite;

namespace Rampart.Tests
{
    internal static class Bench
    {
        private static readonly string[][] Inputs =
        {
            new[] { "email", "alice.smith@example.com" },
            new[] { "password", "correct horse battery staple" },
            new[] { "remember", "on" },
            new[] { "q", "red shoes size 42" },
            new[] { "page", "2" },
            new[] { "sort", "price" },
            new[] { "utm_source", "newsletter-2024/11" },
            new[] { "lang", "en-GB,en;q=0.9" },
            new[] { "ref", "https://shop.example.com/cart?id=77" },
        };

        private static string QueryWith(string value) =>
            "SELECT u.id, u.name, u.email, u.created_at FROM users u JOIN orders o ON o.user_id = u.id "
            + "WHERE u.name = '" + value + "' AND o.status IN ('paid', 'shipped') ORDER BY o.created_at DESC LIMIT 20";

        private static void Fill(RequestContext context)
        {
            foreach (string[] input in Inputs) context.AddInput(InputSource.Body, input[0], input[1]);
            context.AddInput(InputSource.Header, "user-agent", "Mozilla/5.0 (X11; Linux x86_64)");
        }

        public static int Run(string[] args)
        {
            int rounds = 100;
            for (int i = 0; i + 1 < args.Length; i++) if (args[i] == "--rounds") rounds = int.Parse(args[i + 1]);

            using (var agent = new Agent(Engine.FromJson("{\"mode\": \"block\"}"), line => { }))
            using (var raw = new SqliteConnection("Data Source=:memory:"))
            {
                raw.Open();
                using (var setup = raw.CreateCommand())
                {
                    setup.CommandText = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, created_at TEXT);"
                                        + "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, status TEXT, created_at TEXT);"
                                        + "INSERT INTO users VALUES (1, 'bob', 'bob@example.com', '2024-01-01');"
                                        + "INSERT INTO orders VALUES (1, 1, 'paid', '2024-02-01');";
                    setup.ExecuteNonQuery();
                }
                var wrapped = new RampartDbConnection(raw);
                string benign = QueryWith("bob");
                string occurring = QueryWith("red shoes size 42");

                using (var plainCommand = raw.CreateCommand())
                using (var checkedCommand = new RampartDbCommand(raw.CreateCommand(), wrapped))
                {
                    Console.WriteLine("| what | without rampart | with rampart | overhead |");
                    Console.WriteLine("|---|---:|---:|---:|");
                    plainCommand.CommandText = benign;
                    checkedCommand.CommandText = benign;
                    Pair("SQLite `ExecuteScalar` outside an HTTP request (nothing to check)", rounds, 200,
                        () => plainCommand.ExecuteScalar(), () => checkedCommand.ExecuteScalar());
                }
                using (var plainCommand = raw.CreateCommand())
                using (var checkedCommand = new RampartDbCommand(raw.CreateCommand(), wrapped))
                using (var context = agent.BeginRequest("GET", "/orders"))
                {
                    Fill(context);
                    Request request = context.Request;

                    plainCommand.CommandText = benign;
                    checkedCommand.CommandText = benign;
                    Pair("SQLite `ExecuteScalar`, 10 inputs, none in the query", rounds, 200,
                        () => plainCommand.ExecuteScalar(), () => checkedCommand.ExecuteScalar());

                    plainCommand.CommandText = occurring;
                    checkedCommand.CommandText = occurring;
                    Pair("the same, an input inside a literal of the query", rounds, 200,
                        () => plainCommand.ExecuteScalar(), () => checkedCommand.ExecuteScalar());

                    Single("`Request.CheckSql` alone, no input in the query", rounds, 5000,
                        () => request.CheckSql(SqlDialect.Sqlite, benign));
                    Single("`Request.CheckSql` alone, an input inside a literal", rounds, 5000,
                        () => request.CheckSql(SqlDialect.Sqlite, occurring));
                    string attack = QueryWith("x' OR '1'='1");
                    context.AddInput(InputSource.Query, "name", "x' OR '1'='1");
                    Single("`Request.CheckSql` alone, attack found", rounds, 5000,
                        () => request.CheckSql(SqlDialect.Sqlite, attack));
                }
                Single("`BeginRequest` + 10 `AddInput` + `Dispose` (per HTTP request)", rounds, 2000, () =>
                {
                    using (var context = agent.BeginRequest("GET", "/orders")) Fill(context);
                });
            }
            return 0;
        }

        private static double Best(Action action, int batch, ref double best)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < batch; i++) action();
            double perCall = watch.Elapsed.TotalMilliseconds * 1e6 / batch;
            if (perCall < best) best = perCall;
            return perCall;
        }

        private static void Pair(string what, int rounds, int batch, Action without, Action with)
        {
            double a = double.MaxValue, b = double.MaxValue, dummy = double.MaxValue;
            Best(without, batch, ref dummy);
            Best(with, batch, ref dummy);
            for (int round = 0; round < rounds; round++)
            {
                Best(without, batch, ref a);
                Best(with, batch, ref b);
            }
            Console.WriteLine("| {0} | {1} | {2} | **{3}{4}** |", what, Ns(a), Ns(b), b >= a ? "+" : "-", Ns(Math.Abs(b - a)));
        }

        private static void Single(string what, int rounds, int batch, Action action)
        {
            double best = double.MaxValue;
            Best(action, batch, ref best);
            for (int round = 0; round < rounds; round++) Best(action, batch, ref best);
            Console.WriteLine("| {0} | | {1} | |", what, Ns(best));
        }

        private static string Ns(double ns) =>
            ns >= 1000 ? (ns / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " us" : ns.ToString("0", CultureInfo.InvariantCulture) + " ns";
    }
}
