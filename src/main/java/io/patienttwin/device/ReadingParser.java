package io.patienttwin.device;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.device.Refusal.Reason;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/**
 * Turns one MQTT message into the Observation it reports, or says why not. Two payloads are understood:
 *
 * <ul>
 *   <li>a compact reading {@code {"code": "heart-rate", "value": 72, "unit": "/min", "time":
 *       "2026-12-03T10:15:00Z", "id": "optional message id"}} — {@code code} is an alias or LOINC code of
 *       {@link Vital}, {@code unit} exactly the vital's UCUM unit, {@code time} an ISO-8601 instant with
 *       its offset;
 *   <li>a FHIR R4 Observation (strict parsing: unknown elements are refused), with a LOINC code, a
 *       Quantity value and an effective time; its subject and device, if given, are checked against the
 *       topic's Device later ({@link DeviceRegistry}).
 * </ul>
 *
 * <p>Each reading has a key — the device and the message's {@code id}, or else the device, the code and
 * the time — from which the Observation's id is derived, so a reading delivered twice (QoS 1 delivers at
 * least once) is stored once. Pure apart from the clock; thread-safe.
 */
public final class ReadingParser {

    /** The topic a device publishes its readings to. */
    public static final Pattern READINGS_TOPIC = Pattern.compile("devices/([A-Za-z0-9\\-.]{1,64})/readings");

    /** The identifier system of the key of a device reading. */
    public static final String KEY_SYSTEM = "urn:patienttwin:device-reading";

