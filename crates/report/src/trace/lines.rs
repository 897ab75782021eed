//! JSON lines: one object per exported event, in time order, for scripts and `jq`. `t` and
//! `dur` are seconds of simulated time; every line has `kind`, `component` (the node or the
//! network) and `name`, then the event's ids and values (keys in alphabetical order).
//!
//! Must never leave out an event the Chrome trace has (but its metadata).

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::Export;

impl Export {
    /// One JSON object per line, a line per event.
    pub fn to_json_lines(&self) -> String {
        let mut text = Vec::new();
        self.write_json_lines(&mut text).expect("writing to memory");
        String::from_utf8(text).expect("JSON is UTF-8")
    }

    /// Writes one JSON object per line to `out`, a line per event.
    pub fn write_json_lines(&self, out: &mut dyn Write) -> io::Result<()> {
        for e in &self.events {
            let mut line = Map::new();
            line.insert("t".into(), e.at.as_secs_f64().into());
            line.insert("kind".into(), e.kind.into());
            line.insert("component".into(), self.process(e).name.clone().into());
            line.insert("name".into(), e.name.clone().into());
            if let Some(dur) = e.dur {
                line.insert("dur".into(), dur.as_secs_f64().into());
            }
            line.extend(e.args.iter().map(|(k, v)| (k.to_string(), v.clone())));
            serde_json::to_writer(&mut *out, &Value::Object(line)).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
