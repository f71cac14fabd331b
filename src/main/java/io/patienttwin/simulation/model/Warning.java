package io.patienttwin.simulation.model;

/**
 * A safety warning with its source.
 *
 * @param code stable code, e.g. {@code PT-SIM-WARN-INTERACTION}
 * @param severity {@code high}, {@code moderate} or {@code info}
 * @param source the citation the rule rests on, or the patient's resource it concerns
 */
public record Warning(String code, String severity, String message, String source) {}
