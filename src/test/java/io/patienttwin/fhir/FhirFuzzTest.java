package io.patienttwin.fhir;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patienttwin.identity.Tokens;
import io.patienttwin.policy.PatientCompartment;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the FHIR surface for a bounded time (issue 16, "Done means" 3): resource JSON, transaction and
 * batch Bundles and search queries, mutated from the seed corpus in {@code src/test/resources/fuzz/}
 * (random field removal, wrong JSON types, unknown elements, other resource types, hostile strings —
 * NUL, lone surrogates, own-base and foreign URLs, contained, {@code urn:} and conditional references,
 * SQL — and random Bundle methods and URLs), sent as the EHR system, pat, bob or dave. Every answer
 * must hold three properties:
 *
 * <ul>
 *   <li>never a 5xx, and every 4xx an OperationOutcome;
 *   <li>never a partial write: a refused write (a whole transaction, a single create, update or
 *       delete) leaves a dump of the rows this run can touch unchanged;
 *   <li>never a permit the decision point would not give: of every resource of a patient-compartment
 *       type returned, the principal may read it (bob: none; pat: her own; the EHR system: the patients
 *       of the organization it is custodian of).
 * </ul>
 *
 * Seeded and bounded: {@code -Dfuzz.seed} (default fixed, so a run is reproducible) and {@code
 * -Dfuzz.seconds} (default 40). Failing cases are written to {@code target/fuzz-findings/}.
 */
