package io.patienttwin.integrity;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.compliance;
import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.subject;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.patienttwin.identity.Tokens;
import io.patienttwin.ledger.IntegrityAnchorer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Random;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;

/**
 * Every stored version and every audit record is a leaf of a Merkle batch whose root the anchorer puts
 * on the chain (Anvil): a proof fetched through the API verifies offline with {@link VerifyCommand}
 * against the chain alone and fails once the resource changes; an edit made directly in PostgreSQL is
 * named by {@code $verify-integrity}.
 */
@QuarkusTest
class IntegrityAnchoringTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    IntegrityAnchorer anchorer;

    @Inject
    AgroalDataSource dataSource;

    @ConfigProperty(name = "twin.ledger.rpc-url")
    String rpcUrl;

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL base;

    @Test
    void aVersionsProofVerifiesOfflineAgainstTheChainAndFailsForAnyOtherContent() throws Exception {
        String id = create(observation("64.125"));
        String resource = fhir().get("/fhir/Observation/" + id + "/_history/1")
                .then()
                .statusCode(200)
                .extract()
                .asString();

        JsonNode proof = anchoredProof("/fhir/Observation/" + id + "/_history/1/$proof");
        String contract = ProofJson.value(proof, "contract");

        VerifyCommand.Result result = VerifyCommand.verify(proof.toString(), resource, rpcUrl, contract);
        assertThat(result.verified()).as(result.message()).isTrue();
        assertThat(result.message()).contains("Observation/" + id + "/_history/1");

        // any one byte of the resource changed: verified only if the change left the same JSON (RFC 8785,
        // numbers as written)
        Random random = new Random(17);
        byte[] bytes = resource.getBytes(StandardCharsets.UTF_8);
        int refused = 0;
        int trials = 120;
        for (int i = 0; i < trials; i++) {
            byte[] changed = bytes.clone();
            int at = random.nextInt(changed.length);
            byte replacement;
            do {
                replacement = (byte) (0x20 + random.nextInt(0x5f));
            } while (replacement == changed[at]);
            changed[at] = replacement;
            String mutated = new String(changed, StandardCharsets.UTF_8);
            VerifyCommand.Result check = VerifyCommand.verify(proof.toString(), mutated, rpcUrl, contract);
            assertThat(check.verified())
                    .as("byte %d changed to '%c': %s", at, (char) replacement, check.message())
                    .isEqualTo(sameCanonicalJson(mutated, resource));
            refused += check.verified() ? 0 : 1;
        }
        assertThat(refused).as("changes that altered the content").isGreaterThan(trials * 9 / 10);
        VerifyCommand.Result otherContract =
                VerifyCommand.verify(proof.toString(), resource, rpcUrl, "0x000000000000000000000000000000000000dead");
        assertThat(otherContract.verified())
                .as("a proof naming another contract than the published one")
                .isFalse();
    }

    @Test
    void aDecimalNoDoubleHoldsIsAnchoredAndVerifiedAsWritten() {
        String id = create(observation("1.50e400"));
        String resource = fhir().get("/fhir/Observation/" + id + "/_history/1")
                .then()
                .statusCode(200)
                .extract()
                .asString();

        JsonNode proof = anchoredProof("/fhir/Observation/" + id + "/_history/1/$proof");

        VerifyCommand.Result result =
                VerifyCommand.verify(proof.toString(), resource, rpcUrl, ProofJson.value(proof, "contract"));
        assertThat(result.verified()).as(result.message()).isTrue();
    }

    @Test
    void aVersionWaitsAsPendingUntilItsBatchIsOnChain() {
        String id = create(observation("65.125"));

        Response proof = fhir().get("/fhir/Observation/" + id + "/_history/1/$proof");

        proof.then().statusCode(200);
        assertThat(proof.asString()).contains("\"valueCode\":\"pending\"");
        VerifyCommand.Result result = VerifyCommand.verify(proof.asString(), "{}", rpcUrl, null);
        assertThat(result.verified()).isFalse();
    }

    @Test
    void aVersionEditedInTheDatabaseIsNamedAsMismatchAndTheOthersStillMatch() throws Exception {
        String id = create(observation("66.125"));
        Observation second = observation("66.375");
        second.setId(id);
        fhir().body(json(second)).put("/fhir/Observation/" + id).then().statusCode(200);
        anchoredProof("/fhir/Observation/" + id + "/_history/2/$proof");
        assertThat(ProofJson.value(verify("/fhir/Observation/" + id + "/$verify-integrity"), "result"))
                .isEqualTo("match");

        sql(
                "update fhir_resource_version set body = replace(body, '66.125', '96.125') where res_type = 'Observation'"
                        + " and res_id = ? and version = 1",
                id);

        JsonNode answer = verify("/fhir/Observation/" + id + "/$verify-integrity");
        assertThat(ProofJson.value(answer, "result")).isEqualTo("mismatch");
        assertThat(versionResult(answer, 1)).isEqualTo("mismatch");
        assertThat(versionResult(answer, 2)).isEqualTo("match");
    }

    @Test
    void aVersionWhoseLeafWasEditedToMatchAnEditedBodyIsStillAMismatch() throws Exception {
        String id = create(observation("67.125"));
        anchoredProof("/fhir/Observation/" + id + "/_history/1/$proof");

        sql(
                "update fhir_resource_version set body = replace(body, '67.125', '67.875') where res_type = 'Observation'"
                        + " and res_id = ? and version = 1",
                id);
        String edited = fhir().get("/fhir/Observation/" + id + "/_history/1").asString();
        JsonNode editedJson = JSON.readTree(edited);
        byte[] forged = Leaves.version(
                "Observation",
                id,
                1,
                java.time.OffsetDateTime.parse(
                                editedJson.path("meta").path("lastUpdated").asText())
                        .toInstant(),
                storedBody(id, 1));
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("update integrity_leaf set leaf_hash = ? where ref_type ="
                        + " 'Observation' and ref_id = ? and ref_version = 1")) {
            ps.setBytes(1, forged);
            ps.setString(2, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }

        JsonNode answer = verify("/fhir/Observation/" + id + "/$verify-integrity");

        assertThat(versionResult(answer, 1)).isEqualTo("mismatch");
    }

    @Test
    void aBatchWithoutStoredLevelsIsProvenFromItsLeafRowsAndKeepsItsLevelsAfterwards() throws Exception {
        String id = create(observation("70.125"));
        String resource = fhir().get("/fhir/Observation/" + id + "/_history/1").asString();
        JsonNode before = anchoredProof("/fhir/Observation/" + id + "/_history/1/$proof");
        long batch = Long.parseLong(ProofJson.value(before, "batch"));
        // as a batch closed before V8 kept levels: none stored, no leaf knows its place
        assertThat(update("delete from integrity_batch_level where batch_id = ?", batch))
                .isPositive();
        assertThat(update("update integrity_leaf set batch_index = null where batch_id = ?", batch))
                .isPositive();

        JsonNode after = verify("/fhir/Observation/" + id + "/_history/1/$proof");

        assertThat(ProofJson.value(after, "status")).isEqualTo("anchored");
        assertThat(after.toString()).isEqualTo(before.toString());
        assertThat(VerifyCommand.verify(after.toString(), resource, rpcUrl, ProofJson.value(after, "contract"))
                        .verified())
                .isTrue();
        assertThat(count("select count(*) from integrity_batch_level where batch_id = ?", batch))
                .as("levels stored by the first proof")
                .isPositive();
        assertThat(count("select count(*) from integrity_leaf where batch_id = ? and batch_index is null", batch))
                .isZero();
    }

    @Test
    void aStoredLevelEditedInTheDatabaseMakesTheProofAlteredAndItNeverVerifies() throws Exception {
        String id = create(observation("71.125"));
        create(observation("71.375"));
        String resource = fhir().get("/fhir/Observation/" + id + "/_history/1").asString();
        JsonNode proof = anchoredProof("/fhir/Observation/" + id + "/_history/1/$proof");
        long batch = Long.parseLong(ProofJson.value(proof, "batch"));
        int index = Integer.parseInt(ProofJson.value(proof, "leafIndex"));
        int size = Integer.parseInt(ProofJson.value(proof, "treeSize"));
        java.util.List<MerkleTree.Position> path = MerkleTree.pathPositions(index, size);
        assertThat(path).as("a batch of more than one leaf").isNotEmpty();
        MerkleTree.Position sibling = path.get(path.size() - 1);
        byte[] level = levelBytes(batch, sibling.level());
        byte[] edited = level.clone();
        edited[sibling.index() * 32] ^= 0x01;
        update(
                "update integrity_batch_level set hashes = ? where batch_id = ? and level = ?",
                edited,
                batch,
                sibling.level());
        try {
            JsonNode altered = verify("/fhir/Observation/" + id + "/_history/1/$proof");

            assertThat(ProofJson.value(altered, "status")).isEqualTo("altered");
            assertThat(VerifyCommand.verify(altered.toString(), resource, rpcUrl, ProofJson.value(altered, "contract"))
                            .verified())
                    .as("the offline verifier, given the path from the edited level")
                    .isFalse();
            assertThat(ProofJson.value(verify("/fhir/Observation/" + id + "/$verify-integrity"), "result"))
                    .isEqualTo("mismatch");
        } finally {
            update(
                    "update integrity_batch_level set hashes = ? where batch_id = ? and level = ?",
                    level,
                    batch,
                    sibling.level());
        }
        assertThat(ProofJson.value(verify("/fhir/Observation/" + id + "/_history/1/$proof"), "status"))
                .isEqualTo("anchored");
    }

    @Test
    void aVersionInsertedInTheDatabaseHasNoLeafAndIsNamed() throws Exception {
        String id = create(observation("68.125"));
        anchoredProof("/fhir/Observation/" + id + "/_history/1/$proof");

        sql(
                "insert into fhir_resource_version (resource_pid, version, res_type, res_id, deleted, last_updated,"
                        + " method, body, patient_id, access_mask) select resource_pid, 2, res_type, res_id, deleted,"
                        + " last_updated, method, replace(body, '68.125', '60.125'), patient_id, access_mask from fhir_resource_version"
                        + " where res_type = 'Observation' and res_id = ? and version = 1",
                id);

        JsonNode answer = verify("/fhir/Observation/" + id + "/$verify-integrity");

        assertThat(versionResult(answer, 2)).isEqualTo("no-leaf");
        assertThat(ProofJson.value(answer, "result")).isNotEqualTo("match");
    }

    @Test
    void anAuditRecordsProofVerifiesOfflineAndAnEditedAuditRowIsAMismatch() throws Exception {
        String id = create(observation("63.125"));
        fhir().get("/fhir/Observation/" + id).then().statusCode(200);
        long auditId = lastAuditIdOf("Observation/" + id);

        JsonNode proof = anchoredProof("/fhir/AuditEvent/" + auditId + "/$proof", compliance());
        VerifyCommand.Result result =
                VerifyCommand.verify(proof.toString(), null, rpcUrl, ProofJson.value(proof, "contract"));
        assertThat(result.verified()).as(result.message()).isTrue();
        assertThat(ProofJson.value(
                        verify("/fhir/AuditEvent/" + auditId + "/$verify-integrity", compliance()), "result"))
                .isEqualTo("match");

        sql("update audit_event set agent = 'somebody-else' where id = ?", auditId);

        assertThat(ProofJson.value(
                        verify("/fhir/AuditEvent/" + auditId + "/$verify-integrity", compliance()), "result"))
                .isEqualTo("mismatch");
    }

    @Test
    void theSweepNamesAnAlteredVersionADeletedAuditRecordAndARowWithoutALeafAndTheConsoleShowsThem() throws Exception {
        String altered = create(observation("69.125"));
        String extra = create(observation("69.375"));
        fhir().get("/fhir/Observation/" + altered).then().statusCode(200);
        long auditId = lastAuditIdOf("Observation/" + altered);
        anchoredProof("/fhir/AuditEvent/" + auditId + "/$proof", compliance());

        sql(
                "update fhir_resource_version set body = replace(body, '69.125', '99.125') where res_type = 'Observation'"
                        + " and res_id = ? and version = 1",
                altered);
        sql("delete from audit_event where id = ?", auditId);
        sql(
                "insert into fhir_resource_version (resource_pid, version, res_type, res_id, deleted, last_updated,"
                        + " method, body, patient_id, access_mask) select resource_pid, 2, res_type, res_id, deleted,"
                        + " last_updated, method, body, patient_id, access_mask from fhir_resource_version"
                        + " where res_type = 'Observation' and res_id = ? and version = 1",
                extra);

        Response swept = given().auth().oauth2(Tokens.carol()).post("/api/integrity/sweep");

        swept.then().statusCode(200);
        JsonNode report = JSON.readTree(swept.asString());
        assertThat(report.path("clean").asBoolean(true)).isFalse();
        assertThat(findings(report))
                .contains(
                        "ALTERED Observation/" + altered + "/_history/1",
                        "MISSING AuditEvent/" + auditId,
                        "EXTRA Observation/" + extra + "/_history/2");
        assertThat(findings(report)).doesNotContain("ALTERED Observation/" + extra + "/_history/1");
        given().auth().oauth2(Tokens.carol()).get("/api/integrity/sweep").then().statusCode(200);
        given().auth().oauth2(Tokens.bob()).post("/api/integrity/sweep").then().statusCode(403);

        io.patienttwin.identity.CodeFlowLogin browser = new io.patienttwin.identity.CodeFlowLogin();
        String page = browser.open(portal("/portal/compliance/integrity"), "carol", "carol")
                .body();
        assertThat(page)
                .contains("Differences found")
                .contains("Observation/" + altered + "/_history/1")
                .contains("AuditEvent/" + auditId)
                .contains("verify-mismatch");
    }

    @Test
    void aProofIsADisclosureAndIsRefusedToAReaderWithoutConsent() {
        String id = create(observation("62.125"));

        given().auth()
                .oauth2(Tokens.bob())
                .accept(FHIR_JSON)
                .get("/fhir/Observation/" + id + "/_history/1/$proof")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(Tokens.bob())
                .accept(FHIR_JSON)
                .get("/fhir/Observation/" + id + "/$verify-integrity")
                .then()
                .statusCode(403);
    }

    // --- helpers

    private static Observation observation(String value) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("2160-0");
        observation.setSubject(subject());
        observation.setValue(
                new Quantity().setValue(new java.math.BigDecimal(value)).setUnit("mg/dL"));
        return observation;
    }

    private JsonNode anchoredProof(String path) {
        return anchoredProof(path, fhir());
    }

    /** Closes a batch now and waits until the chain holds it and the proof says so. */
    private JsonNode anchoredProof(String path, io.restassured.specification.RequestSpecification as) {
        anchorer.closeNow();
        JsonNode[] proof = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    anchorer.runOnce();
                    Response response = as.get(path);
                    response.then().statusCode(200);
                    proof[0] = JSON.readTree(response.asString());
                    return "anchored".equals(ProofJson.value(proof[0], "status"));
                });
        return proof[0];
    }

    private static JsonNode verify(String path) throws Exception {
        return verify(path, fhir());
    }

    private static JsonNode verify(String path, io.restassured.specification.RequestSpecification as) throws Exception {
        Response response = as.get(path);
        response.then().statusCode(200);
        return JSON.readTree(response.asString());
    }

    private static java.util.List<String> findings(JsonNode report) {
        java.util.List<String> found = new java.util.ArrayList<>();
        for (JsonNode f : report.path("findings")) {
            found.add(f.path("kind").asText() + " " + f.path("reference").asText());
        }
        return found;
    }

    /** A portal address on 127.0.0.1, the loopback host the realm accepts redirects to on any port. */
    private String portal(String path) {
        return base.toString().replace("localhost", "127.0.0.1").replaceAll("/$", "") + path;
    }

    private static String versionResult(JsonNode parameters, int version) {
        for (JsonNode p : parameters.path("parameter")) {
            if (!"version".equals(p.path("name").asText())) {
                continue;
            }
            String number = null;
            String result = null;
            for (JsonNode part : p.path("part")) {
                if ("version".equals(part.path("name").asText())) {
                    number = part.path("valueInteger").asText();
                } else if ("result".equals(part.path("name").asText())) {
                    result = part.path("valueCode").asText();
                }
            }
            if (Integer.toString(version).equals(number)) {
                return result;
            }
        }
        return null;
    }

    private static boolean sameCanonicalJson(String a, String b) {
        try {
            return java.util.Arrays.equals(
                    Jcs.canonical(Leaves.numbersAsText(a)), Jcs.canonical(Leaves.numbersAsText(b)));
        } catch (IllegalArgumentException notJson) {
            return false;
        }
    }

    private void sql(String statement, Object... binds) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < binds.length; i++) {
                ps.setObject(i + 1, binds[i]);
            }
            assertThat(ps.executeUpdate()).as(statement).isEqualTo(1);
        }
    }

    private int update(String statement, Object... binds) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < binds.length; i++) {
                ps.setObject(i + 1, binds[i]);
            }
            return ps.executeUpdate();
        }
    }

    private long count(String query, Object bind) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(query)) {
            ps.setObject(1, bind);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private byte[] levelBytes(long batch, int level) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select hashes from integrity_batch_level where batch_id = ? and level = ?")) {
            ps.setLong(1, batch);
            ps.setInt(2, level);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("level %d of batch %d", level, batch).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    private String storedBody(String id, int version) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select body from fhir_resource_version where res_type ="
                        + " 'Observation' and res_id = ? and version = ?")) {
            ps.setString(1, id);
            ps.setInt(2, version);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private long lastAuditIdOf(String target) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select max(id) from audit_event where target = ?")) {
            ps.setString(1, target);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
