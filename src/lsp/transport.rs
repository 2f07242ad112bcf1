//! The protocol's framing over a byte stream: `Content-Length` headers, then a JSON body.
//!
//! Reading is done here rather than with `lsp-server`'s own stdio transport because that
//! one stops the server on the first malformed message. Here a bad message only costs
//! that message: a body that is not JSON gets a `ParseError` response, JSON that is not a
//! request, response or notification gets `InvalidRequest` (both with a `null` id, as
//! JSON-RPC asks when the id cannot be known), and broken headers are skipped up to the
//! next blank line. Writing goes through one thread so that messages never interleave.

use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

/// The largest body read into memory (64 MiB); larger ones are skipped and answered with
/// an error. A 10 MiB document (lint's own limit) in JSON fits well within it.
pub const MAX_BODY: usize = 64 << 20;

/// Header lines longer than this are not headers (a stray body without its header).
const MAX_HEADER_LINE: u64 = 8 << 10;

/// What the reader hands to the server.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A message that could not be read, and the error response it deserves (if any).
    Malformed {
        reply: Option<Value>,
        log: String,
    },
    /// The input ended.
    End,
}

/// Reads one frame's body: `Ok(None)` at the end of the input, `Err` text for a frame whose
/// headers are broken (already skipped).
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Result<Vec<u8>, String>>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut broken: Option<String> = None;
    let mut seen_any = false;
    loop {
        let mut line = Vec::new();
        let read = input.by_ref().take(MAX_HEADER_LINE).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !seen_any {
                // Blank lines between messages are tolerated.
                continue;
            }
            break;
        }
        seen_any = true;
        if !line.ends_with(b"\n") {
            broken.get_or_insert_with(|| "a header line is too long".to_string());
            continue;
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                length =
                    Some(value.trim().parse::<usize>().map_err(|_| format!("bad Content-Length `{}`", value.trim())));
            }
            Some(_) => {}
            None => {
                broken.get_or_insert_with(|| format!("malformed header `{}`", truncate(text, 80)));
            }
        }
    }
    if let Some(problem) = broken {
        return Ok(Some(Err(problem)));
    }
    let length = match length {
        None => return Ok(Some(Err("a message without Content-Length".to_string()))),
        Some(Err(problem)) => return Ok(Some(Err(problem))),
        Some(Ok(length)) => length,
    };
    if length > MAX_BODY {
        // Skip the body without holding it.
        let skipped = io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        if skipped < length as u64 {
            return Ok(None);
        }
        return Ok(Some(Err(format!("a message of {length} bytes is over the limit of {MAX_BODY} bytes"))));
    }
    let mut body = vec![0; length];
    match input.read_exact(&mut body) {
        Ok(()) => Ok(Some(Ok(body))),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// An error response whose id could not be read.
fn error_reply(code: ErrorCode, message: &str, id: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
}

/// Turns one frame's body into a message, or says what is wrong with it.
pub fn decode(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            let message = format!("Parse error: the message is not JSON ({e})");
            return Incoming::Malformed {
                reply: Some(error_reply(ErrorCode::ParseError, &message, Value::Null)),
                log: message,
            };
        }
    };
    // Keep the id when there is one, so that the client can match the error.
    let id = value.get("id").filter(|id| id.is_number() || id.is_string()).cloned();
    match serde_json::from_value::<Message>(value.clone()) {
        Ok(message) => Incoming::Message(message),
        Err(_) => {
            let message = if value.is_object() {
                "Invalid request: not a JSON-RPC request, response or notification".to_string()
            } else {
                "Invalid request: a message must be a JSON object".to_string()
            };
            // A broken response is not answered: only requests (and what cannot be told
            // apart from one) get an error back, as JSON-RPC's examples do.
            let reply = (!value.is_object() || value.get("method").is_some())
                .then(|| error_reply(ErrorCode::InvalidRequest, &message, id.unwrap_or(Value::Null)));
            Incoming::Malformed { reply, log: message }
        }
    }
}

