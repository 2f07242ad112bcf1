//! The `.env` file (and `--env-file`) as Compose reads it (compose-go `dotenv`):
//! `KEY=VALUE` or `KEY: VALUE` lines, `export` prefixes, `#` comments, single quotes
//! (literal), double quotes (escapes, then interpolation), unquoted values cut at ` #`,
//! a bare `KEY` taking its value from the environment, and `${VAR}` in values resolved
//! against the environment first, then the file's earlier keys.

use super::interpolate::{substitute, Vars};

/// Parse `text`; `environment` is the process environment used for bare keys and
/// interpolation. Returns the file's variables, in file order of first definition.
pub fn parse(text: &str, environment: &Vars) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut line = 1usize;
    let mut rest = text;
    loop {
        rest = statement_start(rest, &mut line);
        if rest.is_empty() {
            break;
        }
        let (key, after, inherited) = key_name(rest, &mut line)?;
        if key.contains(' ') {
            return Err(format!("line {line}: key cannot contain a space"));
        }
        if inherited {
            if let Some(value) = environment.get(&key) {
                set(&mut out, key, value.clone());
            }
            rest = after;
            continue;
        }
        let lookup = |out: &Vec<(String, String)>| -> Vars {
            let mut vars: Vars = out.iter().cloned().collect();
            vars.extend(environment.iter().map(|(k, v)| (k.clone(), v.clone())));
            vars
        };
        let (value, after) = value_of(after, &mut line, &lookup(&out))?;
        set(&mut out, key, value);
        rest = after;
    }
    Ok(out)
}

fn set(out: &mut Vec<(String, String)>, key: String, value: String) {
    match out.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => out.push((key, value)),
    }
}

fn is_space(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

/// Skip blank space and comment lines.
fn statement_start<'a>(mut text: &'a str, line: &mut usize) -> &'a str {
    loop {
        let Some(pos) = text.find(|c: char| {
            if c == '\n' {
                *line += 1;
            }
            !c.is_whitespace()
        }) else {
            return "";
        };
        text = &text[pos..];
        if !text.starts_with('#') {
            return text;
        }
        match text.find('\n') {
            Some(end) => text = &text[end..],
            None => return "",
        }
    }
}

/// The key, what follows its separator, and whether it is a bare (inherited) key.
fn key_name<'a>(text: &'a str, line: &mut usize) -> Result<(String, &'a str, bool), String> {
    let mut text = text;
    if let Some(after) = text.strip_prefix("export") {
        if after.starts_with(|c: char| c.is_whitespace()) {
            text = after.trim_start_matches(is_space);
        }
    }
    let mut found = None;
    for (i, c) in text.char_indices() {
        if is_space(c) {
            continue;
        }
        match c {
            '=' | ':' | '\n' => {
                found = Some((i, c));
                break;
            }
            '_' | '.' | '-' | '[' | ']' => {}
            c if c.is_alphanumeric() => {}
            c => {
                let first_line = text.split('\n').next().unwrap_or("");
                return Err(format!(
                    "line {line}: unexpected character {} in variable name {}",
                    crate::model::verdict::go_quote(&c.to_string()),
                    crate::model::verdict::go_quote(first_line)
                ));
            }
        }
    }
    let Some((end, separator)) = found else {
        return Err("zero length string".to_string());
    };
    let key = text[..end].trim_end().to_string();
    let inherited = separator == '\n';
    if inherited && !key.contains(' ') {
        *line += 1;
    }
    let after = text[end + separator.len_utf8()..].trim_start_matches(is_space);
    Ok((key, after, inherited))
}

/// A value and the text after it.
fn value_of<'a>(text: &'a str, line: &mut usize, vars: &Vars) -> Result<(String, &'a str), String> {
    let quote = match text.as_bytes().first() {
        Some(b'"') => b'"',
        Some(b'\'') => b'\'',
        _ => {
            let (value, rest) = text.split_once('\n').unwrap_or((text, ""));
            *line += 1;
            let value = value.split_once(" #").map_or(value, |(v, _)| v).trim_end();
            let expanded = expand(value, vars)?;
            return Ok((expanded, rest));
        }
    };
    let bytes = text.as_bytes();
    let mut chars: Vec<u8> = Vec::new();
    let mut escaped = false;
    let mut i = 1;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            *line += 1;
        }
        if c != quote {
            if !escaped && c == b'\\' {
                escaped = true;
                i += 1;
                continue;
            }
            if escaped {
                escaped = false;
                chars.push(b'\\');
            }
            chars.push(c);
            i += 1;
            continue;
        }
        if escaped {
            escaped = false;
            chars.push(c);
            i += 1;
            continue;
        }
        let value = String::from_utf8_lossy(&chars).into_owned();
        let value = if quote == b'"' { expand(&unescape(&value), vars)? } else { value };
        return Ok((value, &text[i + 1..]));
    }
    let end = text.find('\n').unwrap_or(text.len());
    Err(format!("line {line}: unterminated quoted value {}", &text[..end]))
}

fn expand(value: &str, vars: &Vars) -> Result<String, String> {
    substitute(value, vars, &mut Vec::new()).map(|s| s.value).map_err(|e| e.message("env file"))
}

/// Double-quoted escapes: `\a \b \c \f \n \r \t \v \$ \" \\` and `\0NNN` octal.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('v') => out.push('\u{b}'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            // `\$` means a literal `$`: the interpolation's own escape.
            Some('$') => out.push_str("$$"),
            Some('0') => {
                chars.next();
                let mut digits = String::new();
                while digits.len() < 3 && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    digits.extend(chars.next());
                }
                match u32::from_str_radix(&digits, 8).ok().and_then(char::from_u32).filter(|_| !digits.is_empty()) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push_str("\\0");
                        out.push_str(&digits);
                    }
                }
                continue;
            }
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_env_files_like_compose() {
        let env: Vars = [("HOST".to_string(), "h".to_string()), ("INHERIT".to_string(), "i".to_string())].into();
        let text =
            "# comment\nexport A=1\nB = two words # note\nC='lit ${A}'\nD=\"x\\ty ${A}\"\nINHERIT\nE: ${HOST}/x\n";
        let parsed = parse(text, &env).unwrap();
        let get = |k: &str| parsed.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("two words"));
        assert_eq!(get("C"), Some("lit ${A}"));
        assert_eq!(get("D"), Some("x\ty 1"));
        assert_eq!(get("INHERIT"), Some("i"));
        assert_eq!(get("E"), Some("h/x"));
        assert!(parse("A B=1\n", &env).unwrap_err().contains("key cannot contain a space"));
    }
}
