//! Property tests: no `docker run` line, Dockerfile or compose file makes a rule panic,
//! every finding's span lies in the text on character boundaries, and every fix's edits
//! do too and do not overlap.

use dockmount::lint::files::FileKind;
use dockmount::lint::lint_text;
use dockmount::model::context::Platform;
use dockmount::model::version::DockerVersions;
use dockmount::model::Context;
use dockmount::span::Span;
use proptest::prelude::*;

fn check_span(text: &str, span: Span) {
    assert!(span.start <= span.end && span.end <= text.len(), "span {span:?} outside {text:?}");
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "span {span:?} splits a character");
}

/// Values made of the characters that matter to mounts and shells.
fn value() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "/",
        ":",
        ",",
        "=",
        "~",
        "$",
        "${",
        "}",
        "$(",
        ")",
        "\"",
        "'",
        "\\",
        ".",
        "..",
        "a",
        "é",
        " ",
        "ro",
        "rw",
        "z",
        "Z",
        "nocopy",
        "cached",
        "rshared",
        "src",
        "dst",
        "type",
        "bind",
        "volume",
        "tmpfs",
        "size",
        "64MB",
        "docker.sock",
        "/var/run",
        "etc",
        "HOME",
        "<",
        ">",
        "[",
        "]",
        "%",
        "...",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|parts| parts.concat())
}

fn flag() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "-v ",
        "--volume=",
        "-v",
        "--mount ",
        "--mount=",
        "--tmpfs ",
        "--use-api-socket ",
        "--rm ",
    ])
    .prop_map(str::to_string)
}

/// Checks every finding's span and fix of one linted text.
fn check_findings(text: &str, kind: FileKind, ctx: &Context) -> Result<(), TestCaseError> {
    let report = lint_text("property", text, kind, ctx);
    for finding in &report.findings {
        check_span(text, finding.span);
        if let Some(fix) = &finding.fix {
            let mut spans: Vec<Span> = fix.edits.iter().map(|e| e.span).collect();
            spans.sort();
            for span in &spans {
                check_span(text, *span);
            }
            for pair in spans.windows(2) {
                prop_assert!(pair[0].end <= pair[1].start, "overlapping edits in {text:?}");
            }
        }
    }
    Ok(())
}

/// Words of `VOLUME` lines and their neighbours.
fn dockerfile_word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "/data", "data", "./x", "../y", "[", "]", "[\"/a\"", "\"/b\"]", "['/c']", ",", "#", "# note", "$D", "${D}",
        "\\", "'", "\"", "é", "/", "C:\\x", "[/u]", "\"\"", "1",
    ])
    .prop_map(str::to_string)
}

fn dockerfile_line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "VOLUME ",
            "VOLUME",
            "ONBUILD VOLUME ",
            "  VOLUME ",
            "WORKDIR ",
            "RUN touch ",
            "COPY x ",
            "ENV D=",
            "ARG D=",
            "FROM alpine AS ",
            "# ",
            "RUN --mount=type=bind,source=",
        ]),
        prop::collection::vec(dockerfile_word(), 0..4),
        prop::sample::select(vec!["\n", "\\\n", "\r\n", " "]),
    )
        .prop_map(|(head, words, end)| format!("{head}{}{end}", words.join(" ")))
}

/// Lines of a compose file around service volumes.
fn compose_line() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "services:\n",
        "  web:\n",
        "  db:\n",
        "    image: app\n",
        "    volumes:\n",
        "      - data:/data\n",
        "      - dbdata:/var/lib/db  # c\n",
        "      - ./x:/x\n",
        "      - ${V}_x:/y\n",
        "      - ${P:?set}:/p\n",
        "      - type: bind\n",
        "        target: /t\n",
        "      - /anon\n",
        "    tmpfs:\n",
        "      - /run\n",
        "volumes:\n",
        "  data:\n",
        "  other:\n",
        "    external: true\n",
        "    driver: local\n",
        "networks: [a]\n",
        "x: {\n",
        "é\n",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn dockerfile_rules_never_panic(lines in prop::collection::vec(dockerfile_line(), 0..8), old in any::<bool>()) {
        let text = format!("FROM alpine\n{}", lines.concat());
        let ctx = if old { Context { versions: DockerVersions::CONFORMANCE, ..Context::default() } } else { Context::default() };
        check_findings(&text, FileKind::Dockerfile, &ctx)?;
    }

    #[test]
    fn compose_rules_never_panic(lines in prop::collection::vec(compose_line(), 0..14)) {
        let ctx = Context { cwd: "/home/user/project".into(), ..Context::default() };
        check_findings(&lines.concat(), FileKind::Compose, &ctx)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rules_never_panic(flags in prop::collection::vec((flag(), value()), 1..5), setting in 0..3usize) {
        let mut line = String::from("docker run");
        for (flag, value) in &flags {
            line.push(' ');
            line.push_str(flag);
            line.push_str(value);
        }
        line.push_str(" img\n");
        let ctx = match setting {
            0 => Context::default(),
            1 => Context { versions: DockerVersions::CONFORMANCE, ..Context::default() },
            _ => Context { platform: Platform::Windows, ..Context::default() },
        };
        let report = lint_text("property.sh", &line, FileKind::Shell, &ctx);
        for finding in &report.findings {
            check_span(&line, finding.span);
            if let Some(fix) = &finding.fix {
                let mut spans: Vec<Span> = fix.edits.iter().map(|e| e.span).collect();
                spans.sort();
                for span in &spans {
                    check_span(&line, *span);
                }
                for pair in spans.windows(2) {
                    prop_assert!(pair[0].end <= pair[1].start, "overlapping edits in {line:?}");
                }
            }
        }
    }
}
