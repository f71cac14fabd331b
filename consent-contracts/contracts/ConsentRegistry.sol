// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title PatientTwin consent registry
/// @notice Records consents, access grants and break-glass events as pseudonymous facts. No PHI ever
/// reaches this contract: patients are HMAC pseudonyms, grantees keccak256 hashes of FHIR references,
/// documents SHA-256 hashes of the canonical Consent JSON. Only accounts with WRITER_ROLE (the
/// organisations' PatientTwin nodes) write; DEFAULT_ADMIN_ROLE manages writers.
contract ConsentRegistry is AccessControl {
    bytes32 public constant WRITER_ROLE = keccak256("WRITER_ROLE");

    uint8 public constant STATUS_NONE = 0;
    uint8 public constant STATUS_ACTIVE = 1;
    uint8 public constant STATUS_REVOKED = 2;

    /// A practitioner's membership of an organisation or care team.
    uint8 public constant KIND_MEMBERSHIP = 1;
    /// A system client's custodianship for an organisation's patients.
    uint8 public constant KIND_CUSTODIAN = 2;

    struct Consent {
        bytes32 patient;
        bytes32 grantee;
        uint32 categories;
        uint16 purposes;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 documentHash;
        uint8 status;
    }

    struct AccessGrant {
        uint8 kind;
        bytes32 subject;
        bytes32 target;
        uint64 validUntil;
        uint8 status;
    }

    mapping(bytes32 consentId => Consent) private consents;
    mapping(bytes32 grantId => AccessGrant) private accessGrants;
    mapping(bytes32 eventId => bool) private breakGlassRecorded;

    error ConsentExists(bytes32 consentId);
    error UnknownConsent(bytes32 consentId);
    error ConsentAlreadyRevoked(bytes32 consentId);
    error InvalidPeriod(uint64 validFrom, uint64 validUntil);
    error EmptyScope();
    error ZeroIdentifier();
    error AccessGrantExists(bytes32 grantId);
    error UnknownAccessGrant(bytes32 grantId);
    error AccessGrantAlreadyRevoked(bytes32 grantId);
    error InvalidAccessKind(uint8 kind);
    error BreakGlassExists(bytes32 eventId);

    event ConsentGranted(
        bytes32 indexed consentId,
        bytes32 indexed patient,
        bytes32 indexed grantee,
        uint32 categories,
        uint16 purposes,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 documentHash
    );
    event ConsentRevoked(bytes32 indexed consentId, bytes32 indexed patient, bytes32 reason);
    event AccessGranted(
        bytes32 indexed grantId, uint8 indexed kind, bytes32 indexed subject, bytes32 target, uint64 validUntil
    );
    event AccessRevoked(bytes32 indexed grantId, uint8 indexed kind, bytes32 indexed subject);
    event BreakGlassRecorded(
        bytes32 indexed eventId,
        bytes32 indexed patient,
        bytes32 indexed principal,
        bytes32 reasonHash,
        uint64 validFrom,
        uint64 validUntil
    );

    constructor(address admin, address writer) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(WRITER_ROLE, writer);
    }

    /// @notice Records a consent; it is active from the block that includes this transaction.
    /// @param validUntil end of the period (unix seconds, exclusive); 0 means open-ended
    function grant(
        bytes32 consentId,
        bytes32 patient,
        bytes32 grantee,
        uint32 categories,
        uint16 purposes,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 documentHash
    ) external onlyRole(WRITER_ROLE) {
        if (consentId == 0 || patient == 0 || grantee == 0 || documentHash == 0) revert ZeroIdentifier();
        if (consents[consentId].status != STATUS_NONE) revert ConsentExists(consentId);
        if (categories == 0 || purposes == 0) revert EmptyScope();
        if (validUntil != 0 && validUntil <= validFrom) revert InvalidPeriod(validFrom, validUntil);
        consents[consentId] =
            Consent(patient, grantee, categories, purposes, validFrom, validUntil, documentHash, STATUS_ACTIVE);
        emit ConsentGranted(consentId, patient, grantee, categories, purposes, validFrom, validUntil, documentHash);
    }

    /// @notice Revokes a consent for good; reason is a code or hash, never free text.
    function revoke(bytes32 consentId, bytes32 reason) external onlyRole(WRITER_ROLE) {
        Consent storage consent = consents[consentId];
        if (consent.status == STATUS_NONE) revert UnknownConsent(consentId);
        if (consent.status == STATUS_REVOKED) revert ConsentAlreadyRevoked(consentId);
        consent.status = STATUS_REVOKED;
        emit ConsentRevoked(consentId, consent.patient, reason);
    }

    /// @notice Grants a membership (KIND_MEMBERSHIP) or a custodianship (KIND_CUSTODIAN).
    /// @param validUntil expiry (unix seconds, exclusive); 0 means open-ended
    function grantAccess(bytes32 grantId, uint8 kind, bytes32 subject, bytes32 target, uint64 validUntil)
        external
        onlyRole(WRITER_ROLE)
    {
        if (grantId == 0 || subject == 0 || target == 0) revert ZeroIdentifier();
        if (kind != KIND_MEMBERSHIP && kind != KIND_CUSTODIAN) revert InvalidAccessKind(kind);
        if (accessGrants[grantId].status != STATUS_NONE) revert AccessGrantExists(grantId);
        accessGrants[grantId] = AccessGrant(kind, subject, target, validUntil, STATUS_ACTIVE);
        emit AccessGranted(grantId, kind, subject, target, validUntil);
    }

    function revokeAccess(bytes32 grantId) external onlyRole(WRITER_ROLE) {
        AccessGrant storage accessGrant = accessGrants[grantId];
        if (accessGrant.status == STATUS_NONE) revert UnknownAccessGrant(grantId);
        if (accessGrant.status == STATUS_REVOKED) revert AccessGrantAlreadyRevoked(grantId);
        accessGrant.status = STATUS_REVOKED;
        emit AccessRevoked(grantId, accessGrant.kind, accessGrant.subject);
    }

    /// @notice Records a break-glass access: who, to which patient, why (hash), for how long.
    function recordBreakGlass(
        bytes32 eventId,
        bytes32 patient,
        bytes32 principal,
        bytes32 reasonHash,
        uint64 validFrom,
        uint64 validUntil
    ) external onlyRole(WRITER_ROLE) {
        if (eventId == 0 || patient == 0 || principal == 0 || reasonHash == 0) revert ZeroIdentifier();
        if (breakGlassRecorded[eventId]) revert BreakGlassExists(eventId);
        if (validUntil <= validFrom) revert InvalidPeriod(validFrom, validUntil);
        breakGlassRecorded[eventId] = true;
        emit BreakGlassRecorded(eventId, patient, principal, reasonHash, validFrom, validUntil);
    }

    function consentOf(bytes32 consentId) external view returns (Consent memory) {
        return consents[consentId];
    }

    function accessGrantOf(bytes32 grantId) external view returns (AccessGrant memory) {
        return accessGrants[grantId];
    }

    function isBreakGlassRecorded(bytes32 eventId) external view returns (bool) {
        return breakGlassRecorded[eventId];
    }
}
