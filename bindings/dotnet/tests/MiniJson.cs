using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Rampart.Tests
{
    /// <summary>A strict JSON reader for the vector files: objects, arrays, strings, numbers, literals.</summary>
    internal sealed class MiniJson
    {
        private readonly string text;
        private int at;

        private MiniJson(string text) { this.text = text; }

        public static object Parse(string text)
        {
            var reader = new MiniJson(text);
            reader.Space();
            object value = reader.Value();
            reader.Space();
            if (reader.at != text.Length) throw reader.Error("trailing text");
            return value;
        }

        private FormatException Error(string what) => new FormatException(what + " at " + at);

        private void Space()
        {
            while (at < text.Length && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n')) at++;
        }

        private char Peek()
        {
            if (at >= text.Length) throw Error("unexpected end");
            return text[at];
        }

        private object Value()
        {
            char c = Peek();
            if (c == '{')
            {
                at++;
                var result = new Dictionary<string, object>();
                Space();
                if (Peek() == '}') { at++; return result; }
                while (true)
                {
                    Space();
                    string key = String();
                    if (result.ContainsKey(key)) throw Error("duplicate key " + key);
                    Space();
                    if (Peek() != ':') throw Error("expected :");
                    at++;
                    Space();
                    result[key] = Value();
                    Space();
                    char next = Peek();
                    at++;
                    if (next == '}') return result;
                    if (next != ',') throw Error("expected , or }");
                }
            }
            if (c == '[')
            {
                at++;
                var result = new List<object>();
                Space();
                if (Peek() == ']') { at++; return result; }
                while (true)
                {
                    Space();
                    result.Add(Value());
                    Space();
                    char next = Peek();
                    at++;
                    if (next == ']') return result;
                    if (next != ',') throw Error("expected , or ]");
                }
            }
            if (c == '"') return String();
            if (Match("true")) return true;
            if (Match("false")) return false;
            if (Match("null")) return null;
            int start = at;
            while (at < text.Length && "+-0123456789.eE".IndexOf(text[at]) >= 0) at++;
            if (start == at) throw Error("unexpected character");
            return double.Parse(text.Substring(start, at - start), CultureInfo.InvariantCulture);
        }

        private bool Match(string literal)
        {
            if (string.CompareOrdinal(text, at, literal, 0, literal.Length) != 0) return false;
            at += literal.Length;
            return true;
        }

        private string String()
        {
            if (Peek() != '"') throw Error("expected string");
            at++;
            var value = new StringBuilder();
            while (true)
            {
                char c = Peek();
                at++;
                if (c == '"') return value.ToString();
                if (c < 0x20) throw Error("control character in string");
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
                        if (at + 4 > text.Length) throw Error("short \\u escape");
                        value.Append((char)int.Parse(text.Substring(at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                        at += 4;
                        break;
                    default: throw Error("bad escape");
                }
            }
        }
    }
}
