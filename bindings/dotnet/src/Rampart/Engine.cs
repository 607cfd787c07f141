using System;

namespace Rampart
{
    /// <summary>
    /// A compiled policy (<c>rampart_engine</c>). Build one at start-up and share it: it is
    /// immutable and safe to use from any number of threads. Requests made from it keep the
    /// native engine alive, so disposing it while requests live is safe.
    /// </summary>
    public sealed unsafe class Engine : IDisposable
    {
        private const int ErrorCapacity = 1024;

        internal readonly EngineHandle Handle;

        /// <summary>Whether the policy asks hooks to block a call when rampart itself fails (<c>"fail_closed": true</c>).</summary>
        public bool FailClosed { get; }

        private Engine(EngineHandle handle)
        {
            Handle = handle;
            byte failClosed;
            RampartException.Check(Native.rampart_engine_fail_closed(handle, out failClosed));
            FailClosed = failClosed != 0;
        }

        /// <summary>Builds an engine from a policy document (JSON; docs/policy.md). <c>"{}"</c> is the default policy.</summary>
        /// <exception cref="InvalidPolicyException">The document is invalid; the message names the field.</exception>
        public static Engine FromJson(string policyJson)
        {
            if (policyJson == null) throw new ArgumentNullException(nameof(policyJson));
            Library.EnsureLoaded();
            byte[] json = Utf8.Encoding.GetBytes(policyJson);
            byte* error = stackalloc byte[ErrorCapacity];
            error[0] = 0;
            EngineHandle handle;
            uint status;
            fixed (byte* data = json)
            {
                status = Native.rampart_engine_new(data, (UIntPtr)json.Length, out handle, error, (UIntPtr)ErrorCapacity);
            }
            return Built(status, handle, error);
        }

        /// <summary>
        /// Builds an engine the way every rampart agent does: the policy file named by
        /// <c>RAMPART_POLICY</c> (the default policy when unset), then <c>RAMPART_MODE</c>.
        /// </summary>
        public static Engine FromEnvironment()
        {
            Library.EnsureLoaded();
            byte* error = stackalloc byte[ErrorCapacity];
            error[0] = 0;
            EngineHandle handle;
            uint status = Native.rampart_engine_from_env(out handle, error, (UIntPtr)ErrorCapacity);
            return Built(status, handle, error);
        }

        private static Engine Built(uint status, EngineHandle handle, byte* error)
        {
            if (status != 0)
            {
                handle?.Dispose();
                int length = 0;
                while (length < ErrorCapacity && error[length] != 0) length++;
                throw RampartException.FromStatus(status, Utf8.Decode(error, length));
            }
            return new Engine(handle);
        }

        /// <summary>An empty request bound to this engine. Reuse it (<see cref="Request.Reset"/>) rather than making one per HTTP request.</summary>
        public Request CreateRequest()
        {
            RequestHandle handle;
            uint status = Native.rampart_request_new(Handle, out handle);
            if (status != 0)
            {
                handle?.Dispose();
                throw RampartException.FromStatus(status);
            }
            return new Request(this, handle);
        }

        /// <summary>
        /// Payload inspection of the request itself, whatever sink it may reach: the policy's rules and
        /// the default ruleset over its method, path, inputs and uploads, then the built-in detectors on
        /// each input value after decoding (SQL injection, XSS, shell commands, path traversal, SSRF URLs).
        /// Call it once per HTTP request, after its inputs are added and before the application runs.
        /// </summary>
        /// <remarks>
        /// Findings are <see cref="Threat.MaliciousPayload"/>; the policy's <c>malicious_payload</c>
        /// protection decides the action (report by default, even in block mode). The span covers the
        /// offending input's whole value; <see cref="Verdict.InputIndex"/> is -1 for a rule on the
        /// method or path. Format the event with <see cref="Sink.Request"/> and an empty resource.
        /// Allocates nothing once the calling thread has inspected a request as large.
        /// </remarks>
        public Verdict Inspect(Request request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (request.Engine != this) throw new ArgumentException("the request belongs to another engine", nameof(request));
            return request.Inspect();
        }

        /// <summary>A fresh, unpredictable event id (32 hex digits).</summary>
        public static string NewEventId()
        {
            Library.EnsureLoaded();
            byte* buffer = stackalloc byte[Native.EventIdLength + 1];
            RampartException.Check(Native.rampart_event_id_new(buffer, (UIntPtr)(Native.EventIdLength + 1)));
            return Utf8.Decode(buffer, Native.EventIdLength);
        }

        /// <summary>The policy's block response, with <paramref name="eventId"/> in its body.</summary>
        public BlockResponse BlockResponse(string eventId)
        {
            byte[] id = Utf8.Encoding.GetBytes(eventId ?? string.Empty);
            ushort httpStatus;
            UIntPtr typeLength, bodyLength;
            fixed (byte* idBytes = id)
            {
                uint status = Native.rampart_block_response(Handle, idBytes, (UIntPtr)id.Length, out httpStatus,
                    null, UIntPtr.Zero, out typeLength, null, UIntPtr.Zero, out bodyLength);
                if (status != 101 && status != 0) throw RampartException.FromStatus(status);
                byte[] type = new byte[(int)typeLength.ToUInt64() + 1];
                byte[] body = new byte[(int)bodyLength.ToUInt64() + 1];
                fixed (byte* typeBytes = type)
                fixed (byte* bodyBytes = body)
                {
                    RampartException.Check(Native.rampart_block_response(Handle, idBytes, (UIntPtr)id.Length, out httpStatus,
                        typeBytes, (UIntPtr)type.Length, out typeLength, bodyBytes, (UIntPtr)body.Length, out bodyLength));
                    return new BlockResponse(httpStatus, Utf8.Decode(typeBytes, (int)typeLength.ToUInt64()),
                        Utf8.Decode(bodyBytes, (int)bodyLength.ToUInt64()));
                }
            }
        }

        /// <summary>Releases this reference to the native engine.</summary>
        public void Dispose() => Handle.Dispose();
    }

    /// <summary>What to answer an HTTP request with after a call was blocked (policy <c>block_response</c>).</summary>
    public sealed class BlockResponse
    {
        public int StatusCode { get; }
        public string ContentType { get; }
        public string Body { get; }

        internal BlockResponse(int statusCode, string contentType, string body)
        {
            StatusCode = statusCode;
            ContentType = contentType;
            Body = body;
        }
    }
}
