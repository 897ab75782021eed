//! Chrome trace-event JSON (the object form): metadata naming each process and thread, then
//! the events in time order, one per line. Timestamps are microseconds of simulated time.
//!
//! Must never write an event another output does not have: every event but the metadata is
//! one line of `--events`.

use serde_json::{Value, json};

use super::{Export, TraceEvent};

impl Export {
    /// The trace as Chrome trace-event JSON, for Perfetto and chrome://tracing.
    pub fn to_chrome_json(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        for (index, p) in self.processes.iter().enumerate() {
            let meta = |name: &str, tid: u32, args: Value| {
                json!({ "ph": "M", "name": name, "ts": 0, "pid": p.pid, "tid": tid, "args": args })
                    .to_string()
            };
            lines.push(meta("process_name", 0, json!({ "name": p.name })));
            lines.push(meta("process_sort_index", 0, json!({ "sort_index": index })));
            lines.push(meta("thread_name", 0, json!({ "name": "events" })));
            for lane in 1..=p.lanes {
                lines.push(meta("thread_name", lane, json!({ "name": format!("{} {lane}", p.lane_name) })));
            }
        }
        lines.extend(self.events.iter().map(|e| chrome_event(e).to_string()));
        let mut text = String::from("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
        text.push_str(&lines.join(",\n"));
        text.push_str("\n]}\n");
        text
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
        "args": e.args,
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
