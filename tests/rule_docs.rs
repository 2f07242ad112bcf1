//! The rule pages in `docs/rules/` are made from the rules' doc comments (the text
//! `dockmount rule NAME` prints). This test fails when a page is missing, stale or left
//! over from a removed rule; `UPDATE_RULE_DOCS=1 cargo test --test rule_docs` rewrites them.

use dockmount::lint::all_rules;
use dockmount::report::rule_docs::{file_name, index, page};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn rule_pages_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let rules = all_rules();
    let mut wanted: BTreeMap<String, String> = rules.iter().map(|r| (file_name(r), page(r))).collect();
    wanted.insert("README.md".to_string(), index(&rules));

    if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !wanted.contains_key(&name) {
                std::fs::remove_file(entry.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
        for (name, text) in &wanted {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        return;
    }

    let mut problems = Vec::new();
    for (name, text) in &wanted {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(found) if &found == text => {}
            Ok(_) => problems.push(format!("docs/rules/{name} is stale")),
            Err(_) => problems.push(format!("docs/rules/{name} is missing")),
        }
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !wanted.contains_key(&name) {
            problems.push(format!("docs/rules/{name} belongs to no rule"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nrun `UPDATE_RULE_DOCS=1 cargo test --test rule_docs` to regenerate docs/rules/",
        problems.join("\n")
    );
}
