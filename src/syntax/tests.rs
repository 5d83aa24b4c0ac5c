//! Parser unit tests: precedence, literals, names, file shapes, Zoho
//! editor quirks and syntax-error positions. Expressions are rendered as
//! S-expressions so the tree shape is visible in the assertion.

use super::ast::*;
use super::{SyntaxError, parse_program};
use crate::code::Code;
use crate::value::Value;

fn sexp(f: &Function, e: &Expr) -> String {
    let list = |items: &[Expr]| {
        items
            .iter()
            .map(|x| sexp(f, x))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match &e.kind {
        ExprKind::Const(Value::Null) => "null".into(),
        ExprKind::Const(Value::Bool(b)) => b.to_string(),
        ExprKind::Const(Value::Int(i)) => i.to_string(),
        ExprKind::Const(Value::Decimal(d)) => format!("{d:?}"),
        ExprKind::Const(Value::Text(t)) => format!("{:?}", t.as_str()),
        ExprKind::Const(Value::Date(_)) => "<date>".into(),
        ExprKind::Const(_) => "<const>".into(),
        ExprKind::Var { slot } => format!("${}", f.slot_names[*slot as usize]),
        ExprKind::Undefined(n) => format!("?{n}"),
        ExprKind::Sys(s) => format!("sys:{s:?}"),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}:{}", sexp(f, k), sexp(f, v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::Unary(op, x) => {
            let sym = match op {
                UnOp::Not => "!",
                UnOp::Neg => "neg",
                UnOp::Plus => "pos",
            };
            format!("({sym} {})", sexp(f, x))
        }
        ExprKind::Binary(op, l, r) => {
            format!("({} {} {})", op.symbol(), sexp(f, l), sexp(f, r))
        }
        ExprKind::IfExpr(parts) => format!("(if {})", list(&parts[..])),
        ExprKind::Call { name, args } => format!("(call {name} {})", list(args)),
        ExprKind::QualifiedCall { path, args } => format!("(qcall {path} {})", list(args)),
        ExprKind::Method {
            receiver,
            name,
            args,
            ..
        } => format!("(.{name} {} {})", sexp(f, receiver), list(args)),
        ExprKind::Field { receiver, name } => format!("(field {} {name})", sexp(f, receiver)),
        ExprKind::Task(t) => format!("(task {:?} {})", t.kind, t.entries.len()),
        ExprKind::Creator(c) => match c.as_ref() {
            CreatorExpr::Query(q) => format!("(query {} {})", q.form.name, crit(f, &q.criteria)),
            CreatorExpr::Insert { form, fields, .. } => format!(
                "(insert {form} {})",
                fields
                    .iter()
                    .map(|(n, e)| format!("{}={}", n.name, sexp(f, e)))
                    .collect::<Vec<_>>()
                    .join(" "),
                form = form.name
            ),
            CreatorExpr::FieldAll { query, field, .. } => {
                format!("(getall {} {})", sexp(f, query), field.name)
            }
            CreatorExpr::Aggregate { query, func, field } => {
                format!("({func} {} {})", sexp(f, query), field.name)
            }
            CreatorExpr::Attachment(what) => format!("(creator {what})"),
        },
    }
    .replace("  ", " ")
    .replace(" )", ")")
}

fn crit(f: &Function, c: &Criteria) -> String {
    match c {
        Criteria::All => "all".into(),
        Criteria::And(a, b) => format!("(&& {} {})", crit(f, a), crit(f, b)),
        Criteria::Or(a, b) => format!("(|| {} {})", crit(f, a), crit(f, b)),
        Criteria::Not(a) => format!("(not {})", crit(f, a)),
        Criteria::Compare {
            field, op, value, ..
        } => {
            let name: Vec<&str> = field.iter().map(|n| n.name.as_ref()).collect();
            match value {
                Some(v) => format!("({} {} {})", op.symbol(), name.join("."), sexp(f, v)),
                None => format!("({} {})", op.symbol(), name.join(".")),
            }
        }
        Criteria::Unparsed { text, .. } => format!("(unparsed {text})"),
    }
}

