//! `--format gitlab`: GitLab's code quality report (a JSON array of issues with a
//! `fingerprint`, `check_name`, `severity` and `location`), shown in merge requests.

use super::range;
use crate::lint::lines::LineIndex;
use crate::lint::Checked;
use crate::rules::Severity;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The code quality report of a run.
pub fn render(files: &[Checked]) -> String {
    let mut issues = Vec::new();
    for file in files {
        let index = LineIndex::new(&file.text);
        // The fingerprint must stay the same when lines move: it is made of the file, the
        // rule, the message and how many identical findings came before in the file.
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        for diagnostic in &file.diagnostics {
            let (start, end) = range(&index, diagnostic.span);
            let nth = seen.entry((diagnostic.code, diagnostic.message.as_ref())).or_default();
            let fingerprint = fnv1a(&format!("{}\0{}\0{}\0{nth}", file.path, diagnostic.code, diagnostic.message));
            *nth += 1;
            issues.push(json!({
                "description": format!("{} {}: {}", diagnostic.code, diagnostic.name, diagnostic.message),
                "check_name": diagnostic.code,
                "fingerprint": format!("{fingerprint:016x}"),
                "severity": match diagnostic.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "location": {
                    "path": file.path,
                    "positions": {"begin": start, "end": end},
                },
            }));
        }
    }
    let mut out = serde_json::to_string_pretty(&Value::Array(issues)).unwrap_or_else(|_| "[]".to_string());
    out.push('\n');
    out
}

/// FNV-1a, 64 bits: a small hash that is the same on every machine and release.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
