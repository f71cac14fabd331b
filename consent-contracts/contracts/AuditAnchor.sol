// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title PatientTwin audit anchor
/// @notice Anchors batches of audit events as Merkle roots, so that any single AuditEvent can later
/// be proven to have existed, unaltered, when its batch was anchored. No audit content is on chain.
contract AuditAnchor is AccessControl {
    bytes32 public constant WRITER_ROLE = keccak256("WRITER_ROLE");

    struct Anchor {
        bytes32 merkleRoot;
        uint32 count;
        uint64 firstTime;
        uint64 lastTime;
        uint64 blockNumber;
    }

    mapping(bytes32 batchId => Anchor) private anchors;

    error BatchExists(bytes32 batchId);
    error EmptyBatch();
    error ZeroIdentifier();
    error InvalidTimeRange(uint64 firstTime, uint64 lastTime);

    event BatchAnchored(
        bytes32 indexed batchId, bytes32 indexed merkleRoot, uint32 count, uint64 firstTime, uint64 lastTime
    );

    constructor(address admin, address writer) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(WRITER_ROLE, writer);
    }

    /// @param firstTime time of the batch's first event (unix milliseconds)
    /// @param lastTime time of the batch's last event (unix milliseconds)
    function anchor(bytes32 batchId, bytes32 merkleRoot, uint32 count, uint64 firstTime, uint64 lastTime)
        external
        onlyRole(WRITER_ROLE)
    {
        if (batchId == 0 || merkleRoot == 0) revert ZeroIdentifier();
        if (count == 0) revert EmptyBatch();
        if (lastTime < firstTime) revert InvalidTimeRange(firstTime, lastTime);
        if (anchors[batchId].count != 0) revert BatchExists(batchId);
        anchors[batchId] = Anchor(merkleRoot, count, firstTime, lastTime, uint64(block.number));
        emit BatchAnchored(batchId, merkleRoot, count, firstTime, lastTime);
    }

    function anchorOf(bytes32 batchId) external view returns (Anchor memory) {
        return anchors[batchId];
    }
}
