//! The `-v` / `--volume` value split exactly as the docker CLI splits it.
//!
//! The CLI reads a `-v` value character by character: every `:` ends a field, except a `:`
//! that directly follows a field that so far is exactly one letter (a Windows drive such as
//! `C:`), which stays in the field. There is no escaping. The third field is a `,`-separated
//! option list. This module only says where the fields and option tokens are; whether Docker
//! accepts them (empty sections, too many colons, unknown modes) is the model's business.
//!
//! The reader is hand-written rather than built with nom because the drive-letter rule looks
//! back at the field read so far, counted in characters (Go runes), and because Go's reader
//! treats a NUL character exactly like the end of the value: both are easiest to mirror with
//! a plain loop over the characters.

use crate::span::Span;

/// What closed a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminator {
    /// A separating `:` (not part of the field).
    Colon,
    /// A NUL character: the CLI's parser uses NUL as its end marker, so a NUL inside the
    /// value closes a field the way the end of the value does (and reading goes on).
    Nul,
    /// The end of the value.
    End,
}

/// One `:`-separated field of a `-v` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeField {
    /// The field's text (may be empty: `/a::ro` has an empty second field).
    pub text: String,
    /// The field in the value, without its terminator.
    pub span: Span,
    /// What closed it.
    pub terminator: Terminator,
    /// The field starts with a drive letter whose `:` was kept in the field (`C:\x`).
    pub has_drive_letter: bool,
}

/// One `,`-separated token of the third field (the mode / option list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionToken {
    pub text: String,
    pub span: Span,
}

/// A `-v` value read into fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeFlagAst {
    /// Every field, in order. A value of `n` separators has `n + 1` fields; the empty
    /// value has one empty field.
    pub fields: Vec<VolumeField>,
    /// The tokens of the third field, when there is one (`ro,Z` → `ro`, `Z`).
    pub options: Vec<OptionToken>,
    /// The whole value.
    pub span: Span,
}

impl VolumeFlagAst {
    /// The field at `index`, if the value has that many.
    pub fn field(&self, index: usize) -> Option<&VolumeField> {
        self.fields.get(index)
    }

    /// The third field, read as the option list.
    pub fn mode_field(&self) -> Option<&VolumeField> {
        self.fields.get(2)
    }
}

/// Go's `unicode.IsLetter` (Unicode categories L*).
///
/// Rust's `is_alphabetic` is the wider Alphabetic property; dropping numeric characters and
/// the circled letters removes most of the difference. Combining vowel signs that are
/// Alphabetic but not letters still count here; as the first character of a `-v` value
/// followed by `:` they do not occur in practice.
pub fn is_go_letter(ch: char) -> bool {
    ch.is_alphabetic() && !ch.is_numeric() && !('\u{24B6}'..='\u{24E9}').contains(&ch)
}

/// Splits a `-v` value the way the docker CLI does. Never fails.
pub fn parse(value: &str) -> VolumeFlagAst {
    let mut fields = Vec::new();
    let mut start = 0usize;
    // Characters in the current field so far, and its first one (for the drive rule).
    let mut count = 0usize;
    let mut first: Option<char> = None;
    let mut has_drive_letter = false;
    let close = |fields: &mut Vec<VolumeField>, start: usize, end: usize, terminator, drive: bool| {
        fields.push(VolumeField {
            text: value.get(start..end).unwrap_or_default().to_string(),
            span: Span::new(start, end),
            terminator,
            has_drive_letter: drive,
        });
    };
    for (at, ch) in value.char_indices() {
        let after = at + ch.len_utf8();
        if ch == ':' && count == 1 && first.is_some_and(is_go_letter) {
            // Drive letter: the `:` stays in the field.
            count += 1;
            has_drive_letter = true;
            continue;
        }
        if ch == ':' || ch == '\0' {
            let terminator = if ch == ':' { Terminator::Colon } else { Terminator::Nul };
            close(&mut fields, start, at, terminator, has_drive_letter);
            start = after;
            count = 0;
            first = None;
            has_drive_letter = false;
            continue;
        }
        if count == 0 {
            first = Some(ch);
        }
        count += 1;
    }
    close(&mut fields, start, value.len(), Terminator::End, has_drive_letter);

    let options = fields.get(2).map(split_options).unwrap_or_default();
    VolumeFlagAst { fields, options, span: Span::new(0, value.len()) }
}

