//! Executing set-returning functions of a select list (PostgreSQL's
//! ProjectSet node, see [`Plan::ProjectSet`](crate::plan::Plan)).
//!
//! Since PostgreSQL 10 the functions of one select list advance in
//! lockstep: an input row yields as many rows as its longest function
//! result, shorter results are padded with NULL, and a row for which every
//! function returns nothing yields no row at all.
//!
//! ```text
//!   SELECT x, generate_series(1, x), unnest('{a,b,c}'::text[]) FROM t
//!   x = 2  ->  (2, 1, a) (2, 2, b) (2, NULL, c)
//! ```

use crate::exec::Executor;
use crate::expr::Expr;
use crate::plan::SrfCall;
use aiondb_core::{DataType, DbResult, Row, Value};

impl Executor<'_> {
    /// Expands each input row by the results of `calls`, appended in order.
    pub(crate) fn project_set(&mut self, rows: Vec<Row>, calls: &[SrfCall]) -> DbResult<Vec<Row>> {
        let mut out = Vec::new();
        for row in rows {
            self.check()?;
            let mut results = Vec::with_capacity(calls.len());
            for call in calls {
                let mut args = Vec::with_capacity(call.args.len());
                for a in &call.args {
                    args.push(self.eval(a, &row)?);
                }
                let types: Vec<DataType> = call.args.iter().map(Expr::data_type).collect();
                let values: Vec<Value> = crate::func::table_function(&call.name, &args, &types)?
                    .into_iter()
                    .map(|r| r.into_iter().next().unwrap_or(Value::Null))
                    .collect();
                results.push(values);
            }
            let n = results.iter().map(Vec::len).max().unwrap_or(0);
            let mut iters: Vec<_> = results.into_iter().map(Vec::into_iter).collect();
            for _ in 0..n {
                let mut r = Vec::with_capacity(row.len() + iters.len());
                r.extend(row.iter().cloned());
                r.extend(iters.iter_mut().map(|it| it.next().unwrap_or(Value::Null)));
                out.push(r);
            }
        }
        Ok(out)
    }
}
