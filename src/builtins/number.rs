//! Number and Decimal functions.

use super::{FunctionDef, MethodDef, Recv::Number, arg_int, func, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::Value;

pub const METHODS: &[MethodDef] = &[
    method(Number, "abs", 0, 0, abs),
    method(Number, "ceil", 0, 0, ceil),
    method(Number, "floor", 0, 0, floor),
    method(Number, "round", 0, 1, round),
    method(Number, "frac", 0, 0, frac),
    method(Number, "sqrt", 0, 0, sqrt),
    method(Number, "power", 1, 1, power),
    method(Number, "exp", 0, 0, exp),
    method(Number, "log", 0, 0, ln),
    method(Number, "log10", 0, 0, log10),
    method(Number, "sin", 0, 0, sin),
    method(Number, "cos", 0, 0, cos),
    method(Number, "tan", 0, 0, tan),
    method(Number, "asin", 0, 0, asin),
    method(Number, "acos", 0, 0, acos),
    method(Number, "atan", 0, 0, atan),
    method(Number, "sinh", 0, 0, sinh),
    method(Number, "cosh", 0, 0, cosh),
    method(Number, "tanh", 0, 0, tanh),
    method(Number, "toHex", 0, 0, to_hex),
    method(Number, "toWords", 0, 1, to_words),
    method(Number, "truncate", 0, 1, truncate),
    method(Number, "signum", 0, 0, signum),
    method(Number, "atan2", 1, 1, atan2_method),
    method(Number, "max", 1, 1, max2),
    method(Number, "min", 1, 1, min2),
    method(Number, "isEven", 0, 0, is_even),
    method(Number, "isOdd", 0, 0, is_odd),
];

pub const FUNCTIONS: &[FunctionDef] = &[
    func("randomNumber", 0, 2, random_number),
    func("atan2", 2, 2, atan2),
    func("power", 2, 2, power_fn),
    func("max", 2, 2, max_fn),
    func("min", 2, 2, min_fn),
];

pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Decimal(d) => *d,
        _ => 0.0,
    }
}

fn float_arg(args: &[Value], i: usize, name: &str) -> RtResult<f64> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n as f64),
        Some(Value::Decimal(d)) => Ok(*d),
        Some(Value::Text(t)) => t.trim().parse::<f64>().map_err(|_| {
            RtError::runtime(format!("argument {} of '{name}' must be a number", i + 1))
        }),
        Some(other) => Err(super::bad_arg(name, i, "a NUMBER", other)),
        None => Err(RtError::runtime(format!(
            "'{name}' needs argument {}",
            i + 1
        ))),
    }
}

fn abs(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(match r {
        Value::Int(i) => Value::Int(
            i.checked_abs()
                .ok_or_else(|| RtError::runtime("Number overflow in abs"))?,
        ),
        _ => Value::Decimal(num(r).abs()),
    })
}
fn ceil(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(match r {
        Value::Int(_) => r.clone(),
        _ => Value::Decimal(num(r).ceil()),
    })
}
fn floor(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(match r {
        Value::Int(_) => r.clone(),
        _ => Value::Decimal(num(r).floor()),
    })
}

/// Round half away from zero to `places` decimals.
pub(crate) fn round_to(x: f64, places: i64) -> f64 {
    let places = places.clamp(-15, 15) as i32;
    let factor = 10f64.powi(places);
    let scaled = x * factor;
    // Correct representation error (2.675 * 100 = 267.49999…) before rounding.
    let nudged = (scaled * 1e9).round() / 1e9;
    nudged.round() / factor
}

fn round(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let places = if args.is_empty() {
        0
    } else {
        arg_int(args, 0, "round")?
    };
    Ok(match r {
        Value::Int(_) if places >= 0 => r.clone(),
        _ => Value::Decimal(round_to(num(r), places)),
    })
}
fn frac(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let x = num(r);
    // Keep the fraction's printed digits (24.6 -> 0.6, not 0.6000000000000014).
    let digits = format!("{x}")
        .split_once('.')
        .map_or(0, |(_, f)| f.len() as i64);
    Ok(Value::Decimal(round_to(x.fract(), digits)))
}

/// `truncate(n)`: drop digits after n decimal places (n < 0 zeroes digits
/// left of the point); a whole result is a Number.
fn truncate(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let places = if args.is_empty() {
        0
    } else {
        arg_int(args, 0, "truncate")?
    };
    if let Value::Int(i) = r {
        if places >= 0 {
            return Ok(r.clone());
        }
        let f = 10i64
            .checked_pow((-places).min(18) as u32)
            .unwrap_or(i64::MAX);
        return Ok(Value::Int(i / f * f));
    }
    let x = num(r);
    let factor = 10f64.powi(places.clamp(-15, 15) as i32);
    // Nudge representation error (25.12 * 100 = 2511.9999…) before cutting.
    let t = ((x * factor * 1e9).round() / 1e9).trunc() / factor;
    Ok(if places <= 0 {
        Value::Int(t as i64)
    } else {
        Value::Decimal(t)
    })
}

