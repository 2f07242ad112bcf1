//! Diagnostics: a document linted exactly as `dockmount lint` lints a file (same reading,
//! rules, selection, suppressions and severity floor), turned into the protocol's
//! diagnostics, and pushed to the editor from a worker thread.
//!
//! Typing never waits for lint: the main loop only hands the worker a snapshot of the
//! text. The worker waits a short debounce after a change (none after opening or saving),
//! and a newer version of a document replaces an older one still waiting; a result that
//! a newer version overtook while it was being computed is thrown away rather than shown
//! at positions that no longer fit. The last result of each document is kept for code
//! actions, which then need no second lint.

use super::documents::{Document, Lines};
use super::settings::{resolve, EditorSettings, Resolved};
use super::transport::Outbox;
use crate::lint::files::FileKind;
use crate::lint::{check_text, Checked, Diagnostic as LintDiagnostic};
use crate::rules::Severity;
use ls_types::{
    notification::{Notification as _, PublishDiagnostics},
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString,
    PublishDiagnosticsParams, Uri,
};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the worker waits after a change before linting, so that a burst of keystrokes
/// is linted once.
pub const DEBOUNCE: Duration = Duration::from_millis(60);

/// The name diagnostics are shown with.
pub const SOURCE: &str = "dockmount";

/// A document as it is to be linted.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub uri: Uri,
    pub version: i32,
    pub text: Arc<str>,
    pub lines: Arc<Lines>,
    pub kind: Option<FileKind>,
    pub path: Option<PathBuf>,
}

impl Snapshot {
    pub fn of(document: &Document) -> Snapshot {
        Snapshot {
            uri: document.uri.clone(),
            version: document.version,
            text: document.text.clone(),
            lines: document.lines.clone(),
            kind: document.kind(),
            path: document.path.clone(),
        }
    }
}

/// One document linted.
#[derive(Clone, Debug)]
pub struct Linted {
    pub snapshot: Snapshot,
    pub resolved: Resolved,
    /// `None` for documents that hold no storage specs, and those over `max-file-size`.
    pub checked: Option<Checked>,
}

/// Lints a snapshot with its settings.
pub fn lint(snapshot: Snapshot, root: Option<&std::path::Path>, editor: &EditorSettings) -> Linted {
    let resolved = resolve(snapshot.path.as_deref(), root, editor);
    // Files over the size limit are skipped, as `dockmount lint` skips them.
    let too_big = snapshot.text.len() as u64 > resolved.settings.max_file_size;
    let checked = snapshot.kind.filter(|_| !too_big).map(|kind| {
        let name =
            snapshot.path.as_ref().map_or_else(|| snapshot.uri.as_str().to_string(), |p| p.display().to_string());
        check_text(&name, &snapshot.text, kind, &resolved.ctx, &resolved.settings.selection)
    });
    Linted { snapshot, resolved, checked }
}

/// The protocol's severity of a lint severity.
fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// One lint diagnostic in the protocol's terms: the same code, message and place (in
/// UTF-16 positions). A hint (how to read or mend it) goes along as related information at
/// the same place, as the text report shows it under the finding.
pub fn to_lsp(diagnostic: &LintDiagnostic, uri: &Uri, text: &str, lines: &Lines) -> Diagnostic {
    let range = lines.range(text, diagnostic.span);
    let related = diagnostic.hint.as_ref().map(|hint| {
        vec![DiagnosticRelatedInformation {
            location: Location { uri: uri.clone(), range },
            message: format!("help: {hint}"),
        }]
    });
    let tags =
        (diagnostic.code == crate::lint::unused_suppression::RULE.code).then(|| vec![DiagnosticTag::UNNECESSARY]);
    Diagnostic {
        range,
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: diagnostic.message.to_string(),
        related_information: related,
        tags,
        data: Some(serde_json::json!({"name": diagnostic.name})),
    }
}

