//! `synapse`, the command-line tool over synapse-core: parse the command line,
//! run one command, map its outcome to an exit code (SPEC §5).

mod cli;
mod commands;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;
use synapse_core::progress::CancelToken;
use synapse_core::store::default_root;

use crate::cli::Cli;
use crate::commands::{Ctx, Done};

/// mimalloc instead of glibc malloc: the inventory of a large store makes
/// hundreds of thousands of small allocations from several threads, where
/// glibc's per-thread arenas cost both time and resident memory (measured by
/// `scripts/bench inventory`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (its numbering is
/// stable: retired options keep their slots).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Returns freed memory to the OS at once instead of after 10 ms: the
/// inventory frees its intermediate maps while building the result, and with
/// the default delay the peak resident size of a 100,000-blob inventory is
/// ~210 MB instead of ~135 MB, at no measurable cost in time.
#[allow(unsafe_code)] // the one FFI call of this crate, measured above
fn tune_allocator() {
    // SAFETY: sets a plain integer option before any thread is started; mimalloc documents
    // `mi_option_set` as callable at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(output::usage_error(e, json_requested())),
    };
    let Cli { root, json, quiet, yes, command } = cli;
    let cancel = CancelToken::new();
    progress::install_ctrlc(cancel.clone(), quiet || json);
    let ctx = Ctx { root: default_root(root.as_deref()), json, quiet, yes, cancel, target: None };
    let code = match commands::run(&ctx, command) {
        Ok(Done::Ok) => 0,
        Ok(Done::Failed { code, message }) => {
            // With --json the result on stdout already says what failed.
            if !json {
                output::error_message(&message);
            }
            output::exit_code(code)
        }
        Ok(Done::Unhealthy { message }) => {
            if !json {
                output::error_message(&message);
            }
            1
        }
        Err(e) => output::report(&e, json),
    };
    ExitCode::from(code)
}

/// `--json` anywhere before `--`: honoured even when parsing fails.
fn json_requested() -> bool {
    std::env::args_os().skip(1).take_while(|a| a != "--").any(|a| a == "--json")
}
