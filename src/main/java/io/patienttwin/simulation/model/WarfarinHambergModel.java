package io.patienttwin.simulation.model;

import io.patienttwin.simulation.model.ModelDefinition.Output;
import io.patienttwin.simulation.model.ModelDefinition.Parameter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Warfarin (Hamberg et al. 2010): S-warfarin one-compartment PK with first-order absorption, clearance
 * summed over the two CYP2C9 alleles and decreasing with age; a sigmoid Emax inhibition with EC50 summed
 * over the two VKORC1 -1639 alleles; two parallel chains of three transit compartments (clotting-factor
 * turnover) whose mean drives the INR. The PK is linear and solved in closed form; the nonlinear PD is
 * integrated with {@link OdeEngine}. The 2010 paper itself could not be read here: the values and the INR
 * link follow open re-implementations that cite its Tables 2 and 4 (see docs/simulation.md).
 */
public final class WarfarinHambergModel implements PkPdModel {

    public static final String ID = "warfarin-hamberg-2010";

    static final int TRANSITS = 3;
    static final int CHAIN1 = 0;
    static final int CHAIN2 = TRANSITS;

    private static final Map<String, Double> CL_PER_ALLELE = Map.of("*1", 0.174, "*2", 0.0879, "*3", 0.0422);
    private static final Map<Character, Double> EC50_PER_ALLELE = Map.of('G', 2.05, 'A', 0.96);

    private static final ModelDefinition DEFINITION = new ModelDefinition(
            ID,
            "2010.2",
            "Warfarin PK/PD with CYP2C9, VKORC1 and age (Hamberg 2010)",
            "Hamberg AK, Wadelius M, Lindh JD, Dahl ML, Padrini R, Deloukas P, Rane A, Jonsson EN. A"
                    + " pharmacometric model describing the relationship between warfarin dose and INR response"
                    + " with respect to variations in CYP2C9, VKORC1, and age. Clin Pharmacol Ther"
                    + " 2010;87(6):727-734 (PK Table 2, PD Table 4). Not checked against the paper: values and"
                    + " INR link as reproduced in open re-implementations citing those tables; see"
                    + " docs/simulation.md for what is and is not verified.",
            List.of(
                    new Parameter("clAllele1", 0.174, "L/h", 0, "S-warfarin CL contributed per CYP2C9*1 allele"),
                    new Parameter("clAllele2", 0.0879, "L/h", 0, "per CYP2C9*2 allele"),
                    new Parameter("clAllele3", 0.0422, "L/h", 0, "per CYP2C9*3 allele"),
                    new Parameter("ageOnCl", 0.00571, "/a", 0, "fractional CL decrease per year above 71"),
                    new Parameter("cl", Double.NaN, "L/h", 0.089, "individual S-warfarin CL (covariates · e^η)"),
                    new Parameter("v", 14.3, "L", 0.054, "S-warfarin volume"),
                    new Parameter("ka", 2, "/h", 0, "absorption rate constant (fixed)"),
                    new Parameter("sFraction", 0.5, "1", 0, "S-enantiomer fraction of racemic dose (F = 1)"),
                    new Parameter("ec50", Double.NaN, "mg/L", 0.34, "EC50 = sum over VKORC1 alleles (G 2.05, A 0.96)"),
                    new Parameter("emax", 1, "1", 0, "maximal inhibition"),
                    new Parameter("gamma", 1.15, "1", 0, "Hill coefficient"),
                    new Parameter("mtt1", 28.6, "h", 0, "mean transit time, chain 1"),
                    new Parameter("mtt2", 118.3, "h", 0, "mean transit time, chain 2"),
                    new Parameter("inrMax", 20, "{INR}", 0, "maximal INR increase"),
                    new Parameter("baseInr", 1, "{INR}", 0, "baseline INR")),
            List.of("age", "cyp2c9", "vkorc1"),
            List.of(
                    "CL = (CL_allele1 + CL_allele2) · (1 − 0.00571 · (age − 71)) · e^η(CL)",
                    "EC50 = EC50_allele1 + EC50_allele2 (G 2.05, A 0.96 mg/L) · e^η(EC50)",
                    "E = Emax·C^γ/(EC50^γ + C^γ); dA1/dt = ktr·(1 − E − A1), dAi/dt = ktr·(A(i−1) − Ai), ktr = 3/MTT",
                    "INR = BASE + INRmax · (1 − (A3 + A6)/2)"),
            List.of(
                    new Output("concentration", "mg/L", "S-warfarin plasma concentration"),
                    new Output("inr", "{INR}", "international normalised ratio")),
            List.of("warfarin"),
            List.of());

    @Override
    public ModelDefinition definition() {
        return DEFINITION;
    }

