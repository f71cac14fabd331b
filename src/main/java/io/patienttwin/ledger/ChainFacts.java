package io.patienttwin.ledger;

/**
 * What a ledger client is connected to.
 *
 * @param genesisHash hash of block 0: a chain that was reset has another one
 */
public record ChainFacts(
        long chainId, String genesisHash, String consentRegistry, String auditAnchor, long headBlock) {}
