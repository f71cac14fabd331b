package io.patienttwin.simulation.model;

import io.patienttwin.simulation.model.ModelDefinition.Output;
import io.patienttwin.simulation.model.ModelDefinition.Parameter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Systolic blood pressure on one antihypertensive: the placebo-adjusted reduction at standard dose by
 * drug class from the meta-analysis of Law, Wald, Morris 2003, reached over time through a K-PD dose
 * compartment and a first-order pressure response. A chronic-disease model for comparing regimens,
 * not a drug PK model: see docs/simulation.md for the assumptions.
 *
 * <p>State: virtual dose amount A (mg), systolic pressure S (mm[Hg]).
 */
public final class BloodPressureLawModel implements PkPdModel {

    public static final String ID = "bp-law-2003";

    /** Drug class, placebo-adjusted SBP reduction at standard dose (mm[Hg]), standard daily dose (mg). */
    record Drug(String drugClass, double reductionMmHg, double standardDailyMg) {}

    static final Map<String, Drug> DRUGS = Map.of(
            "hydrochlorothiazide", new Drug("thiazide", 8.8, 25),
            "chlorthalidone", new Drug("thiazide", 8.8, 25),
            "atenolol", new Drug("beta-blocker", 9.2, 50),
            "metoprolol", new Drug("beta-blocker", 9.2, 100),
            "lisinopril", new Drug("ace-inhibitor", 8.5, 10),
            "ramipril", new Drug("ace-inhibitor", 8.5, 5),
            "enalapril", new Drug("ace-inhibitor", 8.5, 10),
            "losartan", new Drug("arb", 10.3, 50),
            "amlodipine", new Drug("calcium-channel-blocker", 8.8, 5));

    private static final ModelDefinition DEFINITION = new ModelDefinition(
            ID,
            "2003.1",
            "Systolic blood pressure response to one antihypertensive (Law 2003)",
            "Law MR, Wald NJ, Morris JK, Jordan RE. Value of low dose combination treatment with blood pressure"
                    + " lowering drugs: analysis of 354 randomised trials. BMJ 2003;326:1427 (SBP reduction"
                    + " by class at standard dose, pretreatment 154 mm Hg; half standard dose ~20% less effect)."
                    + " Time course and pressure dependence are this model's assumptions (docs/simulation.md).",
            List.of(
                    new Parameter("reduction", Double.NaN, "mm[Hg]", 0.09, "class reduction at standard dose"),
                    new Parameter("kde", Math.log(2) / 24, "/h", 0, "K-PD dose elimination (assumed t½ 24 h)"),
                    new Parameter("kResponse", Math.log(2) / (3.5 * 24), "/h", 0, "pressure response (t½ 3.5 d)"),
                    new Parameter("ed50", 1.0 / 3, "1", 0, "dose rate at half effect, per standard dose rate"),
                    new Parameter("pressureSlope", 0.011, "/mm[Hg]", 0, "relative effect per mm Hg above 154")),
            List.of("sbp"),
            List.of(
                    "DR = kde·A; x = DR / (standard daily dose / 24 h)",
                    "E = R·(4/3)·x/(1/3 + x) · (1 + 0.011·(SBP0 − 154)) · e^η  (E(1) = R, E(1/2) = 0.8·R)",
                    "dS/dt = kResponse·(SBP0 − E − S)"),
            List.of(new Output("sbp", "mm[Hg]", "systolic blood pressure")),
            List.copyOf(DRUGS.keySet()),
            List.of());

    @Override
    public ModelDefinition definition() {
        return DEFINITION;
    }

    @Override
    public PkPdModel.Parameters individual(Covariates covariates, double[] eta, Map<String, Double> overrides) {
        Map<String, Double> values = new HashMap<>();
        values.put("sbp0", covariates.require("sbp"));
        values.put("etaReduction", Math.exp(eta[0]));
        values.put("kde", DEFINITION.parameter("kde").typical());
        values.put("kResponse", DEFINITION.parameter("kResponse").typical());
        return new PkPdModel.Parameters(values);
    }

    @Override
    public Trajectory simulate(PkPdModel.Parameters p, Regimen regimen, double[] times) {
        Drug drug = DRUGS.get(regimen.drug());
        if (drug == null) {
            throw SimulationException.badRequest("DRUG", "no blood-pressure class known for " + regimen.drug());
        }
        if (regimen.steadyState()) {
            throw SimulationException.badRequest(
                    "STEADY-STATE", "steady state is computed in closed form only for linear models");
        }
        double sbp0 = p.get("sbp0");
        double reduction = drug.reductionMmHg() * (1 + 0.011 * (sbp0 - 154)) * p.get("etaReduction");
        double kde = p.get("kde");
        double kResponse = p.get("kResponse");
        double standardRate = drug.standardDailyMg() / 24;
        DosedSystem system = new DosedSystem() {
            @Override
            public int dimension() {
                return 2;
            }

            @Override
            public double[] initialState() {
                return new double[] {0, sbp0};
            }

            @Override
            public void derivatives(double t, double[] y, double infusion, double[] dy) {
                double x = kde * Math.max(y[0], 0) / standardRate;
                double effect = reduction * (4.0 / 3) * x / (1.0 / 3 + x);
                dy[0] = -kde * y[0] + infusion;
                dy[1] = kResponse * (sbp0 - effect - y[1]);
            }

            @Override
            public void administer(Dose dose, Absorption oral, double[] y) {
                y[0] += dose.amountMg();
            }
        };
        OdeEngine.Solution solution =
                OdeEngine.solve(system, regimen.doses(times[times.length - 1]), Absorption.NONE, times);
        double[] sbp = new double[times.length];
        for (int i = 0; i < times.length; i++) {
            sbp[i] = solution.states()[i][1];
        }
        return new Trajectory(times, null, sbp, null, Double.NaN);
    }

    @Override
    public Target defaultTarget() {
        return new Target("sbp", 90, 130, 130);
    }
}
