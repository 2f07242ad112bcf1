//! `--format json`: a JSON array of findings. This is a contract; fields are only ever
//! added. Each finding has `code`, `name`, `severity` (`error`, `warning`, `info`),
//! `message`, `hint` (null or text), `file`, `start` and `end` (`{"line", "column"}`,
//! 1-based, columns in characters, `end` just past the span) and `fix` (null, or
//! `{"applicability": "safe"|"unsafe", "message", "edits": [{"start", "end", "content"}]}`).

use super::range;
use crate::lint::lines::LineIndex;
use crate::lint::Checked;
use serde_json::{json, Value};

/// The findings of every file, in file then text order.
pub fn render(files: &[Checked]) -> String {
    let mut all = Vec::new();
    for file in files {
        let index = LineIndex::new(&file.text);
        for diagnostic in &file.diagnostics {
            let (start, end) = range(&index, diagnostic.span);
            let fix = diagnostic.fix.as_ref().map(|fix| {
                let edits: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|edit| {
                        let (start, end) = range(&index, edit.span);
                        json!({"start": start, "end": end, "content": edit.replacement})
                    })
                    .collect();
                json!({"applicability": fix.applicability, "message": fix.message, "edits": edits})
            });
            all.push(json!({
                "code": diagnostic.code,
                "name": diagnostic.name,
                "severity": diagnostic.severity,
                "message": diagnostic.message,
                "hint": diagnostic.hint,
                "file": file.path,
                "start": start,
                "end": end,
                "fix": fix,
            }));
        }
    }
    let mut out = serde_json::to_string_pretty(&Value::Array(all)).unwrap_or_else(|_| "[]".to_string());
    out.push('\n');
    out
}
