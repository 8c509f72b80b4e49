//! `numeric`: parsing decimal text, writing it in canonical text form, and converting between
//! decimal text and PostgreSQL's binary numeric (base-10000 digits), without heap buffers.
//!
//! Input accepts what PostgreSQL's `numeric_in` accepts for the types we store: optional
//! surrounding whitespace and sign, digits with an optional point, an optional exponent
//! (`1e10`, `1.5E-3`: normalised away, as PostgreSQL does), `NaN` and `Infinity`/`-Infinity`
//! (any case, `inf` too). Output is always plain positional notation.

use bytes::{BufMut, BytesMut};

use crate::error::{PgError, SqlState};

/// Binary sign word of a positive (or zero) value.
pub const NUMERIC_POS: u16 = 0x0000;
/// Binary sign word of a negative value.
pub const NUMERIC_NEG: u16 = 0x4000;
/// Binary sign word of `NaN`.
pub const NUMERIC_NAN: u16 = 0xC000;
/// Binary sign word of `Infinity`.
pub const NUMERIC_PINF: u16 = 0xD000;
/// Binary sign word of `-Infinity`.
pub const NUMERIC_NINF: u16 = 0xF000;
/// Largest display scale PostgreSQL allows.
pub const NUMERIC_MAX_DSCALE: i64 = 0x3FFF;
/// Largest exponent accepted in `1eN` input.
const MAX_EXPONENT: i64 = 1000;

/// What kind of value a [`Decimal`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalKind {
    /// An ordinary number.
    Finite,
    /// `NaN`
    NaN,
    /// `Infinity`
    Infinity,
    /// `-Infinity`
    NegInfinity,
}

/// Why decimal text was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    /// Not a number (22P02).
    Syntax,
    /// Exponent or scale beyond what `numeric` holds (22003).
    Overflow,
}

impl DecimalError {
    /// The PostgreSQL-style error for `input`.
    pub fn to_pg(self, input: &[u8]) -> PgError {
        match self {
            DecimalError::Syntax => PgError::new(
                SqlState::INVALID_TEXT_REPRESENTATION,
                format!(
                    "invalid input syntax for type numeric: \"{}\"",
                    String::from_utf8_lossy(input)
                ),
            ),
            DecimalError::Overflow => PgError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "value overflows numeric format",
            ),
        }
    }
}

/// A decimal number parsed from text; it borrows the digit runs of the input.
///
/// The value is `int.frac × 10^exp`, with `int` and `frac` the digit runs as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal<'a> {
    /// Finite, NaN or an infinity.
    pub kind: DecimalKind,
    /// A '-' sign was present (ignored for zero on output).
    pub negative: bool,
    /// Digits before the point.
    pub int: &'a [u8],
    /// Digits after the point.
    pub frac: &'a [u8],
    /// The `e` exponent (0 without one).
    pub exp: i64,
}

