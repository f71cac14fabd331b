package io.patienttwin.ledger;

/** A write included in a block: the chain's proof of it. */
public record LedgerReceipt(String transactionHash, long blockNumber, String blockHash, long gasUsed) {}
