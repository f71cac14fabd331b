package io.patienttwin.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.patienttwin.simulation.model.Absorption;
import io.patienttwin.simulation.model.Dose;
import io.patienttwin.simulation.model.LinearPk;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Closed forms against hand-written textbook formulas, to 1e-6 relative. */
class LinearPkTest {

    static final double CL = 4.0; // L/h
    static final double V = 40.0; // L
    static final double K = CL / V;
    static final double REL = 1e-6;

    private static final LinearPk ONE = LinearPk.oneCompartment(CL, V);

    static void assertRelative(double actual, double expected) {
        assertThat(actual).isCloseTo(expected, within(Math.abs(expected) * REL + 1e-12));
    }

    @Test
    void bolusDecaysMonoexponentiallyFromDoseOverVolume() {
        List<Dose> doses = List.of(new Dose(0, 500, Route.IV_BOLUS, 0));
        for (double t : new double[] {0, 0.5, 3, 12, 47.25}) {
            assertRelative(ONE.concentration(doses, null, Absorption.NONE, 12, t), 500 / V * Math.exp(-K * t));
            assertRelative(ONE.cumulativeAuc(doses, null, Absorption.NONE, 12, t), 500 / CL * (1 - Math.exp(-K * t)));
        }
    }

    @Test
    void infusionRisesDuringAndDecaysAfterTheInfusion() {
        double dose = 1000;
        double tInf = 2;
        double rate = dose / tInf;
        List<Dose> doses = List.of(new Dose(1, dose, Route.IV_INFUSION, tInf));
        assertThat(ONE.concentration(doses, null, Absorption.NONE, 24, 0.5)).isZero();
        double during = 1.7 - 1;
        assertRelative(
                ONE.concentration(doses, null, Absorption.NONE, 24, 1.7), rate / CL * (1 - Math.exp(-K * during)));
        double end = rate / CL * (1 - Math.exp(-K * tInf));
        assertRelative(ONE.concentration(doses, null, Absorption.NONE, 24, 3), end);
        assertRelative(ONE.concentration(doses, null, Absorption.NONE, 24, 10), end * Math.exp(-K * 7));
        // the whole AUC of any single dose is dose / CL
        assertRelative(ONE.cumulativeAuc(doses, null, Absorption.NONE, 24, 1000), dose / CL);
    }

    @Test
    void oralDoseFollowsTheBatemanFunctionWithBioavailability() {
        double f = 0.8;
        double ka = 1.3;
        Absorption oral = new Absorption(f, ka, 0);
        List<Dose> doses = List.of(new Dose(0, 200, Route.ORAL, 0));
        for (double t : new double[] {0.25, 1, 4, 30}) {
            double expected = f * 200 * ka / (V * (ka - K)) * (Math.exp(-K * t) - Math.exp(-ka * t));
            assertRelative(ONE.concentration(doses, null, oral, 24, t), expected);
        }
        assertRelative(ONE.cumulativeAuc(doses, null, oral, 24, 2000), f * 200 / CL);
    }

    @Test
    void lagTimeShiftsTheOralProfileAndNothingIsAbsorbedBeforeIt() {
        Absorption oral = new Absorption(1, 0.9, 0.75);
        List<Dose> doses = List.of(new Dose(2, 100, Route.ORAL, 0));
        assertThat(ONE.concentration(doses, null, oral, 24, 2.5)).isZero();
        double t = 6 - 2 - 0.75;
        double expected = 100 * 0.9 / (V * (0.9 - K)) * (Math.exp(-K * t) - Math.exp(-0.9 * t));
        assertRelative(ONE.concentration(doses, null, oral, 24, 6), expected);
    }

    @Test
    void oralWithKaEqualToKUsesTheLimitOfTheBatemanFunction() {
        Absorption oral = new Absorption(1, K, 0);
        List<Dose> doses = List.of(new Dose(0, 100, Route.ORAL, 0));
        double t = 5;
        assertRelative(ONE.concentration(doses, null, oral, 24, t), 100 * K * t * Math.exp(-K * t) / V);
    }

    @Test
    void steadyStateBolusMatchesTheAccumulationFormula() {
        double tau = 8;
        Regimen regimen = Regimen.every("drug", Route.IV_BOLUS, 300, tau).withSteadyState(true);
        List<Dose> doses = regimen.doses(48);
        double accumulation = 1 / (1 - Math.exp(-K * tau));
        for (double t : new double[] {0, 3, 7.999, 40.5}) {
            double inInterval = t % tau;
            assertRelative(
                    ONE.concentration(doses, regimen.steadyStateDose(), Absorption.NONE, tau, t),
                    300 / V * Math.exp(-K * inInterval) * accumulation);
        }
        // at steady state one interval's AUC equals dose / CL
        double auc = ONE.cumulativeAuc(doses, regimen.steadyStateDose(), Absorption.NONE, tau, 16)
                - ONE.cumulativeAuc(doses, regimen.steadyStateDose(), Absorption.NONE, tau, 8);
        assertRelative(auc, 300 / CL);
    }

