//! Variable interpolation, exactly as Compose does it (compose-go `template`,
//! `interpolation`): `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}`,
//! `${VAR:?msg}`, `${VAR?msg}`, `$$`, nested defaults, and the typed fields cast after
//! substitution (`read_only: "$RO"` becomes a boolean).
//!
//! Compose finds templates with a regular expression whose braced form ends at the *last*
//! `}` of the line when a `-`, `+` or `?` follows the name, then cuts the match at the
//! first balanced `}` and substitutes the rest again. We reproduce that scan by hand (see
//! `grammar/compose.md`) because its quirks decide real results: `${A:-{x}}` defaults to
//! `{x}`, `${A:}` is invalid, `$1` is kept as written.

use super::value::{At, Kind, Segment, Text, TextMap, Value};
use crate::model::verdict::go_quote;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Why a template could not be substituted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// Not a valid template; `template` is the text being substituted when it was found.
    Invalid { template: String },
    /// `${VAR:?msg}` / `${VAR?msg}` with VAR missing.
    Required { variable: String, reason: String },
}

impl TemplateError {
    /// Compose's message for a value at `path`.
    pub fn message(&self, path: &str) -> String {
        match self {
            TemplateError::Invalid { template } => format!(
                "invalid interpolation format for {path}.\nYou may need to escape any $ with another $.\n{template}"
            ),
            TemplateError::Required { variable, reason } if reason.is_empty() => {
                format!("error while interpolating {path}: required variable {variable} is missing a value")
            }
            TemplateError::Required { variable, reason } => {
                format!("error while interpolating {path}: required variable {variable} is missing a value: {reason}")
            }
        }
    }
}

/// A piece of the output and the template bytes it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub out: (usize, usize),
    pub template: (usize, usize),
    /// Copied literally from the template.
    pub literal: bool,
}

/// The result of substituting one string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Substituted {
    pub value: String,
    pub pieces: Vec<Piece>,
}

/// The variables interpolation sees.
pub type Vars = BTreeMap<String, String>;

/// What the pattern found at a `$`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Escaped,
    Named,
    /// `${...}` with its content's byte range.
    Braced(usize, usize),
    /// `${` not followed by a valid braced form.
    Invalid,
}

fn is_name_start(byte: u8) -> bool {
    byte == b'_' || byte.is_ascii_alphabetic()
}

fn is_name_char(byte: u8) -> bool {
    byte == b'_' || byte.is_ascii_alphanumeric()
}

/// The pattern at byte `at` (a `$`): the match's end and kind, or `None`.
fn match_at(text: &str, at: usize) -> Option<(usize, Found)> {
    let bytes = text.as_bytes();
    match bytes.get(at + 1) {
        Some(b'$') => Some((at + 2, Found::Escaped)),
        Some(&b) if is_name_start(b) => {
            let mut end = at + 2;
            while bytes.get(end).is_some_and(|b| is_name_char(*b)) {
                end += 1;
            }
            Some((end, Found::Named))
        }
        Some(b'{') => Some(match_braced(text, at).unwrap_or((at + 2, Found::Invalid))),
        _ => None,
    }
}

/// `{NAME}` or `{NAME[:]OP...}` where the tail runs to the last `}` of the line.
fn match_braced(text: &str, at: usize) -> Option<(usize, Found)> {
    let bytes = text.as_bytes();
    let name_start = at + 2;
    if !bytes.get(name_start).is_some_and(|b| is_name_start(*b)) {
        return None;
    }
    let mut name_end = name_start + 1;
    while bytes.get(name_end).is_some_and(|b| is_name_char(*b)) {
        name_end += 1;
    }
    let line_end = |from: usize| text.get(from..).and_then(|rest| rest.find('\n')).map_or(text.len(), |i| from + i);
    let last_brace = |from: usize| -> Option<usize> {
        let end = line_end(from);
        text.get(from..end)?.rfind('}').map(|i| from + i)
    };
    let is_op = |i: usize| matches!(bytes.get(i), Some(b'-') | Some(b'+') | Some(b'?'));
    // The optional operator group is tried first (greedy), with its `:` first.
    if bytes.get(name_end) == Some(&b':') && is_op(name_end + 1) {
        if let Some(close) = last_brace(name_end + 2) {
            return Some((close + 1, Found::Braced(name_start, close)));
        }
    }
    if is_op(name_end) {
        if let Some(close) = last_brace(name_end + 1) {
            return Some((close + 1, Found::Braced(name_start, close)));
        }
    }
    if bytes.get(name_end) == Some(&b'}') {
        return Some((name_end + 1, Found::Braced(name_start, name_end)));
    }
    None
}

