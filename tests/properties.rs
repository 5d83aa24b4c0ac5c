//! Property tests (issue 7, item 15): value printing ↔ parsing, JSON ↔
//! Map/List round trips (19-digit ids exact), date format ↔ parse for the
//! supported pattern letters. Case counts are kept modest: the suite's time
//! matters more than depth here (the fuzz targets go deeper).

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use dlg::diag::SourceFile;
use dlg::eval::{Interpreter, Options};
use dlg::value::{Key, MapData, Value, from_json, parse_json_lenient, to_json, values_equal};
use proptest::prelude::*;

// ------------------------------------------------------------ running

#[derive(Clone, Default)]
struct Buf(Rc<RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Run a script in-process; its `info` output, or the error message.
fn run(src: &str) -> Result<String, String> {
    let program = dlg::syntax::parse_program(src).map_err(|e| format!("syntax: {e:?}\n{src}"))?;
    let out = Buf::default();
    let options = Options {
        max_statements: 10_000,
        ..Options::default()
    };
    let mut interp = Interpreter::new(options, Box::new(out.clone()));
    let source = SourceFile::new("prop.dg", src);
    let r = interp.run_script(&program, &source);
    interp.flush();
    r.map_err(|e| format!("{e:?}\n{src}"))?;
    let text = String::from_utf8(out.0.borrow().clone()).unwrap();
    Ok(text)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ------------------------------------------------------------ values

/// A generated value, as the test knows it: kept beside its Deluge literal.
#[derive(Clone, Debug)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Dec(f64),
    Text(String),
    List(Vec<V>),
    Map(Vec<(String, V)>),
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Printable text with the characters that need escaping, and non-ASCII.
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z'),
            1 => proptest::char::range('0', '9'),
            1 => Just(' '),
            1 => Just('"'),
            1 => Just('\\'),
            1 => Just(','),
            1 => Just('{'),
            1 => Just(':'),
            1 => Just('é'),
            1 => Just('日'),
            1 => Just('😀'),
        ],
        0..12,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn decimal_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1_000_000i64..1_000_000, 1u32..6).prop_map(|(n, p)| n as f64 / 10f64.powi(p as i32)),
        (-1e15f64..1e15).prop_filter("finite", |d| d.is_finite()),
        Just(0.1),
        Just(1e-7),
    ]
}

fn int_strategy() -> impl Strategy<Value = i64> {
    prop_oneof![
        -1000i64..1000,
        // 19-digit ids (Zoho CRM record ids) and the extremes.
        1_000_000_000_000_000_000i64..i64::MAX,
        Just(i64::MAX),
        Just(i64::MIN + 1),
        any::<i64>().prop_filter("not MIN", |i| *i != i64::MIN),
    ]
}

fn leaf() -> impl Strategy<Value = V> {
    prop_oneof![
        1 => Just(V::Null),
        1 => any::<bool>().prop_map(V::Bool),
        3 => int_strategy().prop_map(V::Int),
        2 => decimal_strategy().prop_map(V::Dec),
        3 => text_strategy().prop_map(V::Text),
    ]
}

fn value_strategy() -> impl Strategy<Value = V> {
    leaf().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            // Non-empty: `{}` is an empty map in Deluge.
            proptest::collection::vec(inner.clone(), 1..5).prop_map(V::List),
            proptest::collection::vec(("[a-z]{1,6}", inner), 0..5).prop_map(|kv| {
                // Keys unique (a literal with a repeated key keeps the last).
                let mut seen = std::collections::HashSet::new();
                V::Map(
                    kv.into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .collect(),
                )
            }),
        ]
    })
}

fn top_strategy() -> impl Strategy<Value = V> {
    value_strategy().prop_filter("a collection", |v| matches!(v, V::List(_) | V::Map(_)))
}

fn decimal_literal(d: f64) -> String {
    let s = format!("{}", d.abs());
    let s = if s.contains('.') { s } else { format!("{s}.0") };
    if d < 0.0 { format!("-{s}") } else { s }
}

