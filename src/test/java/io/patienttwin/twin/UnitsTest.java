package io.patienttwin.twin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Conversions into the twin's units; unknown units are refused, not guessed. */
class UnitsTest {

    @Test
    void creatinineMicromolesPerLitreDivideBy88Point42() {
        assertThat(Units.creatinineMgDl(88.42, "umol/L").getAsDouble()).isCloseTo(1.0, within(1e-12));
        assertThat(Units.creatinineMgDl(106, "µmol/L").getAsDouble()).isCloseTo(106 / 88.42, within(1e-12));
        assertThat(Units.creatinineMgDl(1.2, "mg/dL").getAsDouble()).isEqualTo(1.2);
    }

    @Test
    void weightHeightGlucoseAndHba1cConvert() {
        assertThat(Units.weightKg(154, "[lb_av]").getAsDouble()).isCloseTo(69.85322498, within(1e-8));
        assertThat(Units.heightCm(70, "[in_i]").getAsDouble()).isCloseTo(177.8, within(1e-9));
        assertThat(Units.heightCm(1.75, "m").getAsDouble()).isCloseTo(175, within(1e-9));
        assertThat(Units.glucoseMgDl(5.5, "mmol/L").getAsDouble()).isCloseTo(99.088, within(1e-9));
        assertThat(Units.hba1cPercent(53, "mmol/mol").getAsDouble()).isCloseTo(7.00044, within(1e-9));
    }

    @Test
    void unknownUnitsGiveNoValue() {
        assertThat(Units.creatinineMgDl(1, "g/L")).isEmpty();
        assertThat(Units.weightKg(70, "stone")).isEmpty();
    }

    @Test
    void genotypeTextsAreNormalised() {
        assertThat(Genotypes.cyp2c9("CYP2C9 *1/*3")).contains("*1/*3");
        assertThat(Genotypes.vkorc1("-1639G>A A/G")).contains("G/A");
        assertThat(Genotypes.vkorc1("AA")).contains("A/A");
        assertThat(Genotypes.vkorc1("unknown")).isEmpty();
    }
}
