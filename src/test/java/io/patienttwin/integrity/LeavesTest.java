package io.patienttwin.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What is hashed for a resource version and an audit record (integrity.Leaves), and RFC 8785 itself. */
class LeavesTest {

    private static final Instant AT = Instant.parse("2026-12-02T10:15:30.120Z");
    private static final String OBSERVATION = "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
            + "\"valueQuantity\":{\"value\":4.50,\"unit\":\"mmol/L\"},\"meta\":{\"versionId\":\"2\"}}";

    @Test
    void rfc8785sOwnExampleCanonicalizesAsTheRfcSays() {
        // RFC 8785 §3.2.4
        String input = "{\"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],"
                + " \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
                + " \"literals\": [null, true, false]}";

        assertThat(Jcs.canonicalString(input))
                .isEqualTo("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                        + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
    }

    @Test
    void aVersionsLeafDoesNotDependOnMemberOrderOrWhitespace() {
        String reordered = "{ \"meta\" : {\"versionId\":\"2\"}, \"valueQuantity\":{\"unit\":\"mmol/L\",\"value\":4.50},"
                + "\n \"status\":\"final\", \"id\":\"o1\", \"resourceType\":\"Observation\" }";

        assertThat(Leaves.version("Observation", "o1", 2, AT, reordered))
                .isEqualTo(Leaves.version("Observation", "o1", 2, AT, OBSERVATION));
    }

    @Test
    void aVersionsLeafChangesWithEveryPartOfIt() {
        byte[] leaf = Leaves.version("Observation", "o1", 2, AT, OBSERVATION);

        assertThat(Leaves.version("Observation", "o1", 2, AT, OBSERVATION.replace("4.50", "4.51")))
                .as("a value")
                .isNotEqualTo(leaf);
        assertThat(Leaves.version("Observation", "o1", 2, AT, OBSERVATION.replace("final", "amended")))
                .as("a code")
                .isNotEqualTo(leaf);
        assertThat(Leaves.version("Observation", "o2", 2, AT, OBSERVATION))
                .as("the id")
                .isNotEqualTo(leaf);
        assertThat(Leaves.version("Condition", "o1", 2, AT, OBSERVATION))
                .as("the type")
                .isNotEqualTo(leaf);
        assertThat(Leaves.version("Observation", "o1", 3, AT, OBSERVATION))
                .as("the version")
                .isNotEqualTo(leaf);
        assertThat(Leaves.version("Observation", "o1", 2, AT.plusMillis(1), OBSERVATION))
                .as("the time")
                .isNotEqualTo(leaf);
        assertThat(Leaves.version("Observation", "o1", 2, AT, null))
                .as("a deletion")
                .isNotEqualTo(leaf);
    }

    @Test
    void decimalsKeepTheirPrecisionAndRangeBeyondIeeeDoubles() {
        byte[] leaf = Leaves.version("Observation", "o1", 2, AT, OBSERVATION);

        assertThat(Leaves.version("Observation", "o1", 2, AT, OBSERVATION.replace("4.50", "4.5")))
                .as("4.5 is another precision than 4.50 in FHIR")
                .isNotEqualTo(leaf);
        assertThat(Leaves.version("Observation", "o1", 2, AT, OBSERVATION.replace("4.50", "1e400")))
                .as("a decimal no double holds")
                .isNotEqualTo(Leaves.version("Observation", "o1", 2, AT, OBSERVATION.replace("4.50", "1e401")));
        assertThat(Leaves.version("Observation", "o1", 2, AT, OBSERVATION.replace("4.50", "0.10000000000000000001")))
                .as("digits beyond the 17th")
                .isNotEqualTo(Leaves.version("Observation", "o1", 2, AT, OBSERVATION.replace("4.50", "0.1")));
    }

    @Test
    void aVersionThatIsNotJsonCannotBeHashed() {
        assertThatThrownBy(() -> Leaves.version("Observation", "o1", 1, AT, "{\"resourceType\":"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAuditRecordsDocumentNamesEveryColumnAndItsId() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("recordedAt", AT);
        fields.put("agent", "alice");
        fields.put("patientId", null);
        fields.put("block", 17L);

        String document = Leaves.auditDocument(42, fields);

        assertThat(document)
                .isEqualTo("{\"agent\":\"alice\",\"block\":17,\"id\":42,\"kind\":\"audit-record\","
                        + "\"patientId\":null,\"recordedAt\":\"2026-12-02T10:15:30.120Z\"}");
        fields.put("agent", "alicf");
        assertThat(Leaves.audit(Leaves.auditDocument(42, fields))).isNotEqualTo(Leaves.audit(document));
        assertThat(Leaves.audit(Leaves.auditDocument(43, fields)))
                .isNotEqualTo(Leaves.audit(Leaves.auditDocument(42, fields)));
    }
}
