//! The terminal summary: a compact table, the verdicts, and how to reproduce the run.

use std::fmt::Write;

use faultline_engine::human_secs;

use crate::Summary;

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The whole text summary; `report` is where the report folder went, if one was written.
pub fn render_text(s: &Summary, report: Option<&str>) -> String {
    render_text_with_trend(s, None, report)
}

/// The text summary with, when given, a line showing p99 latency over time (see
/// [`crate::p99_sparkline`]).
pub fn render_text_with_trend(
    s: &Summary,
    p99_trend: Option<&str>,
    report: Option<&str>,
) -> String {
    let mut out = String::new();
    header(&mut out, s);
    requests(&mut out, s, p99_trend);
    classes(&mut out, s);
    services(&mut out, s);
    for (name, analytic) in &s.analytic {
        let _ = writeln!(out, "{}", analytic.line(name));
    }
    verdicts(&mut out, s);
    if let Some(explanation) = &s.explanation {
        let _ = write!(out, "\n{explanation}");
    }
    let _ = writeln!(out, "\ntrace hash  {}", s.trace_hash);
    if let Some(path) = report {
        let _ = writeln!(out, "report      {path}");
    }
    let _ = writeln!(out, "reproduce   {}", s.reproduce);
    out
}

fn header(out: &mut String, s: &Summary) {
    let variant = s.variant.as_deref().map(|v| format!(" · variant {v}")).unwrap_or_default();
    let rate = if s.wall_time_s > 0.0 { s.events as f64 / s.wall_time_s / 1e6 } else { 0.0 };
    let _ = writeln!(out, "{}{variant} · seed {}", s.scenario, s.seed);
    let _ = writeln!(
        out,
        "{} simulated · {} events in {:.2}s wall ({rate:.1} M events/s)\n",
        human_secs(s.sim_time_s),
        thousands(s.events),
        s.wall_time_s
    );
}

fn requests(out: &mut String, s: &Summary, p99_trend: Option<&str>) {
    let r = &s.requests;
    let _ = writeln!(
        out,
        "requests    arrived {}  completed {}  failed {}  rejected {}  in flight {}",
        thousands(r.arrived),
        thousands(r.completed),
        thousands(r.failed),
        thousands(r.rejected),
        thousands(r.in_flight)
    );
    load(out, s);
    let l = &s.latency_s;
    let warm = latency_scope(s).map(|scope| format!("  ({scope})")).unwrap_or_default();
    let _ = writeln!(
        out,
        "latency     mean {}  p50 {}  p99 {}  p99.9 {}  max {}{warm}",
        human_secs(l.mean),
        human_secs(l.p50),
        human_secs(l.p99),
        human_secs(l.p999),
        human_secs(l.max)
    );
    if let Some(warning) = &s.failures.warning {
        let _ = writeln!(out, "failures    {warning}");
    }
    if let Some(network) = &s.network {
        let _ = writeln!(out, "{}", network.line());
        for line in network.link_lines() {
            let _ = writeln!(out, "{line}");
        }
    }
    for (node, clock) in &s.clocks {
        let _ = writeln!(out, "{}", clock.line(node));
    }
    if let Some(calendar) = &s.calendar {
        let _ = writeln!(out, "{}", calendar.line());
    }
    if let Some(tokens) = &s.tokens {
        let _ = writeln!(out, "{}", tokens.line());
    }
    for register in &s.registers {
        let _ = writeln!(out, "{}", register.line());
    }
    for subscription in &s.messaging {
        let _ = writeln!(out, "{}", subscription.line());
    }
    for database in &s.databases {
        let _ = writeln!(out, "{}", database.line());
    }
    if let Some(trend) = p99_trend {
        let _ = writeln!(out, "p99 trend   {trend}");
    }
    let ll = &s.littles_law;
    let _ = writeln!(
        out,
        "little      L = {:.3} in system · λW = {:.3} ({:.3}/s × {})\n",
        ll.mean_in_system,
        ll.lambda_w,
        ll.arrival_rate_per_s,
        human_secs(ll.mean_latency_s)
    );
}