    static final int MAX_PAYLOAD_BYTES = 16 * 1024;
    private static final String LOINC = "http://loinc.org";
    private static final String CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category";
    private static final Set<String> COMPACT_FIELDS = Set.of("id", "code", "value", "unit", "time");
    private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9\\-._:]{1,64}");
    private static final Pattern DEVICE_TOPIC = Pattern.compile("devices/([^/]+)(/.*)?");

    /** A reading ready to store: its device, its key and the Observation (subject not yet set). */
    public record Reading(String deviceId, String key, Observation observation) {

        /** The Observation's id: a digest of the key, so a redelivery lands on the same resource. */
        public String resourceId() {
            return idOf(key);
        }
    }

    /** The outcome: exactly one of a reading or a refusal. */
    public record Parsed(Reading reading, Refusal refusal, String deviceId) {
        static Parsed refused(String deviceId, Reason reason, String detail) {
            return new Parsed(null, Refusal.of(reason, detail), deviceId);
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final FhirContext fhir;
    private final Clock clock;
    private final Duration maxClockSkew;

    public ReadingParser(FhirContext fhir, Clock clock, Duration maxClockSkew) {
        this.fhir = fhir;
        this.clock = clock;
        this.maxClockSkew = maxClockSkew;
    }

    /** The device id a topic is under ({@code devices/{id}/…}), if it is under one. */
    public static Optional<String> deviceOf(String topic) {
        Matcher m = DEVICE_TOPIC.matcher(topic);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    public Parsed parse(String topic, byte[] payload) {
        Matcher topicMatch = READINGS_TOPIC.matcher(topic);
        String deviceId = deviceOf(topic).orElse(null);
        if (!topicMatch.matches()) {
            return Parsed.refused(
                    deviceId,
                    Reason.WRONG_TOPIC,
                    "readings are published to devices/{deviceId}/readings, not " + topic);
        }
        deviceId = topicMatch.group(1);
        if (payload.length > MAX_PAYLOAD_BYTES) {
            return Parsed.refused(deviceId, Reason.MALFORMED, "a reading is at most " + MAX_PAYLOAD_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(payload))
                    .toString();
        } catch (CharacterCodingException e) {
            return Parsed.refused(deviceId, Reason.MALFORMED, "the payload is not UTF-8");
        }
        if (text.indexOf('\u0000') >= 0) {
            return Parsed.refused(deviceId, Reason.MALFORMED, "the payload contains a NUL character");
        }
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            return Parsed.refused(deviceId, Reason.MALFORMED, "the payload is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return Parsed.refused(deviceId, Reason.MALFORMED, "the payload is not a JSON object");
        }
        try {
            return node.has("resourceType") ? observation(deviceId, text) : compact(deviceId, node);
        } catch (Malformed e) {
            return Parsed.refused(deviceId, Reason.MALFORMED, e.getMessage());
        }
    }

    private Parsed compact(String deviceId, JsonNode node) {
        node.fieldNames().forEachRemaining(field -> {
            if (!COMPACT_FIELDS.contains(field)) {
                throw new Malformed("unknown field '" + field + "' (a reading has " + COMPACT_FIELDS + ")");
            }
        });
        String code = text(node, "code");
        Vital vital = Vital.named(code)
                .orElseThrow(() -> new Malformed("unknown code '" + code + "': one of the aliases or LOINC codes of "
                        + Vital.ALL.stream().map(Vital::alias).toList()));
        JsonNode value = node.get("value");
        if (value == null || !value.isNumber()) {
            throw new Malformed("'value' must be a JSON number");
        }
        double number = value.asDouble();
        String unit = text(node, "unit");
        Instant time = instant(text(node, "time"));
        String messageId = null;
        if (node.has("id")) {
            messageId = text(node, "id");
            if (!MESSAGE_ID.matcher(messageId).matches()) {
                throw new Malformed("'id' must be 1 to 64 of letters, digits and -._:");
            }
        }
        checkValue(vital, number, unit);
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.setCode(new CodeableConcept(new Coding(LOINC, vital.loinc(), vital.display())));
        observation.setEffective(new DateTimeType(
                Date.from(time),
                ca.uhn.fhir.model.api.TemporalPrecisionEnum.SECOND,
                java.util.TimeZone.getTimeZone("UTC")));
        observation.setValue(new Quantity()
                .setValue(value.decimalValue())
                .setUnit(vital.unit())
                .setSystem("http://unitsofmeasure.org")
                .setCode(vital.unit()));
        String key = messageId != null ? deviceId + "|id|" + messageId : deviceId + "|" + vital.loinc() + "|" + time;
        return new Parsed(finish(deviceId, key, observation), null, deviceId);
    }

    private Parsed observation(String deviceId, String text) {
        IParser parser = fhir.newJsonParser().setParserErrorHandler(new StrictErrorHandler());
        Observation observation;
        try {
            org.hl7.fhir.instance.model.api.IBaseResource parsed = parser.parseResource(text);
            if (!(parsed instanceof Observation o)) {
                throw new Malformed("a FHIR payload must be an Observation, not " + fhir.getResourceType(parsed));
            }
            observation = o;
        } catch (DataFormatException e) {
            throw new Malformed("not a valid FHIR R4 Observation: " + e.getMessage());
        }
        Coding loinc = observation.getCode().getCoding().stream()
                .filter(c -> LOINC.equals(c.getSystem()) && c.getCode() != null)
                .findFirst()
                .orElseThrow(() -> new Malformed("the Observation's code has no LOINC coding"));
        if (!observation.hasValueQuantity() || !observation.getValueQuantity().hasValue()) {
            throw new Malformed("the Observation has no valueQuantity with a value");
        }
        if (!observation.hasEffectiveDateTimeType() && !observation.hasEffectiveInstantType()) {
            throw new Malformed("the Observation has no effectiveDateTime or effectiveInstant");
        }
        Instant time = observation.hasEffectiveDateTimeType()
                ? observation.getEffectiveDateTimeType().getValue().toInstant()
                : observation.getEffectiveInstantType().getValue().toInstant();
        notInTheFuture(time);
        Optional<Vital> vital = Vital.ofLoinc(loinc.getCode());
        if (vital.isPresent()) {
            Quantity quantity = observation.getValueQuantity();
            checkValue(vital.get(), quantity.getValue().doubleValue(), quantity.getCode());
        }
        String messageId = observation.getIdentifier().stream()
                .filter(i -> i.hasSystem() && i.hasValue())
                .map(i -> i.getSystem() + "|" + i.getValue())
                .findFirst()
                .orElse(null);
        String key = messageId != null
                ? deviceId + "|identifier|" + messageId
                : deviceId + "|" + loinc.getCode() + "|" + time;
        observation.setIdElement(null);
        observation.setMeta(null);
        return new Parsed(finish(deviceId, key, observation), null, deviceId);
    }

    /** What every reading gets: the vital-signs category, its key as an identifier, the device. */
    private static Reading finish(String deviceId, String key, Observation observation) {
        boolean hasCategory = observation.getCategory().stream()
                .flatMap(c -> c.getCoding().stream())
                .anyMatch(c -> CATEGORY_SYSTEM.equals(c.getSystem()) && "vital-signs".equals(c.getCode()));
        if (!hasCategory) {
            observation.addCategory(new CodeableConcept(new Coding(CATEGORY_SYSTEM, "vital-signs", "Vital Signs")));
        }
        observation.addIdentifier().setSystem(KEY_SYSTEM).setValue(key);
        if (observation.hasDevice()
                && !("Device/" + deviceId).equals(observation.getDevice().getReference())) {
            throw new Malformed("the Observation names device "
                    + observation.getDevice().getReference() + " but was published by Device/" + deviceId);
        }
        observation.setDevice(new Reference("Device/" + deviceId));
        observation.setId(idOf(key));
        return new Reading(deviceId, key, observation);
    }

    private void checkValue(Vital vital, double value, String unit) {
        if (!Double.isFinite(value)) {
            throw new Malformed("'value' must be a finite number");
        }
        if (!vital.unit().equals(unit)) {
            throw new Malformed(vital.alias() + " is sent in UCUM '" + vital.unit() + "', not '" + unit + "'");
        }
        if (value < vital.min() || value > vital.max()) {
            throw new Malformed(vital.alias() + " of " + value + " " + unit
                    + " lies outside what a sensor can measure (" + vital.min() + " to " + vital.max() + ")");
        }
    }

    private Instant instant(String text) {
        Instant time;
        try {
            time = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new Malformed("'time' must be an ISO-8601 date-time with its offset, e.g. 2026-12-03T10:15:00Z");
        }
        notInTheFuture(time);
        return time;
    }

    private void notInTheFuture(Instant time) {
        if (time.isAfter(clock.instant().plus(maxClockSkew))) {
            throw new Malformed("the reading's time " + time + " lies in the future (the device's clock is wrong)");
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new Malformed("'" + field + "' must be a non-empty string");
        }
        return value.asText();
    }

    static String idOf(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "dr-" + HexFormat.of().formatHex(digest, 0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A reading that is not one; its message is the refusal's detail. */
    private static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
