package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.matchIds;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.patienttwin.fhir.FhirTestSupport.search;
import static io.patienttwin.fhir.FhirTestSupport.searchResponse;
import static io.patienttwin.fhir.FhirTestSupport.tagParam;
import static io.patienttwin.fhir.FhirTestSupport.tagged;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.oneOf;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;

/**
 * FHIR R4 search over HTTP: every parameter type with its prefixes and modifiers, result parameters
 * (paging, sorting, includes, summaries) and the stable error codes. Each test tags its own resources
 * and scopes every search to that tag.
 */
@QuarkusTest
class FhirSearchTest {

    private static final String LOINC = "http://loinc.org";
    private static final String UCUM = "http://unitsofmeasure.org";
    private static final String GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender";

    private final String tag = FhirTestSupport.newTag();

    // ---- token

    @Test
    void tokenSearchMatchesCodeAloneSystemAndCodeNoSystemAndSystemAlone() {
        String loincA = save(observation(coding(LOINC, "1234-5"), coding("http://snomed.info/sct", "777")));
        String other = save(observation(coding("urn:test:other", "1234-5")));
        String noSystem = save(observation(coding(null, "1234-5")));
        String loincB = save(observation(coding(LOINC, "9999-9")));

        assertMatches(find("Observation", "code", "1234-5"), loincA, other, noSystem);
        assertMatches(find("Observation", "code", LOINC + "|1234-5"), loincA);
        assertMatches(find("Observation", "code", "|1234-5"), noSystem);
        assertMatches(find("Observation", "code", LOINC + "|"), loincA, loincB);
        assertMatches(find("Observation", "code", "http://snomed.info/sct|777"), loincA);
        assertMatches(find("Observation", "code", LOINC + "|9999-9," + "urn:test:other|1234-5"), other, loincB);
    }

    @Test
    void identifierTokenMatchesSystemAndValue() {
        String systemA = "urn:test:" + tag + ":a";
        String a123 = save(withIdentifier(systemA, "123"));
        String b123 = save(withIdentifier("urn:test:" + tag + ":b", "123"));
        String bare123 = save(withIdentifier(null, "123"));
        String a456 = save(withIdentifier(systemA, "456"));

        assertMatches(find("Patient", "identifier", "123"), a123, b123, bare123);
        assertMatches(find("Patient", "identifier", systemA + "|123"), a123);
        assertMatches(find("Patient", "identifier", "|123"), bare123);
        assertMatches(find("Patient", "identifier", systemA + "|"), a123, a456);
        assertMatches(find("Patient", "identifier:not", systemA + "|123"), b123, bare123, a456);
    }

    @Test
    void codeTokenMatchesGenderWithNotAndMissing() {
        String male = save(new Patient().setGender(AdministrativeGender.MALE));
        String female = save(new Patient().setGender(AdministrativeGender.FEMALE));
        String unknown = save(new Patient());

        assertMatches(find("Patient", "gender", "female"), female);
        assertMatches(find("Patient", "gender", GENDER_SYSTEM + "|female"), female);
        assertMatches(find("Patient", "gender", "male,female"), male, female);
        assertMatches(find("Patient", "gender:not", "male"), female, unknown);
        assertMatches(find("Patient", "gender:missing", "true"), unknown);
        assertMatches(find("Patient", "gender:missing", "false"), male, female);
    }

    @Test
    void booleanTokenMatchesActiveFlag() {
        String active = save(new Patient().setActive(true));
        String inactive = save(new Patient().setActive(false));
        String unset = save(new Patient());

        assertMatches(find("Patient", "active", "true"), active);
        assertMatches(find("Patient", "active", "false"), inactive);
        assertMatches(find("Patient", "active:not", "true"), inactive, unset);
    }

    // ---- string

    @Test
    void stringSearchIsCaseAndAccentInsensitiveStartsWith() {
        String mueller = save(named("Müller", "Hans"));
        String mullins = save(named("Mullins", "Kate"));
        save(named("Amuller", "Jo"));

        assertMatches(find("Patient", "name", "mull"), mueller, mullins);
        assertMatches(find("Patient", "name", "MÜLL"), mueller, mullins);
        assertMatches(find("Patient", "family", "müller"), mueller);
        assertMatches(find("Patient", "name", "kat"), mullins);
    }

