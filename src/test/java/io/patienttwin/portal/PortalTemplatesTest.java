package io.patienttwin.portal;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.twin.Twin;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every portal template parses and renders, and values are HTML-escaped. */
class PortalTemplatesTest {

    /** What the layout asks of the viewer. */
    public record ViewerData(String name, String role, boolean clinician, boolean patient, boolean compliance) {}

    private final PortalTemplates templates = new PortalTemplates();

    private Map<String, Object> base(ViewerData viewer) {
        Map<String, Object> data = new HashMap<>();
        data.put("viewer", viewer);
        data.put("csrf", "token-1");
        data.put("title", "T");
        return data;
    }

    @Test
    void patientListEscapesNamesAndCarriesTheCsrfTokenForHtmx() {
        Map<String, Object> data = base(new ViewerData("Dr <Alice>", "Clinician", true, false, false));
        data.put("patients", List.of(new PatientSummary("p1", "<script>x</script>", "1950-01-01", "76", "female")));
        data.put("q", "\"x");
        data.put("total", 1);

        String html = templates.render("patients", data);

        assertThat(html)
                .contains("&lt;script&gt;x&lt;/script&gt;")
                .doesNotContain("<script>x</script>")
                .contains("Dr &lt;Alice&gt;")
                .contains("value=\"&quot;x\"")
                .contains("\"X-CSRF-Token\": \"token-1\"")
                .contains("href=\"/portal/patients/p1\"")
                .contains("1 patient<");
    }

    @Test
    void everyPageRenders() {
        ViewerData clinician = new ViewerData("A", "Clinician", true, false, false);
        Twin twin =
                new Twin("p1", Instant.EPOCH, Map.of(), List.of(), List.of(), List.of(), List.of(), List.of("weight"));
        Map<String, Object> data = base(clinician);
        data.put("patient", new PatientSummary("p1", "N", "", "", ""));
        data.put("breakGlass", "2026-01-01 00:00 UTC");
        data.put("twin", twin);
        data.put("asOf", "now");
        data.put("series", List.of());
        data.put("renal", List.of());
        data.put("body", List.of());
        data.put("genotype", List.of());
        data.put("charts", "[]");
        data.put("news2", ClinicianPages.News2View.of(io.patienttwin.twin.News2.of(twin)));
        assertThat(templates.render("twin", data))
                .contains("Emergency access")
                .contains("weight")
                .contains("No vital signs in the record");
        // an incomplete score says it is a lower bound
        data.put(
                "news2",
                ClinicianPages.News2View.of(io.patienttwin.twin.News2.score(
                        List.of(new io.patienttwin.twin.News2.Observed(
                                io.patienttwin.twin.News2.Parameter.PULSE,
                                135.0,
                                Instant.EPOCH,
                                List.of("Observation/hr"))),
                        io.patienttwin.twin.News2.Scale.SCALE_1)));
        assertThat(templates.render("twin", data))
                .contains("at least 3")
                .contains("at least Low–medium clinical risk")
                .contains("urgent response threshold")
                .contains("The total is a lower bound");
        assertThat(templates.render("my-record", data)).contains("My record");

        data.put("models", SimulationPages.MODELS);
        data.put("choice", SimulationPages.MODELS.get(0));
        data.put("regimens", SimulationPages.MODELS.get(0).regimens());
        data.put("horizon", "2");
        data.put("cohort", "0");
        data.put("seed", "1");
        data.put("suggest", true);
        data.put("result", null);
        assertThat(templates.render("simulate", data)).contains("r1.dose");

        data.put("allowed", true);
        assertThat(templates.render("break-glass", data)).contains("break-glass-form");

        data.put("consents", List.of());
        data.put("pending", false);
        data.put("categories", List.of(io.patienttwin.consent.DataCategory.values()));
        data.put("purposes", PatientPages.PURPOSE_CHOICES);
        data.put("today", "2026-01-01");
        data.put("nextYear", "2027-01-01");
        data.put("granted", null);
        assertThat(templates.render("my-consents", data)).contains("genomics").contains("Treatment");

        data.put("rows", List.of());
        data.put("total", 0L);
        data.put("page", 0);
        data.put("previous", -1);
        data.put("next", 1);
        data.put("more", false);
        assertThat(templates.render("my-access", data)).contains("Nobody");

        data.put("events", List.of());
        assertThat(templates.render("consent-log", data)).contains("No consent events yet");

        data.put("filter", new CompliancePages.AuditFilter(null, null, null, null, null, null));
        data.put("query", "");
        data.put("csvQuery", "");
        data.put("purposes", io.patienttwin.consent.Purpose.values());
        assertThat(templates.render("audit", data)).contains("No records match");

        data.put("sessions", List.of());
        assertThat(templates.render("break-glass-review", data)).contains("No emergency access");

        data.put("status", 403);
        data.put("heading", "Not permitted");
        data.put("detail", "d");
        assertThat(templates.render("error", data)).contains("Error 403");
        data.put("viewer", null);
        assertThat(templates.render("error", data)).contains("Error 403").doesNotContain("Sign out");
    }
}