/// The leftmost match at or after `from`.
fn find(text: &str, from: usize) -> Option<(usize, usize, Found)> {
    let mut at = from;
    while let Some(offset) = text.get(at..)?.find('$') {
        let start = at + offset;
        if let Some((end, found)) = match_at(text, start) {
            return Some((start, end, found));
        }
        at = start + 1;
    }
    None
}

/// Index of the `}` that closes the first `{` (Compose skips the byte after each `{`).
fn first_closing_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open: i64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if bytes[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

const OPERATORS: [&str; 6] = [":?", "?", ":-", "-", ":+", "+"];

/// Substitute every template in `template`.
pub fn substitute(template: &str, vars: &Vars, warnings: &mut Vec<String>) -> Result<Substituted, TemplateError> {
    let mut out = Substituted::default();
    let mut first_error: Option<TemplateError> = None;
    let mut pos = 0;
    while let Some((start, end, _)) = find(template, pos) {
        push(&mut out, template, (pos, start), None);
        match replace(template.get(start..end).unwrap_or(""), vars, warnings) {
            Ok(value) => push(&mut out, template, (start, end), Some(&value)),
            Err(error) => {
                if first_error.is_none() {
                    first_error = Some(match error {
                        TemplateError::Invalid { template: t } if t.is_empty() => {
                            TemplateError::Invalid { template: template.to_string() }
                        }
                        other => other,
                    });
                }
            }
        }
        pos = end;
    }
    push(&mut out, template, (pos, template.len()), None);
    match first_error {
        Some(error) => Err(error),
        None => Ok(out),
    }
}

fn push(out: &mut Substituted, template: &str, range: (usize, usize), replacement: Option<&str>) {
    let text = match replacement {
        Some(text) => text,
        None => template.get(range.0..range.1).unwrap_or(""),
    };
    if text.is_empty() && replacement.is_none() {
        return;
    }
    let start = out.value.len();
    out.value.push_str(text);
    out.pieces.push(Piece { out: (start, out.value.len()), template: range, literal: replacement.is_none() });
}

/// The replacement of one match (compose-go `DefaultReplacementAppliedFunc`).
fn replace(matched: &str, vars: &Vars, warnings: &mut Vec<String>) -> Result<String, TemplateError> {
    // The operator is chosen on the whole match, before it is cut at the first `}`.
    let operator =
        OPERATORS.iter().filter_map(|op| matched.find(op).map(|i| (i, *op))).min_by_key(|(i, _)| *i).map(|(_, op)| op);
    let (head, rest) = match first_closing_brace(matched) {
        Some(close) => (matched.get(..=close).unwrap_or(matched), matched.get(close + 1..).unwrap_or("")),
        None => (matched, ""),
    };
    let Some((end, found)) = match_at(head, 0) else {
        return Err(TemplateError::Invalid { template: String::new() });
    };
    let name = match found {
        Found::Escaped => return Ok("$".to_string()),
        Found::Invalid => return Err(TemplateError::Invalid { template: String::new() }),
        Found::Named => head.get(1..end).unwrap_or(""),
        Found::Braced(from, to) => {
            let content = head.get(from..to).unwrap_or("");
            if let Some(op) = operator.filter(|op| content.contains(op)) {
                let value = apply(op, content, vars, warnings)?;
                let nested = substitute(rest, vars, warnings)?;
                return Ok(value + &nested.value);
            }
            content
        }
    };
    match vars.get(name) {
        Some(value) => Ok(value.clone()),
        None => {
            warnings.push(format!("The {} variable is not set. Defaulting to a blank string.", go_quote(name)));
            Ok(String::new())
        }
    }
}

/// `${NAME<op>WORD}` with the operator present in `content`.
fn apply(op: &str, content: &str, vars: &Vars, warnings: &mut Vec<String>) -> Result<String, TemplateError> {
    let (name, word) = content.split_once(op).unwrap_or((content, ""));
    let value = vars.get(name);
    let non_empty = value.is_some_and(|v| !v.is_empty());
    match op {
        ":-" | "-" => {
            let use_word = if op == ":-" { !non_empty } else { value.is_none() };
            if use_word {
                Ok(substitute(word, vars, warnings)?.value)
            } else {
                Ok(value.cloned().unwrap_or_default())
            }
        }
        ":+" | "+" => {
            let use_word = if op == ":+" { non_empty } else { value.is_some() };
            if use_word {
                Ok(substitute(word, vars, warnings)?.value)
            } else {
                Ok(value.cloned().unwrap_or_default())
            }
        }
        _ => {
            let missing = if op == ":?" { !non_empty } else { value.is_none() };
            if missing {
                let reason = substitute(word, vars, warnings)?.value;
                Err(TemplateError::Required { variable: name.to_string(), reason })
            } else {
                Ok(value.cloned().unwrap_or_default())
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The whole model: every string value (never a key) is substituted, then cast where the
// field is typed.

/// Types Compose casts interpolated strings to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cast {
    Bool,
    Int,
    Int64,
    Float,
    Float32,
}

/// Compose's cast table (compose-go `loader/interpolate.go`): path pattern and type.
const CASTS: &[(&str, Cast)] = &[
    ("services.*.cpu_count", Cast::Int64),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int64),
    ("services.*.cpu_quota", Cast::Int64),
    ("services.*.cpu_rt_period", Cast::Int64),
    ("services.*.cpu_rt_runtime", Cast::Int64),
    ("services.*.cpus", Cast::Float32),
    ("services.*.cpu_shares", Cast::Int64),
    ("services.*.init", Cast::Bool),
    ("services.*.depends_on.*.required", Cast::Bool),
    ("services.*.depends_on.*.restart", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    ("services.*.deploy.update_config.max_failure_ratio", Cast::Float),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    ("services.*.deploy.rollback_config.max_failure_ratio", Cast::Float),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    ("services.*.deploy.placement.max_replicas_per_node", Cast::Int),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int64),
    ("services.*.pids_limit", Cast::Int64),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

/// Whether `path` matches `pattern` (`*` matches any one part).
pub fn path_matches(path: &[String], pattern: &str) -> bool {
    let mut parts = pattern.split('.');
    path.iter().all(|part| parts.next().is_some_and(|p| p == "*" || p == part)) && parts.next().is_none()
}

/// [`path_matches`] for a pattern already split into its parts.
pub fn parts_match(path: &[String], parts: &[&str]) -> bool {
    parts.len() == path.len() && parts.iter().zip(path).all(|(p, part)| *p == "*" || p == part)
}

/// [`CASTS`] with each pattern split into its parts. The table is matched against every
/// string of a file, so the patterns are split once, not once per string.
static CAST_PARTS: LazyLock<Vec<(Vec<&'static str>, Cast)>> =
    LazyLock::new(|| CASTS.iter().map(|(pattern, cast)| (pattern.split('.').collect(), *cast)).collect());

/// Go's `toBoolean` (YAML 1.1 words accepted with a warning).
pub fn to_boolean(value: &str, warnings: &mut Vec<String>) -> Result<bool, String> {
    match value.to_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        "y" | "yes" | "on" => {
            warnings.push(format!("{} for boolean is not supported by YAML 1.2, please use `true`", go_quote(value)));
            Ok(true)
        }
        "n" | "no" | "off" => {
            warnings.push(format!("{} for boolean is not supported by YAML 1.2, please use `false`", go_quote(value)));
            Ok(false)
        }
        _ => Err(format!("invalid boolean: {value}")),
    }
}

/// Go's `strconv` integer parse in base 10 (optional sign, digits), with its messages.
pub fn go_atoi(value: &str, function: &str) -> Result<i64, String> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.{function}: parsing {}: invalid syntax", go_quote(value)));
    }
    value.parse::<i64>().map_err(|_| format!("strconv.{function}: parsing {}: value out of range", go_quote(value)))
}

fn go_parse_float(value: &str) -> Result<f64, String> {
    let lower = value.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    let special = matches!(body, "inf" | "infinity" | "nan");
    let plain = !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'));
    if special || plain {
        if let Ok(parsed) = value.parse::<f64>() {
            return Ok(parsed);
        }
    }
    Err(format!("strconv.ParseFloat: parsing {}: invalid syntax", go_quote(value)))
}

fn cast(value: &str, cast: Cast, warnings: &mut Vec<String>) -> Result<Kind, String> {
    match cast {
        Cast::Bool => to_boolean(value, warnings).map(Kind::Bool),
        Cast::Int => go_atoi(value, "Atoi").map(Kind::Int),
        Cast::Int64 => go_atoi(value, "ParseInt").map(Kind::Int),
        Cast::Float | Cast::Float32 => go_parse_float(value).map(Kind::Float),
    }
}

/// An interpolation failure at one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpolationError {
    pub message: String,
    pub at: At,
}

/// A warning raised while interpolating, and the value it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterpolationWarning {
    pub message: String,
    pub at: At,
}

