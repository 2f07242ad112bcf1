//! `--format junit`: JUnit XML, for CI systems that show test reports. Each file is a test
//! suite; each finding a failed test case; a file without findings one passed test case.

use super::range;
use crate::lint::lines::LineIndex;
use crate::lint::Checked;

/// The JUnit XML report of a run.
pub fn render(files: &[Checked]) -> String {
    let total: usize = files.iter().map(|f| f.diagnostics.len().max(1)).sum();
    let failures: usize = files.iter().map(|f| f.diagnostics.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"dockmount\" tests=\"{total}\" failures=\"{failures}\">\n"));
    for file in files {
        let path = escape(&file.path);
        let count = file.diagnostics.len();
        out.push_str(&format!(
            "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{count}\" errors=\"0\">\n",
            count.max(1)
        ));
        if count == 0 {
            out.push_str(&format!("    <testcase name=\"no problems\" classname=\"{path}\"/>\n"));
        }
        let index = LineIndex::new(&file.text);
        for diagnostic in &file.diagnostics {
            let (start, _) = range(&index, diagnostic.span);
            let name = format!("{} {} at {}:{}", diagnostic.code, diagnostic.name, start.line, start.column);
            out.push_str(&format!("    <testcase name=\"{}\" classname=\"{path}\">\n", escape(&name)));
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\">{}:{}:{}: {}</failure>\n",
                escape(&diagnostic.message),
                diagnostic.code,
                path,
                start.line,
                start.column,
                escape(&diagnostic.message)
            ));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes text for XML attributes and content; characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'\u{1}\n"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#10;");
    }
}
