using System;
using System.Text;

namespace Rampart
{
    /// <summary>
    /// UTF-8 scratch space for passing .NET strings to the C ABI without allocating:
    /// short strings are encoded on the stack by the caller (stackalloc up to
    /// <see cref="StackLimit"/> bytes), longer ones into a buffer kept per thread and reused.
    /// Only resources larger than <see cref="PoolLimit"/> cost one allocation per call.
    /// </summary>
    internal static unsafe class Utf8
    {
        /// <summary>Largest encoding placed on the stack.</summary>
        internal const int StackLimit = 1024;

        /// <summary>Largest per-thread buffer kept between calls.</summary>
        internal const int PoolLimit = 1 << 20;

        internal static readonly Encoding Encoding = new UTF8Encoding(false, false);

        [ThreadStatic] private static byte[] pooled;

        /// <summary>An upper bound of the UTF-8 length of <paramref name="chars"/> UTF-16 units.</summary>
        internal static int MaxBytes(int chars)
        {
            long bound = ((long)chars + 1) * 3;
            if (bound > int.MaxValue) throw new InvalidArgumentException("rampart: a string of " + chars + " characters is too long to check");
            return (int)bound;
        }

        internal static int MaxBytes(string text) => MaxBytes(text.Length);

        /// <summary>A buffer of at least <paramref name="size"/> bytes; the per-thread one when small enough.</summary>
        internal static byte[] Rent(int size)
        {
            byte[] buffer = pooled;
            if (buffer != null && buffer.Length >= size) return buffer;
            if (size > PoolLimit) return new byte[size];
            buffer = new byte[Math.Max(size, 4096)];
            pooled = buffer;
            return buffer;
        }

        /// <summary>Encodes <paramref name="text"/> at <paramref name="dest"/> (room: <paramref name="capacity"/>); returns the length.</summary>
        internal static int Encode(string text, byte* dest, int capacity)
        {
            if (text.Length == 0) return 0;
            fixed (char* chars = text)
            {
                return Encoding.GetBytes(chars, text.Length, dest, capacity);
            }
        }

        internal static string Decode(byte* bytes, int length) => length == 0 ? string.Empty : Encoding.GetString(bytes, length);
    }
}
