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
        LongVector[] qv = new LongVector[block / lanes];
        for (int j = 0; j < qv.length; j++) {
            qv[j] = LongVector.fromArray(species, tiled, j * lanes);
        }
        long[] counts = new long[block];
        long sum = 0;
        int min = Integer.MAX_VALUE;
        int o = 0;
        for (; o + block <= a.length; o += block) {
            for (int j = 0; j < qv.length; j++) {
                LongVector.fromArray(species, a, o + j * lanes).lanewise(VectorOperators.XOR, qv[j]).lanewise(VectorOperators.BIT_COUNT).intoArray(counts, j * lanes);
            }
            for (int v = 0; v < block; v += words) {
                int d = 0;
                for (int w = 0; w < words; w++) {
                    d += (int) counts[v + w];
                }
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
