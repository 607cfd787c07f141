using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;

namespace Rampart
{
    /// <summary>
    /// Starts processes after checking their argv for command injection in the current
    /// request (<see cref="Request.CheckExec"/>): a program chosen by the user, an option
    /// that runs code (<c>--upload-pack=</c>, <c>-exec</c>), or a shell's <c>-c</c> script
    /// built from input. Use it in place of <see cref="Process.Start(ProcessStartInfo)"/>.
    /// </summary>
    public static class ProcessGuard
    {
        private const string Operation = "Process.Start";

        // Mono splits ProcessStartInfo.Arguments like a POSIX shell (g_shell_parse_argv);
        // .NET splits it with the Windows C runtime's rules on every OS.
        private static readonly bool PosixArguments = Type.GetType("Mono.Runtime") != null;

        /// <summary>Checks, then starts <paramref name="fileName"/> with exactly these arguments (no shell).</summary>
        /// <exception cref="RampartBlockedException">The policy blocks the argv.</exception>
        public static Process Start(string fileName, params string[] arguments) => Start(StartInfo(fileName, arguments));

        /// <summary>
        /// A start info that runs <paramref name="fileName"/> with exactly these arguments, without
        /// a shell (quoted for this runtime); set redirections on it, then pass it to <see cref="Start(ProcessStartInfo)"/>.
        /// </summary>
        public static ProcessStartInfo StartInfo(string fileName, params string[] arguments)
        {
            if (fileName == null) throw new ArgumentNullException(nameof(fileName));
            return new ProcessStartInfo(fileName, JoinArguments(arguments ?? new string[0])) { UseShellExecute = false };
        }

        /// <summary>Checks the argv <paramref name="startInfo"/> will run, then starts it.</summary>
        public static Process Start(ProcessStartInfo startInfo)
        {
            Check(startInfo);
            return Process.Start(startInfo);
        }

        /// <summary>Checks the argv <paramref name="startInfo"/> will run in the current request, without starting it.</summary>
        public static void Check(ProcessStartInfo startInfo)
        {
            if (startInfo == null) throw new ArgumentNullException(nameof(startInfo));
            RequestContext.Current?.Exec(Argv(startInfo), Operation);
        }

        /// <summary>The argv a start info runs: the file name, then its Arguments split as this runtime splits them.</summary>
        public static IReadOnlyList<string> Argv(ProcessStartInfo startInfo)
        {
            var argv = new List<string> { startInfo.FileName ?? string.Empty };
            string arguments = startInfo.Arguments ?? string.Empty;
            if (PosixArguments) SplitPosix(arguments, argv); else SplitWindows(arguments, argv);
            return argv;
        }

        /// <summary>Arguments joined into one string that this runtime splits back into the same list.</summary>
        public static string JoinArguments(IEnumerable<string> arguments)
        {
            var joined = new StringBuilder();
            foreach (string argument in arguments)
            {
                if (joined.Length > 0) joined.Append(' ');
                if (PosixArguments) QuotePosix(argument, joined); else QuoteWindows(argument, joined);
            }
            return joined.ToString();
        }

        private static void QuotePosix(string argument, StringBuilder to)
        {
            bool plain = argument.Length > 0;
            foreach (char c in argument)
                if (!(char.IsLetterOrDigit(c) && c < 128) && "_@%+=:,./-".IndexOf(c) < 0) { plain = false; break; }
            if (plain) { to.Append(argument); return; }
            to.Append('\'').Append(argument.Replace("'", "'\\''")).Append('\'');
        }

        private static void QuoteWindows(string argument, StringBuilder to)
        {
            if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0) { to.Append(argument); return; }
            to.Append('"');
            int backslashes = 0;
            foreach (char c in argument)
            {
                if (c == '\\') { backslashes++; continue; }
                if (c == '"') to.Append('\\', backslashes * 2 + 1);
                else to.Append('\\', backslashes);
                backslashes = 0;
                to.Append(c);
            }
            to.Append('\\', backslashes * 2).Append('"');
        }

        // POSIX shell word splitting without expansions: blanks separate words; '...' is
        // literal; "..." keeps blanks and lets \ escape $ ` " \ and newline; \ escapes
        // any byte outside quotes.
        private static void SplitPosix(string text, List<string> argv)
        {
            var word = new StringBuilder();
            bool inWord = false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == ' ' || c == '\t' || c == '\n')
                {
                    if (inWord) { argv.Add(word.ToString()); word.Clear(); inWord = false; }
                    continue;
                }
                inWord = true;
                if (c == '\'')
                {
                    int end = text.IndexOf('\'', i + 1);
                    if (end < 0) end = text.Length;
                    word.Append(text, i + 1, end - i - 1);
                    i = end;
                }
                else if (c == '"')
                {
                    for (i++; i < text.Length && text[i] != '"'; i++)
                    {
                        if (text[i] == '\\' && i + 1 < text.Length && "$`\"\\\n".IndexOf(text[i + 1]) >= 0) i++;
                        word.Append(text[i]);
                    }
                }
                else if (c == '\\' && i + 1 < text.Length) word.Append(text[++i]);
                else word.Append(c);
            }
            if (inWord) argv.Add(word.ToString());
        }

        // The Windows C runtime's rules, which .NET applies on every OS: blanks separate
        // arguments; "..." groups; 2n backslashes before " are n backslashes and a quote
        // toggle, 2n+1 are n backslashes and a literal quote.
        private static void SplitWindows(string text, List<string> argv)
        {
            var word = new StringBuilder();
            bool inWord = false, quoted = false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if ((c == ' ' || c == '\t') && !quoted)
                {
                    if (inWord) { argv.Add(word.ToString()); word.Clear(); inWord = false; }
                    continue;
                }
                inWord = true;
                if (c == '\\')
                {
                    int count = 0;
                    while (i < text.Length && text[i] == '\\') { count++; i++; }
                    if (i < text.Length && text[i] == '"')
                    {
                        word.Append('\\', count / 2);
                        if (count % 2 == 1) word.Append('"'); else quoted = !quoted;
                    }
                    else
                    {
                        word.Append('\\', count);
                        i--;
                    }
                }
                else if (c == '"')
                {
                    if (quoted && i + 1 < text.Length && text[i + 1] == '"') { word.Append('"'); i++; }
                    else quoted = !quoted;
                }
                else word.Append(c);
            }
            if (inWord) argv.Add(word.ToString());
        }
    }
}
