package io.patienttwin.ledger;

/**
 * CDI event, fired inside the outbox writer's transaction: the contract refused a queued write for
 * good. Observers record the refusal with the data the write came from; they may flush and empty the
 * persistence context (the writer fires this after recording every entry of its batch).
 *
 * @param recordId 0x-hex on-chain id of the record
 * @param reason the contract's custom error (e.g. {@code InvalidPeriod}) or the node's message
 */
public record OutboxRejected(OutboxEntry.Action action, String recordId, String reason) {}
