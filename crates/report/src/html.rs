//! `index.html`: one self-contained page per run (inline style, no script, nothing fetched from
//! the network) that opens from disk: the verdicts with the first violation, the lesson, the
//! plots, the summary tables and the command that reproduces the run.
//!
//! The page is a pure function of the summary and the charts and leaves out the wall-clock
//! time (that stays in `summary.json`), so identical runs give byte-identical pages.

use std::fmt::Write;

use faultline_engine::human_secs;

use crate::chart::Chart;
use crate::plot::{HEIGHT, WIDTH};
use crate::text::{latency_scope, thousands};
use crate::{LatencyStats, ServiceSummary, Summary};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text in which `code` spans (between backticks) become `<code>` elements.
pub(crate) fn prose(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(text).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

const STYLE: &str = "\
body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:#212121;\
background:#fafafa;margin:0}\
main{max-width:840px;margin:0 auto;padding:24px 20px 48px}\
h1{font-size:28px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px}\
.sub{color:#555;margin:0}\
.banner{margin:20px 0 0;padding:12px 16px;border-radius:6px;font-weight:600}\
.ok{background:#e3f4e8;color:#145a2a}.bad{background:#fde7e7;color:#8a1010}\
.lesson{white-space:pre-line;background:#fff;border-left:4px solid #0072b2;padding:8px 16px}\
table{border-collapse:collapse;background:#fff;margin:4px 0}\
td,th{padding:4px 12px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.verdicts td:first-child{font-weight:600;white-space:nowrap}\
.holds{color:#145a2a}.violated{color:#8a1010}.detail{color:#555;font-size:14px}\
figure{margin:16px 0;background:#fff;border:1px solid #e4e4e4;padding:8px}\
figure img{display:block;width:100%;height:auto}figcaption{color:#555;font-size:14px}\
code,pre{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:14px}\
pre{background:#fff;border:1px solid #e4e4e4;padding:8px 12px;overflow-x:auto}\
footer{color:#777;font-size:13px;margin-top:32px}";

/// The whole page. `charts` are the plots in the folder, shown in order.
pub fn render_html(s: &Summary, charts: &[Chart]) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let variant = s.variant.as_deref().unwrap_or("base");
    let heading = format!("{} · {variant} · seed {}", s.scenario, s.seed);
    open_page(&mut out, &heading);
    let _ = writeln!(out, "<h1>{}</h1>", escape(&s.scenario));
    let _ = writeln!(
        out,
        "<p class=\"sub\">variant <b>{}</b> · seed {} · {} simulated · {} events · trace hash \
         <code>{}</code></p>",
        escape(variant),
        s.seed,
        escape(&human_secs(s.sim_time_s)),
        thousands(s.events),
        escape(&s.trace_hash)
    );
    verdicts(&mut out, s);
    if !s.lesson.trim().is_empty() {
        let lesson: Vec<&str> = s.lesson.trim().lines().map(str::trim).collect();
        let _ = writeln!(
            out,
            "<h2>Lesson</h2>\n<div class=\"lesson\">{}</div>",
            prose(&lesson.join("\n"))
        );
    }
    plots(&mut out, charts);
    tables(&mut out, s);
    let _ = writeln!(
        out,
        "<h2>Reproduce</h2>\n<p>The same command gives the same run, event for event (the trace \
         hash above):</p>\n<pre><code>{}</code></pre>",
        escape(&s.reproduce)
    );
    let _ = writeln!(
        out,
        "<footer>Written by Faultline. In this folder: <a href=\"summary.json\">summary.json</a>, \
         <a href=\"series.json\">series.json</a>, and each plot as PNG and SVG (click a plot for \
         its SVG). The wall-clock time of the run is in summary.json only, so that identical \
         runs leave identical pages.</footer>\n</main>\n</body>\n</html>"
    );
    out
}

/// The page's head, with `title`, up to the opening of `<main>`.
pub(crate) fn open_page(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — Faultline report</title>\n<link rel=\"icon\" href=\"data:,\">\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    );
}