/// `signum()`: -1.0, 0.0 or 1.0 (a Decimal, as documented).
fn signum(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let x = num(r);
    Ok(Value::Decimal(if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }))
}
fn checked(x: f64, name: &str) -> RtResult<Value> {
    if x.is_nan() {
        Err(RtError::runtime(format!(
            "'{name}' is undefined for this value"
        )))
    } else {
        Ok(Value::Decimal(x))
    }
}
/// Documented: "Values below 0 will return null."
fn sqrt(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    if num(r) < 0.0 {
        return Ok(Value::Null);
    }
    checked(num(r).sqrt(), "sqrt")
}
fn power(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    if let (Value::Int(b), Some(Value::Int(e))) = (r, args.first())
        && *e >= 0
        && *e <= u32::MAX as i64
        && let Some(v) = b.checked_pow(*e as u32)
    {
        return Ok(Value::Int(v));
    }
    checked(num(r).powf(float_arg(args, 0, "power")?), "power")
}
fn power_fn(i: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    power(i, &args[0], &args[1..])
}
fn exp(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).exp(), "exp")
}
/// Documented: "Value which is equal to, or below 0, will return null."
fn ln(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    if num(r) <= 0.0 {
        return Ok(Value::Null);
    }
    checked(num(r).ln(), "log")
}
fn log10(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).log10(), "log10")
}
fn sin(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).sin(), "sin")
}
fn cos(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).cos(), "cos")
}
fn tan(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).tan(), "tan")
}
fn asin(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).asin(), "asin")
}
fn acos(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).acos(), "acos")
}
fn atan(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).atan(), "atan")
}
fn sinh(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).sinh(), "sinh")
}
fn cosh(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).cosh(), "cosh")
}
fn tanh(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    checked(num(r).tanh(), "tanh")
}
fn atan2(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    checked(
        float_arg(args, 0, "atan2")?.atan2(float_arg(args, 1, "atan2")?),
        "atan2",
    )
}
fn to_hex(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    match r {
        Value::Int(i) => Ok(Value::text(format!("{i:x}"))),
        _ => Err(RtError::runtime("toHex needs a whole Number")),
    }
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn words(n: u64) -> String {
    match n {
        0..=19 => ONES[n as usize].to_string(),
        20..=99 => {
            let t = TENS[(n / 10) as usize];
            if n.is_multiple_of(10) {
                t.to_string()
            } else {
                format!("{t}-{}", ONES[(n % 10) as usize])
            }
        }
        100..=999 => {
            let rest = n % 100;
            let head = format!("{} hundred", ONES[(n / 100) as usize]);
            if rest == 0 {
                head
            } else {
                format!("{head} {}", words(rest))
            }
        }
        _ => {
            const SCALES: [(u64, &str); 6] = [
                (1_000_000_000_000_000_000, "quintillion"),
                (1_000_000_000_000_000, "quadrillion"),
                (1_000_000_000_000, "trillion"),
                (1_000_000_000, "billion"),
                (1_000_000, "million"),
                (1_000, "thousand"),
            ];
            for (scale, name) in SCALES {
                if n >= scale {
                    let rest = n % scale;
                    let head = format!("{} {name}", words(n / scale));
                    return if rest == 0 {
                        head
                    } else {
                        format!("{head} {}", words(rest))
                    };
                }
            }
            unreachable!("n >= 1000 matches a scale")
        }
    }
}

fn to_words(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let (i, frac_digits) = match r {
        Value::Int(i) => (*i, String::new()),
        _ => {
            let x = num(r);
            let shown = format!("{}", x.abs());
            let f = shown.split_once('.').map(|(_, f)| f.to_string());
            (x.trunc() as i64, f.unwrap_or_default())
        }
    };
    let mut w = words(i.unsigned_abs());
    if !frac_digits.is_empty() {
        const DIGITS: [&str; 10] = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        ];
        w.push_str(" point");
        for d in frac_digits.chars().filter_map(|c| c.to_digit(10)) {
            w.push(' ');
            w.push_str(DIGITS[d as usize]);
        }
    }
    let negative = matches!(r, Value::Int(i) if *i < 0) || num(r) < 0.0;
    Ok(Value::text(if negative { format!("minus {w}") } else { w }))
}

fn pick(a: &Value, b: &Value, want_max: bool) -> Value {
    let greater = crate::value::compare_values(a, b) == Some(std::cmp::Ordering::Greater);
    if greater == want_max {
        a.clone()
    } else {
        b.clone()
    }
}
fn max2(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(pick(r, &args[0], true))
}
fn min2(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(pick(r, &args[0], false))
}
fn max_fn(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    Ok(pick(&args[0], &args[1], true))
}
fn min_fn(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    Ok(pick(&args[0], &args[1], false))
}
fn is_even(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(matches!(r, Value::Int(i) if i % 2 == 0)))
}
fn is_odd(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(matches!(r, Value::Int(i) if i % 2 != 0)))
}

/// A small xorshift generator seeded from the clock: no crate needed for
/// Deluge's `randomNumber(min, max)`.
fn random_number(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    // The start is included and the end excluded; a Decimal bound gives a Decimal.
    let decimal = args.iter().any(|a| matches!(a, Value::Decimal(_)));
    let lo = if args.is_empty() {
        0.0
    } else {
        float_arg(args, 0, "randomNumber")?
    };
    let hi = if args.len() > 1 {
        float_arg(args, 1, "randomNumber")?
    } else {
        i32::MAX as f64
    };
    if hi < lo {
        return Err(RtError::runtime(
            "randomNumber: the maximum is below the minimum",
        ));
    }
    use std::cell::Cell;
    thread_local!(static STATE: Cell<u64> = Cell::new(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1) | 1
    ));
    let r = STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x
    });
    if decimal {
        let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
        return Ok(Value::Decimal(lo + (hi - lo) * unit));
    }
    let (lo, hi) = (lo as i64, hi as i64);
    let span = (hi - lo) as u64;
    Ok(Value::Int(lo + (r % span.max(1)) as i64))
}

fn atan2_method(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Decimal(num(r).atan2(float_arg(args, 0, "atan2")?)))
}
