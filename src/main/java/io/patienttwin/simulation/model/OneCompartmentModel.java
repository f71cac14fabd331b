package io.patienttwin.simulation.model;

import io.patienttwin.simulation.model.ModelDefinition.Output;
import io.patienttwin.simulation.model.ModelDefinition.Parameter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The generic linear one-compartment model (IV bolus, infusion, oral with F, ka and lag), solved in
 * closed form. Its parameters come from the request; the defaults are illustrative, not a drug.
 */
public final class OneCompartmentModel implements PkPdModel {

    public static final String ID = "one-compartment";

    private static final ModelDefinition DEFINITION = new ModelDefinition(
            ID,
            "1.0.0",
            "Generic linear one-compartment model",
            "Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics, 4th ed. 2011, chapters 3, 6"
                    + " and 11 (standard bolus, infusion, first-order absorption and superposition equations)."
                    + " No population values: the defaults below are illustrative and the request sets CL, V,"
                    + " and the regimen sets ka, F and lag.",
            List.of(
                    new Parameter("cl", 5, "L/h", 0.09, "clearance (illustrative default; ω² illustrative)"),
                    new Parameter("v", 50, "L", 0.04, "volume of distribution (illustrative default)")),
            List.of(),
            List.of("none: CL and V as given"),
            List.of(new Output("concentration", "mg/L", "central concentration")),
            List.of(),
            List.of());

    @Override
    public ModelDefinition definition() {
        return DEFINITION;
    }

    @Override
    public PkPdModel.Parameters individual(Covariates covariates, double[] eta, Map<String, Double> overrides) {
        Map<String, Double> values = new HashMap<>();
        for (Parameter p : DEFINITION.parameters()) {
            values.put(p.name(), overrides.getOrDefault(p.name(), p.typical()));
        }
        values.put("cl", values.get("cl") * Math.exp(eta[0]));
        values.put("v", values.get("v") * Math.exp(eta[1]));
        return new PkPdModel.Parameters(values);
    }

    @Override
    public Trajectory simulate(PkPdModel.Parameters p, Regimen regimen, double[] times) {
        LinearPk pk = LinearPk.oneCompartment(p.get("cl"), p.get("v"));
        Absorption oral = regimen.route() == Route.ORAL ? regimen.absorption() : Absorption.NONE;
        return LinearModels.simulate(pk, regimen, oral, times);
    }

    @Override
    public Target defaultTarget() {
        return null;
    }
}