fn verdicts(out: &mut String, s: &Summary) {
    let violated = s.invariants.iter().filter(|v| !v.holds).count();
    let (class, text) = match (s.invariants.len(), violated) {
        (0, _) => ("ok", "No invariants declared.".to_string()),
        (n, 0) => ("ok", format!("✓ Every invariant holds ({n} checked).")),
        (n, v) => ("bad", format!("✗ {v} of {n} invariants violated.")),
    };
    let _ = writeln!(out, "<p class=\"banner {class}\">{}</p>", escape(&text));
    if s.invariants.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h2>Verdicts</h2>\n<table class=\"verdicts\">");
    for v in &s.invariants {
        let (class, mark) =
            if v.holds { ("holds", "✓ holds") } else { ("violated", "✗ violated") };
        let mut detail = String::new();
        if let Some(at) = v.first_violation_s {
            let _ = write!(detail, "first at {}", escape(&human_secs(at)));
            if let Some(text) = &v.detail {
                // A detail of several lines keeps them.
                let _ = write!(detail, ": {}", escape(text).replace('\n', "<br>"));
            }
            if let Some(request) = v.request
                && !detail.contains(&format!("request {request}"))
            {
                let _ = write!(detail, " (request {request})");
            }
        }
        if !v.figures.is_empty() {
            let gap = if detail.is_empty() { "" } else { "<br>" };
            let _ = write!(detail, "{gap}{}", escape(&v.figures.line()));
        }
        let _ = writeln!(
            out,
            "<tr><td class=\"{class}\">{mark}</td><td><b>{}</b> {}<div class=\"detail\">{detail}\
             </div></td></tr>",
            escape(&v.name),
            escape(&v.description)
        );
    }
    out.push_str("</table>\n");
    if let Some(explanation) = &s.explanation {
        let _ = writeln!(
            out,
            "<h2>Why it failed</h2>\n<pre class=\"explanation\">{}</pre>",
            escape(explanation)
        );
    }
}

pub(crate) fn plots(out: &mut String, charts: &[Chart]) {
    if charts.is_empty() {
        return;
    }
    out.push_str("<h2>Plots</h2>\n");
    for chart in charts {
        let name = escape(&chart.name);
        let title = escape(&chart.title);
        let _ = writeln!(
            out,
            "<figure><a href=\"{name}.svg\"><img src=\"{name}.png\" width=\"{WIDTH}\" \
             height=\"{HEIGHT}\" alt=\"{title}\"></a><figcaption>{title} · \
             <a href=\"{name}.png\">PNG</a> · <a href=\"{name}.svg\">SVG</a></figcaption></figure>"
        );
    }
}

pub(crate) fn row(out: &mut String, label: &str, cells: &[String]) {
    let _ = write!(out, "<tr><th>{}</th>", escape(label));
    for cell in cells {
        let _ = write!(out, "<td class=\"n\">{}</td>", escape(cell));
    }
    out.push_str("</tr>\n");
}