    @Test
    void stringExactIsCaseAndAccentSensitiveEquality() {
        String mueller = save(named("Müller", "Hans"));
        save(named("Mueller", "Hans"));

        assertMatches(find("Patient", "family:exact", "Müller"), mueller);
        assertMatches(find("Patient", "family:exact", "müller"));
        assertMatches(find("Patient", "family:exact", "Muller"));
        assertMatches(find("Patient", "family:exact", "Mül"));
    }

    @Test
    void stringContainsMatchesAnywhereInTheValue() {
        String mueller = save(named("Müller", "Hans"));
        String amuller = save(named("Amuller", "Jo"));
        save(named("Smith", "Ann"));

        assertMatches(find("Patient", "name:contains", "ULL"), mueller, amuller);
        assertMatches(find("Patient", "family:contains", "mul"), mueller, amuller);
    }

    @Test
    void stringSearchTreatsLikeWildcardsAndEscapedCommasLiterally() {
        String underscore = save(named("O_Brien", "Pat"));
        save(named("OxBrien", "Pat"));
        String comma = save(named("Smith,Jr", "Al"));
        save(named("Smith", "Al"));

        assertMatches(find("Patient", "family", "o_b"), underscore);
        assertMatches(find("Patient", "family", "smith\\,j"), comma);
        assertMatches(find("Patient", "family:exact", "Smith\\,Jr"), comma);
    }

    @Test
    void addressCityMatchesTheStartOfTheCity() {
        String berlin = save(livingIn("Berlin"));
        String bern = save(livingIn("Bern"));
        String oberhausen = save(livingIn("Oberhausen"));

        assertMatches(find("Patient", "address-city", "ber"), berlin, bern);
        assertMatches(find("Patient", "address-city:exact", "Bern"), bern);
        assertMatches(find("Patient", "address-city:contains", "hausen"), oberhausen);
        assertMatches(find("Patient", "address", "oberh"), oberhausen);
    }

    // ---- date

    @Test
    void birthdateEqualityHonoursDayMonthAndYearPrecision() {
        String may5 = save(born("1980-05-05"));
        String may20 = save(born("1980-05-20"));
        String july = save(born("1980-07-01"));
        save(born("1981-01-01"));
        String year1980 = save(born("1980"));
        save(new Patient());

        assertMatches(find("Patient", "birthdate", "1980-05-05"), may5);
        assertMatches(find("Patient", "birthdate", "eq1980-05-05"), may5);
        assertMatches(find("Patient", "birthdate", "1980-05"), may5, may20);
        assertMatches(find("Patient", "birthdate", "1980"), may5, may20, july, year1980);
    }

    @Test
    void birthdatePrefixesCompareTheRangesOfValueAndTarget() {
        String may5 = save(born("1980-05-05"));
        String may20 = save(born("1980-05-20"));
        String july = save(born("1980-07-01"));
        String nextYear = save(born("1981-01-01"));
        String year1980 = save(born("1980"));
        save(new Patient());

        assertMatches(find("Patient", "birthdate", "ne1980-05"), july, nextYear, year1980);
        assertMatches(find("Patient", "birthdate", "gt1980-05-20"), july, nextYear, year1980);
        assertMatches(find("Patient", "birthdate", "ge1980-05-20"), may20, july, nextYear, year1980);
        assertMatches(find("Patient", "birthdate", "lt1980-05-20"), may5, year1980);
        assertMatches(find("Patient", "birthdate", "le1980-05-20"), may5, may20, year1980);
        assertMatches(find("Patient", "birthdate", "gt1980"), nextYear);
        assertMatches(find("Patient", "birthdate", "lt1981"), may5, may20, july, year1980);
        assertMatches(find("Patient", "birthdate", "ge1980-05-20", "birthdate", "le1980-07-01"), may20, july, year1980);
    }

