//! Log windows: the lines of a deployment or an environment in a time
//! range, found without computing the lines outside it, and the window
//! arguments of `environmentLogs` (`anchorDate`, `beforeDate`/`beforeLimit`,
//! `afterDate`/`afterLimit`) as `docs/railway-assumptions.md` describes them.

use super::deployment::Log;
use crate::emulator::deploy::logs_between;
use crate::emulator::logfilter::Filter;
use crate::emulator::state::State;

/// Lines answered when no limit is given.
pub const DEFAULT_LIMIT: usize = 500;
/// The most lines one answer (or one subscription batch) carries.
pub const MAX_LIMIT: usize = 5000;

/// A limit argument: the default when absent, at most [`MAX_LIMIT`],
/// negative as 0.
pub fn limit(n: Option<i32>) -> usize {
    n.map(|n| n.max(0) as usize)
        .unwrap_or(DEFAULT_LIMIT)
        .min(MAX_LIMIT)
}

/// Whose lines.
#[derive(Debug, Clone)]
pub enum Source {
    /// One deployment's build logs (`build`) or deploy and runtime logs.
    Deployment { id: String, build: bool },
    /// Build, deploy and runtime logs of every deployment of an environment.
    Environment { id: String },
}

/// A line with its time in epoch milliseconds.
pub type Timed = (i64, Log);

impl Source {
    /// The lines in `(from, to]` that pass `filter`, oldest first.
    pub fn between(
        &self,
        st: &State,
        rates: &[(i64, f64)],
        filter: &Filter,
        from: i64,
        to: i64,
    ) -> Vec<Timed> {
        let mut out: Vec<Timed> = vec![];
        let mut add = |d, build| {
            for l in logs_between(st, d, build, rates, from, to) {
                let log = Log::of(d, &l);
                if log.passes(filter) {
                    out.push((l.at, log));
                }
            }
        };
        match self {
            Source::Deployment { id, build } => {
                if let Some(d) = st.deployments.get(id) {
                    add(d, *build);
                }
            }
            Source::Environment { id } => {
                for d in st.deployments.values().filter(|d| &d.environment_id == id) {
                    add(d, true);
                    add(d, false);
                }
                out.sort_by_key(|(at, _)| *at);
            }
        }
        out
    }

    /// Just before the earliest moment any of its lines can have; `None`
    /// when there is no deployment.
    fn floor(&self, st: &State) -> Option<i64> {
        match self {
            Source::Deployment { id, .. } => st.deployments.get(id).map(|d| d.created_at - 1),
            Source::Environment { id } => st
                .deployments
                .values()
                .filter(|d| &d.environment_id == id)
                .map(|d| d.created_at - 1)
                .min(),
        }
    }

    /// The last `n` lines in `(from, to]`, oldest first: windows walked
    /// backwards from `to`, each four times longer, until `n` are found.
    pub fn last_n(
        &self,
        st: &State,
        rates: &[(i64, f64)],
        filter: &Filter,
        from: i64,
        to: i64,
        n: usize,
    ) -> Vec<Timed> {
        let Some(floor) = self.floor(st) else {
            return vec![];
        };
        let floor = floor.max(from);
        let mut chunks: Vec<Vec<Timed>> = vec![];
        let (mut hi, mut span, mut found) = (to, 1000i64, 0usize);
        while hi > floor && found < n {
            let lo = hi.saturating_sub(span).max(floor);
            let chunk = self.between(st, rates, filter, lo, hi);
            found += chunk.len();
            chunks.push(chunk);
            hi = lo;
            span = span.saturating_mul(4);
        }
        let mut out: Vec<Timed> = chunks.into_iter().rev().flatten().collect();
        if out.len() > n {
            out.drain(..out.len() - n);
        }
        out
    }

    /// The first `n` lines in `(from, to]`, oldest first: windows walked
    /// forwards from `from`, each four times longer, until `n` are found.
    pub fn first_n(
        &self,
        st: &State,
        rates: &[(i64, f64)],
        filter: &Filter,
        from: i64,
        to: i64,
        n: usize,
    ) -> Vec<Timed> {
        let Some(floor) = self.floor(st) else {
            return vec![];
        };
        let mut lo = floor.max(from);
        let (mut out, mut span) = (vec![], 1000i64);
        while lo < to && out.len() < n {
            let hi = lo.saturating_add(span).min(to);
            out.extend(self.between(st, rates, filter, lo, hi));
            lo = hi;
            span = span.saturating_mul(4);
        }
        out.truncate(n);
        out
    }

    /// The lines a window asks for, written by `now`, oldest first.
    pub fn window(
        &self,
        st: &State,
        rates: &[(i64, f64)],
        filter: &Filter,
        w: &Window,
        now: i64,
    ) -> Vec<Timed> {
        let hi = w.before.map_or(now, |b| b.min(now));
        let lo = w.after.map_or(i64::MIN, |a| a - 1);
        let (before_n, after_n) = (limit(w.before_limit), limit(w.after_limit));
        match (w.anchor, w.after) {
            (Some(anchor), _) => {
                let mut out = self.last_n(st, rates, filter, lo, hi.min(anchor - 1), before_n);
                out.extend(self.first_n(st, rates, filter, lo.max(anchor - 1), hi, after_n));
                out
            }
            (None, Some(_)) => self.first_n(st, rates, filter, lo, hi, after_n),
            (None, None) => self.last_n(st, rates, filter, lo, hi, before_n),
        }
    }
}

/// The window arguments of `environmentLogs`, dates in epoch milliseconds.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Lines at or after it (inclusive).
    pub after: Option<i64>,
    /// Lines at or before it (inclusive).
    pub before: Option<i64>,
    /// Where the lines before (limited from the end) and after (limited
    /// from the start) meet.
    pub anchor: Option<i64>,
    /// How many lines at or after the anchor (or `afterDate`).
    pub after_limit: Option<i32>,
    /// How many lines before the anchor (or the end).
    pub before_limit: Option<i32>,
}
