namespace Rampart.Tests { internal static class Bench { public static int Run(string[] a) => 1; } }
