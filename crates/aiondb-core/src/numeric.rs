//! Arbitrary-precision `numeric`, including PostgreSQL's special values.

use bigdecimal::BigDecimal;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A `numeric` datum: an exact decimal of any precision, or one of the
/// special values PostgreSQL 15 allows. Order: `-Infinity` < finite <
/// `Infinity` < `NaN` (PostgreSQL sorts NaN above everything).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Numeric {
    /// An exact decimal. Trailing zeros are significant for display (scale)
    /// but not for comparison: `1.0 == 1.00`.
    Finite(BigDecimal),
    /// `Infinity`.
    PosInf,
    /// `-Infinity`.
    NegInf,
    /// `NaN`.
    NaN,
}

impl Numeric {
    /// Numeric zero.
    pub fn zero() -> Numeric {
        Numeric::Finite(BigDecimal::from(0))
    }

    fn rank(&self) -> u8 {
        match self {
            Numeric::NegInf => 0,
            Numeric::Finite(_) => 1,
            Numeric::PosInf => 2,
            Numeric::NaN => 3,
        }
    }
}

impl From<i64> for Numeric {
    fn from(v: i64) -> Numeric {
        Numeric::Finite(BigDecimal::from(v))
    }
}

impl FromStr for Numeric {
    type Err = bigdecimal::ParseBigDecimalError;

    fn from_str(s: &str) -> Result<Numeric, Self::Err> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "nan" => Ok(Numeric::NaN),
            "infinity" | "+infinity" | "inf" | "+inf" => Ok(Numeric::PosInf),
            "-infinity" | "-inf" => Ok(Numeric::NegInf),
            _ => BigDecimal::from_str(t).map(Numeric::Finite),
        }
    }
}

impl PartialEq for Numeric {
    fn eq(&self, other: &Numeric) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Numeric {}

impl PartialOrd for Numeric {
    fn partial_cmp(&self, other: &Numeric) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Numeric {
    fn cmp(&self, other: &Numeric) -> Ordering {
        match (self, other) {
            (Numeric::Finite(a), Numeric::Finite(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl std::hash::Hash for Numeric {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        if let Numeric::Finite(d) = self {
            // Equal values must hash equally whatever their scale.
            d.normalized().to_string().hash(state);
        }
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Numeric::Finite(d) => {
                // Plain notation, never exponent form, keeping the scale.
                let (digits, scale) = d.as_bigint_and_exponent();
                if scale <= 0 {
                    let mut s = digits.to_string();
                    if digits.sign() != bigdecimal::num_bigint::Sign::NoSign {
                        s.extend(std::iter::repeat_n('0', (-scale) as usize));
                    }
                    f.write_str(&s)
                } else {
                    let negative = digits.sign() == bigdecimal::num_bigint::Sign::Minus;
                    let abs = digits.magnitude().to_string();
                    let scale = scale as usize;
                    let padded = if abs.len() <= scale {
                        format!("{}{}", "0".repeat(scale - abs.len() + 1), abs)
                    } else {
                        abs
                    };
                    let (int_part, frac_part) = padded.split_at(padded.len() - scale);
                    if negative {
                        f.write_str("-")?;
                    }
                    write!(f, "{int_part}.{frac_part}")
                }
            }
            Numeric::PosInf => f.write_str("Infinity"),
            Numeric::NegInf => f.write_str("-Infinity"),
            Numeric::NaN => f.write_str("NaN"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        s.parse().expect("valid numeric")
    }

    #[test]
    fn display_keeps_scale_and_avoids_exponents() {
        assert_eq!(n("1.50").to_string(), "1.50");
        assert_eq!(n("-0.05").to_string(), "-0.05");
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("0").to_string(), "0");
        assert_eq!(n("nan").to_string(), "NaN");
    }

    #[test]
    fn order_puts_nan_last_and_ignores_scale() {
        assert_eq!(n("1.0"), n("1.00"));
        assert!(n("-infinity") < n("-1e100"));
        assert!(n("1e100") < n("infinity"));
        assert!(n("infinity") < n("nan"));
    }
}
