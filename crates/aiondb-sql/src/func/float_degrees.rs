//! The degree-based trigonometric functions `sind`, `cosd`, `tand`,
//! `cotd`, `asind`, `acosd`, `atand` and `atan2d`, exact at the angles
//! PostgreSQL promises: sind/cosd give exactly 0, ±0.5 and ±1 at multiples
//! of 30 and 90 degrees, tand/cotd exactly 0, ±1 and ±Infinity at
//! multiples of 45 degrees, and the inverse functions give exact angles for
//! -1, -0.5, 0, 0.5 and 1.
//!
//! The trick (PostgreSQL's): reduce the angle to [0, 90], stitch the sine
//! and cosine curves together where each is exact at its end points, and
//! divide by scaling constants computed at run time with the very same
//! `sin`/`cos`/`asin`/`acos`/`atan` as the argument, so an exact angle
//! divides out to an exact ratio.

use super::float_math::RADIANS_PER_DEGREE;
use aiondb_core::{DbError, DbResult, SqlState};
use std::hint::black_box;
use std::sync::OnceLock;

/// The scaling constants, computed once at run time (never folded at
/// compile time with a different libm).
struct DegreeConstants {
    sin_30: f64,
    one_minus_cos_60: f64,
    asin_0_5: f64,
    acos_0_5: f64,
    atan_1_0: f64,
    tan_45: f64,
    cot_45: f64,
}

fn constants() -> &'static DegreeConstants {
    static CONSTANTS: OnceLock<DegreeConstants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let (thirty, forty_five, sixty, half, one) =
            black_box((30.0f64, 45.0f64, 60.0f64, 0.5f64, 1.0f64));
        let sin_30 = (thirty * RADIANS_PER_DEGREE).sin();
        let one_minus_cos_60 = 1.0 - (sixty * RADIANS_PER_DEGREE).cos();
        let partial = DegreeConstants {
            sin_30,
            one_minus_cos_60,
            asin_0_5: half.asin(),
            acos_0_5: half.acos(),
            atan_1_0: one.atan(),
            tan_45: 1.0,
            cot_45: 1.0,
        };
        let s45 = sind_q1(&partial, forty_five);
        let c45 = cosd_q1(&partial, forty_five);
        DegreeConstants {
            tan_45: s45 / c45,
            cot_45: c45 / s45,
            ..partial
        }
    })
}

fn sind_0_to_30(k: &DegreeConstants, x: f64) -> f64 {
    ((x * RADIANS_PER_DEGREE).sin() / k.sin_30) / 2.0
}

fn cosd_0_to_60(k: &DegreeConstants, x: f64) -> f64 {
    let one_minus_cos_x = 1.0 - (x * RADIANS_PER_DEGREE).cos();
    1.0 - (one_minus_cos_x / k.one_minus_cos_60) / 2.0
}

fn sind_q1(k: &DegreeConstants, x: f64) -> f64 {
    if x <= 30.0 {
        sind_0_to_30(k, x)
    } else {
        cosd_0_to_60(k, 90.0 - x)
    }
}

fn cosd_q1(k: &DegreeConstants, x: f64) -> f64 {
    if x <= 60.0 {
        cosd_0_to_60(k, x)
    } else {
        sind_0_to_30(k, 90.0 - x)
    }
}

fn asind_q1(k: &DegreeConstants, x: f64) -> f64 {
    if x <= 0.5 {
        (x.asin() / k.asin_0_5) * 30.0
    } else {
        90.0 - (x.acos() / k.acos_0_5) * 60.0
    }
}

fn acosd_q1(k: &DegreeConstants, x: f64) -> f64 {
    if x <= 0.5 {
        90.0 - (x.asin() / k.asin_0_5) * 30.0
    } else {
        (x.acos() / k.acos_0_5) * 60.0
    }
}

fn input_out_of_range() -> DbError {
    DbError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        "input is out of range",
    )
}

/// Which symmetries a forward function has when its angle is reflected.
#[derive(Clone, Copy)]
enum Forward {
    Sin,
    Cos,
    Tan,
    Cot,
}

