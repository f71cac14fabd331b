package io.patienttwin.integrity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0, §2.1) over SHA-256: a leaf's hash is
 * {@code SHA-256(0x00 || data)} ({@link #leafHash}), an interior node's {@code SHA-256(0x01 || left ||
 * right)}, and a tree of n leaves splits at the largest power of two below n. The two prefixes keep a
 * leaf from ever passing for a node (second-preimage attacks).
 *
 * <p>Built bottom-up level by level: pairing neighbours and carrying an unpaired last node up unhashed
 * gives exactly the RFC's tree, so every level is kept and a proof is a walk up them. Immutable once
 * built; safe to share between threads.
 */
public final class MerkleTree {

    static final int HASH_BYTES = 32;

    /** levels.get(0) are the leaves; the last level holds the root alone. */
    private final List<byte[][]> levels;

    private MerkleTree(List<byte[][]> levels) {
        this.levels = levels;
    }

    /** The tree over leaf hashes (each 32 bytes), in order; at least one leaf. */
    public static MerkleTree of(List<byte[]> leafHashes) {
        if (leafHashes.isEmpty()) {
            throw new IllegalArgumentException("a Merkle tree needs at least one leaf");
        }
        byte[][] level = new byte[leafHashes.size()][];
        for (int i = 0; i < level.length; i++) {
            byte[] leaf = leafHashes.get(i);
            if (leaf.length != HASH_BYTES) {
                throw new IllegalArgumentException("leaf " + i + " is not a SHA-256 hash");
            }
            level[i] = leaf;
        }
        List<byte[][]> levels = new ArrayList<>();
        levels.add(level);
        MessageDigest sha = sha256();
        while (level.length > 1) {
            byte[][] up = new byte[(level.length + 1) / 2][];
            for (int i = 0; i < level.length / 2; i++) {
                up[i] = node(sha, level[2 * i], level[2 * i + 1]);
            }
            if (level.length % 2 == 1) {
                up[up.length - 1] = level[level.length - 1];
            }
            levels.add(up);
            level = up;
        }
        return new MerkleTree(levels);
    }

    public int size() {
        return levels.get(0).length;
    }

    public byte[] root() {
        return levels.get(levels.size() - 1)[0].clone();
    }

    public byte[] leaf(int index) {
        return levels.get(0)[index].clone();
    }

    /** The inclusion proof of a leaf: its sibling hashes from the leaf up (RFC 9162 §2.1.3.1). */
    public List<byte[]> path(int index) {
        List<byte[]> path = new ArrayList<>();
        for (Position sibling : pathPositions(index, size())) {
            path.add(levels.get(sibling.level())[sibling.index()].clone());
        }
        return path;
    }

    /** A node of the tree: its level (0 the leaves) and its place in that level. */
    public record Position(int level, int index) {}

    /**
     * Where the inclusion path of a leaf lies in a tree of a size, from the leaf up: the nodes whose
     * hashes {@link #path} returns, so that a path can be read from stored {@link #level levels}
     * without the tree.
     */
    public static List<Position> pathPositions(int index, int size) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("leaf " + index + " of " + size);
        }
        List<Position> positions = new ArrayList<>();
        int i = index;
        int width = size;
        for (int l = 0; width > 1; l++) {
            int sibling = i ^ 1;
            if (sibling < width) {
                positions.add(new Position(l, sibling));
            }
            i >>= 1;
            width = (width + 1) / 2;
        }
        return positions;
    }

    /** How many levels the tree has, the leaves' and the root's included (1 for a single leaf). */
    public int height() {
        return levels.size();
    }

    /** The hashes of a level (0 the leaves, {@code height() - 1} the root), concatenated in order. */
    public byte[] level(int level) {
        byte[][] nodes = levels.get(level);
        byte[] bytes = new byte[nodes.length * HASH_BYTES];
        for (int i = 0; i < nodes.length; i++) {
            System.arraycopy(nodes[i], 0, bytes, i * HASH_BYTES, HASH_BYTES);
        }
        return bytes;
    }

    /**
     * Whether a path proves a leaf at an index of a tree of a size with this root (RFC 9162 §2.1.3.2).
     * Needs nothing of the tree: this is what an offline verifier runs.
     */
    public static boolean verify(byte[] leafHash, long index, long treeSize, List<byte[]> path, byte[] root) {
        if (index < 0 || index >= treeSize || leafHash.length != HASH_BYTES || root.length != HASH_BYTES) {
            return false;
        }
        MessageDigest sha = sha256();
        long fn = index;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0 || p.length != HASH_BYTES) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = node(sha, p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = node(sha, r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /** {@code SHA-256(0x00 || data)}. */
    public static byte[] leafHash(byte[] data) {
        MessageDigest sha = sha256();
        sha.update((byte) 0);
        return sha.digest(data);
    }

    private static byte[] node(MessageDigest sha, byte[] left, byte[] right) {
        sha.reset();
        sha.update((byte) 1);
        sha.update(left);
        return sha.digest(right);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "MerkleTree[" + size() + " leaves, root "
                + java.util.HexFormat.of().formatHex(root()) + "]";
    }
}
