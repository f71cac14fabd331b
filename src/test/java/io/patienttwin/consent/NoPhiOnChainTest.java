package io.patienttwin.consent;

import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.fhir.SyntheaPopulation;
import io.patienttwin.ledger.IntegrityAnchorer;
import io.patienttwin.localstack.AnvilTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * ARCHITECTURE §2.5, checked on the real chain: loads the build's Synthea population, gives every
 * patient a consent (and revokes one), waits until the chain has them all, then scans every
 * transaction's input and every event in every block for the patients' names, identifiers, birth
 * dates and FHIR ids, and the consents' ids and grantee reference. None may be there.
 */
@QuarkusTest
class NoPhiOnChainTest {

    /** Shorter strings could turn up by chance inside 32-byte hashes. */
    private static final int MIN_NEEDLE_BYTES = 4;

    @Inject
    Pseudonyms pseudonyms;

    @Inject
    IntegrityAnchorer anchorer;

    @Test
    void noTransactionOrEventCarriesANameIdentifierBirthDateOrFhirId() throws Exception {
        List<Patient> patients = loadSyntheaPopulation();
        assertThat(patients).hasSizeGreaterThanOrEqualTo(3);
        Set<String> needles = new LinkedHashSet<>();
        List<String> consentIds = new ArrayList<>();
        for (Patient patient : patients) {
            needles.addAll(phiOf(patient));
            Consent consent = ConsentFixture.forPatient("Patient/" + patient.getIdPart());
            String id = parse(fhir().body(json(consent)).post("/fhir/Consent").asString(), Consent.class)
                    .getIdPart();
            consentIds.add(id);
            needles.add(id);
            needles.add("Consent/" + id);
        }
        needles.add("Practitioner/alice");
        for (String id : consentIds) {
            await().atMost(Duration.ofSeconds(30)).until(() -> status(id) == Consent.ConsentState.ACTIVE);
        }
        Consent revoked = parse(
                FhirTestSupport.compliance()
                        .get("/fhir/Consent/" + consentIds.get(0))
                        .asString(),
                Consent.class);
        revoked.setStatus(Consent.ConsentState.INACTIVE);
        fhir().body(json(revoked))
                .put("/fhir/Consent/" + consentIds.get(0))
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> parse(
                                        FhirTestSupport.compliance()
                                                .get("/fhir/Consent/" + consentIds.get(0))
                                                .asString(),
                                        Consent.class)
                                .getExtensionByUrl(ConsentMapper.PROOF_EXTENSION)
                                .getExtensionByUrl("revocationTransactionHash")
                        != null);

        // the integrity anchoring's transactions are scanned too: anchor the batch of everything written
        anchorer.closeNow();
        long batch = anchorer.lastBatch().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            anchorer.runOnce();
            return anchorer.isAnchored(batch);
        });

        List<String> chainData = everythingOnChain();

        assertThat(chainData).as("transactions and events on the chain").hasSizeGreaterThan(patients.size());
        for (String id : consentIds) {
            // the scan sees what is there: each consent's pseudonym, in its grant's input and event
            String pseudonym = Numeric.toHexStringNoPrefix(pseudonyms.consentId(id));
            assertThat(chainData.stream().filter(data -> data.contains(pseudonym)))
                    .hasSizeGreaterThanOrEqualTo(2);
        }
        List<String> checked = needles.stream()
                .filter(n -> n.getBytes(StandardCharsets.UTF_8).length >= MIN_NEEDLE_BYTES)
                .toList();
        assertThat(checked).hasSizeGreaterThan(patients.size() * 4);
        for (String needle : checked) {
            String hex = HexFormat.of().formatHex(needle.getBytes(StandardCharsets.UTF_8));
            assertThat(chainData)
                    .as("no transaction or event may contain %s", needle)
                    .noneMatch(data -> data.contains(hex));
        }
    }

    /** Names, identifiers, birth date (as written and as digits only) and FHIR id of a patient. */
    private static Set<String> phiOf(Patient patient) {
        Set<String> phi = new LinkedHashSet<>();
        for (HumanName name : patient.getName()) {
            name.getGiven().stream().map(StringType::getValue).forEach(phi::add);
            phi.add(name.getFamily());
        }
        for (Identifier identifier : patient.getIdentifier()) {
            phi.add(identifier.getValue());
        }
        String birthDate = patient.getBirthDateElement().getValueAsString();
        phi.add(birthDate);
        phi.add(birthDate.replace("-", ""));
        phi.add(patient.getIdPart());
        phi.add("Patient/" + patient.getIdPart());
        phi.removeIf(s -> s == null || s.isBlank());
        return phi;
    }

    /** Loads hospitals, practitioners and people as Synthea wrote them; returns the stored Patients. */
    private static List<Patient> loadSyntheaPopulation() throws IOException {
        List<Patient> patients = new ArrayList<>();
        for (Path file : SyntheaPopulation.bundlesInLoadOrder()) {
            for (Bundle.BundleEntryComponent entry :
                    SyntheaPopulation.post(file).getEntry()) {
                String location = entry.getResponse().getLocation();
                if (location != null && location.startsWith("Patient/")) {
                    String id = location.split("/")[1];
                    patients.add(parse(fhir().get("/fhir/Patient/" + id).asString(), Patient.class));
                }
            }
        }
        return patients;
    }

    private static Consent.ConsentState status(String id) {
        return parse(FhirTestSupport.compliance().get("/fhir/Consent/" + id).asString(), Consent.class)
                .getStatus();
    }

    /** Every transaction input and every log's topics and data, lower-case hex, block by block. */
    private static List<String> everythingOnChain() throws IOException {
        Web3j web3j = Web3j.build(new HttpService(AnvilTestResource.rpcUrl()));
        try {
            List<String> data = new ArrayList<>();
            BigInteger head = web3j.ethBlockNumber().send().getBlockNumber();
            for (BigInteger n = BigInteger.ZERO; n.compareTo(head) <= 0; n = n.add(BigInteger.ONE)) {
                EthBlock.Block block = web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(n), true)
                        .send()
                        .getBlock();
                for (EthBlock.TransactionResult<?> tx : block.getTransactions()) {
                    data.add(((EthBlock.TransactionObject) tx).getInput().toLowerCase(Locale.ROOT));
                }
            }
            EthLog logs = web3j.ethGetLogs(new EthFilter(
                            DefaultBlockParameter.valueOf(BigInteger.ZERO),
                            DefaultBlockParameter.valueOf(head),
                            List.of()))
                    .send();
            for (EthLog.LogResult<?> result : logs.getLogs()) {
                Log log = (Log) result.get();
                data.add((String.join("", log.getTopics()) + log.getData()).toLowerCase(Locale.ROOT));
            }
            return data;
        } finally {
            web3j.shutdown();
        }
    }
}
