//! Chrome trace-event JSON (the object form): metadata naming each process and thread, then
//! the events in time order, one per line. Timestamps are microseconds of simulated time.
//!
//! Must never write an event another output does not have: every event but the metadata is
//! one line of `--events`.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Export, TraceEvent};

impl Export {
    /// The trace as Chrome trace-event JSON, for Perfetto and chrome://tracing.
    pub fn to_chrome_json(&self) -> String {
        let mut text = Vec::new();
        self.write_chrome_json(&mut text).expect("writing to memory");
        String::from_utf8(text).expect("JSON is UTF-8")
    }

    /// Writes the trace as Chrome trace-event JSON to `out`, a line per event.
    pub fn write_chrome_json(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n")?;
        let mut first = true;
        let mut line = |out: &mut dyn Write, event: Value| {
            if !std::mem::take(&mut first) {
                out.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut *out, &event).map_err(io::Error::other)
        };
        for (index, p) in self.processes.iter().enumerate() {
            let meta = |name: &str, tid: u32, args: Value| json!({ "ph": "M", "name": name, "ts": 0, "pid": p.pid, "tid": tid, "args": args });
            line(out, meta("process_name", 0, json!({ "name": p.name })))?;
            line(out, meta("process_sort_index", 0, json!({ "sort_index": index })))?;
            line(out, meta("thread_name", 0, json!({ "name": "events" })))?;
            for lane in 1..=p.lanes {
                let name = format!("{} {lane}", p.lane_name);
                line(out, meta("thread_name", lane, json!({ "name": name })))?;
            }
        }
        for event in &self.events {
            line(out, chrome_event(event))?;
        }
        out.write_all(b"\n]}\n")
    }
}

/// Microseconds, the trace format's unit, from nanoseconds.
fn micros(nanos: u64) -> f64 {
    nanos as f64 / 1e3
}

fn chrome_event(e: &TraceEvent) -> Value {
    let mut event = json!({
        "name": e.name,
        "cat": e.kind,
        "ts": micros(e.at.as_nanos()),
        "pid": e.pid,
        "tid": e.tid,
        "args": e.args.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Map<_, _>>(),
    });
    let fields = event.as_object_mut().expect("an object");
    match e.dur {
        Some(dur) => {
            fields.insert("ph".into(), "X".into());
            fields.insert("dur".into(), micros(dur.as_nanos()).into());
        }
        None if e.kind == "queue" => {
            fields.insert("ph".into(), "C".into());
        }
        None => {
            fields.insert("ph".into(), "i".into());
            fields.insert("s".into(), "t".into());
        }
    }
    event
}
