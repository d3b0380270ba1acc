//! The engine end to end without the wire: sessions, transactions, DDL,
//! DML, queries and what psql/pgbench send.

mod common;
use aiondb_engine::{StatementOutput, TransactionStatus};
use common::{engine, err, q, rows, session};

#[test]
fn basic_queries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut s = session(&e);
    assert_eq!(
        q(&mut s, "select 1, 'a', 1.5, null, true"),
        rows(&[&["1", "a", "1.5", "NULL", "t"]])
    );
    q(
        &mut s,
        "create table t (id int primary key, name text not null, v numeric(10,2) default 0)",
    );
    q(
        &mut s,
        "insert into t values (1, 'one', 1.5), (2, 'two', 2.25), (3, 'three', null)",
    );
    q(&mut s, "insert into t (id, name) values (4, 'four')");
    assert_eq!(
        q(&mut s, "select count(*), sum(v), max(name) from t"),
        rows(&[&["4", "3.75", "two"]])
    );
    assert_eq!(
        q(
            &mut s,
            "select id from t where v is null or v > 2 order by id desc"
        ),
        rows(&[&["3"], &["2"]])
    );
    assert_eq!(
        q(&mut s, "select name from t where id = 2"),
        rows(&[&["two"]])
    );
    assert_eq!(q(&mut s, "update t set v = v + 1 where id <= 2"), rows(&[]));
    assert_eq!(
        q(&mut s, "select v from t order by id limit 2"),
        rows(&[&["2.50"], &["3.25"]])
    );
    assert_eq!(err(&mut s, "insert into t values (1, 'dup', 0)"), "23505");
    assert_eq!(err(&mut s, "insert into t values (9, null, 0)"), "23502");
    assert_eq!(err(&mut s, "select nope from t"), "42703");
    assert_eq!(err(&mut s, "select * from nope"), "42P01");
    assert_eq!(err(&mut s, "selec 1"), "42601");
    assert_eq!(
        q(
            &mut s,
            "select id % 2 as k, count(*) from t group by 1 order by 1"
        ),
        rows(&[&["0", "2"], &["1", "2"]])
    );
    assert_eq!(
        q(
            &mut s,
            "select a.id, b.id from t a join t b on a.id = b.id + 1 order by 1"
        ),
        rows(&[&["2", "1"], &["3", "2"], &["4", "3"]])
    );
    assert_eq!(
        q(
            &mut s,
            "select id from t where id in (select id from t where id > 2) order by id"
        ),
        rows(&[&["3"], &["4"]])
    );
    assert_eq!(
        q(&mut s, "select x from generate_series(1, 3) as x"),
        rows(&[&["1"], &["2"], &["3"]])
    );
    assert_eq!(q(&mut s, "delete from t where id = 4"), rows(&[]));
    assert_eq!(q(&mut s, "select count(*) from t"), rows(&[&["3"]]));
}

#[test]
fn transactions_and_aborted_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut s = session(&e);
    let mut other = session(&e);
    q(&mut s, "create table a (id int primary key, v int)");
    q(&mut s, "begin");
    assert_eq!(s.transaction_status(), TransactionStatus::InBlock);
    q(&mut s, "insert into a values (1, 1)");
    assert_eq!(q(&mut other, "select count(*) from a"), rows(&[&["0"]]));
    assert_eq!(err(&mut s, "select 1/0"), "22012");
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    assert_eq!(err(&mut s, "select 1"), "25P02");
    q(&mut s, "rollback");
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
    assert_eq!(q(&mut s, "select count(*) from a"), rows(&[&["0"]]));
    q(
        &mut s,
        "begin; insert into a values (2, 2); savepoint x; insert into a values (3, 3); rollback to savepoint x; commit",
    );
    assert_eq!(q(&mut other, "select id from a"), rows(&[&["2"]]));
}

