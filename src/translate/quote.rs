//! Quoting for the three places translated text goes: a POSIX shell word, one field of a
//! `--mount` value (Go's CSV reader), and a scalar of a compose file (YAML, after Compose's
//! own `$` interpolation).
//!
//! Each function quotes only where its reader needs it, always the same way for the same
//! text, so that output is readable, stable, and reads back to exactly what was meant.

use std::ops::Range;

/// Characters a POSIX shell (sh, bash, zsh) leaves alone in an unquoted word, anywhere in
/// it. `~` (tilde expansion, also after `=` in bash), globbing, `#`, `!`, braces and
/// every blank are not among them.
fn shell_safe(ch: char) -> bool {
    ch.is_ascii_alphanumeric()
        || matches!(ch, '_' | '.' | '/' | ':' | '=' | ',' | '@' | '%' | '+' | '-')
        || (!ch.is_ascii() && ch.is_alphanumeric())
}

/// One shell word: as is when nothing in it needs quoting, else in single quotes (a `'`
/// inside is written `'\''`); text with control characters (a newline, a tab) uses bash's
/// `$'…'`, so that the word stays on one line.
pub fn shell_word(text: &str) -> String {
    if !text.is_empty() && text.chars().all(shell_safe) {
        return text.to_string();
    }
    if text.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for ch in text.chars() {
            match ch {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                ch if ch.is_control() => out.push_str(&format!("\\u{:04x}", ch as u32)),
                ch => out.push(ch),
            }
        }
        out.push('\'');
        return out;
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// One shell word whose shell expansions (`$PWD`, `${HOME}`, `$(pwd)`: the byte ranges in
/// `expansions`) must stay live: in double quotes, with `"`, `\`, `$` and `` ` `` escaped
/// everywhere else. Without expansions this is [`shell_word`].
pub fn shell_word_with_expansions(text: &str, expansions: &[Range<usize>]) -> String {
    if expansions.is_empty() {
        return shell_word(text);
    }
    let outside_safe =
        text.char_indices().filter(|(at, _)| !expansions.iter().any(|r| r.contains(at))).all(|(_, ch)| shell_safe(ch));
    if outside_safe && !text.is_empty() {
        // `$PWD/data` unquoted would be split at the blanks of its value: quote anyway.
        return format!("\"{text}\"");
    }
    let mut out = String::from("\"");
    for (at, ch) in text.char_indices() {
        let live = expansions.iter().any(|r| r.contains(&at));
        if !live && matches!(ch, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// One field of a `--mount` value for Go's CSV reader: in double quotes (a `"` inside
/// doubled) when it holds a `,`, a `"` or a line break, or starts or ends with white
/// space (the CLI trims the whole value before reading it: quotes keep a path's trailing
/// blanks); otherwise as is.
pub fn csv_field(field: &str) -> String {
    let blank_edge = field.starts_with(char::is_whitespace) || field.ends_with(char::is_whitespace);
    if blank_edge || field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// A literal text for a compose file value: Compose interpolates `$`, so each literal `$`
/// is written `$$`.
pub fn compose_literal(text: &str) -> String {
    text.replace('$', "$$")
}

/// Whether a plain YAML scalar would be read as something other than this string (a
/// number, a boolean, null) by YAML 1.1 or 1.2 readers.
fn yaml_special(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | "-.inf" | "+.inf" | ".nan"
    ) {
        return true;
    }
    // Anything starting like a number (`8080:80` was sexagesimal in YAML 1.1).
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('+' | '-' | '.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// A YAML scalar (block context): plain when it is safe to read back as the same string,
/// else single-quoted, or double-quoted with escapes when it holds control characters.
pub fn yaml_scalar(text: &str) -> String {
    let plain_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '=' | ',' | '@' | '+' | '-' | '$');
    let first_ok = text.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '$'));
    if first_ok && text.chars().all(plain_char) && !text.ends_with(':') && !yaml_special(text) {
        return text.to_string();
    }
    if !text.chars().any(char::is_control) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut out = String::from("\"");
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ch if ch.is_control() => out.push_str(&format!("\\u{:04x}", ch as u32)),
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("type=bind,source=/a,target=/b"), "type=bind,source=/a,target=/b");
        assert_eq!(shell_word("/a b:/c"), "'/a b:/c'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("~/x:/y"), "'~/x:/y'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a\nb"), "$'a\\nb'");
        assert_eq!(shell_word("/données:/d"), "/données:/d");
        assert_eq!(shell_word("\"dst=/a,b\""), "'\"dst=/a,b\"'");
    }

    #[test]
    fn live_expansions_stay_live() {
        let pwd = 0..4;
        assert_eq!(shell_word_with_expansions("$PWD/data:/data", std::slice::from_ref(&pwd)), "\"$PWD/data:/data\"");
        let home = 0..5;
        let quoted = shell_word_with_expansions("$HOME/a b \"q\"", std::slice::from_ref(&home));
        assert_eq!(quoted, "\"$HOME/a b \\\"q\\\"\"");
        assert_eq!(shell_word_with_expansions("$x", &[]), "'$x'");
    }

    #[test]
    fn csv_fields() {
        assert_eq!(csv_field("target=/a,b"), "\"target=/a,b\"");
        assert_eq!(csv_field("source=\"x\""), "\"source=\"\"x\"\"\"");
        assert_eq!(csv_field("source=/plain"), "source=/plain");
        assert_eq!(csv_field("target=/a\t "), "\"target=/a\t \"");
        assert_eq!(csv_field("target=/a b"), "target=/a b");
    }

    #[test]
    fn yaml_scalars() {
        assert_eq!(yaml_scalar("./data:/data:ro"), "./data:/data:ro");
        assert_eq!(yaml_scalar("8080:80"), "'8080:80'");
        assert_eq!(yaml_scalar("yes"), "'yes'");
        assert_eq!(yaml_scalar("a: b"), "'a: b'");
        assert_eq!(yaml_scalar("name:"), "'name:'");
        assert_eq!(yaml_scalar("-x"), "'-x'");
        assert_eq!(yaml_scalar("it's"), "'it''s'");
        assert_eq!(yaml_scalar("a\tb"), "\"a\\tb\"");
        assert_eq!(yaml_scalar(""), "''");
        assert_eq!(yaml_scalar("C:\\x"), "'C:\\x'");
    }
}
