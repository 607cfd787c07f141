namespace Rampart.Tests { internal static class AppTests { public static int Run() => 1; } }
