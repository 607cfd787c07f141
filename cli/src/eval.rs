//! `rampart eval FILE...`: run conformance-vector files and print one verdict per case.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use rampart_core::vectors::{Case, Expect, Outcome};
use rampart_core::Request;
use serde_json::json;

#[derive(Args, Debug)]
pub(crate) struct EvalArgs {
    /// Vector files (JSON Lines, one case per line).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Exit 1 when a verdict differs from the case's `expect`.
    #[arg(long)]
    strict: bool,
    /// Policy file (default: every protection on, block mode).
    #[arg(long)]
    policy: Option<PathBuf>,
}

/// Confusion counts for one kind (labelled cases only).
#[derive(Default, Debug)]
struct Tally {
    attack_detected: usize,
    attack_missed: usize,
    safe_passed: usize,
    safe_flagged: usize,
    unlabelled: usize,
    unsupported: usize,
}

pub(crate) fn run(args: &EvalArgs) -> Result<ExitCode, String> {
    let engine = crate::load_engine(args.policy.as_ref())?;
    let mut request = Request::new();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for file in &args.files {
        let reader = BufReader::new(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?);
        for (n, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| format!("{}:{}: {e}", file.display(), n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let case = Case::from_json(&line).map_err(|e| format!("{}:{}: {}", file.display(), n + 1, e.message()))?;
            let outcome = case.run(&engine, &mut request);
            let (threat, reason) = match outcome {
                Outcome::Checked(v) => (v.threat.map(|t| t.name()), v.reason.map(|r| r.name())),
                Outcome::Unsupported => (None, None),
            };
            let record = json!({"id": case.id, "verdict": outcome.label(), "threat": threat, "reason": reason});
            writeln!(out, "{record}").map_err(|e| e.to_string())?;
            let tally = tallies.entry(case.kind.clone()).or_default();
            match (outcome, case.expect) {
                (Outcome::Unsupported, _) => tally.unsupported += 1,
                (_, None) => tally.unlabelled += 1,
                (Outcome::Checked(v), Some(Expect::Attack)) if v.is_attack() => tally.attack_detected += 1,
                (Outcome::Checked(_), Some(Expect::Attack)) => tally.attack_missed += 1,
                (Outcome::Checked(v), Some(Expect::Safe)) if v.is_attack() => tally.safe_flagged += 1,
                (Outcome::Checked(_), Some(Expect::Safe)) => tally.safe_passed += 1,
            }
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    let mut mismatches = 0;
    let (mut passed, mut total_unsupported) = (0, 0);
    for (kind, t) in &tallies {
        let attacks = t.attack_detected + t.attack_missed;
        let safes = t.safe_passed + t.safe_flagged;
        eprintln!(
            "{kind}: attacks {}/{} detected (recall {}), safe {}/{} passed (false positives {}), {} unlabelled, {} unsupported",
            t.attack_detected,
            attacks,
            percent(t.attack_detected, attacks),
            t.safe_passed,
            safes,
            percent(t.safe_flagged, safes),
            t.unlabelled,
            t.unsupported
        );
        mismatches += t.attack_missed + t.safe_flagged;
        passed += t.attack_detected + t.safe_passed;
        total_unsupported += t.unsupported;
    }
    eprintln!("eval: {passed} passed, {mismatches} failed, {total_unsupported} unsupported");
    Ok(if args.strict && mismatches > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "n/a".to_owned()
    } else {
        format!("{:.2}%", 100.0 * part as f64 / whole as f64)
    }
}
