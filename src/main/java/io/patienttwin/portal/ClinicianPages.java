package io.patienttwin.portal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.consent.Purpose;
import io.patienttwin.fhir.ReadService;
import io.patienttwin.policy.BreakGlassReason;
import io.patienttwin.twin.News2;
import io.patienttwin.twin.Series;
import io.patienttwin.twin.Twin;
import io.patienttwin.twin.TwinInput;
import io.patienttwin.twin.TwinService;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;

/**
 * The clinician's pages: the patients they may see, a patient's twin, and emergency (break-glass)
 * access. Every read goes through {@link ReadService} with the clinician's read context, so the list
 * holds only patients the gate permits and a forbidden patient is a 403 page.
 */
@Path("/portal")
@Authenticated
@Produces(MediaType.TEXT_HTML)
public class ClinicianPages {

    static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
    static final Pattern ID = Pattern.compile("[A-Za-z0-9.-]{1,64}");
    private static final int LIST_SIZE = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Pages pages;
    private final Viewer viewer;
    private final ReadService reads;
    private final TwinService twins;
    private final LiveStreams live;

    ClinicianPages(Pages pages, Viewer viewer, ReadService reads, TwinService twins, LiveStreams live) {
        this.live = live;
        this.pages = pages;
        this.viewer = viewer;
        this.reads = reads;
        this.twins = twins;
    }

    /** The patients this clinician may see, optionally by name; an htmx request gets the rows only. */
    @GET
    @Path("/patients")
    public Response patients(@QueryParam("q") String query, @HeaderParam("HX-Request") String htmx) {
        return pages.guard(() -> {
            requireClinician();
            viewer.read(Purpose.TREAT, null);
            Map<String, String[]> search = new HashMap<>();
            search.put("_count", new String[] {Integer.toString(LIST_SIZE)});
            search.put("_sort", new String[] {"family"});
            String q = query == null ? "" : query.strip();
            if (!q.isEmpty()) {
                search.put("name", new String[] {q});
            }
            var bundle = reads.search("Patient", search, false);
            List<PatientSummary> rows = new ArrayList<>();
            for (IBaseResource resource : bundle.getResources(0, LIST_SIZE)) {
                if (resource instanceof Patient patient) {
                    rows.add(PatientSummary.of(patient));
                }
            }
            Map<String, Object> data = new HashMap<>();
            data.put("patients", rows);
            data.put("q", q);
            data.put("total", bundle.size() == null ? rows.size() : bundle.size());
            return htmx != null ? pages.fragment("patient-rows", data) : pages.page("patients", "Patients", data);
        });
    }

    /** A patient's twin: demographics, latest values with trends, renal function, problems and drugs. */
    @GET
    @Path("/patients/{id}")
    public Response twin(@PathParam("id") String id) {
        return pages.guard(() -> {
            requireClinician();
            String patientId = patientId(id);
            viewer.readPatient(patientId);
            Patient patient = (Patient) reads.read("Patient", patientId);
            Twin twin = twins.twin(patientId);
            Map<String, Object> data = patientData(patient);
            data.put("twin", twin);
            data.put("asOf", WHEN.format(twin.asOf()));
            data.put(
                    "series",
                    twin.series().stream().map(ClinicianPages::seriesRow).toList());
            data.put("renal", inputs(twin, List.of("creatinine", "crcl", "egfr", "egfrReported", "dialysis")));
            data.put("body", inputs(twin, List.of("age", "sex", "weight", "height", "bmi", "bsa")));
            data.put("genotype", inputs(twin, List.of("cyp2c9", "vkorc1")));
            data.put("charts", json(charts(twin)));
            data.put("news2", News2View.of(News2.of(twin)));
            return pages.page("twin", PatientSummary.of(patient).name(), data);
        });
    }

    /**
     * The twin page's live readings as Server-Sent Events: opened like a read of the patient (decided and
     * audited), then each new device reading is read through the gate as this clinician before it is
     * sent ({@link LiveStreams}). A browser that reconnects sends the id of the last event it had
     * ({@code Last-Event-ID}, an instant): what was stored since is sent first. 403 when the patient may
     * not be read, 503 when the node holds its maximum of streams.
     */
    @GET
    @Path("/patients/{id}/live")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void live(
            @PathParam("id") String id,
            @jakarta.ws.rs.HeaderParam("Last-Event-ID") String lastEventId,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.sse.SseEventSink sink,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.sse.Sse sse) {
        Response refused = pages.guard(() -> {
            requireClinician();
            String patientId = patientId(id);
            viewer.readPatient(patientId);
            reads.read("Patient", patientId);
            if (!live.hasRoom()) {
                throw new PortalException(503, "Busy", "Too many live views on this server; reload later.");
            }
            live.open(patientId, viewer.principal(), viewer.sessionExpires(), lastEvent(lastEventId), sink, sse);
            return null;
        });
        if (refused != null) {
            throw new jakarta.ws.rs.WebApplicationException(
                    Response.status(refused.getStatus()).build());
        }
    }