fn tables(out: &mut String, s: &Summary) {
    let r = &s.requests;
    let ll = &s.littles_law;
    out.push_str("<h2>Summary</h2>\n<table>\n");
    out.push_str(
        "<tr><th>requests</th><th class=\"n\">arrived</th><th class=\"n\">completed</th>\
         <th class=\"n\">failed</th><th class=\"n\">rejected</th><th class=\"n\">in flight</th>\
         </tr>\n",
    );
    let counts = [r.arrived, r.completed, r.failed, r.rejected, r.in_flight];
    row(out, "", &counts.map(thousands));
    out.push_str("</table>\n");
    latency_table(out, s);
    let _ = writeln!(
        out,
        "<p>Little's law: L = {:.3} requests in the system on average; λW = {:.3}/s × {} = {:.3}.</p>",
        ll.mean_in_system,
        ll.arrival_rate_per_s,
        escape(&human_secs(ll.mean_latency_s)),
        ll.lambda_w
    );
    out.push_str(
        "<table>\n<tr><th>service</th><th class=\"n\">workers</th><th class=\"n\">utilisation</th>\
         <th class=\"n\">completed</th><th class=\"n\">rejected</th><th class=\"n\">max queue</th>\
         <th class=\"n\">wait mean</th><th class=\"n\">wait p99</th><th class=\"n\">p99</th></tr>\n",
    );
    for (name, v) in &s.services {
        row(out, name, &service_cells(v));
    }
    out.push_str("</table>\n");
    analytic_table(out, s);
    if !s.clocks.is_empty() {
        out.push_str(
            "<table>\n<tr><th>clock of</th><th class=\"n\">offset at start</th>\
             <th class=\"n\">offset at end</th><th class=\"n\">largest offset</th>\
             <th class=\"n\">steps</th><th class=\"n\">syncs</th></tr>\n",
        );
        for (node, clock) in &s.clocks {
            row(out, node, &clock.cells());
        }
        out.push_str("</table>\n");
    }
    if let Some(network) = &s.network {
        network_tables(out, network);
    }
    if let Some(tokens) = &s.tokens {
        out.push_str(
            "<table>\n<tr><th>tokens</th><th class=\"n\">issued</th><th class=\"n\">checked</th>\
             <th class=\"n\">accepted</th><th class=\"n\">wrongly rejected</th>\
             <th class=\"n\">wrongly accepted</th></tr>\n",
        );
        let counts = [tokens.issued, tokens.checked, tokens.accepted];
        let wrong = [tokens.wrongly_rejected, tokens.wrongly_accepted];
        let cells: Vec<String> = counts.iter().chain(&wrong).map(|&n| thousands(n)).collect();
        row(out, "checks", &cells);
        out.push_str("</table>\n");
    }
    for register in &s.registers {
        register_table(out, register);
    }
    if !s.messaging.is_empty() {
        out.push_str("<table>\n<tr><th>messages</th>");
        for column in crate::messaging::COLUMNS {
            out.push_str(&format!("<th class=\"n\">{column}</th>"));
        }
        out.push_str("</tr>\n");
        for subscription in &s.messaging {
            row(out, &subscription.name(), &subscription.cells());
        }
        out.push_str("</table>\n");
    }
    for database in &s.databases {
        database_table(out, database);
    }
}

/// A database's writes and reads, its stale reads and how stale its reads were.
fn database_table(out: &mut String, d: &crate::DatabaseSummary) {
    out.push_str(
        "<table>\n<tr><th>database</th><th class=\"n\">writes</th><th class=\"n\">reads</th>\
         <th class=\"n\">from the primary</th><th class=\"n\">stale</th>\
         <th class=\"n\">stale rate</th><th class=\"n\">staleness p50</th>\
         <th class=\"n\">p99</th><th class=\"n\">max</th><th class=\"n\">waits given up</th>\
         <th class=\"n\">resends</th></tr>\n",
    );
    let counts = [d.writes, d.reads, d.primary_reads, d.stale_reads];
    let mut cells: Vec<String> = counts.iter().map(|&n| thousands(n)).collect();
    cells.push(format!("{:.1}%", 100.0 * d.stale_read_rate));
    let s = &d.staleness_s;
    cells.extend([s.p50_s, s.p99_s, s.max_s].map(faultline_engine::human_secs));
    cells.extend([d.waits_given_up, d.resends].map(thousands));
    row(out, &d.name, &cells);
    out.push_str("</table>\n");
}

/// A register's operations by how they ended, and the replicas that took over as leader.
fn register_table(out: &mut String, r: &crate::RegisterSummary) {
    out.push_str(
        "<table>\n<tr><th>register</th><th class=\"n\">reads</th><th class=\"n\">writes</th>\
         <th class=\"n\">ok</th><th class=\"n\">failed</th><th class=\"n\">unknown</th>\
         <th class=\"n\">in flight</th><th>took over</th></tr>\n",
    );
    let counts = [r.reads, r.writes, r.ok, r.failed, r.unknown, r.in_flight];
    let mut cells: Vec<String> = counts.iter().map(|&n| thousands(n)).collect();
    let mut leaders: Vec<String> = r
        .leaders
        .iter()
        .take(8)
        .map(|l| format!("{} (term {}) at {:.3}s", l.replica, l.term, l.at_s))
        .collect();
    if r.leaders.len() > 8 {
        leaders.push(format!("and {} more", r.leaders.len() - 8));
    }
    cells.push(if leaders.is_empty() { "nobody".to_string() } else { leaders.join(", ") });
    row(out, &format!("{} ({})", r.name, r.mode), &cells);
    out.push_str("</table>\n");
}

