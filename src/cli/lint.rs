//! `dockmount lint`: lists the files, lints each (on every core), fixes them when asked,
//! and prints the report. Everything that decides lives in `lint/` and `report/`; this
//! wires the flags to it.
//!
//! Exit codes: 0 no problems, 1 problems found (or, with `--diff`, files would change),
//! 2 a usage error or a file that could not be read at all (I/O errors, a named file that
//! is not UTF-8 text, a bad config file). A file that is read but cannot be understood as
//! its kind is a `read-error` (DM000) diagnostic, so exit code 1.

use super::PlatformArg;
use crate::lint::config::{self, Layer, Overrides, Resolver, Selector, Settings};
use crate::lint::files::{guess_from_text, kind_of, FileKind};
use crate::lint::fix::{fix_until_stable, unified_diff, write_atomic, MAX_ROUNDS};
use crate::lint::walk::{self, Candidate};
use crate::lint::{check_text, Checked};
use crate::model::context::{HostFs, Platform};
use crate::model::{Context, DockerVersions};
use crate::report::{self, text::TextOptions};
use crate::rules::Severity;
use clap::ValueEnum;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Output formats of `lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// A source snippet per finding, and a summary.
    Text,
    /// One line per finding.
    Concise,
    /// A JSON array of findings (a stable contract).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// JUnit XML.
    Junit,
    /// GitLab code quality JSON.
    Gitlab,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SeverityArg {
    Info,
    Warning,
    Error,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files and directories to lint (default: the current directory); `-` reads standard
    /// input. Directories are walked honouring `.gitignore`; named files are always linted.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    format: LintFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// The name standard input is linted as (its kind, its config file).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Apply the safe fixes, rewriting the files (standard input: print the fixed text).
    #[arg(long)]
    fix: bool,
    /// With --fix or --diff, apply unsafe fixes too.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change, and change nothing.
    #[arg(long)]
    diff: bool,
    /// Rules to report: codes, names, code prefixes (`DM0`) or `ALL`; comma-separated or
    /// repeated. Replaces the config file's `select`.
    #[arg(long, value_name = "RULES")]
    select: Option<Vec<String>>,
    /// Rules not to report (as --select); added to the config file's `ignore`.
    #[arg(long, value_name = "RULES")]
    ignore: Vec<String>,
    /// The least severity reported.
    #[arg(long, value_enum, value_name = "LEVEL")]
    severity: Option<SeverityArg>,
    /// Use this config file for every file, instead of the nearest `.dockmount.toml` or
    /// `dockmount.toml` above each.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,
    /// Use no config file.
    #[arg(long)]
    isolated: bool,
    /// Skip files larger than this (bytes, or with a unit: 512K, 10M, 1G; default 10M).
    #[arg(long, value_name = "SIZE")]
    max_file_size: Option<String>,
    /// Exit with 0 even when problems are found (2 still means an error).
    #[arg(long)]
    exit_zero: bool,
    /// Docker versions to model, `CLI[/ENGINE]` (e.g. `28.2/20.10`); default: the config
    /// file's `docker-version`, else the newest described (29.7.2).
    #[arg(long, value_name = "CLI[/ENGINE]")]
    docker_version: Option<String>,
    /// The directory relative `-v`/`--mount` sources are resolved against (default: the
    /// directory of each file, as compose does).
    #[arg(long, value_name = "DIR")]
    cwd: Option<String>,
    /// The daemon's platform.
    #[arg(long, value_enum, default_value_t = PlatformArg::Linux)]
    platform: PlatformArg,
    /// The daemon's data root.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/docker")]
    data_root: String,
}

/// Where a file's text comes from.
#[derive(Debug)]
enum Source {
    File(Candidate),
    Stdin { name: Option<String>, text: String },
}

/// One file to lint, with its settings.
#[derive(Debug)]
struct Job {
    source: Source,
    /// How the file is shown.
    display: String,
    settings: Settings,
    /// The directory relative sources are resolved against.
    cwd: String,
}

/// What became of one file.
#[derive(Debug, Default)]
struct FileResult {
    checked: Option<Checked>,
    original: String,
    fixed: usize,
    /// The text after fixing, when it differs.
    changed: Option<String>,
    warnings: Vec<String>,
    errors: Vec<String>,
}

pub fn run(args: &LintArgs) -> i32 {
    match execute(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

fn execute(args: &LintArgs) -> Result<i32, String> {
    let overrides = overrides(args)?;
    let mut resolver = Resolver::new(overrides, args.config.as_deref(), args.isolated)?;
    if let Some(cwd) = &args.cwd {
        if !cwd.starts_with('/') {
            return Err(format!("--cwd must be an absolute path, not `{cwd}`"));
        }
    }
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from(if args.stdin_filename.is_some() { "-" } else { "." }));
    }
    let stdin = paths.iter().any(|p| p.as_os_str() == "-");
    paths.retain(|p| p.as_os_str() != "-");
    if stdin && args.fix && !args.diff && !paths.is_empty() {
        return Err("--fix with `-` prints the fixed text: lint standard input alone".into());
    }

    let walked = walk::collect(&paths);
    let mut errors: Vec<String> = walked.errors;
    let mut jobs = Vec::new();
    if stdin {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| format!("standard input: {e}"))?;
        let name = args.stdin_filename.clone();
        let display = name.clone().unwrap_or_else(|| "-".to_string());
        let text = String::from_utf8(bytes).map_err(|_| format!("{display}: not UTF-8 text"))?;
        let as_path = PathBuf::from(name.as_deref().unwrap_or("-"));
        let settings = resolver.settings_for(&as_path)?;
        let cwd = args.cwd.clone().unwrap_or_else(|| directory_of(&as_path));
        jobs.push(Job { source: Source::Stdin { name, text }, display, settings, cwd });
    }
    for candidate in walked.files {
        // Made absolute once: the config lookups and the directory start from it.
        let absolute = config::absolute(&candidate.path);
        if !candidate.explicit && resolver.excluded(&absolute)? {
            continue;
        }
        let settings = resolver.settings_for(&absolute)?;
        let cwd = args.cwd.clone().unwrap_or_else(|| directory_of(&absolute));
        let display = walk::display(&candidate.path);
        jobs.push(Job { source: Source::File(candidate), display, settings, cwd });
    }
    if jobs.is_empty() && errors.is_empty() {
        eprintln!(
            "warning: no files to lint (Dockerfiles, compose files, shell scripts, Makefiles, CI YAML, Markdown)"
        );
    }

    let mode = Mode { fix: args.fix || args.diff, write: args.fix && !args.diff, unsafe_fixes: args.unsafe_fixes };
    let results = parallel_map(&jobs, |job| process(job, args, mode));

    let mut warnings = Vec::new();
    let mut files = Vec::new();
    let mut fixed = 0;
    let mut changes = Vec::new();
    for result in results {
        warnings.extend(result.warnings);
        errors.extend(result.errors);
        fixed += result.fixed;
        if let Some(checked) = result.checked {
            if let Some(new) = result.changed {
                changes.push((checked.path.clone(), result.original, new));
            }
            files.push(checked);
        }
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    for error in &errors {
        eprintln!("error: {error}");
    }

    if args.diff {
        let diff: String = changes.iter().map(|(path, old, new)| unified_diff(path, old, new)).collect();
        emit(args, &diff)?;
        let would: usize = fixed;
        if would > 0 {
            eprintln!("Would fix {}.", report::plural(would, "problem"));
        }
        return Ok(if !errors.is_empty() {
            2
        } else if changes.is_empty() {
            0
        } else {
            1
        });
    }

    let remaining: usize = files.iter().map(|f| f.diagnostics.len()).sum();
    let stdin_fixed = stdin && args.fix;
    let color = args.output_file.is_none()
        && !stdin_fixed
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::stdout().is_terminal();
    let options = TextOptions { color, unsafe_fixes: args.unsafe_fixes, fixed };
    let rendered = match args.format {
        LintFormat::Text => report::text::render_full(&files, options),
        LintFormat::Concise => report::text::render_concise(&files, options),
        LintFormat::Json => report::json::render(&files),
        LintFormat::Sarif => report::sarif::render(&files, &errors),
        LintFormat::Github => report::github::render(&files),
        LintFormat::Junit => report::junit::render(&files),
        LintFormat::Gitlab => report::gitlab::render(&files),
    };
    if stdin_fixed {
        // The fixed text goes to standard output, the report to standard error.
        let text = files.first().map_or(String::new(), |f| f.text.clone());
        super::print_out(&text)?;
        eprint!("{rendered}");
    } else {
        emit(args, &rendered)?;
    }
    Ok(if !errors.is_empty() {
        2
    } else if remaining > 0 && !args.exit_zero {
        1
    } else {
        0
    })
}

/// The command line's part of the settings.
fn overrides(args: &LintArgs) -> Result<Overrides, String> {
    let select = args.select.as_deref().map(Selector::parse_list).transpose().map_err(|e| format!("--select: {e}"))?;
    let ignore = Selector::parse_list(&args.ignore).map_err(|e| format!("--ignore: {e}"))?;
    let versions = args
        .docker_version
        .as_deref()
        .map(|v| v.parse::<DockerVersions>().map_err(|e| format!("--docker-version: {e}")))
        .transpose()?;
    let max_file_size = args
        .max_file_size
        .as_deref()
        .map(config::parse_size)
        .transpose()
        .map_err(|e| format!("--max-file-size: {e}"))?;
    let severity = args.severity.map(|s| match s {
        SeverityArg::Info => Severity::Info,
        SeverityArg::Warning => Severity::Warning,
        SeverityArg::Error => Severity::Error,
    });
    Ok(Overrides { layer: Layer { select, ignore }, severity, versions, max_file_size })
}

#[derive(Clone, Copy, Debug)]
struct Mode {
    /// Compute fixes (`--fix` or `--diff`).
    fix: bool,
    /// Write them back (`--fix` without `--diff`, not standard input).
    write: bool,
    unsafe_fixes: bool,
}

/// The absolute directory of a file.
fn directory_of(path: &Path) -> String {
    let absolute = config::absolute(path);
    absolute.parent().map_or_else(|| "/".to_string(), |d| d.to_string_lossy().into_owned())
}

/// Reads, lints and (when asked) fixes one file.
fn process(job: &Job, args: &LintArgs, mode: Mode) -> FileResult {
    let mut result = FileResult::default();
    let (text, kind) = match &job.source {
        Source::Stdin { name, text } => {
            let first = text.lines().next();
            let kind =
                name.as_deref().and_then(|n| kind_of(Path::new(n), first)).unwrap_or_else(|| guess_from_text(text));
            (text.clone(), kind)
        }
        Source::File(candidate) => match read_file(candidate, &job.display, job.settings.max_file_size) {
            Ok(Some((text, kind))) => (text, kind),
            Ok(None) => return result,
            Err(Problem::Warning(message)) => {
                result.warnings.push(message);
                return result;
            }
            Err(Problem::Error(message)) => {
                result.errors.push(message);
                return result;
            }
        },
    };
    let ctx = Context {
        versions: job.settings.versions,
        platform: match args.platform {
            PlatformArg::Linux => Platform::Linux,
            PlatformArg::Windows => Platform::Windows,
        },
        cwd: job.cwd.clone(),
        daemon_root: args.data_root.clone(),
        // A linter judges the text, not the machine it runs on.
        host: HostFs::AllExist,
        volume_plugins: None,
        image_volumes: Vec::new(),
    };
    let check = |text: &str| check_text(&job.display, text, kind, &ctx, &job.settings.selection);
    let mut checked = check(&text);
    if !mode.fix {
        // Without fixes, a file's text only serves to show where its problems are: a file
        // without any keeps none, so that a run over a large tree does not hold every file.
        if checked.diagnostics.is_empty() {
            checked.text = String::new();
        }
        result.checked = Some(checked);
        return result;
    }
    let outcome = fix_until_stable(checked, mode.unsafe_fixes, check);
    if !outcome.converged {
        result.warnings.push(format!("{}: fixes kept changing the file after {MAX_ROUNDS} rounds", job.display));
    }
    if outcome.broke {
        result
            .warnings
            .push(format!("{}: a fix made the file unreadable and was not applied (please report this)", job.display));
    }
    result.fixed = outcome.fixed;
    if outcome.checked.text != text {
        result.changed = Some(outcome.checked.text.clone());
        if let (true, Source::File(candidate)) = (mode.write, &job.source) {
            if let Err(error) = write_atomic(&candidate.path, &outcome.checked.text, &text) {
                result.errors.push(format!("{}: {error}", job.display));
                // Nothing was written: report the file as it is.
                result.fixed = 0;
                result.changed = None;
                result.checked = Some(check(&text));
                result.original = text;
                return result;
            }
        }
    }
    result.checked = Some(outcome.checked);
    result.original = text;
    result
}

enum Problem {
    /// Reported, the run goes on, the exit code is unchanged.
    Warning(String),
    /// Reported, exit code 2.
    Error(String),
}

/// Reads a file as text. `Ok(None)`: a binary file met in a walk, skipped silently.
fn read_file(candidate: &Candidate, display: &str, max_size: u64) -> Result<Option<(String, FileKind)>, Problem> {
    let path = &candidate.path;
    let size = std::fs::metadata(path).map_err(|e| Problem::Error(format!("{display}: {e}")))?.len();
    if size > max_size {
        return Err(Problem::Warning(format!(
            "{display}: skipped: {size} bytes is over the size limit of {max_size} bytes (max-file-size)"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Problem::Error(format!("{display}: {e}")))?;
    let binary = bytes.get(..8192).unwrap_or(&bytes).contains(&0);
    let text = match String::from_utf8(bytes) {
        Ok(text) if !binary => text,
        _ if !candidate.explicit => return Ok(None),
        _ => return Err(Problem::Error(format!("{display}: not a text file (binary or not UTF-8); nothing linted"))),
    };
    let kind = candidate.kind.or_else(|| kind_of(path, text.lines().next())).unwrap_or_else(|| guess_from_text(&text));
    Ok(Some((text, kind)))
}

/// Maps every job on all cores, keeping the jobs' order.
fn parallel_map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(items.len()).max(1);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else {
                    break;
                };
                let result = work(item);
                if let Some(slot) = slots.get(i) {
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                }
            });
        }
    });
    slots.into_iter().filter_map(|slot| slot.into_inner().unwrap_or_else(|e| e.into_inner())).collect()
}

/// Writes the report to `--output-file` or standard output.
fn emit(args: &LintArgs, text: &str) -> Result<(), String> {
    match &args.output_file {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => super::print_out(text),
    }
}
