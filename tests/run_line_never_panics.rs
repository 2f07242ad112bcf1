//! Property tests: no text makes the shell reader or the run-line reader panic, and
//! every span they return lies inside the text on character boundaries.

use dockmount::span::Span;
use dockmount::syntax::run_line::{parse_args, parse_command, RunLine, Word};
use proptest::prelude::*;

fn check_span(text: &str, span: Span) {
    assert!(span.start <= span.end && span.end <= text.len(), "span {span:?} outside {text:?}");
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "span {span:?} splits a character");
}

fn check_word(text: &str, word: &Word) {
    check_span(text, word.span);
    assert_eq!(word.offsets.len(), word.value.len() + 1);
    assert!(word.offsets.iter().all(|at| at <= text.len()));
    for var in &word.variables {
        check_span(text, var.span);
    }
}

fn check_line(line: &RunLine) {
    let text: &str = &line.text;
    check_span(text, line.command_span);
    for flag in &line.flags {
        check_span(text, flag.span);
        if let Some(value) = &flag.value {
            check_word(text, value);
        }
    }
    for word in line.image.iter().chain(&line.args).chain(&line.unknown_flags).chain(&line.opaque) {
        check_word(text, word);
    }
    for problem in &line.problems {
        check_span(text, problem.span);
    }
}

/// Text made mostly of the characters that matter to the readers.
fn shellish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "docker",
        " run",
        " create",
        " container",
        "sudo ",
        "-v",
        "-it",
        "-itv",
        "--mount",
        "--tmpfs",
        "=",
        ":",
        "/",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\\",
        "\\\n",
        "'",
        "\"",
        "$",
        "${",
        "}",
        "$(",
        "$$(",
        ")",
        "(",
        "`",
        "${{",
        "}}",
        "#",
        ";",
        "&",
        "&&",
        "|",
        "||",
        ">",
        "<",
        "2>&1",
        "<x y>",
        "img",
        "é",
        "ü",
        "--",
        "-",
        "x",
        "FOO=1 ",
        "...",
        "[",
        "]",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_command_never_panics_on_shellish_text(text in shellish()) {
        match parse_command(&text) {
            Ok(line) => check_line(&line),
            Err(error) => check_span(&text, error.span),
        }
    }

    #[test]
    fn parse_command_never_panics_on_any_text(text in any::<String>()) {
        match parse_command(&text) {
            Ok(line) => check_line(&line),
            Err(error) => check_span(&text, error.span),
        }
    }

    #[test]
    fn parse_args_never_panics(args in prop::collection::vec(any::<String>(), 0..8), more in prop::collection::vec(shellish(), 0..8)) {
        let all: Vec<String> = args.into_iter().chain(more).collect();
        let line = parse_args(&all);
        check_line(&line);
        prop_assert_eq!(line.text.to_string(), all.join(" "));
    }
}

/// Deep nesting and long runs of one character stay fast and do not overflow the stack.
#[test]
fn hostile_shapes() {
    let n = 20_000;
    let texts = [
        format!("docker run -v {}x{} img", "$(".repeat(n), ")".repeat(n)),
        format!("docker run -v {}x img", "${".repeat(n)),
        format!("docker run {}", "-v a:/b ".repeat(n)),
        "(".repeat(n),
        "\\\n".repeat(n),
        format!("CID={} docker run -v /a:/b img", "$(docker ps ".repeat(50) + &")".repeat(50)),
        "'".repeat(n),
        "`".repeat(n + 1),
        "<a>".repeat(n),
        "2>&1 ".repeat(n),
    ];
    let started = std::time::Instant::now();
    for text in &texts {
        let _ = parse_command(text);
    }
    let line = parse_command(&texts[2]).unwrap();
    assert_eq!(line.storage_flags().count(), n);
    assert_eq!(line.problems.len(), 1, "no image");
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
}
