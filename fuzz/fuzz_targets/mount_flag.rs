//! `--mount` values: Go's CSV reading (fields, positions of errors), the CLI's and the
//! Engine's reading in every context, and a whole `docker create` with the value.
#![no_main]

use dockmount::model::{engine, mount_flag as model};
use dockmount::syntax::mount_flag;
use dockmount_fuzz::{check_mount, check_span, contexts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    match mount_flag::parse(value) {
        Ok(parsed) => {
            for field in &parsed.fields {
                check_span(value, field.span, "field");
                check_span(value, field.key.span, "key");
                if let Some(part) = &field.value {
                    check_span(value, part.span, "value");
                }
                let len = field.text.len();
                check_span(value, field.source_span(0, len), "field text");
            }
            if let Some(ignored) = parsed.ignored {
                check_span(value, ignored, "ignored");
            }
        }
        Err(error) => {
            check_span(value, error.span, "error");
            let _ = (error.message(), error.legacy_message(), error.to_syntax_error());
        }
    }
    for ctx in contexts() {
        let _ = model::client(value, &ctx);
        let _ = model::client_warnings(value, &ctx);
        if let Some(mount) = model::to_model(value, &ctx) {
            check_mount(value, &mount, "mount");
        }
        let args = ["--mount".to_string(), value.to_string(), "img".to_string()];
        let _ = engine::predict_args(&args, &ctx);
    }
});
