package io.patienttwin.simulation;

import io.patienttwin.simulation.model.Absorption;
import io.patienttwin.simulation.model.Cohort;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import io.patienttwin.simulation.model.SimulationException;
import io.patienttwin.simulation.model.Target;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Type;

/**
 * The input of {@code $simulate}, read from its Parameters (layout in docs/simulation.md). Every
 * problem is a 400 {@code PT-SIM-400-…} naming the parameter.
 *
 * @param horizonH NaN when not given (the model's default applies)
 * @param target null for the model's default
 * @param overrides model parameter values given by name
 */
record SimulationRequest(
        String model,
        List<Regimen> regimens,
        double horizonH,
        double outputStepH,
        int cohortSize,
        long seed,
        Target target,
        double mic,
        boolean suggestDose,
        Map<String, Double> overrides) {

    static final double MAX_HORIZON_H = 365 * 24;
    static final int MAX_REGIMENS = 10;

    static SimulationRequest from(Parameters parameters) {
        String model = null;
        List<Regimen> regimens = new ArrayList<>();
        double horizon = Double.NaN;
        double outputStep = Double.NaN;
        int cohort = 0;
        long seed = 1;
        Target target = null;
        double mic = 1;
        boolean suggest = false;
        Map<String, Double> overrides = new HashMap<>();
        for (ParametersParameterComponent p : parameters.getParameter()) {
            String name = p.getName() == null ? "" : p.getName();
            switch (name) {
                case "model" -> model = string(p.getValue(), "model");
                case "regimen" -> regimens.add(regimen(p, regimens.size() + 1));
                case "horizon" -> horizon = hours(p.getValue(), "horizon");
                case "outputStep" -> outputStep = hours(p.getValue(), "outputStep");
                case "cohortSize" -> cohort = integer(p.getValue(), "cohortSize");
                case "seed" -> seed = integer(p.getValue(), "seed");
                case "target" -> target = target(p);
                case "mic" -> mic = number(p.getValue(), "mic");
                case "suggestDose" -> suggest = bool(p.getValue(), "suggestDose");
                case "parameter" -> {
                    String key = null;
                    Double value = null;
                    for (ParametersParameterComponent part : p.getPart()) {
                        if ("name".equals(part.getName())) {
                            key = string(part.getValue(), "parameter.name");
                        } else if ("value".equals(part.getName())) {
                            value = number(part.getValue(), "parameter.value");
                        }
                    }
                    if (key == null || value == null || !(value > 0)) {
                        throw bad("PARAMETER", "a parameter needs a name and a positive value");
                    }
                    overrides.put(key, value);
                }
                default -> throw bad("UNKNOWN-PARAMETER", "unknown parameter " + name);
            }
        }
        if (model == null || model.isBlank()) {
            throw bad("MODEL", "the parameter model is required");
        }
        if (regimens.isEmpty() || regimens.size() > MAX_REGIMENS) {
            throw bad("REGIMEN", "between 1 and " + MAX_REGIMENS + " regimens are required");
        }
        if (!Double.isNaN(horizon) && !(horizon > 0 && horizon <= MAX_HORIZON_H)) {
            throw bad("HORIZON", "the horizon must be greater than 0 and at most 365 days");
        }
        if (!Double.isNaN(outputStep) && !(outputStep >= 0.25 && outputStep <= 24)) {
            throw bad("OUTPUT-STEP", "outputStep must be between 0.25 h and 24 h");
        }
        if (cohort < 0 || cohort > Cohort.MAX_SIZE) {
            throw bad("COHORT", "cohortSize must be between 0 and " + Cohort.MAX_SIZE);
        }
        if (!(mic > 0)) {
            throw bad("MIC", "mic must be positive");
        }
        for (Regimen regimen : regimens) {
            regimen.validate();
        }
        return new SimulationRequest(
                model, regimens, horizon, outputStep, cohort, seed, target, mic, suggest, overrides);
    }

    private static Regimen regimen(ParametersParameterComponent p, int index) {
        String label = null;
        String drug = null;
        Route route = null;
        double dose = Double.NaN;
        double interval = Double.NaN;
        int count = 0;
        double duration = Double.NaN;
        double infusion = 1;
        double loading = 0;
        boolean steadyState = false;
        double f = 1;
        double ka = 1;
        double lag = 0;
        List<Regimen.DoseChange> changes = new ArrayList<>();
        for (ParametersParameterComponent part : p.getPart()) {
            String name = part.getName() == null ? "" : part.getName();
            Type value = part.getValue();
            switch (name) {
                case "label" -> label = string(value, "regimen.label");
                case "drug" -> drug =
                        string(value, "regimen.drug").toLowerCase(Locale.ROOT).trim();
                case "route" -> {
                    String code = string(value, "regimen.route");
                    route = Route.fromCode(code)
                            .orElseThrow(
                                    () -> bad("ROUTE", "unknown route " + code + " (iv-bolus, iv-infusion, oral)"));
                }
                case "dose" -> dose = milligrams(value, "regimen.dose");
                case "interval" -> interval = hours(value, "regimen.interval");
                case "count" -> count = integer(value, "regimen.count");
                case "duration" -> duration = hours(value, "regimen.duration");
                case "infusionDuration" -> infusion = hours(value, "regimen.infusionDuration");
                case "loadingDose" -> loading = milligrams(value, "regimen.loadingDose");
                case "steadyState" -> steadyState = bool(value, "regimen.steadyState");
                case "bioavailability" -> f = number(value, "regimen.bioavailability");
                case "ka" -> ka = number(value, "regimen.ka");
                case "lag" -> lag = hours(value, "regimen.lag");
                case "change" -> {
                    double from = Double.NaN;
                    double amount = Double.NaN;
                    for (ParametersParameterComponent c : part.getPart()) {
                        if ("from".equals(c.getName())) {
                            from = hours(c.getValue(), "regimen.change.from");
                        } else if ("dose".equals(c.getName())) {
                            amount = milligrams(c.getValue(), "regimen.change.dose");
                        }
                    }
                    changes.add(new Regimen.DoseChange(from, amount));
                }
                default -> throw bad("UNKNOWN-PARAMETER", "unknown regimen part " + name);
            }
        }
        if (route == null) {
            throw bad("ROUTE", "regimen " + index + " needs a route");
        }
        if (Double.isNaN(dose)) {
            throw bad("DOSE", "regimen " + index + " needs a dose");
        }
        if (Double.isNaN(interval)) {
            throw bad("INTERVAL", "regimen " + index + " needs an interval");
        }
        if (!Double.isNaN(duration)) {
            if (count > 0) {
                throw bad("COUNT", "give either count or duration, not both");
            }
            if (!(duration > 0)) {
                throw bad("DURATION", "the duration must be positive");
            }
            count = Math.max(1, (int) Math.ceil(duration / interval - 1e-9));
        }
        drug = drug == null ? "drug" : drug;
        label = label == null ? "regimen " + index : label;
        return new Regimen(
                label,
                drug,
                route,
                dose,
                interval,
                count,
                route == Route.IV_INFUSION ? infusion : 0,
                loading,
                changes,
                steadyState,
                route == Route.ORAL ? new Absorption(f, ka, lag) : Absorption.NONE);
    }

    private static Target target(ParametersParameterComponent p) {
        String output = null;
        double low = Double.NEGATIVE_INFINITY;
        double high = Double.POSITIVE_INFINITY;
        double aim = Double.NaN;
        for (ParametersParameterComponent part : p.getPart()) {
            switch (part.getName() == null ? "" : part.getName()) {
                case "output" -> output = string(part.getValue(), "target.output");
                case "low" -> low = number(part.getValue(), "target.low");
                case "high" -> high = number(part.getValue(), "target.high");
                case "aim" -> aim = number(part.getValue(), "target.aim");
                default -> throw bad("UNKNOWN-PARAMETER", "unknown target part " + part.getName());
            }
        }
        if (output == null
                || !List.of("concentration", "inr", "sbp", "auc24", "auc24PerMic")
                        .contains(output)) {
            throw bad("TARGET", "target.output must be concentration, inr, sbp, auc24 or auc24PerMic");
        }
        if (low > high) {
            throw bad("TARGET", "target.low is above target.high");
        }
        return new Target(output, low, high, aim);
    }

    private static String string(Type value, String name) {
        if (value instanceof PrimitiveType<?> primitive && primitive.getValueAsString() != null) {
            return primitive.getValueAsString();
        }
        throw bad("TYPE", name + " must be a string or code");
    }

    private static double number(Type value, String name) {
        if (value instanceof DecimalType d && d.getValue() != null) {
            return d.getValue().doubleValue();
        }
        if (value instanceof IntegerType i && i.getValue() != null) {
            return i.getValue();
        }
        if (value instanceof Quantity q && q.hasValue()) {
            return q.getValue().doubleValue();
        }
        throw bad("TYPE", name + " must be a number");
    }

    private static int integer(Type value, String name) {
        if (value instanceof IntegerType i && i.getValue() != null) {
            return i.getValue();
        }
        throw bad("TYPE", name + " must be an integer");
    }

    private static boolean bool(Type value, String name) {
        if (value instanceof BooleanType b && b.getValue() != null) {
            return b.getValue();
        }
        throw bad("TYPE", name + " must be a boolean");
    }

    /** Hours from a Quantity in h, min, d or wk (UCUM), or from a bare number taken as hours. */
    static double hours(Type value, String name) {
        if (value instanceof Quantity q && q.hasValue()) {
            String unit = q.hasCode() ? q.getCode() : q.getUnit();
            double v = q.getValue().doubleValue();
            return switch (unit == null ? "h" : unit) {
                case "h", "hour", "hours" -> v;
                case "min" -> v / 60;
                case "d", "day", "days" -> v * 24;
                case "wk" -> v * 24 * 7;
                default -> throw bad("UNIT", name + ": unknown time unit " + unit + " (h, min, d, wk)");
            };
        }
        return number(value, name);
    }

    /** Milligrams from a Quantity in mg, g or ug (UCUM), or from a bare number taken as mg. */
    static double milligrams(Type value, String name) {
        if (value instanceof Quantity q && q.hasValue()) {
            String unit = q.hasCode() ? q.getCode() : q.getUnit();
            double v = q.getValue().doubleValue();
            return switch (unit == null ? "mg" : unit) {
                case "mg" -> v;
                case "g" -> v * 1000;
                case "ug" -> v / 1000;
                default -> throw bad("UNIT", name + ": unknown mass unit " + unit + " (mg, g, ug)");
            };
        }
        return number(value, name);
    }

    private static SimulationException bad(String code, String message) {
        return SimulationException.badRequest(code, message);
    }
}
