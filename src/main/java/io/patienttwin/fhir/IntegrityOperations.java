package io.patienttwin.fhir;

import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.patienttwin.fhir.store.StoredResource;
import io.patienttwin.integrity.Leaves;
import io.patienttwin.ledger.IntegrityProofs;
import io.patienttwin.ledger.LedgerException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code $proof} and {@code $verify-integrity} (docs/architecture.md, "Integrity"). Both read what they
 * are about through the gate first, exactly as a vread or a history read would (and are audited as
 * such): a proof is a disclosure. The proof names the leaf, its inclusion path, the root and where the
 * chain holds it, so that {@code io.patienttwin.integrity.VerifyCommand} can check it with the chain
 * alone.
 */
@ApplicationScoped
public class IntegrityOperations {

    /** How a leaf is computed, stated in every proof. */
    static final String LEAF_ALGORITHM =
            "SHA-256(0x00 || RFC 8785 canonical JSON of the leaf document);" + " tree RFC 9162 §2.1 over SHA-256";

    private static final HexFormat HEX = HexFormat.of();

    private final ReadService reads;
    private final IntegrityProofs proofs;

    public IntegrityOperations(ReadService reads, IntegrityProofs proofs) {
        this.reads = reads;
        this.proofs = proofs;
    }

    /** The proof of one stored version (the current one when {@code version} is null). */
    public Parameters proofOfVersion(String type, String id, Long version) {
        StoredResource stored =
                version != null ? reads.storedVersion(type, id, version) : reads.storedCurrent(type, id);
        IntegrityProofs.Proof proof = proof(type, id, stored.version())
                .orElseThrow(() -> new ResourceNotFoundException("PT-INTEGRITY-404: " + type + "/" + id + "/_history/"
                        + stored.version() + " has no integrity leaf (stored before anchoring)"));
        return parameters(proof, null);
    }

    /** Every version recomputed from the store and checked against its leaf and the root on chain. */
    public Parameters verifyResource(String type, String id) {
        List<StoredResource> versions = reads.storedVersions(type, id);
        Parameters answer = new Parameters();
        IntegrityProofs.Check overall = IntegrityProofs.Check.MATCH;
        for (StoredResource stored : versions) {
            byte[] leaf = Leaves.version(
                    type, id, stored.version(), stored.lastUpdated(), stored.deleted() ? null : stored.json());
            IntegrityProofs.Verification result = verify(type, id, stored.version(), leaf);
            overall = worse(overall, result.check());
            Parameters.ParametersParameterComponent part = answer.addParameter().setName("version");
            part.addPart().setName("version").setValue(new IntegerType(stored.version()));
            part.addPart().setName("result").setValue(new CodeType(code(result.check())));
            part.addPart().setName("detail").setValue(new StringType(result.detail()));
        }
        answer.getParameter()
                .add(
                        0,
                        new Parameters.ParametersParameterComponent()
                                .setName("result")
                                .setValue(new CodeType(code(overall))));
        return answer;
    }

    /** The proof of an audit record, with its canonical document (the leaf's input). */
    public Parameters proofOfAudit(long id, String canonicalDocument) {
        IntegrityProofs.Proof proof = proof("AuditEvent", Long.toString(id), 0)
                .orElseThrow(() -> new ResourceNotFoundException(
                        "PT-INTEGRITY-404: AuditEvent/" + id + " has no integrity leaf (recorded before anchoring)"));
        return parameters(proof, canonicalDocument);
    }

    /** An audit record recomputed from its row and checked against its leaf and the root on chain. */
    public Parameters verifyAudit(long id, String canonicalDocument) {
        IntegrityProofs.Verification result =
                verify("AuditEvent", Long.toString(id), 0, Leaves.audit(canonicalDocument));
        Parameters answer = new Parameters();
        answer.addParameter().setName("result").setValue(new CodeType(code(result.check())));
        answer.addParameter().setName("detail").setValue(new StringType(result.detail()));
        return answer;
    }

    private java.util.Optional<IntegrityProofs.Proof> proof(String type, String id, long version) {
        try {
            return proofs.proof(type, id, version);
        } catch (LedgerException e) {
            throw new ChainUnavailableException("PT-INTEGRITY-503: the chain cannot be reached; try again");
        }
    }

    private IntegrityProofs.Verification verify(String type, String id, long version, byte[] leaf) {
        try {
            return proofs.verify(type, id, version, leaf);
        } catch (LedgerException e) {
            throw new ChainUnavailableException(
                    "PT-INTEGRITY-503: the chain cannot be reached to check the anchored root; try again");
        }
    }

    private static Parameters parameters(IntegrityProofs.Proof proof, String canonicalDocument) {
        Parameters p = new Parameters();
        p.addParameter()
                .setName("status")
                .setValue(new CodeType(proof.status().name().toLowerCase(Locale.ROOT)));
        String reference = "AuditEvent".equals(proof.refType())
                ? "AuditEvent/" + proof.refId()
                : proof.refType() + "/" + proof.refId() + "/_history/" + proof.refVersion();
        p.addParameter().setName("reference").setValue(new StringType(reference));
        p.addParameter().setName("algorithm").setValue(new StringType(LEAF_ALGORITHM));
        p.addParameter().setName("leaf").setValue(new StringType(HEX.formatHex(proof.leaf())));
        if (canonicalDocument != null) {
            p.addParameter().setName("document").setValue(new StringType(canonicalDocument));
        }
        p.addParameter().setName("chainId").setValue(new StringType(Long.toString(proof.chainId())));
        if (proof.contract() != null) {
            p.addParameter().setName("contract").setValue(new StringType(proof.contract()));
        }
        if (proof.batchId() == null) {
            return p;
        }
        p.addParameter().setName("batch").setValue(new StringType(Long.toString(proof.batchId())));
        p.addParameter().setName("batchId").setValue(new StringType(proof.chainBatch()));
        p.addParameter().setName("leafIndex").setValue(new IntegerType(proof.index()));
        p.addParameter().setName("treeSize").setValue(new IntegerType(proof.size()));
        for (byte[] sibling : proof.path()) {
            p.addParameter().setName("path").setValue(new StringType(HEX.formatHex(sibling)));
        }
        p.addParameter().setName("root").setValue(new StringType(proof.root()));
        if (proof.blockNumber() != null) {
            p.addParameter().setName("blockNumber").setValue(new StringType(Long.toString(proof.blockNumber())));
            p.addParameter().setName("blockHash").setValue(new StringType(proof.blockHash()));
        }
        if (proof.txHash() != null) {
            p.addParameter().setName("transaction").setValue(new StringType(proof.txHash()));
        }
        return p;
    }

    private static IntegrityProofs.Check worse(IntegrityProofs.Check a, IntegrityProofs.Check b) {
        return rank(b) > rank(a) ? b : a;
    }

    private static int rank(IntegrityProofs.Check check) {
        return switch (check) {
            case MATCH -> 0;
            case PENDING -> 1;
            case NO_LEAF -> 2;
            case MISMATCH -> 3;
        };
    }

    private static String code(IntegrityProofs.Check check) {
        return check.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
