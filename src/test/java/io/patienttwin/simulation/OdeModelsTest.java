package io.patienttwin.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.patienttwin.simulation.model.Absorption;
import io.patienttwin.simulation.model.BloodPressureLawModel;
import io.patienttwin.simulation.model.Covariates;
import io.patienttwin.simulation.model.Dose;
import io.patienttwin.simulation.model.DosedSystem;
import io.patienttwin.simulation.model.Grid;
import io.patienttwin.simulation.model.LinearPk;
import io.patienttwin.simulation.model.OdeEngine;
import io.patienttwin.simulation.model.PkPdModel;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import io.patienttwin.simulation.model.Simulator;
import io.patienttwin.simulation.model.Trajectory;
import io.patienttwin.simulation.model.WarfarinHambergModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The adaptive-ODE models against an independent fixed-step classical Runge–Kutta integrator written
 * here from the published equations (not from the production classes), to 1e-3 relative.
 */
class OdeModelsTest {

    static final double H = 0.005; // RK4 step (h); doses fall on step boundaries

    interface Rhs {
        void f(double[] y, double[] dy);
    }

    /** Classical RK4 from 0 to {@code days}·24 h with an oral dose added to y[0] every 24 h; state each day. */
    static double[][] rk4Daily(Rhs rhs, double[] y0, double doseToDepot, int days) {
        int perDay = (int) Math.round(24 / H);
        double[] y = y0.clone();
        double[][] daily = new double[days + 1][];
        int n = y.length;
        double[] k1 = new double[n], k2 = new double[n], k3 = new double[n], k4 = new double[n], tmp = new double[n];
        for (int day = 0; day < days; day++) {
            y[0] += doseToDepot;
            if (day == 0) {
                daily[0] = y.clone();
            }
            for (int step = 0; step < perDay; step++) {
                rhs.f(y, k1);
                for (int i = 0; i < n; i++) tmp[i] = y[i] + H / 2 * k1[i];
                rhs.f(tmp, k2);
                for (int i = 0; i < n; i++) tmp[i] = y[i] + H / 2 * k2[i];
                rhs.f(tmp, k3);
                for (int i = 0; i < n; i++) tmp[i] = y[i] + H * k3[i];
                rhs.f(tmp, k4);
                for (int i = 0; i < n; i++) y[i] += H / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
            daily[day + 1] = y.clone();
        }
        return daily;
    }

    @Test
    void warfarinCovariateEquationsGiveTheGenotypeAndAgeAdjustedParameters() {
        WarfarinHambergModel model = new WarfarinHambergModel();
        PkPdModel.Parameters p = Simulator.typical(
                model, new Covariates(Map.of("age", 80.0), Map.of("cyp2c9", "*1/*3", "vkorc1", "A/G")), Map.of());
        assertThat(p.get("cl")).isCloseTo((0.174 + 0.0422) * (1 - 0.00571 * (80 - 71)), within(1e-12));
        assertThat(p.get("ec50")).isCloseTo(2.05 + 0.96, within(1e-12));
        assertThat(p.get("v")).isEqualTo(14.3);
    }

    @Test
    void warfarinConcentrationAndInrMatchAFixedStepRungeKutta() {
        WarfarinHambergModel model = new WarfarinHambergModel();
        double age = 67;
        double cl = (0.174 + 0.0879) * (1 - 0.00571 * (age - 71));
        double v = 14.3;
        double ec50 = 2.05 + 2.05;
        double gamma = 1.15;
        double k1 = 3 / 28.6;
        double k2 = 3 / 118.3;
        Rhs rhs = (y, dy) -> {
            double c = y[1] / v;
            double e = Math.pow(c, gamma) / (Math.pow(ec50, gamma) + Math.pow(c, gamma));
            dy[0] = -2 * y[0];
            dy[1] = 2 * y[0] - cl / v * y[1];
            dy[2] = k1 * (1 - e) - k1 * y[2];
            dy[3] = k1 * (y[2] - y[3]);
            dy[4] = k1 * (y[3] - y[4]);
            dy[5] = k2 * (1 - e) - k2 * y[5];
            dy[6] = k2 * (y[5] - y[6]);
            dy[7] = k2 * (y[6] - y[7]);
        };
        int days = 14;
        double dailyDose = 7.5;
        double[][] reference = rk4Daily(rhs, new double[] {0, 0, 1, 1, 1, 1, 1, 1}, 0.5 * dailyDose, days);

        Regimen regimen = Regimen.every("warfarin", Route.ORAL, dailyDose, 24);
        PkPdModel.Parameters p = Simulator.typical(
                model, new Covariates(Map.of("age", age), Map.of("cyp2c9", "*1/*2", "vkorc1", "G/G")), Map.of());
        double[] grid = Grid.of(regimen, days * 24, 4);
        Trajectory trajectory = model.simulate(p, regimen, grid);

        for (int day = 1; day <= days; day++) {
            int i = Grid.indexOf(grid, day * 24.0);
            double[] y = reference[day];
            double expectedC = y[1] / v;
            // Hamberg 2010 INR link: the mean of the two chains' last compartments, no exponent
            double expectedInr = 1 + 20 * (1 - (y[4] + y[7]) / 2);
            // the grid value at a dose time is after that dose: concentration is continuous for oral doses
            assertThat(trajectory.concentration()[i]).isCloseTo(expectedC, within(1e-3 * expectedC));
            assertThat(trajectory.effect()[i]).isCloseTo(expectedInr, within(1e-3 * expectedInr));
        }
        assertThat(trajectory.effect()[Grid.indexOf(grid, days * 24.0)]).isGreaterThan(1.5);
    }

    @Test
    void bloodPressureModelMatchesAFixedStepRungeKutta() {
        BloodPressureLawModel model = new BloodPressureLawModel();
        double sbp0 = 160;
        double reduction = 8.5 * (1 + 0.011 * (sbp0 - 154)); // ACE inhibitor, Law 2003
        double kde = Math.log(2) / 24;
        double kr = Math.log(2) / (3.5 * 24);
        double standardRate = 10.0 / 24; // lisinopril 10 mg/day
        Rhs rhs = (y, dy) -> {
            double x = kde * y[0] / standardRate;
            double e = reduction * (4.0 / 3) * x / (1.0 / 3 + x);
            dy[0] = -kde * y[0];
            dy[1] = kr * (sbp0 - e - y[1]);
        };
        int days = 21;
        double[][] reference = rk4Daily(rhs, new double[] {0, sbp0}, 20, days);
        Regimen regimen = Regimen.every("lisinopril", Route.ORAL, 20, 24);
        PkPdModel.Parameters p = Simulator.typical(model, new Covariates(Map.of("sbp", sbp0), Map.of()), Map.of());
        double[] grid = Grid.of(regimen, days * 24, 24);
        Trajectory trajectory = model.simulate(p, regimen, grid);
        for (int day = 1; day <= days; day++) {
            double expected = reference[day][1];
            assertThat(trajectory.effect()[Grid.indexOf(grid, day * 24.0)])
                    .isCloseTo(expected, within(1e-3 * expected));
        }
        // a double standard dose lowers pressure by more than the standard reduction, less than 4/3 of it
        double drop = sbp0 - trajectory.effect()[grid.length - 1];
        assertThat(drop).isBetween(reduction, reduction * 4 / 3);
    }

    @Test
    void odeEngineReproducesTheClosedFormThroughInfusionsAndBoluses() {
        double cl = 3;
        double v = 30;
        DosedSystem linear = new DosedSystem() {
            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double[] initialState() {
                return new double[1];
            }

            @Override
            public void derivatives(double t, double[] y, double infusion, double[] dy) {
                dy[0] = infusion - cl / v * y[0];
            }

            @Override
            public void administer(Dose dose, Absorption oral, double[] y) {
                y[0] += dose.amountMg();
            }
        };
        List<Dose> doses = List.of(
                new Dose(0, 500, Route.IV_INFUSION, 1.5),
                new Dose(8, 200, Route.IV_BOLUS, 0),
                new Dose(12, 500, Route.IV_INFUSION, 1.5));
        double[] times = {0, 0.75, 1.5, 5, 8, 9.2, 12.5, 20};
        OdeEngine.Solution solution = OdeEngine.solve(linear, doses, Absorption.NONE, times);
        LinearPk pk = LinearPk.oneCompartment(cl, v);
        for (int i = 0; i < times.length; i++) {
            double expected = pk.concentration(doses, null, Absorption.NONE, 12, times[i]);
            assertThat(solution.states()[i][0] / v).isCloseTo(expected, within(1e-6 * expected + 1e-12));
        }
        assertThat(solution.beforeEvents().get(8.0)[0] / v)
                .isCloseTo(pk.concentrationBefore(doses, null, Absorption.NONE, 12, 8), within(1e-6));
    }
}
