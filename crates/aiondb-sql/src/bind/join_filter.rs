//! Pushing WHERE conjuncts into a chain of inner joins.
//!
//! `FROM a, b, c WHERE a.x = b.x AND c.y = 5` binds to a filter over a
//! cross product, which a nested loop would enumerate in full. This module
//! flattens the left-deep chain of inner/cross joins into its relations,
//! then gives every conjunct of WHERE (and of the chain's own ON clauses)
//! the earliest place where all its columns exist:
//!
//! ```text
//!   Filter(a.x = b.x AND c.y = 5)          Join(on: none)
//!     Join(cross)                 ==>        Join(on: a.x = b.x)
//!       Join(cross)                            Scan a
//!         Scan a                               Scan b
//!         Scan b                             Filter(y = 5)
//!       Scan c                                 Scan c   (index path, if any)
//! ```
//!
//! Invariants:
//! - The relations stay in FROM order and the tree stays left-deep, so a
//!   column keeps its position in the joined row, and the nested loop
//!   produces the same rows in the same order as filtering the full
//!   product would.
//! - Only conjuncts over plain columns of this query move: one with a
//!   subquery (whose outer references count columns of the full row) or
//!   nothing to attach to stays in a filter on top. Outer joins and
//!   LATERAL joins are never split; they are relations of the chain.
//! - A conjunct on one relation becomes that relation's filter, with its
//!   columns renumbered from 0, so `with_filter` can pick an index.

use super::from::{conjuncts, with_filter};
use crate::expr::{BinOp, Expr};
use crate::output::Column;
use crate::plan::{JoinKind, Plan};
use aiondb_core::DataType;

/// `plan` filtered by `pred`, with the conjuncts pushed into the joins of a
/// chain of inner joins. The caller checks `is_inner_chain(&plan)` first.
pub(crate) fn push_into_joins(plan: Plan, pred: &Expr) -> Plan {
    let mut rest = Vec::new();
    let mut pending = Vec::new();
    let first = flatten(plan, &mut rest, &mut pending);
    conjuncts(pred, &mut pending);
    let columns: Vec<Column> = std::iter::once(&first)
        .chain(&rest)
        .flat_map(Plan::columns)
        .collect();
    let widths: Vec<usize> = std::iter::once(&first)
        .chain(&rest)
        .map(|r| r.columns().len())
        .collect();
    let n = widths.len();
    let mut starts = Vec::with_capacity(n);
    let mut width = 0;
    for w in &widths {
        starts.push(width);
        width += w;
    }
    let relation_of = |col: usize| starts.iter().rposition(|&s| s <= col).unwrap_or(0);
    let mut movable: Vec<(Expr, Vec<usize>)> = Vec::new();
    let mut on_top = Vec::new();
    for c in pending {
        let mut cols = Vec::new();
        if reads_columns(&c, &mut cols) && !cols.is_empty() && cols.iter().all(|&i| i < width) {
            let mut rels: Vec<usize> = cols.into_iter().map(relation_of).collect();
            rels.sort_unstable();
            rels.dedup();
            movable.push((c, rels));
        } else {
            on_top.push(c);
        }
    }
    let order = join_order(n, &movable);
    let mut step_of = vec![0; n];
    let mut new_start = vec![0; n];
    let mut at = 0;
    for (step, &r) in order.iter().enumerate() {
        step_of[r] = step;
        new_start[r] = at;
        at += widths[r];
    }
    let mut own: Vec<Vec<Expr>> = vec![Vec::new(); n];
    let mut at_step: Vec<Vec<Expr>> = vec![Vec::new(); n];
    for (mut c, rels) in movable {
        if let [only] = rels[..] {
            c.map_columns(&|i| i - starts[only]);
            own[only].push(c);
        } else {
            c.map_columns(&|i| {
                let r = relation_of(i);
                new_start[r] + (i - starts[r])
            });
            let step = rels.iter().map(|&r| step_of[r]).max().unwrap_or(0);
            at_step[step].push(c);
        }
    }
    let filtered = |rel: Plan, filters: Vec<Expr>| match conjoin(filters) {
        Some(p) => with_filter(rel, p),
        None => rel,
    };
    let mut own = own.into_iter();
    let mut plan = filtered(first, own.next().unwrap_or_default());
    let mut rest: Vec<Option<(Plan, Vec<Expr>)>> = rest.into_iter().zip(own).map(Some).collect();
    for (step, &r) in order.iter().enumerate().skip(1) {
        // `order` is a permutation starting with relation 0.
        let Some((rel, filters)) = rest.get_mut(r - 1).and_then(Option::take) else {
            continue;
        };
        let on = conjoin(std::mem::take(&mut at_step[step]));
        plan = Plan::Join {
            left: Box::new(plan),
            right: Box::new(filtered(rel, filters)),
            kind: if on.is_some() {
                JoinKind::Inner
            } else {
                JoinKind::Cross
            },
            on,
            lateral: false,
        };
    }
    if order.iter().enumerate().any(|(step, &r)| step != r) {
        // Back to the FROM order's columns.
        let exprs = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let r = relation_of(i);
                Expr::Column(new_start[r] + (i - starts[r]), c.data_type.clone())
            })
            .collect();
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
            columns,
        };
    }
    match conjoin(on_top) {
        Some(p) => Plan::Filter {
            input: Box::new(plan),
            predicate: p,
        },
        None => plan,
    }
}