#[test]
fn pgbench_statements() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = engine(dir.path());
    let mut s = session(&e);
    q(
        &mut s,
        "drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
    );
    assert_eq!(s.take_notices().len(), 4);
    q(
        &mut s,
        "create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))",
    );
    q(
        &mut s,
        "create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
    );
    q(
        &mut s,
        "create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)",
    );
    q(
        &mut s,
        "create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)",
    );
    q(&mut s, "begin");
    q(
        &mut s,
        "truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
    );
    q(
        &mut s,
        "insert into pgbench_branches(bid,bbalance) values(1,0)",
    );
    q(
        &mut s,
        "insert into pgbench_tellers(tid,bid,tbalance) select tid, (tid - 1) / 10 + 1, 0 from generate_series(1, 10) as tid",
    );
    q(
        &mut s,
        "insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) / 100000 + 1, 0, '' from generate_series(1, 1000) as aid",
    );
    q(&mut s, "commit");
    q(&mut s, "vacuum analyze pgbench_branches");
    q(&mut s, "alter table pgbench_branches add primary key (bid)");
    q(&mut s, "alter table pgbench_tellers add primary key (tid)");
    q(&mut s, "alter table pgbench_accounts add primary key (aid)");
    assert_eq!(
        q(&mut s, "select count(*) from pgbench_branches"),
        rows(&[&["1"]])
    );
    let probe = "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral (select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 order by 1 asc limit 1";
    assert_eq!(q(&mut s, probe), rows(&[&["2", "NULL", "0"]]));
    q(&mut s, "BEGIN;");
    q(
        &mut s,
        "UPDATE pgbench_accounts SET abalance = abalance + -1234 WHERE aid = 567;",
    );
    assert_eq!(
        q(
            &mut s,
            "SELECT abalance FROM pgbench_accounts WHERE aid = 567;"
        ),
        rows(&[&["-1234"]])
    );
    q(
        &mut s,
        "UPDATE pgbench_tellers SET tbalance = tbalance + -1234 WHERE tid = 7;",
    );
    q(
        &mut s,
        "UPDATE pgbench_branches SET bbalance = bbalance + -1234 WHERE bid = 1;",
    );
    q(
        &mut s,
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 567, -1234, CURRENT_TIMESTAMP);",
    );
    q(&mut s, "END;");
    let st = s
        .prepare(
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
            &[],
        )
        .expect("prepare");
    assert_eq!(st.param_types().len(), 2);
    let out = s
        .execute(&st, &[Some(b"10".to_vec()), Some(b"567".to_vec())], &[])
        .expect("execute");
    assert!(
        matches!(out, StatementOutput::Command { ref tag } if tag == "UPDATE 1"),
        "{out:?}"
    );
    assert_eq!(
        q(
            &mut s,
            "select sum(abalance), (select sum(tbalance) from pgbench_tellers), (select sum(delta) from pgbench_history) from pgbench_accounts"
        ),
        rows(&[&["-1224", "-1234", "-1234"]])
    );
}

#[test]
fn views_and_schemas_survive_restart_and_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let e = engine(dir.path());
        let mut s = session(&e);
        q(&mut s, "create table base (id int primary key, v int)");
        q(&mut s, "insert into base values (1, 5), (2, 50)");
        q(
            &mut s,
            "create view small as select id from base where v < 10",
        );
        // Rolled back: must not exist after recovery either.
        q(&mut s, "begin");
        q(&mut s, "create view gone as select 1 as one");
        q(&mut s, "rollback");
        e.checkpoint().expect("checkpoint");
        q(
            &mut s,
            "create view later as select id * 2 as twice from small",
        );
        q(&mut s, "create schema kept");
        q(&mut s, "create table kept.t (n int)");
        q(&mut s, "insert into kept.t values (7)");
    }
    let e = engine(dir.path());
    let mut s = session(&e);
    assert_eq!(q(&mut s, "select * from small"), rows(&[&["1"]]));
    assert_eq!(q(&mut s, "select twice from later"), rows(&[&["2"]]));
    assert_eq!(err(&mut s, "select * from gone"), "42P01");
    assert_eq!(err(&mut s, "drop view small"), "2BP01");
    assert_eq!(q(&mut s, "select n from kept.t"), rows(&[&["7"]]));
    assert_eq!(err(&mut s, "create schema kept"), "42P06");
}
