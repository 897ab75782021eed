//! The report folder as `faultline run` leaves it: written for every bundled scenario, the same
//! bytes for the same run, and a page that a real browser opens from disk with every plot
//! loaded and no console error.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use faultline_tests::workspace_root;

/// Files every report folder holds.
const FILES: [&str; 11] = [
    "index.html",
    "summary.json",
    "series.json",
    "latency.png",
    "latency.svg",
    "throughput.png",
    "throughput.svg",
    "queues.png",
    "queues.svg",
    "latency-cdf.png",
    "latency-cdf.svg",
];

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Runs `faultline run FILE ARGS… --out OUT`; returns the exit code and stdout.
fn run(file: &Path, args: &[&str], out: &Path) -> (u8, String) {
    let mut argv: Vec<OsString> = vec!["faultline".into(), "run".into(), file.into()];
    argv.extend(args.iter().map(Into::into));
    argv.extend(["--out".into(), out.into()]);
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv, &mut stdout, &mut stderr);
    assert!(code <= 1, "{}: exit {code}: {}", file.display(), String::from_utf8_lossy(&stderr));
    (code, String::from_utf8(stdout).expect("UTF-8 output"))
}

/// The report folder named on the `report` line of the text summary.
fn report_folder(stdout: &str) -> PathBuf {
    let line = stdout.lines().find(|l| l.starts_with("report ")).expect("a report line");
    let index = PathBuf::from(line.trim_start_matches("report").trim());
    assert!(index.ends_with("index.html"), "{line}");
    index.parent().expect("a folder").to_path_buf()
}

#[test]
fn run_writes_a_report_folder_for_every_scenario() {
    let out = scratch("report-catalogue");
    for (file, variant) in faultline_tests::catalogue_runs() {
        let mut args = vec![];
        if let Some(v) = &variant {
            args.extend(["--variant", v.as_str()]);
        }
        let (_, stdout) = run(&file, &args, &out);
        let folder = report_folder(&stdout);
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let expected = format!("{}-seed", variant.as_deref().unwrap_or("base"));
        assert!(folder.starts_with(out.join(&name)), "{}", folder.display());
        assert!(folder.file_name().unwrap().to_string_lossy().starts_with(&expected));
        for file in FILES {
            let len = std::fs::metadata(folder.join(file))
                .unwrap_or_else(|e| panic!("{}: {file}: {e}", folder.display()))
                .len();
            assert!(len > 100, "{}: {file} is nearly empty", folder.display());
        }
        let html = std::fs::read_to_string(folder.join("index.html")).unwrap();
        for plot in ["latency", "throughput", "queues", "latency-cdf"] {
            assert!(html.contains(&format!("src=\"{plot}.png\"")), "{name}: {plot} not shown");
        }
        assert!(html.contains("faultline run "), "{name}: no reproduce command");
        assert!(!html.contains("http://") && !html.contains("https://"), "{name}: a network link");
        assert!(stdout.contains("p99 trend   "), "{name}: no sparkline in\n{stdout}");
    }
}

#[test]
fn the_same_run_leaves_byte_identical_plots_and_page() {
    let root = workspace_root();
    for (scenario, variant) in [("queue-growth", "naive"), ("retry-storm", "naive")] {
        let file = root.join(format!("scenarios/{scenario}.ron"));
        let args = ["--variant", variant, "--seed", "11"];
        let first = report_folder(&run(&file, &args, &scratch("report-same-a")).1);
        let second = report_folder(&run(&file, &args, &scratch("report-same-b")).1);
        for name in FILES {
            let a = std::fs::read(first.join(name)).unwrap();
            let b = std::fs::read(second.join(name)).unwrap();
            if name == "summary.json" {
                // The wall-clock time is the one field allowed to differ.
                let strip = |bytes: &[u8]| -> String {
                    String::from_utf8_lossy(bytes)
                        .lines()
                        .filter(|l| !l.trim_start().starts_with("\"wall_time_s\""))
                        .collect()
                };
                assert_eq!(strip(&a), strip(&b), "{scenario}: summary.json differs");
            } else {
                assert!(a == b, "{scenario}: {name} differs between two identical runs");
            }
        }
    }
}

/// Headless Chromium, if this machine has it.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?
            .to_str()?
            .split(':')
            .map(|dir| Path::new(dir).join(name))
            .find(|p| p.is_file())
    })
}

