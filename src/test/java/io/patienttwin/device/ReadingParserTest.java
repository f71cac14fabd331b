package io.patienttwin.device;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.device.ReadingParser.Parsed;
import io.patienttwin.device.Refusal.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a device may publish and what becomes of it, message by message. */
class ReadingParserTest {

    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private final ReadingParser parser =
            new ReadingParser(FhirContext.forR4Cached(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5));

    private Parsed parse(String topic, String payload) {
        return parser.parse(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCompactReadingBecomesAVitalSignsObservationOfItsDeviceWithALoincCodeAndUcumUnit() {
        Parsed parsed = parse(
                "devices/mon-1/readings",
                "{\"id\":\"m-17\",\"code\":\"heart-rate\",\"value\":72.5,\"unit\":\"/min\",\"time\":\"2026-12-03T09:59:00+01:00\"}");

        assertThat(parsed.refusal()).isNull();
        Observation o = parsed.reading().observation();
        assertThat(o.getCode().getCodingFirstRep().getSystem()).isEqualTo("http://loinc.org");
        assertThat(o.getCode().getCodingFirstRep().getCode()).isEqualTo("8867-4");
        assertThat(o.getValueQuantity().getValue()).isEqualByComparingTo("72.5");
        assertThat(o.getValueQuantity().getSystem()).isEqualTo("http://unitsofmeasure.org");
        assertThat(o.getValueQuantity().getCode()).isEqualTo("/min");
        assertThat(o.getEffectiveDateTimeType().getValue().toInstant())
                .isEqualTo(Instant.parse("2026-12-03T08:59:00Z"));
        assertThat(o.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("vital-signs");
        assertThat(o.getDevice().getReference()).isEqualTo("Device/mon-1");
        assertThat(o.hasSubject()).isFalse(); // set from the Device's assignment when it is written
        assertThat(parsed.reading().key()).isEqualTo("mon-1|id|m-17");
        assertThat(o.getIdentifierFirstRep().getValue()).isEqualTo("mon-1|id|m-17");
    }

    @Test
    void theSameMessageGivesTheSameResourceIdAndAnotherDeviceOrTimeAnother() {
        String at10 = "{\"code\":\"spo2\",\"value\":97,\"unit\":\"%\",\"time\":\"2026-12-03T09:00:00Z\"}";
        String at11 = "{\"code\":\"spo2\",\"value\":97,\"unit\":\"%\",\"time\":\"2026-12-03T09:00:01Z\"}";
        String a = parse("devices/mon-1/readings", at10).reading().resourceId();

        assertThat(parse("devices/mon-1/readings", at10).reading().resourceId()).isEqualTo(a);
        assertThat(parse("devices/mon-2/readings", at10).reading().resourceId()).isNotEqualTo(a);
        assertThat(parse("devices/mon-1/readings", at11).reading().resourceId()).isNotEqualTo(a);
        assertThat(a).matches("dr-[0-9a-f]{40}");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "devices/mon-1/status                                                               | WRONG_TOPIC",
                "devices/mon-1/readings/extra                                                       | WRONG_TOPIC",
                "devices/mon 1/readings                                                             | WRONG_TOPIC",
            })
    void aMessageOutsideTheReadingsTopicIsAWrongTopic(String topic, Reason reason) {
        assertThat(parse(topic, "{}").refusal().reason()).isEqualTo(reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "not json                                                                                  | not JSON",
                "[1,2]                                                                                     | not a JSON object",
                "{\"code\":\"heart-rate\",\"value\":72,\"unit\":\"bpm\",\"time\":\"2026-12-03T09:00:00Z\"}      | not 'bpm'",
                "{\"code\":\"heart-rate\",\"value\":\"72\",\"unit\":\"/min\",\"time\":\"2026-12-03T09:00:00Z\"} | must be a JSON number",
                "{\"code\":\"heart-rate\",\"value\":900,\"unit\":\"/min\",\"time\":\"2026-12-03T09:00:00Z\"}     | outside what a sensor",
                "{\"code\":\"spo2\",\"value\":101,\"unit\":\"%\",\"time\":\"2026-12-03T09:00:00Z\"}              | outside what a sensor",
                "{\"code\":\"mood\",\"value\":3,\"unit\":\"1\",\"time\":\"2026-12-03T09:00:00Z\"}                | unknown code 'mood'",
                "{\"code\":\"heart-rate\",\"value\":72,\"unit\":\"/min\"}                                       | 'time' must be",
                "{\"code\":\"heart-rate\",\"value\":72,\"unit\":\"/min\",\"time\":\"2026-12-03T09:00:00\"}       | with its offset",
                "{\"code\":\"heart-rate\",\"value\":72,\"unit\":\"/min\",\"time\":\"2026-12-03T10:06:00Z\"}      | lies in the future",
                "{\"code\":\"heart-rate\",\"value\":72,\"unit\":\"/min\",\"time\":\"2026-12-03T09:00:00Z\",\"x\":1} | unknown field 'x'",
                "{\"code\":\"heart-rate\",\"value\":72,\"unit\":\"/min\",\"time\":\"2026-12-03T09:00:00Z\",\"id\":\"a b\"} | 'id' must be",
                "{\"resourceType\":\"Patient\"}                                                              | must be an Observation",
                "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"HR\"}}             | no LOINC coding",
                "{\"resourceType\":\"Observation\",\"status\":\"final\",\"colour\":\"red\"}                    | not a valid FHIR R4 Observation",
            })
    void aMalformedReadingIsRefusedSayingWhatIsWrong(String payload, String detail) {
        Parsed parsed = parse("devices/mon-1/readings", payload);

        assertThat(parsed.reading()).isNull();
        assertThat(parsed.refusal().reason()).isEqualTo(Reason.MALFORMED);
        assertThat(parsed.refusal().detail()).contains(detail);
        assertThat(parsed.deviceId()).isEqualTo("mon-1");
    }

    @Test
    void aPayloadThatIsNotUtf8OrCarriesANulOrIsTooLargeIsMalformed() {
        assertThat(parser.parse("devices/mon-1/readings", new byte[] {(byte) 0xC3, (byte) 0x28})
                        .refusal()
                        .detail())
                .contains("not UTF-8");
        assertThat(parse("devices/mon-1/readings", "{\"code\":\"x\u0000\"}")
                        .refusal()
                        .detail())
                .contains("NUL");
        assertThat(parse("devices/mon-1/readings", "{\"id\":\"" + "a".repeat(20_000) + "\"}")
                        .refusal()
                        .detail())
                .contains("at most");
    }

    @Test
    void aFhirObservationNamingAnotherDeviceIsRefusedAndOneNamingNoneGetsThePublisher() {
        String observation = "{\"resourceType\":\"Observation\",\"status\":\"final\","
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8310-5\"}]},"
                + "\"effectiveDateTime\":\"2026-12-03T09:30:00Z\","
                + "\"valueQuantity\":{\"value\":37.2,\"unit\":\"Cel\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"Cel\"}";

        Parsed own = parse("devices/thermo-1/readings", observation + "}");
        Parsed other =
                parse("devices/thermo-1/readings", observation + ",\"device\":{\"reference\":\"Device/thermo-2\"}}");
        Parsed badUnit = parse("devices/thermo-1/readings", observation.replace("\"Cel\"}", "\"[degF]\"}") + "}");

        assertThat(own.reading().observation().getDevice().getReference()).isEqualTo("Device/thermo-1");
        assertThat(own.reading().key()).isEqualTo("thermo-1|8310-5|2026-12-03T09:30:00Z");
        assertThat(other.refusal().detail()).contains("names device Device/thermo-2");
        assertThat(badUnit.refusal().detail()).contains("not '[degF]'");
    }
}