fn program(src: &str) -> Program {
    match parse_program(src) {
        Ok(p) => p,
        Err(e) => panic!("parse failed: {} at {:?}\n{src}", e.message, e.span),
    }
}

/// The S-expression of `x = <expr>;` (the last statement of a script).
fn expr(src_expr: &str) -> String {
    expr_after("", src_expr)
}

/// Like `expr`, with statements (assigning variables) before it.
fn expr_after(prelude: &str, src_expr: &str) -> String {
    let p = program(&format!("{prelude}\nx = {src_expr};"));
    let f = &p.functions[0];
    match &f.body.last().expect("statement").kind {
        StmtKind::Assign { value, .. } => sexp(f, value),
        other => panic!("not an assignment: {other:?}"),
    }
}

fn error(src: &str) -> SyntaxError {
    match parse_program(src) {
        Ok(_) => panic!("expected a syntax error for:\n{src}"),
        Err(e) => e,
    }
}

/// 1-based (line, column) of a byte offset.
fn line_col(src: &str, at: usize) -> (usize, usize) {
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn precedence_of_arithmetic_comparison_and_logic() {
    assert_eq!(
        expr("1 + 2 * 3 == 7 && !false || y"),
        "(|| (&& (== (+ 1 (* 2 3)) 7) (! false)) $y)"
    );
    assert_eq!(expr("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert_eq!(expr("8 / 4 % 3 * 2"), "(* (% (/ 8 4) 3) 2)");
    assert_eq!(expr("a < b == c >= d"), "(== (< $a $b) (>= $c $d))");
    assert_eq!(expr("(1 + 2) * 3"), "(* (+ 1 2) 3)");
    assert_eq!(expr("a || b && c"), "(|| $a (&& $b $c))");
}

#[test]
fn single_equals_compares_inside_expressions() {
    // Older Creator scripts write `if(n.length() = 1)`; it is `==`.
    let p = program("n = \"7\";\nif(n.length() = 1 && n != \"0\")\n{\n\tinfo n;\n}");
    let f = &p.functions[0];
    let StmtKind::If { branches, .. } = &f.body[1].kind else {
        panic!("if expected")
    };
    assert_eq!(
        sexp(f, &branches[0].0),
        "(&& (== (.length $n) 1) (!= $n \"0\"))"
    );
    // At statement level `=` is still assignment.
    assert!(matches!(f.body[0].kind, StmtKind::Assign { op: None, .. }));
}

#[test]
fn repl_assignment_without_semicolon_is_unfinished_not_a_comparison() {
    use super::{ReplInput, parse_repl_input};
    let mut scope = Default::default();
    let e = match parse_repl_input("x = 5", &mut scope) {
        Err(e) => e,
        Ok(_) => panic!("`x = 5` must not parse as an expression"),
    };
    assert!(e.at_end, "{}", e.message);
    assert!(matches!(
        parse_repl_input("x = 5;", &mut scope),
        Ok(ReplInput::Statements(_))
    ));
    assert!(matches!(
        parse_repl_input("x == 5", &mut scope),
        Ok(ReplInput::Expression(_))
    ));
    assert!(matches!(
        parse_repl_input("(x = 5)", &mut scope),
        Ok(ReplInput::Expression(_))
    ));
}

#[test]
fn unary_minus_not_and_plus() {
    assert_eq!(expr("-5"), "-5");
    assert_eq!(expr("-2.5"), "-2.5");
    assert_eq!(expr("-y * 2"), "(* (neg $y) 2)");
    assert_eq!(expr("3 - -2"), "(- 3 -2)");
    assert_eq!(expr("!a && b"), "(&& (! $a) $b)");
    assert_eq!(expr("+7"), "(pos 7)");
    assert_eq!(expr("-9223372036854775808"), "-9223372036854775808");
    assert_eq!(expr("- (1 + 2)"), "(neg (+ 1 2))");
}

#[test]
fn method_chains_bind_tighter_than_operators() {
    assert_eq!(
        expr_after("r = Map();", "r.get(\"data\").get(0).get(\"id\")"),
        "(.get (.get (.get $r \"data\") 0) \"id\")"
    );
    assert_eq!(
        expr_after("s = \"abc\";", "-s.length() + 1"),
        "(+ (neg (.length $s)) 1)"
    );
    assert_eq!(
        expr_after("m = Map();", "!m.isEmpty()"),
        "(! (.isEmpty $m))"
    );
    assert_eq!(expr("\"a\".toUpperCase()"), "(.toUpperCase \"a\")");
    assert_eq!(expr("(a + b).toString()"), "(.toString (+ $a $b))");
    assert_eq!(expr("{1,2}.size()"), "(.size [1 2])");
}

#[test]
fn qualified_calls_versus_dotted_variables() {
    // Not assigned: a qualified (integration or user) function.
    assert_eq!(
        expr("zoho.crm.getRecordById(\"Deals\", id)"),
        "(qcall zoho.crm.getRecordById \"Deals\" $id)"
    );
    assert_eq!(expr("standalone.fetch(2)"), "(qcall standalone.fetch 2)");
    assert_eq!(
        expr("thisapp.util.clean(\"x\").trim()"),
        "(.trim (qcall thisapp.util.clean \"x\"))"
    );
    // Assigned: a method call on the variable.
    let p = program("standalone = Map();\nx = standalone.get(\"a\");");
    let f = &p.functions[0];
    let StmtKind::Assign { value, .. } = &f.body[1].kind else {
        panic!("assignment expected")
    };
    assert_eq!(sexp(f, value), "(.get $standalone \"a\")");
    // System variables and value heads.
    assert_eq!(expr("zoho.currentdate"), "sys:CurrentDate");
    assert_eq!(
        expr("zoho.currenttime.toString(\"HH:mm\")"),
        "(.toString sys:CurrentTime \"HH:mm\")"
    );
    assert_eq!(expr("today.addDay(1)"), "(.addDay sys:CurrentDate 1)");
    assert_eq!(expr("input.Email.trim()"), "(.trim (field ?input Email))");
    assert_eq!(expr("rec.Name"), "(field $rec Name)");
    // Keywords are ordinary names after a dot.
    assert_eq!(
        expr("resp.info.Return"),
        "(field (field $resp info) Return)"
    );
}

#[test]
fn field_assignment_versus_plain_assignment() {
    let p = program("rec.Status = \"Done\";\ninput.Total = 3;\nn = 1;\nn += 2;\nrec.Return = 1;");
    let kinds: Vec<String> = p.functions[0]
        .body
        .iter()
        .map(|s| match &s.kind {
            StmtKind::FieldAssign { path, .. } => format!("field {path}"),
            StmtKind::Assign { op, .. } => format!("assign {op:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "field rec.Status",
            "field input.Total",
            "assign None",
            "assign Some(Add)",
            "field rec.Return"
        ]
    );
}

#[test]
fn map_and_list_literals_are_told_apart_by_the_colon() {
    assert_eq!(expr("{}"), "{}");
    assert_eq!(expr("{1, 2, 3}"), "[1 2 3]");
    assert_eq!(expr("{\"a\": 1, \"b\": {2}}"), "{\"a\":1 \"b\":[2]}");
    assert_eq!(expr("{\"a\"}"), "[\"a\"]");
    assert_eq!(expr("[1, \"x\"]"), "[1 \"x\"]");
    assert_eq!(
        expr("{\"trigger\":{\"workflow\"}}"),
        "{\"trigger\":[\"workflow\"]}"
    );
    assert_eq!(expr("{1: \"one\", 2: \"two\",}"), "{1:\"one\" 2:\"two\"}");
    assert_eq!(
        expr("collection(\"a\":1, \"b\":2)"),
        "(call collection {\"a\":1 \"b\":2})"
    );
    assert_eq!(expr("List:String()"), "(call List)");
}

#[test]
fn literals() {
    assert_eq!(expr("6503357000077425285"), "6503357000077425285");
    assert_eq!(expr("0.5"), "0.5");
    assert_eq!(expr("\"say \\\"hi\\\"\\n\""), "\"say \\\"hi\\\"\\n\"");
    assert_eq!(expr("'<a href=\"x\">'"), "\"<a href=\\\"x\\\">\"");
    assert_eq!(expr("\"$se_module\""), "\"$se_module\"");
    assert_eq!(expr("True"), "true");
    assert_eq!(expr("FALSE"), "false");
    assert_eq!(expr("Null"), "null");
    let e = error("x = 9223372036854775808;");
    assert!(e.message.contains("out of range"), "{}", e.message);
    let e = error("x = 1 - 9223372036854775808;");
    assert!(e.message.contains("out of range"), "{}", e.message);
    let e = error("x = 99999999999999999999;");
    assert!(e.message.contains("out of range"), "{}", e.message);
}

#[test]
fn if_expression_versus_if_statement() {
    assert_eq!(
        expr("if(a > 1, \"big\", \"small\")"),
        "(if (> $a 1) \"big\" \"small\")"
    );
    assert_eq!(expr("ifnull(a, 0) + 1"), "(+ (call ifnull $a 0) 1)");
    let p = program(
        "if(a > 1)\n{\n\tinfo 1;\n}\nelse if(a == 0)\n{\n\tinfo 0;\n}\nelse\n{\n\tinfo 2;\n}",
    );
    match &p.functions[0].body[0].kind {
        StmtKind::If {
            branches,
            otherwise,
        } => {
            assert_eq!(branches.len(), 2);
            assert!(otherwise.is_some());
        }
        other => panic!("if statement expected, got {other:?}"),
    }
    // A statement whose expression is an if-expression call.
    let p = program("x = if(true,1,2);\nif(if(x == 1, true, false)) { info x; }");
    assert!(matches!(p.functions[0].body[1].kind, StmtKind::If { .. }));
}

#[test]
fn task_keys_with_hyphens_and_spaces() {
    let p = program(
        "r = invokeurl\n[\n\turl :\"https://x.example/\" + id\n\ttype :POST\n\tparameters:m.toString()\n\tconnection :\"zohooauth\"\n\theaders: h\n\tcontent-type: \"application/json\"\n];\nsendmail\n[\n\tfrom :zoho.adminuserid\n\tto :\"a@x.com\" , , \"b@x.com\"\n\tsubject :\"s\"\n\tmessage :\"m\"\n\tcontent type :\"html\"\n\tAttachments :file:r\n]",
    );
    let body = &p.functions[0].body;
    let StmtKind::Assign { value, .. } = &body[0].kind else {
        panic!("assignment expected")
    };
    let ExprKind::Task(task) = &value.kind else {
        panic!("task expected")
    };
    assert_eq!(task.kind, TaskKind::InvokeUrl);
    let keys: Vec<&str> = task.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "url",
            "type",
            "parameters",
            "connection",
            "headers",
            "content-type"
        ]
    );
    let StmtKind::Expr(Expr {
        kind: ExprKind::Task(mail),
        ..
    }) = &body[1].kind
    else {
        panic!("sendmail statement expected")
    };
    assert_eq!(mail.kind, TaskKind::SendMail);
    let keys: Vec<&str> = mail.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "from",
            "to",
            "subject",
            "message",
            "content-type",
            "attachments"
        ]
    );
    // Tabs between a key and its colon, as the Zoho editor sometimes leaves.
    let p = program("r = invokeurl\n[\n\turl\t:\"u\"\n\ttype\t:GET\n];");
    let StmtKind::Assign { value, .. } = &p.functions[0].body[0].kind else {
        panic!("assignment expected")
    };
    assert!(matches!(&value.kind, ExprKind::Task(t) if t.entries.len() == 2));
    // `to: a , , b` keeps the two addresses and drops the empty element.
    assert_eq!(mail.entries[1].values.len(), 2);
}

