//! The commands: each parses its arguments into core types, makes one core
//! call and renders the result (JSON or human). No domain decisions here.

mod adopt;
mod backup;
mod identify;
mod inventory;
mod pack;
mod package;
mod redownload;
mod repair;
mod store;
mod target;
mod ui;
mod workflow;

use std::path::PathBuf;

use synapse_core::progress::NoProgress;
use synapse_core::progress::{CancelToken, Control};
use synapse_core::{Error, ErrorCode, Store};

use crate::cli::Command;
use crate::progress::{Bar, Cancellable};

/// What every command needs: the global flags and the cancel token.
pub struct Ctx {
    pub root: PathBuf,
    pub json: bool,
    pub quiet: bool,
    /// Answer yes to confirmations (`backup state-sync` into a git working tree, `use` restoring backup-only blobs).
    pub yes: bool,
    pub cancel: CancelToken,
    /// The backup target of `backup … --target NAME` (`None`: the original's).
    pub target: Option<String>,
}

/// How a command ended once its result was printed.
pub enum Done {
    Ok,
    /// The result was printed, but the command still failed (verify found
    /// invalid blobs, cleanup could not delete everything): report the
    /// message on stderr and exit with the code's exit code.
    Failed {
        code: ErrorCode,
        message: String,
    },
    /// `doctor` found errors: the report was printed; exit 1 (SPEC §5), with
    /// the message on stderr unless `--json`.
    Unhealthy {
        message: String,
    },
}

impl Done {
    pub fn failed(err: &Error) -> Done {
        Done::Failed { code: err.code(), message: crate::output::with_hint(err) }
    }
}

impl Ctx {
    /// Opens the store, working on the chosen backup target.
    pub fn open(&self) -> Result<Store, Error> {
        Store::open(&self.root)?.on_target(self.target.as_deref())
    }

    /// The same flags, working on the backup target `target`.
    pub fn on_target(&self, target: Option<String>) -> Ctx {
        Ctx { root: self.root.clone(), json: self.json, quiet: self.quiet, yes: self.yes, cancel: self.cancel.clone(), target }
    }

    /// Chatter: confirmations and hints, silenced by `--quiet` and `--json`.
    pub fn chatty(&self) -> bool {
        !self.json && !self.quiet
    }

    /// Runs a long operation with a progress bar (when wanted) and Ctrl-C
    /// cancelling it through the token.
    pub fn long<T>(&self, f: impl FnOnce(Control) -> Result<T, Error>) -> Result<T, Error> {
        let bar = Bar::new(self.chatty());
        let _cancellable = Cancellable::begin();
        let result = f(Control::new(&bar, &self.cancel));
        bar.finish();
        result
    }

    /// Like [`Ctx::long`] without a bar, for operations that only read.
    pub fn quick<T>(&self, f: impl FnOnce(Control) -> Result<T, Error>) -> Result<T, Error> {
        let _cancellable = Cancellable::begin();
        f(Control::new(&NoProgress, &self.cancel))
    }
}

pub fn run(ctx: &Ctx, command: Command) -> anyhow::Result<Done> {
    match command {
        Command::Init => store::init(ctx),
        Command::Doctor { fix } => store::doctor(ctx, fix),
        Command::Demo { dir } => store::demo(ctx, &dir),
        Command::Package { command } => package::run(ctx, command),
        Command::Inventory(args) => inventory::run(ctx, args),
        Command::Pack { command } => pack::run(ctx, command),
        Command::Backup { target, command } => backup::run(&ctx.on_target(target), command),
        Command::Target { command } => target::run(ctx, command),
        Command::Whereis { blob } => target::whereis(ctx, &blob),
        Command::Scrub { target, budget, repair } => target::scrub(ctx, target.as_deref(), budget, repair),
        Command::Adopt { folder, execute, link, plan } => adopt::run(ctx, &folder, execute, link, &plan),
        Command::Ui { command } => ui::run(ctx, command),
        Command::Use { pack, ui, dry_run, plan } => ui::use_pack(ctx, &pack, ui, dry_run, &plan),
        Command::Unuse { pack, ui, dry_run } => ui::unuse(ctx, &pack, ui.as_deref(), dry_run),
        Command::Identify { sha256, orphans, unnamed, all, refresh } => identify::run(ctx, &sha256, orphans, unnamed, all, refresh),
        Command::Redownload { sha256 } => redownload::run(ctx, &sha256),
        Command::Workflow { command } => workflow::run(ctx, command),
        Command::Repair { sha256, all, dry_run, plan } => repair::run(ctx, &sha256, all, dry_run, &plan),
    }
}
