package io.patienttwin.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.patienttwin.simulation.model.Absorption;
import io.patienttwin.simulation.model.Dose;
import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import io.patienttwin.simulation.model.SimulationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Dosing events at exact times, and refusal of regimens that make no sense. */
class RegimenTest {

    @Test
    void dosesFallAtExactMultiplesOfTheIntervalUntilTheHorizon() {
        List<Dose> doses = Regimen.every("drug", Route.IV_INFUSION, 500, 8)
                .withInfusion(0.5)
                .doses(24);
        assertThat(doses).extracting(Dose::timeH).containsExactly(0.0, 8.0, 16.0);
        assertThat(doses).allMatch(d -> d.durationH() == 0.5);
    }

    @Test
    void aDoseCountStopsTheRegimenEarly() {
        assertThat(Regimen.every("drug", Route.IV_BOLUS, 100, 6)
                        .withDoseCount(2)
                        .doses(48))
                .hasSize(2);
    }

    @Test
    void negativeDoseIsRefusedWithItsCode() {
        SimulationException e =
                assertThrows(SimulationException.class, () -> Regimen.every("drug", Route.IV_BOLUS, -5, 12)
                        .validate());
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).startsWith("PT-SIM-400-DOSE");
    }

    @Test
    void absurdIntervalsAreRefused() {
        assertThat(assertThrows(SimulationException.class, () -> Regimen.every("d", Route.IV_BOLUS, 5, 0.01)
                                .validate())
                        .getMessage())
                .startsWith("PT-SIM-400-INTERVAL");
        assertThat(assertThrows(SimulationException.class, () -> Regimen.every("d", Route.IV_BOLUS, 5, 10_000)
                                .validate())
                        .getMessage())
                .startsWith("PT-SIM-400-INTERVAL");
    }

    @Test
    void infusionLongerThanTheIntervalIsRefused() {
        assertThat(assertThrows(SimulationException.class, () -> Regimen.every("d", Route.IV_INFUSION, 5, 6)
                                .withInfusion(8)
                                .validate())
                        .getMessage())
                .startsWith("PT-SIM-400-INFUSION");
    }

    @Test
    void oralBioavailabilityAboveOneIsRefused() {
        assertThat(assertThrows(SimulationException.class, () -> Regimen.every("d", Route.ORAL, 5, 24)
                                .withAbsorption(new Absorption(1.5, 1, 0))
                                .validate())
                        .getMessage())
                .startsWith("PT-SIM-400-ORAL");
    }
}
