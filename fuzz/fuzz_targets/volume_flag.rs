//! `-v`/`--volume` values: the syntax (fields, options), the CLI's and the Engine's
//! reading in every context, and a whole `docker create` with the value.
#![no_main]

use dockmount::model::{engine, volume_flag as model};
use dockmount::syntax::volume_flag;
use dockmount_fuzz::{check_mount, check_span, contexts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let ast = volume_flag::parse(value);
    check_span(value, ast.span, "value");
    for field in &ast.fields {
        check_span(value, field.span, "field");
    }
    for option in &ast.options {
        check_span(value, option.span, "option");
    }
    for ctx in contexts() {
        let _ = model::client(value, &ctx);
        if let Some(mount) = model::to_model(value, &ctx) {
            check_mount(value, &mount, "mount");
        }
        let args = ["-v".to_string(), value.to_string(), "img".to_string()];
        let _ = engine::predict_args(&args, &ctx);
    }
});
