//! Docker's verdict on every `docker run`/`create` line of the shared corpus: how many
//! Docker would accept and how many it would reject, and why. Host paths are assumed to
//! exist (the lines come from other people's machines); the versions are the newest.

mod common;

use dockmount::explain::explain_run;
use dockmount::model::context::HostFs;
use dockmount::model::Context;
use dockmount::syntax::run_line::parse_command;
use std::collections::BTreeMap;

/// Groups a message by its shape, so that the table stays short.
fn category(message: &str) -> String {
    let message = message.split(" for \"--mount\" flag: ").nth(1).unwrap_or(message);
    let cut = message.find([':', '\'', '"']).unwrap_or(message.len());
    message[..cut].trim().to_string()
}

#[test]
fn corpus_lines_get_a_verdict_without_a_crash() {
    let Some(shared) = common::shared_dir("the run-line corpus") else {
        return;
    };
    let records = common::read_jsonl(&shared.join("corpus/run/commands.jsonl"));
    let ctx = Context { host: HostFs::AllExist, cwd: "/home/user/project".into(), ..Context::default() };
    let (mut accepted, mut rejected, mut unreadable, mut items, mut depends) = (0, 0, 0, 0, 0);
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for record in &records {
        let command = record["cmd"].as_str().unwrap_or("");
        let Ok(line) = parse_command(command) else {
            unreadable += 1;
            continue;
        };
        let explanation = explain_run(&line, &ctx);
        items += explanation.items.len();
        for item in &explanation.items {
            assert!(!item.explanation.is_empty(), "{command}");
        }
        if explanation.depends_on_expansions() && explanation.engine.error.is_some() {
            // Docker sees the shell's expansion, not `$(pwd)`: no verdict without its value.
            depends += 1;
            continue;
        }
        match &explanation.engine.error {
            None => accepted += 1,
            Some(error) => {
                rejected += 1;
                reasons.entry(category(&error.message)).or_default().push(format!("{}: {}", error.message, command));
            }
        }
    }
    println!(
        "{} lines: {accepted} accepted by Docker, {rejected} rejected, {depends} rejected only as written (they hold shell expansions whose values decide), {unreadable} unreadable; {items} storage items",
        records.len()
    );
    for (reason, examples) in &reasons {
        println!("  {:>4}  {reason}", examples.len());
        for example in examples.iter().take(3) {
            println!("          e.g. {example}");
        }
    }
    assert_eq!(accepted + rejected + depends + unreadable, records.len());
    assert!(accepted > records.len() / 2, "most real lines are accepted by Docker");
}
