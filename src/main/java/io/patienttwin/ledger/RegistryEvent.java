package io.patienttwin.ledger;

/**
 * A ConsentRegistry event as the follower read it from the chain. Ids, pseudonyms and hashes are
 * 0x-hex bytes32; times are unix seconds (0 = open-ended).
 */
public sealed interface RegistryEvent {

    /** Where the event sits on the chain; (blockHash, logIndex) identifies it. */
    record Position(long blockNumber, String blockHash, int logIndex, String transactionHash) {}

    Position position();

    /** The on-chain id the event is about: a consent, access grant or break-glass id. */
    String recordId();

    record ConsentGranted(
            Position position,
            String recordId,
            String patient,
            String grantee,
            long categories,
            int purposes,
            long validFrom,
            long validUntil,
            String documentHash)
            implements RegistryEvent {}

    record ConsentRevoked(Position position, String recordId, String patient, String reason) implements RegistryEvent {}

    record AccessGranted(Position position, String recordId, int kind, String subject, String target, long validUntil)
            implements RegistryEvent {}

    record AccessRevoked(Position position, String recordId, int kind, String subject) implements RegistryEvent {}

    record BreakGlassRecorded(
            Position position,
            String recordId,
            String patient,
            String principal,
            String reasonHash,
            long validFrom,
            long validUntil)
            implements RegistryEvent {}
}