impl<'a> Decimal<'a> {
    /// A special (non-finite) value.
    pub const fn special(kind: DecimalKind) -> Decimal<'static> {
        Decimal {
            kind,
            negative: false,
            int: &[],
            frac: &[],
            exp: 0,
        }
    }

    /// Parses decimal text; see the module docs for the accepted forms.
    pub fn parse(input: &'a [u8]) -> Result<Decimal<'a>, DecimalError> {
        let s = input.trim_ascii();
        let (negative, body) = match s.split_first() {
            Some((b'-', rest)) => (true, rest),
            Some((b'+', rest)) => (false, rest),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"nan") {
            return if body.len() == s.len() {
                Ok(Decimal::special(DecimalKind::NaN))
            } else {
                Err(DecimalError::Syntax)
            };
        }
        if body.eq_ignore_ascii_case(b"infinity") || body.eq_ignore_ascii_case(b"inf") {
            let kind = if negative {
                DecimalKind::NegInfinity
            } else {
                DecimalKind::Infinity
            };
            return Ok(Decimal::special(kind));
        }
        let int_len = body.iter().take_while(|b| b.is_ascii_digit()).count();
        let (int, rest) = body.split_at(int_len);
        let (frac, rest) = match rest.split_first() {
            Some((b'.', after)) => {
                let n = after.iter().take_while(|b| b.is_ascii_digit()).count();
                after.split_at(n)
            }
            _ => (&[][..], rest),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(DecimalError::Syntax);
        }
        let exp = match rest.split_first() {
            None => 0,
            Some((b'e' | b'E', after)) => parse_exponent(after)?,
            Some(_) => return Err(DecimalError::Syntax),
        };
        let d = Decimal {
            kind: DecimalKind::Finite,
            negative,
            int,
            frac,
            exp,
        };
        if d.dscale() > NUMERIC_MAX_DSCALE {
            return Err(DecimalError::Overflow);
        }
        Ok(d)
    }

    /// Number of digits (integer and fraction runs together).
    fn len(&self) -> usize {
        self.int.len() + self.frac.len()
    }

    /// The `i`-th digit value of the combined digit runs.
    fn digit(&self, i: usize) -> u8 {
        let b = if i < self.int.len() {
            self.int.get(i)
        } else {
            self.frac.get(i - self.int.len())
        };
        b.map_or(0, |b| b.wrapping_sub(b'0'))
    }

    /// Position of the decimal point, counted in digits from the start of the digit runs.
    fn point(&self) -> i64 {
        self.int.len() as i64 + self.exp
    }

    /// The digit multiplying `10^power` (0 outside the written digits).
    fn digit_at_power(&self, power: i64) -> u8 {
        let i = self.point() - 1 - power;
        if i >= 0 && (i as usize) < self.len() {
            self.digit(i as usize)
        } else {
            0
        }
    }

    /// Display scale: digits after the point as written (after applying the exponent).
    pub fn dscale(&self) -> i64 {
        (self.frac.len() as i64 - self.exp).max(0)
    }

    /// Powers of ten of the first and last nonzero digits; `None` for zero.
    fn nonzero_span(&self) -> Option<(i64, i64)> {
        let first = (0..self.len()).find(|&i| self.digit(i) != 0)?;
        let last = (0..self.len()).rev().find(|&i| self.digit(i) != 0)?;
        let p = self.point();
        Some((p - 1 - first as i64, p - 1 - last as i64))
    }

    /// True for a finite zero (any sign or scale).
    pub fn is_zero(&self) -> bool {
        self.kind == DecimalKind::Finite && self.nonzero_span().is_none()
    }

    /// Drops trailing zeros of the fraction run (used for values that come from floats,
    /// whose text has no meaningful scale).
    pub fn trim_fraction_zeros(mut self) -> Decimal<'a> {
        while let Some((b'0', rest)) = self.frac.split_last() {
            self.frac = rest;
        }
        self
    }

    /// True if `raw` is exactly what [`Decimal::write_text`] would write for it.
    pub fn is_canonical_text(raw: &[u8]) -> bool {
        match raw {
            b"NaN" | b"Infinity" | b"-Infinity" => return true,
            _ => {}
        }
        let (negative, body) = match raw.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, raw),
        };
        let int_len = body.iter().take_while(|b| b.is_ascii_digit()).count();
        let (int, rest) = body.split_at(int_len);
        let frac = match rest.split_first() {
            None => &[][..],
            Some((b'.', frac)) if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => frac,
            Some(_) => return false,
        };
        let leading_zero_ok = int.len() == 1 || int.first().is_some_and(|&b| b != b'0');
        let zero = int.iter().chain(frac).all(|&b| b == b'0');
        !int.is_empty() && leading_zero_ok && !(negative && zero)
    }

    /// Writes the canonical text form: `NaN`, `Infinity`, `-Infinity`, or `[-]digits[.digits]`
    /// with no leading zeros, exactly `dscale` fraction digits, and no sign on zero.
    pub fn write_text<B: BufMut>(&self, out: &mut B) {
        match self.kind {
            DecimalKind::NaN => return out.put_slice(b"NaN"),
            DecimalKind::Infinity => return out.put_slice(b"Infinity"),
            DecimalKind::NegInfinity => return out.put_slice(b"-Infinity"),
            DecimalKind::Finite => {}
        }
        let span = self.nonzero_span();
        if self.negative && span.is_some() {
            out.put_u8(b'-');
        }
        let top = match span {
            Some((hi, _)) if hi > 0 => hi,
            _ => 0,
        };
        for power in (0..=top).rev() {
            out.put_u8(b'0' + self.digit_at_power(power));
        }
        let dscale = self.dscale();
        if dscale > 0 {
            out.put_u8(b'.');
            for power in 1..=dscale {
                out.put_u8(b'0' + self.digit_at_power(-power));
            }
        }
    }

    /// Writes the canonical text form rounded (half away from zero) or padded to exactly
    /// `scale` fraction digits: how a value of a `numeric(p, s)` column, or of an
    /// expression whose display scale the statement fixes, is printed.
    pub fn write_text_scaled<B: BufMut>(&self, scale: u16, out: &mut B) {
        let scale = i64::from(scale);
        if self.kind != DecimalKind::Finite || self.dscale() == scale {
            return self.write_text(out);
        }
        let top = match self.nonzero_span() {
            Some((hi, _)) if hi > 0 => hi,
            _ => 0,
        };
        // Digits from 10^(top+1) (room for a carry) down to 10^-scale.
        let mut digits: smallvec::SmallVec<[u8; 48]> = ((-scale)..=top + 1)
            .rev()
            .map(|power| self.digit_at_power(power))
            .collect();
        if self.digit_at_power(-scale - 1) >= 5 {
            for d in digits.iter_mut().rev() {
                if *d == 9 {
                    *d = 0;
                } else {
                    *d += 1;
                    break;
                }
            }
        }
        let int_len = digits.len() - scale as usize;
        if self.negative && digits.iter().any(|&d| d != 0) {
            out.put_u8(b'-');
        }
        let first = digits[..int_len - 1]
            .iter()
            .position(|&d| d != 0)
            .unwrap_or(int_len - 1);
        for &d in &digits[first..int_len] {
            out.put_u8(b'0' + d);
        }
        if scale > 0 {
            out.put_u8(b'.');
            for &d in &digits[int_len..] {
                out.put_u8(b'0' + d);
            }
        }
    }

    /// Writes PostgreSQL's binary numeric: Int16 ndigits, Int16 weight, Int16 sign, Int16
    /// dscale, then ndigits base-10000 Int16 digits with no leading or trailing zero groups.
    pub fn write_binary(&self, out: &mut BytesMut) -> Result<(), DecimalError> {
        let sign = match self.kind {
            DecimalKind::NaN => NUMERIC_NAN,
            DecimalKind::Infinity => NUMERIC_PINF,
            DecimalKind::NegInfinity => NUMERIC_NINF,
            DecimalKind::Finite if self.negative => NUMERIC_NEG,
            DecimalKind::Finite => NUMERIC_POS,
        };
        let dscale = u16::try_from(self.dscale()).map_err(|_| DecimalError::Overflow)?;
        let Some((hi, lo)) = self
            .nonzero_span()
            .filter(|_| self.kind == DecimalKind::Finite)
        else {
            // Zero and the special values carry no digits.
            let sign = if self.kind == DecimalKind::Finite {
                NUMERIC_POS
            } else {
                sign
            };
            let dscale = if self.kind == DecimalKind::Finite {
                dscale
            } else {
                0
            };
            out.put_i16(0);
            out.put_i16(0);
            out.put_u16(sign);
            out.put_u16(dscale);
            return Ok(());
        };
        let weight = hi.div_euclid(4);
        let low_group = lo.div_euclid(4);
        let ndigits = i16::try_from(weight - low_group + 1).map_err(|_| DecimalError::Overflow)?;
        let weight16 = i16::try_from(weight).map_err(|_| DecimalError::Overflow)?;
        out.reserve(8 + 2 * ndigits as usize);
        out.put_i16(ndigits);
        out.put_i16(weight16);
        out.put_u16(sign);
        out.put_u16(dscale);
        for group in (low_group..=weight).rev() {
            let base = group * 4;
            let value = (0..4).rev().fold(0u16, |acc, k| {
                acc * 10 + u16::from(self.digit_at_power(base + k))
            });
            out.put_u16(value);
        }
        Ok(())
    }
}

