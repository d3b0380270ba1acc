//! Rebuilding a table under a new definition whose column positions (and
//! so the store's key and index columns) differ from the old one: a new
//! table is created, the rows are copied into it, foreign keys that
//! referenced the old table are pointed at the new one, the old table is
//! dropped and the new one takes its name. All inside the transaction, so
//! it commits or rolls back as one. The table gets a new id (oid).

use crate::meta::TableMeta;
use crate::output::SqlContext;
use aiondb_core::{DbResult, Row, TableId};
use aiondb_storage::TableSchema;

/// Where each old column position goes (None: dropped).
pub struct ColumnMap(Vec<Option<usize>>);

impl ColumnMap {
    /// `columns` columns of which `dropped` is removed.
    pub fn without(columns: usize, dropped: usize) -> ColumnMap {
        ColumnMap(
            (0..columns)
                .map(|c| match c.cmp(&dropped) {
                    std::cmp::Ordering::Less => Some(c),
                    std::cmp::Ordering::Equal => None,
                    std::cmp::Ordering::Greater => Some(c - 1),
                })
                .collect(),
        )
    }

    /// Every position kept as it is.
    pub fn identity(columns: usize) -> ColumnMap {
        ColumnMap((0..columns).map(Some).collect())
    }

    /// The new position of old column `c`.
    pub fn get(&self, c: usize) -> Option<usize> {
        self.0.get(c).copied().flatten()
    }

    /// New positions of old columns; None if one was dropped.
    pub fn apply(&self, cols: &[usize]) -> Option<Vec<usize>> {
        cols.iter().map(|&c| self.get(c)).collect()
    }

    fn row(&self, old: &Row, width: usize) -> Row {
        let mut out = vec![aiondb_core::Value::Null; width];
        for (c, v) in old.iter().enumerate() {
            if let Some(n) = self.get(c)
                && n < width
            {
                out[n] = v.clone();
            }
        }
        out
    }
}

/// Replaces `old` by `new` (same name), copying rows through `map`.
/// Foreign keys referencing `old` (`ref_columns` in old positions) are
/// remapped; `new.sql` must already hold the table's own remapped metadata.
/// Returns the new id.
pub fn rebuild(
    ctx: &mut SqlContext<'_>,
    old: &TableSchema,
    mut new: TableSchema,
    map: &ColumnMap,
) -> DbResult<TableId> {
    let rows: Vec<Row> = ctx.txn.heap_scan(old.id)?.map(|(_, r)| r).collect();
    let name = std::mem::replace(&mut new.name, format!("{} (rebuilt {})", old.name, old.id));
    let width = new.columns.len();
    let id = ctx.txn.create_table(new)?;
    for (i, row) in rows.iter().enumerate() {
        if i % 4096 == 4095 {
            ctx.check_interrupt()?;
        }
        ctx.txn.insert(id, map.row(row, width))?;
    }
    let catalog = ctx.txn.catalog();
    for t in catalog.tables.values() {
        if t.id == old.id || !TableMeta::may_have_foreign_keys(t) {
            continue;
        }
        let mut meta = TableMeta::of(t)?;
        let mut changed = false;
        for fk in &mut meta.foreign_keys {
            if fk.ref_table == old.id.0 {
                fk.ref_table = id.0;
                fk.ref_columns = map.apply(&fk.ref_columns).unwrap_or_default();
                changed = true;
            }
        }
        if changed {
            let mut schema = (**t).clone();
            schema.sql = meta.to_sql()?;
            ctx.txn.alter_table(schema)?;
        }
    }
    ctx.txn.drop_table(old.id)?;
    let mut renamed = (*ctx.txn.table(id)?).clone();
    renamed.name = name;
    ctx.txn.alter_table(renamed)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::ColumnMap;
    use aiondb_core::Value;

    #[test]
    fn dropping_a_column_shifts_the_later_ones() {
        let map = ColumnMap::without(4, 1);
        assert_eq!(map.apply(&[0, 2, 3]), Some(vec![0, 1, 2]));
        assert_eq!(map.apply(&[1]), None);
        let row = vec![Value::Int4(0), Value::Int4(1), Value::Int4(2)];
        assert_eq!(map.row(&row, 2), vec![Value::Int4(0), Value::Int4(2)]);
        assert_eq!(ColumnMap::identity(2).apply(&[1, 0]), Some(vec![1, 0]));
    }
}