/// Splits a field at `,` into tokens with spans (empty tokens included, as Go's
/// `strings.Split` keeps them).
fn split_options(field: &VolumeField) -> Vec<OptionToken> {
    let mut tokens = Vec::new();
    let mut offset = field.span.start;
    for piece in field.text.split(',') {
        tokens.push(OptionToken { text: piece.to_string(), span: Span::new(offset, offset + piece.len()) });
        offset += piece.len() + 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(ast: &VolumeFlagAst) -> Vec<&str> {
        ast.fields.iter().map(|f| f.text.as_str()).collect()
    }

    #[test]
    fn splits_source_target_and_options_with_spans() {
        let ast = parse("/srv/app:/data:ro,Z");
        assert_eq!(texts(&ast), ["/srv/app", "/data", "ro,Z"]);
        assert_eq!(ast.fields[0].span, Span::new(0, 8));
        assert_eq!(ast.fields[1].span, Span::new(9, 14));
        assert_eq!(ast.fields[2].span, Span::new(15, 19));
        assert_eq!(ast.fields[2].terminator, Terminator::End);
        assert_eq!(ast.fields[0].terminator, Terminator::Colon);
        let tokens: Vec<(&str, Span)> = ast.options.iter().map(|t| (t.text.as_str(), t.span)).collect();
        assert_eq!(tokens, [("ro", Span::new(15, 17)), ("Z", Span::new(18, 19))]);
        assert_eq!(ast.span, Span::new(0, 19));
    }

    #[test]
    fn keeps_a_drive_letter_colon_in_its_field() {
        let ast = parse(r"C:\foo:C:\bar:ro");
        assert_eq!(texts(&ast), [r"C:\foo", r"C:\bar", "ro"]);
        assert!(ast.fields[0].has_drive_letter && ast.fields[1].has_drive_letter);
        assert!(!ast.fields[2].has_drive_letter);
        // A one-letter volume name is read as a drive: one field.
        assert_eq!(texts(&parse("a:/data")), ["a:/data"]);
        assert_eq!(texts(&parse("x:/d")), ["x:/d"]);
        // Only right after exactly one letter.
        assert_eq!(texts(&parse("ab:/d")), ["ab", "/d"]);
        assert_eq!(texts(&parse("1:/d")), ["1", "/d"]);
        assert_eq!(texts(&parse("/:/d")), ["/", "/d"]);
        // The drive rule applies at the start of every field.
        assert_eq!(texts(&parse("name:d::rw")), ["name", "d:", "rw"]);
        // A second colon after the drive closes the field.
        assert_eq!(texts(&parse("c::x")), ["c:", "x"]);
    }

    #[test]
    fn odd_inputs() {
        let empty = parse("");
        assert_eq!(texts(&empty), [""]);
        assert_eq!(empty.fields[0].span, Span::new(0, 0));
        assert!(empty.options.is_empty());

        let colons = parse(":::");
        assert_eq!(texts(&colons), ["", "", "", ""]);
        let spans: Vec<Span> = colons.fields.iter().map(|f| f.span).collect();
        assert_eq!(spans, [Span::new(0, 0), Span::new(1, 1), Span::new(2, 2), Span::new(3, 3)]);
        assert_eq!(colons.options.len(), 1);
        assert_eq!(colons.options[0].span, Span::new(2, 2));

        let ast = parse("/a:/b:ro,,z,");
        let tokens: Vec<&str> = ast.options.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(tokens, ["ro", "", "z", ""]);
        assert_eq!(ast.options[3].span, Span::new(12, 12));
    }

    #[test]
    fn non_ascii_is_split_on_character_boundaries() {
        // 'é' is one letter (two bytes): the drive rule counts characters.
        let ast = parse("é:/d");
        assert_eq!(texts(&ast), ["é:/d"]);
        let ast = parse("/données:/ü:ro");
        assert_eq!(texts(&ast), ["/données", "/ü", "ro"]);
        assert_eq!(ast.fields[1].span, Span::new(10, 13));
        assert_eq!(&"/données:/ü:ro"[10..13], "/ü");
        // Digits of other scripts are not letters.
        assert_eq!(texts(&parse("٣:/d")), ["٣", "/d"]);
        assert_eq!(texts(&parse("Ⅻ:/d")), ["Ⅻ", "/d"]);
    }

    #[test]
    fn nul_closes_a_field_like_the_end() {
        let ast = parse("/a\0/b:/c");
        assert_eq!(texts(&ast), ["/a", "/b", "/c"]);
        assert_eq!(ast.fields[0].terminator, Terminator::Nul);
        assert_eq!(ast.fields[1].terminator, Terminator::Colon);
        assert_eq!(ast.fields[2].terminator, Terminator::End);
    }

    #[test]
    fn invalid_characters_are_kept_verbatim() {
        let value = "na*me?:/d<\u{7}>|\"";
        let ast = parse(value);
        assert_eq!(texts(&ast), ["na*me?", "/d<\u{7}>|\""]);
    }

    proptest! {
        #[test]
        fn any_string_splits_without_panicking(value in any::<String>()) {
            let ast = parse(&value);
            prop_assert!(!ast.fields.is_empty());
            for field in &ast.fields {
                prop_assert_eq!(value.get(field.span.start..field.span.end), Some(field.text.as_str()));
            }
            for token in &ast.options {
                prop_assert_eq!(value.get(token.span.start..token.span.end), Some(token.text.as_str()));
            }
        }

        #[test]
        fn colon_heavy_strings_split_without_panicking(value in "[a-zA-Z:\\\\/.,é\u{0}]{0,24}") {
            let ast = parse(&value);
            let rebuilt: usize = ast.fields.iter().map(|f| f.text.len()).sum::<usize>() + ast.fields.len() - 1;
            prop_assert_eq!(rebuilt, value.len());
        }
    }
}
