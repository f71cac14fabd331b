package io.patienttwin.simulation.model;

/**
 * One administration at an exact time.
 *
 * @param timeH hours from the start of the simulation (negative for the steady-state history)
 * @param amountMg the amount administered (before bioavailability)
 * @param route how it is given
 * @param durationH the infusion duration; 0 for bolus and oral doses
 */
public record Dose(double timeH, double amountMg, Route route, double durationH) {}
