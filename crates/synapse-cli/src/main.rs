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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(output::usage_error(e, json_requested())),
    };
    let Cli { root, json, quiet, yes, command } = cli;
    let cancel = CancelToken::new();
    progress::install_ctrlc(cancel.clone(), quiet || json);
    let ctx = Ctx { root: default_root(root.as_deref()), json, quiet, yes, cancel };
    let code = match commands::run(&ctx, command) {
        Ok(Done::Ok) => 0,
        Ok(Done::Failed { code, message }) => {
            // With --json the result on stdout already says what failed.
            if !json {
                output::error_message(&message);
            }
            output::exit_code(code)
        }
        Err(e) => output::report(&e, json),
    };
    ExitCode::from(code)
}

/// `--json` anywhere before `--`: honoured even when parsing fails.
fn json_requested() -> bool {
    std::env::args_os().skip(1).take_while(|a| a != "--").any(|a| a == "--json")
}
