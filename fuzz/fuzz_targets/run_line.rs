//! Whole command lines and any text holding them: `parse_command` on the text as one
//! line, `find_commands` over it as a script, and `explain` of every command found.
#![no_main]

use dockmount::explain::explain_run;
use dockmount::model::Context;
use dockmount::syntax::run_line::{find_commands, parse_command, RunLine};
use dockmount_fuzz::{check_mount, check_span};
use libfuzzer_sys::fuzz_target;

/// Every span of a command line read from `text` points into `text`.
fn check_line(text: &str, line: &RunLine) {
    assert_eq!(&*line.text, text, "a command line's text is the text it was read from");
    check_span(text, line.command_span, "command");
    for flag in &line.flags {
        check_span(text, flag.span, "flag");
        if let Some(value) = &flag.value {
            check_span(text, value.span, "flag value");
        }
    }
    let words = line.image.iter().chain(&line.args).chain(&line.unknown_flags).chain(&line.opaque);
    for word in words {
        check_span(text, word.span, "word");
    }
    for problem in &line.problems {
        check_span(text, problem.span, "problem");
    }
}

fn explain(text: &str, line: &RunLine, ctx: &Context) {
    let explanation = explain_run(line, ctx);
    for item in &explanation.items {
        check_span(text, item.span, "item");
        if let Some(mount) = &item.mount {
            check_mount(text, mount, "item mount");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = Context::default();
    match parse_command(text) {
        Ok(line) => {
            check_line(text, &line);
            explain(text, &line, &ctx);
        }
        Err(error) => check_span(text, error.span, "error"),
    }
    for found in find_commands(text) {
        match found {
            Ok(line) => {
                check_line(text, &line);
                explain(text, &line, &ctx);
            }
            Err(error) => check_span(text, error.span, "error"),
        }
    }
});
