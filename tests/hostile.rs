//! Hostile input: files nobody vetted (a public repository's CI, an editor's buffer) must
//! never hang dockmount, crash it or make it take unbounded memory, and `--fix` must never
//! leave a file half written.
//!
//! Each case runs the built binary on files made in a temporary directory and measures it
//! (wall time, CPU time and peak resident memory, read from `/proc` while it runs; printed
//! with `--nocapture`). The bounds asserted are generous (the tests run the debug build,
//! on a shared machine): they catch hangs and blow-ups, not small regressions. The numbers
//! of the release build are in the README ("Hostile input").
//!
//! - `bounds`: YAML alias bombs and deep nesting, the size limit, a 10 MB line, binary and
//!   non-UTF-8 files, symlink loops, a 100,000-flag `docker run` line, deeply nested
//!   `$(...)`, 100,000 Dockerfile continuation lines, many commands in one script, compose
//!   files with 20,000 entries (named, long-syntax and tmpfs mounts, unused and misspelt
//!   volumes, `volumes_from`).
//! - `fix`: the atomic rewrite of `--fix` (killed at random moments and while writing), line
//!   endings, modes, files that do not parse.
//! - `regressions`: inputs the fuzz targets (`fuzz/`, `scripts/fuzz.sh`) or these tests
//!   found, run through the library.

#[path = "hostile/bounds.rs"]
mod bounds;
#[path = "hostile/fix.rs"]
mod fix;
#[path = "hostile/regressions.rs"]
mod regressions;
#[path = "hostile/support.rs"]
mod support;
