// One exception class per rampart_status (docs/c-api.md), all under RampartException,
// plus the two the binding itself raises: a refused native library and a blocked call.
using System;

namespace Rampart
{
    /// <summary>Every error rampart raises. <see cref="Status"/> is the stable numeric code.</summary>
    public class RampartException : Exception
    {
        /// <summary>The <c>rampart_status</c> code (0 for errors of the binding itself).</summary>
        public uint Status { get; }

        public RampartException(uint status, string message, Exception inner = null) : base(message, inner)
        {
            Status = status;
        }

        /// <summary>The exception for a status other than OK.</summary>
        internal static RampartException FromStatus(uint status, string detail = null)
        {
            string text = Library.StatusText(status);
            string message = string.IsNullOrEmpty(detail) ? text : text + ": " + detail;
            switch (status)
            {
                case 1: return new InvalidPolicyException(message);
                case 2: return new PolicyIOException(message);
                case 3: return new InvalidArgumentException(message);
                case 100: return new NullArgumentException(message);
                case 101: return new BufferTooSmallException(message);
                case 102: return new NoEventException(message);
                case 199: return new InternalErrorException(message);
                default: return new UnknownErrorException(status, message);
            }
        }

        internal static void Check(uint status)
        {
            if (status != 0) throw FromStatus(status);
        }
    }

    /// <summary>The policy document is invalid; the message names the field (status 1).</summary>
    public sealed class InvalidPolicyException : RampartException
    {
        public InvalidPolicyException(string message) : base(1, message) { }
    }

    /// <summary>The policy file named by <c>RAMPART_POLICY</c> could not be read (status 2).</summary>
    public sealed class PolicyIOException : RampartException
    {
        public PolicyIOException(string message) : base(2, message) { }
    }

    /// <summary>An argument is outside its domain (status 3).</summary>
    public sealed class InvalidArgumentException : RampartException
    {
        public InvalidArgumentException(string message) : base(3, message) { }
    }

    /// <summary>A required pointer was NULL at the C ABI: a bug of this binding (status 100).</summary>
    public sealed class NullArgumentException : RampartException
    {
        public NullArgumentException(string message) : base(100, message) { }
    }

    /// <summary>An output buffer was too small: the binding retries, so seeing it is a bug (status 101).</summary>
    public sealed class BufferTooSmallException : RampartException
    {
        public BufferTooSmallException(string message) : base(101, message) { }
    }

    /// <summary>An event was asked for a verdict that found nothing (status 102).</summary>
    public sealed class NoEventException : RampartException
    {
        public NoEventException(string message) : base(102, message) { }
    }

    /// <summary>A status this binding does not know, or the core's unknown error (status 198).</summary>
    public sealed class UnknownErrorException : RampartException
    {
        public UnknownErrorException(uint status, string message) : base(status, message) { }
    }

    /// <summary>A bug inside rampart was caught at the boundary (status 199). Please report it.</summary>
    public sealed class InternalErrorException : RampartException
    {
        public InternalErrorException(string message) : base(199, message) { }
    }

    /// <summary>librampart could not be loaded, or speaks another C ABI version than this package.</summary>
    public sealed class NativeLibraryException : RampartException
    {
        public NativeLibraryException(string message, Exception inner = null) : base(0, message, inner) { }
    }

    /// <summary>
    /// Thrown at a protected sink (a SQL command, a process start, a file open, an outgoing
    /// HTTP request) instead of running it, when the policy says block. Web integrations turn
    /// it into the policy's block response; catching it changes nothing for the attacker.
    /// </summary>
    public sealed class RampartBlockedException : RampartException
    {
        /// <summary>The id of the event that was logged; the block page quotes it.</summary>
        public string EventId { get; }

        /// <summary>The attack (None when the call was blocked because rampart failed and the policy fails closed).</summary>
        public Threat Threat { get; }

        /// <summary>The sink operation that was refused (<c>DbCommand.ExecuteReader</c>, ...).</summary>
        public string Operation { get; }

        /// <summary>The verdict that blocked the call.</summary>
        public Verdict Verdict { get; }

        /// <summary>
        /// The block inside <paramref name="error"/>: itself, or an inner exception (a data
        /// layer or a task may wrap it), or null.
        /// </summary>
        public static RampartBlockedException Find(Exception error)
        {
            for (int depth = 0; error != null && depth < 16; depth++)
            {
                if (error is RampartBlockedException blocked) return blocked;
                if (error is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
                {
                    foreach (Exception inner in aggregate.InnerExceptions)
                    {
                        RampartBlockedException found = Find(inner);
                        if (found != null) return found;
                    }
                    return null;
                }
                error = error.InnerException;
            }
            return null;
        }

        public RampartBlockedException(string eventId, Verdict verdict, string operation)
            : base(2000, "rampart blocked " + (verdict.IsAttack ? verdict.Threat.EventName() : "a call (rampart failed, fail_closed)")
                         + " at " + operation + " (event " + eventId + ")")
        {
            EventId = eventId;
            Verdict = verdict;
            Threat = verdict.Threat;
            Operation = operation;
        }
    }
}
