using System;

namespace Rampart
{
    /// <summary>
    /// The native library: loaded and checked once, before the first engine is built.
    /// A librampart.so built for another C ABI version is refused with a message that says
    /// what to install, instead of crashing later on a changed signature.
    /// </summary>
    public static class Library
    {
        private static readonly object Gate = new object();
        private static volatile bool checkedOk;

        /// <summary>The C ABI version this package was written for (<c>RAMPART_ABI_VERSION</c>).</summary>
        public static uint ExpectedAbiVersion => Native.AbiVersion;

        /// <summary>The loaded library's version, "MAJOR.MINOR.PATCH".</summary>
        public static string Version
        {
            get
            {
                EnsureLoaded();
                return Native.StaticString(Native.rampart_version());
            }
        }

        /// <summary>Loads librampart and checks its C ABI version; throws <see cref="NativeLibraryException"/> on a mismatch.</summary>
        public static void EnsureLoaded()
        {
            if (checkedOk) return;
            lock (Gate)
            {
                if (checkedOk) return;
                uint abi;
                try
                {
                    abi = Native.rampart_abi_version();
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
                {
                    throw new NativeLibraryException(
                        "rampart: cannot load the native library librampart.so (" + e.GetType().Name + ", details in the inner exception). It ships in the NuGet "
                        + "package as runtimes/linux-x64/native/librampart.so; outside a package, put the directory "
                        + "holding librampart.so on LD_LIBRARY_PATH.", e);
                }
                if (abi != Native.AbiVersion)
                {
                    string version = Native.StaticString(Native.rampart_version());
                    throw new NativeLibraryException(
                        "rampart: the loaded librampart.so (version " + version + ") has C ABI version " + abi
                        + ", but this Rampart assembly needs C ABI version " + Native.AbiVersion
                        + ". Use the librampart.so that came with this package, or a Rampart package of the library's version.");
                }
                checkedOk = true;
            }
        }

        /// <summary>The library's description of a status: <c>"name: sentence"</c>.</summary>
        internal static string StatusText(uint status)
        {
            try
            {
                return Native.StaticString(Native.rampart_status_str(status));
            }
            catch (Exception)
            {
                return "status " + status;
            }
        }
    }
}
