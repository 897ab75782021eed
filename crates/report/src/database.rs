//! What each replicated database did in a run: writes, reads (from the primary, stale), the
//! stale-read rate and the staleness distribution, shipments and resends, for the summary; each
//! replica's lag per window in the series; and the replica lag chart. Absent from every output
//! of a run without a database, so those outputs stay as they were.

use faultline_engine::human_secs;
use faultline_model::{DatabaseMetrics, Metrics};
use serde::Serialize;

use crate::chart::{Axis, Chart, Line, TimeUnit, over_run_time};
use crate::text::thousands;
use crate::{Series, Summary};

/// The serving copy's lag at each read: how stale reads were.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Staleness {
    pub mean_s: f64,
    pub p50_s: f64,
    pub p90_s: f64,
    pub p99_s: f64,
    pub max_s: f64,
}

/// One database over a run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DatabaseSummary {
    pub name: String,
    pub replicas: Vec<String>,
    pub writes: u64,
    pub reads: u64,
    pub primary_reads: u64,
    /// Reads that returned an older value than the primary held for their key.
    pub stale_reads: u64,
    /// `stale_reads / reads` (0 without reads).
    pub stale_read_rate: f64,
    pub staleness_s: Staleness,
    /// Reads that waited for their session's position and gave up.
    pub waits_given_up: u64,
    pub shipments: u64,
    pub resends: u64,
}

impl DatabaseSummary {
    fn new(m: &DatabaseMetrics) -> Self {
        let s = &m.staleness;
        let q = |p: f64| s.quantile(p).as_secs_f64();
        DatabaseSummary {
            name: m.name.clone(),
            replicas: m.replicas.clone(),
            writes: m.writes,
            reads: m.reads,
            primary_reads: m.primary_reads,
            stale_reads: m.stale_reads,
            stale_read_rate: m.stale_rate(),
            staleness_s: Staleness {
                mean_s: s.summary().mean,
                p50_s: q(0.5),
                p90_s: q(0.9),
                p99_s: q(0.99),
                max_s: s.max().as_secs_f64(),
            },
            waits_given_up: m.waits_given_up,
            shipments: m.shipments,
            resends: m.resends,
        }
    }

    /// The line of the text summary.
    pub fn line(&self) -> String {
        let s = &self.staleness_s;
        format!(
            "{:<11} writes {} · reads {} ({} from the primary) · stale {} ({:.1}%) · staleness \
             p50 {} p90 {} p99 {} max {} · waits given up {} · shipments {} ({} resent)",
            format!("db {}", self.name),
            thousands(self.writes),
            thousands(self.reads),
            thousands(self.primary_reads),
            thousands(self.stale_reads),
            100.0 * self.stale_read_rate,
            human_secs(s.p50_s),
            human_secs(s.p90_s),
            human_secs(s.p99_s),
            human_secs(s.max_s),
            thousands(self.waits_given_up),
            thousands(self.shipments),
            thousands(self.resends),
        )
    }
}

/// Every database's summary; empty without databases.
pub(crate) fn database_summaries(metrics: &Metrics) -> Vec<DatabaseSummary> {
    metrics.databases.iter().map(DatabaseSummary::new).collect()
}

/// One replica's lag at the end of each window: (time, lag) in seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReplicaLag {
    pub database: String,
    pub replica: String,
    pub lag_s: Vec<(f64, f64)>,
}

/// Every replica's lag over the run; empty without databases.
pub(crate) fn replica_lags(metrics: &Metrics) -> Vec<ReplicaLag> {
    let mut lags = Vec::new();
    for db in &metrics.databases {
        for (i, replica) in db.replicas.iter().enumerate() {
            let lag_s =
                db.lag.iter().map(|s| (s.at.as_secs_f64(), s.lag[i].as_secs_f64())).collect();
            lags.push(ReplicaLag { database: db.name.clone(), replica: replica.clone(), lag_s });
        }
    }
    lags
}

/// Chart name of the replica lag (a run with a database only).
pub const REPLICA_LAG: &str = "replica-lag";

/// Each replica's lag over the run (how long ago the oldest write it had not applied was
/// made), one line per replica, over the run's bands; `None` without replicas.
pub fn replica_lag_chart(summary: &Summary, series: &Series) -> Option<Chart> {
    if series.replica_lag.is_empty() {
        return None;
    }
    let largest =
        series.replica_lag.iter().flat_map(|r| r.lag_s.iter().map(|p| p.1)).fold(0.0, f64::max);
    let unit = TimeUnit::for_latency(largest);
    let title = "Replica lag: time since the oldest write each replica has not applied";
    let lag = Axis::linear("replica lag", unit.name);
    let (mut chart, time) = over_run_time(REPLICA_LAG, title, lag, summary, series);
    for r in &series.replica_lag {
        let points = r.lag_s.iter().map(|&(at, lag)| (time.of(at), unit.of(lag))).collect();
        chart.lines.push(Line::new(r.replica.clone(), points));
    }
    Some(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_gives_the_stale_rate_and_the_staleness() {
        let db = DatabaseSummary {
            name: "db".into(),
            replicas: vec!["db/1".into()],
            writes: 1_200,
            reads: 4_000,
            primary_reads: 1_000,
            stale_reads: 500,
            stale_read_rate: 0.125,
            staleness_s: Staleness { mean_s: 0.2, p50_s: 0.0, p90_s: 0.5, p99_s: 1.5, max_s: 2.0 },
            waits_given_up: 0,
            shipments: 1_300,
            resends: 100,
        };
        assert_eq!(
            db.line(),
            "db db       writes 1,200 · reads 4,000 (1,000 from the primary) · stale 500 (12.5%) · \
             staleness p50 0s p90 500ms p99 1.5s max 2s · waits given up 0 · shipments 1,300 \
             (100 resent)"
        );
    }
}
