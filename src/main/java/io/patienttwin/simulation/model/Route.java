package io.patienttwin.simulation.model;

/** How a dose enters the body. */
public enum Route {
    /** Instantaneous input into the central compartment. */
    IV_BOLUS("iv-bolus"),
    /** Zero-order input into the central compartment over a given duration. */
    IV_INFUSION("iv-infusion"),
    /** First-order absorption from a depot, with bioavailability and lag time. */
    ORAL("oral");

    private final String code;

    Route(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The route for a code ({@code iv-bolus}, {@code iv-infusion}, {@code oral}); empty if unknown. */
    public static java.util.Optional<Route> fromCode(String code) {
        for (Route route : values()) {
            if (route.code.equalsIgnoreCase(code)) {
                return java.util.Optional.of(route);
            }
        }
        return java.util.Optional.empty();
    }
}
