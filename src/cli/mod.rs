//! The command line: clap definitions and the commands, kept thin. Each command reads its
//! input, calls the library, and hands the result to `report` for display.
//!
//! Exit codes follow ruff's convention: 0 all good, 1 something found (or Docker would
//! refuse), 2 usage or I/O error.

mod explain;
mod lint;
mod lsp;
mod rule;
mod translate;

use crate::model::context::{HostFs, Platform};
use crate::model::{Context, DockerVersions};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};

/// Understands every way a container gets storage, exactly as Docker does.
#[derive(Debug, Parser)]
#[command(name = "dockmount", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Say in plain words what storage flags do, and whether Docker accepts them.
    ///
    /// ARGS are what follows `docker run` (`dockmount explain -- -v a:/b:ro img`), or one
    /// whole command line in quotes (`dockmount explain "docker run -v a:/b img"`).
    Explain(explain::ExplainArgs),
    /// Find storage pitfalls in Dockerfiles, compose files, scripts, CI files and Markdown.
    ///
    /// Exit codes: 0 no problems, 1 problems found (with --diff: files would change),
    /// 2 usage or I/O error.
    Lint(lint::LintArgs),
    /// Print a rule's documentation, or list every rule with --all.
    Rule(rule::RuleArgs),
    /// Write storage flags in another syntax (`-v` ⇄ `--mount` ⇄ `--tmpfs`), a `docker run`
    /// line as a compose service, or a compose service as `docker run` flags, saying every
    /// change of behaviour.
    Translate(translate::TranslateArgs),
    /// Run the language server (LSP over standard input and output) for editors.
    Lsp(lsp::LspArgs),
}

/// Output formats shared by the commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The options that decide Docker's answer, shared by the commands.
#[derive(Debug, clap::Args)]
pub struct DockerOptions {
    /// Docker versions to model, `CLI[/ENGINE]` (e.g. `28.2/20.10`); default: the newest
    /// described (29.7.2).
    #[arg(long, value_name = "CLI[/ENGINE]")]
    docker_version: Option<String>,
    /// The working directory relative `-v`/`--mount` sources are resolved against
    /// (default: the current directory).
    #[arg(long, value_name = "DIR")]
    cwd: Option<String>,
    /// The daemon's platform.
    #[arg(long, value_enum, default_value_t = PlatformArg::Linux)]
    platform: PlatformArg,
    /// The daemon's data root.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/docker")]
    data_root: String,
    /// Assume every host path exists instead of looking at this machine's files (Docker
    /// refuses `--mount` binds whose source is missing on the daemon's host).
    #[arg(long)]
    assume_host_paths_exist: bool,
    /// A `VOLUME` the image declares (repeatable): it becomes an anonymous volume unless
    /// something else is mounted there.
    #[arg(long, value_name = "PATH")]
    image_volume: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PlatformArg {
    Linux,
    Windows,
}

impl DockerOptions {
    /// The model's context, or a usage error.
    fn context(&self) -> Result<Context, String> {
        let versions = match &self.docker_version {
            Some(text) => text.parse::<DockerVersions>().map_err(|e| format!("--docker-version: {e}"))?,
            None => DockerVersions::NEWEST,
        };
        let cwd = match &self.cwd {
            Some(dir) => dir.clone(),
            None => std::env::current_dir()
                .map(|d| d.to_string_lossy().into_owned())
                .map_err(|e| format!("cannot read the current directory: {e}"))?,
        };
        if !cwd.starts_with('/') {
            return Err(format!("--cwd must be an absolute path, not `{cwd}`"));
        }
        Ok(Context {
            versions,
            platform: match self.platform {
                PlatformArg::Linux => Platform::Linux,
                PlatformArg::Windows => Platform::Windows,
            },
            cwd,
            daemon_root: self.data_root.clone(),
            host: if self.assume_host_paths_exist { HostFs::AllExist } else { HostFs::Real },
            volume_plugins: None,
            image_volumes: self.image_volume.clone(),
        })
    }
}

/// Writes to standard output. A closed pipe (`| head`) is not an error of the run: the
/// rest of the output is dropped.
pub(crate) fn print_out(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("standard output: {e}")),
    }
}

/// [`print_out`], with a failure said on standard error.
pub(crate) fn say(text: &str) {
    if let Err(message) = print_out(text) {
        eprintln!("error: {message}");
    }
}

/// Standard output written in pieces as it is made: explaining a file of 100,000 mounts
/// would otherwise hold all of its text at once. What is pending is written on drop.
pub(crate) struct Output {
    pending: String,
    /// Whether anything was pushed at all.
    pushed: bool,
}

impl Output {
    /// Written once this much is pending.
    const CHUNK: usize = 64 * 1024;

    pub(crate) fn new() -> Output {
        Output { pending: String::new(), pushed: false }
    }

    pub(crate) fn push_str(&mut self, text: &str) {
        self.pushed |= !text.is_empty();
        self.pending.push_str(text);
        if self.pending.len() >= Self::CHUNK {
            self.flush();
        }
    }

    pub(crate) fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// True when nothing was pushed yet.
    pub(crate) fn is_empty(&self) -> bool {
        !self.pushed
    }

    pub(crate) fn flush(&mut self) {
        if !self.pending.is_empty() {
            say(&self.pending);
            self.pending.clear();
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Whether to colour output written to stdout.
pub(crate) fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return code;
        }
    };
    match cli.command {
        Command::Explain(args) => explain::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Rule(args) => rule::run(&args),
        Command::Translate(args) => translate::run(&args),
        Command::Lsp(args) => lsp::run(&args),
    }
}
