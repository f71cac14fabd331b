package io.patienttwin.portal;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;

/** What the portal shows of a Patient resource in lists and headings. */
public record PatientSummary(String id, String name, String birthDate, String age, String gender) {

    static PatientSummary of(Patient patient) {
        String name = patient.getName().stream()
                .findFirst()
                .map(PatientSummary::display)
                .orElse("(no name)");
        String birth = patient.hasBirthDate() ? patient.getBirthDateElement().getValueAsString() : "";
        String age = "";
        if (patient.hasBirthDate()) {
            LocalDate born = patient.getBirthDateElement()
                    .getValueAsCalendar()
                    .toZonedDateTime()
                    .toLocalDate();
            age = Integer.toString(
                    Period.between(born, LocalDate.now(ZoneOffset.UTC)).getYears());
        }
        String gender = patient.getGender() == null ? "" : patient.getGender().toCode();
        return new PatientSummary(patient.getIdElement().getIdPart(), name, birth, age, gender);
    }

    private static String display(HumanName name) {
        if (name.hasText()) {
            return name.getText();
        }
        String given = name.getGiven().stream().map(g -> g.getValue()).collect(Collectors.joining(" "));
        String family = name.hasFamily() ? name.getFamily() : "";
        String full = (given + " " + family).trim();
        return full.isEmpty() ? "(no name)" : full;
    }
}
