//! What the docker CLI and the Engine make of a `-v` / `--volume` value (spec §1).
//!
//! Two stages, as in Docker:
//! - [`client`]: the CLI's own parser (§1.2) decides whether the value is an anonymous
//!   volume (`Config.Volumes`) or goes to `HostConfig.Binds`, makes `.`-relative sources
//!   absolute (§1.3) and, since CLI 24.0.5, reports malformed values itself.
//! - [`daemon_bind`] / [`daemon_anonymous`]: the Engine's parser for one `Binds` entry or
//!   one `Config.Volumes` key: the Linux splitter with its mode tokens (§1.4, §1.5) and
//!   validation, or the Windows grammar (§1.11).
//!
//! What comes after (the daemon-root propagation rule, duplicates, volume creation and the
//! implicit `z` mode of local volumes) is the engine's business, see `super::volumes`.
//! [`to_model`] gives the semantic [`Mount`] for rules and explanations, also for values
//! Docker rejects.

use super::context::{Context, HostEntry, Platform};
use super::mount::{Field, Mount, MountKind, SyntaxKind};
use super::mountpoint::{MountOrigin, MountPoint};
use super::paths::{absolute, clean};
use super::request::{ApiMount, BindOptions, DriverConfig, VolumeOptions};
use super::validate::validate_mount;
use super::verdict::go_quote;
use crate::span::Span;
use crate::syntax::volume_flag::{self as syntax, is_go_letter, Terminator, VolumeFlagAst};

/// Where the CLI sends a `-v` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientRoute {
    /// No source: `Config.Volumes[target]`.
    Anonymous { target: String },
    /// `HostConfig.Binds`, with a relative `.` source made absolute.
    Bind { raw: String },
}

/// The six propagation modes (Linux).
const PROPAGATIONS: [&str; 6] = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];
/// The consistency modes, accepted and ignored by Linux engines.
const CONSISTENCIES: [&str; 3] = ["consistent", "cached", "delegated"];

// ---------------------------------------------------------------------------------------
// CLI stage
// ---------------------------------------------------------------------------------------

/// What the CLI's parser (`volumespec.Parse`) read: indexes of the AST fields that became
/// the source, the target and option lists, and the error that stopped it.
#[derive(Debug, Default)]
struct ClientParse {
    source: Option<usize>,
    target: Option<usize>,
    options: Vec<usize>,
    /// The value is 1 or 2 bytes long: the whole value is the target, unsplit.
    short: bool,
    error: Option<String>,
}

fn client_parse(value: &str, ast: &VolumeFlagAst) -> ClientParse {
    let mut parse = ClientParse::default();
    match value.len() {
        0 => {
            parse.error = Some("invalid empty volume spec".to_string());
            return parse;
        }
        1 | 2 => {
            parse.short = true;
            return parse;
        }
        _ => {}
    }
    for (index, field) in ast.fields.iter().enumerate() {
        // The CLI's end marker is NUL, so a NUL inside the value closes a field as the end
        // of the value does.
        let at_end = field.terminator != Terminator::Colon;
        let problem = if field.text.is_empty() {
            Some("empty section between colons")
        } else if parse.source.is_none() && at_end {
            parse.target = Some(index);
            None
        } else if parse.source.is_none() {
            parse.source = Some(index);
            None
        } else if parse.target.is_none() {
            parse.target = Some(index);
            None
        } else if !at_end {
            Some("too many colons")
        } else {
            parse.options.push(index);
            None
        };
        if let Some(problem) = problem {
            parse.error = Some(format!("invalid spec: {value}: {problem}"));
            break;
        }
    }
    parse
}

/// The CLI's `isFilePath`: which sources it treats as host paths (`bind`).
fn client_source_is_path(source: &str) -> bool {
    let Some(first) = source.chars().next() else {
        return false;
    };
    if matches!(first, '.' | '/' | '~') {
        return true;
    }
    if source.chars().count() == 1 {
        return false;
    }
    if source.starts_with(r"\\") {
        return true;
    }
    is_go_letter(first) && source.as_bytes().get(first.len_utf8()) == Some(&b':')
}

/// Whether this CLI makes a relative host part absolute (§1.3 history).
fn client_makes_absolute(host: &str, ctx: &Context) -> bool {
    let versions = &ctx.versions;
    if versions.cli_at_least(28, 2, 0) {
        !host.starts_with('/') && host.starts_with('.')
    } else if versions.cli_at_least(23, 0, 0) {
        host == "." || host.starts_with("./")
    } else {
        false
    }
}

/// CLI stage (spec §1.2–§1.3): the route, or Docker's message.
pub fn client(value: &str, ctx: &Context) -> Result<ClientRoute, String> {
    let ast = syntax::parse(value);
    let parse = client_parse(value, &ast);
    if let Some(error) = parse.error {
        // Before CLI 24.0.5 the parse error was ignored and whatever had been read so far
        // decided the route.
        if ctx.versions.cli_at_least(24, 0, 5) {
            return Err(error);
        }
    }
    let source = parse.source.and_then(|index| ast.field(index)).map(|field| field.text.as_str());
    let Some(source) = source else {
        return Ok(ClientRoute::Anonymous { target: value.to_string() });
    };
    let mut raw = value.to_string();
    if client_source_is_path(source) {
        // The host part is the text before the first `:` of the whole value.
        if let Some((host, rest)) = value.split_once(':') {
            if client_makes_absolute(host, ctx) {
                raw = format!("{}:{rest}", absolute(&ctx.cwd, host));
            }
        }
    }
    Ok(ClientRoute::Bind { raw })
}

// ---------------------------------------------------------------------------------------
// Engine stage, Linux
// ---------------------------------------------------------------------------------------

fn invalid_spec(raw: &str) -> String {
    format!("invalid volume specification: '{raw}'")
}

