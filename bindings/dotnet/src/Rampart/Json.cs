using System;
using System.Globalization;
using System.Text;

namespace Rampart
{
    /// <summary>
    /// The little JSON the binding writes without a dependency: strings escaped for event
    /// metadata. (Reading JSON bodies is the core's: <see cref="Request.AddJson(string)"/>.)
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
    }
}
