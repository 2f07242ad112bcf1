//! dockmount: understands every way a container gets storage, exactly as Docker does.
//!
//! Data flows one way through the layers:
//! text → [`syntax`] (ASTs with byte spans, no judgement) → [`model`] (one semantic mount
//! model and Docker's own verdict on it) → `rules` / `translate` / `explain` → `report`.
//! A layer never reaches back up.

pub mod cli;
pub mod explain;
pub mod lint;
pub mod lsp;
pub mod model;
pub mod report;
pub mod rules;
pub mod span;
pub mod syntax;
pub mod translate;