    @Test
    void observationDateMatchesEffectiveDateTimeAndPeriod() {
        String morning = save(observedAt("2021-03-10T10:00:00Z"));
        String march = save(observedDuring("2021-03-01T08:00:00Z", "2021-03-31T18:00:00Z"));
        String april = save(observedAt("2021-04-02"));
        String openEnded = save(observedDuring("2022-01-01T00:00:00Z", null));
        String lateEastern = save(observedAt("2021-03-10T23:30:00-05:00"));

        assertMatches(find("Observation", "date", "2021-03"), morning, march, lateEastern);
        assertMatches(find("Observation", "date", "2021-03-10"), morning);
        assertMatches(find("Observation", "date", "2021-03-11"), lateEastern);
        assertMatches(find("Observation", "date", "2021-03-11T04:30:00Z"), lateEastern);
        assertMatches(find("Observation", "date", "2021-03-10T23:30:00-05:00"), lateEastern);
        assertMatches(find("Observation", "date", "lt2021-03-10T11:00:00+02:00"), march);
        assertMatches(find("Observation", "date", "ge2021-03-15"), march, april, openEnded);
        assertMatches(find("Observation", "date", "lt2021-03-05"), march);
        assertMatches(find("Observation", "date", "gt2030-01-01"), openEnded);
    }

    @Test
    void lastUpdatedSelectsByWriteTime() throws InterruptedException {
        String first = save(new Patient());
        Thread.sleep(5);
        Patient second = tagged(new Patient(), tag);
        Patient created = parse(fhir().body(json(second)).post("/fhir/Patient").asString(), Patient.class);
        Thread.sleep(5);
        String third = save(new Patient());
        String secondWrite = created.getMeta().getLastUpdatedElement().getValueAsString();
        String secondId = created.getIdElement().getIdPart();

        assertMatches(find("Patient", "_lastUpdated", "ge" + secondWrite), secondId, third);
        assertMatches(find("Patient", "_lastUpdated", "lt" + secondWrite), first);
        assertMatches(find("Patient", "_lastUpdated", "gt" + secondWrite), third);
    }

    // ---- quantity and number

    @Test
    void quantitySearchComparesValuesWithImplicitPrecisionAndUnits() {
        String mg544 = save(measured("5.44", UCUM, "mg"));
        String mg546 = save(measured("5.46", UCUM, "mg"));
        String mg7 = save(measured("7", UCUM, "mg"));
        String g54 = save(measured("5.4", UCUM, "g"));
        String otherMg54 = save(measured("5.4", "http://example.org/units", "mg"));

        assertMatches(find("Observation", "value-quantity", "5.4"), mg544, g54, otherMg54);
        assertMatches(find("Observation", "value-quantity", "5.40"), g54, otherMg54);
        assertMatches(find("Observation", "value-quantity", "gt5.45"), mg546, mg7);
        assertMatches(find("Observation", "value-quantity", "lt5.45"), mg544, g54, otherMg54);
        assertMatches(find("Observation", "value-quantity", "ge7"), mg7);
        assertMatches(find("Observation", "value-quantity", "ne5.4"), mg546, mg7);
        assertMatches(find("Observation", "value-quantity", "5.4|" + UCUM + "|mg"), mg544);
        assertMatches(find("Observation", "value-quantity", "5.4||mg"), mg544, otherMg54);
    }

    @Test
    void numberSearchComparesRiskAssessmentProbability() {
        FhirTestSupport.ensurePatient("risk-subject");
        String quarter = save(risk("0.25"));
        String half = save(risk("0.5"));
        String high = save(risk("0.8"));

        assertMatches(find("RiskAssessment", "probability", "0.25"), quarter);
        assertMatches(find("RiskAssessment", "probability", "0.5"), half);
        assertMatches(find("RiskAssessment", "probability", "gt0.4"), half, high);
        assertMatches(find("RiskAssessment", "probability", "le0.5"), quarter, half);
    }

    // ---- reference and uri

