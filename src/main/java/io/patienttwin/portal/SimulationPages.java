package io.patienttwin.portal;

import io.patienttwin.fhir.ReadService;
import io.patienttwin.fhir.TwinOperations;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.StringType;

/**
 * The simulation page: a model, two regimens side by side, an optional virtual cohort and a dose
 * suggestion, run through {@code $simulate}'s service ({@link TwinOperations}) on the twin the gate
 * lets this clinician read. The form builds the same Parameters an API client would send, so the page
 * and the API cannot disagree.
 */
@Path("/portal/patients/{id}/simulate")
@Authenticated
@Produces(MediaType.TEXT_HTML)
public class SimulationPages {

    /** A model the page offers, with the regimens it starts from. */
    public record ModelChoice(
            String id, String title, String drug, int horizonDays, int cohort, List<RegimenForm> regimens) {}

    /** One regimen of the form. */
    public record RegimenForm(
            String label, String drug, String route, String dose, String interval, String infusion, String loading) {}

    static final List<ModelChoice> MODELS = List.of(
            new ModelChoice(
                    "vancomycin-goti-2018",
                    "Vancomycin (Goti 2018), AUC24/MIC target 400–600",
                    "vancomycin",
                    2,
                    200,
                    List.of(
                            new RegimenForm("1 g q12h", "vancomycin", "iv-infusion", "1000", "12", "1", ""),
                            new RegimenForm("1.25 g q12h", "vancomycin", "iv-infusion", "1250", "12", "1.5", ""))),
            new ModelChoice(
                    "warfarin-hamberg-2010",
                    "Warfarin PK/PD with CYP2C9 and VKORC1 (Hamberg 2010), INR 2–3",
                    "warfarin",
                    28,
                    100,
                    List.of(
                            new RegimenForm("5 mg daily", "warfarin", "oral", "5", "24", "", ""),
                            new RegimenForm("7.5 mg daily", "warfarin", "oral", "7.5", "24", "", ""))),
            new ModelChoice(
                    "bp-law-2003",
                    "Systolic blood pressure on one antihypertensive (Law 2003)",
                    "amlodipine",
                    28,
                    100,
                    List.of(
                            new RegimenForm("amlodipine 5 mg", "amlodipine", "oral", "5", "24", "", ""),
                            new RegimenForm("losartan 50 mg", "losartan", "oral", "50", "24", "", ""))),
            new ModelChoice(
                    "one-compartment",
                    "Generic one-compartment model (illustrative parameters)",
                    "drug",
                    3,
                    0,
                    List.of(
                            new RegimenForm("500 mg q12h", "drug", "iv-bolus", "500", "12", "", ""),
                            new RegimenForm("750 mg q12h", "drug", "iv-bolus", "750", "12", "", ""))));

    private final Pages pages;
    private final Viewer viewer;
    private final ReadService reads;
    private final TwinOperations simulations;
    private final ClinicianPages clinician;

    SimulationPages(
            Pages pages, Viewer viewer, ReadService reads, TwinOperations simulations, ClinicianPages clinician) {
        this.pages = pages;
        this.viewer = viewer;
        this.reads = reads;
        this.simulations = simulations;
        this.clinician = clinician;
    }

