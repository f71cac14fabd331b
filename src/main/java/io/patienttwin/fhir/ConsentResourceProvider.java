package io.patienttwin.fhir;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import io.patienttwin.consent.ConsentLedger;
import io.patienttwin.consent.ConsentRecord;
import io.patienttwin.ledger.LedgerException;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

/** The Consent type's interactions plus {@code Consent/{id}/$verify}. */
public class ConsentResourceProvider extends ResourceTypeProvider {

    private final ConsentLedger consents;

    ConsentResourceProvider(
            ResourceService writes,
            ReadService reads,
            ValidateOperation validation,
            IntegrityOperations integrity,
            ConsentLedger consents) {
        super(Consent.class, "Consent", writes, reads, validation, integrity);
        this.consents = consents;
    }

    /**
     * Recomputes the stored Consent's document hash and compares it with what the chain holds now:
     * {@code result} is match, mismatch, not-on-chain or not-recorded, with the chain facts. 503 while
     * the chain cannot be asked.
     */
    @Operation(name = "$verify", idempotent = true)
    public Parameters verify(@IdParam IIdType id) {
        Consent stored = (Consent) reads.read("Consent", id.getIdPart());
        ConsentLedger.Verification verification;
        try {
            verification = consents.verify(id.getIdPart(), stored);
        } catch (LedgerException e) {
            throw new ChainUnavailableException("PT-LEDGER-503: the chain cannot be asked now; try again later");
        }
        Parameters result = new Parameters();
        result.addParameter().setName("result").setValue(new CodeType(verification.result()));
        result.addParameter().setName("computedDocumentHash").setValue(new StringType(verification.computedHash()));
        if (verification.onChainHash() != null) {
            result.addParameter().setName("onChainDocumentHash").setValue(new StringType(verification.onChainHash()));
        }
        ConsentRecord record = verification.record();
        if (record != null) {
            result.addParameter().setName("recordId").setValue(new StringType(record.chainId));
            result.addParameter()
                    .setName("chainState")
                    .setValue(new CodeType(record.chainState.name().toLowerCase()));
            if (record.contract != null) {
                result.addParameter().setName("contract").setValue(new StringType(record.contract));
            }
            if (record.grantedTx != null) {
                result.addParameter().setName("transactionHash").setValue(new StringType(record.grantedTx));
                result.addParameter()
                        .setName("blockNumber")
                        .setValue(new IntegerType(Math.toIntExact(record.grantedBlock)));
            }
            if (record.revokedTx != null) {
                result.addParameter().setName("revocationTransactionHash").setValue(new StringType(record.revokedTx));
            }
        }
        return result;
    }
}
