package io.patienttwin.ledger;

import java.util.Optional;

/**
 * A failure at the ledger boundary: the node unreachable, a transaction refused or reverted. Carries
 * the transaction hash when one exists and the contract's decoded custom error when it reverted.
 */
public class LedgerException extends RuntimeException {

    private final String transactionHash;
    private final ContractError contractError;

    public LedgerException(String message, String transactionHash, ContractError contractError, Throwable cause) {
        super(message, cause);
        this.transactionHash = transactionHash;
        this.contractError = contractError;
    }

    /** The hash of the transaction that failed, if it was sent. */
    public Optional<String> transactionHash() {
        return Optional.ofNullable(transactionHash);
    }

    /** The contract's custom error, if the call reverted with one this client knows. */
    public Optional<ContractError> contractError() {
        return Optional.ofNullable(contractError);
    }
}
