using System.Collections.Generic;
using System.IO;

namespace Rampart
{
    /// <summary>
    /// File operations that first check the path for traversal in the current request
    /// (<see cref="Request.CheckPath"/>): a <c>..</c> segment, an absolute path, a NUL byte
    /// or a secrets file that came from user input. Use these in place of
    /// <see cref="File"/>'s methods where a path is built from a request.
    /// </summary>
    public static class FileGuard
    {
        /// <summary>Checks <paramref name="path"/> in the current request; throws <see cref="RampartBlockedException"/> on block.</summary>
        public static string Check(string path, string operation = "File.Open")
        {
            RequestContext.Current?.Path(path, operation);
            return path;
        }

        public static FileStream Open(string path, FileMode mode, FileAccess access = FileAccess.ReadWrite)
            => File.Open(Check(path, "File.Open"), mode, access);

        public static FileStream OpenRead(string path) => File.OpenRead(Check(path, "File.OpenRead"));

        public static byte[] ReadAllBytes(string path) => File.ReadAllBytes(Check(path, "File.ReadAllBytes"));

        public static string ReadAllText(string path) => File.ReadAllText(Check(path, "File.ReadAllText"));

        public static void WriteAllBytes(string path, byte[] bytes) => File.WriteAllBytes(Check(path, "File.WriteAllBytes"), bytes);

        public static void WriteAllText(string path, string text) => File.WriteAllText(Check(path, "File.WriteAllText"), text);

        public static void Delete(string path) => File.Delete(Check(path, "File.Delete"));

        public static IEnumerable<string> EnumerateFiles(string directory) => Directory.EnumerateFiles(Check(directory, "Directory.EnumerateFiles"));
    }
}
