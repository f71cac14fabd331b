package io.patienttwin.fhir.store;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.BaseDateTimeType;

/**
 * Turns FHIR dates of any precision into the closed instant range they stand for: "2020-03" is
 * 2020-03-01T00:00:00Z up to 2020-03-31T23:59:59.999Z. Values without a zone are read as UTC.
 */
final class DateRanges {

    private DateRanges() {}

    static Instant low(BaseDateTimeType value) {
        return start(value).toInstant();
    }

    static Instant high(BaseDateTimeType value) {
        ZonedDateTime start = start(value);
        ZonedDateTime next =
                switch (value.getPrecision()) {
                    case YEAR -> start.plusYears(1);
                    case MONTH -> start.plusMonths(1);
                    case DAY -> start.plusDays(1);
                    case MINUTE -> start.plusMinutes(1);
                    case SECOND -> start.plusSeconds(1);
                    case MILLI -> start.plus(1, ChronoUnit.MILLIS);
                };
        return next.toInstant().minusMillis(1);
    }

    private static ZonedDateTime start(BaseDateTimeType value) {
        TimeZone zone = value.getTimeZone();
        ZoneOffset offset = zone == null || value.getPrecision().ordinal() <= TemporalPrecisionEnum.DAY.ordinal()
                ? ZoneOffset.UTC
                : ZoneOffset.ofTotalSeconds(zone.getOffset(value.getValue().getTime()) / 1000);
        TemporalPrecisionEnum precision = value.getPrecision();
        int month = precision.ordinal() >= TemporalPrecisionEnum.MONTH.ordinal() ? value.getMonth() + 1 : 1;
        int day = precision.ordinal() >= TemporalPrecisionEnum.DAY.ordinal() ? value.getDay() : 1;
        int hour = precision.ordinal() >= TemporalPrecisionEnum.MINUTE.ordinal() ? value.getHour() : 0;
        int minute = precision.ordinal() >= TemporalPrecisionEnum.MINUTE.ordinal() ? value.getMinute() : 0;
        int second = precision.ordinal() >= TemporalPrecisionEnum.SECOND.ordinal() ? value.getSecond() : 0;
        int millis = precision.ordinal() >= TemporalPrecisionEnum.MILLI.ordinal() ? value.getMillis() : 0;
        return ZonedDateTime.of(value.getYear(), month, day, hour, minute, second, millis * 1_000_000, offset);
    }
}
