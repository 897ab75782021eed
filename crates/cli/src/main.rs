//! The `faultline` binary: a thin shell over [`faultline_cli::main_on_terminal`].

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    // Not locked for the whole command: the progress bar writes to it from other threads.
    let mut stderr = std::io::stderr();
    // A progress bar only for a person watching: nothing when standard error is piped.
    let progress = stderr.is_terminal();
    let code = faultline_cli::main_on_terminal(
        std::env::args_os(),
        &mut stdout.lock(),
        &mut stderr,
        progress,
    );
    ExitCode::from(code)
}