/// What the latency figures cover, when it needs saying: only the successful requests (when
/// a noticeable share did not succeed), and only after the warm-up.
pub(crate) fn latency_scope(s: &Summary) -> Option<String> {
    let warm = (s.warmup_s > 0.0).then(|| format!("after {} warm-up", human_secs(s.warmup_s)));
    match (s.failures.noticeable, warm) {
        (true, Some(warm)) => Some(format!("successful requests only, {warm}")),
        (true, None) => Some("successful requests only".into()),
        (false, warm) => warm,
    }
}

/// Offered load against what was done, and retries: shown only when they tell something.
fn load(out: &mut String, s: &Summary) {
    let l = &s.load;
    let _ = writeln!(
        out,
        "load        offered {:.1}/s  throughput {:.1}/s  goodput {:.1}/s",
        l.offered_per_s, l.throughput_per_s, l.goodput_per_s
    );
    if l.retries > 0 || l.wasted_work_s > 0.0 {
        let _ = writeln!(
            out,
            "retries     {:.1}/s  ({} attempts for {} calls: {:.2} per call)  wasted work {}",
            l.retries_per_s,
            thousands(l.attempts),
            thousands(l.attempts - l.retries),
            l.amplification,
            human_secs(l.wasted_work_s)
        );
    }
    let r = &s.rejections;
    let reasons = [
        ("queue full", r.queue_full),
        ("rate limited", r.rate_limited),
        ("breaker open", r.breaker_open),
        ("shed", r.shed),
        ("bulkhead", r.bulkhead),
    ];
    let listed: Vec<String> = reasons
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{what} {}", thousands(*n)))
        .collect();
    if !listed.is_empty() {
        let _ = writeln!(out, "turned away {}", listed.join("  "));
    }
    if !s.breaker_changes.is_empty() {
        let opened = s.breaker_changes.iter().filter(|b| b.state == "Open").count();
        let first = s.breaker_changes.iter().find(|b| b.state == "Open");
        let when = first
            .map(|b| format!(", first at {} ({})", human_secs(b.at_s), b.site))
            .unwrap_or_default();
        let _ = writeln!(out, "breakers    opened {opened} times{when}");
    }
}

fn classes(out: &mut String, s: &Summary) {
    if s.classes.len() < 2 {
        return;
    }
    for (name, c) in &s.classes {
        let _ = writeln!(
            out,
            "class {name:<8} completed {}  p50 {}  p99 {}  longest wait {}",
            thousands(c.completed),
            human_secs(c.latency_s.p50),
            human_secs(c.latency_s.p99),
            human_secs(c.max_wait_s)
        );
    }
    let _ = writeln!(out);
}

fn services(out: &mut String, s: &Summary) {
    let width = s.services.keys().map(|n| n.chars().count()).max().unwrap_or(7).max(7);
    let _ = writeln!(
        out,
        "{:<width$}  workers   util  completed  rejected  max queue  wait mean  wait p99  p99",
        "service"
    );
    for (name, v) in &s.services {
        let _ = writeln!(
            out,
            "{name:<width$}  {:>7}  {:>4.0}%  {:>9}  {:>8}  {:>9}  {:>9}  {:>8}  {}",
            v.workers,
            v.utilization * 100.0,
            thousands(v.completed),
            thousands(v.rejected),
            thousands(v.max_queue as u64),
            human_secs(v.queue_wait_s.mean),
            human_secs(v.queue_wait_s.p99),
            human_secs(v.latency_s.p99)
        );
    }
}

fn verdicts(out: &mut String, s: &Summary) {
    let _ = writeln!(out, "\ninvariants");
    if s.invariants.is_empty() {
        let _ = writeln!(out, "  (none declared)");
    }
    for v in &s.invariants {
        let mark = if v.holds { "✓ holds   " } else { "✗ VIOLATED" };
        let _ = writeln!(out, "  {mark} {:<18} {}", v.name, v.description);
        if let (Some(at), Some(detail)) = (v.first_violation_s, &v.detail) {
            // A detail of several lines keeps its later lines under its first.
            let detail = detail.replace('\n', "\n               ");
            let _ = writeln!(out, "             first at {}: {detail}", human_secs(at));
        }
        if !v.figures.is_empty() {
            let _ = writeln!(out, "             {}", v.figures.line());
        }
    }
}
