//! Progress of an apply, as it happens: each finished step and each note
//! (a lost response read back) goes to an [`Observer`]. The apply room never
//! prints: the engine turns these into its events, which front ends draw.

use super::{Status, Step};

/// Receives an apply's progress.
pub trait Observer: Sync {
    /// One step ended.
    fn step(&self, step: &Step, status: &Status);
    /// Something happened on the way.
    fn note(&self, text: &str);
    /// Whether the apply may go on writing (asked between phases): `Err`
    /// says why not, and the apply stops there.
    fn proceed(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Where an apply's progress goes: an observer, or nowhere.
#[derive(Clone, Copy)]
pub struct Progress<'a> {
    observer: Option<&'a dyn Observer>,
}

impl<'a> Progress<'a> {
    /// Progress reported to `observer`.
    pub fn to(observer: &'a dyn Observer) -> Progress<'a> {
        Progress {
            observer: Some(observer),
        }
    }

    /// No progress at all (library use, benchmarks).
    pub fn quiet() -> Progress<'static> {
        Progress { observer: None }
    }

    /// Reports one finished step.
    pub fn step(&self, step: &Step, status: &Status) {
        if let Some(observer) = self.observer {
            observer.step(step, status);
        }
    }

    /// Whether the apply may go on writing (see [`Observer::proceed`]).
    pub fn proceed(&self) -> Result<(), String> {
        self.observer.map_or(Ok(()), |observer| observer.proceed())
    }

    /// Reports something that happened on the way.
    pub fn note(&self, text: &str) {
        if let Some(observer) = self.observer {
            observer.note(text);
        }
    }
}