    @Test
    void steadyStateInfusionPeakAndTroughMatchTheirFormulas() {
        double tau = 12;
        double tInf = 1.5;
        double dose = 1000;
        Regimen regimen = Regimen.every("drug", Route.IV_INFUSION, dose, tau)
                .withInfusion(tInf)
                .withSteadyState(true);
        List<Dose> doses = regimen.doses(48);
        double rate = dose / tInf;
        double peak = rate / CL * (1 - Math.exp(-K * tInf)) / (1 - Math.exp(-K * tau));
        double trough = peak * Math.exp(-K * (tau - tInf));
        assertRelative(ONE.concentration(doses, regimen.steadyStateDose(), Absorption.NONE, tau, 24 + tInf), peak);
        assertRelative(ONE.concentrationBefore(doses, regimen.steadyStateDose(), Absorption.NONE, tau, 24), trough);
        assertRelative(ONE.concentration(doses, regimen.steadyStateDose(), Absorption.NONE, tau, 0), trough);
    }

    @Test
    void steadyStateOralWithLagMatchesTheSumOfTwoGeometricSeries() {
        double tau = 24;
        double ka = 0.7;
        double lag = 1;
        Absorption oral = new Absorption(0.9, ka, lag);
        Regimen regimen =
                Regimen.every("drug", Route.ORAL, 50, tau).withAbsorption(oral).withSteadyState(true);
        List<Dose> doses = regimen.doses(72);
        double c = 0.9 * 50 * ka / (V * (ka - K));
        double t = 24 + 5; // 4 h after the lag of the dose at 24 h
        double s = 5 - lag;
        double expected =
                c * (Math.exp(-K * s) / (1 - Math.exp(-K * tau)) - Math.exp(-ka * s) / (1 - Math.exp(-ka * tau)));
        assertRelative(ONE.concentration(doses, regimen.steadyStateDose(), oral, tau, t), expected);
    }

    @Test
    void steadyStateEqualsTheLimitOfManyRepeatedDoses() {
        double tau = 12;
        Regimen steady = Regimen.every("drug", Route.IV_INFUSION, 750, tau)
                .withInfusion(1)
                .withSteadyState(true);
        Regimen long_ = Regimen.every("drug", Route.IV_INFUSION, 750, tau).withInfusion(1);
        double horizon = 120 * tau; // 120 intervals: e^(−K·1440) is far below 1e-6
        double t = horizon - tau + 4;
        double viaHistory = ONE.concentration(steady.doses(24), steady.steadyStateDose(), Absorption.NONE, tau, 4);
        double viaDoses = ONE.concentration(long_.doses(horizon), null, Absorption.NONE, tau, t);
        assertRelative(viaHistory, viaDoses);
    }

    @Test
    void superpositionAddsLoadingDoseAndMidCourseChange() {
        Regimen regimen = Regimen.every("drug", Route.IV_BOLUS, 100, 12)
                .withLoadingDose(250)
                .withChanges(List.of(new Regimen.DoseChange(24, 150)));
        List<Dose> doses = regimen.doses(48);
        assertThat(doses).extracting(Dose::amountMg).containsExactly(250.0, 100.0, 150.0, 150.0);
        double t = 40;
        double expected =
                (250 * Math.exp(-K * 40) + 100 * Math.exp(-K * 28) + 150 * Math.exp(-K * 16) + 150 * Math.exp(-K * 4))
                        / V;
        assertRelative(ONE.concentration(doses, null, Absorption.NONE, 12, t), expected);
    }

    @Test
    void twoCompartmentBolusMatchesTheBiexponentialFormula() {
        double cl = 4.5;
        double v1 = 58.4;
        double q = 6.5;
        double v2 = 38.4;
        LinearPk two = LinearPk.twoCompartment(cl, v1, q, v2);
        double k10 = cl / v1;
        double k12 = q / v1;
        double k21 = q / v2;
        double b = k10 + k12 + k21;
        double alpha = (b + Math.sqrt(b * b - 4 * k10 * k21)) / 2;
        double beta = (b - Math.sqrt(b * b - 4 * k10 * k21)) / 2;
        List<Dose> doses = List.of(new Dose(0, 1000, Route.IV_BOLUS, 0));
        for (double t : new double[] {0.5, 6, 30}) {
            double expected = 1000
                    / v1
                    * ((alpha - k21) / (alpha - beta) * Math.exp(-alpha * t)
                            + (k21 - beta) / (alpha - beta) * Math.exp(-beta * t));
            assertRelative(two.concentration(doses, null, Absorption.NONE, 12, t), expected);
        }
        assertRelative(two.cumulativeAuc(doses, null, Absorption.NONE, 12, 5000), 1000 / cl);
    }
}