    @GET
    public Response form(@PathParam("id") String id, @QueryParam("model") String model) {
        return pages.guard(() -> {
            Map<String, Object> data = base(id);
            ModelChoice choice = choice(model);
            data.put("choice", choice);
            data.put("regimens", choice.regimens());
            data.put("horizon", Integer.toString(choice.horizonDays()));
            data.put("cohort", Integer.toString(choice.cohort()));
            data.put("seed", "42");
            data.put("suggest", true);
            data.put("result", null);
            return pages.page("simulate", "Simulate", data);
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response run(
            @PathParam("id") String id, MultivaluedMap<String, String> form, @HeaderParam(Csrf.HEADER) String header) {
        return pages.guard(() -> {
            viewer.checkCsrf(form.getFirst(Csrf.FIELD), header);
            Map<String, Object> data = base(id);
            String patientId = (String) ((PatientSummary) data.get("patient")).id();
            ModelChoice choice = choice(form.getFirst("model"));
            List<RegimenForm> regimens = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String p = "r" + i + ".";
                regimens.add(new RegimenForm(
                        text(form.getFirst(p + "label"), "Regimen " + (char) ('A' + i)),
                        text(form.getFirst(p + "drug"), choice.drug()),
                        text(form.getFirst(p + "route"), "iv-bolus"),
                        text(form.getFirst(p + "dose"), ""),
                        text(form.getFirst(p + "interval"), ""),
                        text(form.getFirst(p + "infusion"), ""),
                        text(form.getFirst(p + "loading"), "")));
            }
            String horizon = text(form.getFirst("horizon"), Integer.toString(choice.horizonDays()));
            String cohort = text(form.getFirst("cohort"), "0");
            String seed = text(form.getFirst("seed"), "42");
            boolean suggest = form.getFirst("suggest") != null;
            data.put("choice", choice);
            data.put("regimens", regimens);
            data.put("horizon", horizon);
            data.put("cohort", cohort);
            data.put("seed", seed);
            data.put("suggest", suggest);
            Parameters request = request(choice, regimens, horizon, cohort, seed, suggest);
            Parameters answer = simulations.simulate(patientId, request);
            SimulationView view = SimulationView.of(answer);
            data.put("result", view);
            data.put("chart", ClinicianPages.json(view.chart()));
            return pages.page("simulate", "Simulate", data);
        });
    }

    private Map<String, Object> base(String id) {
        clinician.requireClinician();
        String patientId = ClinicianPages.patientId(id);
        viewer.readPatient(patientId);
        Patient patient = (Patient) reads.read("Patient", patientId);
        Map<String, Object> data = clinician.patientData(patient);
        data.put("models", MODELS);
        return data;
    }

    static ModelChoice choice(String model) {
        if (model == null || model.isBlank()) {
            return MODELS.get(0);
        }
        return MODELS.stream()
                .filter(m -> m.id().equals(model))
                .findFirst()
                .orElseThrow(() -> new PortalException(400, "Unknown model", "There is no model " + model + "."));
    }

    static Parameters request(
            ModelChoice choice,
            List<RegimenForm> regimens,
            String horizonDays,
            String cohort,
            String seed,
            boolean suggest) {
        Parameters request = new Parameters();
        request.addParameter().setName("model").setValue(new StringType(choice.id()));
        request.addParameter().setName("horizon").setValue(quantity(number(horizonDays, "horizon") * 24, "h"));
        int size = (int) number(cohort, "cohort size");
        if (size > 0) {
            request.addParameter().setName("cohortSize").setValue(new IntegerType(size));
            request.addParameter().setName("seed").setValue(new IntegerType((int) number(seed, "seed")));
        }
        request.addParameter().setName("suggestDose").setValue(new BooleanType(suggest));
        for (RegimenForm form : regimens) {
            if (form.dose().isEmpty()) {
                continue; // an empty second regimen: one regimen only
            }
            ParametersParameterComponent r = request.addParameter().setName("regimen");
            r.addPart().setName("label").setValue(new StringType(form.label()));
            r.addPart().setName("drug").setValue(new StringType(form.drug()));
            r.addPart().setName("route").setValue(new CodeType(form.route()));
            r.addPart().setName("dose").setValue(quantity(number(form.dose(), "dose"), "mg"));
            r.addPart().setName("interval").setValue(quantity(number(form.interval(), "interval"), "h"));
            if (!form.infusion().isEmpty() && "iv-infusion".equals(form.route())) {
                r.addPart()
                        .setName("infusionDuration")
                        .setValue(quantity(number(form.infusion(), "infusion duration"), "h"));
            }
            if (!form.loading().isEmpty()) {
                r.addPart().setName("loadingDose").setValue(quantity(number(form.loading(), "loading dose"), "mg"));
            }
        }
        return request;
    }

    private static Quantity quantity(double value, String unit) {
        return new Quantity()
                .setValue(BigDecimal.valueOf(value))
                .setSystem("http://unitsofmeasure.org")
                .setCode(unit)
                .setUnit(unit);
    }

    private static double number(String text, String what) {
        try {
            double value = Double.parseDouble(text.strip());
            if (!Double.isFinite(value)) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException | NullPointerException e) {
            throw new PortalException(400, "Check the form", "The " + what + " must be a number.");
        }
    }

    private static String text(String value, String otherwise) {
        return value == null || value.isBlank() ? otherwise : value.strip();
    }

    /** The answer of {@code $simulate} as the page shows it. */
    public record SimulationView(
            String model, String citation, String targetText, List<RegimenView> regimens, Map<String, Object> chart) {

        static SimulationView of(Parameters answer) {
            String model = "";
            String citation = "";
            String output = null;
            Double low = null;
            Double high = null;
            Double aim = null;
            for (ParametersParameterComponent p : answer.getParameter()) {
                if ("model".equals(p.getName())) {
                    model = part(p, "title").map(v -> v.primitiveValue()).orElse("") + " "
                            + part(p, "version").map(v -> v.primitiveValue()).orElse("");
                    citation = part(p, "citation").map(v -> v.primitiveValue()).orElse("");
                } else if ("target".equals(p.getName())) {
                    output = part(p, "output").map(v -> v.primitiveValue()).orElse(null);
                    low = part(p, "low")
                            .map(v -> Double.valueOf(v.primitiveValue()))
                            .orElse(null);
                    high = part(p, "high")
                            .map(v -> Double.valueOf(v.primitiveValue()))
                            .orElse(null);
                    aim = part(p, "aim")
                            .map(v -> Double.valueOf(v.primitiveValue()))
                            .orElse(null);
                }
            }
            List<RegimenView> regimens = new ArrayList<>();
            List<Map<String, Object>> lines = new ArrayList<>();
            String chartOutput = null;
            String unit = "";
            double step = 1;
            for (ParametersParameterComponent p : answer.getParameter()) {
                if (!"result".equals(p.getName())) {
                    continue;
                }
                RegimenView view = RegimenView.of(p);
                regimens.add(view);
                // chart the effect (INR, SBP) when the model has one, else the concentration
                ParametersParameterComponent series = null;
                for (ParametersParameterComponent s : p.getPart()) {
                    if ("series".equals(s.getName())) {
                        series = s;
                    }
                }
                if (series == null) {
                    continue;
                }
                String name =
                        part(series, "output").map(v -> v.primitiveValue()).orElse("");
                org.hl7.fhir.r4.model.SampledData data =
                        (org.hl7.fhir.r4.model.SampledData) part(series, "data").orElseThrow();
                chartOutput = name;
                unit = data.getOrigin().getUnit();
                step = data.getPeriod().doubleValue() / 3_600_000;
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("label", view.label());
                line.put("values", numbers(data.getData()));
                for (ParametersParameterComponent c : p.getPart()) {
                    if ("cohort".equals(c.getName())) {
                        for (ParametersParameterComponent band : c.getPart()) {
                            if ("band".equals(band.getName())
                                    && name.equals(part(band, "output")
                                            .map(v -> v.primitiveValue())
                                            .orElse(""))) {
                                line.put(
                                        "p5",
                                        numbers(((org.hl7.fhir.r4.model.SampledData)
                                                        part(band, "p5").orElseThrow())
                                                .getData()));
                                line.put(
                                        "median",
                                        numbers(((org.hl7.fhir.r4.model.SampledData)
                                                        part(band, "median").orElseThrow())
                                                .getData()));
                                line.put(
                                        "p95",
                                        numbers(((org.hl7.fhir.r4.model.SampledData)
                                                        part(band, "p95").orElseThrow())
                                                .getData()));
                            }
                        }
                    }
                }
                lines.add(line);
            }
            Map<String, Object> chart = new LinkedHashMap<>();
            chart.put("output", chartOutput);
            chart.put("unit", unit);
            chart.put("stepHours", step);
            chart.put("regimens", lines);
            if (output != null && output.equals(chartOutput)) {
                chart.put("low", low);
                chart.put("high", high);
            }
            String targetText = output == null
                    ? ""
                    : output + " " + format(low) + "–" + format(high)
                            + (aim == null ? "" : " (aim " + format(aim) + ")");
            return new SimulationView(model.strip(), citation, targetText, regimens, chart);
        }
    }

    /** One regimen's metrics, warnings and dose suggestion. */
    public record RegimenView(
            String label,
            String dose,
            List<Metric> metrics,
            List<String> effectByDay,
            String suggestion,
            List<WarningView> warnings) {

        static RegimenView of(ParametersParameterComponent p) {
            String label = part(p, "label").map(v -> v.primitiveValue()).orElse("");
            String dose = part(p, "dose")
                            .map(v -> format(((Quantity) v).getValue().doubleValue()) + " mg")
                            .orElse("")
                    + " every "
                    + part(p, "interval")
                            .map(v -> format(((Quantity) v).getValue().doubleValue()) + " h")
                            .orElse("");
            List<Metric> metrics = new ArrayList<>();
            List<String> byDay = new ArrayList<>();
            String suggestion = null;
            List<WarningView> warnings = new ArrayList<>();
            for (ParametersParameterComponent part : p.getPart()) {
                switch (part.getName()) {
                    case "metrics" -> {
                        for (ParametersParameterComponent m : part.getPart()) {
                            if ("effectByDay".equals(m.getName())) {
                                byDay.add(part(m, "value")
                                        .map(v -> format(Double.valueOf(v.primitiveValue())))
                                        .orElse("—"));
                            } else if (m.getValue() instanceof Quantity q) {
                                metrics.add(new Metric(
                                        m.getName(), format(q.getValue().doubleValue()) + " " + q.getUnit()));
                            } else if (m.getValue() instanceof DecimalType d) {
                                metrics.add(new Metric(
                                        m.getName(), format(d.getValue().doubleValue())));
                            } else if (m.getValue() instanceof BooleanType b) {
                                metrics.add(new Metric(m.getName(), b.booleanValue() ? "yes" : "no"));
                            }
                        }
                    }
                    case "cohort" -> {
                        for (ParametersParameterComponent c : part.getPart()) {
                            if ("attainment".equals(c.getName())) {
                                metrics.add(new Metric(
                                        "cohort attainment",
                                        format(100
                                                        * Double.parseDouble(
                                                                c.getValue().primitiveValue())) + " %"));
                            } else if ("size".equals(c.getName())) {
                                metrics.add(
                                        new Metric("cohort size", c.getValue().primitiveValue()));
                            }
                        }
                    }
                    case "doseSuggestion" -> {
                        boolean reachable = part(part, "reachable")
                                .map(v -> ((BooleanType) v).booleanValue())
                                .orElse(false);
                        suggestion = reachable
                                ? part(part, "dose")
                                                .map(v -> format(((Quantity) v)
                                                                .getValue()
                                                                .doubleValue()) + " mg")
                                                .orElse("")
                                        + " reaches "
                                        + part(part, "achieved")
                                                .map(v -> format(Double.valueOf(v.primitiveValue())))
                                                .orElse("")
                                : "No dose in range reaches the aim.";
                    }
                    case "warning" -> warnings.add(new WarningView(
                            part(part, "code").map(v -> v.primitiveValue()).orElse(""),
                            part(part, "severity").map(v -> v.primitiveValue()).orElse(""),
                            part(part, "message").map(v -> v.primitiveValue()).orElse(""),
                            part(part, "source").map(v -> v.primitiveValue()).orElse("")));
                    default -> {}
                }
            }
            return new RegimenView(label, dose, metrics, byDay, suggestion, warnings);
        }
    }

    /** A named metric, formatted. */
    public record Metric(String name, String value) {}

    /** A safety warning with its source. */
    public record WarningView(String code, String severity, String message, String source) {}

    static java.util.Optional<org.hl7.fhir.r4.model.Type> part(ParametersParameterComponent p, String name) {
        return p.getPart().stream()
                .filter(x -> name.equals(x.getName()))
                .findFirst()
                .map(ParametersParameterComponent::getValue);
    }

    static List<Double> numbers(String data) {
        List<Double> values = new ArrayList<>();
        for (String token : data.trim().split("\\s+")) {
            values.add(token.equals("E") || token.equals("U") || token.equals("L") ? null : Double.valueOf(token));
        }
        return values;
    }

    static String format(Double value) {
        if (value == null || !Double.isFinite(value)) {
            return "—";
        }
        double v = value;
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