/// The Deluge literal of a value.
fn literal(v: &V) -> String {
    match v {
        V::Null => "null".into(),
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Dec(d) => decimal_literal(*d),
        V::Text(t) => format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")),
        V::List(items) => format!(
            "{{{}}}",
            items.iter().map(literal).collect::<Vec<_>>().join(", ")
        ),
        V::Map(kv) => format!(
            "{{{}}}",
            kv.iter()
                .map(|(k, v)| format!("\"{k}\": {}", literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The library value of a generated one.
fn value(v: &V) -> Value {
    match v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Int(i) => Value::Int(*i),
        V::Dec(d) => Value::Decimal(*d),
        V::Text(t) => Value::text(t.clone()),
        V::List(items) => Value::new_list(items.iter().map(value).collect()),
        V::Map(kv) => {
            let mut m = MapData::default();
            for (k, v) in kv {
                m.insert(Key::text(k), value(v));
            }
            Value::new_map(m)
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// `info` of a literal prints what the value printer says, and the
    /// script's own toString/toMap (toList) round trip gives an equal value.
    #[test]
    fn literals_print_as_the_printer_says_and_round_trip(v in top_strategy()) {
        let lit = literal(&v);
        let expected = value(&v).to_display();
        // A map prints as JSON, which toMap() reads back (in Java HashMap
        // key order, so compared by value); a list prints comma-joined.
        let src = match v {
            V::Map(_) => format!(
                "x = {lit};\ninfo x;\ny = x.toString().toMap();\ninfo y == x;\ninfo y.size() == x.size();\n"
            ),
            _ => format!("x = {lit};\ninfo x;\ninfo x.toString() == \"\" + x;\n"),
        };
        let out = run(&src).map_err(TestCaseError::fail)?;
        let printed = format!("{expected}\n");
        prop_assert!(out.starts_with(&printed), "printed:\n{out}\nexpected:\n{expected}\nsource:\n{src}");
        let rest = &out[printed.len()..];
        let expected_rest = if matches!(v, V::Map(_)) { "true\ntrue\n" } else { "true\n" };
        prop_assert_eq!(rest, expected_rest, "source:\n{}", src);
    }

    /// JSON → Map/List → JSON keeps every member, in order, and integers
    /// exactly (19-digit ids never pass through a double).
    #[test]
    fn json_round_trips_exactly(v in top_strategy()) {
        let val = value(&v);
        let json = to_json(&val);
        let parsed: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        let again = from_json(&parsed);
        prop_assert!(values_equal(&val, &again), "{json}");
        prop_assert_eq!(to_json(&again), json.clone());
        let lenient = parse_json_lenient(&json).expect("valid JSON parses");
        prop_assert_eq!(to_json(&lenient), json.clone());
        check_ints(&v, &parsed)?;
    }
}

/// Every generated integer appears in the parsed JSON as that exact i64.
fn check_ints(v: &V, j: &serde_json::Value) -> Result<(), TestCaseError> {
    match (v, j) {
        (V::Int(i), serde_json::Value::Number(n)) => {
            prop_assert_eq!(n.as_i64(), Some(*i));
        }
        (V::List(items), serde_json::Value::Array(js)) => {
            prop_assert_eq!(items.len(), js.len());
            for (a, b) in items.iter().zip(js) {
                check_ints(a, b)?;
            }
        }
        (V::Map(kv), serde_json::Value::Object(o)) => {
            for (k, a) in kv {
                check_ints(a, o.get(k).expect("member kept"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn nineteen_digit_ids_survive_json_through_a_script() {
    let src = r#"r = "{\"data\":[{\"id\":\"x\",\"Owner\":{\"id\":4150868000003190001}},{\"id\":9223372036854775807}]}".toMap();
info r.get("data").get(0).get("Owner").get("id");
info r.get("data").get(1).get("id") + 0;
info r.get("data").get(0).get("Owner");
"#;
    assert_eq!(
        run(src).unwrap(),
        "4150868000003190001\n9223372036854775807\n{\"id\":4150868000003190001}\n"
    );
}

// ------------------------------------------------------------ dates

#[derive(Clone, Debug)]
struct Pattern {
    text: String,
    has_time: bool,
    two_digit_year: bool,
    seconds: bool,
}

/// A pattern from the supported letters: year `yyyy`/`yy`, month
/// `MM`/`M`/`MMM`/`MMMM`, day `dd`/`d`, optional weekday `EEE`/`EEEE`,
/// hour `HH`/`H` or `hh`/`h` with `a`, minutes `mm`/`m`, seconds `ss`/`s`,
/// quoted literals, in the common orders with separators between fields.
fn pattern_strategy() -> impl Strategy<Value = Pattern> {
    let year = prop_oneof![Just("yyyy"), Just("yy")];
    let month = prop_oneof![Just("MM"), Just("M"), Just("MMM"), Just("MMMM")];
    let day = prop_oneof![Just("dd"), Just("d")];
    let order = 0..3usize;
    let sep = prop_oneof![Just("-"), Just("/"), Just("."), Just(" ")];
    let weekday = prop_oneof![Just(""), Just("EEE, "), Just("EEEE ")];
    let time = prop_oneof![
        Just(None),
        Just(Some(("HH", "mm", Some("ss"), ""))),
        Just(Some(("H", "m", Some("s"), ""))),
        Just(Some(("HH", "mm", None, ""))),
        Just(Some(("hh", "mm", Some("ss"), " a"))),
        Just(Some(("h", "mm", None, " a"))),
    ];
    let joiner = prop_oneof![Just(" "), Just("'T'"), Just(", ")];
    (year, month, day, order, sep, weekday, time, joiner).prop_map(
        |(y, m, d, order, sep, wd, time, joiner)| {
            let date = match order {
                0 => format!("{d}{sep}{m}{sep}{y}"),
                1 => format!("{m}{sep}{d}{sep}{y}"),
                _ => format!("{y}{sep}{m}{sep}{d}"),
            };
            let mut text = format!("{wd}{date}");
            let mut seconds = false;
            if let Some((h, mi, s, ampm)) = time {
                text.push_str(joiner);
                text.push_str(&format!("{h}:{mi}"));
                if let Some(s) = s {
                    text.push_str(&format!(":{s}"));
                    seconds = true;
                }
                text.push_str(ampm);
            }
            Pattern {
                text,
                has_time: time.is_some(),
                two_digit_year: y == "yy",
                seconds,
            }
        },
    )
}

proptest! {
    #![proptest_config(config(96))]

    /// Formatting a date-time with a pattern and parsing the text with the
    /// same pattern gives the date-time back (to the pattern's precision).
    #[test]
    fn dates_format_and_parse_back(
        p in pattern_strategy(),
        year in 1970i32..2060,
        month in 1u32..=12,
        day in 1u32..=28,
        hour in 0u32..24,
        minute in 0u32..60,
        second in 0u32..60,
    ) {
        let year = if p.two_digit_year { year.clamp(1970, 2060) } else { year };
        let canon = format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}");
        let src = format!(
            "d = \"{canon}\".toDateTime(\"yyyy-MM-dd HH:mm:ss\");\nt = d.toString(\"{pat}\");\ninfo t;\ninfo t.toDateTime(\"{pat}\").toString(\"yyyy-MM-dd HH:mm:ss\");\n",
            pat = p.text
        );
        let out = run(&src).map_err(TestCaseError::fail)?;
        let back = out.lines().nth(1).unwrap_or_default().to_string();
        let expected = if !p.has_time {
            format!("{year:04}-{month:02}-{day:02} 00:00:00")
        } else if !p.seconds {
            format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:00")
        } else {
            canon.clone()
        };
        prop_assert_eq!(back, expected, "pattern {:?}, text {:?}", p.text, out.lines().next());
    }
}
