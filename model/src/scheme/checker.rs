//! Exhaustive model checking of a composed system with stateright: every state reachable under
//! the bounds is visited once (breadth first, so counterexamples are shortest), each safety
//! property must hold in all of them and each reachability property in at least one.

use super::engine::{Action, Bounds, System};
use super::mutation::Mutation;
use super::props::{compile, Check};
use super::table::{Flow, Kind, Property};
use super::world::World;
use stateright::{Checker, Model};
use std::time::{Duration, Instant};

/// The model stateright explores.
pub struct SchemeModel {
    pub sys: System,
    /// The properties checked: all safety ones, and the reachability ones the bounds allow.
    pub props: Vec<&'static Property>,
    checks: Vec<Check>,
}

impl SchemeModel {
    /// The model of `sys`; an error names a property the model does not implement.
    pub fn new(sys: System) -> Result<Self, String> {
        let props: Vec<_> =
            sys.c.properties.iter().copied().filter(|p| p.kind == Kind::Safety || sys.bounds.allow(p.needs)).collect();
        if props.len() > CONDITIONS.len() {
            return Err(format!("{} properties; the checker takes at most {}", props.len(), CONDITIONS.len()));
        }
        let checks = props
            .iter()
            .map(|p| compile(&sys.c, p).ok_or_else(|| format!("{}: no implementation of property {}", p.spec, p.id)))
            .collect::<Result<_, _>>()?;
        Ok(SchemeModel { sys, props, checks })
    }

    fn holds_at(&self, i: usize, w: &World) -> bool {
        self.checks.get(i).is_some_and(|c| c.holds(&self.sys.logic, &self.sys.c, w))
    }
}

macro_rules! conditions {
    ($($i:literal)*) => {
        /// One condition function per property position (stateright takes plain functions).
        const CONDITIONS: &[fn(&SchemeModel, &World) -> bool] = &[$(|m, w| m.holds_at($i, w)),*];
    };
}
conditions!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47);

impl Model for SchemeModel {
    type State = World;
    type Action = Action;

    fn init_states(&self) -> Vec<World> {
        vec![self.sys.initial()]
    }

    fn actions(&self, state: &World, actions: &mut Vec<Action>) {
        self.sys.actions(state, actions);
    }

    fn next_state(&self, state: &World, action: Action) -> Option<World> {
        self.sys.next(state, &action)
    }

    fn within_boundary(&self, state: &World) -> bool {
        self.sys.within_bounds(state)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        self.props
            .iter()
            .zip(CONDITIONS)
            .map(|(p, f)| match p.kind {
                Kind::Safety => stateright::Property::always(p.id, *f),
                Kind::Reachability => stateright::Property::sometimes(p.id, *f),
            })
            .collect()
    }
}

/// What the checker concluded about one property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// A safety property no reachable state breaks.
    Holds,
    /// A safety property broken; the path leads to the first state that breaks it.
    Violated,
    /// A reachability property some state satisfies; the path leads there.
    Reached,
    /// A reachability property no state satisfies.
    Unreachable,
    /// Not judged under these bounds (the reason).
    Skipped(String),
    /// The exploration stopped early (time limit) before a verdict.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Verdict {
    pub property: &'static Property,
    pub status: Status,
    /// The counterexample of a violated property, or the witness of a reached one.
    pub path: Option<Vec<(World, Option<Action>)>>,
}

impl Verdict {
    /// Whether the verdict is what the property asks for.
    pub fn ok(&self) -> bool {
        matches!(self.status, Status::Holds | Status::Reached | Status::Skipped(_))
    }
}

/// Progress while the checker runs.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub states: usize,
    pub elapsed: Duration,
}

/// How to check.
#[derive(Clone, Debug)]
pub struct Options {
    pub bounds: Bounds,
    pub threads: usize,
    /// Stop after this long (the verdicts left open are [`Status::Unknown`]).
    pub timeout: Option<Duration>,
    #[doc(hidden)]
    pub mutation: Option<Mutation>,
    /// Stop as soon as one safety property is violated.
    pub stop_at_first_violation: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { bounds: Bounds::ORDERED, threads: 1, timeout: None, mutation: None, stop_at_first_violation: false }
    }
}

