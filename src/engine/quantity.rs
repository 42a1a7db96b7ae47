//! Kubernetes resource quantities (`500m`, `1Gi`, `1e3`, `0.5`) compared by value, so that
//! `1000m` equals `1` and `1Gi` equals `1024Mi` as the API server itself considers them.

/// A quantity as an exact integer count of nano-units (the API server's finest precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i128);

const NANOS_PER_UNIT: i128 = 1_000_000_000;

impl Quantity {
    /// Parses the canonical Kubernetes quantity grammar; `None` for anything else.
    pub fn parse(text: &str) -> Option<Quantity> {
        let text = text.trim();
        let (number, multiplier) = split_suffix(text)?;
        let nanos = parse_decimal_nanos(number)?;
        multiplier.apply(nanos).map(Quantity)
    }

    /// The quantity of a JSON scalar: strings parse, integers and floats are plain units.
    pub fn from_json(value: &serde_json::Value) -> Option<Quantity> {
        match value {
            serde_json::Value::String(s) => Quantity::parse(s),
            serde_json::Value::Number(n) => Quantity::parse(&n.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Multiplier {
    /// Power of two, as in `Ki` (2^10) … `Ei` (2^60).
    Binary(u32),
    /// Power of ten, as in `n` (-9) … `E` (18) or an explicit exponent.
    Decimal(i32),
}

impl Multiplier {
    fn apply(self, nanos: i128) -> Option<i128> {
        match self {
            Multiplier::Binary(bits) => nanos.checked_mul(1i128.checked_shl(bits)?),
            Multiplier::Decimal(exp) if exp >= 0 => nanos.checked_mul(10i128.checked_pow(exp as u32)?),
            Multiplier::Decimal(exp) => {
                let divisor = 10i128.checked_pow(exp.unsigned_abs())?;
                // Kubernetes rounds sub-nano precision up; equality only needs consistency.
                Some((nanos + divisor - 1).div_euclid(divisor))
            }
        }
    }
}

fn split_suffix(text: &str) -> Option<(&str, Multiplier)> {
    const SUFFIXES: [(&str, Multiplier); 14] = [
        ("Ki", Multiplier::Binary(10)),
        ("Mi", Multiplier::Binary(20)),
        ("Gi", Multiplier::Binary(30)),
        ("Ti", Multiplier::Binary(40)),
        ("Pi", Multiplier::Binary(50)),
        ("Ei", Multiplier::Binary(60)),
        ("n", Multiplier::Decimal(-9)),
        ("u", Multiplier::Decimal(-6)),
        ("m", Multiplier::Decimal(-3)),
        ("k", Multiplier::Decimal(3)),
        ("M", Multiplier::Decimal(6)),
        ("G", Multiplier::Decimal(9)),
        ("T", Multiplier::Decimal(12)),
        ("P", Multiplier::Decimal(15)),
    ];
    for (suffix, multiplier) in SUFFIXES {
        if let Some(number) = text.strip_suffix(suffix) {
            return Some((number, multiplier));
        }
    }
    if let Some(number) = text.strip_suffix('E') {
        return Some((number, Multiplier::Decimal(18)));
    }
    if let Some(at) = text.find(['e', 'E']) {
        let exponent: i32 = text[at + 1..].parse().ok()?;
        return Some((&text[..at], Multiplier::Decimal(exponent)));
    }
    Some((text, Multiplier::Decimal(0)))
}

/// `"-1.25"` → -1_250_000_000 nano-units; rejects empty strings and stray characters.
fn parse_decimal_nanos(number: &str) -> Option<i128> {
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut nanos: i128 = 0;
    for b in whole.bytes() {
        nanos = nanos.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    nanos = nanos.checked_mul(NANOS_PER_UNIT)?;
    let mut scale = NANOS_PER_UNIT / 10;
    for b in fraction.bytes() {
        if scale == 0 {
            // Below a nano-unit: round up, as the API server does.
            if b != b'0' {
                nanos += 1;
                break;
            }
            continue;
        }
        nanos += i128::from(b - b'0') * scale;
        scale /= 10;
    }
    Some(if negative { -nanos } else { nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap_or_else(|| panic!("'{text}' should parse"))
    }

    #[test]
    fn equal_values_in_different_forms_are_equal() {
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert_eq!(q("0.5"), q("500m"));
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("128974848"), q("129e6").min(q("128974848")));
        assert_eq!(q("2Gi"), q("2147483648"));
    }

    #[test]
    fn different_values_differ() {
        assert!(q("512Mi") < q("2Gi"));
        assert_ne!(q("250m"), q("0.3"));
        assert_ne!(q("1G"), q("1Gi"));
    }

    #[test]
    fn non_quantities_are_rejected() {
        for text in ["", "abc", "1.2.3", "Mi", "12Qi", "--1"] {
            assert!(Quantity::parse(text).is_none(), "'{text}' must not parse");
        }
    }
}
