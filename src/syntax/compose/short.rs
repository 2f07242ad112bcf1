//! The compose short volume syntax (`SOURCE:TARGET[:OPTIONS]`, or `TARGET` alone), split
//! into its fields exactly as Compose splits it (compose-go `format.ParseVolume`).
//!
//! Hand-written scanning, not nom: Compose's splitter is a small state machine whose
//! corner cases must be matched rune for rune: a `:` right after a single-letter field is a
//! Windows drive colon (in *every* field, options included), a `:` inside `${...}` does not
//! split, and a NUL character acts like the end of the text. Grammar: `grammar/compose.md`.

use crate::span::Span;

/// One field or option token, with its byte span inside the short-syntax string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub span: Span,
}

/// The fields of a short-syntax string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Short {
    pub source: Option<Piece>,
    pub target: Option<Piece>,
    /// The options fields (normally one; a NUL character in the text can make more).
    pub options: Vec<Piece>,
    /// Every option token, split at `,`, in order (empty tokens included).
    pub tokens: Vec<Piece>,
    /// A string of one or two bytes: taken whole as the target, nothing parsed.
    pub tiny: bool,
}

/// Why a short-syntax string cannot be split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortErrorKind {
    /// The string is empty: `invalid empty volume spec`.
    Empty,
    /// `::` or a leading/trailing `:`: `empty section between colons`.
    EmptySection,
    /// A fourth field: `too many colons`.
    TooManyColons,
}

impl ShortErrorKind {
    /// Compose's reason text.
    pub fn reason(self) -> &'static str {
        match self {
            ShortErrorKind::Empty => "invalid empty volume spec",
            ShortErrorKind::EmptySection => "empty section between colons",
            ShortErrorKind::TooManyColons => "too many colons",
        }
    }
}

/// A split failure: what and where, and the fields read before it (Compose still
/// classifies them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortError {
    pub kind: ShortErrorKind,
    pub span: Span,
    pub partial: Short,
}

impl ShortError {
    /// Compose's full message for the string `spec`.
    pub fn message(&self, spec: &str) -> String {
        match self.kind {
            ShortErrorKind::Empty => self.kind.reason().to_string(),
            kind => format!("invalid spec: {spec}: {}", kind.reason()),
        }
    }
}

/// What closed a field: a separating `:` or the end of the text (or a NUL).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Closer {
    Colon,
    End,
}

/// Split `spec` into its fields.
pub fn split(spec: &str) -> Result<Short, Box<ShortError>> {
    let mut short = Short::default();
    match spec.len() {
        0 => {
            return Err(Box::new(ShortError { kind: ShortErrorKind::Empty, span: Span::new(0, 0), partial: short }));
        }
        1 | 2 => {
            short.tiny = true;
            short.target = Some(Piece { text: spec.to_string(), span: Span::new(0, spec.len()) });
            return Ok(short);
        }
        _ => {}
    }
    let bytes = spec.as_bytes();
    let mut buffer = String::new();
    let mut buffer_runes = 0usize;
    let mut buffer_start = 0usize;
    let mut depth = 0usize;
    // The text's runes, then one end marker (None).
    let runes = spec.char_indices().map(Some).chain(std::iter::once(None));
    for item in runes {
        let (at, rune) = match item {
            Some((at, rune)) => (at, Some(rune)),
            None => (spec.len(), None),
        };
        // A NUL inside the text is indistinguishable from Compose's own end marker.
        let is_end = rune.is_none_or(|r| r == '\0');
        if buffer.is_empty() {
            buffer_start = at;
        }
        if rune == Some('$') && bytes.get(at + 1) == Some(&b'{') {
            depth += 1;
            push(&mut buffer, &mut buffer_runes, '$');
            continue;
        }
        if rune == Some('}') && depth > 0 {
            depth -= 1;
            push(&mut buffer, &mut buffer_runes, '}');
            continue;
        }
        let drive = rune == Some(':') && buffer_runes == 1 && buffer.chars().next().is_some_and(char::is_alphabetic);
        if drive {
            push(&mut buffer, &mut buffer_runes, ':');
            continue;
        }
        if (rune == Some(':') || is_end) && depth == 0 {
            let closer = if rune == Some(':') { Closer::Colon } else { Closer::End };
            let piece = Piece { text: std::mem::take(&mut buffer), span: Span::new(buffer_start, at) };
            buffer_runes = 0;
            if let Err(kind) = place(&mut short, piece, closer) {
                let span =
                    if kind == ShortErrorKind::EmptySection { Span::new(at, at) } else { Span::new(buffer_start, at) };
                return Err(Box::new(ShortError { kind, span, partial: short }));
            }
            continue;
        }
        match rune {
            Some(r) => push(&mut buffer, &mut buffer_runes, r),
            // An unterminated `${` swallows the end: the last field is never closed.
            None => push(&mut buffer, &mut buffer_runes, '\0'),
        }
    }
    Ok(short)
}

