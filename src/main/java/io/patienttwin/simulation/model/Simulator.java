package io.patienttwin.simulation.model;

import java.util.Map;

/** Runs one regimen for one subject and summarises it. Stateless. */
public final class Simulator {

    private Simulator() {}

    /** A simulated trajectory with its metrics. */
    public record Run(Trajectory trajectory, Metrics metrics) {}

    public static Run run(
            PkPdModel model,
            PkPdModel.Parameters parameters,
            Regimen regimen,
            double[] grid,
            Target target,
            double mic) {
        Trajectory trajectory = model.simulate(parameters, regimen, grid);
        return new Run(trajectory, Metrics.of(trajectory, target, mic));
    }

    /** The typical patient: every random effect zero. */
    public static PkPdModel.Parameters typical(PkPdModel model, Covariates covariates, Map<String, Double> overrides) {
        return model.individual(
                covariates, new double[model.definition().variable().size()], overrides);
    }
}