    /** The instant a reconnecting browser names as its last event (the stream's event ids), or null. */
    private static java.time.Instant lastEvent(String lastEventId) {
        if (lastEventId == null || lastEventId.length() > 40) {
            return null;
        }
        try {
            return java.time.Instant.parse(lastEventId.trim());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** Emergency access: the form. */
    @GET
    @Path("/break-glass")
    public Response breakGlassForm(@QueryParam("patient") String patient) {
        return pages.guard(() -> {
            requireClinician();
            Map<String, Object> data = new HashMap<>();
            data.put("patient", patient == null ? "" : patient);
            data.put("allowed", viewer.principal().mayBreakGlass());
            return pages.page("break-glass", "Emergency access", data);
        });
    }

    /**
     * Emergency access: opens a time-boxed session for the patient through the gate (purpose ETREAT with
     * the justification), recorded on chain and in the audit and queued for compliance review.
     */
    @POST
    @Path("/break-glass")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response breakGlass(
            @FormParam("patient") String patient,
            @FormParam("reason") String reason,
            @FormParam(Csrf.FIELD) String csrf,
            @HeaderParam(Csrf.HEADER) String csrfHeader) {
        return pages.guard(() -> {
            viewer.checkCsrf(csrf, csrfHeader);
            requireClinician();
            if (!viewer.principal().mayBreakGlass()) {
                throw new PortalException(
                        403, "Not permitted", "Your account does not hold the break-glass permission.");
            }
            String patientId = patientId(patient == null ? "" : patient.strip());
            String justification = reason == null ? "" : reason.strip();
            if (!BreakGlassReason.acceptable(justification)) {
                throw new PortalException(
                        400,
                        "Justification needed",
                        "Describe the emergency in " + BreakGlassReason.MIN + " to " + BreakGlassReason.MAX
                                + " characters.");
            }
            viewer.read(Purpose.ETREAT, justification);
            reads.read("Patient", patientId);
            return pages.seeOther("/portal/patients/" + patientId);
        });
    }

    Map<String, Object> patientData(Patient patient) {
        Map<String, Object> data = new HashMap<>();
        PatientSummary summary = PatientSummary.of(patient);
        data.put("patient", summary);
        data.put(
                "breakGlass",
                viewer.breakGlass(summary.id())
                        .map(s -> WHEN.format(s.validUntil()))
                        .orElse(null));
        return data;
    }

    void requireClinician() {
        if (!viewer.isClinician()) {
            throw new PortalException(403, "Not permitted", "These pages are for clinicians.");
        }
    }

    static String patientId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new PortalException(404, "Not found", "There is no such patient.");
        }
        return id;
    }

    static String json(Object value) {
        try {
            // a JSON data block inside <script type="application/json">: "</" must not close it
            return JSON.writeValueAsString(value).replace("</", "<\\/");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The NEWS2 card: total, risk, and each parameter's value and points, or what is missing. */
    public record News2View(
            int total,
            String risk,
            String riskCode,
            boolean complete,
            boolean triggers,
            String time,
            List<News2Row> rows,
            String missing) {

        public record News2Row(String parameter, String value, int points, String time) {}

        static News2View of(News2.Score score) {
            String code = score.risk().name().toLowerCase(Locale.ROOT).replace('_', '-');
            String label =
                    switch (score.risk()) {
                        case LOW -> "Low";
                        case LOW_MEDIUM -> "Low–medium";
                        case MEDIUM -> "Medium";
                        case HIGH -> "High";
                    };
            return new News2View(
                    score.total(),
                    label,
                    code,
                    score.complete(),
                    score.triggers(),
                    ClinicianPages.time(score.time()),
                    score.scored().stream()
                            .map(s -> new News2Row(
                                    s.parameter().name().toLowerCase(Locale.ROOT),
                                    s.value(),
                                    s.points(),
                                    ClinicianPages.time(s.time())))
                            .toList(),
                    String.join(
                            ", ",
                            score.missing().stream()
                                    .map(m -> m.name().toLowerCase(Locale.ROOT))
                                    .toList()));
        }
    }

    /** One row of the latest-values table. */
    public record SeriesRow(
            String name, String latest, String unit, String time, String previous, String trend, int count) {}

    /** One input with its provenance. */
    public record InputRow(String name, String value, String unit, String time, String method, String sources) {}

    static SeriesRow seriesRow(Series s) {
        return new SeriesRow(
                s.name(),
                value(s.latest()),
                s.latest().unit() == null ? "" : s.latest().unit(),
                time(s.latest().time()),
                s.previous() == null ? "—" : value(s.previous()),
                s.trend(),
                s.count());
    }

    static List<InputRow> inputs(Twin twin, List<String> names) {
        List<InputRow> rows = new ArrayList<>();
        for (String name : names) {
            twin.input(name)
                    .ifPresent(input -> rows.add(new InputRow(
                            name,
                            shown(name, input),
                            unit(input),
                            time(input.time()),
                            input.method() == null ? "" : input.method(),
                            String.join(", ", input.sources()))));
        }
        return rows;
    }

    /** Ages in whole years, flags as yes/no, everything else as {@link #value}. */
    static String shown(String name, TwinInput input) {
        if (input.number() != null && "a".equals(input.unit())) {
            return Long.toString(Math.round(Math.floor(input.number())));
        }
        if (input.number() != null && "dialysis".equals(name)) {
            return input.number() >= 1 ? "yes" : "no";
        }
        return value(input);
    }

    static String unit(TwinInput input) {
        if (input.unit() == null || "1".equals(input.unit())) {
            return "";
        }
        return "a".equals(input.unit()) ? "years" : input.unit();
    }

    static String value(TwinInput input) {
        if (input.number() != null) {
            double v = input.number();
            return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
        }
        return input.code() == null ? "" : input.code();
    }

    static String time(Instant time) {
        return time == null ? "" : WHEN.format(time);
    }

    /** Chart data of every series with two values or more: ISO times and values. */
    static List<Map<String, Object>> charts(Twin twin) {
        List<Map<String, Object>> charts = new ArrayList<>();
        for (Series s : twin.series()) {
            if (s.values().size() < 2) {
                continue;
            }
            Map<String, Object> chart = new LinkedHashMap<>();
            chart.put("name", s.name());
            chart.put("unit", s.latest().unit());
            chart.put("t", s.values().stream().map(v -> v.time().toString()).toList());
            chart.put("y", s.values().stream().map(TwinInput::number).toList());
            charts.add(chart);
        }
        return charts;
    }
}
