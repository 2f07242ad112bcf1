//! `--tmpfs` values: path and options, the Engine's checks and the options the
//! container starts with, in every context, and a whole `docker create` with the value.
#![no_main]

use dockmount::model::{engine, tmpfs_flag as model};
use dockmount::syntax::tmpfs_flag;
use dockmount_fuzz::{check_mount, check_span, contexts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = tmpfs_flag::parse(value);
    check_span(value, parsed.span, "value");
    check_span(value, parsed.path_span, "path");
    if let Some(span) = parsed.options_span {
        check_span(value, span, "options");
    }
    for option in &parsed.options {
        check_span(value, option.span, "option");
        if let Some(span) = option.value_span {
            check_span(value, span, "option value");
        }
    }
    let _ = parsed.options_str();
    for ctx in contexts() {
        let (path, options) = model::client(value);
        let _ = model::daemon_validate(&path, &ctx);
        if let Ok(merged) = model::start_options(&options, &ctx) {
            let _ = model::kernel_check(&path, &merged);
        }
        if let Some(mount) = model::to_model(value, &ctx) {
            check_mount(value, &mount, "mount");
        }
        let args = ["--tmpfs".to_string(), value.to_string(), "img".to_string()];
        let _ = engine::predict_args(&args, &ctx);
    }
});