/// The order to join the chain's relations in: FROM order when each
/// relation joins the ones before it through some conjunct; otherwise,
/// greedily, the first relation (in FROM order) that does, so that no
/// cross product is formed before it has to be.
fn join_order(n: usize, conds: &[(Expr, Vec<usize>)]) -> Vec<usize> {
    let joins = |placed: &[bool], r: usize| {
        conds.iter().any(|(_, rels)| {
            rels.len() > 1 && rels.contains(&r) && rels.iter().all(|&o| o == r || placed[o])
        })
    };
    let mut placed = vec![false; n];
    placed[0] = true;
    let from_order_joins = (1..n).all(|r| {
        let ok = joins(&placed, r);
        placed[r] = true;
        ok
    });
    if from_order_joins {
        return (0..n).collect();
    }
    let mut placed = vec![false; n];
    placed[0] = true;
    let mut order = vec![0];
    while order.len() < n {
        let next = (0..n)
            .find(|&r| !placed[r] && joins(&placed, r))
            .or_else(|| (0..n).find(|&r| !placed[r]));
        let Some(r) = next else { break };
        placed[r] = true;
        order.push(r);
    }
    order
}

pub(crate) fn is_inner_chain(plan: &Plan) -> bool {
    matches!(
        plan,
        Plan::Join {
            kind: JoinKind::Inner | JoinKind::Cross,
            lateral: false,
            ..
        }
    )
}

/// The first relation of a left-deep inner-join chain; the others go to
/// `rest` in FROM order, the conjuncts of its ON clauses (positions
/// already those of the full row) to `conds`.
fn flatten(plan: Plan, rest: &mut Vec<Plan>, conds: &mut Vec<Expr>) -> Plan {
    match plan {
        Plan::Join {
            left,
            right,
            kind: JoinKind::Inner | JoinKind::Cross,
            on,
            lateral: false,
        } => {
            let first = flatten(*left, rest, conds);
            rest.push(*right);
            if let Some(on) = on {
                conjuncts(&on, conds);
            }
            first
        }
        other => other,
    }
}

fn conjoin(mut exprs: Vec<Expr>) -> Option<Expr> {
    let first = if exprs.is_empty() {
        return None;
    } else {
        exprs.remove(0)
    };
    Some(exprs.into_iter().fold(first, |acc, e| Expr::Binary {
        op: BinOp::And,
        left: Box::new(acc),
        right: Box::new(e),
        ty: DataType::Bool,
    }))
}

/// Collects the columns the expression reads; false when it may not move
/// (a subquery, or a form this module does not look into).
fn reads_columns(e: &Expr, out: &mut Vec<usize>) -> bool {
    match e {
        Expr::Column(i, _) => {
            out.push(*i);
            true
        }
        Expr::Const(..) | Expr::Param(..) | Expr::Outer { .. } => true,
        Expr::Neg(x) | Expr::Not(x) | Expr::IsNull { expr: x, .. } | Expr::Cast { expr: x, .. } => {
            reads_columns(x, out)
        }
        Expr::Binary { left, right, .. } => reads_columns(left, out) && reads_columns(right, out),
        Expr::Like { expr, pattern, .. } => reads_columns(expr, out) && reads_columns(pattern, out),
        Expr::InList { expr, list, .. } => {
            reads_columns(expr, out) && list.iter().all(|x| reads_columns(x, out))
        }
        Expr::Func { args, .. } | Expr::Array { items: args, .. } => {
            args.iter().all(|x| reads_columns(x, out))
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
            ..
        } => {
            operand.as_deref().is_none_or(|o| reads_columns(o, out))
                && whens
                    .iter()
                    .all(|(w, t)| reads_columns(w, out) && reads_columns(t, out))
                && otherwise.as_deref().is_none_or(|o| reads_columns(o, out))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(i: usize) -> Expr {
        Expr::Column(i, DataType::Int4)
    }

    fn eq(a: Expr, b: Expr) -> Expr {
        Expr::Binary {
            op: BinOp::Eq,
            left: Box::new(a),
            right: Box::new(b),
            ty: DataType::Bool,
        }
    }

    fn values(width: usize) -> Plan {
        Plan::Values {
            rows: Vec::new(),
            columns: (0..width)
                .map(|i| crate::output::Column::computed(format!("c{i}"), DataType::Int4))
                .collect(),
        }
    }

    fn cross(l: Plan, r: Plan) -> Plan {
        Plan::Join {
            left: Box::new(l),
            right: Box::new(r),
            kind: JoinKind::Cross,
            on: None,
            lateral: false,
        }
    }

    #[test]
    fn conjuncts_land_where_their_columns_exist() {
        // a(2 cols), b(1), c(2): a.c1 = b.c0, c.c1 = 5.
        let plan = cross(cross(values(2), values(1)), values(2));
        let five = Expr::Const(aiondb_core::Value::Int4(5), DataType::Int4);
        let pred = conjoin(vec![eq(col(1), col(2)), eq(col(4), five.clone())]).expect("pred");
        assert!(is_inner_chain(&plan));
        let Plan::Join {
            left, right, on, ..
        } = push_into_joins(plan, &pred)
        else {
            panic!("not pushed");
        };
        assert_eq!(on, None);
        assert!(matches!(*left, Plan::Join { on: Some(ref p), .. } if *p == eq(col(1), col(2))));
        assert!(
            matches!(*right, Plan::Filter { ref predicate, .. } if *predicate == eq(col(1), five))
        );
    }

    #[test]
    fn subqueries_and_other_plans_stay_on_top() {
        assert!(!is_inner_chain(&values(1)));
        let e = Expr::Subquery {
            plan: Box::new(values(1)),
            kind: crate::expr::SubqueryKind::Exists,
            ty: DataType::Bool,
            once: None,
        };
        assert!(!reads_columns(&e, &mut Vec::new()));
    }
}