/// Interpolate every string value of a document in place. Failures leave the value as it
/// was and are all returned, in document order (Compose stops at the first it meets).
pub fn interpolate(
    value: &mut Value,
    vars: &Vars,
    warnings: &mut Vec<InterpolationWarning>,
) -> Vec<InterpolationError> {
    let mut errors = Vec::new();
    let mut path = Vec::new();
    walk(value, &mut path, vars, warnings, &mut errors);
    errors
}

fn walk(
    value: &mut Value,
    path: &mut Vec<String>,
    vars: &Vars,
    warnings: &mut Vec<InterpolationWarning>,
    errors: &mut Vec<InterpolationError>,
) {
    let at = value.at;
    match &mut value.kind {
        Kind::Str(text) => {
            let mut messages = Vec::new();
            // The path is printed only in messages (joined when one is needed).
            let printed = || path.join(".");
            match substitute(&text.value, vars, &mut messages) {
                Ok(done) => {
                    let map = compose_map(&text.map, &done);
                    let new_text = Text { value: done.value, map };
                    let caster = CAST_PARTS.iter().find(|(parts, _)| parts_match(path, parts)).map(|(_, c)| *c);
                    match caster {
                        Some(kind) => match cast(&new_text.value, kind, &mut messages) {
                            Ok(kind) => value.kind = kind,
                            Err(reason) => errors.push(InterpolationError {
                                message: format!(
                                    "error while interpolating {}: failed to cast to expected type: {reason}",
                                    printed()
                                ),
                                at,
                            }),
                        },
                        None => value.kind = Kind::Str(new_text),
                    }
                }
                Err(error) => errors.push(InterpolationError { message: error.message(&printed()), at }),
            }
            warnings.extend(messages.into_iter().map(|message| InterpolationWarning { message, at }));
        }
        Kind::Map(map) => {
            for (key, item) in &mut map.entries {
                path.push(key.name.clone());
                walk(item, path, vars, warnings, errors);
                path.pop();
            }
        }
        Kind::Seq(items) => {
            for item in items {
                path.push("[]".to_string());
                walk(item, path, vars, warnings, errors);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The file map of a substituted string, from the template's own map.
fn compose_map(original: &TextMap, done: &Substituted) -> TextMap {
    let segments = done
        .pieces
        .iter()
        .filter_map(|piece| {
            let source = original.span_of(piece.template.0, piece.template.1)?;
            let exact = piece.literal && source.len() == piece.out.1 - piece.out.0;
            Some(Segment { start: piece.out.0, end: piece.out.1, source, exact })
        })
        .collect::<Vec<_>>();
    if segments.is_empty() {
        let span = original.segments.first().map(|s| s.source).unwrap_or_default();
        return TextMap::whole(done.value.len(), span);
    }
    TextMap { segments }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn sub(template: &str, pairs: &[(&str, &str)]) -> Result<String, TemplateError> {
        substitute(template, &vars(pairs), &mut Vec::new()).map(|s| s.value)
    }

    #[test]
    fn forms_of_the_spec() {
        let env = [("SET", "v"), ("EMPTY", "")];
        assert_eq!(sub("${SET}/$SET", &env).unwrap(), "v/v");
        assert_eq!(sub("${UNSET:-d}|${EMPTY:-d}|${EMPTY-d}|${UNSET-d}", &env).unwrap(), "d|d||d");
        assert_eq!(sub("${SET:+x}|${EMPTY:+x}|${EMPTY+x}|${UNSET+x}", &env).unwrap(), "x||x|");
        assert_eq!(sub("$$HOME a $ b ^x$ $} $1", &env).unwrap(), "$HOME a $ b ^x$ $} $1");
        assert_eq!(sub("${UNSET:-${SET}}", &env).unwrap(), "v");
        assert_eq!(sub("${UNSET:-{x}}", &env).unwrap(), "{x}");
        assert_eq!(sub("${UNSET:-a}/${SET:-b}", &env).unwrap(), "a/v");
    }

    #[test]
    fn errors_of_the_spec() {
        let required = sub("${VAR:?must set}:/x", &[]).unwrap_err();
        assert_eq!(
            required.message("services.web.volumes.[]"),
            "error while interpolating services.web.volumes.[]: required variable VAR is missing a value: must set"
        );
        assert_eq!(
            sub("${VAR?}", &[]).unwrap_err(),
            TemplateError::Required { variable: "VAR".into(), reason: String::new() }
        );
        for bad in ["${", "${}", "${ foo}", "${foo }", "${foo!}", "${A:}"] {
            assert_eq!(sub(bad, &[]).unwrap_err(), TemplateError::Invalid { template: bad.to_string() }, "{bad}");
        }
    }

    #[test]
    fn unset_variables_warn() {
        let mut warnings = Vec::new();
        substitute("${UNSET}/data", &Vars::new(), &mut warnings).unwrap();
        assert_eq!(warnings, ["The \"UNSET\" variable is not set. Defaulting to a blank string."]);
    }
}
