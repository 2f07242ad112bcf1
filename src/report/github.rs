//! `--format github`: GitHub Actions workflow commands, one per finding, which GitHub shows
//! as annotations on the lines of the pull request:
//! `::error file=run.sh,line=3,col=15,endLine=3,endColumn=23,title=DM006 comma-in-target::message`.

use super::range;
use crate::lint::lines::LineIndex;
use crate::lint::Checked;
use crate::rules::Severity;

/// One workflow command per finding.
pub fn render(files: &[Checked]) -> String {
    let mut out = String::new();
    for file in files {
        let index = LineIndex::new(&file.text);
        for diagnostic in &file.diagnostics {
            let (start, end) = range(&index, diagnostic.span);
            let level = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut message = diagnostic.message.to_string();
            if let Some(hint) = &diagnostic.hint {
                message.push_str(&format!("\nhint: {hint}"));
            }
            if let Some(fix) = &diagnostic.fix {
                message.push_str(&format!("\nhelp: {}", fix.message));
            }
            out.push_str(&format!(
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                property(&file.path),
                start.line,
                start.column,
                end.line,
                end.column,
                property(&format!("{} {}", diagnostic.code, diagnostic.name)),
                data(&message),
            ));
        }
    }
    out
}

/// A command's message: `%`, CR and LF are escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which separate properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_escaped() {
        assert_eq!(property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
        assert_eq!(data("a,b:c"), "a,b:c");
    }
}
