using System;
using System.Runtime.InteropServices;

namespace Rampart
{
    /// <summary>
    /// The outcome of one check: a plain value with the layout of <c>rampart_verdict</c>,
    /// written by the library straight into the caller's stack (no allocation).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Verdict
    {
        // Written only by the library (the struct is an out parameter of every check).
#pragma warning disable 0649
        private uint action;
        private uint threat;
        private uint reason;
        private uint ruleId;
        private UIntPtr inputIndex;
        private UIntPtr spanStart;
        private UIntPtr spanEnd;
#pragma warning restore 0649

        /// <summary>What to do: allow, report (log and proceed) or block (do not make the call).</summary>
        public VerdictAction Action => (VerdictAction)action;

        /// <summary>The attack found, or <see cref="Rampart.Threat.None"/>.</summary>
        public Threat Threat => (Threat)threat;

        /// <summary>Why the input was judged an attack.</summary>
        public Reason Reason => (Reason)reason;

        /// <summary>The rule that matched, for rule-engine findings; 0 for built-in detection.</summary>
        public uint RuleId => ruleId;

        /// <summary>True when an attack was found (whatever the action).</summary>
        public bool IsAttack => threat != 0;

        /// <summary>Index (in the order inputs were added) of the input that carried the attack, or -1.</summary>
        public int InputIndex => Index(inputIndex);

        /// <summary>Byte offset (UTF-8) of that input in the checked resource, or -1.</summary>
        public int SpanStart => Index(spanStart);

        /// <summary>One past the input's last byte in the resource, or -1.</summary>
        public int SpanEnd => Index(spanEnd);

        // RAMPART_NONE is SIZE_MAX; a .NET string's UTF-8 form never reaches int.MaxValue bytes.
        private static int Index(UIntPtr value)
        {
            ulong v = value.ToUInt64();
            return v > int.MaxValue ? -1 : (int)v;
        }

        public override string ToString() =>
            IsAttack ? $"{Action} {Threat.EventName()} ({Reason}, input {InputIndex}, bytes {SpanStart}..{SpanEnd})" : "Allow";
    }
}
