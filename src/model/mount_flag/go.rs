//! The few Go library functions the CLI applies to `--mount` values, reproduced exactly:
//! `strings.ToLower`, `strconv.ParseBool`, `strconv.ParseUint`, `strconv.ParseFloat` and
//! go-units' `RAMInBytes` (both the regular-expression version of CLIs before 23.0 and the
//! hand-written one since).

use crate::model::verdict::go_quote;
use crate::model::version::Version;

/// Go's `strings.ToLower`: the simple (one rune to one rune) lower-case mapping. Unlike
/// Rust's `to_lowercase` it maps `İ` to `i` and never looks at the context of a `Σ`.
pub fn to_lower(text: &str) -> String {
    text.chars().map(|c| if c == '\u{130}' { 'i' } else { c.to_lowercase().next().unwrap_or(c) }).collect()
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseUint(text, base, bits)` for an explicit base (2 to 36): digits of the
/// base only, no sign, no prefix, no underscores, and the value within `bits`.
pub fn parse_uint(text: &str, base: u32, bits: u32) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let max = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
    let mut value: u64 = 0;
    for c in text.chars() {
        let digit = c.to_digit(base)?;
        value = value.checked_mul(u64::from(base))?.checked_add(u64::from(digit))?;
        if value > max {
            return None;
        }
    }
    Some(value)
}

/// Go's `strconv.ParseFloat(text, 64)`, with Go's error text.
fn parse_float_verbose(text: &str) -> Result<f64, String> {
    let fail = |reason: &str| format!("strconv.ParseFloat: parsing {}: {reason}", go_quote(text));
    if let Some(value) = special_float(text) {
        return Ok(value);
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'+') => {
            i = 1;
            false
        }
        Some(b'-') => {
            i = 1;
            true
        }
        _ => false,
    };
    let hex = i + 2 < bytes.len() && bytes[i] == b'0' && (bytes[i + 1] | 0x20) == b'x';
    let value = if hex { parse_hex_float(bytes, i + 2) } else { parse_decimal_float(bytes, i) };
    let value = match value {
        Some(value) if underscores_ok(text) => value,
        _ => return Err(fail("invalid syntax")),
    };
    if value.is_infinite() {
        // Beyond the largest float64.
        return Err(fail("value out of range"));
    }
    Ok(if negative { -value } else { value })
}

/// `inf`, `infinity` (optionally signed) and `nan`, in any case, as the whole text.
fn special_float(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let (sign, rest) = match lower.as_bytes().first() {
        Some(b'+') => (1.0, &lower[1..]),
        Some(b'-') => (-1.0, &lower[1..]),
        _ => (1.0, lower.as_str()),
    };
    match rest {
        "inf" | "infinity" => Some(sign * f64::INFINITY),
        "nan" if rest.len() == lower.len() => Some(f64::NAN),
        _ => None,
    }
}

/// Decimal digits with at most one dot and at least one digit, then an optional exponent;
/// underscores are skipped here and judged by `underscores_ok`.
fn parse_decimal_float(bytes: &[u8], start: usize) -> Option<f64> {
    let mut digits = String::new();
    let mut i = start;
    let mut saw_dot = false;
    let mut saw_digit = false;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'_' => {}
            b'.' if !saw_dot => {
                saw_dot = true;
                digits.push('.');
            }
            b'0'..=b'9' => {
                saw_digit = true;
                digits.push(char::from(c));
            }
            _ => break,
        }
        i += 1;
    }
    if !saw_digit {
        return None;
    }
    if let Some(&c) = bytes.get(i) {
        if c | 0x20 != b'e' {
            return None;
        }
        i += 1;
        digits.push('e');
        match bytes.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                digits.push('-');
                i += 1;
            }
            _ => {}
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while let Some(&c) = bytes.get(i) {
            match c {
                b'_' => {}
                b'0'..=b'9' => digits.push(char::from(c)),
                _ => return None,
            }
            i += 1;
        }
    }
    // Rust's parser rounds correctly, like Go's: the same digits give the same float.
    digits.parse::<f64>().ok()
}

/// A hexadecimal mantissa (`0x` already read) with its mandatory `p` exponent.
fn parse_hex_float(bytes: &[u8], start: usize) -> Option<f64> {
    let mut mantissa: u128 = 0;
    let mut sticky = false;
    let mut exponent: i64 = 0;
    let mut saw_dot = false;
    let mut saw_digit = false;
    let mut i = start;
    while let Some(&c) = bytes.get(i) {
        let digit = match c {
            b'_' => {
                i += 1;
                continue;
            }
            b'.' if !saw_dot => {
                saw_dot = true;
                i += 1;
                continue;
            }
            _ => match char::from(c).to_digit(16) {
                Some(d) => d,
                None => break,
            },
        };
        saw_digit = true;
        if mantissa >> 120 == 0 {
            mantissa = (mantissa << 4) | u128::from(digit);
            if saw_dot {
                exponent -= 4;
            }
        } else {
            sticky |= digit != 0;
            if !saw_dot {
                exponent += 4;
            }
        }
        i += 1;
    }
    if !saw_digit || bytes.get(i).map(|c| c | 0x20) != Some(b'p') {
        return None;
    }
    i += 1;
    let negative_exp = match bytes.get(i) {
        Some(b'+') => {
            i += 1;
            false
        }
        Some(b'-') => {
            i += 1;
            true
        }
        _ => false,
    };
    if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut e: i64 = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'_' => {}
            b'0'..=b'9' => e = (e * 10 + i64::from(c - b'0')).min(100_000),
            _ => return None,
        }
        i += 1;
    }
    if mantissa == 0 {
        return Some(0.0);
    }
    if sticky {
        mantissa |= 1;
    }
    let exp = exponent + if negative_exp { -e } else { e };
    let exp = i32::try_from(exp.clamp(-2000, 2000)).unwrap_or(0);
    Some((mantissa as f64) * 2f64.powi(exp))
}

/// Go's `underscoreOK`: an underscore only between digits (or after a base prefix).
fn underscores_ok(text: &str) -> bool {
    if !text.contains('_') {
        return true;
    }
    let mut s = text.as_bytes();
    if let Some(b'+' | b'-') = s.first() {
        s = &s[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1] | 0x20 == b'x';
    }
    while let Some(&c) = s.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `int64(f)` on amd64 (the CLI's usual build): values out of range, and NaN, become
/// the smallest int64.
pub fn float_to_i64(value: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&value) {
        value as i64
    } else {
        i64::MIN
    }
}

/// go-units `RAMInBytes` as vendored in the CLI of `release`: a size with binary units.
pub fn ram_in_bytes(text: &str, release: Version) -> Option<i64> {
    let parsed = if release >= Version::new(23, 0, 0) {
        ram_in_bytes_v05(text)
    } else {
        ram_in_bytes_regex(text, release >= Version::new(18, 9, 0))
    };
    parsed.ok()
}

/// `RAMInBytes` with go-units' error text: version 0.5 (`v05`, in Engines since 23.0) or
/// the regular-expression version before it.
pub fn ram_in_bytes_verbose(text: &str, v05: bool) -> Result<i64, String> {
    if v05 {
        ram_in_bytes_v05(text)
    } else {
        ram_in_bytes_regex(text, true)
    }
}

/// go-units 0.5 (CLI ≥ 23.0): the number is everything up to the last digit, dot or
/// space (one space may separate the unit), parsed by `ParseFloat`.
fn ram_in_bytes_v05(text: &str) -> Result<i64, String> {
    let invalid_size = || format!("invalid size: '{text}'");
    let sep = text.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ').ok_or_else(invalid_size)?;
    let (number, suffix) = if text.as_bytes().get(sep) == Some(&b' ') {
        (&text[..sep], &text[sep + 1..])
    } else {
        (&text[..=sep], &text[sep + 1..])
    };
    let mut size = parse_float_verbose(number)?;
    if size < 0.0 {
        return Err(invalid_size());
    }
    if suffix.is_empty() {
        return Ok(float_to_i64(size));
    }
    if suffix.len() > 3 {
        return Err(format!("invalid suffix: '{suffix}'"));
    }
    let suffix = to_lower(suffix);
    let bad_suffix = || format!("invalid suffix: '{suffix}'");
    let bytes = suffix.as_bytes();
    match bytes.first() {
        Some(b'b') if bytes.len() == 1 => return Ok(float_to_i64(size)),
        Some(b'b') | None => return Err(bad_suffix()),
        Some(&unit) => size *= binary_unit(unit).ok_or_else(bad_suffix)? as f64,
    }
    match bytes.len() {
        2 if bytes[1] != b'b' => Err(bad_suffix()),
        3 if &bytes[1..] != b"ib" => Err(bad_suffix()),
        _ => Ok(float_to_i64(size)),
    }
}

/// go-units before 0.5 (CLI < 23.0): `^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$`
/// (without the `[iI]?` before CLI 18.09).
fn ram_in_bytes_regex(text: &str, allow_i: bool) -> Result<i64, String> {
    let invalid_size = || format!("invalid size: '{text}'");
    let bytes = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return Err(invalid_size());
    }
    while bytes.get(i) == Some(&b'.') {
        let mut j = i + 1;
        if !digits(&mut j) {
            break;
        }
        i = j;
    }
    let number = &text[..i];
    if bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    let mut unit = None;
    if let Some(&c) = bytes.get(i) {
        if b"kKmMgGtTpP".contains(&c) {
            unit = Some(c | 0x20);
            i += 1;
        }
    }
    if allow_i && matches!(bytes.get(i), Some(b'i' | b'I')) {
        i += 1;
    }
    if matches!(bytes.get(i), Some(b'b' | b'B')) {
        i += 1;
    }
    if i != bytes.len() {
        return Err(invalid_size());
    }
    let mut size = parse_float_verbose(number)?;
    if let Some(multiplier) = unit.and_then(binary_unit) {
        size *= multiplier as f64;
    }
    Ok(float_to_i64(size))
}

fn binary_unit(unit: u8) -> Option<i64> {
    Some(match unit {
        b'k' => 1 << 10,
        b'm' => 1 << 20,
        b'g' => 1 << 30,
        b't' => 1 << 40,
        b'p' => 1 << 50,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_float(text: &str) -> Option<f64> {
        parse_float_verbose(text).ok()
    }

    const NEW: Version = Version::new(29, 7, 2);
    const OLD: Version = Version::new(20, 10, 24);

    #[test]
    fn lower_case_like_go() {
        assert_eq!(to_lower("BIND"), "bind");
        assert_eq!(to_lower("İX"), "ix");
        assert_eq!(to_lower("ΣΑΣ"), "σασ");
    }

    #[test]
    fn integers_and_booleans() {
        assert_eq!(parse_uint("0700", 8, 32), Some(448));
        assert_eq!(parse_uint("1770", 8, 32), Some(1016));
        assert_eq!(parse_uint("37777777777", 8, 32), Some(u64::from(u32::MAX)));
        for bad in ["", "0999", "0o700", "-1", "+1", "7_0", "40000000000"] {
            assert_eq!(parse_uint(bad, 8, 32), None, "{bad}");
        }
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("f"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float("1."), Some(1.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("1_000"), Some(1000.0));
        assert_eq!(parse_float("0x1p4"), Some(16.0));
        assert_eq!(parse_float("-0"), Some(-0.0));
        assert_eq!(parse_float("Inf"), Some(f64::INFINITY));
        assert!(parse_float("nan").is_some_and(f64::is_nan));
        for bad in ["", ".", "1.2.3", "1e", "0x10", "_1", "1__0", "1_", "1e400", " 1", "-nan", "infin"] {
            assert_eq!(parse_float(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes_like_go_units() {
        let mib = 1 << 20;
        for (text, want) in [
            ("1m", Some(mib)),
            ("1MB", Some(mib)),
            ("1MiB", Some(mib)),
            ("1 m", Some(mib)),
            ("1.5m", Some(1_572_864)),
            ("1kib", Some(1024)),
            ("1000", Some(1000)),
            ("0", Some(0)),
            ("-0", Some(0)),
            ("1b", Some(1)),
            ("1e3", Some(1000)),
            ("inf m", Some(i64::MIN)),
            ("1\u{212A}", Some(1024)),
            ("1e", None),
            ("-1", None),
            ("foo", None),
            ("1x", None),
            ("1bb", None),
            ("1mx", None),
            ("1  m", None),
            ("1kibb", None),
        ] {
            assert_eq!(ram_in_bytes(text, NEW), want, "{text}");
        }
        for (text, want) in [
            ("1m", Some(mib)),
            ("1 MiB", Some(mib)),
            ("1i", Some(1)),
            ("1 ", Some(1)),
            ("1.5.5", None),
            ("1e3", None),
            ("-1", None),
            (".5", None),
        ] {
            assert_eq!(ram_in_bytes(text, OLD), want, "{text}");
        }
        assert_eq!(ram_in_bytes("1mi", Version::new(18, 6, 0)), None);
    }
}