#[test]
fn both_file_shapes() {
    let script = program("a = 1;\ninfo a;");
    assert!(script.is_script);
    assert_eq!(script.functions.len(), 1);

    let funcs = program(
        "void automation.updateDeal(String dealId, int  n)\n{\n\tinfo dealId;\n\treturn;\n}\n\nstring standalone.fetch(int page)\n{\n\treturn \"p\" + page;\n}\nmap ns.fn()\n{\n\treturn Map();\n}\nvoid fn(Deal_Residences rec)\n{\n\tinfo rec.Name;\n}",
    );
    assert!(!funcs.is_script);
    let names: Vec<(&str, &str, usize)> = funcs
        .functions
        .iter()
        .map(|f| {
            (
                f.qualified_name.as_str(),
                f.return_type.as_str(),
                f.params.len(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("automation.updateDeal", "void", 2),
            ("standalone.fetch", "string", 1),
            ("ns.fn", "map", 0),
            ("fn", "void", 1)
        ]
    );
    assert_eq!(funcs.functions[3].params[0].type_name, "Deal_Residences");
    assert_eq!(funcs.functions[0].name, "updateDeal");
}

#[test]
fn keywords_booleans_and_types_in_any_case() {
    let p = program(
        "IF(TRUE)\n{\n\tINFO 1;\n}\nELSE\n{\n\tInfo 2;\n}\nFor Each  x IN {1}\n{\n\tBREAK;\n}\nTRY\n{\n\ty = 1;\n}\nCATCH (e)\n{\n\tRETURN;\n}",
    );
    assert_eq!(p.functions[0].body.len(), 3);
    let p = program("VOID ns.f(STRING a, Int b, map c)\n{\n\tinfo a;\n}");
    assert_eq!(p.functions[0].return_type, "VOID");
}

#[test]
fn formatter_quirks_parse() {
    program(
        "for each  r in list1\n{\n\tif(r.get(\"a\")!=null)\n\t{\n\t\tinfo r ;\n\t}\n\telse if(r.isEmpty())\n\t{\n\t}\n}\ntry \n{\n\tx = 1;\n}\ncatch (e)\n{\n\tinfo e;\n}\nr = invokeurl\n[\n\turl :\"u\"\n\ttype :GET\n];",
    );
}

#[test]
fn reserved_prefixes_do_not_swallow_names() {
    // `index`, `information`, `iffy`, `nullable` start with keywords but are names.
    let p = program("index = 1;\ninformation = 2;\niffy = 3;\nnullable = 4;\ninfo = 5;");
    assert_eq!(p.functions[0].body.len(), 5);
    // A keyword itself is not a name.
    assert!(parse_program("invokeurl = 1;").is_err());
    assert!(parse_program("in = 1;").is_err());
}

#[test]
fn creator_syntax_parses() {
    let p = program(
        "rows = Contacts_form[Status in list1 && Age > 3] sort by Name range from 1 to 10;\nfor each r in Orders[ID == 5]\n{\n\tr.Status = \"x\";\n}\nid = insert into Orders\n[\n\tName = \"a\"\n\tQty = 2\n];\ndelete from Orders[ID == 1];\nalert \"Saved\";\ncancel submit;\nhide Notes;\ninput.City:ui.add(cities);\nopenUrl(\"#Page:x\", \"same window\");",
    );
    let body = &p.functions[0].body;
    assert_eq!(body.len(), 9);
    assert!(matches!(&body[4].kind, StmtKind::Creator(w) if w.describe() == "alert"));
    assert!(matches!(&body[7].kind, StmtKind::Creator(w) if w.describe() == "input.City:ui.add"));
}

#[test]
fn missing_semicolon_points_at_the_next_token() {
    let src = "x = 1;\ny = x + 2\ninfo y;\n";
    let e = error(src);
    assert_eq!(e.code, Code::DelugeSyntax);
    assert_eq!(line_col(src, e.span.start), (3, 1));
    assert!(e.message.starts_with("expected `;`"), "{}", e.message);
    assert!(e.message.contains("found `info`"), "{}", e.message);
    assert!(e.help.contains("end of line 2"), "{}", e.help);
    assert!(!e.at_end);
}

#[test]
fn unclosed_brace_mentions_the_end_of_input() {
    let src = "if (x > 1)\n{\n\tinfo x;\n";
    let e = error(src);
    assert!(e.at_end);
    assert_eq!(e.span.start, src.len());
    assert!(
        e.message.contains("expected `}`, found end of input"),
        "{}",
        e.message
    );
}

#[test]
fn other_error_messages_are_in_words() {
    let e = error("m.put(\"a\", 1;");
    assert!(e.message.starts_with("expected `)`"), "{}", e.message);
    let e = error("for each x {\n}");
    assert_eq!(e.message, "expected `in`, found `{`");
    let e = error("try\n{\n}\ninfo 1;");
    assert_eq!(e.message, "expected `catch`, found `info`");
    let e = error("info \"abc;\n");
    assert!(e.message.contains("never closed"), "{}", e.message);
    let e = error("r = invokeurl\n[\n\turl: \"x\"\n\ttype GET\n];");
    assert!(e.message.contains("a parameter name"), "{}", e.message);
    // Literal tokens further along the line move the caret to them.
    let src = "void f(string a {\n}";
    let e = error(src);
    assert_eq!(line_col(src, e.span.start), (1, 17));
    assert!(e.message.starts_with("expected `)`, `,`"), "{}", e.message);
    let src = "try { } catch { }";
    let e = error(src);
    assert_eq!(line_col(src, e.span.start), (1, 15));
    assert_eq!(e.message, "expected `(`, found `{`");
    let e = error("/* open comment\nx = 1;");
    assert_eq!(e.message, "Comment Task is not closed properly");
    for src in ["x = ;", "if x > 1 { }", "x = (1 + 2;", "f(1,;"] {
        let e = error(src);
        for rule in [
            "postfix_expr",
            "assign_op",
            "expression_statement",
            "EOI",
            "_op",
        ] {
            assert!(!e.message.contains(rule), "{src}: {}", e.message);
        }
    }
}

#[test]
fn legacy_sendmail_with_parentheses_and_commas() {
    // Older scripts write `sendmail ( … )`, with or without commas between
    // the entries; a value list still splits on commas inside an entry.
    for src in [
        "sendmail\n(\n\tTo : a, \"b@x.com\"\n\tFrom : zoho.adminuserid\n\tSubject : \"s\"\n\tMessage : (\"m\" + x)\n)",
        "sendmail\n(\n\tTo : a, \"b@x.com\",\n\tFrom : zoho.adminuserid,\n\tSubject : \"s\",\n\tMessage : (\"m\" + x)\n);",
    ] {
        let p = program(src);
        let StmtKind::Expr(Expr {
            kind: ExprKind::Task(mail),
            ..
        }) = &p.functions[0].body[0].kind
        else {
            panic!("sendmail statement expected: {src}")
        };
        assert_eq!(mail.kind, TaskKind::SendMail);
        let keys: Vec<&str> = mail.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["to", "from", "subject", "message"], "{src}");
        assert_eq!(mail.entries[0].values.len(), 2, "{src}");
    }
    // Comma-separated entries inside brackets, and attachments after a comma
    // stay values of `attachments`.
    let p = program(
        "sendmail [ to: a, subject: \"s\", message: \"m\", attachments: file: f, file: g ]",
    );
    let StmtKind::Expr(Expr {
        kind: ExprKind::Task(mail),
        ..
    }) = &p.functions[0].body[0].kind
    else {
        panic!("sendmail statement expected")
    };
    let keys: Vec<&str> = mail.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["to", "subject", "message", "attachments"]);
    assert_eq!(mail.entries[3].values.len(), 2);
}