/// Reads frames until the input ends, sending each to the server. Never stops on a bad
/// message; stops at the end of the input, on a read error, or when the server is gone.
pub fn spawn_reader(input: impl BufRead + Send + 'static, to_server: Sender<Incoming>) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("lsp-reader".into()).spawn(move || {
        let mut input = input;
        loop {
            let incoming = match read_frame(&mut input) {
                Ok(None) => break,
                Err(e) => {
                    let log = format!("reading the input failed: {e}");
                    let _ = to_server.send(Incoming::Malformed { reply: None, log });
                    break;
                }
                Ok(Some(Ok(body))) => decode(&body),
                Ok(Some(Err(problem))) => Incoming::Malformed {
                    reply: Some(error_reply(ErrorCode::ParseError, &format!("Parse error: {problem}"), Value::Null)),
                    log: problem,
                },
            };
            if to_server.send(incoming).is_err() {
                return;
            }
        }
        let _ = to_server.send(Incoming::End);
    })
}

/// Where the server's messages go: a handle to the writer thread (cheap to clone).
#[derive(Clone, Debug)]
pub struct Outbox {
    sender: Sender<Vec<u8>>,
}

impl Outbox {
    /// Sends a message (a write error means the client is gone: there is no one to tell).
    pub fn send(&self, message: Message) {
        let mut frame = Vec::new();
        if message.write(&mut frame).is_ok() {
            let _ = self.sender.send(frame);
        }
    }

    /// Sends a JSON value as it is (error responses with a `null` id).
    pub fn send_raw(&self, value: &Value) {
        let body = value.to_string();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body.as_bytes());
        let _ = self.sender.send(frame);
    }
}

/// Starts the writer thread; it ends when every [`Outbox`] is dropped, after writing
/// everything sent before.
pub fn spawn_writer(output: impl Write + Send + 'static) -> io::Result<(Outbox, JoinHandle<()>)> {
    let (sender, receiver): (Sender<Vec<u8>>, Receiver<Vec<u8>>) = mpsc::channel();
    let handle = std::thread::Builder::new().name("lsp-writer".into()).spawn(move || {
        let mut output = output;
        // After a failed write (the client closed its end) the rest is drained unwritten,
        // so that senders never block.
        let mut open = true;
        for frame in receiver {
            if open {
                open = output.write_all(&frame).and_then(|()| output.flush()).is_ok();
            }
        }
    })?;
    Ok((Outbox { sender }, handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<String> {
        let mut reader = io::BufReader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Ok(Some(frame)) = read_frame(&mut reader) {
            out.push(match frame {
                Ok(body) => String::from_utf8_lossy(&body).into_owned(),
                Err(problem) => format!("error: {problem}"),
            });
        }
        out
    }

    #[test]
    fn frames_are_read_and_broken_headers_skipped() {
        let input = "Content-Length: 2\r\n\r\n{}\r\nContent-Type: x\r\ncontent-length:3\r\n\r\n[1]\
                     garbage\r\n\r\nContent-Length: x\r\n\r\nContent-Length: 4\r\n\r\nnull";
        assert_eq!(
            frames(input),
            ["{}", "[1]", "error: malformed header `garbage`", "error: bad Content-Length `x`", "null"]
        );
    }

    #[test]
    fn a_body_cut_short_is_the_end_of_the_input() {
        assert_eq!(frames("Content-Length: 10\r\n\r\n{}"), Vec::<String>::new());
    }

    #[test]
    fn bad_messages_get_the_json_rpc_errors() {
        let reply = |body: &str| match decode(body.as_bytes()) {
            Incoming::Malformed { reply, .. } => reply.map(|r| (r["id"].clone(), r["error"]["code"].clone())),
            other => panic!("{other:?}"),
        };
        assert_eq!(reply("{\"id\": 1, \"method\""), Some((Value::Null, json!(-32700))));
        assert_eq!(reply("[1, 2]"), Some((Value::Null, json!(-32600))));
        assert_eq!(reply("{\"id\": 7, \"method\": 3}"), Some((json!(7), json!(-32600))));
        assert!(matches!(decode(b"{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}"), Incoming::Message(_)));
    }
}
