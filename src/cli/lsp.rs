//! `dockmount lsp`: runs the language server on standard input and output.

#[derive(Debug, clap::Args)]
pub struct LspArgs {
    /// Talk over standard input and output (the default and only transport; accepted
    /// because many editors pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: &LspArgs) -> i32 {
    crate::lsp::serve_stdio()
}