    @Override
    public PkPdModel.Parameters individual(Covariates covariates, double[] eta, Map<String, Double> overrides) {
        double age = covariates.require("age");
        String cyp = covariates.code("cyp2c9").orElseThrow(() -> missing("cyp2c9"));
        String vkorc1 = covariates.code("vkorc1").orElseThrow(() -> missing("vkorc1"));
        double clGenotype = 0;
        for (String allele : alleles(cyp, "cyp2c9")) {
            Double per = CL_PER_ALLELE.get(allele);
            if (per == null) {
                throw SimulationException.unprocessable(
                        "GENOTYPE", "CYP2C9 allele " + allele + " has no clearance in the model (only *1, *2, *3)");
            }
            clGenotype += per;
        }
        double ec50 = 0;
        for (String allele : alleles(vkorc1, "vkorc1")) {
            Double per = allele.length() == 1 ? EC50_PER_ALLELE.get(allele.charAt(0)) : null;
            if (per == null) {
                throw SimulationException.unprocessable("GENOTYPE", "VKORC1 -1639 allele " + allele + " is not G or A");
            }
            ec50 += per;
        }
        Map<String, Double> values = new HashMap<>();
        values.put("cl", clGenotype * (1 - 0.00571 * (age - 71)) * Math.exp(eta[0]));
        values.put("v", 14.3 * Math.exp(eta[1]));
        values.put("ec50", ec50 * Math.exp(eta[2]));
        for (String fixed : List.of("ka", "sFraction", "emax", "gamma", "mtt1", "mtt2", "inrMax")) {
            values.put(fixed, DEFINITION.parameter(fixed).typical());
        }
        values.put("baseInr", overrides.getOrDefault("baseInr", 1.0));
        return new PkPdModel.Parameters(values);
    }

    /** Splits "*1/*3", "G/A", "GA" into two alleles. */
    static List<String> alleles(String genotype, String gene) {
        String g = genotype.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        String[] parts = g.contains("/")
                ? g.split("/")
                : g.length() == 2 ? new String[] {g.substring(0, 1), g.substring(1)} : new String[0];
        if (parts.length != 2) {
            throw SimulationException.unprocessable("GENOTYPE", "cannot read the " + gene + " genotype " + genotype);
        }
        return List.of(parts[0], parts[1]);
    }

    private static SimulationException missing(String input) {
        return SimulationException.unprocessable("MISSING-INPUT", "the model needs the twin input " + input);
    }

    @Override
    public Trajectory simulate(PkPdModel.Parameters p, Regimen regimen, double[] times) {
        if (regimen.route() != Route.ORAL) {
            throw SimulationException.badRequest("ROUTE", "this warfarin model takes oral doses only");
        }
        if (regimen.steadyState()) {
            throw SimulationException.badRequest(
                    "STEADY-STATE", "steady state is computed in closed form only for linear models");
        }
        double horizon = times[times.length - 1];
        List<Dose> doses = regimen.doses(horizon);
        double sFraction = p.get("sFraction");
        // PK in closed form (exact concentration, AUC and trough); only the nonlinear PD is integrated
        double[][] pk =
                OralPkSweep.sweep(new OralPkSweep(p.get("cl"), p.get("v"), p.get("ka"), sFraction), doses, times);
        Dynamics system = new Dynamics(p);
        OdeEngine.Solution solution = OdeEngine.solve(system, doses, new Absorption(sFraction, p.get("ka"), 0), times);
        double[] inr = new double[times.length];
        for (int i = 0; i < times.length; i++) {
            inr[i] = system.inr(solution.states()[i]);
        }
        double[] c = pk[0];
        double[] auc = pk[1];
        double trough = pk[2][0];
        return new Trajectory(times, c, inr, auc, trough);
    }

    @Override
    public Target defaultTarget() {
        return new Target("inr", 2, 3, 2.5);
    }

    /**
     * The PD system of one subject: two chains of transit compartments driven by the inhibition of the
     * S-warfarin concentration, which comes from the closed form (its own {@link OralPkSweep}, advanced
     * as the engine gives doses). State: chain 1 (3), chain 2 (3).
     */
    static final class Dynamics implements DosedSystem {
        final double ec50Gamma;
        final double gamma;
        final double emax;
        final double k1;
        final double k2;
        final double inrMax;
        final double base;
        final OralPkSweep pk;

        Dynamics(PkPdModel.Parameters p) {
            gamma = p.get("gamma");
            ec50Gamma = Math.pow(p.get("ec50"), gamma);
            emax = p.get("emax");
            k1 = TRANSITS / p.get("mtt1");
            k2 = TRANSITS / p.get("mtt2");
            inrMax = p.get("inrMax");
            base = p.get("baseInr");
            pk = new OralPkSweep(p.get("cl"), p.get("v"), p.get("ka"), p.get("sFraction"));
        }

        @Override
        public int dimension() {
            return 2 * TRANSITS;
        }

        @Override
        public double[] initialState() {
            double[] y = new double[2 * TRANSITS];
            java.util.Arrays.fill(y, 1);
            return y;
        }

        @Override
        public void derivatives(double t, double[] y, double infusion, double[] dy) {
            double cg = Math.pow(pk.concentration(t), gamma);
            double inhibition = emax * cg / (ec50Gamma + cg);
            dy[CHAIN1] = k1 * (1 - inhibition - y[CHAIN1]);
            dy[CHAIN2] = k2 * (1 - inhibition - y[CHAIN2]);
            for (int i = 1; i < TRANSITS; i++) {
                dy[CHAIN1 + i] = k1 * (y[CHAIN1 + i - 1] - y[CHAIN1 + i]);
                dy[CHAIN2 + i] = k2 * (y[CHAIN2 + i - 1] - y[CHAIN2 + i]);
            }
        }

        @Override
        public void administer(Dose dose, Absorption oral, double[] y) {
            // the S-fraction is the sweep's bioavailability
            pk.dose(dose.timeH(), dose.amountMg());
        }

        /** INR = BASE + INRmax · (1 − (A3 + A6)/2): the mean of the two chains' last compartments. */
        double inr(double[] y) {
            double mean = (y[CHAIN1 + TRANSITS - 1] + y[CHAIN2 + TRANSITS - 1]) / 2;
            return base + inrMax * (1 - mean);
        }
    }
}
