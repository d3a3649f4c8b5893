//! `hanko model check --scheme N` and `hanko model dot --scheme N`: the scheme models checked
//! exhaustively (every property's verdict, states explored, states per second, a counterexample
//! written as a trace `hanko check` reads), and drawn as Graphviz.

use hanko_model::scheme::checker::{self, Options, Progress, Report, Status};
use hanko_model::scheme::engine::{Bounds, System};
use hanko_model::scheme::mutation::{Mutation, ALL as MUTATIONS};
use hanko_model::scheme::{dot, render};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

pub struct CheckArgs {
    pub scheme: u8,
    pub lossy: bool,
    pub crashes: u8,
    pub attacks: u8,
    pub threads: Option<usize>,
    pub timeout: Option<u64>,
    pub counterexample: Option<PathBuf>,
    pub json: bool,
    /// A test-only broken variant (hidden option).
    pub mutation: Option<String>,
}

/// Ok(output) when every property holds; Err((exit code, message, json)) otherwise.
pub fn check(a: &CheckArgs) -> Result<String, (u8, String, Option<Value>)> {
    let bad = |m: String| (2, m, None);
    let systems = checker::systems(a.scheme).map_err(bad)?;
    let mutation = match &a.mutation {
        Some(name) => Some(
            MUTATIONS
                .iter()
                .map(|m| m.0)
                .find(|m| format!("{m:?}").eq_ignore_ascii_case(name))
                .ok_or_else(|| bad(format!("no mutation {name}")))?,
        ),
        None => None,
    };
    let mut bounds = if a.lossy { Bounds::LOSSY } else { Bounds::ORDERED };
    bounds.crashes = a.crashes;
    bounds.attacks = a.attacks;
    let threads = a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = Options {
        bounds,
        threads,
        timeout: a.timeout.map(Duration::from_secs),
        mutation,
        stop_at_first_violation: false,
    };
    let mut reports = Vec::new();
    for (name, flows) in &systems {
        let bar = progress_bar(name, a.json);
        let mut tick = |p: Progress| {
            if let Some(bar) = &bar {
                let rate = p.states as f64 / p.elapsed.as_secs_f64().max(1e-3);
                bar.set_message(format!("{} states, {:.0} states/s", p.states, rate));
            }
        };
        let report = checker::check(name, flows, &opts, &mut tick).map_err(bad)?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        reports.push((report, flows.clone()));
    }
    // The first violated property's counterexample, as a trace.
    let mut written = None;
    for (report, flows) in &reports {
        if written.is_some() {
            break;
        }
        if let Some(v) = report.verdicts.iter().find(|v| v.status == Status::Violated) {
            let sys = System::new(flows, bounds, mutation).map_err(bad)?;
            // The attacker's moves under actor `attacker`, so `hanko check` judges the honest
            // parties' handling of them and names the broken behaviour's line; and every
            // actor's own event written down, so that it has nothing to guess.
            let spoof = hanko_model::trace::Actor::from_name("attacker").is_none();
            let path = v.path.as_deref().unwrap_or_default();
            let text = render::trace_written(&sys, a.scheme, path, spoof, true).text();
            let path = a.counterexample.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!(
                    "hanko-counterexample-{}-{}.jsonl",
                    std::process::id(),
                    v.property.id
                ))
            });
            std::fs::write(&path, text).map_err(|e| bad(format!("cannot write {}: {e}", path.display())))?;
            written = Some((v.property.id, path));
        }
    }
    let ok = reports.iter().all(|(r, _)| r.ok());
    let doc = json!({
        "scheme": a.scheme,
        "bounds": bounds_json(&bounds),
        "mutation": mutation.map(|m| format!("{m:?}")),
        "ok": ok,
        "systems": reports.iter().map(|(r, _)| report_json(r)).collect::<Vec<_>>(),
        "counterexample": written.as_ref().map(|(p, path)| json!({"property": p, "trace": path.display().to_string()})),
    });
    let out = if a.json {
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    } else {
        human(&reports, mutation, &written)
    };
    if ok {
        Ok(out)
    } else {
        let what = match &written {
            Some((p, path)) => format!("{p} violated; counterexample written to {}", path.display()),
            None => "a property does not get its verdict (see above)".to_string(),
        };
        if !a.json {
            println!("{out}");
        }
        Err((1, what, a.json.then_some(doc)))
    }
}

fn progress_bar(name: &str, json: bool) -> Option<indicatif::ProgressBar> {
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]").ok()?);
    bar.set_prefix(name.to_string());
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(bar)
}

fn bounds_json(b: &Bounds) -> Value {
    json!({"ordered": b.ordered, "drops": b.drops, "duplicates": b.dups, "attacks": b.attacks, "crashes": b.crashes, "life_events": b.life_events})
}

fn status_name(s: &Status) -> &'static str {
    match s {
        Status::Holds => "holds",
        Status::Violated => "violated",
        Status::Reached => "reached",
        Status::Unreachable => "unreachable",
        Status::Skipped(_) => "skipped",
        Status::Unknown => "unknown",
    }
}

fn report_json(r: &Report) -> Value {
    json!({
        "system": r.system,
        "flows": r.flows,
        "states": r.states,
        "generated": r.generated,
        "max_depth": r.max_depth,
        "seconds": r.elapsed.as_secs_f64(),
        "states_per_second": r.states_per_second(),
        "complete": r.complete,
        "ok": r.ok(),
        "properties": r.verdicts.iter().map(|v| json!({
            "id": v.property.id,
            "kind": match v.property.kind { hanko_model::scheme::table::Kind::Safety => "safety", _ => "reachability" },
            "verdict": status_name(&v.status),
            "ok": v.ok(),
            "note": match &v.status { Status::Skipped(why) => Value::from(why.as_str()), _ => Value::Null },
            "steps": v.path.as_ref().map(|p| p.len().saturating_sub(1)),
            "spec": v.property.spec,
        })).collect::<Vec<_>>(),
    })
}

fn human(
    reports: &[(Report, Vec<&'static hanko_model::scheme::table::Flow>)],
    mutation: Option<Mutation>,
    written: &Option<(&str, PathBuf)>,
) -> String {
    let mut s = String::new();
    if let Some(m) = mutation {
        s.push_str(&format!("BROKEN MODEL (test variant {m:?})\n"));
    }
    for (r, _) in reports {
        s.push_str(&format!(
            "{}: {} states ({} generated, depth {}) in {:.2} s, {:.0} states/s{}\n",
            r.system,
            r.states,
            r.generated,
            r.max_depth,
            r.elapsed.as_secs_f64(),
            r.states_per_second(),
            if r.complete { "" } else { " — stopped at the time limit" }
        ));
        let width = r.verdicts.iter().map(|v| v.property.id.len()).max().unwrap_or(0);
        for v in &r.verdicts {
            let mark = if v.ok() { "ok  " } else { "FAIL" };
            let extra = match &v.status {
                Status::Skipped(why) => format!(" ({why})"),
                _ => String::new(),
            };
            s.push_str(&format!("  {mark} {:width$}  {}{extra}\n", v.property.id, status_name(&v.status)));
        }
    }
    if let Some((p, path)) = written {
        s.push_str(&format!("counterexample for {p}: {}\n", path.display()));
    }
    s.trim_end().to_string()
}

/// The machines of scheme `scheme` as Graphviz.
pub fn dot(scheme: u8) -> Result<String, String> {
    let mut out = String::new();
    for (name, flows) in checker::systems(scheme)? {
        out.push_str(&dot::graph(name, &flows));
    }
    Ok(out)
}
