package io.patienttwin.ledger;

/** What became of one call of a batch handed to {@link LedgerClient#submitAll}. */
public sealed interface Submission {

    /** Included in a block and successful. */
    record Included(LedgerReceipt receipt) implements Submission {}

    /** The contract refuses the call (found by simulating it first; nothing was sent), or it reverted. */
    record Refused(ContractError error, String message) implements Submission {}

    /**
     * Not confirmed: not sent (the node was unreachable or an earlier call of the batch failed), or
     * sent without a receipt in time. Retry it: the contract's unique ids make a second inclusion fail
     * as "…Exists", never duplicate the record.
     *
     * @param transactionHash the hash if it was sent, else null
     */
    record NotConfirmed(String transactionHash, String message) implements Submission {}
}
