package io.patienttwin.simulation.model;

import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.hipparchus.ode.ODEState;
import org.hipparchus.ode.ODEStateAndDerivative;
import org.hipparchus.ode.OrdinaryDifferentialEquation;
import org.hipparchus.ode.nonstiff.DormandPrince853Integrator;
import org.hipparchus.ode.sampling.ODEStateInterpolator;
import org.hipparchus.ode.sampling.ODEStepHandler;

/**
 * Integrates a {@link DosedSystem} with Hipparchus' adaptive Dormand–Prince 8(5,3) method, piecewise
 * between dosing events: every dose time (plus the oral lag) and every infusion end is a segment
 * boundary, where instantaneous doses are added to the state and the infusion rate changes, so no
 * discontinuity lies inside a step. Output times are interpolated with the method's dense output.
 */
public final class OdeEngine {

    /** Relative tolerance of the adaptive steps. */
    public static final double RELATIVE_TOLERANCE = 1e-6;

    /** Absolute tolerance of the adaptive steps (state units: mg, fractions, mg·h/L). */
    public static final double ABSOLUTE_TOLERANCE = 1e-8;

    private OdeEngine() {}

    /**
     * The solution.
     *
     * @param states the state at each requested time (right-continuous: doses at that time included)
     * @param beforeEvents the state just before each event time (doses at that time not yet given)
     */
    public record Solution(double[][] states, TreeMap<Double, double[]> beforeEvents) {}

    /**
     * Solves from 0 to the last of {@code times} (sorted ascending, starting at or after 0).
     *
     * @param doses the doses in [0, horizon); a steady-state history is not supported here
     */
    public static Solution solve(DosedSystem system, List<Dose> doses, Absorption oral, double[] times) {
        double horizon = times[times.length - 1];
        TreeSet<Double> events = new TreeSet<>();
        for (Dose dose : doses) {
            double start = effectiveTime(dose, oral);
            if (start < horizon) {
                events.add(start);
            }
            if (dose.route() == Route.IV_INFUSION && dose.timeH() + dose.durationH() < horizon) {
                events.add(dose.timeH() + dose.durationH());
            }
        }
        events.add(horizon);
        double[][] states = new double[times.length][];
        TreeMap<Double, double[]> before = new TreeMap<>();
        double[] y = system.initialState();
        double t = 0;
        int next = 0;
        double[] rate = new double[1];
        OrdinaryDifferentialEquation ode = new OrdinaryDifferentialEquation() {
            @Override
            public int getDimension() {
                return system.dimension();
            }

            @Override
            public double[] computeDerivatives(double time, double[] state) {
                double[] dy = new double[state.length];
                system.derivatives(time, state, rate[0], dy);
                return dy;
            }
        };
        Sampler sampler = new Sampler(times, states);
        before.put(0.0, y.clone());
        administerAt(system, doses, oral, 0, y);
        for (double end : events) {
            if (end <= t) {
                continue;
            }
            rate[0] = infusionRate(doses, t);
            while (next < times.length && times[next] <= t) {
                states[next++] = y.clone();
            }
            sampler.segment(next, end);
            DormandPrince853Integrator integrator =
                    new DormandPrince853Integrator(1e-9, end - t, ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE);
            integrator.addStepHandler(sampler);
            ODEStateAndDerivative last = integrator.integrate(ode, new ODEState(t, y), end);
            y = last.getPrimaryState().clone();
            next = sampler.next;
            t = end;
            before.put(t, y.clone());
            if (t < horizon) {
                administerAt(system, doses, oral, t, y);
            }
        }
        while (next < times.length) {
            states[next++] = y.clone();
        }
        before.putIfAbsent(horizon, y.clone());
        return new Solution(states, before);
    }

    private static void administerAt(DosedSystem system, List<Dose> doses, Absorption oral, double t, double[] y) {
        for (Dose dose : doses) {
            if (dose.route() != Route.IV_INFUSION && effectiveTime(dose, oral) == t) {
                system.administer(dose, oral, y);
            }
        }
    }

    /** The effective start of a dose: oral doses start absorbing after the lag. */
    static double effectiveTime(Dose dose, Absorption oral) {
        return dose.route() == Route.ORAL ? dose.timeH() + oral.lagH() : dose.timeH();
    }

    private static double infusionRate(List<Dose> doses, double t) {
        double rate = 0;
        for (Dose dose : doses) {
            if (dose.route() == Route.IV_INFUSION && dose.timeH() <= t && t < dose.timeH() + dose.durationH()) {
                rate += dose.amountMg() / dose.durationH();
            }
        }
        return rate;
    }

    /** Records the requested times that fall strictly inside a segment from the dense output. */
    private static final class Sampler implements ODEStepHandler {
        private final double[] times;
        private final double[][] states;
        private int next;
        private double segmentEnd;

        Sampler(double[] times, double[][] states) {
            this.times = times;
            this.states = states;
        }

        void segment(int from, double end) {
            next = from;
            segmentEnd = end;
        }

        @Override
        public void handleStep(ODEStateInterpolator interpolator) {
            double current = interpolator.getCurrentState().getTime();
            while (next < times.length && times[next] < segmentEnd && times[next] <= current) {
                states[next] = interpolator.getInterpolatedState(times[next]).getPrimaryState();
                next++;
            }
        }
    }
}
