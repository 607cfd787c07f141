// Runs the shop on http://127.0.0.1:5080/ (PORT to change it), protected by rampart:
// the policy comes from RAMPART_POLICY, the mode from RAMPART_MODE (report by default).
// RAMPART_DISABLE=1 runs the same shop unprotected.
using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using Rampart;

namespace ShopExample
{
    internal static class Program
    {
        private static void Main()
        {
            string here = AppDomain.CurrentDomain.BaseDirectory;
            string files = Path.Combine(Path.GetTempPath(), "rampart-shop");
            Directory.CreateDirectory(Path.Combine(files, "public"));
            File.WriteAllText(Path.Combine(files, "public", "report.txt"), "quarterly numbers\n");
            File.WriteAllText(Path.Combine(files, "secret.txt"), "database password: hunter2\n");

            Agent agent = Environment.GetEnvironmentVariable("RAMPART_DISABLE") == "1" ? null : Agent.FromEnvironment();
            int port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 5080;
            using (var shop = new Shop(agent, files, Path.Combine(files, "shop.db"), new HttpClientHandler(), null, port))
            {
                Console.WriteLine("shop on http://127.0.0.1:" + shop.Port + "/ (" + (agent == null ? "unprotected" : "protected by rampart " + Library.Version) + ")");
                Thread.Sleep(Timeout.Infinite);
            }
        }
    }
}
