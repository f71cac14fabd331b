package io.patienttwin.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.patienttwin.simulation.model.Regimen;
import io.patienttwin.simulation.model.Route;
import io.patienttwin.simulation.model.SimulationException;
import java.math.BigDecimal;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** Reading the $simulate Parameters: units, durations, defaults and refusals with their codes. */
class SimulationRequestTest {

    static Quantity q(double value, String unit) {
        return new Quantity().setValue(BigDecimal.valueOf(value)).setCode(unit).setUnit(unit);
    }

    static Parameters request(ParametersParameterComponent regimen) {
        Parameters parameters = new Parameters();
        parameters.addParameter().setName("model").setValue(new StringType("one-compartment"));
        parameters.addParameter(regimen);
        return parameters;
    }

    static ParametersParameterComponent regimen() {
        ParametersParameterComponent regimen = new ParametersParameterComponent().setName("regimen");
        regimen.addPart().setName("route").setValue(new CodeType("iv-infusion"));
        regimen.addPart().setName("dose").setValue(q(1.5, "g"));
        regimen.addPart().setName("interval").setValue(q(0.5, "d"));
        regimen.addPart().setName("infusionDuration").setValue(q(90, "min"));
        return regimen;
    }

    @Test
    void unitsAreConvertedToMilligramsAndHoursAndDurationBecomesADoseCount() {
        ParametersParameterComponent regimen = regimen();
        regimen.addPart().setName("duration").setValue(q(3, "d"));
        regimen.addPart().setName("steadyState").setValue(new BooleanType(false));

        SimulationRequest request = SimulationRequest.from(request(regimen));

        Regimen r = request.regimens().get(0);
        assertThat(r.route()).isEqualTo(Route.IV_INFUSION);
        assertThat(r.amountMg()).isEqualTo(1500);
        assertThat(r.intervalH()).isEqualTo(12);
        assertThat(r.infusionH()).isEqualTo(1.5);
        assertThat(r.doseCount()).isEqualTo(6);
        assertThat(request.cohortSize()).isZero();
        assertThat(request.mic()).isEqualTo(1);
        assertThat(request.horizonH()).isNaN();
    }

    @Test
    void unknownParametersAreRefusedByName() {
        Parameters parameters = request(regimen());
        parameters.addParameter().setName("colour").setValue(new StringType("blue"));
        SimulationException e = assertThrows(SimulationException.class, () -> SimulationRequest.from(parameters));
        assertThat(e.getMessage()).startsWith("PT-SIM-400-UNKNOWN-PARAMETER").contains("colour");
    }

    @Test
    void absurdHorizonAndCohortAreRefused() {
        Parameters horizon = request(regimen());
        horizon.addParameter().setName("horizon").setValue(q(2, "wk").setValue(BigDecimal.valueOf(100)));
        assertThat(assertThrows(SimulationException.class, () -> SimulationRequest.from(horizon))
                        .getMessage())
                .startsWith("PT-SIM-400-HORIZON");
        Parameters cohort = request(regimen());
        cohort.addParameter().setName("cohortSize").setValue(new IntegerType(1_000_000));
        assertThat(assertThrows(SimulationException.class, () -> SimulationRequest.from(cohort))
                        .getMessage())
                .startsWith("PT-SIM-400-COHORT");
    }

    @Test
    void aRegimenWithoutRouteOrWithAnUnknownTimeUnitIsRefused() {
        ParametersParameterComponent noRoute = new ParametersParameterComponent().setName("regimen");
        noRoute.addPart().setName("dose").setValue(q(100, "mg"));
        noRoute.addPart().setName("interval").setValue(q(12, "h"));
        assertThat(assertThrows(SimulationException.class, () -> SimulationRequest.from(request(noRoute)))
                        .getMessage())
                .startsWith("PT-SIM-400-ROUTE");
        ParametersParameterComponent badUnit = regimen();
        badUnit.getPart().stream()
                .filter(p -> p.getName().equals("interval"))
                .forEach(p -> p.setValue(q(12, "fortnight")));
        assertThat(assertThrows(SimulationException.class, () -> SimulationRequest.from(request(badUnit)))
                        .getMessage())
                .startsWith("PT-SIM-400-UNIT");
    }
}
