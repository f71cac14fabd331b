package io.patienttwin.simulation.model;

import org.hipparchus.analysis.UnivariateFunction;
import org.hipparchus.analysis.solvers.BrentSolver;
import org.hipparchus.exception.MathRuntimeException;

/**
 * Finds the maintenance dose that makes a target value (AUC24/MIC, INR or pressure at the horizon)
 * equal the target's aim, by Brent's method on the simulated value: the same simulation the answer
 * shows, no lookup table. The regimen's loading dose is kept; dose changes are dropped (one
 * maintenance dose is solved for).
 */
public final class DoseFinder {

    /** Relative accuracy of the dose. */
    static final double DOSE_ACCURACY = 1e-6;

    private DoseFinder() {}

    /**
     * @param reachable false when no dose in [low, high] reaches the aim; doseMg is then NaN
     * @param achieved the target value the suggested dose gives
     */
    public record Suggestion(boolean reachable, double doseMg, double achieved, double aim, String message) {}

    public static Suggestion suggest(
            PkPdModel model,
            PkPdModel.Parameters parameters,
            Regimen regimen,
            double[] grid,
            Target target,
            double mic,
            double lowMg,
            double highMg) {
        if (target == null || Double.isNaN(target.aim())) {
            return new Suggestion(false, Double.NaN, Double.NaN, Double.NaN, "no target value to aim for");
        }
        Regimen base = regimen.withChanges(java.util.List.of());
        UnivariateFunction gap =
                dose -> value(model, parameters, base.withAmount(dose), grid, target, mic) - target.aim();
        double gapLow = gap.value(lowMg);
        double gapHigh = gap.value(highMg);
        if (Double.isNaN(gapLow) || Double.isNaN(gapHigh)) {
            return new Suggestion(
                    false, Double.NaN, Double.NaN, target.aim(), "the target value is not defined for this horizon");
        }
        if (Math.signum(gapLow) == Math.signum(gapHigh)) {
            return new Suggestion(
                    false,
                    Double.NaN,
                    Double.NaN,
                    target.aim(),
                    "no maintenance dose between " + lowMg + " and " + highMg + " mg reaches " + target.output() + " "
                            + target.aim());
        }
        BrentSolver solver = new BrentSolver(1e-12, DOSE_ACCURACY * lowMg, 1e-10);
        double dose;
        try {
            dose = solver.solve(200, gap, lowMg, highMg);
        } catch (MathRuntimeException e) {
            return new Suggestion(false, Double.NaN, Double.NaN, target.aim(), "Brent's method did not converge");
        }
        double achieved = value(model, parameters, base.withAmount(dose), grid, target, mic);
        return new Suggestion(true, dose, achieved, target.aim(), "solved by Brent's method");
    }

    private static double value(
            PkPdModel model,
            PkPdModel.Parameters parameters,
            Regimen regimen,
            double[] grid,
            Target target,
            double mic) {
        return Simulator.run(model, parameters, regimen, grid, target, mic)
                .metrics()
                .targetValue();
    }
}
