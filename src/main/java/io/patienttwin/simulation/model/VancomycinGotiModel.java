package io.patienttwin.simulation.model;

import io.patienttwin.simulation.model.ModelDefinition.Output;
import io.patienttwin.simulation.model.ModelDefinition.Parameter;
import java.util.List;
import java.util.Map;

/**
 * Vancomycin in hospitalised adults with and without haemodialysis: the two-compartment population
 * model of Goti et al. 2018, solved in closed form, with the AUC24/MIC target 400–600 of the 2020
 * ASHP/IDSA/PIDS/SIDP consensus guideline (Rybak et al. 2020).
 */
public final class VancomycinGotiModel implements PkPdModel {

    public static final String ID = "vancomycin-goti-2018";

    private static final ModelDefinition DEFINITION = new ModelDefinition(
            ID,
            "2018.1",
            "Vancomycin two-compartment population PK (Goti 2018)",
            "Goti V, Chaturvedula A, Fossler MJ, Mok S, Jacob JT. Hospitalized patients with and without"
                    + " hemodialysis have markedly different vancomycin pharmacokinetics: a population"
                    + " pharmacokinetic model-based analysis. Ther Drug Monit 2018;40(2):212-221, Table 2 (final"
                    + " model), doi:10.1097/FTD.0000000000000490. Values checked against re-implementations citing"
                    + " Table 2, not against the paper; see docs/simulation.md. Target: Rybak MJ et al. Am J Health"
                    + " Syst Pharm 2020;77(11):835-864"
                    + " (AUC24/MIC 400-600, MIC 1 mg/L assumed unless given).",
            List.of(
                    // ω² = ln(1 + CV²) from the published CVs 39.8 %, 81.6 %, 57.1 % (convention unverified, see docs)
                    new Parameter("cl", 4.5, "L/h", 0.147, "clearance at CrCL 120 mL/min, no dialysis"),
                    new Parameter("v1", 58.4, "L", 0.5103, "central volume at 70 kg, no dialysis"),
                    new Parameter("q", 6.5, "L/h", 0, "intercompartmental clearance"),
                    new Parameter("v2", 38.4, "L", 0.2822, "peripheral volume"),
                    new Parameter("crclExponent", 0.8, "1", 0, "power of CrCL/120 on CL"),
                    new Parameter("dialysisOnCl", 0.7, "1", 0, "factor on CL with haemodialysis"),
                    new Parameter("dialysisOnV1", 0.5, "1", 0, "factor on V1 with haemodialysis")),
            List.of("weight", "crcl"),
            List.of(
                    "CL = 4.5 · (CrCL/120)^0.8 · 0.7^DIAL · e^η(CL)  [CrCL Cockcroft-Gault, total body weight]",
                    "V1 = 58.4 · (WT/70) · 0.5^DIAL · e^η(V1)",
                    "Q = 6.5; V2 = 38.4 · e^η(V2)"),
            List.of(new Output("concentration", "mg/L", "serum vancomycin concentration")),
            List.of("vancomycin"),
            List.of());

    @Override
    public ModelDefinition definition() {
        return DEFINITION;
    }

    @Override
    public PkPdModel.Parameters individual(Covariates covariates, double[] eta, Map<String, Double> overrides) {
        double crcl = covariates.require("crcl");
        double weight = covariates.require("weight");
        double dialysis = covariates.number("dialysis").orElse(0.0);
        double cl = 4.5 * Math.pow(crcl / 120, 0.8) * Math.pow(0.7, dialysis) * Math.exp(eta[0]);
        double v1 = 58.4 * (weight / 70) * Math.pow(0.5, dialysis) * Math.exp(eta[1]);
        double v2 = 38.4 * Math.exp(eta[2]);
        return new PkPdModel.Parameters(Map.of("cl", cl, "v1", v1, "q", 6.5, "v2", v2));
    }

    @Override
    public Trajectory simulate(PkPdModel.Parameters p, Regimen regimen, double[] times) {
        if (regimen.route() == Route.ORAL) {
            throw SimulationException.badRequest(
                    "ROUTE", "oral vancomycin is not absorbed; this model takes iv-infusion or iv-bolus");
        }
        LinearPk pk = LinearPk.twoCompartment(p.get("cl"), p.get("v1"), p.get("q"), p.get("v2"));
        return LinearModels.simulate(pk, regimen, Absorption.NONE, times);
    }

    @Override
    public Target defaultTarget() {
        return new Target("auc24PerMic", 400, 600, 500);
    }
}
