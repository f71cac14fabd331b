package io.patienttwin.simulation;

import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;

/** Reading a {@code $twin} answer (Parameters) in tests: its inputs by name and the parts of a parameter. */
public final class TwinAnswers {

    private TwinAnswers() {}

    /** The {@code input} parameter with that name; fails the test when there is none. */
    public static ParametersParameterComponent input(Parameters twin, String name) {
        return twin.getParameter().stream()
                .filter(p -> p.getName().equals("input"))
                .filter(p -> name.equals(part(p, "name").getValue().primitiveValue()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no input " + name));
    }

    /** The value of a numeric input. */
    public static double number(Parameters twin, String name) {
        return ((Quantity) part(input(twin, name), "value").getValue())
                .getValue()
                .doubleValue();
    }

    /** The value of a coded or text input, as text. */
    public static String text(Parameters twin, String name) {
        return part(input(twin, name), "value").getValue().primitiveValue();
    }

    /** The part with that name; fails the test when there is none. */
    public static ParametersParameterComponent part(ParametersParameterComponent parent, String name) {
        return parent.getPart().stream()
                .filter(p -> p.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no part " + name));
    }
}
