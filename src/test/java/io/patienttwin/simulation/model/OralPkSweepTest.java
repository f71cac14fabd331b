package io.patienttwin.simulation.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The running-sum oral model used by the warfarin PD equals the superposed closed form. */
class OralPkSweepTest {

    @Test
    void sweepEqualsSuperpositionForConcentrationAucAndTrough() {
        double cl = 0.3;
        double v = 14.3;
        Absorption oral = new Absorption(0.5, 2, 0);
        Regimen regimen = Regimen.every("warfarin", Route.ORAL, 5, 24)
                .withLoadingDose(10)
                .withChanges(List.of(new Regimen.DoseChange(72, 7.5)));
        double[] times = Grid.of(regimen, 7 * 24, 4);
        List<Dose> doses = regimen.doses(7 * 24);

        double[][] swept = OralPkSweep.sweep(new OralPkSweep(cl, v, 2, 0.5), doses, times);

        LinearPk pk = LinearPk.oneCompartment(cl, v);
        for (int i = 0; i < times.length; i++) {
            double c = pk.concentration(doses, null, oral, 24, times[i]);
            double auc = pk.cumulativeAuc(doses, null, oral, 24, times[i]);
            assertThat(swept[0][i]).isCloseTo(c, within(1e-9 * c + 1e-15));
            assertThat(swept[1][i]).isCloseTo(auc, within(1e-9 * auc + 1e-15));
        }
        double trough = pk.concentrationBefore(
                doses, null, oral, 24, doses.get(doses.size() - 1).timeH());
        assertThat(swept[2][0]).isCloseTo(trough, within(1e-9 * trough));
    }
}
