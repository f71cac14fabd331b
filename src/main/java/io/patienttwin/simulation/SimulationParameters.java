package io.patienttwin.simulation;

import io.patienttwin.simulation.model.Cohort;
import io.patienttwin.simulation.model.DoseFinder;
import io.patienttwin.simulation.model.Metrics;
import io.patienttwin.simulation.model.ModelDefinition;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Simulator;
import io.patienttwin.simulation.model.Target;
import io.patienttwin.simulation.model.Warning;
import io.patienttwin.twin.Twin;
import io.patienttwin.twin.TwinInput;
import io.patienttwin.twin.TwinParameters;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.SampledData;
import org.hl7.fhir.r4.model.StringType;

/** Writes the answer of {@code $simulate} as Parameters (layout in docs/simulation.md). */
final class SimulationParameters {

    private SimulationParameters() {}

    /** One regimen's outcome. */
    record RegimenResult(
            Regimen regimen,
            double[] grid,
            int[] outputIndices,
            double stepH,
            Simulator.Run run,
            Cohort.Summary cohort,
            DoseFinder.Suggestion suggestion,
            List<Warning> warnings) {}

    static Parameters of(
            ModelDefinition model,
            Twin twin,
            List<TwinInput> used,
            double horizonH,
            Target target,
            SimulationRequest request,
            List<RegimenResult> results) {
        Parameters out = new Parameters();
        ParametersParameterComponent m = out.addParameter().setName("model");
        m.addPart().setName("id").setValue(new StringType(model.id()));
        m.addPart().setName("version").setValue(new StringType(model.version()));
        m.addPart().setName("title").setValue(new StringType(model.title()));
        m.addPart().setName("citation").setValue(new StringType(model.citation()));
        out.addParameter().setName("patient").setValue(new Reference("Patient/" + twin.patientId()));
        out.addParameter().setName("horizon").setValue(TwinParameters.quantity(horizonH, "h"));
        for (TwinInput input : used) {
            TwinParameters.addInput(out.addParameter().setName("input"), input);
        }
        if (target != null) {
            ParametersParameterComponent t = out.addParameter().setName("target");
            t.addPart().setName("output").setValue(new CodeType(target.output()));
            decimal(t, "low", target.low());
            decimal(t, "high", target.high());
            decimal(t, "aim", target.aim());
        }
        for (RegimenResult result : results) {
            result(out.addParameter().setName("result"), result, model, request);
        }
        return out;
    }

    private static void result(
            ParametersParameterComponent p, RegimenResult r, ModelDefinition model, SimulationRequest request) {
        Regimen regimen = r.regimen();
        p.addPart().setName("label").setValue(new StringType(regimen.label()));
        p.addPart().setName("drug").setValue(new StringType(regimen.drug()));
        p.addPart().setName("route").setValue(new CodeType(regimen.route().code()));
        p.addPart().setName("dose").setValue(TwinParameters.quantity(regimen.amountMg(), "mg"));
        p.addPart().setName("interval").setValue(TwinParameters.quantity(regimen.intervalH(), "h"));
        var trajectory = r.run().trajectory();
        if (trajectory.concentration() != null) {
            series(p, "concentration", pick(trajectory.concentration(), r.outputIndices()), r.stepH(), "mg/L");
        }
        if (trajectory.effect() != null) {
            String name = model.outputs().get(model.outputs().size() - 1).name();
            String unit = model.outputs().get(model.outputs().size() - 1).unit();
            series(p, name, pick(trajectory.effect(), r.outputIndices()), r.stepH(), unit);
        }
        Metrics metrics = r.run().metrics();
        ParametersParameterComponent mp = p.addPart().setName("metrics");
        quantity(mp, "cmax", metrics.cmax(), "mg/L");
        quantity(mp, "trough", metrics.trough(), "mg/L");
        quantity(mp, "auc24", metrics.auc24(), "mg.h/L");
        decimal(mp, "auc24PerMic", metrics.auc24PerMic());
        decimal(mp, "timeInTarget", metrics.timeInTarget());
        decimal(mp, "targetValue", metrics.targetValue());
        mp.addPart().setName("targetAttained").setValue(new BooleanType(metrics.attained()));
        for (int day = 0; day < metrics.byDay().size(); day++) {
            ParametersParameterComponent d = mp.addPart().setName("effectByDay");
            d.addPart().setName("day").setValue(new IntegerType(day));
            decimal(d, "value", metrics.byDay().get(day));
        }
        if (r.cohort() != null) {
            cohort(p.addPart().setName("cohort"), r.cohort(), r.stepH(), model);
        }
        if (r.suggestion() != null) {
            ParametersParameterComponent s = p.addPart().setName("doseSuggestion");
            DoseFinder.Suggestion suggestion = r.suggestion();
            s.addPart().setName("reachable").setValue(new BooleanType(suggestion.reachable()));
            quantity(s, "dose", suggestion.doseMg(), "mg");
            decimal(s, "achieved", suggestion.achieved());
            decimal(s, "aim", suggestion.aim());
            s.addPart().setName("method").setValue(new StringType(suggestion.message()));
        }
        for (Warning warning : r.warnings()) {
            ParametersParameterComponent w = p.addPart().setName("warning");
            w.addPart().setName("code").setValue(new CodeType(warning.code()));
            w.addPart().setName("severity").setValue(new CodeType(warning.severity()));
            w.addPart().setName("message").setValue(new StringType(warning.message()));
            w.addPart().setName("source").setValue(new StringType(warning.source()));
        }
    }

