package io.patienttwin.ledger;

import io.patienttwin.ledger.contracts.ConsentRegistry;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/** Decodes ConsentRegistry logs into {@link RegistryEvent}s (topics from the generated wrapper's events). */
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
        List<String> topics =
                log.getTopics().stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
        byte[] data = Numeric.hexStringToByteArray(log.getData());
        if (topic.equals(CONSENT_GRANTED)) {
            // decoded by hand: web3j's reflective decoder was the largest cost of a replay
            return Optional.of(new RegistryEvent.ConsentGranted(
                    at,
                    topics.get(1),
                    topics.get(2),
                    topics.get(3),
                    uint(data, 0),
                    (int) uint(data, 1),
                    uint(data, 2),
                    uint(data, 3),
                    word(data, 4)));
        }
        if (topic.equals(CONSENT_REVOKED)) {
            return Optional.of(new RegistryEvent.ConsentRevoked(at, topics.get(1), topics.get(2), word(data, 0)));
        }
        if (topic.equals(ACCESS_GRANTED)) {
            return Optional.of(new RegistryEvent.AccessGranted(
                    at,
                    topics.get(1),
                    (int) Numeric.toBigInt(topics.get(2)).longValueExact(),
                    topics.get(3),
                    word(data, 0),
                    uint(data, 1)));
        }
        if (topic.equals(ACCESS_REVOKED)) {
            return Optional.of(new RegistryEvent.AccessRevoked(
                    at, topics.get(1), (int) Numeric.toBigInt(topics.get(2)).longValueExact(), topics.get(3)));
        }
        if (topic.equals(BREAK_GLASS)) {
            return Optional.of(new RegistryEvent.BreakGlassRecorded(
                    at, topics.get(1), topics.get(2), topics.get(3), word(data, 0), uint(data, 1), uint(data, 2)));
        }
        return Optional.empty();
    }

    /** The {@code index}th 32-byte word of ABI-encoded data, 0x-hex. */
    private static String word(byte[] data, int index) {
        return Numeric.toHexString(Arrays.copyOfRange(data, index * 32, index * 32 + 32));
    }

    /** The {@code index}th word as an unsigned integer (event fields here are at most 64 bits). */
    private static long uint(byte[] data, int index) {
        return new BigInteger(1, Arrays.copyOfRange(data, index * 32, index * 32 + 32)).longValueExact();
    }
}
