package io.patienttwin.simulation.model;

/**
 * A system of ODEs that receives doses, for {@link OdeEngine}. Implementations are small value
 * objects built per simulated subject; they must be side-effect free apart from writing the arrays
 * they are given.
 */
public interface DosedSystem {

    int dimension();

    /** The state at time 0, before any dose. */
    double[] initialState();

    /**
     * Writes dy/dt into {@code dy}.
     *
     * @param infusionMgPerH the zero-order input into the central compartment during this segment
     */
    void derivatives(double t, double[] y, double infusionMgPerH, double[] dy);

    /** Adds an instantaneous dose to the state: a bolus to the central compartment, an oral dose (F·D) to the depot. */
    void administer(Dose dose, Absorption oral, double[] y);
}
