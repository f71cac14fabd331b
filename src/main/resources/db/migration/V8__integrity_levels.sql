-- Stored Merkle levels (issue 17, docs/architecture.md "Integrity"): a proof reads its ≈ 14 sibling
-- hashes from the closed batch's levels instead of rebuilding the batch's tree from its leaf rows.
-- Nothing here needs trust: a proof is checked against the root on chain, and the sweep recomputes every
-- root from the leaf rows. Runs on PostgreSQL 15 and H2 2.x (MODE=PostgreSQL).

-- A leaf's place in its batch (0-based, in id order), set when the batch closes.
alter table integrity_leaf add column batch_index integer;

-- One row per level of a closed batch's tree: level 0 the leaves, the highest level the root alone;
-- hashes are the level's 32-byte node hashes concatenated in order.
create table integrity_batch_level (
    batch_id bigint  not null references integrity_batch (id),
    level    integer not null,
    hashes   bytea   not null,
    primary key (batch_id, level)
);
