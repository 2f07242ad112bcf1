//! Shared helpers of the fuzz targets: the contexts every input is judged in, and the
//! checks every result must pass besides "no panic" (spans inside the text, on
//! character boundaries).

use dockmount::model::context::Platform;
use dockmount::model::version::DockerVersions;
use dockmount::model::Context;
use dockmount::span::Span;

/// The contexts each input is judged in: the newest Docker, the conformance pair
/// (other messages and checks), and a Windows daemon (other path rules).
pub fn contexts() -> Vec<Context> {
    let linux = Context::default();
    let conformance = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
    let windows = Context { platform: Platform::Windows, cwd: "C:\\work".to_string(), ..Context::default() };
    vec![linux, conformance, windows]
}

/// A span must lie inside `text` and cut it on character boundaries: every caller
/// slices the text with it (snippets, fixes, line and column numbers).
pub fn check_span(text: &str, span: Span, what: &str) {
    assert!(span.start <= span.end, "{what}: span {span:?} runs backwards");
    assert!(span.end <= text.len(), "{what}: span {span:?} is past the end ({} bytes)", text.len());
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} cuts a character"
    );
}

/// Arbitrary bytes as argv: NUL-separated words (an argv word can hold any other byte),
/// each lossily decoded as the OS hands UTF-8 arguments to a Rust program.
pub fn argv(data: &[u8]) -> Vec<String> {
    data.split(|b| *b == 0).map(|word| String::from_utf8_lossy(word).into_owned()).collect()
}

/// A mount from the model: its spans point into the value it was read from.
pub fn check_mount(text: &str, mount: &dockmount::model::Mount, what: &str) {
    check_span(text, mount.span, what);
    for span in mount.provenance.values() {
        check_span(text, *span, what);
    }
}
