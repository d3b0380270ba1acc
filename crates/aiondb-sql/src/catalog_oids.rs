//! Fixed object identifiers of the built-in catalog: the relation oids of
//! the system catalog tables and the type oids of the built-in types, as
//! PostgreSQL 15 assigns them. Clients hard-code many of these (psql's
//! `\d`, drivers' type maps), so they must match PostgreSQL's exactly.

/// The system catalog tables this server generates, with the relation oids
/// PostgreSQL 15 gives them (stable across releases, unlike the views').
pub(crate) const SYSTEM_CATALOG_OIDS: &[(u32, &str)] = &[
    (1213, "pg_tablespace"),
    (1247, "pg_type"),
    (1249, "pg_attribute"),
    (1255, "pg_proc"),
    (1259, "pg_class"),
    (1260, "pg_authid"),
    (1261, "pg_auth_members"),
    (1262, "pg_database"),
    (2224, "pg_sequence"),
    (2600, "pg_aggregate"),
    (2601, "pg_am"),
    (2606, "pg_constraint"),
    (2609, "pg_description"),
    (2610, "pg_index"),
    (2611, "pg_inherits"),
    (2615, "pg_namespace"),
    (2618, "pg_rewrite"),
    (2620, "pg_trigger"),
    (3079, "pg_extension"),
    (3256, "pg_policy"),
    (3350, "pg_partitioned_table"),
    (3381, "pg_statistic_ext"),
    (3456, "pg_collation"),
    (6104, "pg_publication"),
];

pub(crate) const BUILTIN_TYPES: &[(u32, &str, i16, char)] = &[
    (16, "bool", 1, 'B'),
    (17, "bytea", -1, 'U'),
    (18, "char", 1, 'Z'),
    (19, "name", 64, 'S'),
    (20, "int8", 8, 'N'),
    (21, "int2", 2, 'N'),
    (23, "int4", 4, 'N'),
    (25, "text", -1, 'S'),
    (26, "oid", 4, 'N'),
    (114, "json", -1, 'U'),
    (700, "float4", 4, 'N'),
    (701, "float8", 8, 'N'),
    (1042, "bpchar", -1, 'S'),
    (1043, "varchar", -1, 'S'),
    (1082, "date", 4, 'D'),
    (1083, "time", 8, 'D'),
    (1114, "timestamp", 8, 'D'),
    (1184, "timestamptz", 8, 'D'),
    (1186, "interval", 16, 'T'),
    (1700, "numeric", -1, 'N'),
    (2950, "uuid", 16, 'U'),
    (3802, "jsonb", -1, 'U'),
    (1007, "_int4", -1, 'A'),
    (1009, "_text", -1, 'A'),
    (1016, "_int8", -1, 'A'),
    (1005, "_int2", -1, 'A'),
];
