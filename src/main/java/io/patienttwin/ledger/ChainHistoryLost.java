package io.patienttwin.ledger;

/**
 * CDI event: the chain no longer holds what the follower read from it (another genesis block,
 * another contract, a processed block gone or changed). Whatever was learnt from it must no longer
 * permit anything until an operator rebuilds the projection ({@code POST /api/ledger/rebuild}).
 */
public record ChainHistoryLost(String reason) {}
