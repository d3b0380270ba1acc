//! LIMIT / OFFSET / FETCH FIRST ... { ONLY | WITH TIES } at execution.
//!
//! The counts are evaluated once, before any row is returned: NULL means
//! no limit (except for WITH TIES, where PostgreSQL refuses it), a negative
//! count is an error. WITH TIES keeps returning rows past the count while
//! they sort equal to the last counted row (NULLs equal to NULLs).

use crate::exec::Executor;
use crate::ops;
use crate::plan::{Plan, SortKey};
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};

fn invalid_row_count(message: impl Into<String>) -> DbError {
    DbError::new(SqlState::from_static("2201W"), message)
}

/// A LIMIT or OFFSET value as a row count; `None` for NULL.
fn count(v: Value, what: &str) -> DbResult<Option<usize>> {
    if v == Value::Null {
        return Ok(None);
    }
    let n = ops::cast(v, &DataType::Int8, &DataType::Int8)
        .ok()
        .and_then(|v| match v {
            Value::Int8(n) => Some(n),
            Value::Int4(n) => Some(n as i64),
            Value::Int2(n) => Some(n as i64),
            _ => None,
        });
    match n {
        Some(n) if n >= 0 => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        _ => Err(invalid_row_count(format!("{what} must not be negative"))),
    }
}

impl Executor<'_> {
    pub(crate) fn limit(
        &mut self,
        input: &Plan,
        limit: Option<&crate::expr::Expr>,
        offset: Option<&crate::expr::Expr>,
        ties: &[SortKey],
    ) -> DbResult<Vec<Row>> {
        let empty = Vec::new();
        let off = match offset {
            Some(e) => count(self.eval(e, &empty)?, "OFFSET")?.unwrap_or(0),
            None => 0,
        };
        let lim = match limit {
            Some(e) => count(self.eval(e, &empty)?, "LIMIT")?,
            None => None,
        };
        if !ties.is_empty() && lim.is_none() {
            return Err(invalid_row_count(
                "row count cannot be null in FETCH FIRST ... WITH TIES clause",
            ));
        }
        let rows = self.run(input)?;
        let mut rest = rows.into_iter().skip(off);
        let lim = lim.unwrap_or(usize::MAX);
        let mut out: Vec<Row> = rest.by_ref().take(lim).collect();
        if ties.is_empty() || out.len() < lim || lim == 0 {
            return Ok(out);
        }
        let key = |ex: &mut Self, r: &Row| -> DbResult<Vec<Value>> {
            ties.iter().map(|k| ex.eval(&k.expr, r)).collect()
        };
        let last = match out.last() {
            Some(r) => key(self, r)?,
            None => return Ok(out),
        };
        for r in rest {
            if crate::exec::compare_keys(&key(self, &r)?, &last, ties) != std::cmp::Ordering::Equal
            {
                break;
            }
            out.push(r);
        }
        Ok(out)
    }
}
