//! `dockmount lsp`: a language server speaking the Language Server Protocol over standard
//! input and output, for Dockerfiles, compose files, shell scripts, Makefiles, CI YAML and
//! Markdown.
//!
//! It shows what `dockmount lint` finds (the same codes, messages and places, with the
//! same config files), what `dockmount explain` says about the storage item under the
//! cursor, and offers each fix and an inline suppression as code actions.
//!
//! - [`transport`]: framing, and surviving malformed messages;
//! - [`server`]: the lifecycle and the requests;
//! - [`documents`]: text sync and UTF-16 positions;
//! - [`diagnostics`]: linting on a worker thread, debounced;
//! - [`hover`], [`actions`]: what hovering and code actions show;
//! - [`settings`]: config files and the editor's settings.

pub mod actions;
pub mod diagnostics;
pub mod documents;
pub mod hover;
pub mod server;
pub mod settings;
pub mod transport;

use std::io::{BufRead, Write};
use std::sync::mpsc;

/// Serves one client over the given streams until it exits; returns the exit code (0 after
/// `shutdown` and `exit`, 1 when the client exits or leaves without `shutdown`).
pub fn serve(input: impl BufRead + Send + 'static, output: impl Write + Send + 'static) -> i32 {
    let (outbox, writer) = match transport::spawn_writer(output) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("dockmount lsp: cannot start: {e}");
            return 1;
        }
    };
    let (to_server, incoming) = mpsc::channel();
    // The reader is not joined: it may be blocked reading input nobody will send.
    if let Err(e) = transport::spawn_reader(input, to_server) {
        eprintln!("dockmount lsp: cannot start: {e}");
        return 1;
    }
    let code = server::Server::new(outbox).run(incoming);
    // Every outbox is gone once the server and its worker are: the writer then ends, after
    // writing everything sent.
    let _ = writer.join();
    code
}

/// Serves the client on standard input and output.
pub fn serve_stdio() -> i32 {
    serve(std::io::BufReader::new(std::io::stdin()), std::io::stdout())
}
