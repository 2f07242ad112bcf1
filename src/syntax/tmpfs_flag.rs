//! The `--tmpfs` value `PATH[:OPTIONS]`, split exactly as the docker CLI splits it.
//!
//! The CLI cuts the value at its **first** `:` (so the options may themselves contain
//! `:`), stores `HostConfig.Tmpfs[PATH] = OPTIONS`, and checks nothing. The Engine later
//! splits `OPTIONS` at every `,` when the container starts. This reader records both
//! splits with byte spans and never fails: every string is a `--tmpfs` value, whether
//! Docker accepts it is the model layer's business.
//!
//! The splitting is done with `split_once`/`split` rather than nom: the grammar is two
//! separators and nothing else, and the spans fall out of the byte positions directly.

use crate::span::Span;

/// One word of the options, as the Engine's option merger sees it (`size=64m`, `exec`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TmpfsOption {
    /// The whole word as written (may be empty: `rw,,size=1m`).
    pub text: String,
    pub span: Span,
    /// The part before the first `=`, or the whole word when there is none.
    pub key: String,
    /// The part after the first `=`; `None` when the word has no `=`.
    pub value: Option<String>,
    /// Where the value is (after the `=`), when there is one.
    pub value_span: Option<Span>,
}

/// A `--tmpfs` value read into its path and its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TmpfsFlag {
    /// The container path, verbatim (never cleaned: `/run` and `/run/` differ).
    pub path: String,
    pub path_span: Span,
    /// The options text after the first `:` (`None` when there is no `:`; `Some("")` for
    /// `/run:`).
    pub options_text: Option<String>,
    pub options_span: Option<Span>,
    /// The options split at `,`. Empty when the options text is absent or empty: the
    /// Engine only splits a non-empty string.
    pub options: Vec<TmpfsOption>,
    /// The whole value.
    pub span: Span,
}

/// Reads a `--tmpfs` value. Spans are relative to `value`.
pub fn parse(value: &str) -> TmpfsFlag {
    let span = Span::new(0, value.len());
    let Some(colon) = value.find(':') else {
        return TmpfsFlag {
            path: value.to_string(),
            path_span: span,
            options_text: None,
            options_span: None,
            options: Vec::new(),
            span,
        };
    };
    let path = &value[..colon];
    let options_start = colon + 1;
    let options_text = &value[options_start..];
    TmpfsFlag {
        path: path.to_string(),
        path_span: Span::new(0, colon),
        options_text: Some(options_text.to_string()),
        options_span: Some(Span::new(options_start, value.len())),
        options: split_options(options_text, options_start),
        span,
    }
}

/// Splits the options at every `,` (empty words included), as the Engine does.
fn split_options(text: &str, offset: usize) -> Vec<TmpfsOption> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut options = Vec::new();
    let mut start = offset;
    for word in text.split(',') {
        let span = Span::new(start, start + word.len());
        let (key, value, value_span) = match word.split_once('=') {
            Some((key, value)) => {
                let value_start = start + key.len() + 1;
                (key.to_string(), Some(value.to_string()), Some(Span::new(value_start, span.end)))
            }
            None => (word.to_string(), None, None),
        };
        options.push(TmpfsOption { text: word.to_string(), span, key, value, value_span });
        start = span.end + 1;
    }
    options
}

impl TmpfsFlag {
    /// The options as the Engine receives them (`HostConfig.Tmpfs[path]`): `""` when none.
    pub fn options_str(&self) -> &str {
        self.options_text.as_deref().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn path_only() {
        let flag = parse("/run");
        assert_eq!(flag.path, "/run");
        assert_eq!(flag.path_span, Span::new(0, 4));
        assert_eq!(flag.options_text, None);
        assert!(flag.options.is_empty());
        assert_eq!(flag.options_str(), "");
    }

    #[test]
    fn splits_at_the_first_colon_only() {
        let text = "/run:a:b,size=1m";
        let flag = parse(text);
        assert_eq!(flag.path, "/run");
        assert_eq!(flag.options_text.as_deref(), Some("a:b,size=1m"));
        assert_eq!(slice(text, flag.options_span.unwrap()), "a:b,size=1m");
        let words: Vec<&str> = flag.options.iter().map(|o| slice(text, o.span)).collect();
        assert_eq!(words, ["a:b", "size=1m"]);
        assert_eq!(flag.options[1].key, "size");
        assert_eq!(flag.options[1].value.as_deref(), Some("1m"));
        assert_eq!(slice(text, flag.options[1].value_span.unwrap()), "1m");
        assert_eq!(flag.options[0].value, None);
    }

    #[test]
    fn empty_options_and_empty_words() {
        let flag = parse("/run:");
        assert_eq!(flag.options_text.as_deref(), Some(""));
        assert!(flag.options.is_empty());

        let text = "/t:rw,,size=1m,";
        let flag = parse(text);
        let words: Vec<(&str, Span)> = flag.options.iter().map(|o| (o.text.as_str(), o.span)).collect();
        assert_eq!(
            words,
            [("rw", Span::new(3, 5)), ("", Span::new(6, 6)), ("size=1m", Span::new(7, 14)), ("", Span::new(15, 15))]
        );
    }

    #[test]
    fn windows_looking_and_odd_values() {
        let flag = parse("c:\\x");
        assert_eq!(flag.path, "c");
        assert_eq!(flag.options_text.as_deref(), Some("\\x"));
        let flag = parse("");
        assert_eq!(flag.path, "");
        assert_eq!(flag.span, Span::new(0, 0));
        let flag = parse(":x=é=ü");
        assert_eq!(flag.path, "");
        assert_eq!(flag.options[0].key, "x");
        assert_eq!(flag.options[0].value.as_deref(), Some("é=ü"));
    }
}