/// A mode string the Linux Engine accepts (§1.5): empty, or known tokens with at most one
/// per category.
pub fn linux_valid_mode(mode: &str) -> bool {
    if mode.is_empty() {
        return true;
    }
    let mut counts = [0usize; 5];
    for token in mode.split(',') {
        let category = match token {
            "rw" | "ro" => 0,
            "z" | "Z" => 1,
            t if PROPAGATIONS.contains(&t) => 2,
            "nocopy" => 3,
            t if CONSISTENCIES.contains(&t) => 4,
            _ => return false,
        };
        counts[category] += 1;
    }
    counts.iter().all(|&count| count <= 1)
}

fn linux_bind(raw: &str, volume_driver: &str, ctx: &Context) -> Result<MountPoint, String> {
    let parts: Vec<&str> = raw.splitn(4, ':').collect();
    if parts.first().is_none_or(|first| first.is_empty()) {
        return Err(invalid_spec(raw));
    }
    let (source, target, mode) = match parts.as_slice() {
        [target] => ("", *target, ""),
        [source, second] => {
            // `/data:ro`: a destination and a mode, but no source.
            if linux_valid_mode(second) {
                return Err(invalid_spec(raw));
            }
            (*source, *second, "")
        }
        [source, target, mode] => (*source, *target, *mode),
        _ => return Err(invalid_spec(raw)),
    };
    if !linux_valid_mode(mode) {
        return Err(format!("invalid mode: {mode}"));
    }
    let tokens: Vec<&str> = if mode.is_empty() { Vec::new() } else { mode.split(',').collect() };
    let is_bind = source.starts_with('/');
    let read_only = tokens.contains(&"ro");
    let nocopy = tokens.contains(&"nocopy");
    let propagation = tokens.iter().copied().find(|token| PROPAGATIONS.contains(token));

    let mut request = ApiMount {
        r#type: if is_bind { "bind" } else { "volume" }.to_string(),
        source: source.to_string(),
        target: target.to_string(),
        read_only,
        ..ApiMount::default()
    };
    if !volume_driver.is_empty() && !is_bind {
        request.volume_options = Some(VolumeOptions {
            driver_config: Some(DriverConfig { name: volume_driver.to_string(), ..DriverConfig::default() }),
            ..VolumeOptions::default()
        });
    }
    // `nocopy` and propagation give their option families whatever the type: a wrong
    // family is then rejected by the validation.
    if nocopy {
        request.volume_options.get_or_insert_with(VolumeOptions::default).no_copy = true;
    }
    if let Some(propagation) = propagation {
        request.bind_options = Some(BindOptions { propagation: propagation.to_string(), ..BindOptions::default() });
    }
    validate_mount(&request, ctx, false).map_err(|reason| format!("{}: {reason}", invalid_spec(raw)))?;

    Ok(MountPoint {
        kind: request.r#type.clone(),
        source: if is_bind { clean(source) } else { String::new() },
        name: if is_bind { String::new() } else { source.to_string() },
        driver: if is_bind { String::new() } else { volume_driver.to_string() },
        destination: clean(target),
        rw: !read_only,
        mode: mode.to_string(),
        propagation: propagation.unwrap_or_default().to_string(),
        copy_data: !is_bind && !nocopy,
        origin: MountOrigin::Bind,
    })
}

// ---------------------------------------------------------------------------------------
// Engine stage, Windows
// ---------------------------------------------------------------------------------------

/// The Windows Engine's `-v` grammar (§1.11), matched the way Go's regexp matches
/// `^SOURCE? DEST MODE?$` on the lowercased value (leftmost-first: the first alternative
/// that lets the whole value match wins, source alternatives before "no source").
///
/// Every part of the grammar ends at a fixed character (`:` or the end), so each
/// alternative has at most one way to match and a plain ordered search is exact.
mod windows {
    use std::ops::Range;

    /// The value lowercased as Go's `strings.ToLower` does (rune by rune, simple case
    /// mapping), with each character's byte offset in the original value.
    pub struct Lowered {
        pub chars: Vec<char>,
        /// `offsets[i]` is where character `i` starts in the original; one extra entry for
        /// the end.
        pub offsets: Vec<usize>,
    }

    impl Lowered {
        pub fn new(raw: &str) -> Lowered {
            let mut chars = Vec::with_capacity(raw.len());
            let mut offsets = Vec::with_capacity(raw.len() + 1);
            for (at, ch) in raw.char_indices() {
                chars.push(lower(ch));
                offsets.push(at);
            }
            offsets.push(raw.len());
            Lowered { chars, offsets }
        }

        pub fn text(&self, range: &Range<usize>) -> String {
            self.chars.get(range.clone()).unwrap_or_default().iter().collect()
        }

        /// The byte span in the original value of a character range.
        pub fn original_span(&self, range: &Range<usize>) -> crate::span::Span {
            let at = |i: usize| self.offsets.get(i).copied().unwrap_or_default();
            crate::span::Span::new(at(range.start), at(range.end))
        }
    }

    /// One character lowercased as Go's `unicode.ToLower` (a single character; `İ` → `i`).
    pub fn lower(ch: char) -> char {
        ch.to_lowercase().next().unwrap_or(ch)
    }

    pub fn lower_str(text: &str) -> String {
        text.chars().map(lower).collect()
    }

    /// The parts the grammar found, as character ranges of the lowered value.
    #[derive(Debug)]
    pub struct Split {
        pub source: Option<Range<usize>>,
        pub destination: Range<usize>,
        pub mode: Option<Range<usize>>,
    }

    fn is_sep(ch: char) -> bool {
        ch == '\\' || ch == '/'
    }

