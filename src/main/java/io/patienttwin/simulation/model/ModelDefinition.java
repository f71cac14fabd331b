package io.patienttwin.simulation.model;

import java.util.List;

/**
 * What a model is and where it comes from: id, version, citation (paper and table), parameters with
 * units and inter-individual variability, the twin inputs it requires, its covariate equations and
 * its outputs. Read by the registry, the FHIR answer and docs/simulation.md.
 *
 * @param drugs the ingredients a regimen of this model may name; empty for any (the generic model)
 * @param correlations correlations between the random effects of two parameters, as published; empty when
 *     the paper reports none (the random effects are then independent)
 */
public record ModelDefinition(
        String id,
        String version,
        String title,
        String citation,
        List<Parameter> parameters,
        List<String> requiredInputs,
        List<String> covariateEquations,
        List<Output> outputs,
        List<String> drugs,
        List<Correlation> correlations) {

    /**
     * A model parameter.
     *
     * @param omegaSquared variance of the log-normal random effect (η ~ N(0, ω²), P = θ·e^η); 0 for none
     */
    public record Parameter(String name, double typical, String unit, double omegaSquared, String description) {}

    /** A model output series. */
    public record Output(String name, String unit, String description) {}

    /** Correlation ρ between the random effects of two parameters. */
    public record Correlation(String first, String second, double rho) {}

    /** The parameters with a random effect, in definition order: the order of η vectors. */
    public List<Parameter> variable() {
        return parameters.stream().filter(p -> p.omegaSquared() > 0).toList();
    }

    public Parameter parameter(String name) {
        return parameters.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no parameter " + name + " in " + id));
    }
}