/// Queueing theory beside the run, for each plain M/M/c service.
fn analytic_table(out: &mut String, s: &Summary) {
    if s.analytic.is_empty() {
        return;
    }
    out.push_str(
        "<table>\n<tr><th>queueing theory</th><th>model</th><th class=\"n\">ρ</th>\
         <th class=\"n\">Wq</th><th class=\"n\">W</th><th class=\"n\">P(wait)</th></tr>\n",
    );
    for (name, a) in &s.analytic {
        let figures = |f: &crate::QueueFigures| {
            [
                format!("{:.3}", f.utilisation),
                human_secs(f.mean_wait_s),
                human_secs(f.mean_time_s),
                format!("{:.3}", f.wait_probability),
            ]
        };
        let label = format!("{name} predicted");
        match &a.predicted {
            Some(p) => row(out, &label, &[&[a.model.clone()][..], &figures(p)].concat()),
            None => {
                let _ = writeln!(
                    out,
                    "<tr><th>{}</th><td>{}</td><td colspan=\"4\">λ/(cμ) = {:.3} ≥ 1: unstable, \
                     the queue grows without bound; no steady state to predict</td></tr>",
                    escape(&label),
                    escape(&a.model),
                    a.offered_utilisation
                );
            }
        }
        let simulated = [&[a.model.clone()][..], &figures(&a.simulated)].concat();
        row(out, &format!("{name} simulated"), &simulated);
    }
    out.push_str("</table>\n");
}

/// What the network carried, and its slowest links.
fn network_tables(out: &mut String, network: &crate::NetworkSummary) {
    out.push_str(
        "<table>\n<tr><th>network</th><th class=\"n\">sent</th><th class=\"n\">delivered</th>\
         <th class=\"n\">lost</th><th class=\"n\">partitioned</th>\
         <th class=\"n\">at a crashed node</th><th class=\"n\">duplicated</th></tr>\n",
    );
    row(out, "messages", &network.cells());
    out.push_str("</table>\n");
    let links = network.slowest_links();
    if links.is_empty() {
        return;
    }
    out.push_str(
        "<table>\n<tr><th>link</th><th class=\"n\">messages</th><th class=\"n\">mean</th>\
         <th class=\"n\">max</th></tr>\n",
    );
    for link in links {
        row(out, &format!("{} → {}", link.from, link.to), &link.cells());
    }
    out.push_str("</table>\n");
}

/// The latency headline; when a noticeable share of requests did not succeed, a warning beside
/// it and a row for how long the failed and the rejected ones took.
fn latency_table(out: &mut String, s: &Summary) {
    let title =
        latency_scope(s).map_or("latency".to_string(), |scope| format!("latency ({scope})"));
    let f = &s.failures;
    if let Some(warning) = &f.warning {
        let _ = writeln!(out, "<p class=\"banner bad\">⚠ {}</p>", escape(warning));
    }
    let _ = writeln!(
        out,
        "<table>\n<tr><th>{}</th><th class=\"n\">count</th><th class=\"n\">mean</th>\
         <th class=\"n\">p50</th><th class=\"n\">p99</th><th class=\"n\">p99.9</th>\
         <th class=\"n\">max</th></tr>",
        escape(&title)
    );
    let label = if f.noticeable { "succeeded" } else { "" };
    latency_row(out, label, &s.latency_s);
    if f.noticeable {
        latency_row(out, "failed", &f.failed_latency_s);
        latency_row(out, "rejected", &f.rejected_latency_s);
    }
    out.push_str("</table>\n");
}

fn latency_row(out: &mut String, label: &str, l: &LatencyStats) {
    let mut cells = vec![thousands(l.count)];
    cells.extend([l.mean, l.p50, l.p99, l.p999, l.max].map(human_secs));
    row(out, label, &cells);
}

fn service_cells(v: &ServiceSummary) -> [String; 8] {
    [
        v.workers.to_string(),
        format!("{:.0}%", v.utilization * 100.0),
        thousands(v.completed),
        thousands(v.rejected),
        thousands(v.max_queue as u64),
        human_secs(v.queue_wait_s.mean),
        human_secs(v.queue_wait_s.p99),
        human_secs(v.latency_s.p99),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(prose("use `a<b` here"), "use <code>a&lt;b</code> here");
    }
}