fn first_expr(src: &str) -> (Program, String) {
    let p = program(src);
    let f = p.functions[0].clone();
    let text = match &f.body.last().expect("statement").kind {
        StmtKind::Assign { value, .. } | StmtKind::Expr(value) => sexp(&f, value),
        other => format!("{other:?}"),
    };
    (p, text)
}

#[test]
fn creator_criteria_lower_to_comparisons_of_fields() {
    let (_, t) = first_expr("x = 5;\nr = Orders[Status == \"Open\" && Amount > x || ID in ids];");
    assert_eq!(
        t,
        "(query Orders (|| (&& (== Status \"Open\") (> Amount $x)) (in ID $ids)))"
    );
    let (_, t) = first_expr(
        "r = Orders[Name starts_with \"A\" && Tags contains \"x\" && Note is null && City not in {\"a\"}];",
    );
    assert_eq!(
        t,
        "(query Orders (&& (&& (&& (starts_with Name \"A\") (contains Tags \"x\")) (is null Note)) (not in City [\"a\"])))"
    );
    // A field on the right, a bare boolean field, a lookup's field, `=` as `==`.
    let (_, t) =
        first_expr("r = Orders[5 < Amount && Active && !Archived && Customer.Name = input.Name];");
    assert_eq!(
        t,
        "(query Orders (&& (&& (&& (> Amount 5) (== Active true)) (== Archived false)) (== Customer.Name (field ?input Name))))"
    );
    let (_, t) = first_expr("r = Orders[];");
    assert_eq!(t, "(query Orders all)");
}

