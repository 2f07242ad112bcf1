//! The whole lint pipeline on one file of each kind (the first byte picks the kind):
//! reading, every rule, suppressions, fixing until stable, and every report format.
//! A fixed file must read without errors, and fixing must settle.
#![no_main]

use dockmount::lint::config::Selection;
use dockmount::lint::files::FileKind;
use dockmount::lint::fix::{apply_fixes, fix_until_stable};
use dockmount::lint::{check_text, lint_text, Checked};
use dockmount::model::Context;
use dockmount::report::{self, text::TextOptions};
use dockmount_fuzz::check_span;
use libfuzzer_sys::fuzz_target;

const KINDS: [FileKind; 5] =
    [FileKind::Shell, FileKind::Dockerfile, FileKind::Compose, FileKind::Markdown, FileKind::CiYaml];

fn check_diagnostics(checked: &Checked) {
    for diagnostic in &checked.diagnostics {
        check_span(&checked.text, diagnostic.span, diagnostic.code);
        for edit in diagnostic.fix.iter().flat_map(|fix| &fix.edits) {
            check_span(&checked.text, edit.span, "fix edit");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = KINDS[usize::from(*first) % KINDS.len()];
    let ctx = Context { cwd: "/project".to_string(), ..Context::default() };
    let selection = Selection::all();

    let report = lint_text("file", text, kind, &ctx);
    for finding in &report.findings {
        check_span(text, finding.span, finding.code);
    }
    for error in &report.errors {
        check_span(text, error.span, "read error");
    }

    let check = |text: &str| check_text("file", text, kind, &ctx, &selection);
    let checked = check(text);
    check_diagnostics(&checked);
    let fixes: Vec<_> = checked.diagnostics.iter().filter_map(|d| d.fix.as_deref()).collect();
    let _ = apply_fixes(text, &fixes);

    let files = [checked.clone()];
    let options = TextOptions { color: false, unsafe_fixes: true, fixed: 0 };
    let _ = report::text::render_full(&files, options);
    let _ = report::text::render_concise(&files, options);
    let _ = report::json::render(&files);
    let _ = report::sarif::render(&files, &[]);
    let _ = report::github::render(&files);
    let _ = report::junit::render(&files);
    let _ = report::gitlab::render(&files);

    let had_read_errors = checked.has_read_errors;
    let outcome = fix_until_stable(checked, true, check);
    check_diagnostics(&outcome.checked);
    if had_read_errors {
        assert_eq!(outcome.checked.text, text, "a file with read errors is never fixed");
    }
    assert!(!outcome.checked.has_read_errors || had_read_errors, "fixing made the file unreadable");
    assert!(outcome.converged, "fixes kept changing the file");
});