/// The `publishDiagnostics` notification of a lint result.
pub fn publication(linted: &Linted) -> lsp_server::Notification {
    let snapshot = &linted.snapshot;
    let diagnostics = linted
        .checked
        .iter()
        .flat_map(|c| c.diagnostics.iter())
        .map(|d| to_lsp(d, &snapshot.uri, &snapshot.text, &snapshot.lines))
        .collect();
    let params = PublishDiagnosticsParams { uri: snapshot.uri.clone(), diagnostics, version: Some(snapshot.version) };
    lsp_server::Notification::new(PublishDiagnostics::METHOD.to_string(), params)
}

/// Clears a closed document's diagnostics.
pub fn clearing(uri: &Uri) -> lsp_server::Notification {
    let params = PublishDiagnosticsParams { uri: uri.clone(), diagnostics: Vec::new(), version: None };
    lsp_server::Notification::new(PublishDiagnostics::METHOD.to_string(), params)
}

/// What the worker is asked to do.
#[derive(Debug)]
pub enum Work {
    /// Lint this version after `delay` (unless a newer one comes first).
    Lint {
        snapshot: Snapshot,
        delay: Duration,
    },
    /// The document was closed: forget it and clear its diagnostics.
    Close(Uri),
    /// The editor's settings or the workspace root changed.
    Settings {
        editor: EditorSettings,
        root: Option<PathBuf>,
    },
    Stop,
}

/// The last lint result of each open document.
pub type Results = Arc<Mutex<HashMap<Uri, Arc<Linted>>>>;

/// A handle to the diagnostics worker.
pub struct Worker {
    sender: Sender<Work>,
    handle: Option<JoinHandle<()>>,
    pub results: Results,
}

impl Worker {
    pub fn spawn(outbox: Outbox, editor: EditorSettings, root: Option<PathBuf>) -> Worker {
        let (sender, receiver) = mpsc::channel();
        let results: Results = Arc::default();
        let shared = results.clone();
        let handle = std::thread::Builder::new()
            .name("lsp-diagnostics".into())
            .spawn(move || run(receiver, outbox, shared, editor, root))
            .ok();
        Worker { sender, handle, results }
    }

    pub fn send(&self, work: Work) {
        let _ = self.sender.send(work);
    }

    /// The last result for a document, if it is of this version.
    pub fn result(&self, uri: &Uri, version: i32) -> Option<Arc<Linted>> {
        let results = self.results.lock().unwrap_or_else(|e| e.into_inner());
        results.get(uri).filter(|r| r.snapshot.version == version).cloned()
    }