#[test]
fn unreadable_criteria_still_parse_and_are_kept_for_the_run() {
    let (_, t) = first_expr("r = Orders[a + b];");
    assert!(t.starts_with("(query Orders (unparsed"), "{t}");
    let (_, t) = first_expr("r = Orders[Status == \"x\" @@ 1];");
    assert!(t.starts_with("(query Orders (unparsed"), "{t}");
}

#[test]
fn insert_into_lowers_its_fields_and_collection_reads() {
    let (_, t) = first_expr("id = insert into Log\n[\n\tMessage = \"x\" + 1\n\tLevel = 2\n];");
    assert_eq!(t, "(insert Log Message=(+ \"x\" 1) Level=2)");
    let (_, t) = first_expr("n = Products[Category == \"H\"].Name.getAll();");
    assert_eq!(t, "(getall (query Products (== Category \"H\")) Name)");
    let (_, t) = first_expr("n = Orders[ID != 0].sum(Amount);");
    assert_eq!(t, "(sum (query Orders (!= ID 0)) Amount)");
    // An ordinary method with a variable argument stays a method.
    let (_, t) = first_expr("l = {1};\nn = l.distinct();");
    assert_eq!(t, "(.distinct $l)");
}

#[test]
fn a_scripts_arguments_are_the_names_it_reads_but_never_assigns() {
    let p = program(
        "r = invokeurl [ url: base + \"/x\" type: GET connection: conn ];\nfor each d in deals { n = d; }\ntry { info id.toLong(); } catch (e) { info e; }\ninfo input.Name + zoho.currentdate + today;\ninfo Map();\n",
    );
    let names: Vec<&str> = p.functions[0]
        .params
        .iter()
        .map(|p| p.name.as_ref())
        .collect();
    assert_eq!(names, vec!["base", "conn", "deals", "id"]);
    // A function's parameters are declared; unassigned names stay undefined.
    let f = program("void f() { info id.toLong(); }");
    assert!(f.functions[0].params.is_empty());
    let StmtKind::Info(e) = &f.functions[0].body[0].kind else {
        panic!("info");
    };
    assert_eq!(sexp(&f.functions[0], e), "(.toLong ?id)");
}
