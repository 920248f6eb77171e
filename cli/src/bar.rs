//! Progress drawn with indicatif on stderr when stderr is a terminal; nothing at all in a pipe. Bars
//! show only once the work has gone on for a moment, so quick loads print none.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kgraph::progress::{Progress, Unit};

/// How long the work runs before its bars appear.
const SHOW_AFTER: Duration = Duration::from_millis(300);

pub struct Bar {
    terminal: bool,
    started: std::time::Instant,
    current: Option<ProgressBar>,
}

impl Bar {
    /// A bar on stderr if it is a terminal.
    pub fn on_stderr() -> Self {
        Bar { terminal: std::io::stderr().is_terminal(), started: std::time::Instant::now(), current: None }
    }

    fn end_stage(&mut self) {
        if let Some(bar) = self.current.take() {
            bar.finish_and_clear();
        }
    }
}

fn style(total: Option<u64>, unit: Unit) -> ProgressStyle {
    let template = match (total, unit) {
        (Some(_), Unit::Bytes) => {
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)"
        }
        (Some(_), Unit::Items) => "{spinner} {msg} [{bar:30}] {human_pos}/{human_len} ({eta} left)",
        (None, _) => "{spinner} {msg} ({elapsed})",
    };
    // The templates above are constants whose every key indicatif knows.
    ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> ")
}

impl Progress for Bar {
    fn stage(&mut self, what: &str, total: Option<u64>, unit: Unit) {
        self.end_stage();
        if !self.terminal {
            return;
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        bar.set_style(style(total, unit));
        bar.set_message(what.to_string());
        // Shown from another thread once the work has lasted a moment: a stage that reports
        // nothing while it works (decoding, parsing) still shows that it is alive.
        let shown = bar.clone();
        let wait = SHOW_AFTER.saturating_sub(self.started.elapsed());
        std::thread::spawn(move || {
            std::thread::sleep(wait);
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        self.current = Some(bar);
    }

    fn advance(&mut self, done: u64) {
        if let Some(bar) = &self.current {
            bar.set_position(done);
        }
    }

    fn finish(&mut self) {
        self.end_stage();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.end_stage();
    }
}
