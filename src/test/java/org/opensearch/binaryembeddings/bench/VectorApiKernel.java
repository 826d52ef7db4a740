package org.opensearch.binaryembeddings.bench;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Hamming scan with the incubator Vector API (test scope only; needs {@code --add-modules jdk.incubator.vector}):
 * blocks of lcm(words, lanes) longs are XORed with the query tiled to the block and popcounted lane-wise, then the
 * lanes are summed per vector.
 */
final class VectorApiKernel {

    private final VectorSpecies<Long> species;
    private final int words;
    private final int block;

    private VectorApiKernel(VectorSpecies<Long> species, int words) {
        this.species = species;
        this.words = words;
        int lanes = species.length();
        int l = words;
        while (l % lanes != 0) {
            l += words;
        }
        this.block = l;
    }

    /** The kernel; throws a LinkageError when the incubator module is not in the JVM. */
    static VectorApiKernel create(int words) {
        if (words != 6) {
            throw new IllegalArgumentException("the Vector API kernel is written for 384-bit vectors (6 longs)");
        }
        return new VectorApiKernel(LongVector.SPECIES_PREFERRED, words);
    }

    String describe() {
        return species.vectorBitSize() + "-bit lanes × " + species.length() + ", blocks of " + block / words + " vectors";
    }

    long scan(long[] a, long[] q) {
        int lanes = species.length();
        long[] tiled = new long[block];
        for (int i = 0; i < block; i++) {
            tiled[i] = q[i % words];
        }
        // for 6 words per vector, lcm(6, lanes) is 3 registers for 2, 4 or 8 lanes: keep them in locals
        LongVector q0 = LongVector.fromArray(species, tiled, 0);
        LongVector q1 = LongVector.fromArray(species, tiled, lanes);
        LongVector q2 = LongVector.fromArray(species, tiled, 2 * lanes);
        long[] counts = new long[block];
        long sum = 0;
        int min = Integer.MAX_VALUE;
        int o = 0;
        for (; o + block <= a.length; o += block) {
            LongVector.fromArray(species, a, o).lanewise(VectorOperators.XOR, q0).lanewise(VectorOperators.BIT_COUNT).intoArray(counts, 0);
            LongVector.fromArray(species, a, o + lanes).lanewise(VectorOperators.XOR, q1).lanewise(VectorOperators.BIT_COUNT).intoArray(counts, lanes);
            LongVector.fromArray(species, a, o + 2 * lanes).lanewise(VectorOperators.XOR, q2).lanewise(VectorOperators.BIT_COUNT).intoArray(counts, 2 * lanes);
            for (int v = 0; v < block; v += 6) {
                int d = (int) (counts[v] + counts[v + 1] + counts[v + 2] + counts[v + 3] + counts[v + 4] + counts[v + 5]);
                sum += d;
                min = Math.min(min, d);
            }
        }
        for (; o + words <= a.length; o += words) { // tail
            int d = 0;
            for (int w = 0; w < words; w++) {
                d += Long.bitCount(a[o + w] ^ q[w]);
            }
            sum += d;
            min = Math.min(min, d);
        }
        return sum + ((long) min << 40);
    }
}
