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
        /// <remarks>
        /// SQL, commands, paths and URLs are mostly ASCII: four UTF-16 units are narrowed at a
        /// time while they are all below 0x80, then one at a time, and the encoder takes over at
        /// the first unit that is not ASCII (never the second half of a surrogate pair, whose
        /// first half is not ASCII either). On Mono this is about
        /// 1.5 times as fast as the encoder alone.
        /// </remarks>
        internal static int Encode(string text, byte* dest, int capacity)
        {
            int length = text.Length;
            if (length == 0) return 0;
            fixed (char* chars = text)
            {
                int i = 0;
                if (length <= capacity)
                {
                    // The group is read as one little-endian word: unit 0 in the low bits.
                    for (; BitConverter.IsLittleEndian && i + 4 <= length; i += 4)
                    {
                        ulong group = *(ulong*)(chars + i);
                        if ((group & 0xFF80FF80FF80FF80UL) != 0) break;
                        dest[i] = (byte)group;
                        dest[i + 1] = (byte)(group >> 16);
                        dest[i + 2] = (byte)(group >> 32);
                        dest[i + 3] = (byte)(group >> 48);
                    }
                    for (; i < length && chars[i] < 0x80; i++) dest[i] = (byte)chars[i];
                    if (i == length) return length;
                }
                return i + Encoding.GetBytes(chars + i, length - i, dest + i, capacity - i);
            }
        }

        internal static string Decode(byte* bytes, int length) => length == 0 ? string.Empty : Encoding.GetString(bytes, length);
    }
}
