//! `rampart check <sink> ...`: one verdict, for a person or (with `--json`) a program.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use rampart_core::lex::url::{Host, Relative, UrlParts};
use rampart_core::{Dialect, Reason, Request, Verdict};
use serde_json::json;

use crate::inputs::{fill, parse_input, InputArg};

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    #[command(subcommand)]
    sink: Sink,
}

#[derive(Subcommand, Debug)]
enum Sink {
    /// A SQL query about to be sent to a database.
    Sql {
        /// mysql, postgresql, sqlite, mssql, oracle or generic.
        #[arg(long, default_value = "generic")]
        dialect: String,
        /// The query text.
        #[arg(long)]
        query: String,
        #[command(flatten)]
        common: Common,
    },
    /// A command string about to be run by `sh -c` (system(), exec with a shell).
    Shell {
        /// The command string.
        #[arg(long)]
        command: String,
        #[command(flatten)]
        common: Common,
    },
    /// An argv about to be executed without a shell (execve, execFile, ProcessBuilder).
    Exec {
        /// One argument; repeat in order (`--argv git --argv clone --argv URL`), or give
        /// the argv after `--`.
        #[arg(long = "argv", value_name = "ARG", allow_hyphen_values = true)]
        argv: Vec<String>,
        /// The argv, after `--`.
        #[arg(last = true, value_name = "ARGV")]
        rest: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// A MongoDB-style query filter, as JSON text.
    Nosql {
        /// The filter as JSON (`{"user": "a", "pw": {"$ne": ""}}`).
        #[arg(long)]
        filter: String,
        #[command(flatten)]
        common: Common,
    },
    /// A file path about to be opened.
    Path {
        /// The path.
        #[arg(long)]
        path: String,
        #[command(flatten)]
        common: Common,
    },
    /// A URL an HTTP client is about to fetch (and, with --ip, the address it connects to).
    Url {
        /// The URL.
        #[arg(long)]
        url: String,
        /// The address the connection really uses: also judge DNS rebinding.
        #[arg(long)]
        ip: Option<String>,
        /// The host name resolved to --ip (default: the URL's host).
        #[arg(long, requires = "ip")]
        resolved_host: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// A redirect's Location.
    Redirect {
        /// The Location value.
        #[arg(long)]
        location: String,
        /// The request's own host (its Host header).
        #[arg(long)]
        host: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// A response header about to be sent.
    Header {
        /// The header name.
        #[arg(long)]
        name: String,
        /// The header value.
        #[arg(long)]
        value: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Debug)]
struct Common {
    /// A user input of the request, as SOURCE:KEY=VALUE (source: query, body, path,
    /// header, cookie, other). Repeat for several inputs.
    #[arg(long = "input", short = 'i', value_name = "SOURCE:KEY=VALUE")]
    inputs: Vec<String>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
    /// Policy file (default: every protection on, block mode).
    #[arg(long)]
    policy: Option<PathBuf>,
}

pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, String> {
    let common = match &args.sink {
        Sink::Sql { common, .. }
        | Sink::Shell { common, .. }
        | Sink::Exec { common, .. }
        | Sink::Nosql { common, .. }
        | Sink::Path { common, .. }
        | Sink::Url { common, .. }
        | Sink::Redirect { common, .. }
        | Sink::Header { common, .. } => common,
    };
    let inputs = common.inputs.iter().map(|a| parse_input(a)).collect::<Result<Vec<_>, _>>()?;
    let engine = crate::load_engine(common.policy.as_ref())?;
    let mut request = Request::new();
    fill(&mut request, &inputs);
    let (verdict, what, resource) = match &args.sink {
        Sink::Sql { dialect, query, .. } => {
            let dialect = Dialect::parse(dialect).ok_or_else(|| {
                format!("--dialect `{dialect}`: expected one of mysql, postgresql, sqlite, mssql, oracle, generic")
            })?;
            (engine.check_sql(&request, dialect, query.as_bytes()), "query", query.clone())
        }
        Sink::Shell { command, .. } => (engine.check_shell(&request, command.as_bytes()), "command", command.clone()),
        Sink::Exec { argv, rest, .. } => {
            let argv: Vec<&[u8]> = argv.iter().chain(rest).map(|a| a.as_bytes()).collect();
            if argv.is_empty() {
                return Err("check exec: give the argv with --argv ARG ... or after --".to_owned());
            }
            // Spans of exec verdicts are offsets into the arguments joined by one space.
            let joined = argv.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>().join(" ");
            (engine.check_exec(&request, &argv), "argv", joined)
        }
        Sink::Nosql { filter, .. } => (engine.check_nosql(&request, filter.as_bytes()), "filter", filter.clone()),
        Sink::Path { path, .. } => (engine.check_path(&request, path.as_bytes()), "path", path.clone()),
        Sink::Url { url, ip, resolved_host, .. } => {
            let mut verdict = engine.check_url(&request, url.as_bytes());
            if let (Some(ip), false) = (ip, verdict.is_attack()) {
                let host = resolved_host.clone().unwrap_or_else(|| host_of(url));
                verdict = engine.check_resolved_ip(&request, host.as_bytes(), ip.as_bytes());
                if verdict.is_attack() {
                    return finish(&verdict, &inputs, common.json, "resolved host", &host);
                }
            }
            (verdict, "URL", url.clone())
        }
        Sink::Redirect { location, host, .. } => {
            if let Some(host) = host {
                request.set_host(host.as_bytes());
            }
            (engine.check_redirect(&request, location.as_bytes()), "location", location.clone())
        }
        Sink::Header { name, value, .. } => {
            let verdict = engine.check_header(&request, name.as_bytes(), value.as_bytes());
            if verdict.reason == Some(Reason::HeaderNameInjection) {
                (verdict, "header name", name.clone())
            } else {
                (verdict, "header value", value.clone())
            }
        }
    };
    finish(&verdict, &inputs, common.json, what, &resource)
}

fn finish(verdict: &Verdict, inputs: &[InputArg], json: bool, what: &str, resource: &str) -> Result<ExitCode, String> {
    if json {
        println!("{}", verdict_json(verdict, inputs));
    } else {
        print_for_person(verdict, inputs, what, resource);
    }
    Ok(if verdict.is_attack() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The host name a client resolves for `url`, as the engine parses it.
fn host_of(url: &str) -> String {
    match UrlParts::parse(url.as_bytes(), Relative::Fetch).parse_host(url.as_bytes()) {
        Host::Name(name) => String::from_utf8_lossy(name.as_bytes()).into_owned(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
        Host::Empty | Host::Invalid => String::new(),
    }
}

fn verdict_json(verdict: &Verdict, inputs: &[InputArg]) -> serde_json::Value {
    let input = verdict.input_index.and_then(|i| inputs.get(i).map(|a| (i, a)));
    json!({
        "verdict": if verdict.is_attack() { "attack" } else { "safe" },
        "action": verdict.action.name(),
        "threat": verdict.threat.map(|t| t.name()),
        "reason": verdict.reason.map(|r| r.name()),
        "reason_text": verdict.reason.map(|r| r.description()),
        "input": input.map(|(i, a)| json!({"index": i, "source": a.source.name(), "key": a.key, "value": a.value})),
        "span": verdict.span.map(|s| json!({"start": s.start, "end": s.end})),
    })
}

fn print_for_person(verdict: &Verdict, inputs: &[InputArg], what: &str, resource: &str) {
    let (Some(threat), Some(reason)) = (verdict.threat, verdict.reason) else {
        println!("SAFE    no input changed the structure of the {what}");
        return;
    };
    println!("ATTACK  {threat} (action: {})", verdict.action.name());
    if let Some(input) = verdict.input_index.and_then(|i| inputs.get(i)) {
        println!("input   {}.{} = {:?}", input.source.name(), input.key, input.value);
    }
    if let Some(span) = verdict.span {
        println!("where   bytes {}..{} of the {what}", span.start, span.end);
        // Mark the span under the resource when it fits on a line.
        let (before, inside) = (resource.get(..span.start), resource.get(span.start..span.end));
        if let (Some(before), Some(inside)) = (before, inside) {
            if resource.len() <= 160 && !resource.contains(['\n', '\r', '\t']) {
                println!("        {resource}");
                println!("        {}{}", " ".repeat(before.chars().count()), "^".repeat(inside.chars().count().max(1)));
            }
        }
    }
    println!("why     {} ({})", reason.description(), reason.name());
}
