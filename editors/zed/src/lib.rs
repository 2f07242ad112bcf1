//! Zed's extension for dockmount: starts `dockmount lsp` for Dockerfiles, compose and CI
//! YAML, shell scripts, Makefiles and Markdown.
//!
//! The binary is `lsp.dockmount.binary.path` from Zed's settings when set, else
//! `dockmount` on PATH; `lsp.dockmount.initialization_options` go to the server as its
//! settings (`select`, `ignore`, `severity`, `docker-version`).

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result};

struct Dockmount;

impl zed::Extension for Dockmount {
    fn new() -> Self {
        Dockmount
    }

    fn language_server_command(&mut self, _id: &LanguageServerId, worktree: &zed::Worktree) -> Result<zed::Command> {
        let settings = LspSettings::for_worktree("dockmount", worktree).ok();
        let binary = settings.as_ref().and_then(|s| s.binary.as_ref());
        let command = match binary.and_then(|b| b.path.clone()) {
            Some(path) => path,
            None => worktree
                .which("dockmount")
                .ok_or_else(|| "dockmount is not on PATH (install it with `cargo install --path .`)".to_string())?,
        };
        let args = binary.and_then(|b| b.arguments.clone()).unwrap_or_else(|| vec!["lsp".to_string()]);
        Ok(zed::Command { command, args, env: worktree.shell_env() })
    }

    fn language_server_initialization_options(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree("dockmount", worktree).ok().and_then(|s| s.initialization_options))
    }
}

zed::register_extension!(Dockmount);
