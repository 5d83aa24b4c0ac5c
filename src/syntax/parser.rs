//! The pest parser generated from `grammar/deluge.pest`, and the operator
//! precedence table.
//!
//! | level (loosest first) | operators            | assoc |
//! |-----------------------|----------------------|-------|
//! | 1                     | `\|\|`               | left  |
//! | 2                     | `&&`                 | left  |
//! | 3                     | `==` `!=`            | left  |
//! | 4                     | `<` `<=` `>` `>=`    | left  |
//! | 5                     | `+` `-`              | left  |
//! | 6                     | `*` `/` `%`          | left  |
//! | 7                     | prefix `!` `-` `+`   |       |
//! | 8                     | `.method()` `.field` |       |

use std::sync::LazyLock;

use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "grammar/deluge.pest"]
pub(super) struct DelugeParser;

/// Deepest bracket nesting accepted before parsing (pest recurses on the
/// native stack, so deeper input is refused with `deluge::limit`).
pub const MAX_NESTING: usize = 256;

pub(super) static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::infix(Rule::eq_op, Assoc::Left) | Op::infix(Rule::ne_op, Assoc::Left))
        .op(Op::infix(Rule::lt_op, Assoc::Left)
            | Op::infix(Rule::le_op, Assoc::Left)
            | Op::infix(Rule::gt_op, Assoc::Left)
            | Op::infix(Rule::ge_op, Assoc::Left))
        .op(Op::infix(Rule::add_op, Assoc::Left) | Op::infix(Rule::sub_op, Assoc::Left))
        .op(Op::infix(Rule::mul_op, Assoc::Left)
            | Op::infix(Rule::div_op, Assoc::Left)
            | Op::infix(Rule::rem_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op) | Op::prefix(Rule::neg_op) | Op::prefix(Rule::plus_op))
});

/// Precedence for Creator criteria: the criteria-only operators (`in`,
/// `contains`, …) bind like `==`; `is null` is a postfix.
pub(super) static CRIT_PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::infix(Rule::eq_op, Assoc::Left)
            | Op::infix(Rule::ne_op, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left)
            | Op::infix(Rule::not_in_op, Assoc::Left)
            | Op::infix(Rule::contains_op, Assoc::Left)
            | Op::infix(Rule::not_contains_op, Assoc::Left)
            | Op::infix(Rule::starts_op, Assoc::Left)
            | Op::infix(Rule::ends_op, Assoc::Left))
        .op(Op::infix(Rule::lt_op, Assoc::Left)
            | Op::infix(Rule::le_op, Assoc::Left)
            | Op::infix(Rule::gt_op, Assoc::Left)
            | Op::infix(Rule::ge_op, Assoc::Left))
        .op(Op::infix(Rule::add_op, Assoc::Left) | Op::infix(Rule::sub_op, Assoc::Left))
        .op(Op::infix(Rule::mul_op, Assoc::Left)
            | Op::infix(Rule::div_op, Assoc::Left)
            | Op::infix(Rule::rem_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op) | Op::prefix(Rule::neg_op) | Op::prefix(Rule::plus_op))
        .op(Op::postfix(Rule::is_null_op))
});
