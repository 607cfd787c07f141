// The C ABI's enums (include/rampart.h), with .NET names. The numeric values are the
// core's stable codes and never change.
namespace Rampart
{
    /// <summary>What the host should do about a check's outcome.</summary>
    public enum VerdictAction : uint
    {
        /// <summary>Nothing found, or the protection is off for this request: proceed.</summary>
        Allow = 0,
        /// <summary>An attack was found; the policy says report it and proceed.</summary>
        Report = 1,
        /// <summary>An attack was found; the policy says do not make the call.</summary>
        Block = 2,
    }

    /// <summary>The kind of attack found.</summary>
    public enum Threat : uint
    {
        None = 0,
        SqlInjection = 1,
        CommandInjection = 2,
        PathTraversal = 3,
        Ssrf = 4,
        NoSqlInjection = 5,
        OpenRedirect = 6,
        HeaderInjection = 7,
        MaliciousPayload = 8,
    }

    /// <summary>Why an input was judged an attack; docs/detection/ explains each.</summary>
    public enum Reason : uint
    {
        None = 0,
        SqlLiteralEscape = 101,
        SqlComment = 102,
        SqlStatementSeparator = 103,
        SqlOperator = 104,
        SqlKeyword = 105,
        SqlUnknownToken = 106,
        ShellOperator = 201,
        ShellSubstitution = 202,
        ShellRedirection = 203,
        ShellNewline = 204,
        ShellQuoteEscape = 205,
        ShellComment = 206,
        ShellWordSplit = 207,
        ShellGlob = 208,
        ShellOption = 209,
        ShellCommand = 210,
        ShellUnknownToken = 211,
        ExecProgram = 220,
        ExecOption = 221,
        ExecCode = 222,
        PathTraversal = 301,
        PathAbsolute = 302,
        PathNulByte = 303,
        PathSecretFile = 304,
        PathTraversalSensitive = 311,
        PathAbsoluteSensitive = 312,
        PathNulByteSensitive = 313,
        SsrfInternalHost = 401,
        SsrfCloudMetadata = 402,
        SsrfScheme = 403,
        SsrfResolvedInternal = 404,
        SsrfResolvedMetadata = 405,
        NoSqlOperator = 501,
        NoSqlCodeOperator = 502,
        NoSqlJsonEscape = 503,
        RedirectForeignHost = 601,
        RedirectScriptScheme = 602,
        HeaderLineBreak = 701,
        HeaderNulByte = 702,
        HeaderNameInjection = 703,
        PayloadSqlInjection = 801,
        PayloadXss = 802,
        PayloadCommandInjection = 803,
        PayloadPathTraversal = 804,
        PayloadSsrf = 805,
        PayloadEncodingEvasion = 806,
        RuleMatch = 810,
    }

    /// <summary>Where in the HTTP request an input came from.</summary>
    public enum InputSource : uint
    {
        /// <summary>A query-string parameter.</summary>
        Query = 0,
        /// <summary>A body field (form, JSON, multipart); JSON object keys are inputs too.</summary>
        Body = 1,
        /// <summary>A path parameter (<c>/users/{id}</c>).</summary>
        Path = 2,
        /// <summary>A header value (key: the header name, lowercase).</summary>
        Header = 3,
        /// <summary>A cookie value (never written to events).</summary>
        Cookie = 4,
        /// <summary>Anything else the application treats as user input.</summary>
        Other = 5,
        /// <summary>An uploaded file (key: the form field; value: the client's file name).</summary>
        File = 6,
    }

    /// <summary>A SQL dialect: pick the database the query is sent to.</summary>
    public enum SqlDialect : uint
    {
        MySql = 1,
        PostgreSql = 2,
        Sqlite = 3,
        MsSql = 4,
        Oracle = 5,
        /// <summary>Any other database: standard rules, judged under both string readings.</summary>
        Generic = 6,
    }

    /// <summary>The kind of sink a resource was checked for (<c>sink.kind</c> in events).</summary>
    public enum Sink : uint
    {
        Sql = 1,
        Shell = 2,
        Exec = 3,
        Path = 4,
        Url = 5,
        NoSql = 6,
        Redirect = 7,
        Header = 8,
        /// <summary>The HTTP request itself: payload inspection (<see cref="Engine.Inspect"/>), no sink.</summary>
        Request = 9,
    }

    /// <summary>Names as they appear in events and block messages.</summary>
    public static class ThreatNames
    {
        /// <summary>The event name of a threat (<c>sql_injection</c>, ...).</summary>
        public static string EventName(this Threat threat)
        {
            switch (threat)
            {
                case Threat.SqlInjection: return "sql_injection";
                case Threat.CommandInjection: return "command_injection";
                case Threat.PathTraversal: return "path_traversal";
                case Threat.Ssrf: return "ssrf";
                case Threat.NoSqlInjection: return "nosql_injection";
                case Threat.OpenRedirect: return "open_redirect";
                case Threat.HeaderInjection: return "header_injection";
                case Threat.MaliciousPayload: return "malicious_payload";
                default: return "none";
            }
        }
    }
}
