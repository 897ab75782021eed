//! The comparison page `index.html`: the side-by-side table with differences, the variants'
//! verdicts side by side, and the overlaid plots; self-contained like a run's page.
//!
//! A pure function of the comparison and its charts: equal comparisons give equal bytes.

use std::fmt::Write;

use super::report::{CompareReport, find};
use crate::chart::Chart;
use crate::html::{escape, open_page, plots, prose, row};

/// The whole page; `charts` are the overlaid plots in the folder, `command` the line that
/// reproduces the comparison.
pub fn render_compare_html(c: &CompareReport, charts: &[Chart], command: &str) -> String {
    let mut out = String::with_capacity(16 * 1024);
    open_page(&mut out, &format!("compare {}", c.heading()));
    let _ = writeln!(out, "<h1>{} · comparison</h1>", escape(&c.scenario));
    let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(&c.heading()));
    let _ = writeln!(out, "<p>{}</p>", prose(&c.what_figures_are()));
    figures_table(&mut out, c);
    verdicts(&mut out, c);
    let _ = writeln!(
        out,
        "<p>The plots show each variant's run with seed {}, on the same axes. A gap in a \
         latency line is a window in which none of that variant's requests succeeded.</p>",
        c.plotted_seed
    );
    plots(&mut out, charts);
    let _ = writeln!(
        out,
        "<h2>Reproduce</h2>\n<p>The same command gives the same comparison:</p>\n\
         <pre><code>{}</code></pre>",
        escape(command)
    );
    out.push_str(
        "<footer>Written by Faultline. In this folder: <a href=\"compare.json\">compare.json</a> \
         (every run's figures), and each plot as PNG and SVG (click a plot for its SVG).</footer>\n\
         </main>\n</body>\n</html>\n",
    );
    out
}

fn header(out: &mut String, first: &str, columns: &[String]) {
    let _ = write!(out, "<table>\n<tr><th>{}</th>", escape(first));
    for column in columns {
        let _ = write!(out, "<th class=\"n\">{}</th>", escape(column));
    }
    out.push_str("</tr>\n");
}

fn figures_table(out: &mut String, c: &CompareReport) {
    out.push_str("<h2>Figures</h2>\n");
    header(out, "figure", &c.columns());
    for (label, cells) in c.table() {
        row(out, &label, &cells);
    }
    out.push_str("</table>\n");
}

/// One row per invariant, one column per variant: violated on how many seeds, and the first
/// failing run's command.
fn verdicts(out: &mut String, c: &CompareReport) {
    let n = c.seeds.len();
    let _ = writeln!(
        out,
        "<h2>Verdicts</h2>\n<p>Seeds on which each invariant was violated, of {n}.</p>"
    );
    let names: Vec<String> = c.variants.iter().map(|v| v.name.clone()).collect();
    header(out, "invariant", &names);
    for invariant in &c.variants[0].invariants {
        let _ = write!(
            out,
            "<tr><td><b>{}</b> {}</td>",
            escape(&invariant.name),
            escape(&invariant.description)
        );
        for v in &c.variants {
            let found = find(v, &invariant.name, &invariant.description);
            let cell = match found {
                None => "—".to_string(),
                Some(x) if x.violations == 0 => {
                    format!("<span class=\"holds\">✓ held on all {}</span>", v.runs)
                }
                Some(x) => {
                    let first = x.first_failing.first().map_or(String::new(), |f| {
                        format!("<div class=\"detail\"><code>{}</code></div>", escape(&f.reproduce))
                    });
                    format!(
                        "<span class=\"violated\">✗ {} of {}</span>{first}",
                        x.violations, v.runs
                    )
                }
            };
            let _ = write!(out, "<td class=\"n\">{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}