fn push(buffer: &mut String, runes: &mut usize, rune: char) {
    buffer.push(rune);
    *runes += 1;
}

/// Put a finished field where Compose puts it (`populateFieldFromBuffer`).
fn place(short: &mut Short, piece: Piece, closer: Closer) -> Result<(), ShortErrorKind> {
    let unset = |field: &Option<Piece>| field.as_ref().is_none_or(|p| p.text.is_empty());
    if piece.text.is_empty() {
        return Err(ShortErrorKind::EmptySection);
    }
    if unset(&short.source) && closer == Closer::End {
        short.target = Some(piece);
    } else if unset(&short.source) {
        short.source = Some(piece);
    } else if unset(&short.target) {
        short.target = Some(piece);
    } else if closer == Closer::Colon {
        return Err(ShortErrorKind::TooManyColons);
    } else {
        let mut offset = piece.span.start;
        for token in piece.text.split(',') {
            short.tokens.push(Piece { text: token.to_string(), span: Span::new(offset, offset + token.len()) });
            offset += token.len() + 1;
        }
        short.options.push(piece);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(piece: &Option<Piece>) -> Option<&str> {
        piece.as_ref().map(|p| p.text.as_str())
    }

    #[test]
    fn splits_like_compose() {
        let short = split("./a:/b:RO,z").unwrap();
        assert_eq!(text(&short.source), Some("./a"));
        assert_eq!(text(&short.target), Some("/b"));
        assert_eq!(short.tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["RO", "z"]);
        assert_eq!(short.tokens[0].span, Span::new(7, 9));
        let short = split("C:\\foo:d:").unwrap();
        assert_eq!((text(&short.source), text(&short.target)), (Some("C:\\foo"), Some("d:")));
        let short = split("/tmp:/tmp/${TIME:-12:30:45}/path").unwrap();
        assert_eq!(text(&short.target), Some("/tmp/${TIME:-12:30:45}/path"));
        let short = split("x:/data").unwrap();
        assert_eq!((text(&short.source), text(&short.target)), (None, Some("x:/data")));
        let short = split("/src:/dst:z:x").unwrap();
        assert_eq!(short.tokens[0].text, "z:x");
    }

    #[test]
    fn errors_carry_compose_reasons() {
        let error = split("/foo:/foo:ro:foo").unwrap_err();
        assert_eq!(error.message("/foo:/foo:ro:foo"), "invalid spec: /foo:/foo:ro:foo: too many colons");
        assert_eq!(split(":foo").unwrap_err().kind, ShortErrorKind::EmptySection);
        assert_eq!(split("").unwrap_err().message(""), "invalid empty volume spec");
    }

    #[test]
    fn unterminated_template_loses_the_last_field() {
        let short = split("/a:/b${X").unwrap();
        assert_eq!((text(&short.source), text(&short.target)), (Some("/a"), None));
        let short = split("${X:/a").unwrap();
        assert_eq!((text(&short.source), text(&short.target)), (None, None));
    }
}