/// Runs the browser with `args`, giving up after a minute; returns its stdout.
fn browse(browser: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", browser.display()));
    let started = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{} ran for over a minute with {args:?}", browser.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{} failed ({}): {}",
        browser.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Added to a copy of the page: after `load`, records every image's natural width, console
/// errors and load errors into the DOM, where `--dump-dom` shows them.
const PROBE: &str = r#"<script>
window.__faultline = [];
(function () {
  const original = console.error;
  console.error = function () {
    window.__faultline.push('console.error: ' + Array.from(arguments).join(' '));
    return original.apply(console, arguments);
  };
  window.onerror = function (message) { window.__faultline.push('onerror: ' + message); };
  window.addEventListener('error', function (e) {
    const t = e.target || {};
    window.__faultline.push('load error: ' + (t.src || t.href || e.message || 'unknown'));
  }, true);
  window.addEventListener('load', function () {
    const images = Array.from(document.images).map(function (i) {
      return { src: i.getAttribute('src'), width: i.naturalWidth, complete: i.complete };
    });
    const out = document.createElement('pre');
    out.id = 'faultline-probe';
    out.textContent = JSON.stringify({ images: images, errors: window.__faultline });
    document.body.appendChild(out);
  });
})();
</script>"#;

#[test]
fn the_page_opens_in_a_headless_browser_with_every_plot() {
    let out = scratch("report-browser");
    let file = workspace_root().join("scenarios/queue-growth.ron");
    let folder = report_folder(&run(&file, &["--variant", "naive"], &out).1);
    browser_check(&folder, 4, "report-browser", 60_000);
}

/// Opens `folder`'s `index.html` in headless Chromium: it loads with no console or load error
/// and `images` plots of non-zero width, and its screenshot is not blank (over `min_png`
/// bytes). Says it skipped, and passes, on a machine without Chromium. For every page
/// Faultline writes (a run's, a comparison's).
pub(crate) fn browser_check(folder: &Path, images: usize, name: &str, min_png: usize) {
    let Some(browser) = chromium() else {
        // Written straight to stderr, past the test harness's capture, so that a plain
        // `cargo test` shows it.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the browser check of {name}: no chromium on this machine (install \
             Debian's `chromium` package, or set CHROMIUM=/path/to/chrome)"
        );
        return;
    };
    // A copy of the page with the probe, beside the same images.
    let html = std::fs::read_to_string(folder.join("index.html")).unwrap();
    let probed = html.replacen("<head>", &format!("<head>\n{PROBE}"), 1);
    assert_ne!(probed, html, "the page has a <head>");
    std::fs::write(folder.join("probe.html"), probed).unwrap();

    let url = |name: &str| format!("file://{}", folder.join(name).display());
    let dom = browse(
        &browser,
        &scratch(&format!("{name}-profile-1")),
        &["--virtual-time-budget=5000".into(), "--dump-dom".into(), url("probe.html")],
    );
    let marker = "<pre id=\"faultline-probe\">";
    let start = dom.find(marker).unwrap_or_else(|| panic!("the probe did not run:\n{dom}"));
    let json = &dom[start + marker.len()..];
    let json = json[..json.find("</pre>").expect("the probe's end")]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let probe: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let errors = probe["errors"].as_array().expect("errors");
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
    let found = probe["images"].as_array().expect("images");
    assert_eq!(found.len(), images, "{images} plots on the page: {found:?}");
    for image in found {
        assert!(image["width"].as_u64().unwrap_or(0) > 0, "an image did not load: {image}");
    }

    // And a screenshot of the page itself, as a person would see it.
    let shot = folder.join("screenshot.png");
    browse(
        &browser,
        &scratch(&format!("{name}-profile-2")),
        &[
            "--virtual-time-budget=5000".into(),
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            url("index.html"),
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2000));
    // A blank page compresses to a few kilobytes; text and plots do not.
    assert!(png.len() > min_png, "the screenshot looks empty ({} bytes)", png.len());
    println!("browser check passed; screenshot at {}", shot.display());
}

/// The page shows what a register and tokens did: operations by outcome and who took over;
/// token checks and the wrong verdicts.
#[test]
fn the_page_shows_registers_and_token_checks() {
    let out = scratch("registers-tokens");
    let split = faultline_tests::scenario_path("partition-split-brain");
    let (code, stdout) = run(&split, &["--variant", "naive"], &out);
    assert_eq!(code, 1, "{stdout}");
    let page = std::fs::read_to_string(report_folder(&stdout).join("index.html")).expect("page");
    assert!(page.contains("<tr><th>store (Failover)</th>"), "no register row");
    assert!(page.contains("store/2 (term 2) at 10.570s"), "no leader change");
    let tokens = faultline_tests::scenario_path("clock-skew-tokens");
    let (code, stdout) = run(&tokens, &["--variant", "naive"], &out);
    assert_eq!(code, 1, "{stdout}");
    let page = std::fs::read_to_string(report_folder(&stdout).join("index.html")).expect("page");
    assert!(page.contains("<th class=\"n\">wrongly rejected</th>"), "no token table");
}
