//! The words `faultline replay` prints for a comparison of two runs of one seed: "identical"
//! with the event count and trace hash, or the first event where the runs part, for both.
//!
//! It must never compare anything itself: the engine's `compare` decides.

use faultline_engine::{Comparison, Side, SimTime, TraceHash};

/// `identical: 126,201 events, trace hash 284bb8b1acefb973`, or the first divergence.
pub fn render_replay(comparison: &Comparison) -> String {
    match comparison {
        Comparison::Identical(stats) => format!(
            "identical: {} events, trace hash {}\n",
            crate::thousands(stats.events),
            stats.trace_hash.hex()
        ),
        Comparison::Diverged { index, first, second } => format!(
            "the runs diverge at event #{index} (counted from 0):\n  first run   {}\n  second run  {}\n",
            side(first),
            side(second)
        ),
    }
}

/// Both runs agreed event by event but ended with different summaries: where they differ.
pub fn render_summary_difference(
    events: u64,
    hash: TraceHash,
    first: &str,
    second: &str,
) -> String {
    let (line, a, b) = first
        .lines()
        .zip(second.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| (i + 1, a.trim(), b.trim()))
        .unwrap_or((first.lines().count().min(second.lines().count()) + 1, "(end)", "(end)"));
    format!(
        "the events agree ({} events, trace hash {}) but the summaries differ at line {line} \
         of their JSON:\n  first run   {a}\n  second run  {b}\n",
        crate::thousands(events),
        hash.hex()
    )
}

fn side(side: &Side) -> String {
    match side {
        Side::Event(e) => format!(
            "at {} {} {} (event kind {}, component {}, request {})",
            exact(e.time),
            e.component,
            e.doing,
            e.key.kind,
            e.key.component,
            e.key.request
        ),
        Side::Ended => "had ended: no more events before the end of the run".into(),
        Side::Stopped(limit) => format!("stopped: {limit}"),
    }
}

/// Seconds to the nanosecond: two runs may part by one.
fn exact(time: SimTime) -> String {
    let ns = time.as_nanos();
    format!("{}.{:09}s", ns / 1_000_000_000, ns % 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use faultline_engine::{SeenEvent, TraceKey};

    use super::*;

    #[test]
    fn names_both_sides_to_the_nanosecond() {
        let event = |ns: u64| {
            Side::Event(SeenEvent {
                time: SimTime::from_nanos(ns),
                key: TraceKey { kind: 0, component: 2, request: 17 },
                component: "client `web`".into(),
                doing: "sending requests".into(),
            })
        };
        let text = render_replay(&Comparison::Diverged {
            index: 41,
            first: event(1_500_000_000),
            second: event(1_500_000_001),
        });
        assert!(text.contains("event #41"), "{text}");
        assert!(
            text.contains("first run   at 1.500000000s client `web` sending requests"),
            "{text}"
        );
        assert!(text.contains("second run  at 1.500000001s"), "{text}");
    }

    #[test]
    fn the_first_differing_summary_line_is_shown() {
        let text = render_summary_difference(
            3,
            TraceHash::default(),
            "{\n a: 1\n b: 2\n}",
            "{\n a: 1\n b: 3\n}",
        );
        assert!(
            text.contains("line 3") && text.contains("b: 2") && text.contains("b: 3"),
            "{text}"
        );
    }
}
