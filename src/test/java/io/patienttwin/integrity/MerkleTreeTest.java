package io.patienttwin.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integrity tree against RFC 9162 / RFC 6962: the Certificate Transparency reference roots and
 * inclusion proofs, the RFC's recursive definition for every size up to 70, and proofs that fail for
 * any changed input.
 */
class MerkleTreeTest {

    private static final HexFormat HEX = HexFormat.of();

    /** The reference leaves of Certificate Transparency's Merkle tree tests. */
    private static final String[] CT_LEAVES = {
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"
    };

    /** Their roots for the first 1..8 leaves. */
    private static final String[] CT_ROOTS = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    };

    @Test
    void theRootsAreCertificateTransparencysReferenceRoots() {
        List<byte[]> leaves = ctLeaves();
        for (int n = 1; n <= CT_LEAVES.length; n++) {
            assertThat(HEX.formatHex(MerkleTree.of(leaves.subList(0, n)).root()))
                    .as("root of %d leaves", n)
                    .isEqualTo(CT_ROOTS[n - 1]);
        }
    }

    @Test
    void theInclusionPathsAreCertificateTransparencysReferencePaths() {
        MerkleTree tree = MerkleTree.of(ctLeaves());

        assertThat(tree.path(0).stream().map(HEX::formatHex))
                .containsExactly(
                        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertThat(tree.path(5).stream().map(HEX::formatHex))
                .containsExactly(
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    }

    @Test
    void everySizeUpTo70HasTheRootOfTheRfcsRecursiveDefinition() {
        List<byte[]> leaves = randomLeaves(70, 1);
        for (int n = 1; n <= leaves.size(); n++) {
            List<byte[]> first = leaves.subList(0, n);
            assertThat(MerkleTree.of(first).root()).as("size %d", n).isEqualTo(recursiveRoot(first));
        }
    }

    @Test
    void everyLeafOfEverySizeUpTo70IsProvenByItsPath() {
        List<byte[]> leaves = randomLeaves(70, 2);
        for (int n = 1; n <= leaves.size(); n++) {
            MerkleTree tree = MerkleTree.of(leaves.subList(0, n));
            for (int i = 0; i < n; i++) {
                assertThat(MerkleTree.verify(leaves.get(i), i, n, tree.path(i), tree.root()))
                        .as("leaf %d of %d", i, n)
                        .isTrue();
            }
        }
    }

    @Test
    void aPathProvesNothingForAnotherLeafIndexOrRootOrAlteredSibling() {
        List<byte[]> leaves = randomLeaves(37, 3);
        MerkleTree tree = MerkleTree.of(leaves);
        byte[] root = tree.root();
        for (int i = 0; i < leaves.size(); i++) {
            List<byte[]> path = tree.path(i);
            byte[] other = leaves.get((i + 1) % leaves.size());
            assertThat(MerkleTree.verify(other, i, 37, path, root))
                    .as("another leaf at %d", i)
                    .isFalse();
            assertThat(MerkleTree.verify(leaves.get(i), (i + 1) % 37, 37, path, root))
                    .as("another index for %d", i)
                    .isFalse();
            // (another tree size can give the same walk for some leaves: RFC 9162 does not bind the size to
            // the root, which is why VerifyCommand also checks the leaf count the chain holds)
            byte[] flipped = root.clone();
            flipped[i % 32] ^= 1;
            assertThat(MerkleTree.verify(leaves.get(i), i, 37, path, flipped))
                    .as("another root")
                    .isFalse();
            if (!path.isEmpty()) {
                List<byte[]> altered = new ArrayList<>(path);
                byte[] sibling = altered.get(0).clone();
                sibling[0] ^= (byte) 0x80;
                altered.set(0, sibling);
                assertThat(MerkleTree.verify(leaves.get(i), i, 37, altered, root))
                        .as("an altered sibling")
                        .isFalse();
                assertThat(MerkleTree.verify(leaves.get(i), i, 37, path.subList(1, path.size()), root))
                        .as("a shortened path")
                        .isFalse();
            }
        }
    }

    @Test
    void aPathReadFromTheStoredLevelsIsTheTreesPathForEveryLeafOfEverySizeUpTo70() {
        for (int n = 1; n <= 70; n++) {
            List<byte[]> leaves = randomLeaves(n, 1000 + n);
            MerkleTree tree = MerkleTree.of(leaves);
            byte[] root = recursiveRoot(leaves);
            List<byte[]> stored = new ArrayList<>();
            for (int l = 0; l < tree.height(); l++) {
                stored.add(tree.level(l));
            }
            assertThat(stored.get(0))
                    .as("the leaf level of %d", n)
                    .isEqualTo(leaves.stream().reduce(new byte[0], MerkleTreeTest::concat));
            assertThat(stored.get(tree.height() - 1))
                    .as("the top level of %d leaves", n)
                    .isEqualTo(root);
            for (int i = 0; i < n; i++) {
                List<byte[]> fromLevels = new ArrayList<>();
                for (MerkleTree.Position p : MerkleTree.pathPositions(i, n)) {
                    byte[] level = stored.get(p.level());
                    fromLevels.add(Arrays.copyOfRange(level, p.index() * 32, p.index() * 32 + 32));
                }
                assertThat(MerkleTree.verify(leaves.get(i), i, n, fromLevels, root))
                        .as("leaf %d of %d, its path read from the levels", i, n)
                        .isTrue();
                assertThat(fromLevels.stream().map(HEX::formatHex))
                        .containsExactlyElementsOf(
                                tree.path(i).stream().map(HEX::formatHex).toList());
            }
        }
    }

    @Test
    void leafDataThatSpellsTwoChildrenDoesNotHashToTheirNode() {
        List<byte[]> leaves = randomLeaves(2, 4);
        byte[] node = MerkleTree.of(leaves).root();

        assertThat(MerkleTree.leafHash(concat(leaves.get(0), leaves.get(1))))
                .as("the 0x00 and 0x01 prefixes keep a leaf from passing for a node")
                .isNotEqualTo(node);
    }

    private static List<byte[]> ctLeaves() {
        return Arrays.stream(CT_LEAVES)
                .map(h -> MerkleTree.leafHash(HEX.parseHex(h)))
                .toList();
    }

    private static List<byte[]> randomLeaves(int n, long seed) {
        Random random = new Random(seed);
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[1 + random.nextInt(40)];
            random.nextBytes(data);
            leaves.add(MerkleTree.leafHash(data));
        }
        return leaves;
    }

    /** RFC 9162 §2.1.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n. */
    private static byte[] recursiveRoot(List<byte[]> leaves) {
        if (leaves.size() == 1) {
            return leaves.get(0);
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        byte[] left = recursiveRoot(leaves.subList(0, k));
        byte[] right = recursiveRoot(leaves.subList(k, leaves.size()));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((byte) 1);
            sha.update(left);
            return sha.digest(right);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