    /// Stops the worker after what it is doing now.
    pub fn stop(mut self) {
        let _ = self.sender.send(Work::Stop);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The worker's loop.
fn run(receiver: Receiver<Work>, outbox: Outbox, results: Results, editor: EditorSettings, root: Option<PathBuf>) {
    let mut editor = editor;
    let mut root = root;
    let mut open: HashSet<Uri> = HashSet::new();
    // The newest version of each document waiting to be linted, and when.
    let mut pending: HashMap<Uri, (Instant, Snapshot)> = HashMap::new();
    // Config problems already shown, so that each is shown once.
    let mut shown: Vec<String> = Vec::new();
    loop {
        let next_due = pending.values().map(|(due, _)| *due).min();
        let work = match next_due {
            None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(due) => receiver.recv_timeout(due.saturating_duration_since(Instant::now())),
        };
        match work {
            Ok(Work::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(work) => {
                take(work, &mut pending, &mut open, &results, &outbox, &mut editor, &mut root);
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = Instant::now();
        let due: Vec<Uri> = pending.iter().filter(|(_, (at, _))| *at <= now).map(|(uri, _)| uri.clone()).collect();
        for uri in due {
            let Some((_, snapshot)) = pending.remove(&uri) else {
                continue;
            };
            let version = snapshot.version;
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lint(snapshot, root.as_deref(), &editor)));
            // What came in meanwhile may supersede this result.
            while let Ok(work) = receiver.try_recv() {
                if matches!(work, Work::Stop) {
                    return;
                }
                take(work, &mut pending, &mut open, &results, &outbox, &mut editor, &mut root);
            }
            let linted = match outcome {
                Ok(linted) => linted,
                Err(_) => {
                    eprintln!("dockmount lsp: linting {} failed; the server goes on", uri.as_str());
                    continue;
                }
            };
            if pending.get(&uri).is_some_and(|(_, newer)| newer.version != version) {
                continue;
            }
            if let Some(problem) = &linted.resolved.config_error {
                if !shown.contains(problem) {
                    shown.push(problem.clone());
                    super::server::show_message(&outbox, ls_types::MessageType::ERROR, problem);
                }
            }
            // A document closed meanwhile gets no diagnostics.
            if !open.contains(&uri) {
                continue;
            }
            outbox.send(publication(&linted).into());
            results.lock().unwrap_or_else(|e| e.into_inner()).insert(uri, Arc::new(linted));
        }
    }
}

/// Takes one piece of work into the worker's state.
fn take(
    work: Work,
    pending: &mut HashMap<Uri, (Instant, Snapshot)>,
    open: &mut HashSet<Uri>,
    results: &Results,
    outbox: &Outbox,
    editor: &mut EditorSettings,
    root: &mut Option<PathBuf>,
) {
    match work {
        Work::Lint { snapshot, delay } => {
            open.insert(snapshot.uri.clone());
            let due = Instant::now() + delay;
            // A newer version replaces the one waiting, and does not wait longer than it would have.
            let due = match pending.get(&snapshot.uri) {
                Some((earlier, _)) if delay.is_zero() => (*earlier).min(due),
                _ => due,
            };
            pending.insert(snapshot.uri.clone(), (due, snapshot));
        }
        Work::Close(uri) => {
            pending.remove(&uri);
            open.remove(&uri);
            results.lock().unwrap_or_else(|e| e.into_inner()).remove(&uri);
            outbox.send(clearing(&uri).into());
        }
        Work::Settings { editor: new, root: new_root } => {
            *editor = new;
            *root = new_root;
        }
        Work::Stop => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_diagnostics_keep_code_message_and_place_in_utf16() {
        let text = "# é😀\necho é😀; docker run -v /srv:/data,ro alpine\n";
        let uri: Uri = "file:///tmp/p/run.sh".parse().unwrap_or_else(|e| panic!("{e}"));
        let document = Document::new(uri.clone(), "shellscript".into(), 4, text.into());
        let linted = lint(Snapshot::of(&document), None, &EditorSettings::default());
        let checked = linted.checked.as_ref().unwrap_or_else(|| panic!("not linted"));
        assert_eq!(checked.diagnostics.len(), 1);
        let diagnostic = to_lsp(&checked.diagnostics[0], &uri, text, &document.lines);
        // `echo é😀; docker run -v /srv:` is 29 UTF-16 units (the emoji counts two).
        assert_eq!((diagnostic.range.start.line, diagnostic.range.start.character), (1, 29));
        assert_eq!((diagnostic.range.end.line, diagnostic.range.end.character), (1, 37));
        assert_eq!(diagnostic.code, Some(NumberOrString::String("DM006".into())));
        assert_eq!(
            diagnostic.message,
            "`/data,ro` is one container path: the mount is read-write at `/data,ro`, not read-only at `/data`"
        );
        assert_eq!(diagnostic.severity, Some(DiagnosticSeverity::ERROR));
    }

    #[test]
    fn documents_over_the_size_limit_are_not_linted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("dockmount.toml"), "max-file-size = 40\n").unwrap_or_else(|e| panic!("{e}"));
        let uri: Uri = format!("file://{}/run.sh", dir.path().display()).parse().unwrap_or_else(|e| panic!("{e}"));
        let small = Document::new(uri.clone(), "shellscript".into(), 1, "docker run -v /a:/b,ro x\n".into());
        let linted = lint(Snapshot::of(&small), None, &EditorSettings::default());
        assert_eq!(linted.checked.map(|c| c.diagnostics.len()), Some(1));
        let big = Document::new(uri, "shellscript".into(), 1, "docker run -v /a:/b,ro x\n# padding padding\n".into());
        assert!(lint(Snapshot::of(&big), None, &EditorSettings::default()).checked.is_none());
    }
}
