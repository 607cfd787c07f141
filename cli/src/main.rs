//! `rampart`: try the engine from a shell.
//!
//! - `rampart check sql --dialect mysql --query Q --input body:email=VALUE` judges one
//!   resource against a request's inputs, for a person (or `--json` for programs); so do
//!   `check path --path P`, `check url --url U [--ip IP]`, `check redirect --location L
//!   [--host H]` and `check header --name N --value V`.
//! - `rampart eval FILE...` scores conformance-vector files, one JSON verdict per case.
//! - `rampart inspect --input query:q=VALUE` inspects one request's inputs for malicious
//!   payloads (no sink needed); `rampart scan access.log` inspects every request of an
//!   access log (Combined Log Format or JSON lines) and prints findings and counts.
//! - `rampart policy validate FILE` checks a policy document.
//!
//! Exit codes: 0 success (and "safe" for `check`), 1 an attack found by `check` or a
//! mismatch under `eval --strict`, 2 a usage error, unreadable file or malformed input.

mod check;
mod eval;
mod inputs;
mod inspect;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rampart_core::{Engine, Policy};

#[derive(Parser, Debug)]
#[command(name = "rampart", version, about = "rampart RASP engine: check resources, score vectors, validate policies")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Judge one resource against a request's inputs.
    Check(check::CheckArgs),
    /// Score conformance-vector files (JSON Lines): one verdict per case on stdout.
    Eval(eval::EvalArgs),
    /// Inspect one request's inputs for malicious payloads (context-free, no sink).
    Inspect(inspect::InspectArgs),
    /// Inspect every request of access logs (Combined Log Format or JSON lines).
    Scan(inspect::ScanArgs),
    /// Policy tools.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Parse and validate a policy file; print the effective policy as JSON.
    Validate {
        /// The policy file.
        file: PathBuf,
    },
}

/// The engine for `check` and `eval`: the given policy file, or the default policy in
/// block mode (so that the action shown is what enforcement would do).
pub(crate) fn load_engine(policy: Option<&PathBuf>) -> Result<Engine, String> {
    let policy = match policy {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Policy::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => {
            let mut policy = Policy::default();
            policy.override_mode("block").map_err(|e| e.to_string())?;
            policy
        }
    };
    Engine::new(policy).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Inspect(args) => inspect::run_inspect(&args),
        Command::Scan(args) => inspect::run_scan(&args),
        Command::Policy(PolicyCommand::Validate { file }) => validate(&file),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("rampart: {message}");
            ExitCode::from(2)
        }
    }
}

fn validate(file: &PathBuf) -> Result<ExitCode, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let policy = Policy::from_json(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    let json = serde_json::to_string_pretty(&policy).map_err(|e| e.to_string())?;
    println!("{json}");
    eprintln!("{}: valid policy", file.display());
    Ok(ExitCode::SUCCESS)
}
