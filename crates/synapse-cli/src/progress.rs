//! Progress bars on stderr (an indicatif bar behind the core's
//! [`ProgressSink`]) and Ctrl-C, which cancels the running operation through
//! its [`CancelToken`] so it stops cleanly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use synapse_core::progress::{CancelToken, ProgressSink, ProgressUpdate};

/// True while an operation that honours the cancel token is running.
static CANCELLABLE: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler. During a cancellable operation the first
/// Ctrl-C cancels it (the core stops between chunks and removes its partial
/// files); otherwise, or on a second Ctrl-C, the process exits with 130 at
/// once — every write of the core is atomic, so that is safe too.
pub fn install_ctrlc(cancel: CancelToken, quiet: bool) {
    let handler = move || {
        if CANCELLABLE.load(Ordering::SeqCst) && !cancel.is_cancelled() {
            cancel.cancel();
            if !quiet {
                eprintln!("\ncancelling... (press Ctrl-C again to quit at once)");
            }
        } else {
            std::process::exit(130);
        }
    };
    // Failing to install (another handler exists) only loses the clean cancel.
    let _ = ctrlc::set_handler(handler);
}

/// Marks a cancellable operation for the Ctrl-C handler while alive.
pub struct Cancellable(());

impl Cancellable {
    pub fn begin() -> Self {
        CANCELLABLE.store(true, Ordering::SeqCst);
        Cancellable(())
    }
}

impl Drop for Cancellable {
    fn drop(&mut self) {
        CANCELLABLE.store(false, Ordering::SeqCst);
    }
}

/// A bytes-based progress bar with "operation n/m" and the current item.
pub struct Bar {
    pb: ProgressBar,
}

const TEMPLATE: &str =
    "{spinner:.green} {prefix:.bold} [{bar:30.cyan/blue}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta} {wide_msg}";

impl Bar {
    /// A visible bar on stderr, or a hidden one when `visible` is false or
    /// stderr is not a terminal.
    pub fn new(visible: bool) -> Bar {
        if !visible || !console::Term::stderr().is_term() {
            return Bar { pb: ProgressBar::hidden() };
        }
        let style = ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ");
        let pb = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr()).with_style(style);
        pb.enable_steady_tick(Duration::from_millis(200));
        Bar { pb }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.pb.finish_and_clear();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.pb.finish_and_clear();
    }
}

impl ProgressSink for Bar {
    fn report(&self, u: &ProgressUpdate) {
        if self.pb.is_hidden() {
            return;
        }
        self.pb.set_length(u.bytes_total);
        self.pb.set_position(u.bytes_done);
        self.pb.set_prefix(format!("{} {}/{}", u.operation, u.items_done, u.items_total));
        self.pb.set_message(u.current.clone().unwrap_or_default());
    }
}
