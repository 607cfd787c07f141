using System;
using System.Globalization;
using System.Text;

namespace Rampart
{
    /// <summary>
    /// The little JSON the binding needs without a dependency: escaping strings for event
    /// metadata, and flattening a JSON body into inputs (netstandard2.0 has no JSON parser).
    /// </summary>
    internal static class Json
    {
        internal static void AppendString(StringBuilder json, string text)
        {
            json.Append('"');
            foreach (char c in text ?? string.Empty)
            {
                switch (c)
                {
                    case '"': json.Append("\\\""); break;
                    case '\\': json.Append("\\\\"); break;
                    case '\n': json.Append("\\n"); break;
                    case '\r': json.Append("\\r"); break;
                    case '\t': json.Append("\\t"); break;
                    default:
                        if (c < 0x20) json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else json.Append(c);
                        break;
                }
            }
            json.Append('"');
        }

        /// <summary>
        /// Calls <paramref name="add"/> with (dotted key, value) for every leaf of the JSON
        /// document and (key, key) for every object key, up to <paramref name="maxInputs"/>
        /// calls and <paramref name="maxDepth"/> levels. Returns false when the text is not
        /// JSON or a limit cut it short (what was read until then was added).
        /// </summary>
        internal static bool Flatten(string text, int maxInputs, int maxDepth, Action<string, string> add)
        {
            var reader = new Flattener(text, maxInputs, maxDepth, add);
            try
            {
                reader.SkipSpace();
                reader.Value(string.Empty, 0);
                reader.SkipSpace();
                return reader.AtEnd && !reader.Cut;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private sealed class Flattener
        {
            private readonly string text;
            private readonly int maxInputs, maxDepth;
            private readonly Action<string, string> add;
            private int at, added;
            internal bool Cut;

            internal Flattener(string text, int maxInputs, int maxDepth, Action<string, string> add)
            {
                this.text = text;
                this.maxInputs = maxInputs;
                this.maxDepth = maxDepth;
                this.add = add;
            }

            internal bool AtEnd => at == text.Length;

            private void Add(string key, string value)
            {
                if (added >= maxInputs) { Cut = true; return; }
                added++;
                add(key, value);
            }

            internal void SkipSpace()
            {
                while (at < text.Length && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) at++;
            }

            private char Peek() => at < text.Length ? text[at] : throw new FormatException();

            private void Expect(char c)
            {
                if (Peek() != c) throw new FormatException();
                at++;
            }

            internal void Value(string key, int depth)
            {
                char c = Peek();
                if (c == '{' || c == '[')
                {
                    if (depth >= maxDepth) { Cut = true; SkipNested(); return; }
                    if (c == '{') Object(key, depth + 1); else Array(key, depth + 1);
                }
                else if (c == '"') Add(key, String());
                else
                {
                    int start = at;
                    while (at < text.Length && ",]} \t\r\n".IndexOf(text[at]) < 0) at++;
                    if (at == start) throw new FormatException();
                    string literal = text.Substring(start, at - start);
                    if (literal != "null") Add(key, literal);
                }
            }

            private void Object(string key, int depth)
            {
                Expect('{');
                SkipSpace();
                if (Peek() == '}') { at++; return; }
                while (true)
                {
                    SkipSpace();
                    string name = String();
                    string child = key.Length == 0 ? name : key + "." + name;
                    Add(child, name);
                    SkipSpace();
                    Expect(':');
                    SkipSpace();
                    Value(child, depth);
                    SkipSpace();
                    if (Peek() == ',') { at++; continue; }
                    Expect('}');
                    return;
                }
            }

            private void Array(string key, int depth)
            {
                Expect('[');
                SkipSpace();
                if (Peek() == ']') { at++; return; }
                for (int index = 0; ; index++)
                {
                    SkipSpace();
                    Value(key + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", depth);
                    SkipSpace();
                    if (Peek() == ',') { at++; continue; }
                    Expect(']');
                    return;
                }
            }

            // Past the limit the structure is skipped without recursion (no stack overflow on deep nesting).
            private void SkipNested()
            {
                int level = 0;
                do
                {
                    char c = Peek();
                    if (c == '"') { String(); continue; }
                    if (c == '{' || c == '[') level++;
                    else if (c == '}' || c == ']') level--;
                    at++;
                } while (level > 0);
            }

            internal string String()
            {
                Expect('"');
                var value = new StringBuilder();
                while (true)
                {
                    char c = Peek();
                    at++;
                    if (c == '"') return value.ToString();
                    if (c != '\\') { value.Append(c); continue; }
                    char e = Peek();
                    at++;
                    switch (e)
                    {
                        case '"': case '\\': case '/': value.Append(e); break;
                        case 'b': value.Append('\b'); break;
                        case 'f': value.Append('\f'); break;
                        case 'n': value.Append('\n'); break;
                        case 'r': value.Append('\r'); break;
                        case 't': value.Append('\t'); break;
                        case 'u':
                            if (at + 4 > text.Length) throw new FormatException();
                            value.Append((char)int.Parse(text.Substring(at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                            at += 4;
                            break;
                        default: throw new FormatException();
                    }
                }
            }
        }
    }
}
