package io.patienttwin.simulation.model;

/**
 * A simulation request that cannot be answered: bad input (status 400) or a request that is well
 * formed but cannot be simulated for this patient, such as a missing required twin input (422). The
 * message starts with a stable code ({@code PT-SIM-400-…}, {@code PT-SIM-422-…}).
 */
public class SimulationException extends RuntimeException {

    private final int status;

    public SimulationException(int status, String code, String message) {
        super(code + ": " + message);
        this.status = status;
    }

    public static SimulationException badRequest(String code, String message) {
        return new SimulationException(400, "PT-SIM-400-" + code, message);
    }

    public static SimulationException unprocessable(String code, String message) {
        return new SimulationException(422, "PT-SIM-422-" + code, message);
    }

    public int status() {
        return status;
    }
}
