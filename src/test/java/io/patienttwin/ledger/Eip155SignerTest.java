package io.patienttwin.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Sign;
import org.web3j.crypto.SignedRawTransaction;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.utils.Numeric;

/** The fast signer must produce exactly web3j's signatures: same bytes, same recoverable sender. */
class Eip155SignerTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void signsEveryTransactionByteForByteAsWeb3jDoesForManyKeysAndPayloads() throws Exception {
        for (int i = 0; i < 300; i++) {
            Credentials credentials = Credentials.create(Keys.createEcKeyPair());
            byte[] data = new byte[RANDOM.nextInt(300)];
            RANDOM.nextBytes(data);
            RawTransaction transaction = RawTransaction.createTransaction(
                    BigInteger.valueOf(RANDOM.nextInt(1_000_000)),
                    BigInteger.ZERO,
                    BigInteger.valueOf(300_000),
                    "0x" + "ab".repeat(20),
                    BigInteger.ZERO,
                    Numeric.toHexString(data));
            long chainId = i % 2 == 0 ? 1337 : 2018;

            byte[] ours = new Eip155Signer(credentials).sign(transaction, chainId);

            assertThat(Numeric.toHexString(ours))
                    .isEqualTo(Numeric.toHexString(TransactionEncoder.signMessage(transaction, chainId, credentials)));
            SignedRawTransaction decoded = (SignedRawTransaction) TransactionDecoder.decode(Numeric.toHexString(ours));
            assertThat(decoded.getFrom()).isEqualTo(credentials.getAddress());
            assertThat(decoded.getChainId()).isEqualTo(chainId);
        }
    }

    @Test
    void aHashSignatureRecoversTheSignersKeyLikeWeb3jsOwn() throws Exception {
        ECKeyPair keys = Keys.createEcKeyPair();
        for (int i = 0; i < 200; i++) {
            byte[] hash = new byte[32];
            RANDOM.nextBytes(hash);

            Sign.SignatureData ours = new Eip155Signer(Credentials.create(keys)).signHash(hash);

            Sign.SignatureData web3j = Sign.signMessage(hash, keys, false);
            assertThat(ours.getV()).isEqualTo(web3j.getV());
            assertThat(ours.getR()).isEqualTo(web3j.getR());
            assertThat(ours.getS()).isEqualTo(web3j.getS());
            assertThat(Sign.signedMessageHashToKey(hash, ours)).isEqualTo(keys.getPublicKey());
        }
    }
}
