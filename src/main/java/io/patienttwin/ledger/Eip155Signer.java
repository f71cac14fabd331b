package io.patienttwin.ledger;

import java.math.BigInteger;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Sign;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.utils.Numeric;

/**
 * Signs legacy transactions with EIP-155 replay protection, byte for byte as web3j's
 * {@link TransactionEncoder#signMessage(RawTransaction, long, Credentials)} does (RFC 6979
 * deterministic k with HMAC-SHA256, low s), several times faster: web3j finds the recovery id by
 * recovering public keys from the finished signature, each an elliptic-curve multiplication, while
 * this signer reads it off the point R it computes anyway. Signing was the outbox writer's main cost
 * (docs/benchmarks.md). Thread-safe.
 */
final class Eip155Signer {

    private static final ECDomainParameters CURVE = new ECDomainParameters(
            Sign.CURVE_PARAMS.getCurve(), Sign.CURVE_PARAMS.getG(), Sign.CURVE_PARAMS.getN(), Sign.CURVE_PARAMS.getH());
    private static final BigInteger HALF_ORDER = CURVE.getN().shiftRight(1);

    private final BigInteger privateKey;
    private final FixedPointCombMultiplier multiplier = new FixedPointCombMultiplier();

    Eip155Signer(Credentials credentials) {
        this.privateKey = credentials.getEcKeyPair().getPrivateKey();
    }

    /** The signed transaction, RLP-encoded, ready for eth_sendRawTransaction. */
    byte[] sign(RawTransaction transaction, long chainId) {
        Sign.SignatureData signature = signHash(Hash.sha3(TransactionEncoder.encode(transaction, chainId)));
        return TransactionEncoder.encode(transaction, TransactionEncoder.createEip155SignatureData(signature, chainId));
    }

    /** ECDSA over secp256k1 of a 32-byte hash, with v = 27 + recovery id (as {@link Sign#signMessage}). */
    Sign.SignatureData signHash(byte[] hash) {
        BigInteger n = CURVE.getN();
        BigInteger e = new BigInteger(1, hash);
        HMacDSAKCalculator k = new HMacDSAKCalculator(new SHA256Digest());
        k.init(n, privateKey, hash);
        while (true) {
            BigInteger nonce = k.nextK();
            ECPoint point = multiplier.multiply(CURVE.getG(), nonce).normalize();
            BigInteger x = point.getAffineXCoord().toBigInteger();
            BigInteger r = x.mod(n);
            if (r.signum() == 0) {
                continue;
            }
            BigInteger s =
                    nonce.modInverse(n).multiply(e.add(privateKey.multiply(r))).mod(n);
            if (s.signum() == 0) {
                continue;
            }
            int recoveryId = (point.getAffineYCoord().testBitZero() ? 1 : 0) | (x.compareTo(n) >= 0 ? 2 : 0);
            if (s.compareTo(HALF_ORDER) > 0) {
                // the canonical (low) s belongs to -R, whose y has the other parity
                s = n.subtract(s);
                recoveryId ^= 1;
            }
            return new Sign.SignatureData(
                    (byte) (27 + recoveryId), Numeric.toBytesPadded(r, 32), Numeric.toBytesPadded(s, 32));
        }
    }
}