    private static void cohort(
            ParametersParameterComponent c, Cohort.Summary summary, double stepH, ModelDefinition model) {
        c.addPart().setName("size").setValue(new IntegerType(summary.size()));
        c.addPart().setName("seed").setValue(new DecimalType(summary.seed()));
        decimal(c, "attainment", summary.attainment());
        if (summary.concentration() != null) {
            band(c, "concentration", summary.concentration(), stepH, "mg/L");
        }
        if (summary.effect() != null) {
            ModelDefinition.Output output = model.outputs().get(model.outputs().size() - 1);
            band(c, output.name(), summary.effect(), stepH, output.unit());
        }
        summary.metrics().forEach((name, values) -> {
            ParametersParameterComponent m = c.addPart().setName("metric");
            m.addPart().setName("name").setValue(new CodeType(name));
            decimal(m, "p5", values[0]);
            decimal(m, "median", values[1]);
            decimal(m, "p95", values[2]);
        });
    }

    private static void band(ParametersParameterComponent c, String name, Cohort.Band band, double stepH, String unit) {
        ParametersParameterComponent b = c.addPart().setName("band");
        b.addPart().setName("output").setValue(new CodeType(name));
        b.addPart().setName("p5").setValue(sampled(band.p5(), stepH, unit));
        b.addPart().setName("median").setValue(sampled(band.median(), stepH, unit));
        b.addPart().setName("p95").setValue(sampled(band.p95(), stepH, unit));
    }

    private static void series(
            ParametersParameterComponent p, String name, double[] values, double stepH, String unit) {
        ParametersParameterComponent s = p.addPart().setName("series");
        s.addPart().setName("output").setValue(new CodeType(name));
        s.addPart().setName("data").setValue(sampled(values, stepH, unit));
    }

    /** Values every stepH hours from time 0, as SampledData (period in ms, six significant digits). */
    static SampledData sampled(double[] values, double stepH, String unit) {
        SampledData data = new SampledData();
        data.setOrigin(TwinParameters.quantity(0, unit));
        data.setPeriod(BigDecimal.valueOf(stepH * 3_600_000));
        data.setDimensions(1);
        StringBuilder text = new StringBuilder();
        for (double v : values) {
            if (text.length() > 0) {
                text.append(' ');
            }
            text.append(String.format(Locale.ROOT, "%.6g", v));
        }
        data.setData(text.toString());
        return data;
    }

    private static double[] pick(double[] values, int[] indices) {
        double[] picked = new double[indices.length];
        for (int i = 0; i < indices.length; i++) {
            picked[i] = values[indices[i]];
        }
        return picked;
    }

    private static void decimal(ParametersParameterComponent p, String name, double value) {
        if (Double.isFinite(value)) {
            p.addPart().setName(name).setValue(new DecimalType(BigDecimal.valueOf(value)));
        }
    }

    private static void quantity(ParametersParameterComponent p, String name, double value, String unit) {
        if (Double.isFinite(value)) {
            p.addPart().setName(name).setValue(TwinParameters.quantity(value, unit));
        }
    }
}
