package io.patienttwin.twin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Worked examples of the renal and body-size equations. CKD-EPI 2021 values are the integers a
 * calculator reports (mL/min/1.73 m², rounded), worked by hand from Inker et al. 2021.
 */
class RenalFunctionTest {

    @Test
    void cockcroftGaultForA60YearOld72KgManWithCreatinine1Is80() {
        assertThat(RenalFunction.cockcroftGault(60, 72, 1.0, false)).isCloseTo(80, within(1e-9));
    }

    @Test
    void cockcroftGaultForAWomanIs85PercentOfTheMansValue() {
        assertThat(RenalFunction.cockcroftGault(60, 72, 1.0, true)).isCloseTo(68, within(1e-9));
        assertThat(RenalFunction.cockcroftGault(85, 60, 1.5, true))
                .isCloseTo((140 - 85) * 60 / (72 * 1.5) * 0.85, within(1e-9));
    }

    @Test
    void ckdEpi2021ForA50YearOldManWithCreatinine1Is92() {
        assertThat(Math.round(RenalFunction.ckdEpi2021(50, 1.0, false))).isEqualTo(92);
        assertThat(RenalFunction.ckdEpi2021(50, 1.0, false))
                .isCloseTo(142 * Math.pow(1.0 / 0.9, -1.2) * Math.pow(0.9938, 50), within(1e-9));
    }

    @Test
    void ckdEpi2021ForA60YearOldWomanWithCreatinine1Is64() {
        assertThat(Math.round(RenalFunction.ckdEpi2021(60, 1.0, true))).isEqualTo(64);
    }

    @Test
    void ckdEpi2021BelowKappaUsesTheSexSpecificAlpha() {
        // 40-year-old woman, 0.6 mg/dL: 142 · (0.6/0.7)^−0.241 · 0.9938^40 · 1.012 = 116.3
        assertThat(Math.round(RenalFunction.ckdEpi2021(40, 0.6, true))).isEqualTo(116);
    }

    @Test
    void mostellerBodySurfaceAreaAndBmi() {
        assertThat(RenalFunction.mostellerBsa(180, 80)).isCloseTo(2.0, within(1e-12));
        assertThat(RenalFunction.bmi(80, 200)).isCloseTo(20, within(1e-12));
    }
}
