package io.patienttwin.twin;

/**
 * A measured series of the twin (weight, creatinine, INR, …): the latest value, the previous one,
 * and the trend between them ({@code rising}/{@code falling} when they differ by more than
 * {@link #STABLE_FRACTION} of the previous value, else {@code stable}; {@code single} with one value).
 *
 * @param values every value of the series, oldest first (for trend charts)
 */
public record Series(
        String name, TwinInput latest, TwinInput previous, String trend, int count, java.util.List<TwinInput> values) {

    public Series {
        values = java.util.List.copyOf(values);
    }

    public static final double STABLE_FRACTION = 0.05;

    static Series of(String name, java.util.List<TwinInput> newestFirst) {
        TwinInput latest = newestFirst.get(0);
        TwinInput previous = newestFirst.size() > 1 ? newestFirst.get(1) : null;
        String trend = "single";
        if (previous != null) {
            double change = latest.number() - previous.number();
            double scale = Math.abs(previous.number());
            trend = Math.abs(change) <= STABLE_FRACTION * scale ? "stable" : change > 0 ? "rising" : "falling";
        }
        java.util.List<TwinInput> oldestFirst = new java.util.ArrayList<>(newestFirst);
        java.util.Collections.reverse(oldestFirst);
        return new Series(name, latest, previous, trend, newestFirst.size(), oldestFirst);
    }
}
