package io.patienttwin.fhir;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;

/**
 * The Synthea population the build generates for tests (5 patients, seed 42, reference date
 * 2025-01-01, in target/synthea/fhir unless {@code synthea.outputDir} says otherwise), and how to load
 * it through POST /fhir as Synthea means it to be loaded.
 */
public final class SyntheaPopulation {

    private SyntheaPopulation() {}

    /**
     * The bundle files in Synthea's own order: organizations and locations, then practitioners, then
     * one transaction Bundle per person.
     */
    public static List<Path> bundlesInLoadOrder() throws IOException {
        Path dir = Path.of(System.getProperty("synthea.outputDir", "target/synthea"), "fhir");
        try (Stream<Path> all = Files.list(dir)) {
            return all.filter(p -> p.toString().endsWith(".json"))
                    .sorted(Comparator.comparing((Path p) -> {
                                String name = p.getFileName().toString();
                                return name.startsWith("hospitalInformation")
                                        ? 0
                                        : name.startsWith("practitionerInformation") ? 1 : 2;
                            })
                            .thenComparing(Path::toString))
                    .toList();
        }
    }

    public static Bundle read(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return FhirTestSupport.FHIR.newJsonParser().parseResource(Bundle.class, reader);
        }
    }

    /**
     * POSTs one bundle file as the EHR system, its Patients managed by the {@link TestCustodian}'s
     * organization (Synthea names none); asserts 200 and returns the response Bundle.
     */
    public static Bundle post(Path file) throws IOException {
        // the body first, then the token: reading and encoding the 72 MB record takes longer on a slow
        // machine than the 30 s of life a cached token is guaranteed to have left
        String body = FhirTestSupport.json(read(file));
        String response = FhirTestSupport.authorized()
                .contentType(FhirTestSupport.FHIR_JSON)
                .accept("application/fhir+json")
                .body(body)
                .post("/fhir")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return FhirTestSupport.parse(response, Bundle.class);
    }
}
