package io.patienttwin.ledger;

import java.util.List;

/**
 * A Solidity custom error decoded from revert data, e.g. {@code ConsentExists(0x12…)}.
 *
 * @param name the error's name as declared in the contract
 * @param arguments its arguments, as web3j values (byte[] for bytes32, BigInteger for integers, …)
 */
public record ContractError(String name, List<Object> arguments) {

    public ContractError {
        arguments = List.copyOf(arguments);
    }
}
