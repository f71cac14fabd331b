package io.patienttwin.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class RevertDecoderTest {

    private final RevertDecoder decoder = RevertDecoder.forContracts("ConsentRegistry", "AuditAnchor");

    @Test
    void decodesAnErrorWithArgumentsEvenInJsonQuotes() {
        String data = "\"0x7c332d7e" // InvalidPeriod(uint64,uint64)
                + "0000000000000000000000000000000000000000000000000000000000000009"
                + "0000000000000000000000000000000000000000000000000000000000000008\"";

        ContractError error = decoder.decode(data).orElseThrow();

        assertThat(error.name()).isEqualTo("InvalidPeriod");
        assertThat(error.arguments()).containsExactly(BigInteger.valueOf(9), BigInteger.valueOf(8));
    }

    @Test
    void unknownSelectorsShortDataAndNullDecodeToNothing() {
        assertThat(decoder.decode("0xdeadbeef")).isEmpty();
        assertThat(decoder.decode("0x12")).isEmpty();
        assertThat(decoder.decode(null)).isEmpty();
    }
}
