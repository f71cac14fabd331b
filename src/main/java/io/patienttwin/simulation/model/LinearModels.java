package io.patienttwin.simulation.model;

import java.util.List;

/** Shared simulation of the closed-form (linear) models over a grid. */
final class LinearModels {

    private LinearModels() {}

    static Trajectory simulate(LinearPk pk, Regimen regimen, Absorption oral, double[] times) {
        double horizon = times[times.length - 1];
        List<Dose> doses = regimen.doses(horizon);
        Dose history = regimen.steadyStateDose();
        double tau = regimen.intervalH();
        double[] c = new double[times.length];
        double[] auc = new double[times.length];
        for (int i = 0; i < times.length; i++) {
            c[i] = pk.concentration(doses, history, oral, tau, times[i]);
            auc[i] = pk.cumulativeAuc(doses, history, oral, tau, times[i]);
        }
        double trough = Double.NaN;
        if (doses.size() > 1 || (history != null && !doses.isEmpty())) {
            trough = pk.concentrationBefore(
                    doses, history, oral, tau, doses.get(doses.size() - 1).timeH());
        }
        return new Trajectory(times, c, null, auc, trough);
    }
}
