//! JSON lines: one object per exported event, in time order, for scripts and `jq`. `t` and
//! `dur` are seconds of simulated time; `kind`, `component` (the node or the network) and
//! `name` come first, then the event's ids and values.
//!
//! Must never leave out an event the Chrome trace has (but its metadata).

use serde_json::{Map, Value};

use super::Export;

impl Export {
    /// One JSON object per line, a line per event.
    pub fn to_json_lines(&self) -> String {
        let mut text = String::new();
        for e in &self.events {
            let mut line = Map::new();
            line.insert("t".into(), e.at.as_secs_f64().into());
            line.insert("kind".into(), e.kind.into());
            line.insert("component".into(), self.process(e).name.clone().into());
            line.insert("name".into(), e.name.clone().into());
            if let Some(dur) = e.dur {
                line.insert("dur".into(), dur.as_secs_f64().into());
            }
            line.extend(e.args.iter().map(|(k, v)| (k.clone(), v.clone())));
            text.push_str(&Value::Object(line).to_string());
            text.push('\n');
        }
        text
    }
}