    @Test
    void referenceSearchMatchesByIdTypedReferenceAndTypeModifier() {
        String shared = "subject-" + UUID.randomUUID();
        put(new Patient(), shared);
        put(new Group().setType(Group.GroupType.PERSON).setActual(true).addMember(member()), shared);
        String other = create(new Patient());
        String ofPatient = save(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + shared)));
        // clinical data always names a patient: the one about a group, and the one with no subject, by performer
        String ofGroup = save(observation(coding(LOINC, "1"))
                .setSubject(new Reference("Group/" + shared))
                .addPerformer(FhirTestSupport.subject()));
        String ofOther = save(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + other)));
        String ofNobody =
                save(observation(coding(LOINC, "1")).setSubject(null).addPerformer(FhirTestSupport.subject()));

        assertMatches(find("Observation", "patient", shared), ofPatient);
        assertMatches(find("Observation", "subject", "Patient/" + shared), ofPatient);
        assertMatches(find("Observation", "subject", shared), ofPatient, ofGroup);
        assertMatches(find("Observation", "subject:Patient", shared), ofPatient);
        assertMatches(find("Observation", "subject:Group", shared), ofGroup);
        assertMatches(find("Observation", "subject", "Patient/" + shared + ",Patient/" + other), ofPatient, ofOther);
        assertMatches(find("Observation", "subject:missing", "true"), ofNobody);
        assertMatches(find("Observation", "subject:missing", "false"), ofPatient, ofGroup, ofOther);
        assertMatches(find("Observation", "patient:missing", "true"), ofGroup, ofNobody);
    }

    @Test
    void uriSearchMatchesExactlyAndBelow() {
        String base = "http://example.org/" + tag + "/fhir/";
        String valueSet = save(valueSet(base + "ValueSet/a"));
        String version2 = save(valueSet(base + "ValueSet/a/v2"));
        String codeSystemPath = save(valueSet(base + "CodeSystem/a"));
        save(valueSet("http://example.org/elsewhere/" + tag + "/ValueSet/a"));

        assertMatches(find("ValueSet", "url", base + "ValueSet/a"), valueSet);
        assertMatches(find("ValueSet", "url:below", base + "ValueSet/"), valueSet, version2);
        assertMatches(find("ValueSet", "url:below", base), valueSet, version2, codeSystemPath);
    }

    // ---- _id, OR and AND

    @Test
    void idSearchMatchesOneIdOrAList() {
        String first = save(new Patient());
        save(new Patient());
        String third = save(new Patient());

        assertMatches(find("Patient", "_id", first), first);
        assertMatches(find("Patient", "_id", first + "," + third + ",missing-id"), first, third);
    }

    @Test
    void commasOrValuesAndRepeatedParametersAndThem() {
        String annSmith = save(named("Smith", "Ann"));
        String annJones = save(named("Jones", "Ann"));
        String bobSmith = save(named("Smith", "Bob"));

        assertMatches(find("Patient", "name", "ann", "name", "smith"), annSmith);
        assertMatches(find("Patient", "name", "ann,bob"), annSmith, annJones, bobSmith);
        assertMatches(find("Patient", "given", "ann", "family", "jones,smith"), annSmith, annJones);
    }

    // ---- paging, sorting, includes, summaries

    @Test
    void pagingFollowsOffsetNextLinksWithoutServerState() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(save(new Patient()));
        }

        Bundle first = find("Patient", "_count", "3");
        Bundle second = follow(nextLink(first));
        Bundle third = follow(nextLink(second));

        assertThat(List.of(first, second, third))
                .allSatisfy(page -> assertThat(page.getTotal()).isEqualTo(7));
        assertThat(List.of(
                        first.getEntry().size(),
                        second.getEntry().size(),
                        third.getEntry().size()))
                .containsExactly(3, 3, 1);
        assertThat(first.getLink("previous")).isNull();
        assertThat(second.getLink("previous")).isNotNull();
        assertThat(third.getLink("previous")).isNotNull();
        assertThat(third.getLink("next")).isNull();
        assertThat(matchIds(follow(third.getLink("previous").getUrl()))).isEqualTo(matchIds(second));
        assertThat(List.of(nextLink(first), nextLink(second)))
                .allSatisfy(url -> assertThat(url).contains("_offset=").doesNotContain("_getpages"));
        List<String> seen = new ArrayList<>();
        List.of(first, second, third).forEach(page -> seen.addAll(matchIds(page)));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(created);
    }

    @Test
    void sortByLastUpdatedOrdersByWriteTimeBothWays() throws InterruptedException {
        String first = save(new Patient());
        Thread.sleep(5);
        String second = save(new Patient());
        Thread.sleep(5);
        String third = save(new Patient());
        Thread.sleep(5);
        put(tagged(new Patient().setActive(true), tag), first);

        assertThat(matchIds(find("Patient", "_sort", "_lastUpdated"))).containsExactly(second, third, first);
        assertThat(matchIds(find("Patient", "_sort", "-_lastUpdated"))).containsExactly(first, third, second);
    }

    @Test
    void sortByBirthdateOrdersBothWaysWithMissingValuesLast() {
        String middle = save(born("1985-03-03"));
        String oldest = save(born("1970-06-15"));
        String none = save(new Patient());
        String youngest = save(born("1990-01-01"));

        assertThat(matchIds(find("Patient", "_sort", "birthdate"))).containsExactly(oldest, middle, youngest, none);
        assertThat(matchIds(find("Patient", "_sort", "-birthdate"))).containsExactly(youngest, middle, oldest, none);
    }

    @Test
    void sortBySeveralKeysAppliesThemInOrder() {
        String olderWoman = save(born("1960-01-01").setGender(AdministrativeGender.FEMALE));
        String youngerMan = save(born("1990-01-01").setGender(AdministrativeGender.MALE));
        String youngerWoman = save(born("1990-01-01").setGender(AdministrativeGender.FEMALE));
        String olderMan = save(born("1960-01-01").setGender(AdministrativeGender.MALE));

        assertThat(matchIds(find("Patient", "_sort", "gender,-birthdate")))
                .containsExactly(youngerWoman, olderWoman, youngerMan, olderMan);
    }

    @Test
    void sortByObservationDateUsesPeriodStartAscendingAndEndDescending() {
        String morning = save(observedAt("2021-03-10T10:00:00Z"));
        String april = save(observedAt("2021-04-02"));
        String march = save(observedDuring("2021-03-01T08:00:00Z", "2021-03-31T18:00:00Z"));
        String nextDay = save(observedAt("2021-03-11T04:30:00Z"));

        assertThat(matchIds(find("Observation", "_sort", "date"))).containsExactly(march, morning, nextDay, april);
        assertThat(matchIds(find("Observation", "_sort", "-date"))).containsExactly(april, march, nextDay, morning);
    }

    @Test
    void includeAddsTheSubjectAsAnIncludeEntryNotCountedInTheTotal() {
        String patient = create(new Patient());
        String first = save(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + patient)));
        String second = save(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + patient)));

        Bundle bundle = find("Observation", "_include", "Observation:subject");
        assertMatches(bundle, first, second);
        assertThat(includedRefs(bundle)).containsExactly("Patient/" + patient);

        Bundle onePage = find("Observation", "_include", "Observation:subject", "_count", "1");
        assertThat(onePage.getTotal()).isEqualTo(2);
        assertThat(matchIds(onePage)).hasSize(1);
        assertThat(includedRefs(onePage)).containsExactly("Patient/" + patient);
    }

    @Test
    void includeWithATargetTypeFollowsOnlyReferencesToThatType() {
        String patient = create(new Patient());
        String group = create(
                new Group().setType(Group.GroupType.PERSON).setActual(true).addMember(member()));
        save(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + patient)));
        save(observation(coding(LOINC, "1"))
                .setSubject(new Reference("Group/" + group))
                .addPerformer(new Reference("Patient/" + patient)));

        assertThat(includedRefs(find("Observation", "_include", "Observation:subject:Patient")))
                .containsExactly("Patient/" + patient);
        assertThat(includedRefs(find("Observation", "_include", "Observation:subject")))
                .containsExactlyInAnyOrder("Patient/" + patient, "Group/" + group);
    }

    @Test
    void revincludeAddsTheObservationsPointingAtThePatient() {
        String patient = save(new Patient());
        String first = create(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + patient)));
        String second = create(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + patient)));
        create(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + create(new Patient()))));

        Bundle bundle = find("Patient", "_revinclude", "Observation:subject");
        assertMatches(bundle, patient);
        assertThat(includedRefs(bundle)).containsExactlyInAnyOrder("Observation/" + first, "Observation/" + second);
    }

    @Test
    void summaryCountAndCountZeroReturnTheExactTotalWithoutEntries() {
        String first = save(new Patient());
        String second = save(new Patient());
        String third = save(new Patient());

        Bundle summary = find("Patient", "_summary", "count");
        assertThat(summary.getTotal()).isEqualTo(3);
        assertThat(summary.getEntry()).isEmpty();
        Bundle countZero = find("Patient", "_count", "0");
        assertThat(countZero.getTotal()).isEqualTo(3);
        assertThat(countZero.getEntry()).isEmpty();
        Bundle accurate = find("Patient", "_total", "accurate", "_count", "2");
        assertThat(accurate.getTotal()).isEqualTo(3);
        assertThat(matchIds(accurate)).hasSize(2).isSubsetOf(first, second, third);
    }

    // ---- deleted resources and POST _search

    @Test
    void deletedResourcesNeverAppearInSearchResults() {
        String kept = save(named("Deleted", "Kept"));
        String gone = save(named("Deleted", "Gone"));
        String observation = save(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + gone)));
        String goneObservation = create(observation(coding(LOINC, "1")).setSubject(new Reference("Patient/" + kept)));
        fhir().delete("/fhir/Patient/" + gone).then().statusCode(200);
        fhir().delete("/fhir/Observation/" + goneObservation).then().statusCode(200);

        assertMatches(find("Patient", "family", "deleted"), kept);
        assertMatches(find("Patient", "_id", gone));
        assertThat(find("Patient", "_summary", "count").getTotal()).isEqualTo(1);
        Bundle withSubject = find("Observation", "_include", "Observation:subject");
        assertMatches(withSubject, observation);
        assertThat(includedRefs(withSubject)).isEmpty();
        assertThat(includedRefs(find("Patient", "_revinclude", "Observation:subject")))
                .isEmpty();
    }

    @Test
    void postSearchWithFormParametersMatchesLikeGet() {
        String ann = save(named("Postman", "Ann"));
        save(named("Postman", "Bob"));

        Response response = FhirTestSupport.authorized()
                .accept(FHIR_JSON)
                .contentType("application/x-www-form-urlencoded")
                .formParam("_tag", tagParam(tag))
                .formParam("given", "ann")
                .post("/fhir/Patient/_search");
        response.then().statusCode(200);
        assertMatches(parse(response.asString(), Bundle.class), ann);
    }

    // ---- errors

    @Test
    void unknownParameterIsRejected() {
        assertRejected("Patient", "PT-SEARCH-400-UNKNOWN", "shoe-size", "42");
    }

    @Test
    void malformedDateIsRejected() {
        assertRejected("Patient", "PT-SEARCH-400-VALUE", "birthdate", "yesterday");
        assertRejected("Patient", "PT-SEARCH-400-VALUE", "birthdate", "1980-13-45");
        assertRejected("Patient", "PT-SEARCH-400-VALUE", "_lastUpdated", "ge2020-02-30T25:00:00Z");
        assertRejected("Patient", "PT-SEARCH-400-VALUE", "gender:missing", "maybe");
    }

    @Test
    void malformedQuantityIsRejected() {
        assertRejected("Observation", "PT-SEARCH-400-VALUE", "value-quantity", "five");
        assertRejected("RiskAssessment", "PT-SEARCH-400-VALUE", "probability", "0.5|" + UCUM + "|%");
    }

    @Test
    void chainedParameterIsRejected() {
        assertRejected("Observation", "PT-SEARCH-400-CHAIN", "subject.name", "smith");
        assertRejected("Observation", "PT-SEARCH-400-CHAIN", "subject:Patient.name", "smith");
    }

    @Test
    void unsupportedModifierIsRejected() {
        assertRejected("Patient", "PT-SEARCH-400-MODIFIER", "gender:text", "female");
        assertRejected("Patient", "PT-SEARCH-400-MODIFIER", "name:below", "smi");
        assertRejected("Patient", "PT-SEARCH-400-MODIFIER", "birthdate:exact", "1980");
        assertRejected("Observation", "PT-SEARCH-400-MODIFIER", "subject:Medication", "x");
        assertRejected("Observation", "PT-SEARCH-400-MODIFIER", "subject:identifier", "urn:test|x");
    }

    @Test
    void negativeOrNonNumericCountIsRejected() {
        assertRejected("Patient", "PT-SEARCH-400-VALUE", "_count", "-1");
        assertRejected("Patient", "PT-SEARCH-400-VALUE", "_count", "many");
    }

    @Test
    void sortByAnUnknownParameterIsRejected() {
        assertRejected("Patient", "PT-SEARCH-400-SORT", "_sort", "shoe-size");
    }

    // ---- helpers

    private String save(Resource resource) {
        return create(tagged(resource, tag));
    }

    private static void put(Resource resource, String id) {
        resource.setId(id);
        fhir().body(json(resource))
                .put("/fhir/" + resource.fhirType() + "/" + id)
                .then()
                .statusCode(oneOf(200, 201));
    }

    /** Search parameters as name-value pairs (a repeated name is ANDed), scoped to this test's tag. */
    private Map<String, List<String>> query(String... namesAndValues) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        parameters.put("_tag", new ArrayList<>(List.of(tagParam(tag))));
        for (int i = 0; i < namesAndValues.length; i += 2) {
            parameters
                    .computeIfAbsent(namesAndValues[i], k -> new ArrayList<>())
                    .add(namesAndValues[i + 1]);
        }
        return parameters;
    }

    private Bundle find(String type, String... namesAndValues) {
        return search(type, query(namesAndValues));
    }

    private void assertRejected(String type, String code, String... namesAndValues) {
        Response response = searchResponse(type, query(namesAndValues));
        response.then().statusCode(400).body("resourceType", equalTo("OperationOutcome"));
        assertThat(parse(response.asString(), OperationOutcome.class)
                        .getIssueFirstRep()
                        .getDiagnostics())
                .as("%s?%s", type, String.join("=", namesAndValues))
                .contains(code);
    }

    private static void assertMatches(Bundle bundle, String... ids) {
        assertThat(matchIds(bundle)).containsExactlyInAnyOrder(ids);
        assertThat(bundle.getTotal()).isEqualTo(ids.length);
    }

    /** Type/id of the entries with search mode include. */
    private static List<String> includedRefs(Bundle bundle) {
        return bundle.getEntry().stream()
                .filter(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.INCLUDE)
                .map(e -> e.getResource().fhirType() + "/"
                        + e.getResource().getIdElement().getIdPart())
                .toList();
    }

    private static String nextLink(Bundle bundle) {
        assertThat(bundle.getLink("next")).isNotNull();
        return bundle.getLink("next").getUrl();
    }

    /** Requests a paging link as the server wrote it: already encoded, absolute. */
    private static Bundle follow(String url) {
        Response response = FhirTestSupport.authorized()
                .accept(FHIR_JSON)
                .urlEncodingEnabled(false)
                .get(url);
        response.then().statusCode(200);
        return parse(response.asString(), Bundle.class);
    }

    /** A Group is part of its members' records: it names at least one patient. */
    private static Group.GroupMemberComponent member() {
        return new Group.GroupMemberComponent(FhirTestSupport.subject());
    }

    private static Coding coding(String system, String code) {
        return new Coding(system, code, null);
    }

    private static Observation observation(Coding... codings) {
        CodeableConcept code = new CodeableConcept();
        for (Coding coding : codings) {
            code.addCoding(coding);
        }
        return new Observation()
                .setStatus(Observation.ObservationStatus.FINAL)
                .setCode(code)
                .setSubject(FhirTestSupport.subject());
    }

    private static Observation observedAt(String dateTime) {
        return observation(coding(LOINC, "8867-4")).setEffective(new DateTimeType(dateTime));
    }

    private static Observation observedDuring(String start, String end) {
        Period period = new Period().setStartElement(new DateTimeType(start));
        if (end != null) {
            period.setEndElement(new DateTimeType(end));
        }
        return observation(coding(LOINC, "8867-4")).setEffective(period);
    }

    private static Observation measured(String value, String system, String code) {
        return observation(coding(LOINC, "2339-0"))
                .setValue(new Quantity()
                        .setValue(new BigDecimal(value))
                        .setSystem(system)
                        .setCode(code)
                        .setUnit(code));
    }

    private static RiskAssessment risk(String probability) {
        RiskAssessment risk = new RiskAssessment();
        risk.setStatus(RiskAssessment.RiskAssessmentStatus.FINAL);
        risk.setSubject(new Reference("Patient/risk-subject"));
        risk.addPrediction().setProbability(new DecimalType(new BigDecimal(probability)));
        return risk;
    }

    private static Patient named(String family, String given) {
        Patient patient = new Patient();
        patient.addName().setFamily(family).addGiven(given);
        return patient;
    }

    private static Patient withIdentifier(String system, String value) {
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(system).setValue(value);
        return patient;
    }

    private static Patient livingIn(String city) {
        Patient patient = new Patient();
        patient.addAddress().setCity(city).setCountry("DE");
        return patient;
    }

    private static Patient born(String birthDate) {
        return new Patient().setBirthDateElement(new DateType(birthDate));
    }

    private static ValueSet valueSet(String url) {
        ValueSet valueSet = new ValueSet();
        valueSet.setUrl(url).setStatus(PublicationStatus.ACTIVE);
        return valueSet;
    }
}