/// The result of checking one system.
#[derive(Clone, Debug)]
pub struct Report {
    /// `scheme 1`, `scheme 3 issuance`, …
    pub system: &'static str,
    pub flows: Vec<&'static str>,
    pub bounds: Bounds,
    /// Distinct states visited.
    pub states: usize,
    /// States generated, revisits included.
    pub generated: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    /// Whether every reachable state was visited (no time limit hit).
    pub complete: bool,
    pub verdicts: Vec<Verdict>,
}

impl Report {
    pub fn states_per_second(&self) -> f64 {
        self.states as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Whether every property got the verdict it asks for.
    pub fn ok(&self) -> bool {
        self.complete && self.verdicts.iter().all(Verdict::ok)
    }
}

/// The systems `hanko model check --scheme N` checks: scheme 3 is its issuance and, beside
/// the life cycle, its use.
pub fn systems(scheme: u8) -> Result<Vec<(&'static str, Vec<&'static Flow>)>, String> {
    let f = |p: &str| crate::generated::flows::flow(p).ok_or_else(|| format!("the spec has no flow {p}"));
    Ok(match scheme {
        1 => vec![("scheme 1", vec![f("s1")?])],
        2 => vec![("scheme 2", vec![f("s2")?])],
        3 => vec![("scheme 3 issuance", vec![f("s3i")?]), ("scheme 3 use and life cycle", vec![f("s3u")?, f("lc")?])],
        _ => return Err(format!("no scheme {scheme}: the schemes are 1, 2 and 3")),
    })
}

/// Checks one system, calling `progress` about ten times a second.
pub fn check(
    system: &'static str,
    flows: &[&'static Flow],
    opts: &Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, String> {
    let sys = System::new(flows, opts.bounds, opts.mutation)?;
    let model = SchemeModel::new(sys.clone())?;
    let props = model.props.clone();
    let mut builder = model.checker().threads(opts.threads.max(1));
    if opts.stop_at_first_violation {
        builder = builder.finish_when(stateright::HasDiscoveries::AnyFailures);
    }
    if let Some(t) = opts.timeout {
        builder = builder.timeout(t);
    }
    let start = Instant::now();
    let checker = builder.spawn_bfs();
    // Polled quickly at first, so that a small check is not held up, then ten times a second.
    let mut pause = Duration::from_micros(200);
    while !checker.is_done() {
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
        progress(Progress { states: checker.unique_state_count(), elapsed: start.elapsed() });
    }
    let checker = checker.join();
    let elapsed = start.elapsed();
    let timed_out = opts.timeout.is_some_and(|t| elapsed >= t);
    let stopped_early = opts.stop_at_first_violation || timed_out;
    let discoveries = checker.discoveries();
    let mut verdicts = Vec::new();
    for p in sys.c.properties.iter().copied() {
        if !props.contains(&p) {
            verdicts.push(Verdict {
                property: p,
                status: Status::Skipped(format!("needs {}", p.needs.join(", "))),
                path: None,
            });
            continue;
        }
        let found = discoveries.get(p.id).map(|path| path.clone().into_vec());
        let status = match (p.kind, found.is_some()) {
            (Kind::Safety, true) => Status::Violated,
            (Kind::Reachability, true) => Status::Reached,
            (_, false) if stopped_early => Status::Unknown,
            (Kind::Safety, false) => Status::Holds,
            (Kind::Reachability, false) => Status::Unreachable,
        };
        verdicts.push(Verdict { property: p, status, path: found });
    }
    progress(Progress { states: checker.unique_state_count(), elapsed });
    Ok(Report {
        system,
        flows: flows.iter().map(|f| f.prefix).collect(),
        bounds: opts.bounds,
        states: checker.unique_state_count(),
        generated: checker.state_count(),
        max_depth: checker.max_depth(),
        elapsed,
        complete: !timed_out,
        verdicts,
    })
}
