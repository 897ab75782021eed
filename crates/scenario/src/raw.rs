//! The scenario file as written: serde types mirroring the RON, before any checking.
//!
//! Every struct denies unknown fields, so a misspelt field is an error rather than silently
//! ignored. Numbers that must be positive are read as signed so that `-3` reaches validation and
//! gets a message about the value instead of a type error.

use std::collections::BTreeMap;

use ron::value::RawValue;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub lesson: String,
    pub duration: String,
    #[serde(default)]
    pub warmup: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub limits: LimitsRaw,
    #[serde(default)]
    pub metrics: MetricsRaw,
    #[serde(default)]
    pub clients: BTreeMap<String, ClientRaw>,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceRaw>,
    #[serde(default)]
    pub invariants: Vec<InvariantRaw>,
    #[serde(default)]
    pub variants: BTreeMap<String, VariantRaw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "limits")]
pub struct LimitsRaw {
    #[serde(default)]
    pub max_events: Option<i64>,
    #[serde(default)]
    pub max_in_flight: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "metrics")]
pub struct MetricsRaw {
    #[serde(default)]
    pub window: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "client")]
pub struct ClientRaw {
    pub target: String,
    pub rate: String,
    #[serde(default)]
    pub arrivals: ArrivalsRaw,
    #[serde(default)]
    pub shape: ShapeRaw,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename = "arrivals")]
pub enum ArrivalsRaw {
    #[default]
    Poisson,
    Fixed,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "load shape")]
pub enum ShapeRaw {
    #[default]
    Const,
    Ramp {
        to: String,
        start: String,
        end: String,
    },
    Step {
        at: String,
        to: String,
    },
    Spike {
        at: String,
        length: String,
        factor: f64,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "service")]
pub struct ServiceRaw {
    pub workers: i64,
    #[serde(default)]
    pub queue_capacity: Option<i64>,
    pub service_time: DistRaw,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "distribution")]
pub enum DistRaw {
    Const(String),
    Exp { mean: String },
    Uniform { min: String, max: String },
    LogNormal { median: String, p99: String },
    Pareto { scale: String, shape: f64 },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "invariant")]
pub enum InvariantRaw {
    LatencySlo {
        percentile: f64,
        bound: String,
        #[serde(default)]
        after: Option<String>,
    },
    QueueBounded {
        service: String,
        max: i64,
    },
    NoLostRequests,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "variant")]
pub struct VariantRaw {
    #[serde(default)]
    pub description: String,
    /// Path → RON value text, applied to the base scenario in order.
    #[serde(default)]
    pub set: BTreeMap<String, Box<RawValue>>,
}