/// Parses the exponent digits after 'e'.
fn parse_exponent(s: &[u8]) -> Result<i64, DecimalError> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::Syntax);
    }
    let mut value: i64 = 0;
    for &d in digits {
        value = value * 10 + i64::from(d - b'0');
        if value > MAX_EXPONENT {
            return Err(DecimalError::Overflow);
        }
    }
    Ok(if negative { -value } else { value })
}

/// Converts a binary numeric (as sent in a Bind message) to its canonical decimal text.
pub fn binary_to_text(raw: &[u8]) -> Result<String, PgError> {
    let bad = |why: &str| {
        PgError::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            format!("invalid binary numeric: {why}"),
        )
    };
    let word = |i: usize| -> Option<u16> {
        let b = raw.get(i * 2..i * 2 + 2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    };
    let (Some(ndigits), Some(weight), Some(sign), Some(dscale)) =
        (word(0), word(1), word(2), word(3))
    else {
        return Err(bad("too short"));
    };
    let ndigits = ndigits as i16;
    let weight = i64::from(weight as i16);
    if ndigits < 0 || raw.len() != 8 + 2 * ndigits as usize {
        return Err(bad("length does not match digit count"));
    }
    match sign {
        NUMERIC_NAN => return Ok("NaN".to_owned()),
        NUMERIC_PINF => return Ok("Infinity".to_owned()),
        NUMERIC_NINF => return Ok("-Infinity".to_owned()),
        NUMERIC_POS | NUMERIC_NEG => {}
        _ => return Err(bad("invalid sign")),
    }
    if i64::from(dscale) > NUMERIC_MAX_DSCALE {
        return Err(bad("invalid scale"));
    }
    let ndigits = ndigits as usize;
    let mut groups = smallvec::SmallVec::<[u16; 32]>::with_capacity(ndigits);
    for i in 0..ndigits {
        let g = word(4 + i).unwrap_or(0);
        if g > 9999 {
            return Err(bad("digit out of range"));
        }
        groups.push(g);
    }
    // Group k (0-based) has weight `weight - k`.
    let group_at = |w: i64| -> u16 {
        let k = weight - w;
        if k >= 0 && (k as usize) < groups.len() {
            groups[k as usize]
        } else {
            0
        }
    };
    let nonzero = groups.iter().any(|&g| g != 0);
    let mut text = String::with_capacity(ndigits * 4 + dscale as usize + 4);
    if sign == NUMERIC_NEG && nonzero {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        let mut started = false;
        for w in (0..=weight).rev() {
            let g = group_at(w);
            for div in [1000, 100, 10, 1] {
                let d = (g / div % 10) as u8;
                if started || d != 0 || (w == 0 && div == 1) {
                    started = true;
                    text.push(char::from(b'0' + d));
                }
            }
        }
    }
    if dscale > 0 {
        text.push('.');
        let mut written = 0;
        let mut w = -1;
        while written < dscale {
            let g = group_at(w);
            for div in [1000, 100, 10, 1] {
                if written < dscale {
                    text.push(char::from(b'0' + (g / div % 10) as u8));
                    written += 1;
                }
            }
            w -= 1;
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(text: &str, scale: u16) -> String {
        let mut out = Vec::new();
        Decimal::parse(text.as_bytes())
            .unwrap()
            .write_text_scaled(scale, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn scaled_text_rounds_half_away_and_pads() {
        assert_eq!(scaled("12.345", 2), "12.35");
        assert_eq!(scaled("-12.345", 2), "-12.35");
        assert_eq!(scaled("24.7", 2), "24.70");
        assert_eq!(scaled("100", 2), "100.00");
        assert_eq!(scaled("9.995", 2), "10.00");
        assert_eq!(scaled("-0.004", 2), "0.00");
        assert_eq!(scaled("0.5", 0), "1");
        assert_eq!(scaled("99.5", 0), "100");
        assert_eq!(scaled("1e3", 1), "1000.0");
        assert_eq!(scaled("1.5e-3", 5), "0.00150");
        assert_eq!(scaled("NaN", 2), "NaN");
    }

    fn text(s: &str) -> String {
        let d = Decimal::parse(s.as_bytes()).unwrap();
        let mut out = Vec::new();
        d.write_text(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn binary(s: &str) -> Vec<u8> {
        let d = Decimal::parse(s.as_bytes()).unwrap();
        let mut out = BytesMut::new();
        d.write_binary(&mut out).unwrap();
        out.to_vec()
    }

    fn words(w: &[i16]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    #[test]
    fn parse_and_text() {
        assert_eq!(text("0"), "0");
        assert_eq!(text("-0.00"), "0.00");
        assert_eq!(text("123.4500"), "123.4500");
        assert_eq!(text("  +007.5 "), "7.5");
        assert_eq!(text(".5"), "0.5");
        assert_eq!(text("5."), "5");
        assert_eq!(text("-12"), "-12");
        assert_eq!(text("1e10"), "10000000000");
        assert_eq!(text("1.5E-3"), "0.0015");
        assert_eq!(text("1.50e1"), "15.0");
        assert_eq!(text("-2.5e+2"), "-250");
        assert_eq!(text("0.000"), "0.000");
        assert_eq!(text("nan"), "NaN");
        assert_eq!(text("-inf"), "-Infinity");
        assert_eq!(text("Infinity"), "Infinity");
        for bad in [
            "", " ", "abc", "1.2.3", "--1", "1e", "1e+", "e5", ".", "-", "1 2", "-nan", "0x10",
        ] {
            assert_eq!(
                Decimal::parse(bad.as_bytes()),
                Err(DecimalError::Syntax),
                "{bad:?}"
            );
        }
        assert_eq!(Decimal::parse(b"1e1001"), Err(DecimalError::Overflow));
        assert_eq!(Decimal::parse(b"1e-20000"), Err(DecimalError::Overflow));
        let e = DecimalError::Syntax.to_pg(b"abc");
        assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
        assert_eq!(e.message, "invalid input syntax for type numeric: \"abc\"");
    }

    #[test]
    fn canonical_check_matches_writer() {
        for s in [
            "0",
            "-0",
            "0.00",
            "-0.00",
            "123.4500",
            "007",
            "7",
            "-7",
            "1e3",
            "5.",
            ".5",
            "NaN",
            "nan",
            "Infinity",
            "-Infinity",
            " 1",
            "+1",
            "0.5",
            "-0.5",
            "10",
            "1.0",
        ] {
            let d = Decimal::parse(s.as_bytes()).unwrap();
            let mut out = Vec::new();
            d.write_text(&mut out);
            assert_eq!(
                Decimal::is_canonical_text(s.as_bytes()),
                out == s.as_bytes(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn binary_layout() {
        // 0: no digits, weight 0, positive, scale 0.
        assert_eq!(binary("0"), words(&[0, 0, 0, 0]));
        assert_eq!(binary("-0.00"), words(&[0, 0, 0, 2]));
        assert_eq!(binary("1"), words(&[1, 0, 0, 0, 1]));
        assert_eq!(binary("10000"), words(&[1, 1, 0, 0, 1]));
        assert_eq!(binary("123.4500"), words(&[2, 0, 0, 4, 123, 4500]));
        assert_eq!(
            binary("-12345678.9"),
            words(&[3, 1, 0x4000, 1, 1234, 5678, 9000])
        );
        assert_eq!(binary("0.0001"), words(&[1, -1, 0, 4, 1]));
        assert_eq!(binary("0.00001"), words(&[1, -2, 0, 5, 1000]));
        assert_eq!(binary("100000000.0001"), words(&[4, 2, 0, 4, 1, 0, 0, 1]));
        assert_eq!(binary("1e10"), words(&[1, 2, 0, 0, 100]));
        assert_eq!(binary("NaN"), words(&[0, 0, 0xC000u16 as i16, 0]));
        assert_eq!(binary("Infinity"), words(&[0, 0, 0xD000u16 as i16, 0]));
        assert_eq!(binary("-Infinity"), words(&[0, 0, 0xF000u16 as i16, 0]));
    }

    #[test]
    fn binary_to_text_round_trips() {
        for s in [
            "0",
            "0.00",
            "1",
            "-1",
            "10000",
            "123.4500",
            "-12345678.9",
            "0.0001",
            "0.00001",
            "100000000.0001",
            "10000000000",
            "NaN",
            "Infinity",
            "-Infinity",
            "9223372036854775807",
            "-9223372036854775808",
            "0.000000000000000000001",
            "3.14159265358979323846264338327950288",
        ] {
            assert_eq!(binary_to_text(&binary(s)).unwrap(), s);
        }
        // A scale shorter than the digits truncates; longer pads.
        assert_eq!(
            binary_to_text(&words(&[2, 0, 0, 1, 1, 5678])).unwrap(),
            "1.5"
        );
        assert_eq!(
            binary_to_text(&words(&[1, 0, 0, 6, 1])).unwrap(),
            "1.000000"
        );
        // Digits beyond ndigits up to the weight are zero.
        assert_eq!(
            binary_to_text(&words(&[1, 2, 0x4000, 0, 7])).unwrap(),
            "-700000000"
        );
    }

    #[test]
    fn binary_to_text_rejects_garbage() {
        for raw in [
            vec![],
            words(&[1, 0, 0]),
            words(&[1, 0, 0, 0]),
            words(&[1, 0, 0, 0, 10000]),
            words(&[0, 0, 0x1234, 0]),
            words(&[-1, 0, 0, 0]),
            words(&[0, 0, 0, 0x4000]),
        ] {
            let e = binary_to_text(&raw).unwrap_err();
            assert_eq!(e.code, SqlState::INVALID_BINARY_REPRESENTATION, "{raw:?}");
        }
    }
}
