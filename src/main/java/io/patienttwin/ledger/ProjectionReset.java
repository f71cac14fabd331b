package io.patienttwin.ledger;

/**
 * CDI event, fired inside the transaction of a rebuild: forget everything learnt from the chain; the
 * follower reads it again from block 0.
 */
public record ProjectionReset() {}