    /// A character of a volume name or host directory segment.
    fn is_name_char(ch: char) -> bool {
        !matches!(ch, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\r' | '\n')
    }

    /// A character of a destination segment (`|` is allowed there).
    fn is_dest_char(ch: char) -> bool {
        !matches!(ch, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '\r' | '\n')
    }

    /// A character of a pipe name.
    fn is_pipe_char(ch: char) -> bool {
        !matches!(ch, ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\r' | '\n')
    }

    fn at(s: &[char], i: usize) -> Option<char> {
        s.get(i).copied()
    }

    /// `\\?\`
    fn has_long_prefix(s: &[char], i: usize) -> bool {
        s.get(i..i + 4).is_some_and(|p| p == ['\\', '\\', '?', '\\'])
    }

    /// `(?:NC+ SEP?)*` over all of `s[from..to]`.
    fn is_host_segments(s: &[char], from: usize, to: usize) -> bool {
        let Some(part) = s.get(from..to) else {
            return false;
        };
        let mut previous_sep = true; // a segment must start with a name character
        for &ch in part {
            if is_sep(ch) {
                if previous_sep {
                    return false;
                }
                previous_sep = true;
            } else if is_name_char(ch) {
                previous_sep = false;
            } else {
                return false;
            }
        }
        true
    }

    /// `(?:SEP DC+)* SEP?` over all of `s[from..to]`.
    fn is_dest_segments(s: &[char], from: usize, to: usize) -> bool {
        let Some(part) = s.get(from..to) else {
            return false;
        };
        let mut previous_sep = false;
        for (i, &ch) in part.iter().enumerate() {
            if is_sep(ch) {
                if previous_sep {
                    return false;
                }
                previous_sep = true;
            } else if is_dest_char(ch) {
                if i == 0 {
                    return false;
                }
                previous_sep = false;
            } else {
                return false;
            }
        }
        true
    }

    fn find_colon(s: &[char], from: usize) -> Option<usize> {
        s.get(from..)?.iter().position(|&ch| ch == ':').map(|i| i + from)
    }

    /// `[\\/]{2}.[\\/]pipe[\\/]` at `i`: the index after it.
    fn pipe_prefix(s: &[char], i: usize) -> Option<usize> {
        let sep = |k: usize| at(s, i + k).is_some_and(is_sep);
        let ok = sep(0)
            && sep(1)
            && at(s, i + 2).is_some_and(|ch| ch != '\n')
            && sep(3)
            && s.get(i + 4..i + 8).is_some_and(|p| p == ['p', 'i', 'p', 'e'])
            && sep(8);
        ok.then_some(i + 9)
    }

    /// `(\\?\)? [a-z] : SEP (NC+ SEP?)*` ending right before `end`.
    fn is_host_dir(s: &[char], from: usize, end: usize) -> bool {
        let drive_at = |p: usize| {
            at(s, p).is_some_and(|ch| ch.is_ascii_lowercase())
                && at(s, p + 1) == Some(':')
                && at(s, p + 2).is_some_and(is_sep)
                && p + 3 <= end
                && is_host_segments(s, p + 3, end)
        };
        (has_long_prefix(s, from) && drive_at(from + 4)) || drive_at(from)
    }

    /// The host-directory grammar on a whole string (`hostDirRegexp`).
    pub fn is_host_dir_path(text: &str) -> bool {
        let s: Vec<char> = text.chars().collect();
        is_host_dir(&s, 0, s.len())
    }

    /// The ends of the source alternatives, in the grammar's order: host directory, name,
    /// pipe. Each is followed by a `:` at that index.
    fn source_ends(s: &[char]) -> Vec<usize> {
        let mut ends = Vec::new();
        // Host directory: the drive's own `:` is inside, so the source ends at the next one.
        let drive_colon = if has_long_prefix(s, 0) { 5 } else { 1 };
        if let Some(end) = find_colon(s, drive_colon + 1) {
            if is_host_dir(s, 0, end) {
                ends.push(end);
            }
        }
        if let Some(end) = find_colon(s, 0) {
            if end > 0 && s.get(..end).is_some_and(|name| name.iter().all(|&ch| is_name_char(ch))) {
                ends.push(end);
            }
        }
        if let Some(name_start) = pipe_prefix(s, 0) {
            if let Some(end) = find_colon(s, name_start) {
                let name_ok = s.get(name_start..end).is_some_and(|p| p.iter().all(|&ch| is_pipe_char(ch)));
                if end > name_start && name_ok {
                    ends.push(end);
                }
            }
        }
        ends
    }

    /// Where the destination may end when it starts at `from`: the end of the value, or
    /// three characters before it when the value ends in `:ro` / `:rw`.
    fn dest_and_mode(s: &[char], from: usize) -> Option<(Range<usize>, Option<Range<usize>>)> {
        let len = s.len();
        let mode_start = (len >= from + 3)
            .then(|| len - 3)
            .filter(|&m| s.get(m..).is_some_and(|t| t == [':', 'r', 'o'] || t == [':', 'r', 'w']));
        // A destination never contains `:`, so at most one of the two ends can work.
        let candidates = [(len, None), (mode_start.unwrap_or(usize::MAX), mode_start.map(|m| m + 1..len))];
        for (end, mode) in candidates {
            if end == usize::MAX || end < from {
                continue;
            }
            if is_destination(s, from, end) {
                return Some((from..end, mode));
            }
        }
        None
    }

    /// `rxDestination` over all of `s[from..end]`.
    fn is_destination(s: &[char], from: usize, end: usize) -> bool {
        let drive_at = |p: usize| {
            at(s, p).is_some_and(|ch| ch.is_ascii_lowercase())
                && at(s, p + 1) == Some(':')
                && p + 2 <= end
                && is_dest_segments(s, p + 2, end)
        };
        if has_long_prefix(s, from) && drive_at(from + 4) {
            return true;
        }
        if drive_at(from) {
            return true;
        }
        match pipe_prefix(s, from) {
            Some(name_start) => {
                end > name_start && s.get(name_start..end).is_some_and(|p| p.iter().all(|&ch| is_pipe_char(ch)))
            }
            None => false,
        }
    }

    /// `mountDestinationRegexp` on a whole string.
    pub fn is_destination_path(text: &str) -> bool {
        let s: Vec<char> = text.chars().collect();
        is_destination(&s, 0, s.len())
    }

    /// `windowsSplitRawSpecRegexp` on the lowered value.
    pub fn split(s: &[char]) -> Option<Split> {
        for end in source_ends(s) {
            if let Some((destination, mode)) = dest_and_mode(s, end + 1) {
                return Some(Split { source: Some(0..end), destination, mode });
            }
        }
        let (destination, mode) = dest_and_mode(s, 0)?;
        Some(Split { source: None, destination, mode })
    }

    /// `^NC+$`
    pub fn is_volume_name(name: &str) -> bool {
        !name.is_empty() && name.chars().all(is_name_char)
    }

    /// `^(con|prn|nul|aux|com[1-9]|lpt[1-9])$`
    pub fn is_reserved_name(name: &str) -> bool {
        match name.as_bytes() {
            b"con" | b"prn" | b"nul" | b"aux" => true,
            [b'c', b'o', b'm', digit] | [b'l', b'p', b't', digit] => (b'1'..=b'9').contains(digit),
            _ => false,
        }
    }

    /// `windowsDetectMountType`
    pub fn detect_type(path: &str) -> &'static str {
        if path.starts_with(r"\\.\pipe\") {
            "npipe"
        } else if is_host_dir_path(path) {
            "bind"
        } else {
            "volume"
        }
    }
}

/// What the Windows grammar made of a value, before validation.
struct WindowsSpec {
    kind: &'static str,
    /// Lowercased, `/` as `\`.
    source: String,
    /// Lowercased, `/` as `\`.
    target: String,
    /// `ro`, `rw` or `""`.
    mode: String,
    split: windows::Split,
    lowered: windows::Lowered,
}

/// `splitRawSpec` and the first half of `parseMount` of the Windows Engine.
fn windows_spec(raw: &str, ctx: &Context) -> Result<WindowsSpec, String> {
    let lowered = windows::Lowered::new(raw);
    let Some(split) = windows::split(&lowered.chars) else {
        return Err(invalid_spec(raw));
    };
    let source = split.source.as_ref().map(|r| lowered.text(r)).unwrap_or_default();
    let destination = lowered.text(&split.destination);
    let mode = split.mode.as_ref().map(|r| lowered.text(r)).unwrap_or_default();
    if source.is_empty() {
        // A destination that is an existing file of the daemon's host: the user probably
        // meant to map a file, which Windows cannot do.
        if windows::is_volume_name(&destination) {
            if windows::is_reserved_name(&destination) {
                return Err(format!(
                    "volume name {} cannot be a reserved word for Windows filenames",
                    go_quote(&destination)
                ));
            }
        } else if ctx.host.lookup(&destination) == HostEntry::File {
            return Err(format!(
                "file '{destination}' cannot be mapped. Only directories can be mapped on this platform"
            ));
        }
        if !mode.is_empty() {
            // A destination and a mode, no source (`d:\path:rw`).
            return Err(invalid_spec(raw));
        }
    }
    let source = source.replace('/', "\\");
    let target = destination.replace('/', "\\");
    Ok(WindowsSpec { kind: windows::detect_type(&source), source, target, mode, split, lowered })
}

/// The Windows Engine's validation of the spec (`validateMountConfigReg`), the reason only.
fn windows_validate(spec: &WindowsSpec, ctx: &Context) -> Result<(), String> {
    let target = spec.target.as_str();
    let root = windows::lower_str(&target.replace('/', "\\"));
    if root == "c:" || root == "c:\\" {
        return Err(format!("destination path ({root}) cannot be 'c:' or 'c:\\'"));
    }
    if !windows::is_destination_path(&windows::lower_str(target)) {
        return Err(format!("invalid mount path: '{target}'"));
    }
    let source = spec.source.as_str();
    match spec.kind {
        "bind" => {
            if source.is_empty() {
                return Err("field Source must not be empty".to_string());
            }
            if !windows::is_destination_path(&windows::lower_str(source)) {
                return Err(format!("invalid mount path: '{source}' mount path must be absolute"));
            }
            match ctx.host.lookup(source) {
                HostEntry::Missing => Err(format!("bind source path does not exist: {source}")),
                HostEntry::File => Err("source path must be a directory".to_string()),
                HostEntry::Dir => Ok(()),
            }
        }
        "volume" => {
            if source.is_empty() {
                return Ok(());
            }
            if !windows::is_volume_name(source) {
                return Err("invalid volume name".to_string());
            }
            if windows::is_reserved_name(source) {
                return Err(format!(
                    "volume name {} cannot be a reserved word for Windows filenames",
                    go_quote(source)
                ));
            }
            Ok(())
        }
        _ => {
            if source.is_empty() {
                return Err("field Source must not be empty".to_string());
            }
            if spec.mode == "ro" {
                return Err("field ReadOnly must not be specified".to_string());
            }
            for path in [source, target] {
                if windows::detect_type(path) != "npipe" {
                    return Err(format!("'{path}' is not a valid pipe path"));
                }
            }
            Ok(())
        }
    }
}

/// Go's trailing-`\` cleanup of the Windows parser (paths longer than 3 bytes).
fn trim_trailing_backslash(path: &str) -> String {
    if path.len() > 3 && path.ends_with('\\') {
        path[..path.len() - 1].to_string()
    } else {
        path.to_string()
    }
}

fn windows_bind(raw: &str, volume_driver: &str, ctx: &Context) -> Result<MountPoint, String> {
    let spec = windows_spec(raw, ctx)?;
    windows_validate(&spec, ctx).map_err(|reason| {
        format!("{}: invalid mount config for type {}: {reason}", invalid_spec(raw), go_quote(spec.kind))
    })?;
    let is_volume = spec.kind == "volume";
    Ok(MountPoint {
        kind: spec.kind.to_string(),
        source: if is_volume { String::new() } else { trim_trailing_backslash(&spec.source) },
        name: if is_volume { spec.source.clone() } else { String::new() },
        driver: if is_volume { volume_driver.to_string() } else { String::new() },
        destination: trim_trailing_backslash(&spec.target),
        rw: spec.mode != "ro",
        mode: spec.mode.clone(),
        propagation: String::new(),
        // Windows never copies image content into a volume.
        copy_data: false,
        origin: MountOrigin::Bind,
    })
}

// ---------------------------------------------------------------------------------------
// Engine entry points
// ---------------------------------------------------------------------------------------

/// Engine stage for one `Binds` entry (§1.4 Linux, §1.11 Windows): the mount point
/// (before the daemon-root rule, duplicates and volume creation), or the message.
///
/// In the mount point, `propagation` is the token given (or `""`: the engine applies the
/// default and the daemon-root rule, see [`bind_spec_source`]), `driver` is `volume_driver`
/// for volumes (`""` meaning the default), `mode` the raw mode string without the implicit
/// `z` of local volumes.
pub fn daemon_bind(raw: &str, volume_driver: &str, ctx: &Context) -> Result<MountPoint, String> {
    match ctx.platform {
        Platform::Linux => linux_bind(raw, volume_driver, ctx),
        Platform::Windows => windows_bind(raw, volume_driver, ctx),
    }
}

/// The source of a Linux `Binds` entry as the Engine's daemon-root rule (§1.9) sees it:
/// the text before the first `:`, **not** cleaned. `-v /var/lib//docker:/x` escapes the
/// rule (propagation `rprivate`) and its error message quotes `/var/lib/docker/` with the
/// slash (*observed*), so pass this, not `MountPoint::source`, to
/// `volumes::daemon_root_propagation`.
pub fn bind_spec_source(raw: &str) -> &str {
    raw.split(':').next().unwrap_or_default()
}

/// Engine stage for one `Config.Volumes` key (§1.8).
pub fn daemon_anonymous(key: &str, volume_driver: &str, ctx: &Context) -> Result<MountPoint, String> {
    let (destination, rw) = match ctx.platform {
        // Linux takes the key as a path, unchecked.
        Platform::Linux => (clean(key), true),
        // Windows parses it with the `-v` grammar; a source it may find is ignored.
        Platform::Windows => {
            let parsed = windows_bind(key, volume_driver, ctx).map_err(|e| format!("Unrecognised volume spec: {e}"))?;
            (parsed.destination, parsed.rw)
        }
    };
    Ok(MountPoint {
        kind: "volume".to_string(),
        source: String::new(),
        name: String::new(),
        driver: volume_driver.to_string(),
        destination,
        rw,
        mode: String::new(),
        propagation: String::new(),
        copy_data: ctx.platform == Platform::Linux,
        origin: MountOrigin::Anonymous,
    })
}

// ---------------------------------------------------------------------------------------
// Semantic model
// ---------------------------------------------------------------------------------------

/// The semantic model of a `-v` value (best effort, also for values Docker rejects);
/// spans are relative to `value`. `None` only for the empty value.
pub fn to_model(value: &str, ctx: &Context) -> Option<Mount> {
    if value.is_empty() {
        return None;
    }
    let ast = syntax::parse(value);
    let roles = Roles::of(value, &ast);
    let mount = match ctx.platform {
        Platform::Linux => linux_model(value, &ast, &roles, ctx),
        Platform::Windows => windows_model(value, &ast, &roles, ctx),
    };
    Some(mount)
}

/// Which text plays which part, as the CLI reads the value (positional when the CLI
/// stops at an error, so that a rejected value still has a meaning to explain).
struct Roles {
    source: Option<(String, Span)>,
    target: (String, Span),
    mode: Option<(String, Span)>,
}

impl Roles {
    fn of(value: &str, ast: &VolumeFlagAst) -> Roles {
        let whole = (value.to_string(), ast.span);
        let field =
            |index: Option<usize>| index.and_then(|i| ast.field(i)).map(|field| (field.text.clone(), field.span));
        let parse = client_parse(value, ast);
        if parse.short {
            return Roles { source: None, target: whole, mode: None };
        }
        if parse.error.is_none() {
            if parse.source.is_none() {
                // The CLI sends the whole value as the anonymous volume's path.
                return Roles { source: None, target: whole, mode: None };
            }
            return Roles {
                source: field(parse.source),
                target: field(parse.target).unwrap_or(whole),
                mode: field(parse.options.first().copied()),
            };
        }
        match ast.fields.len() {
            0 | 1 => Roles { source: None, target: whole, mode: None },
            _ => Roles { source: field(Some(0)), target: field(Some(1)).unwrap_or(whole), mode: field(Some(2)) },
        }
    }
}

/// Fills the option fields of a model from the tokens of the mode field.
fn apply_options(mount: &mut Mount, ast: &VolumeFlagAst, mode_span: Span, windows: bool) {
    let tokens =
        ast.options.iter().filter(|token| token.span.start >= mode_span.start && token.span.end <= mode_span.end);
    for token in tokens {
        let text = if windows { windows::lower_str(&token.text) } else { token.text.clone() };
        let text = text.as_str();
        match text {
            "ro" | "rw" => {
                mount.read_only = text == "ro";
                mount.provenance.insert(Field::ReadOnly, token.span);
            }
            _ if windows => {}
            "z" | "Z" if mount.selinux.is_none() => {
                mount.selinux = Some(text.to_string());
                mount.provenance.insert(Field::Selinux, token.span);
            }
            "nocopy" => {
                mount.nocopy = true;
                mount.provenance.insert(Field::NoCopy, token.span);
            }
            t if PROPAGATIONS.contains(&t) && mount.propagation.is_none() => {
                mount.propagation = Some(t.to_string());
                mount.provenance.insert(Field::Propagation, token.span);
            }
            t if CONSISTENCIES.contains(&t) && mount.rare.consistency.is_none() => {
                mount.rare.consistency = Some(t.to_string());
                mount.provenance.insert(Field::Consistency, token.span);
            }
            _ => {}
        }
    }
}

fn linux_model(value: &str, ast: &VolumeFlagAst, roles: &Roles, ctx: &Context) -> Mount {
    let (target, target_span) = roles.target.clone();
    let source = roles.source.as_ref().map(|(text, span)| {
        let text = if client_source_is_path(text) && client_makes_absolute(text, ctx) {
            absolute(&ctx.cwd, text)
        } else {
            text.clone()
        };
        (text, *span)
    });
    let kind = match &source {
        Some((text, _)) if text.starts_with('/') => MountKind::Bind,
        _ => MountKind::Volume,
    };
    let mut mount = Mount::new(SyntaxKind::VolumeFlag, kind, target, Span::new(0, value.len()));
    mount.provenance.insert(Field::Target, target_span);
    match source {
        Some((text, span)) => {
            mount.source = Some(text);
            mount.provenance.insert(Field::Source, span);
            mount.provenance.insert(Field::Kind, span);
        }
        None => {
            mount.provenance.insert(Field::Kind, target_span);
        }
    }
    if mount.kind == MountKind::Bind {
        // `-v` creates a missing host directory when the container starts.
        mount.create_host_path = Some(true);
    }
    if let Some((mode, span)) = &roles.mode {
        mount.mode = Some(mode.clone());
        mount.provenance.insert(Field::Mode, *span);
        apply_options(&mut mount, ast, *span, false);
    }
    mount
}

fn windows_model(value: &str, ast: &VolumeFlagAst, roles: &Roles, ctx: &Context) -> Mount {
    let whole = Span::new(0, value.len());
    let anonymous = roles.source.is_none();
    // The Engine's reading when its grammar matches; the CLI's fields otherwise.
    let spec = windows_spec(value, ctx).ok().or_else(|| {
        // The grammar checks that fail after a match (a file as destination, a mode with
        // no source) still leave a reading worth modelling.
        let lowered = windows::Lowered::new(value);
        let split = windows::split(&lowered.chars)?;
        let text = |r: &std::ops::Range<usize>| lowered.text(r);
        let source = split.source.as_ref().map(text).unwrap_or_default().replace('/', "\\");
        let target = text(&split.destination).replace('/', "\\");
        let mode = split.mode.as_ref().map(text).unwrap_or_default();
        Some(WindowsSpec { kind: windows::detect_type(&source), source, target, mode, split, lowered })
    });
    let mut mount;
    match spec {
        Some(spec) => {
            let kind = if anonymous { "volume" } else { spec.kind };
            mount = Mount::new(SyntaxKind::VolumeFlag, MountKind::from_api(kind), spec.target.clone(), whole);
            let target_span = spec.lowered.original_span(&spec.split.destination);
            mount.provenance.insert(Field::Target, target_span);
            match (&spec.split.source, anonymous) {
                (Some(range), false) => {
                    let span = spec.lowered.original_span(range);
                    mount.source = Some(spec.source.clone());
                    mount.provenance.insert(Field::Source, span);
                    mount.provenance.insert(Field::Kind, span);
                }
                _ => {
                    mount.provenance.insert(Field::Kind, target_span);
                }
            }
            if let Some(range) = &spec.split.mode {
                let span = spec.lowered.original_span(range);
                mount.mode = Some(spec.mode.clone());
                mount.read_only = spec.mode == "ro";
                mount.provenance.insert(Field::Mode, span);
                mount.provenance.insert(Field::ReadOnly, span);
            }
        }
        None => {
            let (target, target_span) = roles.target.clone();
            let source = roles.source.as_ref().map(|(text, span)| (windows::lower_str(text).replace('/', "\\"), *span));
            let kind = source.as_ref().map_or("volume", |(text, _)| windows::detect_type(text));
            mount = Mount::new(SyntaxKind::VolumeFlag, MountKind::from_api(kind), target, whole);
            mount.provenance.insert(Field::Target, target_span);
            if let Some((text, span)) = source {
                mount.source = Some(text);
                mount.provenance.insert(Field::Source, span);
                mount.provenance.insert(Field::Kind, span);
            }
            if let Some((mode, span)) = &roles.mode {
                mount.mode = Some(mode.clone());
                mount.provenance.insert(Field::Mode, *span);
                apply_options(&mut mount, ast, *span, true);
            }
        }
    }
    if mount.kind == MountKind::Bind {
        // A Windows Engine never creates a missing host directory for `-v`.
        mount.create_host_path = Some(false);
    }
    mount
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::version::{DockerVersions, Version};
    use proptest::prelude::*;

    fn linux() -> Context {
        Context { cwd: "/home/user/proj".to_string(), ..Context::default() }
    }

    fn windows_ctx() -> Context {
        Context { platform: Platform::Windows, ..Context::default() }
    }

    fn with_cli(cli: Version) -> Context {
        Context { versions: DockerVersions { cli, engine: DockerVersions::NEWEST.engine }, ..linux() }
    }

    fn bind(raw: &str) -> Result<ClientRoute, String> {
        Ok(ClientRoute::Bind { raw: raw.to_string() })
    }

    fn anonymous(target: &str) -> Result<ClientRoute, String> {
        Ok(ClientRoute::Anonymous { target: target.to_string() })
    }

    #[test]
    fn client_errors_and_routes() {
        let ctx = linux();
        assert_eq!(client("", &ctx), Err("invalid empty volume spec".to_string()));
        assert_eq!(client(":::", &ctx), Err("invalid spec: :::: empty section between colons".to_string()));
        assert_eq!(client("/a:/b:ro:x", &ctx), Err("invalid spec: /a:/b:ro:x: too many colons".to_string()));
        assert_eq!(client("/a:/b:ro:", &ctx), Err("invalid spec: /a:/b:ro:: too many colons".to_string()));
        assert_eq!(client("/foo::ro", &ctx), Err("invalid spec: /foo::ro: empty section between colons".to_string()));
        assert_eq!(client("::", &ctx), anonymous("::"));
        assert_eq!(client("a:/data", &ctx), anonymous("a:/data"));
        assert_eq!(client("/data", &ctx), anonymous("/data"));
        assert_eq!(client("myvol:/data:ro", &ctx), bind("myvol:/data:ro"));
        assert_eq!(client("~/x:/d", &ctx), bind("~/x:/d"));
        assert_eq!(client("C:/x:/data", &ctx), bind("C:/x:/data"));
        // Observed with CLI 28.2.2: a non-ASCII letter is a drive, a letter number is not.
        assert_eq!(client("é:/d", &ctx), anonymous("é:/d"));
        assert_eq!(client("Ⅻ:/d", &ctx), bind("Ⅻ:/d"));
    }

    #[test]
    fn relative_sources_follow_the_cli_version() {
        let newest = linux();
        assert_eq!(client(".:/data", &newest), bind("/home/user/proj:/data"));
        assert_eq!(client("../x:/data:ro", &newest), bind("/home/user/x:/data:ro"));
        assert_eq!(client(".hidden:/data", &newest), bind("/home/user/proj/.hidden:/data"));
        let v28_1 = with_cli(Version::new(28, 1, 1));
        assert_eq!(client("./a/../b:/data", &v28_1), bind("/home/user/proj/b:/data"));
        assert_eq!(client("..:/data", &v28_1), bind("..:/data"));
        let v20 = with_cli(Version::new(20, 10, 24));
        assert_eq!(client("./data:/data", &v20), bind("./data:/data"));
    }

    #[test]
    fn old_clis_send_malformed_values_on() {
        let old = with_cli(Version::new(24, 0, 4));
        assert_eq!(client("/foo:/foo:ro:foo", &old), bind("/foo:/foo:ro:foo"));
        assert_eq!(client(":foo", &old), anonymous(":foo"));
        assert_eq!(client("", &old), anonymous(""));
        assert_eq!(client("/tmp:", &old), bind("/tmp:"));
        assert_eq!(daemon_bind("/tmp:", "", &old).unwrap_err(), "invalid volume specification: '/tmp:'");
    }

    #[test]
    fn nul_closes_fields_in_the_client() {
        // The CLI's end marker is NUL: `/a` becomes the target, `/b` the source.
        let ctx = linux();
        assert_eq!(client("/a\0/b:/c", &ctx), bind("/a\0/b:/c"));
        assert_eq!(client("/a\0/b", &ctx), anonymous("/a\0/b"));
    }

    #[test]
    fn linux_daemon_parser() {
        let ctx = linux();
        let mp = daemon_bind("/srv/app/:/data//x/../y:ro,Z,rslave", "", &ctx).unwrap();
        assert_eq!(
            mp,
            MountPoint {
                kind: "bind".into(),
                source: "/srv/app".into(),
                name: "".into(),
                driver: "".into(),
                destination: "/data/y".into(),
                rw: false,
                mode: "ro,Z,rslave".into(),
                propagation: "rslave".into(),
                copy_data: false,
                origin: MountOrigin::Bind,
            }
        );
        let mp = daemon_bind("myvol:/data:nocopy", "flocker", &ctx).unwrap();
        assert_eq!((mp.kind.as_str(), mp.name.as_str(), mp.driver.as_str()), ("volume", "myvol", "flocker"));
        assert!(!mp.copy_data && mp.rw);
        assert_eq!(daemon_bind("/path:ro,z", "", &ctx).unwrap_err(), "invalid volume specification: '/path:ro,z'");
        // The absolute check reads `\` as `/`; the destination keeps it (observed).
        assert_eq!(daemon_bind(r"/srv/app:\foo", "", &ctx).unwrap().destination, r"\foo");
        assert_eq!(bind_spec_source("/var/lib//docker:/x:private"), "/var/lib//docker");
        assert_eq!(daemon_bind("/a:/b:ro,rw", "", &ctx).unwrap_err(), "invalid mode: ro,rw");
        assert_eq!(daemon_bind("C:/x:/data", "", &ctx).unwrap_err(), "invalid mode: /data");
        assert_eq!(
            daemon_bind("/srv:/d:nocopy", "", &ctx).unwrap_err(),
            "invalid volume specification: '/srv:/d:nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified"
        );
        assert_eq!(
            daemon_bind("name:D:", "", &ctx).unwrap_err(),
            "invalid volume specification: 'name:D:': invalid mount config for type \"volume\": invalid mount path: 'D' mount path must be absolute"
        );
        // Two problems: the Engine before 29.2 checks the target first.
        let old = Context { versions: DockerVersions::CONFORMANCE, ..linux() };
        assert_eq!(
            daemon_bind("myvol:rel:shared", "", &old).unwrap_err(),
            "invalid volume specification: 'myvol:rel:shared': invalid mount config for type \"volume\": invalid mount path: 'rel' mount path must be absolute"
        );
        assert_eq!(
            daemon_bind("myvol:rel:shared", "", &ctx).unwrap_err(),
            "invalid volume specification: 'myvol:rel:shared': invalid mount config for type \"volume\": field BindOptions must not be specified"
        );
    }

    #[test]
    fn linux_anonymous_volumes_are_not_checked() {
        let ctx = linux();
        let mp = daemon_anonymous("./", "", &ctx).unwrap();
        assert_eq!((mp.destination.as_str(), mp.origin, mp.copy_data), (".", MountOrigin::Anonymous, true));
        assert_eq!(daemon_anonymous("x:/d", "nfs", &ctx).unwrap().driver, "nfs");
    }

    #[test]
    fn windows_grammar() {
        let ctx = windows_ctx();
        let mp = daemon_bind(r"C:\Windows\:D:\App:RO", "", &ctx).unwrap();
        assert_eq!(
            (mp.kind.as_str(), mp.source.as_str(), mp.destination.as_str(), mp.mode.as_str(), mp.rw),
            ("bind", r"c:\windows", r"d:\app", "ro", false)
        );
        let mp = daemon_bind("MyVol:d:", "", &ctx).unwrap();
        assert_eq!((mp.kind.as_str(), mp.name.as_str()), ("volume", "myvol"));
        // A one-letter name is possible on Windows.
        assert_eq!(daemon_bind("c:d:", "", &ctx).unwrap().name, "c");
        let mp = daemon_bind("//./pipe/a://./pipe/b", "", &ctx).unwrap();
        assert_eq!(
            (mp.kind.as_str(), mp.source.as_str(), mp.destination.as_str()),
            ("npipe", r"\\.\pipe\a", r"\\.\pipe\b")
        );
        assert_eq!(daemon_bind(r"d:\x:rw", "", &ctx).unwrap_err(), r"invalid volume specification: 'd:\x:rw'");
        assert_eq!(daemon_bind("a:b:c:d", "", &ctx).unwrap_err(), "invalid volume specification: 'a:b:c:d'");
        assert_eq!(
            daemon_anonymous(".", "", &ctx).unwrap_err(),
            "Unrecognised volume spec: invalid volume specification: '.'"
        );
        let mp = daemon_anonymous(r"\\?\D:\", "", &ctx).unwrap();
        assert_eq!((mp.destination.as_str(), mp.copy_data), (r"\\?\d:", false));
    }

    #[test]
    fn windows_lowercasing_is_per_character() {
        // `İ` lowercases to a plain `i` in Go (one character, shorter in bytes).
        let ctx = windows_ctx();
        let mp = daemon_bind("İx:d:", "", &ctx).unwrap();
        assert_eq!(mp.name, "ix");
        let model = to_model("İx:D:\\Data", &ctx).unwrap();
        assert_eq!(model.source.as_deref(), Some("ix"));
        assert_eq!(model.span_of(Field::Source), Span::new(0, 3));
        assert_eq!(model.span_of(Field::Target), Span::new(4, 11));
        assert_eq!(model.target, r"d:\data");
    }

    #[test]
    fn reserved_names() {
        for name in ["con", "prn", "nul", "aux", "com1", "com9", "lpt1", "lpt9"] {
            assert!(windows::is_reserved_name(name), "{name}");
        }
        for name in ["com0", "com10", "lpt", "aux1", "test-aux-volume"] {
            assert!(!windows::is_reserved_name(name), "{name}");
        }
    }

    #[test]
    fn model_of_a_bind() {
        let ctx = linux();
        let value = "./src:/app:ro,Z,rshared,cached";
        let model = to_model(value, &ctx).unwrap();
        assert_eq!(model.kind, MountKind::Bind);
        assert_eq!(model.syntax, SyntaxKind::VolumeFlag);
        assert_eq!(model.source.as_deref(), Some("/home/user/proj/src"));
        assert_eq!(model.target, "/app");
        assert!(model.read_only);
        assert_eq!(model.selinux.as_deref(), Some("Z"));
        assert_eq!(model.propagation.as_deref(), Some("rshared"));
        assert_eq!(model.rare.consistency.as_deref(), Some("cached"));
        assert_eq!(model.mode.as_deref(), Some("ro,Z,rshared,cached"));
        assert_eq!(model.create_host_path, Some(true));
        let text = |field| {
            let span = model.span_of(field);
            &value[span.start..span.end]
        };
        assert_eq!(text(Field::Source), "./src");
        assert_eq!(text(Field::Target), "/app");
        assert_eq!(text(Field::Mode), "ro,Z,rshared,cached");
        assert_eq!(text(Field::ReadOnly), "ro");
        assert_eq!(text(Field::Selinux), "Z");
        assert_eq!(text(Field::Propagation), "rshared");
        assert_eq!(text(Field::Consistency), "cached");
        assert_eq!(model.span, Span::new(0, value.len()));
    }

    #[test]
    fn model_of_volumes() {
        let ctx = linux();
        let named = to_model("myvol:/data:nocopy", &ctx).unwrap();
        assert_eq!(
            (named.kind.clone(), named.source.as_deref(), named.nocopy),
            (MountKind::Volume, Some("myvol"), true)
        );
        assert_eq!(named.create_host_path, None);
        let anon = to_model("a:/data", &ctx).unwrap();
        assert!(anon.is_anonymous_volume());
        assert_eq!(anon.target, "a:/data");
        assert_eq!(anon.span_of(Field::Target), Span::new(0, 7));
        // Relative sources the CLI leaves alone stay volume names.
        let old = with_cli(Version::new(20, 10, 24));
        let model = to_model("./data:/d", &old).unwrap();
        assert_eq!((model.kind.clone(), model.source.as_deref()), (MountKind::Volume, Some("./data")));
        assert!(to_model("", &ctx).is_none());
    }

    #[test]
    fn model_of_rejected_values() {
        let ctx = linux();
        let model = to_model(":::", &ctx).unwrap();
        assert_eq!(
            (model.kind.clone(), model.source.as_deref(), model.target.as_str()),
            (MountKind::Volume, Some(""), "")
        );
        let model = to_model("/a:/b:ro,rw", &ctx).unwrap();
        assert!(!model.read_only, "the last access token wins in the model");
        let model = to_model("/foo::ro", &ctx).unwrap();
        assert_eq!((model.target.as_str(), model.read_only), ("", true));
        let windows = windows_ctx();
        let model = to_model(r"d:\pathandmode:rw", &windows).unwrap();
        assert_eq!((model.target.as_str(), model.mode.as_deref()), (r"d:\pathandmode", Some("rw")));
        let model = to_model(r"name*:d:", &windows).unwrap();
        assert_eq!((model.kind.clone(), model.source.as_deref()), (MountKind::Volume, Some("name*")));
        let model = to_model(r"\\.\pipe\a:\\.\pipe\b", &windows).unwrap();
        assert_eq!(model.kind, MountKind::Npipe);
        let model = to_model(r"c:\src:d:\dst", &windows).unwrap();
        assert_eq!((model.kind.clone(), model.create_host_path), (MountKind::Bind, Some(false)));
    }

    fn exercise(value: &str) {
        for ctx in [linux(), windows_ctx(), with_cli(Version::new(20, 10, 24))] {
            if let Ok(route) = client(value, &ctx) {
                let _ = match route {
                    ClientRoute::Bind { raw } => daemon_bind(&raw, "", &ctx),
                    ClientRoute::Anonymous { target } => daemon_anonymous(&target, "", &ctx),
                };
            }
            let _ = daemon_bind(value, "drv", &ctx);
            let _ = daemon_anonymous(value, "", &ctx);
            if let Some(model) = to_model(value, &ctx) {
                for span in model.provenance.values() {
                    assert!(value.get(span.start..span.end).is_some(), "{value:?}: {span:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_string_never_panics(value in any::<String>()) {
            exercise(&value);
        }

        #[test]
        fn volume_like_strings_never_panic(value in r"[a-zA-ZİK\\/:.,?*|<>\u{0} ]{0,20}") {
            exercise(&value);
        }
    }
}
