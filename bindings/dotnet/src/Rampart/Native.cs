// The P/Invoke declarations of include/rampart.h, one to one. Nothing else in the
// library calls into native code; Engine and Request wrap these with SafeHandles.
//
// Every declaration passes blittable types only (pointers, integers, the Verdict struct,
// SafeHandles), so the marshaller copies nothing and allocates nothing per call. The
// per-check functions take the request as a raw pointer: Request holds a reference on its
// SafeHandle around each call itself (DangerousAddRef/Release), which costs less than the
// marshaller's SafeHandle stub on Mono and keeps the same protection against a
// concurrent Dispose.
using System;
using System.Runtime.InteropServices;
using System.Security;

namespace Rampart
{
    /// <summary>One byte range of an argv (<c>rampart_bytes</c>).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct NativeBytes
    {
        public byte* Data;
        public UIntPtr Length;
    }

    [SuppressUnmanagedCodeSecurity]
    internal static unsafe class Native
    {
        // "rampart" resolves to librampart.so on Linux (runtimes/linux-x64/native/ in the
        // NuGet package for .NET; LD_LIBRARY_PATH or a dllmap for Mono).
        internal const string Library = "rampart";

        /// <summary>RAMPART_ABI_VERSION of the header these declarations follow.</summary>
        internal const uint AbiVersion = 1;

        /// <summary>RAMPART_EVENT_ID_LEN.</summary>
        internal const int EventIdLength = 32;

        /// <summary>RAMPART_EXEC_INLINE_ARGS.</summary>
        internal const int ExecInlineArgs = 64;

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr rampart_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_abi_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_engine_new(
            byte* policyJson, UIntPtr policyJsonLen, out EngineHandle engineOut, byte* errBuf, UIntPtr errCap);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_engine_from_env(out EngineHandle engineOut, byte* errBuf, UIntPtr errCap);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void rampart_engine_free(IntPtr engine);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_engine_fail_closed(EngineHandle engine, out byte failClosedOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_dialect_from_name(byte* name, UIntPtr nameLen, out uint dialectOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_source_from_name(byte* name, UIntPtr nameLen, out uint sourceOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_sql(
            IntPtr request, uint dialect, byte* query, UIntPtr queryLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_shell(
            IntPtr request, byte* command, UIntPtr commandLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_exec(
            IntPtr request, NativeBytes* argv, UIntPtr argc, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_nosql(
            IntPtr request, byte* filterJson, UIntPtr filterLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_path(
            IntPtr request, byte* path, UIntPtr pathLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_url(
            IntPtr request, byte* url, UIntPtr urlLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_resolved_ip(
            IntPtr request, byte* host, UIntPtr hostLen, byte* ip, UIntPtr ipLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_redirect(
            IntPtr request, byte* location, UIntPtr locationLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_check_header(
            IntPtr request, byte* name, UIntPtr nameLen, byte* value, UIntPtr valueLen, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr rampart_status_str(uint status);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_event_json(
            RequestHandle request, ref Verdict verdict, uint sink, byte* resource, UIntPtr resourceLen,
            byte* metaJson, UIntPtr metaLen, byte* buf, UIntPtr cap, out UIntPtr lenOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_event_id_new(byte* buf, UIntPtr cap);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_block_response(
            EngineHandle engine, byte* eventId, UIntPtr eventIdLen, out ushort statusOut,
            byte* contentTypeBuf, UIntPtr contentTypeCap, out UIntPtr contentTypeLenOut,
            byte* bodyBuf, UIntPtr bodyCap, out UIntPtr bodyLenOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_new(EngineHandle engine, out RequestHandle requestOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_add_input(
            IntPtr request, uint source, byte* key, UIntPtr keyLen, byte* value, UIntPtr valueLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_add_file(IntPtr request, byte* field, UIntPtr fieldLen,
            byte* filename, UIntPtr filenameLen, byte* contentType, UIntPtr contentTypeLen, byte* head, UIntPtr headLen);

        // C's bool is one byte: the truncated flags are read as bytes.
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_add_urlencoded(
            IntPtr request, uint source, byte* data, UIntPtr dataLen, byte* truncatedOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_add_cookies(IntPtr request, byte* header, UIntPtr headerLen, byte* truncatedOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_add_header(
            IntPtr request, byte* name, UIntPtr nameLen, byte* value, UIntPtr valueLen, byte* truncatedOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_add_json(IntPtr request, byte* json, UIntPtr jsonLen, byte* truncatedOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_input_count(IntPtr request, out UIntPtr countOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_inspect(IntPtr request, out Verdict verdictOut);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_set_method(IntPtr request, byte* method, UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_set_path(IntPtr request, byte* path, UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_set_route(IntPtr request, byte* route, UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_set_host(IntPtr request, byte* host, UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint rampart_request_reset(IntPtr request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void rampart_request_free(IntPtr request);

        /// <summary>A static NUL-terminated UTF-8 string from the library.</summary>
        internal static string StaticString(IntPtr text)
        {
            if (text == IntPtr.Zero) return string.Empty;
            byte* start = (byte*)text;
            int length = 0;
            while (start[length] != 0) length++;
            return System.Text.Encoding.UTF8.GetString(start, length);
        }
    }

    /// <summary>An owned <c>rampart_engine*</c>; released with <c>rampart_engine_free</c>.</summary>
    internal sealed class EngineHandle : SafeHandle
    {
        private EngineHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Native.rampart_engine_free(handle);
            return true;
        }
    }

    /// <summary>An owned <c>rampart_request*</c>; released with <c>rampart_request_free</c>.</summary>
    internal sealed class RequestHandle : SafeHandle
    {
        private RequestHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Native.rampart_request_free(handle);
            return true;
        }
    }
}
