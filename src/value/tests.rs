//! Unit tests for printing and JSON conversion.

use super::{Key, Value, format_decimal, from_json, parse_json_lenient, to_json, values_equal};

fn list(items: Vec<Value>) -> Value {
    Value::new_list(items)
}

fn map(entries: &[(&str, Value)]) -> Value {
    let mut m = super::MapData::default();
    for (k, v) in entries {
        m.insert(Key::from_value(&Value::text(*k)), v.clone());
    }
    Value::new_map(m)
}

#[test]
fn list_prints_comma_joined_without_brackets() {
    let v = list(vec![Value::text("Creator"), Value::text("Projects")]);
    assert_eq!(v.to_display(), "Creator,Projects");
    let v = list(vec![Value::Int(343), Value::Int(443), Value::Int(577)]);
    assert_eq!(v.to_display(), "343,443,577");
}

#[test]
fn nested_list_prints_as_json_array() {
    let inner = list(vec![Value::text("Creator"), Value::text("CRM")]);
    let v = list(vec![inner, Value::text("Zoho")]);
    assert_eq!(v.to_display(), r#"["Creator","CRM"],Zoho"#);
}

#[test]
fn map_prints_compact_json_in_insertion_order() {
    let v = map(&[
        ("product", Value::text("Creator")),
        ("company", Value::text("Zoho")),
    ]);
    assert_eq!(v.to_display(), r#"{"product":"Creator","company":"Zoho"}"#);
}

#[test]
fn scalars_print_plainly() {
    assert_eq!(Value::Null.to_display(), "null");
    assert_eq!(Value::Bool(true).to_display(), "true");
    assert_eq!(Value::text("raw \"text\"").to_display(), "raw \"text\"");
    assert_eq!(Value::Int(-42).to_display(), "-42");
    assert_eq!(Value::Int(i64::MIN).to_display(), "-9223372036854775808");
}

#[test]
fn decimals_print_shortest_form() {
    assert_eq!(format_decimal(100.0), "100");
    assert_eq!(format_decimal(2.5), "2.5");
    assert_eq!(format_decimal(0.0), "0");
    assert_eq!(format_decimal(-0.0), "0");
    assert_eq!(format_decimal(0.1 + 0.2), "0.30000000000000004");
}

#[test]
fn json_strings_are_escaped_inside_maps() {
    let v = map(&[("q", Value::text("a\"b\\c\nd\te\u{1}"))]);
    assert_eq!(v.to_display(), r#"{"q":"a\"b\\c\nd\te\u0001"}"#);
}

#[test]
fn nineteen_digit_ids_survive_json_round_trip() {
    let text = r#"{"id":6503357000077425285,"owner":{"id":9223372036854775807},"ids":[1234567890123456789]}"#;
    let v = parse_json_lenient(text).expect("valid json");
    let Value::Map(m) = &v else {
        panic!("expected a map")
    };
    match m.borrow().get(&Key::from_value(&Value::text("id"))) {
        Some(Value::Int(6_503_357_000_077_425_285)) => {}
        other => panic!("id changed: {other:?}"),
    }
    assert_eq!(to_json(&v), text);
}

#[test]
fn json_numbers_keep_their_kind() {
    let j: serde_json::Value = serde_json::from_str(r#"[1, 2.5, -3, 1e2]"#).unwrap();
    let v = from_json(&j);
    let Value::List(items) = &v else {
        panic!("expected a list")
    };
    let items = items.borrow();
    assert!(matches!(items[0], Value::Int(1)));
    assert!(matches!(items[1], Value::Decimal(d) if d == 2.5));
    assert!(matches!(items[2], Value::Int(-3)));
    assert!(matches!(items[3], Value::Decimal(d) if d == 100.0));
}

#[test]
fn lenient_json_accepts_bare_words() {
    let v = parse_json_lenient("{company:Zoho, product:Creator}").expect("lenient parse");
    assert_eq!(v.to_display(), r#"{"company":"Zoho","product":"Creator"}"#);
}

#[test]
fn json_object_order_is_preserved() {
    let v = parse_json_lenient(r#"{"z":1,"a":2,"m":3}"#).unwrap();
    assert_eq!(v.to_display(), r#"{"z":1,"a":2,"m":3}"#);
}

#[test]
fn equality_across_number_kinds_and_collections() {
    assert!(values_equal(&Value::Int(1), &Value::Decimal(1.0)));
    assert!(!values_equal(&Value::Int(1), &Value::text("1")));
    let a = map(&[("x", Value::Int(1)), ("y", Value::Int(2))]);
    let b = map(&[("y", Value::Int(2)), ("x", Value::Int(1))]);
    assert!(values_equal(&a, &b));
    assert!(!values_equal(
        &list(vec![Value::Int(1), Value::Int(2)]),
        &list(vec![Value::Int(2), Value::Int(1)])
    ));
}

#[test]
fn number_and_text_keys_are_distinct() {
    assert_ne!(
        Key::from_value(&Value::Int(1)),
        Key::from_value(&Value::text("1"))
    );
}
