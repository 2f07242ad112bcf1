//! The server's main loop: the protocol's lifecycle (initialize, shutdown, exit), the
//! documents kept in step with the editor, and each request answered.
//!
//! Lifecycle, as the protocol says: before `initialize`, requests get
//! `ServerNotInitialized` and notifications are dropped (`exit` still exits); after
//! `shutdown`, requests get `InvalidRequest`; `exit` ends the process with 0 after
//! `shutdown` and 1 without (so does the end of the input). Unknown requests get
//! `MethodNotFound`, requests whose parameters cannot be read get `InvalidParams`, and
//! unknown notifications are ignored.
//!
//! Nothing a client sends can stop the server: every handler runs under `catch_unwind`,
//! and a handler that fails answers `InternalError` and the loop goes on.

use super::actions::{self, fix_all_edit, FIX_ALL, FIX_ALL_TITLE};
use super::diagnostics::{lint, Linted, Snapshot, Work, Worker, DEBOUNCE};
use super::documents::{Document, Documents};
use super::hover::explain_at;
use super::settings::EditorSettings;
use super::transport::{Incoming, Outbox};
use crate::span::Span;
use ls_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    Hover, HoverContents, HoverParams, HoverProviderCapability, InitializeResult, MarkupContent, MarkupKind,
    MessageType, PositionEncodingKind, SaveOptions, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Duration;

/// Where the lifecycle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Uninitialized,
    Running,
    ShutDown,
}

/// What the client said it can do, as far as this server cares.
#[derive(Clone, Debug, Default)]
struct ClientAbilities {
    markdown_hover: bool,
    document_changes: bool,
    resolve_edits: bool,
}

/// The server.
pub struct Server {
    outbox: Outbox,
    state: State,
    documents: Documents,
    worker: Option<Worker>,
    editor: EditorSettings,
    root: Option<PathBuf>,
    client: ClientAbilities,
}

/// Shows a message to the user (`window/showMessage`).
pub fn show_message(outbox: &Outbox, kind: MessageType, message: &str) {
    let params = ShowMessageParams { typ: kind, message: message.to_string() };
    outbox.send(Notification::new("window/showMessage".to_string(), params).into());
}

/// A failure to answer with.
struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure { code, message: message.into() }
    }
}

fn params<P: DeserializeOwned>(request: &Request) -> Result<P, Failure> {
    serde_json::from_value(request.params.clone())
        .map_err(|e| Failure::new(ErrorCode::InvalidParams, format!("invalid params for {}: {e}", request.method)))
}

/// The value at a JSON pointer, when it is `true`.
fn flag(value: &Value, pointer: &str) -> bool {
    value.pointer(pointer).and_then(Value::as_bool).unwrap_or(false)
}

impl Server {
    pub fn new(outbox: Outbox) -> Server {
        Server {
            outbox,
            state: State::Uninitialized,
            documents: Documents::default(),
            worker: None,
            editor: EditorSettings::default(),
            root: None,
            client: ClientAbilities::default(),
        }
    }

    /// Runs until `exit` or the end of the input; returns the process's exit code.
    pub fn run(mut self, incoming: Receiver<Incoming>) -> i32 {
        let code = loop {
            let message = match incoming.recv() {
                Ok(Incoming::Message(message)) => message,
                Ok(Incoming::Malformed { reply, log }) => {
                    eprintln!("dockmount lsp: {log}");
                    if let Some(reply) = reply {
                        self.outbox.send_raw(&reply);
                    }
                    continue;
                }
                // The client went away without `exit`.
                Ok(Incoming::End) | Err(_) => break if self.state == State::ShutDown { 0 } else { 1 },
            };
            match message {
                Message::Request(request) => self.on_request(request),
                Message::Notification(notification) if notification.method == "exit" => {
                    break if self.state == State::ShutDown { 0 } else { 1 };
                }
                Message::Notification(notification) => self.on_notification(notification),
                // This server sends no requests, so it expects no responses.
                Message::Response(_) => {}
            }
        };
        if let Some(worker) = self.worker.take() {
            worker.stop();
        }
        code
    }

