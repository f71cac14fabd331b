package io.patienttwin.twin;

import java.math.BigDecimal;
import java.util.Date;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;

/** Writes a {@link Twin} as the FHIR Parameters of {@code $twin} (layout in docs/simulation.md). */
public final class TwinParameters {

    public static final String UCUM = "http://unitsofmeasure.org";

    private TwinParameters() {}

    public static Parameters of(Twin twin) {
        Parameters parameters = new Parameters();
        parameters.addParameter().setName("patient").setValue(new Reference("Patient/" + twin.patientId()));
        parameters.addParameter().setName("asOf").setValue(new DateTimeType(Date.from(twin.asOf())));
        for (TwinInput input : twin.inputs().values()) {
            addInput(parameters.addParameter().setName("input"), input);
        }
        for (Series series : twin.series()) {
            ParametersParameterComponent p = parameters.addParameter().setName("series");
            p.addPart().setName("name").setValue(new org.hl7.fhir.r4.model.CodeType(series.name()));
            addInput(p.addPart().setName("latest"), series.latest());
            if (series.previous() != null) {
                addInput(p.addPart().setName("previous"), series.previous());
            }
            p.addPart().setName("trend").setValue(new org.hl7.fhir.r4.model.CodeType(series.trend()));
            p.addPart().setName("count").setValue(new org.hl7.fhir.r4.model.IntegerType(series.count()));
        }
        for (Twin.Coded condition : twin.conditions()) {
            ParametersParameterComponent p = parameters.addParameter().setName("condition");
            p.addPart().setName("code").setValue(new Coding(condition.system(), condition.code(), condition.display()));
            p.addPart().setName("source").setValue(new UriType(condition.source()));
        }
        for (Twin.Medication medication : twin.medications()) {
            ParametersParameterComponent p = parameters.addParameter().setName("medication");
            if (medication.ingredient() != null) {
                p.addPart().setName("ingredient").setValue(new StringType(medication.ingredient()));
            }
            p.addPart()
                    .setName("code")
                    .setValue(new Coding(medication.system(), medication.code(), medication.display()));
            p.addPart().setName("source").setValue(new UriType(medication.source()));
        }
        for (Twin.Allergy allergy : twin.allergies()) {
            ParametersParameterComponent p = parameters.addParameter().setName("allergy");
            p.addPart().setName("substance").setValue(new StringType(allergy.substance()));
            p.addPart().setName("source").setValue(new UriType(allergy.source()));
        }
        news2(parameters.addParameter().setName("news2"), News2.of(twin));
        for (String missing : twin.missing()) {
            parameters.addParameter().setName("missing").setValue(new org.hl7.fhir.r4.model.CodeType(missing));
        }
        return parameters;
    }

    /**
     * The NEWS2 score as parts: total, risk (low, low-medium, medium, high), complete (false: total and
     * risk are lower bounds), triggers, time, a "parameter" part per scored one (name, value, points,
     * time, source) and a "missing" code per missing one.
     */
    static void news2(ParametersParameterComponent p, News2.Score score) {
        p.addPart().setName("total").setValue(new org.hl7.fhir.r4.model.IntegerType(score.total()));
        p.addPart()
                .setName("risk")
                .setValue(new org.hl7.fhir.r4.model.CodeType(
                        score.risk().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')));
        p.addPart().setName("complete").setValue(new org.hl7.fhir.r4.model.BooleanType(score.complete()));
        p.addPart().setName("triggers").setValue(new org.hl7.fhir.r4.model.BooleanType(score.triggers()));
        if (score.time() != null) {
            p.addPart().setName("time").setValue(new DateTimeType(Date.from(score.time())));
        }
        for (News2.Scored scored : score.scored()) {
            ParametersParameterComponent part = p.addPart().setName("parameter");
            part.addPart()
                    .setName("name")
                    .setValue(new org.hl7.fhir.r4.model.CodeType(
                            scored.parameter().name().toLowerCase(java.util.Locale.ROOT)));
            part.addPart().setName("value").setValue(new StringType(scored.value()));
            part.addPart().setName("points").setValue(new org.hl7.fhir.r4.model.IntegerType(scored.points()));
            if (scored.time() != null) {
                part.addPart().setName("time").setValue(new DateTimeType(Date.from(scored.time())));
            }
            for (String source : scored.sources()) {
                part.addPart().setName("source").setValue(new UriType(source));
            }
        }
        for (News2.Parameter missing : score.missing()) {
            p.addPart()
                    .setName("missing")
                    .setValue(new org.hl7.fhir.r4.model.CodeType(missing.name().toLowerCase(java.util.Locale.ROOT)));
        }
    }

    /** An input as parts: name, value (Quantity in UCUM or string), time, method, source (versioned relative references as uri). */
    public static void addInput(ParametersParameterComponent p, TwinInput input) {
        p.addPart().setName("name").setValue(new org.hl7.fhir.r4.model.CodeType(input.name()));
        if (input.number() != null) {
            p.addPart().setName("value").setValue(quantity(input.number(), input.unit()));
        } else {
            p.addPart().setName("value").setValue(new StringType(input.code()));
        }
        if (input.time() != null) {
            p.addPart().setName("time").setValue(new DateTimeType(Date.from(input.time())));
        }
        if (input.method() != null) {
            p.addPart().setName("method").setValue(new StringType(input.method()));
        }
        for (String source : input.sources()) {
            // a versioned relative reference as a uri: HAPI strips versions from Reference values when encoding
            p.addPart().setName("source").setValue(new UriType(source));
        }
    }

    public static Quantity quantity(double value, String unit) {
        Quantity q = new Quantity();
        q.setValue(BigDecimal.valueOf(value));
        q.setUnit(unit);
        q.setSystem(UCUM);
        q.setCode(unit);
        return q;
    }
}
