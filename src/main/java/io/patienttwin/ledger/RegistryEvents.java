package io.patienttwin.ledger;

import io.patienttwin.ledger.contracts.ConsentRegistry;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/** Decodes ConsentRegistry logs into {@link RegistryEvent}s with the generated wrapper's decoders. */
final class RegistryEvents {

    private static final String CONSENT_GRANTED = EventEncoder.encode(ConsentRegistry.CONSENTGRANTED_EVENT);
    private static final String CONSENT_REVOKED = EventEncoder.encode(ConsentRegistry.CONSENTREVOKED_EVENT);
    private static final String ACCESS_GRANTED = EventEncoder.encode(ConsentRegistry.ACCESSGRANTED_EVENT);
    private static final String ACCESS_REVOKED = EventEncoder.encode(ConsentRegistry.ACCESSREVOKED_EVENT);
    private static final String BREAK_GLASS = EventEncoder.encode(ConsentRegistry.BREAKGLASSRECORDED_EVENT);

    private RegistryEvents() {}

    /** The event in a log, or empty for logs of no interest (role changes). */
    static Optional<RegistryEvent> decode(Log log) {
        if (log.getTopics().isEmpty() || log.isRemoved()) {
            return Optional.empty();
        }
        String topic = log.getTopics().get(0);
        RegistryEvent.Position at = new RegistryEvent.Position(
                log.getBlockNumber().longValueExact(),
                log.getBlockHash(),
                log.getLogIndex().intValueExact(),
                log.getTransactionHash());
        if (topic.equals(CONSENT_GRANTED)) {
            var e = ConsentRegistry.getConsentGrantedEventFromLog(log);
            return Optional.of(new RegistryEvent.ConsentGranted(
                    at,
                    hex(e.consentId),
                    hex(e.patient),
                    hex(e.grantee),
                    e.categories.longValueExact(),
                    e.purposes.intValueExact(),
                    e.validFrom.longValueExact(),
                    e.validUntil.longValueExact(),
                    hex(e.documentHash)));
        }
        if (topic.equals(CONSENT_REVOKED)) {
            var e = ConsentRegistry.getConsentRevokedEventFromLog(log);
            return Optional.of(new RegistryEvent.ConsentRevoked(at, hex(e.consentId), hex(e.patient), hex(e.reason)));
        }
        if (topic.equals(ACCESS_GRANTED)) {
            var e = ConsentRegistry.getAccessGrantedEventFromLog(log);
            return Optional.of(new RegistryEvent.AccessGranted(
                    at,
                    hex(e.grantId),
                    e.kind.intValueExact(),
                    hex(e.subject),
                    hex(e.target),
                    e.validUntil.longValueExact()));
        }
        if (topic.equals(ACCESS_REVOKED)) {
            var e = ConsentRegistry.getAccessRevokedEventFromLog(log);
            return Optional.of(
                    new RegistryEvent.AccessRevoked(at, hex(e.grantId), e.kind.intValueExact(), hex(e.subject)));
        }
        if (topic.equals(BREAK_GLASS)) {
            var e = ConsentRegistry.getBreakGlassRecordedEventFromLog(log);
            return Optional.of(new RegistryEvent.BreakGlassRecorded(
                    at,
                    hex(e.eventId),
                    hex(e.patient),
                    hex(e.principal),
                    hex(e.reasonHash),
                    e.validFrom.longValueExact(),
                    e.validUntil.longValueExact()));
        }
        return Optional.empty();
    }

    static String hex(byte[] bytes) {
        return Numeric.toHexString(bytes);
    }
}
