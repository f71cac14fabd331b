package io.patienttwin.simulation.model;

/**
 * A pharmacokinetic/pharmacodynamic model of the registry. Implementations are stateless and
 * thread-safe; a simulation never mutates them.
 */
public interface PkPdModel {

    ModelDefinition definition();

    /**
     * Individual parameters for a patient: the typical values through the covariate equations, times
     * e^η for the parameters with a random effect.
     *
     * @param eta one random effect per {@link ModelDefinition#variable()} parameter, in that order;
     *     all zeros for the typical patient
     * @param overrides parameter values given in the request (the generic model's CL, V, …); may be empty
     */
    Parameters individual(Covariates covariates, double[] eta, java.util.Map<String, Double> overrides);

    /** Simulates a regimen over the grid (sorted, from 0 to the horizon). */
    Trajectory simulate(Parameters parameters, Regimen regimen, double[] times);

    /** The default target of this model, or null. */
    Target defaultTarget();

    /** Individual parameter values by name. */
    record Parameters(java.util.Map<String, Double> values) {
        public double get(String name) {
            Double value = values.get(name);
            if (value == null) {
                throw new IllegalStateException("parameter " + name + " missing");
            }
            return value;
        }
    }
}