@QuarkusTest
class FhirFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SEEDS =
            List.of("patient.json", "observation.json", "consent.json", "transaction.json", "batch.json");
    private static final List<String> HOSTILE = List.of(
            "",
            " ",
            "\u0000",
            "a\ud800b",
            "x".repeat(5000),
            "Patient/fz-q",
            "Patient/fz-p",
            "Patient/fz-none",
            "#p",
            "urn:uuid:6f1c2d3e-0000-4000-8000-00000000ffff",
            "Patient?family=Fuzz",
            "Patient?_id=fz-q",
            "Observation?subject=Patient/fz-q",
            "https://elsewhere.example/fhir/Patient/fz-q",
            "Observation/../Patient/fz-q",
            "' or 1=1 --",
            "%00",
            "1e400",
            "2026-13-45",
            "😀",
            "Organization/fz-org",
            "Practitioner/fz-pr");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD");
    private static final List<String> TYPES =
            List.of("Patient", "Observation", "Consent", "Condition", "Organization", "Group", "AuditEvent", "Unicorn");
    private static final List<String> SEARCH_PARAMS = List.of(
            "_include=Observation:patient",
            "_revinclude=Observation:subject",
            "_has:Observation:subject:code=1",
            "_sort=-date",
            "_count=-1",
            "_count=100000",
            "_offset=-5",
            "_summary=count",
            "_total=accurate",
            "_elements=id",
            "patient:missing=true",
            "subject:Patient=pat",
            "code:below=http://loinc.org|2",
            "name:exact=Fuzz",
            "subject.name=Fuzz",
            "_id=pat");

    /** Who sends, and which patients' data it may read (null: any patient of the custodian's organization). */
    private record Sender(String name, String token, Predicate<String> mayRead) {}

    @Inject
    EntityManager em;

    private final long seed = Long.getLong("fuzz.seed", 20261202L);
    private final Duration budget = Duration.ofSeconds(Long.getLong("fuzz.seconds", 40L));
    private final Random random = new Random(seed);
    private final List<String> findings = new ArrayList<>();
    private long watermark;

    @Test
    void theFhirSurfaceNeverAnswers5xxNeverWritesPartlyAndNeverDisclosesWhatTheGateWouldDeny() throws IOException {
        TestCustodian.ensure();
        // fz-p is the EHR system's to write; fz-q another organization's; the shared patients are only read
        OperatorWrites.patient("fz-p", TestCustodian.ORGANIZATION, "fuzz");
        OperatorWrites.patient("fz-q", "Organization/fz-other", "fuzz");
        FhirTestSupport.ensurePatient("pat");
        watermark = QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("select coalesce(max(pid), 0) from fhir_resource")
                                .getSingleResult())
                        .longValue());
        List<JsonNode> seeds = new ArrayList<>();
        for (String name : SEEDS) {
            seeds.add(JSON.readTree(resource(name)));
        }
        List<String> searches = new String(resource("searches.txt").readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .filter(line -> !line.isBlank())
                .toList();
        List<Sender> senders = List.of(
                new Sender("ehr", Tokens.ehrSystem(), this::managedByTheCustodian),
                new Sender("pat", Tokens.pat(), "pat"::equals),
                new Sender("bob", Tokens.bob(), patient -> false),
                new Sender("dave", Tokens.dave(), patient -> false));

        Instant end = Instant.now().plus(budget);
        int cases = 0;
        while (Instant.now().isBefore(end) && cases < 100_000 && findings.size() < 20) {
            Sender sender = senders.get(random.nextInt(senders.size()));
            if (random.nextInt(4) == 0) {
                search(sender, mutateQuery(searches.get(random.nextInt(searches.size()))));
            } else {
                JsonNode body = seeds.get(random.nextInt(seeds.size())).deepCopy();
                int mutations = 1 + random.nextInt(3);
                for (int i = 0; i < mutations; i++) {
                    body = mutate(body);
                }
                write(sender, body);
            }
            cases++;
        }
        System.out.printf("FhirFuzzTest: seed %d, %d cases in %s, %d findings%n", seed, cases, budget, findings.size());
        if (!findings.isEmpty()) {
            Path dir = Path.of("target/fuzz-findings");
            Files.createDirectories(dir);
            // findings may hold half a surrogate pair, which UTF-8 cannot encode
            Files.writeString(
                    dir.resolve("seed-" + seed + ".txt"),
                    String.join("\n", findings).replaceAll("[\\ud800-\\udfff]", "?"));
        }
        assertThat(cases).as("cases run").isGreaterThan(100);
        assertThat(findings).as("findings (seed " + seed + ")").isEmpty();
    }

    // --- sending and checking -------------------------------------------------------------------------

    private void search(Sender sender, String query) {
        Response response = given().auth()
                .oauth2(sender.token())
                .accept("application/fhir+json")
                .urlEncodingEnabled(false)
                .get("/fhir/" + encoded(query));
        check(sender, "GET /fhir/" + query, null, response, false);
    }

    /** The query with every parameter value percent-encoded, as a client sends it. */
    private static String encoded(String query) {
        int question = query.indexOf('?');
        if (question < 0) {
            return query;
        }
        StringBuilder url = new StringBuilder(query.substring(0, question + 1));
        String[] pairs = query.substring(question + 1).split("&");
        for (int i = 0; i < pairs.length; i++) {
            int equals = pairs[i].indexOf('=');
            url.append(i == 0 ? "" : "&")
                    .append(
                            equals < 0
                                    ? pairs[i]
                                    : pairs[i].substring(0, equals + 1)
                                            + URLEncoder.encode(
                                                    pairs[i].substring(equals + 1), StandardCharsets.UTF_8));
        }
        return url.toString();
    }

    private void write(Sender sender, JsonNode body) {
        String type = body.path("resourceType").asText("");
        String method;
        String path;
        if ("Bundle".equals(type)) {
            method = "POST";
            path = "/fhir";
        } else if (random.nextBoolean()) {
            method = "POST";
            path = "/fhir/" + (TYPES.contains(type) ? type : "Observation");
        } else {
            method = "PUT";
            String id = body.path("id").asText("fz-" + random.nextInt(1000));
            path = "/fhir/" + (TYPES.contains(type) ? type : "Observation") + "/"
                    + URLEncoder.encode(id, StandardCharsets.UTF_8);
        }
        String text = random.nextInt(40) == 0 ? truncate(body.toString()) : body.toString();
        String before = dump();
        Response response = given().auth()
                .oauth2(sender.token())
                .accept("application/fhir+json")
                .contentType("application/fhir+json; charset=UTF-8")
                .urlEncodingEnabled(false)
                .body(text.getBytes(StandardCharsets.UTF_8))
                .request(method, path);
        boolean batch = "batch".equals(body.path("type").asText());
        check(sender, method + " " + path, text, response, true);
        if (response.statusCode() >= 400 && !batch && !dump().equals(before)) {
            finding("partial write", sender, method + " " + path, text, response);
        }
    }

    private void check(Sender sender, String request, String body, Response response, boolean write) {
        int status = response.statusCode();
        String answer = response.asString();
        if (status >= 500 || status < 200) {
            finding("status " + status, sender, request, body, response);
            return;
        }
        // a request line over quarkus.http.limits.max-initial-line-length is answered by the HTTP layer
        boolean overTheLineLimit = status == 414 && request.length() > 16_000;
        if (status >= 400 && !answer.contains("OperationOutcome") && !overTheLineLimit) {
            finding("a " + status + " without an OperationOutcome", sender, request, body, response);
            return;
        }
        if (status >= 200 && status < 300 && answer.startsWith("{")) {
            try {
                for (String[] disclosed : compartmentResources(JSON.readTree(answer), new ArrayList<>())) {
                    String patient = patientOf(disclosed[0], disclosed[1]);
                    if (patient == null || !sender.mayRead().test(patient)) {
                        finding(
                                "disclosed " + disclosed[0] + "/" + disclosed[1] + " of patient " + patient,
                                sender,
                                request,
                                body,
                                response);
                        return;
                    }
                }
            } catch (IOException notJson) {
                finding("a 2xx that is not JSON", sender, request, body, response);
            }
        }
    }

    /** Type and id of every resource of a patient-compartment type in an answer, Bundles included. */
    private static List<String[]> compartmentResources(JsonNode node, List<String[]> found) {
        String type = node.path("resourceType").asText("");
        if ("Bundle".equals(type)) {
            for (JsonNode entry : node.path("entry")) {
                compartmentResources(entry.path("resource"), found);
            }
        } else if (PatientCompartment.contains(type) && node.hasNonNull("id") && !"Consent".equals(type)) {
            found.add(new String[] {type, node.get("id").asText()});
        }
        return found;
    }

    private void finding(String what, Sender sender, String request, String body, Response response) {
        String answer = response.asString();
        findings.add(what + " | as " + sender.name() + " | " + request + " | body "
                + (body == null ? "-" : body.length() > 2000 ? body.substring(0, 2000) + "…" : body) + " | answer "
                + (answer.length() > 500 ? answer.substring(0, 500) : answer));
    }

    // --- mutations -------------------------------------------------------------------------------------

    private JsonNode mutate(JsonNode root) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = names.isEmpty() ? "extra" : names.get(random.nextInt(names.size()));
            switch (random.nextInt(9)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(name, scalar());
                case 2 -> object.put("fuzz" + random.nextInt(10), hostile());
                case 3 -> object.set(
                        name,
                        JsonNodeFactory.instance
                                .arrayNode()
                                .add(object.path(name).deepCopy()));
                case 4 -> object.put("reference", hostile());
                case 5 -> object.put("resourceType", TYPES.get(random.nextInt(TYPES.size())));
                case 6 -> object.put("method", METHODS.get(random.nextInt(METHODS.size())));
                case 7 -> object.put("url", randomUrl());
                default -> object.put(name, hostile());
            }
        } else if (target instanceof ArrayNode array && !array.isEmpty()) {
            int index = random.nextInt(array.size());
            switch (random.nextInt(3)) {
                case 0 -> array.remove(index);
                case 1 -> array.add(array.get(index).deepCopy());
                default -> array.set(index, scalar());
            }
        }
        return root;
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            Iterator<JsonNode> children = node.elements();
            while (children.hasNext()) {
                collect(children.next(), containers);
            }
        }
    }

    private JsonNode scalar() {
        return switch (random.nextInt(6)) {
            case 0 -> JsonNodeFactory.instance.numberNode(random.nextLong());
            case 1 -> JsonNodeFactory.instance.numberNode(1e308);
            case 2 -> JsonNodeFactory.instance.booleanNode(random.nextBoolean());
            case 3 -> JsonNodeFactory.instance.nullNode();
            case 4 -> JsonNodeFactory.instance.objectNode().put("reference", hostile());
            default -> JsonNodeFactory.instance.textNode(hostile());
        };
    }

    private String hostile() {
        return HOSTILE.get(random.nextInt(HOSTILE.size()));
    }

    private String randomUrl() {
        String type = TYPES.get(random.nextInt(TYPES.size()));
        return switch (random.nextInt(5)) {
            case 0 -> type + "/" + hostile();
            case 1 -> type + "?identifier=" + hostile();
            case 2 -> type;
            case 3 -> "http://localhost/fhir/" + type + "/fz-p";
            default -> hostile();
        };
    }

    private String mutateQuery(String query) {
        StringBuilder mutated = new StringBuilder(query);
        int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++) {
            switch (random.nextInt(4)) {
                case 0 -> mutated.append('&').append(SEARCH_PARAMS.get(random.nextInt(SEARCH_PARAMS.size())));
                case 1 -> mutated.append("&name=").append(hostile().replace("&", "%26"));
                case 2 -> {
                    int question = mutated.indexOf("?");
                    mutated.replace(
                            0, question < 0 ? mutated.length() : question, TYPES.get(random.nextInt(TYPES.size())));
                }
                default -> mutated.append("&subject=").append(hostile().replace("&", "%26"));
            }
        }
        return mutated.toString();
    }

    private String truncate(String text) {
        return text.substring(0, random.nextInt(Math.max(1, text.length())));
    }

    // --- the store ---------------------------------------------------------------------------------------

    private boolean managedByTheCustodian(String patientId) {
        return QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery(
                                        "select 1 from fhir_resource where res_type = 'Patient' and res_id = ?1 and managing_org = ?2")
                                .setParameter(1, patientId)
                                .setParameter(2, TestCustodian.ORGANIZATION.substring("Organization/".length()))
                                .getResultList()
                                .size()
                        == 1);
    }

    private String patientOf(String type, String id) {
        @SuppressWarnings("unchecked")
        List<Object> rows = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "select patient_id from fhir_resource where res_type = ?1 and res_id = ?2")
                .setParameter(1, type)
                .setParameter(2, id)
                .getResultList());
        return rows.isEmpty() ? null : (String) rows.get(0);
    }

    /** This run's rows and Patient/pat and fz-p: type, id, version (not for Consents: the chain's), deleted. */
    private String dump() {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery("select res_type, res_id, case when res_type = 'Consent' then -1"
                            + " else version end, deleted from fhir_resource where pid > ?1"
                            + " or (res_type = 'Patient' and res_id in ('pat', 'fz-p')) order by pid")
                    .setParameter(1, watermark)
                    .getResultList();
            StringBuilder dump = new StringBuilder();
            rows.forEach(row -> dump.append(java.util.Arrays.toString(row)).append('\n'));
            return dump.toString();
        });
    }

    private static InputStream resource(String name) {
        return FhirFuzzTest.class.getResourceAsStream("/fuzz/" + name);
    }
}