/// The forward functions: reduce to [0, 90] degrees keeping track of the
/// sign, then evaluate in the first quadrant.
fn forward(f: Forward, x: f64) -> DbResult<f64> {
    if x.is_nan() {
        return Ok(f64::NAN);
    }
    if x.is_infinite() {
        return Err(input_out_of_range());
    }
    let k = constants();
    let mut a = x % 360.0;
    let mut sign = 1.0;
    // f(-x): sin, tan and cot are odd, cos is even.
    if a < 0.0 {
        a = -a;
        if !matches!(f, Forward::Cos) {
            sign = -sign;
        }
    }
    // f(360 - x): same parity as above.
    if a > 180.0 {
        a = 360.0 - a;
        if !matches!(f, Forward::Cos) {
            sign = -sign;
        }
    }
    // f(180 - x): sin is unchanged, the others change sign.
    if a > 90.0 {
        a = 180.0 - a;
        if !matches!(f, Forward::Sin) {
            sign = -sign;
        }
    }
    let r = match f {
        Forward::Sin => sign * sind_q1(k, a),
        Forward::Cos => sign * cosd_q1(k, a),
        Forward::Tan => sign * ((sind_q1(k, a) / cosd_q1(k, a)) / k.tan_45),
        Forward::Cot => sign * ((cosd_q1(k, a) / sind_q1(k, a)) / k.cot_45),
    };
    // No minus zero from tand(180) or cotd(270).
    Ok(if r == 0.0 { 0.0 } else { r })
}

/// Calls `name(x)` or `name(x, y)` (atan2d).
pub(super) fn call(name: &str, x: f64, y: f64) -> DbResult<f64> {
    let k = constants();
    match name {
        "sind" => forward(Forward::Sin, x),
        "cosd" => forward(Forward::Cos, x),
        "tand" => forward(Forward::Tan, x),
        "cotd" => forward(Forward::Cot, x),
        "asind" | "acosd" => {
            if x.is_nan() {
                return Ok(f64::NAN);
            }
            if !(-1.0..=1.0).contains(&x) {
                return Err(input_out_of_range());
            }
            Ok(match (name, x >= 0.0) {
                ("asind", true) => asind_q1(k, x),
                ("asind", false) => -asind_q1(k, -x),
                (_, true) => acosd_q1(k, x),
                (_, false) => 90.0 + asind_q1(k, -x),
            })
        }
        "atand" => Ok(if x.is_nan() {
            f64::NAN
        } else {
            (x.atan() / k.atan_1_0) * 45.0
        }),
        "atan2d" => Ok(if x.is_nan() || y.is_nan() {
            f64::NAN
        } else {
            (x.atan2(y) / k.atan_1_0) * 45.0
        }),
        _ => Err(DbError::internal(format!("no degree function {name}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_angles() {
        for (x, s) in [
            (0.0, 0.0),
            (30.0, 0.5),
            (90.0, 1.0),
            (150.0, 0.5),
            (210.0, -0.5),
            (270.0, -1.0),
        ] {
            assert_eq!(call("sind", x, 0.0).ok(), Some(s), "sind({x})");
        }
        for (x, c) in [
            (0.0, 1.0),
            (60.0, 0.5),
            (90.0, 0.0),
            (120.0, -0.5),
            (180.0, -1.0),
        ] {
            assert_eq!(call("cosd", x, 0.0).ok(), Some(c), "cosd({x})");
        }
        assert_eq!(call("tand", 45.0, 0.0).ok(), Some(1.0));
        assert_eq!(call("tand", 90.0, 0.0).ok(), Some(f64::INFINITY));
        assert_eq!(call("cotd", 180.0, 0.0).ok(), Some(f64::NEG_INFINITY));
        assert_eq!(call("asind", 0.5, 0.0).ok(), Some(30.0));
        assert_eq!(call("acosd", -0.5, 0.0).ok(), Some(120.0));
        assert_eq!(call("atand", 1.0, 0.0).ok(), Some(45.0));
        assert_eq!(call("atan2d", -10.0, 0.0).ok(), Some(-90.0));
        assert!(call("sind", f64::INFINITY, 0.0).is_err());
        assert!(call("asind", 2.0, 0.0).is_err());
    }
}