    fn reply(&self, id: RequestId, result: Result<Value, Failure>) {
        let response = match result {
            Ok(value) => Response { id, response_result: Ok(value) },
            Err(failure) => Response::new_err(id, failure.code as i32, failure.message),
        };
        self.outbox.send(response.into());
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        match (self.state, request.method.as_str()) {
            (State::Uninitialized, "initialize") => {
                let result = self.initialize(&request);
                self.reply(id, result);
            }
            (State::Uninitialized, _) => {
                self.reply(id, Err(Failure::new(ErrorCode::ServerNotInitialized, "the server is not initialized yet")))
            }
            (State::ShutDown, _) => {
                self.reply(id, Err(Failure::new(ErrorCode::InvalidRequest, "the server is shutting down")))
            }
            (State::Running, "initialize") => {
                self.reply(id, Err(Failure::new(ErrorCode::InvalidRequest, "the server is already initialized")))
            }
            (State::Running, "shutdown") => {
                self.state = State::ShutDown;
                self.reply(id, Ok(Value::Null));
            }
            (State::Running, _) => {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(&request)));
                let result = outcome.unwrap_or_else(|_| {
                    eprintln!("dockmount lsp: {} failed; the server goes on", request.method);
                    Err(Failure::new(ErrorCode::InternalError, format!("{} failed inside the server", request.method)))
                });
                self.reply(id, result);
            }
        }
    }

    fn handle(&mut self, request: &Request) -> Result<Value, Failure> {
        fn to_value<T: serde::Serialize>(result: Result<T, Failure>) -> Result<Value, Failure> {
            result.map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
        }
        match request.method.as_str() {
            "textDocument/hover" => to_value(self.hover(params(request)?)),
            "textDocument/codeAction" => to_value(self.code_action(params(request)?)),
            "codeAction/resolve" => to_value(self.resolve_code_action(params(request)?)),
            method => Err(Failure::new(ErrorCode::MethodNotFound, format!("unknown method {method}"))),
        }
    }

    fn initialize(&mut self, request: &Request) -> Result<Value, Failure> {
        let params = &request.params;
        if !params.is_object() {
            return Err(Failure::new(ErrorCode::InvalidParams, "initialize: params must be an object"));
        }
        // Read by hand, leniently: a client's odd capability must not fail the handshake.
        let capabilities = params.get("capabilities").cloned().unwrap_or(Value::Null);
        let formats = capabilities.pointer("/textDocument/hover/contentFormat").and_then(Value::as_array);
        self.client = ClientAbilities {
            markdown_hover: formats.is_some_and(|f| f.iter().any(|k| k == "markdown")),
            document_changes: flag(&capabilities, "/workspace/workspaceEdit/documentChanges"),
            resolve_edits: capabilities
                .pointer("/textDocument/codeAction/resolveSupport/properties")
                .and_then(Value::as_array)
                .is_some_and(|p| p.iter().any(|p| p == "edit")),
        };
        let root_uri = params
            .pointer("/workspaceFolders/0/uri")
            .or_else(|| params.get("rootUri"))
            .and_then(Value::as_str)
            .and_then(|u| u.parse::<Uri>().ok());
        self.root = root_uri
            .as_ref()
            .and_then(super::documents::file_path)
            .or_else(|| params.get("rootPath").and_then(Value::as_str).map(PathBuf::from).filter(|p| p.is_absolute()));
        let (editor, problems) = EditorSettings::from_json(params.get("initializationOptions"));
        for problem in &problems {
            show_message(&self.outbox, MessageType::WARNING, problem);
        }
        self.editor = editor;
        self.worker = Some(Worker::spawn(self.outbox.clone(), self.editor.clone(), self.root.clone()));
        self.state = State::Running;

        let capabilities = ServerCapabilities {
            position_encoding: Some(PositionEncodingKind::UTF16),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
                ..TextDocumentSyncOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::REFACTOR_REWRITE,
                    CodeActionKind::from(FIX_ALL),
                ]),
                resolve_provider: Some(true),
                ..CodeActionOptions::default()
            })),
            ..ServerCapabilities::default()
        };
        let result = InitializeResult {
            capabilities,
            server_info: Some(ServerInfo {
                name: "dockmount".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        };
        Ok(serde_json::to_value(result).unwrap_or(Value::Null))
    }

    fn on_notification(&mut self, notification: Notification) {
        if self.state != State::Running {
            return;
        }
        let method = notification.method.clone();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.notify(notification)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => eprintln!("dockmount lsp: {method}: {problem}"),
            Err(_) => eprintln!("dockmount lsp: {method} failed; the server goes on"),
        }
    }

    fn notify(&mut self, notification: Notification) -> Result<(), String> {
        fn read<P: DeserializeOwned>(notification: &Notification) -> Result<P, String> {
            serde_json::from_value(notification.params.clone()).map_err(|e| format!("invalid params: {e}"))
        }
        match notification.method.as_str() {
            "textDocument/didOpen" => {
                let params: DidOpenTextDocumentParams = read(&notification)?;
                let item = params.text_document;
                let document = Document::new(item.uri, item.language_id, item.version, item.text);
                self.lint_later(&document, Duration::ZERO);
                self.documents.open(document);
            }
            "textDocument/didChange" => {
                let params: DidChangeTextDocumentParams = read(&notification)?;
                let uri = params.text_document.uri;
                let Some(document) = self.documents.get_mut(&uri) else {
                    return Err(format!("change to a document that is not open: {}", uri.as_str()));
                };
                document.apply_changes(params.text_document.version, params.content_changes);
                let document = document.clone();
                self.lint_later(&document, DEBOUNCE);
            }
            "textDocument/didSave" => {
                let params: DidSaveTextDocumentParams = read(&notification)?;
                let name = params.text_document.uri.path().as_str().rsplit('/').next().unwrap_or("").to_string();
                if crate::lint::config::CONFIG_NAMES.contains(&name.as_str()) {
                    // A config file changed: every open document may lint differently now.
                    self.lint_all();
                } else if let Some(document) = self.documents.get(&params.text_document.uri).cloned() {
                    self.lint_later(&document, Duration::ZERO);
                }
            }
            "textDocument/didClose" => {
                let params: DidCloseTextDocumentParams = read(&notification)?;
                self.documents.close(&params.text_document.uri);
                if let Some(worker) = &self.worker {
                    worker.send(Work::Close(params.text_document.uri));
                }
            }
            "workspace/didChangeConfiguration" => {
                let settings = notification.params.get("settings");
                // Some clients send `null` and expect the server to pull; keep what we have then.
                if settings.is_some_and(|s| !s.is_null()) {
                    let (editor, problems) = EditorSettings::from_json(settings);
                    for problem in &problems {
                        show_message(&self.outbox, MessageType::WARNING, problem);
                    }
                    self.editor = editor;
                    self.lint_all();
                }
            }
            "workspace/didChangeWatchedFiles" => self.lint_all(),
            // `initialized`, `$/cancelRequest` (every request is answered at once),
            // `$/setTrace` and anything unknown: nothing to do.
            _ => {}
        }
        Ok(())
    }

    fn lint_later(&mut self, document: &Document, delay: Duration) {
        if let Some(worker) = &self.worker {
            worker.send(Work::Lint { snapshot: Snapshot::of(document), delay });
        }
    }

    /// Lints every open document again (settings or a config file changed).
    fn lint_all(&mut self) {
        if let Some(worker) = &self.worker {
            worker.send(Work::Settings { editor: self.editor.clone(), root: self.root.clone() });
            for document in self.documents.all() {
                worker.send(Work::Lint { snapshot: Snapshot::of(document), delay: Duration::ZERO });
            }
        }
    }

    fn document(&self, uri: &Uri) -> Result<&Document, Failure> {
        self.documents.get(uri).ok_or_else(|| {
            Failure::new(ErrorCode::InvalidParams, format!("the document is not open: {}", uri.as_str()))
        })
    }

    fn hover(&mut self, params: HoverParams) -> Result<Option<Hover>, Failure> {
        let position = params.text_document_position_params;
        let document = self.document(&position.text_document.uri)?.clone();
        let Some(kind) = document.kind() else {
            return Ok(None);
        };
        let resolved = super::settings::resolve(document.path.as_deref(), self.root.as_deref(), &self.editor);
        let offset = document.lines.offset(&document.text, position.position);
        let Some(item) = explain_at(&document.text, kind, &resolved.ctx, offset) else {
            return Ok(None);
        };
        let contents = if self.client.markdown_hover {
            MarkupContent { kind: MarkupKind::Markdown, value: item.contents.clone() }
        } else {
            MarkupContent { kind: MarkupKind::PlainText, value: item.contents.clone() }
        };
        Ok(Some(Hover {
            contents: HoverContents::Markup(contents),
            range: Some(document.lines.range(&document.text, item.span)),
        }))
    }

    fn code_action(&mut self, params: CodeActionParams) -> Result<Vec<ls_types::CodeActionOrCommand>, Failure> {
        let document = self.document(&params.text_document.uri)?;
        let linted = self.linted(document);
        let request = actions::Request {
            uri: &document.uri,
            version: document.version,
            range: document.lines.span(&document.text, params.range),
            only: params.context.only.as_deref(),
            document_changes: self.client.document_changes,
            resolve_edits: self.client.resolve_edits,
        };
        Ok(actions::code_actions(&request, &linted))
    }

    /// The linted current version of a document (the worker's result when it is current).
    fn linted(&self, document: &Document) -> Arc<Linted> {
        match self.worker.as_ref().and_then(|w| w.result(&document.uri, document.version)) {
            Some(linted) => linted,
            None => Arc::new(lint(Snapshot::of(document), self.root.as_deref(), &self.editor)),
        }
    }

    /// Computes the edit of an action sent without one ("fix all").
    fn resolve_code_action(&mut self, mut action: CodeAction) -> Result<CodeAction, Failure> {
        if action.edit.is_some() || action.title != FIX_ALL_TITLE {
            return Ok(action);
        }
        let uri = action
            .data
            .as_ref()
            .and_then(|d| d.get("uri"))
            .and_then(Value::as_str)
            .and_then(|u| u.parse::<Uri>().ok())
            .ok_or_else(|| Failure::new(ErrorCode::InvalidParams, "codeAction/resolve: no document in `data`"))?;
        let document = self.document(&uri)?;
        let linted = self.linted(document);
        let request = actions::Request {
            uri: &document.uri,
            version: document.version,
            range: Span::new(0, 0),
            only: None,
            document_changes: self.client.document_changes,
            resolve_edits: false,
        };
        // Nothing left to fix (it changed since): an empty edit.
        action.edit = Some(fix_all_edit(&request, &linted).unwrap_or_default());
        Ok(action)
    }
}
