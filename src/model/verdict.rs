//! Docker's answer: the mounts `docker inspect` would show, or the error Docker prints.

use serde::Serialize;
use std::collections::BTreeMap;

/// Who raised an error: the CLI before sending anything, the Engine, or the OCI runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Client,
    Daemon,
    Runtime,
}

/// When an error happens: `docker create` already, or only when the container starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum When {
    #[default]
    Create,
    Start,
}

/// An error exactly as Docker prints it, without the `docker: ` or
/// `Error response from daemon: ` prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DockerError {
    pub stage: Stage,
    pub message: String,
}

impl DockerError {
    pub fn client(message: impl Into<String>) -> DockerError {
        DockerError { stage: Stage::Client, message: message.into() }
    }

    /// An Engine error as the CLI prints it: Docker's API client trims the message.
    pub fn daemon(message: impl Into<String>) -> DockerError {
        DockerError { stage: Stage::Daemon, message: message.into().trim().to_string() }
    }

    pub fn runtime(message: impl Into<String>) -> DockerError {
        DockerError { stage: Stage::Runtime, message: message.into() }
    }

    /// The message in the `--mount` flag wrapper the CLI prints for a bad value.
    pub fn mount_flag(value: &str, message: &str) -> DockerError {
        DockerError::client(format!("invalid argument {} for \"--mount\" flag: {message}", go_quote(value)))
    }
}

/// One entry of `docker inspect`'s `.Mounts`, with Docker's field names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InspectMount {
    #[serde(rename = "Type")]
    pub kind: String,
    /// The volume name; `""` for binds, tmpfs and anonymous volumes (whose random name we
    /// cannot know).
    #[serde(rename = "Name")]
    pub name: String,
    /// The host path; for volumes `<root>/volumes/<name>/_data` (`""` for anonymous ones).
    #[serde(rename = "Source")]
    pub source: String,
    #[serde(rename = "Destination")]
    pub destination: String,
    #[serde(rename = "Driver", skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(rename = "Mode")]
    pub mode: String,
    #[serde(rename = "RW")]
    pub rw: bool,
    #[serde(rename = "Propagation")]
    pub propagation: String,
}

/// Docker's whole verdict on a set of storage flags.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `.Mounts`, sorted by destination (Docker's own order comes from a Go map).
    #[serde(rename = "Mounts")]
    pub mounts: Vec<InspectMount>,
    /// `.HostConfig.Tmpfs`.
    #[serde(rename = "Tmpfs")]
    pub tmpfs: BTreeMap<String, String>,
    /// The error `docker create` prints, if any (then `Mounts` and `Tmpfs` are empty).
    pub error: Option<DockerError>,
    /// The error the container would fail with when it starts, though `docker create`
    /// accepted it (a bad `--tmpfs` option, a refused SELinux relabel...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_error: Option<DockerError>,
    /// When several values are bad, Docker's choice among them follows Go map order:
    /// these are the other messages it may print instead of `error`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub error_alternatives: Vec<String>,
    /// Warnings Docker prints though it goes on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Verdict {
    /// The verdict with its mount points and tmpfs mounts left out: what a linter keeps
    /// (the errors and warnings), small even for a command of 100,000 mounts.
    pub fn without_mount_points(mut self) -> Verdict {
        self.mounts = Vec::new();
        self.tmpfs = BTreeMap::new();
        self
    }
}

/// Go's `%q` quoting of a string (as `strconv.Quote`), used in several Docker messages.
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            ch if (ch as u32) < 0x20 || ch as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", ch as u32));
            }
            ch if !is_go_printable(ch) => {
                if (ch as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", ch as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", ch as u32));
                }
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`, close enough for the characters people type: control
/// characters, spaces other than U+0020 and invisible format characters are not printable.
fn is_go_printable(ch: char) -> bool {
    let code = ch as u32;
    let format_character = matches!(code, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb);
    let private_or_surrogate = matches!(code, 0xe000..=0xf8ff | 0xf0000..=0x10ffff);
    !(ch.is_control() || (ch.is_whitespace() && ch != ' ') || format_character || private_or_surrogate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("\u{a0}x\u{200b}"), r#""\u00a0x\u200b""#);
        assert_eq!(go_quote(r"\\.\pipe\x"), r#""\\\\.\\pipe\\x""#);
        assert_eq!(go_quote("a\"b"), r#""a\"b""#);
        assert_eq!(go_quote("\u{1}"), r#""\x01""#);
    }
}
